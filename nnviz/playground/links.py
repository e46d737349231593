"""Links that hold a whole experiment, and the controls a lesson's link hides.

A link is the playground's address with ``?x=<payload>``: the payload is a small JSON object,
deflate-compressed and base64url-encoded (no padding), about 350 characters for the presets::

    {"v": 1, "settings": {<every setting, as in a .nn file>}, "hide": ["data", "lr", ...]}

``v`` is the format's version: a reader refuses a link of another version and any key it does not know,
so a later version can add fields without an old reader silently dropping them. Version 2 adds
``"data"``: the points of Your data (:func:`nnviz.playground.your_data.to_plain`), when the whole link
stays within :data:`MAX_LINK` characters (:func:`shared_link`); a link without them is still version 1.
The settings are read field by field through the table that drives the sidebar
(:data:`~nnviz.playground.settings.FIELDS`, :func:`~nnviz.playground.settings.valid_value`,
:func:`~nnviz.playground.settings.field_errors`), all or nothing: a link with anything wrong is refused
as a whole with one message (:class:`LinkError`), before anything is applied. Formulas are checked
afterwards by the experiment like typed ones (:meth:`Experiment.check`, the engine's formula checker:
never evaluated). Nothing in a link is ever executed.

The same settings with the same seeds give the same data, initial weights and shuffling, so the run a
link opens trains bit for bit like the run it was made from (when that one started from its seed and
kept its settings: :attr:`~nnviz.playground.ledger.RunStart.reproducible`).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import re
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from nnviz.core.datasets import CUSTOM as YOUR_DATA
from nnviz.core.datasets import Dataset
from nnviz.core.errors import SpecError
from nnviz.core.formula_syntax import MAX_LENGTH as MAX_FORMULA_LENGTH
from nnviz.playground.settings import (
    FIELDS,
    MAX_HIDDEN,
    LayerSettings,
    Settings,
    SettingsError,
    field_errors,
    refusal,
    settings_to_dict,
    valid_value,
)
from nnviz.playground.your_data import from_plain, to_plain

#: The query parameter that holds a link's payload.
PARAM = "x"
#: The link format's newest version, and the keys each version has (2: the points of Your data).
VERSION = 2
KEYS = {1: ("v", "settings", "hide"), 2: ("v", "settings", "hide", "data")}
#: Longest link that carries Your data's points (a longer one leaves them out and says so).
MAX_LINK = 2048
#: Longest payload read, in characters, and longest JSON text it may inflate to, in bytes (six layers of
#: the longest formulas fit easily); anything longer is refused unread.
MAX_PAYLOAD, MAX_JSON = 8192, 16384
#: Most digits of a whole number in a link (a seed has at most 10).
MAX_DIGITS = 18
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*={0,2}")

#: The sidebar's sections and what each holds ("layers": the hidden layers and the output layer).
SECTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "data": ("Data", ("dataset", "noise", "points", "test_ratio", "data_seed", "features")),
    "network": ("Network", ("layers", "init", "weight_seed")),
    "training": (
        "Training",
        (
            "loss",
            "optimizer",
            "lr",
            "batch_size",
            "shuffle",
            "regularization",
            "reg_rate",
            "epochs_per_frame",
        ),
    ),
}
#: Controls that are not one setting.
OTHER_CONTROLS = {
    "layers": "Layers (hidden and output)",
    "preset": "Preset chooser",
    "new_weights": "New weights button",
    "edit": "Edit a weight",
    "upload": "Upload a model",
}
#: Every control a lesson link may hide, with its label: whole sections, each setting, the others.
HIDEABLE: dict[str, str] = {
    **{name: f"{title} (whole section)" for name, (title, _) in SECTIONS.items()},
    **{name: field.label for name, field in FIELDS.items()},
    **OTHER_CONTROLS,
}


class LinkError(SettingsError):
    """A link that cannot be applied; ``errors`` maps what is wrong (``"link"``, ``"lr"``, ...) to why."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__(errors)
        named = {"link", *FIELDS}  # a setting's refusal names it already
        parts = (why.rstrip(".") if what in named else f"{what}: {why}" for what, why in self.errors.items())
        self.args = ("; ".join(parts),)


@dataclass(frozen=True)
class Link:
    """What a link holds: the settings, and the controls its learner does not see."""

    settings: Settings
    hide: frozenset[str] = frozenset()
    data: Dataset | None = dataclasses.field(default=None, compare=False)  # Your data's points, if held


def hidden_controls(chosen: Iterable[str]) -> frozenset[str]:
    """Every control hidden when a lesson hides ``chosen``: a section hides what it holds; a hidden setting
    also hides the preset chooser and the upload (each would set it anew), the weight seed hides New
    weights (the next seed)."""
    hidden = set(chosen)
    for name, (_, members) in SECTIONS.items():
        if name in hidden:
            hidden.update(members)
    if hidden & ({*FIELDS, "layers"}):
        hidden.update(("preset", "upload"))
    if "weight_seed" in hidden:
        hidden.add("new_weights")
    return frozenset(hidden)


