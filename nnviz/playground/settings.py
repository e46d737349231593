"""The experiment's settings: what the sidebar shows, what a file may set, and what a change resets.

Pure Python over :mod:`nnviz.core` (no Streamlit), so every rule here is unit-tested:

- :class:`Settings` is the whole experiment; :data:`FIELDS` is the table that drives the sidebar,
  the validation of settings read from files, and the rule of what a change resets (:data:`GROUPS`).
- Settings as plain data: :func:`settings_to_dict` / :func:`settings_from_dict` (files),
  :func:`to_widgets` / :func:`from_widgets` (the sidebar's widget keys), and
  :func:`settings_from_network` (an uploaded network).

:class:`nnviz.playground.experiment.Experiment` applies settings; :mod:`nnviz.playground.presets` names some.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from nnviz.core import ACTIVATIONS, INITIALISERS, LOSSES, OPTIMIZERS, Network
from nnviz.core.datasets import CUSTOM as YOUR_DATA
from nnviz.core.datasets import DATASETS, FEATURES
from nnviz.core.errors import SpecError
from nnviz.core.formula_syntax import MAX_LENGTH as MAX_FORMULA_LENGTH
from nnviz.model_file import ModelRecord
from nnviz.playground.classes import SOFTMAX, output_error, output_units
from nnviz.user_text import out_of_range

#: The activation choice that means "use the formula text".
CUSTOM = "custom"
#: Most hidden layers the sidebar offers.
MAX_HIDDEN = 6
#: Largest layer the sidebar offers (1–8 draw best).
SIDEBAR_MAX_UNITS = 64
#: Batch-size choices offered by the sidebar (a value read from a file is added).
BATCH_CHOICES = (1, 2, 4, 5, 8, 10, 16, 20, 25, 32, 50, 64, 100, 128, 256, 0)
EPOCHS_PER_FRAME_CHOICES = (0, 1, 2, 5, 10, 20, 50, 100, 200, 500)
REGULARIZATIONS = ("none", "l1", "l2")


class SettingsError(SpecError):
    """Invalid settings; ``errors`` maps each bad field's path (``"hidden.0.formula"``) to a message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


@dataclass(frozen=True)
class LayerSettings:
    """One layer: its size, bias flag, and activation (a built-in name, or :data:`CUSTOM` + ``formula``)."""

    size: int = 4
    bias: bool = True
    activation: str = "tanh"
    formula: str = "x/(1+abs(x))"

    @property
    def fn(self) -> str:
        """What :func:`nnviz.core.activation_from` gets: the built-in name or the formula text."""
        return self.formula if self.activation == CUSTOM else self.activation


@dataclass(frozen=True)
class Settings:
    """Everything that defines an experiment (the sidebar); immutable, changed with ``replace``."""

    dataset: str = "xor"
    noise: float = 0.0
    points: int = 500
    test_ratio: float = 0.5
    data_seed: int = 0
    features: tuple[str, ...] = ("x1", "x2")
    hidden: tuple[LayerSettings, ...] = (LayerSettings(4), LayerSettings(2))
    output: LayerSettings = LayerSettings(1, True, "sigmoid")
    loss: str = "bce"
    optimizer: str = "sgd"
    lr: float = 0.03
    batch_size: int = 10  # 0 = full batch
    shuffle: bool = False
    regularization: str = "none"
    reg_rate: float = 0.0
    init: str = "xavier"
    weight_seed: int = 0
    epochs_per_frame: int = 0  # 0 = as many as fit in a frame


@dataclass(frozen=True)
class Field:
    """One scalar setting: its group (what changing it resets), its widget, and its allowed values.

    ``kind`` is the widget: "select" (``options``), "slider" / "number" / "int" (``lo``..``hi``, ``step``),
    "toggle", or "features" (a multi-select of :data:`FEATURES`).
    """

    group: str
    label: str
    kind: str
    options: tuple = ()
    lo: float | None = None
    hi: float | None = None
    step: float | None = None
    help: str = ""