def keep_hidden(settings: Settings, current: Settings, hidden: frozenset[str]) -> Settings:
    """``settings`` with every setting in ``hidden`` as in ``current``: a hidden control changes nothing."""
    values: dict[str, Any] = {name: getattr(current, name) for name in FIELDS if name in hidden}
    if "layers" in hidden:
        values.update(hidden=current.hidden, output=current.output)
    return dataclasses.replace(settings, **values)


# --- writing ----------------------------------------------------------------------------------------


def link_payload(settings: Settings, hide: Iterable[str] = (), own: Dataset | None = None) -> str:
    """The ``?x=`` value of a link to ``settings`` whose learner does not see ``hide``, with the points of
    Your data ``own`` (version 2) if given."""
    data: dict[str, Any] = {"v": 1 if own is None else 2, "settings": settings_to_dict(settings)}
    if hide:
        data["hide"] = sorted(set(hide))
    if own is not None:
        data["data"] = to_plain(own)
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=True)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = packer.compress(text.encode("ascii")) + packer.flush()
    return base64.urlsafe_b64encode(packed).rstrip(b"=").decode("ascii")


def link_url(base: str, payload: str) -> str:
    """The whole link: the page's address ``base`` (without a query) with the payload."""
    return f"{base.split('?')[0]}?{PARAM}={payload}"


def shared_link(base: str, settings: Settings, hide: Iterable[str], own: Dataset) -> tuple[str, str | None]:
    """The link to share, and what it leaves out (None: nothing). On Your data (``settings.dataset`` is
    "custom") the link holds its points ``own`` if it stays within :data:`MAX_LINK` characters; otherwise it
    leaves them out, and whoever opens it gets an empty canvas."""
    url = link_url(base, link_payload(settings, hide))
    if settings.dataset != YOUR_DATA:
        return url, None
    with_points = link_url(base, link_payload(settings, hide, own))
    if len(with_points) <= MAX_LINK:
        return with_points, None
    n = len(own.X_train) + len(own.X_test)
    return url, (
        f"Your data ({n:,} points) does not fit in a link of at most {MAX_LINK:,} characters, so this link "
        "leaves it out (it opens with an empty canvas): share the data as a CSV file or in the model (.nn)."
    )


# --- reading ------------------------------------------------------------------------------------------


def _refuse(reason: str, where: str = "link") -> LinkError:
    return LinkError({where: reason})


def _json_text(payload: object) -> str:
    """The JSON text inside a payload; :class:`LinkError` for anything that is not one."""
    if not isinstance(payload, str):
        raise _refuse("the link's x= value is missing or given twice")
    if not payload:
        raise _refuse("the link's x= value is empty")
    if len(payload) > MAX_PAYLOAD:
        raise _refuse(f"the link is too long ({len(payload):,} characters; at most {MAX_PAYLOAD:,})")
    if not _BASE64URL.fullmatch(payload):
        raise _refuse("the link is damaged: it has characters that a link never has (was it cut or edited?)")
    try:
        packed = base64.urlsafe_b64decode(payload.rstrip("=") + "=" * (-len(payload.rstrip("=")) % 4))
        unpacker = zlib.decompressobj(-15)
        text = unpacker.decompress(packed, MAX_JSON + 1)
    except (binascii.Error, ValueError, zlib.error):
        raise _refuse(
            "the link is damaged: its x= value cannot be unpacked (was it cut or edited?)"
        ) from None
    if len(text) > MAX_JSON or unpacker.unconsumed_tail:
        raise _refuse(f"the link unpacks to more than {MAX_JSON:,} bytes")
    if not unpacker.eof or unpacker.unused_data:
        raise _refuse("the link is damaged: its x= value is cut short or has extra bytes")
    try:
        return text.decode("utf-8")
    except UnicodeDecodeError:
        raise _refuse("the link is damaged: its text is not UTF-8") from None


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    twice = sorted({key for key in keys if keys.count(key) > 1})
    if twice:
        raise _refuse(f"the link gives {', '.join(map(repr, twice))} twice")
    return dict(pairs)