#: The table that drives the sidebar, validation of settings from files, and what a change resets.
FIELDS: dict[str, Field] = {
    "dataset": Field("data", "Dataset", "select", (*DATASETS, YOUR_DATA)),  # "custom": Your data
    "noise": Field("data", "Noise", "slider", lo=0.0, hi=1.0, step=0.05),
    "points": Field("data", "Points", "slider", lo=20, hi=2000, step=10, help="Training plus test points"),
    "test_ratio": Field("data", "Test share", "slider", lo=0.0, hi=0.9, step=0.1),
    "data_seed": Field("data", "Data seed", "int", lo=0, hi=2**31 - 1, step=1),
    "features": Field("architecture", "Input features", "features", tuple(FEATURES)),
    "loss": Field("training", "Loss", "select", tuple(LOSSES)),
    "optimizer": Field("training", "Optimizer", "select", tuple(OPTIMIZERS)),
    "lr": Field("training", "Learning rate", "number", lo=1e-6, hi=10.0, step=0.01),
    "batch_size": Field(
        "training", "Batch size", "select", BATCH_CHOICES, help="1 = per sample (SGD); full = whole set"
    ),
    "shuffle": Field("training", "Shuffle every epoch", "toggle"),
    "regularization": Field("training", "Regularization", "select", REGULARIZATIONS),
    "reg_rate": Field("training", "Regularization rate", "number", lo=0.0, hi=1.0, step=0.001),
    "init": Field("architecture", "Initialiser", "select", tuple(INITIALISERS)),
    "weight_seed": Field("architecture", "Weight seed", "int", lo=0, hi=2**31 - 1, step=1),
    "epochs_per_frame": Field(
        "speed", "Epochs per frame", "select", EPOCHS_PER_FRAME_CHOICES, help="auto = as many as fit"
    ),
}
#: Groups of settings, in the order of their effect: data and architecture rebuild the network.
GROUPS = ("data", "architecture", "training", "speed")
REBUILDS = frozenset({"data", "architecture"})


def hidden_activations(output: bool = False) -> list[str]:
    """Activation choices of a layer: the built-ins, then :data:`CUSTOM` (and softmax for the output)."""
    return [*ACTIVATIONS, CUSTOM, *([SOFTMAX] if output else [])]


def changed_groups(old: Settings, new: Settings) -> set[str]:
    """Which groups differ between two settings (hidden and output layers count as architecture)."""
    groups = {FIELDS[name].group for name in FIELDS if getattr(old, name) != getattr(new, name)}
    if old.hidden != new.hidden or old.output != new.output:
        groups.add("architecture")
    return groups


def field_errors(settings: Settings, own: Any = None) -> dict[str, str]:
    """Every scalar field and layer that is out of its allowed values, by path (``"hidden.0.size"``), and
    an output or loss that does not fit the data's classes (``own``: the data of a set-up that is not a
    built-in data set, if known).

    Formulas are not parsed here (the experiment parses them once per session).
    """
    errors: dict[str, str] = {}
    for name in FIELDS:
        if not valid_value(name, getattr(settings, name)):
            errors[name] = refusal(name, getattr(settings, name))
    if len(settings.hidden) > MAX_HIDDEN:
        errors["hidden"] = f"at most {MAX_HIDDEN} hidden layers, got {len(settings.hidden)}"
    for path, layer in layer_paths(settings):
        if not 1 <= layer.size <= SIDEBAR_MAX_UNITS:
            errors[f"{path}.size"] = (
                f"A layer has 1 to {SIDEBAR_MAX_UNITS} units, not {layer.size}: the last valid network stays"
            )
        if layer.activation not in hidden_activations(path == "output"):
            errors[f"{path}.activation"] = f"unknown activation {layer.activation!r}"
    info = DATASETS.get(settings.dataset, own)  # both have .classes (None: regression)
    problem = info is not None and output_error(info.classes, settings.output.activation, settings.loss)
    if problem and "output.activation" not in errors:
        errors["loss"] = problem
    return errors


def refusal(name: str, value: Any) -> str:
    """Why ``value`` is refused for the scalar setting ``name``, and what to do instead."""
    spec = FIELDS[name]
    if spec.kind == "features" and isinstance(value, (list, tuple)) and not value:
        return f"{spec.label}: pick at least one input feature"
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if spec.kind in ("number", "int", "slider") and number:
        reason = out_of_range(spec.label, value, spec.lo, spec.hi)
        if reason is not None:
            return f"{reason} The last valid value is kept."
    return f"{value!r} is not allowed for {spec.label}"


def layer_paths(settings: Settings) -> list[tuple[str, LayerSettings]]:
    """Every layer with its path in error messages: ``("hidden.0", ...)``, ..., ``("output", ...)``."""
    return [*((f"hidden.{i}", h) for i, h in enumerate(settings.hidden)), ("output", settings.output)]


# --- settings as plain data (files, widgets) -------------------------------------------------------


def settings_to_dict(settings: Settings) -> dict[str, Any]:
    """Settings as JSON-ready data (tuples become lists)."""
    d = dataclasses.asdict(settings)
    d["features"] = list(settings.features)
    d["hidden"] = [dataclasses.asdict(layer) for layer in settings.hidden]
    return d


def valid_value(name: str, value: Any) -> bool:
    """Whether ``value`` is allowed for the scalar setting ``name`` (its type and its range or options)."""
    spec = FIELDS[name]
    default = getattr(Settings(), name)
    if spec.kind == "toggle":
        return isinstance(value, bool)
    if spec.kind == "features":
        return (
            isinstance(value, (list, tuple))
            and 0 < len(value) <= len(FEATURES)
            and all(isinstance(v, str) and v in FEATURES for v in value)
            and len(set(value)) == len(value)
        )
    if spec.kind == "select":
        if name == "batch_size":
            return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 100_000
        return isinstance(value, type(default)) and value in spec.options
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if isinstance(default, int) and not isinstance(value, int):
        return False
    return math.isfinite(value) and spec.lo <= value <= spec.hi


def _layer_from(data: Any, default: LayerSettings, output: bool = False) -> LayerSettings:
    if not isinstance(data, Mapping):
        return default
    size, bias = data.get("size"), data.get("bias")
    act, formula = data.get("activation"), data.get("formula")
    return LayerSettings(
        size
        if isinstance(size, int) and not isinstance(size, bool) and 1 <= size <= SIDEBAR_MAX_UNITS
        else default.size,
        bias if isinstance(bias, bool) else default.bias,
        act if act in hidden_activations(output) else default.activation,
        formula if isinstance(formula, str) and len(formula) <= MAX_FORMULA_LENGTH else default.formula,
    )


def settings_from_dict(data: Any, base: Settings | None = None) -> Settings:
    """Settings from untrusted plain data (a file's metadata): valid fields taken, others from ``base``."""
    base = base or Settings()
    if not isinstance(data, Mapping):
        return base
    values: dict[str, Any] = {}
    for name in FIELDS:
        if name in data and valid_value(name, data[name]):
            value = data[name]
            values[name] = tuple(value) if FIELDS[name].kind == "features" else value
    hidden = data.get("hidden")
    if isinstance(hidden, (list, tuple)) and len(hidden) <= MAX_HIDDEN:
        values["hidden"] = tuple(_layer_from(h, LayerSettings()) for h in hidden)
    if "output" in data:
        values["output"] = replace(_layer_from(data["output"], base.output, output=True), size=1)
    return replace(base, **values)


def widget_key(name: str) -> str:
    """The Streamlit key of a scalar setting's widget."""
    return f"s.{name}"


def layer_key(index: int | str, part: str) -> str:
    """The key of a layer widget; ``index`` is the hidden layer's number or ``"out"``."""
    return f"s.h{index}.{part}" if index != "out" else f"s.out.{part}"


N_HIDDEN_KEY = "s.n_hidden"


def to_widgets(settings: Settings) -> dict[str, Any]:
    """Widget key → value for every sidebar widget (hidden layers beyond the count keep sensible values)."""
    values: dict[str, Any] = {widget_key(name): getattr(settings, name) for name in FIELDS}
    values[widget_key("features")] = list(settings.features)
    values[N_HIDDEN_KEY] = len(settings.hidden)
    for i, layer in enumerate(settings.hidden):
        values.update(_layer_widgets(i, layer))
    values.update(_layer_widgets("out", settings.output))
    return values


def _layer_widgets(index: int | str, layer: LayerSettings) -> dict[str, Any]:
    parts = {"size": layer.size, "bias": layer.bias, "activation": layer.activation, "formula": layer.formula}
    if index == "out":
        del parts["size"]
    return {layer_key(index, part): value for part, value in parts.items()}


def default_layer(settings: Settings, index: int) -> LayerSettings:
    """The layer a newly added hidden layer ``index`` starts as: like the last existing one."""
    if index < len(settings.hidden):
        return settings.hidden[index]
    return settings.hidden[-1] if settings.hidden else LayerSettings()