def _whole_number(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise _refuse(f"the link has a number of {len(text)} digits (at most {MAX_DIGITS})")
    return int(text)


def _no_constant(name: str) -> None:
    raise _refuse(f"the link has {name}, which is not a number JSON allows")


def _parse(text: str) -> Any:
    try:
        return json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_int=_whole_number,
            parse_constant=_no_constant,
        )
    except LinkError:
        raise
    except RecursionError:
        raise _refuse("the link is nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError is a ValueError
        raise _refuse(f"the link's text is not valid JSON ({exc})") from None


def _unknown(data: Mapping[str, Any], known: Iterable[str], where: str, what: str = "key") -> None:
    unknown = [key for key in data if key not in known]
    if unknown:
        names = ", ".join(repr(key) for key in unknown[:3]) + (" and more" if len(unknown) > 3 else "")
        raise _refuse(f"unknown {what}{'s' if len(unknown) > 1 else ''} {names}", where)


def _mapping(data: Any, where: str, what: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise _refuse(f"{what} must be a JSON object, not {type(data).__name__}", where)
    return data


#: The JSON type each part of a layer must have (``bool`` is not an ``int`` here).
_LAYER_TYPES = {"size": int, "bias": bool, "activation": str, "formula": str}


def _layer(data: Any, where: str, base: LayerSettings) -> LayerSettings:
    data = _mapping(data, where, "a layer")
    _unknown(data, [f.name for f in dataclasses.fields(LayerSettings)], where)
    for part, value in data.items():
        kind = _LAYER_TYPES[part]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise _refuse(f"{part} must be {kind.__name__}, not {type(value).__name__}", where)
    formula = data.get("formula", "")
    if len(formula) > MAX_FORMULA_LENGTH:
        raise _refuse(f"the formula has {len(formula):,} characters (at most {MAX_FORMULA_LENGTH})", where)
    return dataclasses.replace(base, **data)


def _settings(data: Any) -> Settings:
    data = _mapping(data, "settings", "the settings")
    _unknown(data, [*FIELDS, "hidden", "output"], "settings")
    defaults, values, errors = Settings(), {}, {}
    for name, value in data.items():
        if name in FIELDS:
            if not valid_value(name, value):
                errors[name] = refusal(name, value)
            elif FIELDS[name].kind == "features":
                values[name] = tuple(value)
            else:  # a whole number where a fraction is allowed (JSON does not tell them apart)
                values[name] = float(value) if isinstance(getattr(defaults, name), float) else value
    if "hidden" in data:
        hidden = data["hidden"]
        if not isinstance(hidden, list) or len(hidden) > MAX_HIDDEN:
            raise _refuse(f"must be a list of at most {MAX_HIDDEN} layers", "hidden")
        values["hidden"] = tuple(_layer(h, f"hidden.{i}", LayerSettings()) for i, h in enumerate(hidden))
    if "output" in data:
        values["output"] = _layer(data["output"], "output", defaults.output)
        if values["output"].size != 1:
            errors["output.size"] = f"the output layer has 1 unit, not {values['output'].size}"
    settings = dataclasses.replace(defaults, **values)
    errors.update(field_errors(settings))  # the layers' sizes and activations, in the sidebar's words
    if errors:
        raise LinkError(errors)
    return settings


def read_link(payload: object) -> Link:
    """What the ``?x=`` value ``payload`` holds, checked whole; :class:`LinkError` (naming everything
    wrong, nothing applied) for a damaged, oversized, unknown, out-of-range or wrongly typed link.

    Formulas are only checked for their length here: apply the settings through
    :meth:`~nnviz.playground.experiment.Experiment.apply`, which parses them safely first.
    """
    data = _mapping(_parse(_json_text(payload)), "link", "the link")
    version = data.get("v")
    if not isinstance(version, int) or isinstance(version, bool):
        raise _refuse("the link has no version number (v)")
    if version not in KEYS:
        newer = " by a newer nnviz" if version > VERSION else ""
        raise _refuse(f"the link is of version {version}{newer}; this nnviz reads versions 1 to {VERSION}")
    _unknown(data, KEYS[version], "link")
    if "settings" not in data:
        raise _refuse("the link has no settings")
    settings = _settings(data["settings"])
    hide = data.get("hide", [])
    if not isinstance(hide, list) or not all(isinstance(h, str) for h in hide):
        raise _refuse("must be a list of control names", "hide")
    _unknown(dict.fromkeys(hide), HIDEABLE, "hide", "control")
    return Link(settings, frozenset(hide), _own_data(data, settings))


def _own_data(data: Mapping[str, Any], settings: Settings) -> Dataset | None:
    """The points of Your data a link holds (None if it holds none), checked like a data file."""
    if "data" not in data:
        return None
    if settings.dataset != YOUR_DATA:
        raise _refuse(f"the link holds points but its dataset is {settings.dataset!r}, not Your data", "data")
    try:
        own = from_plain(data["data"])
    except SpecError as exc:
        raise _refuse(str(exc), "data") from None
    errors = field_errors(settings, own)  # an output that does not fit the points' classes
    if errors:
        raise LinkError(errors)
    return own


def refusal_message(error: SettingsError) -> str:
    """The one message a refused link shows."""
    return f"This link was not applied (nothing changed): {error}"


__all__ = [
    "HIDEABLE",
    "PARAM",
    "SECTIONS",
    "VERSION",
    "Link",
    "LinkError",
    "hidden_controls",
    "keep_hidden",
    "link_payload",
    "link_url",
    "read_link",
    "refusal_message",
    "shared_link",
]