def from_widgets(values: Mapping[str, Any], base: Settings) -> Settings:
    """Settings from widget values; a missing key keeps ``base``'s value."""
    changes: dict[str, Any] = {}
    for name in FIELDS:
        key = widget_key(name)
        if key in values:
            value = values[key]
            changes[name] = tuple(value) if FIELDS[name].kind == "features" else value
    n_hidden = int(values.get(N_HIDDEN_KEY, len(base.hidden)))
    hidden = []
    for i in range(n_hidden):
        d = default_layer(base, i)
        hidden.append(
            LayerSettings(
                int(values.get(layer_key(i, "size"), d.size)),
                bool(values.get(layer_key(i, "bias"), d.bias)),
                values.get(layer_key(i, "activation"), d.activation),
                values.get(layer_key(i, "formula"), d.formula),
            )
        )
    out = base.output
    output = LayerSettings(
        1,
        bool(values.get(layer_key("out", "bias"), out.bias)),
        values.get(layer_key("out", "activation"), out.activation),
        values.get(layer_key("out", "formula"), out.formula),
    )
    return replace(base, hidden=tuple(hidden), output=output, **changes)


def describe(settings: Settings) -> str:
    """A short label of an architecture: ``"xor · 2-4-2-1 tanh"``."""
    info = DATASETS.get(settings.dataset)
    sizes = [
        len(settings.features),
        *(layer.size for layer in settings.hidden),
        output_units(info and info.classes),
    ]
    acts = sorted({layer.fn for layer in settings.hidden})
    act = ", ".join(acts) if acts else "no hidden layer"
    return f"{settings.dataset} · {'-'.join(map(str, sizes))} {act}"


def settings_from_network(nn: Network, base: Settings) -> Settings:
    """Settings that describe ``nn`` (its file's recorded settings where valid, else ``base``'s).

    Raises :class:`SpecError` for a network this page cannot show (too deep, too wide, several outputs).
    """
    settings = settings_from_dict(ModelRecord.from_metadata(nn.metadata).settings, base)
    softmax, info = nn.layers[-1].activation.name == SOFTMAX, DATASETS.get(settings.dataset)
    if nn.outputs != 1 and not softmax:
        raise SpecError(
            f"the playground trains networks with a softmax or 1 output; this one has {nn.outputs}"
        )
    if softmax and info is not None and info.classes != nn.outputs:
        raise SpecError(
            f"the network has {nn.outputs} softmax outputs; its data ({info.label}) has "
            f"{info.classes} classes"
        )
    if len(nn.layers) - 1 > MAX_HIDDEN:
        raise SpecError(
            f"the playground shows up to {MAX_HIDDEN} hidden layers; this network has {len(nn.layers) - 1}"
        )
    layers = []
    for i, layer in enumerate(nn.layers):
        if layer.n_out > SIDEBAR_MAX_UNITS:
            raise SpecError(
                f"layer {i + 1} has {layer.n_out} units; the playground shows up to {SIDEBAR_MAX_UNITS}"
            )
        act = layer.activation
        if act.name == SOFTMAX:  # the output's units follow the data's classes
            layers.append(LayerSettings(1, layer.has_bias, SOFTMAX))
        elif act.name in ACTIVATIONS and (act.text is None or act.text.strip().lower() == act.name):
            layers.append(LayerSettings(layer.n_out, layer.has_bias, act.name))
        elif act.text:
            layers.append(LayerSettings(layer.n_out, layer.has_bias, CUSTOM, act.text))
        elif act.name in ACTIVATIONS:
            layers.append(LayerSettings(layer.n_out, layer.has_bias, act.name))
        else:
            raise SpecError(f"layer {i + 1}'s activation cannot be written as a formula")
    features = settings.features
    if len(features) != nn.inputs:
        if nn.inputs > len(FEATURES):
            raise SpecError(
                f"the network takes {nn.inputs} inputs; the playground has {len(FEATURES)} features"
            )
        features = tuple(FEATURES)[: nn.inputs]
    return replace(settings, features=features, hidden=tuple(layers[:-1]), output=layers[-1])


__all__ = [
    "CUSTOM",
    "FIELDS",
    "GROUPS",
    "Field",
    "LayerSettings",
    "Settings",
    "SettingsError",
    "changed_groups",
    "field_errors",
    "from_widgets",
    "settings_from_dict",
    "settings_from_network",
    "settings_to_dict",
    "to_widgets",
    "valid_value",
]
