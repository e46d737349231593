"""The ``.nn`` model file: its layout and limits, and writing (specification: ``docs/nn-format.md``).

Layout (format 2; format 1 is the same without the data)::

    magic b"\\x89NNV\\r\\n\\x1a\\n" | uint32 version | uint32 header length H | H bytes of UTF-8 JSON
    | arrays, raw little-endian float64, contiguous: the parameters, then the data's points and targets
    | uint32 CRC32 of everything before it

All integers are little-endian. Activations are stored as a built-in name or as formula text, rebuilt
through the safe parser of :mod:`nnviz.core.formula`; no code is ever stored or executed. A file without a
dataset is written as format 1, which older readers read too. Reading, with full validation, is
:mod:`nnviz.core.nnfile_reader`'s.
"""

from __future__ import annotations

import datetime
import json
import struct
import zlib
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from .activation_forms import BUILTINS
from .activations import Activation
from .data_table import DataTable, check_box
from .datasets import CUSTOM, DATASETS, Dataset
from .errors import FormulaError, NNFormatError, SpecError
from .formula import formula_text, parse_activation
from .layer import Layer
from .version import __version__

#: The first 8 bytes of every ``.nn`` file.
MAGIC = b"\x89NNV\r\n\x1a\n"
#: The newest format version, which this module writes when a model carries its data (else version 1,
#: which older readers read too), and the newest it reads.
FORMAT_VERSION = 2
#: Most bytes of JSON header, of parameters, and of a whole file.
MAX_HEADER_BYTES = 4 * 2**20
MAX_PARAM_BYTES = 64 * 2**20
PREAMBLE = struct.Struct("<8sII")
CRC = struct.Struct("<I")
MAX_FILE_BYTES = PREAMBLE.size + MAX_HEADER_BYTES + MAX_PARAM_BYTES + CRC.size
#: Deepest nesting of JSON arrays and objects in the header, and most distinct formulas in a file.
MAX_JSON_DEPTH = 16
MAX_FORMULAS = 16
#: Most digits of a JSON integer in the header (a minus sign is not a digit).
MAX_INT_DIGITS = 19
DTYPE = "<f8"


class ModelParts(NamedTuple):
    """What a ``.nn`` file holds: the number of inputs, the layers (weights, biases, activations), the
    metadata (a JSON object) and, optionally, the dataset the model was trained on.
    :class:`~nnviz.core.network.Network` is built from these."""

    inputs: int
    layers: Sequence[Layer]
    metadata: dict[str, Any]
    data: Dataset | None = None


LAYER_KEYS = {"units", "bias", "activation", "weights", "biases"}
ARRAY_KEYS = {"dtype", "shape", "offset"}
DATA_KEYS = {"name", "kind", "classes", "box", "points", "train", "X", "y"}
#: Longest dataset name in a file.
MAX_DATA_NAME = 64
_METADATA_TYPES = {
    "epoch": (int,), "loss_history": (list,), "dataset": (str, type(None)), "created": (str,),
    "nnviz_version": (str,), "training": (dict,),
}  # fmt: skip


def json_type(value: Any) -> str:
    """How a JSON value is named in messages: ``"an integer"``, ``"a list"``, ..."""
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "a list"}
    return names.get(type(value), "an object" if isinstance(value, dict) else "null")


# --- writing -----------------------------------------------------------------------------------


def _activation_entry(act: Activation, where: str) -> dict[str, str]:
    builtin = BUILTINS.get(act.name or "")
    if act.text is None and builtin is not None and act.f is builtin.f and act.df is builtin.df:
        return {"builtin": builtin.name}
    if act.text is not None:
        try:
            if act.f_expr is not None and parse_activation(act.text).f_expr == act.f_expr:
                return {"formula": act.text}
        except FormulaError:
            pass  # describe it from its expression instead
    if act.f_expr is None:
        raise NNFormatError(
            f"{where}'s activation is a NumPy (f, df) pair, which cannot be saved as text: use a built-in "
            "name, a formula or a function of a SymPy symbol to export this network"
        )
    try:
        return {"formula": formula_text(act.f_expr)}
    except FormulaError as exc:
        raise NNFormatError(
            f"{where}'s activation {act.label!r} cannot be saved as a formula: {exc}"
        ) from None


def _field_name(where: str) -> str:
    return f"metadata field {where!r}" if where else "the metadata"


def _plain(value: Any, where: str = "", depth: int = 2) -> Any:
    """Metadata as plain JSON values: NumPy scalars and arrays become numbers and lists, tuples lists.

    ``depth`` is the JSON nesting level of ``value`` if it is a container (the metadata object is at 2).
    """
    if isinstance(value, np.ndarray | np.generic):
        value = value.tolist()
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        digits = len(str(abs(value)))
        if digits > MAX_INT_DIGITS:
            raise NNFormatError(
                f"{_field_name(where)} is an integer of {digits} digits; a model file stores integers of at "
                f"most {MAX_INT_DIGITS}"
            )
        return int(value)
    if isinstance(value, float):
        if not np.isfinite(value):
            raise NNFormatError(f"{_field_name(where)} is {value}, which a model file cannot store")
        return float(value)
    if isinstance(value, list | tuple | dict) and depth > MAX_JSON_DEPTH:
        raise NNFormatError(
            f"{_field_name(where)} is nested too deeply to save (at most {MAX_JSON_DEPTH} levels)"
        )
    if isinstance(value, list | tuple):
        return [_plain(v, f"{where}[{i}]", depth + 1) for i, v in enumerate(value)]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise NNFormatError(f"{_field_name(where)} has keys that are not strings")
        return {k: _plain(v, f"{where}.{k}" if where else k, depth + 1) for k, v in value.items()}
    raise NNFormatError(f"{_field_name(where)} is a {type(value).__name__}, which a model file cannot store")


def check_metadata(metadata: Any) -> dict[str, Any]:
    """The fixed-meaning metadata fields have their documented types (checked on writing and reading)."""
    if type(metadata) is not dict:
        raise NNFormatError(f"the metadata must be a JSON object, not {json_type(metadata)}")
    for key, types in _METADATA_TYPES.items():
        if key in metadata and type(metadata[key]) not in types:
            raise NNFormatError(f"metadata field {key!r} must be {json_type(types[0]())}")
    if metadata.get("epoch", 0) < 0:
        raise NNFormatError("metadata field 'epoch' must not be negative")
    if any(type(v) not in (int, float) for v in metadata.get("loss_history", [])):
        raise NNFormatError("metadata field 'loss_history' must be a list of numbers")
    return metadata


def check_data_name(name: str, kind: str, classes: int | None) -> None:
    """A dataset's name is a built-in's of this kind and class count, or :data:`~nnviz.core.datasets.CUSTOM`
    (checked on writing and reading)."""
    if name == CUSTOM:
        return
    info = DATASETS.get(name)
    if info is None:
        raise NNFormatError(
            f"the data's name {name[:MAX_DATA_NAME]!r} is not a built-in dataset (written by a newer nnviz?) "
            f"nor {CUSTOM!r}"
        )
    if (info.kind, info.classes) != (kind, classes):
        made = f"{info.classes} classes" if info.classes else "regression targets"
        got = f"{classes} classes" if classes else "regression targets"
        raise NNFormatError(f"the data is named {name!r}, a built-in dataset of {made}, but holds {got}")


def _data_entry(data: Dataset, offset: int) -> tuple[dict[str, Any], list[bytes]]:
    """The header's ``data`` object for a dataset whose arrays start at ``offset``, and the arrays' bytes."""
    try:
        table = DataTable.of(data)
        box = check_box(data.box)
    except SpecError as exc:
        raise NNFormatError(f"the data cannot be saved: {exc}") from None
    name = data.name if isinstance(data.name, str) else repr(data.name)
    check_data_name(name, table.kind, table.classes)
    n = len(table)
    entry = {
        "name": name, "kind": table.kind, "classes": list(table.class_names), "box": list(box),
        "points": n, "train": len(data.X_train),
        "X": {"dtype": DTYPE, "shape": [n, 2], "offset": offset},
        "y": {"dtype": DTYPE, "shape": [n, 1], "offset": offset + 16 * n},
    }  # fmt: skip
    return entry, [np.ascontiguousarray(a, dtype=DTYPE).tobytes() for a in (table.X, table.y)]


def dumps(model: ModelParts) -> bytes:
    """A model as ``.nn`` bytes: format 2 when it carries a dataset (``model.data``), else format 1.

    Raises
    ------
    NNFormatError
        If an activation cannot be written as text (a NumPy ``(f, df)`` pair), a weight is not finite,
        the metadata is not JSON-representable, the dataset is past the limits of a
        :class:`~nnviz.core.data_table.DataTable` (10 000 points, 6 classes, finite values, ...) or has a
        name that is neither a built-in dataset's (of its kind and class count) nor ``"custom"``, or the
        network exceeds the format's limits.
    """
    layers, blobs, offset = [], [], 0
    for i, layer in enumerate(model.layers, 1):
        where = f"layer {i}"
        entry: dict[str, Any] = {
            "units": layer.n_out,
            "bias": layer.bias is not None,
            "activation": _activation_entry(layer.activation, where),
        }
        for key, array in (("weights", layer.weights), ("biases", layer.bias)):
            if array is None:
                entry[key] = None
                continue
            if not np.all(np.isfinite(array)):
                raise NNFormatError(
                    f"{where} {key} contain NaN or infinite values; such a model cannot be saved"
                )
            blob = np.ascontiguousarray(array, dtype=DTYPE).tobytes()
            entry[key] = {"dtype": DTYPE, "shape": list(array.shape), "offset": offset}
            blobs.append(blob)
            offset += len(blob)
        layers.append(entry)
    header: dict[str, Any] = {"inputs": model.inputs, "layers": layers}
    if model.data is not None:
        header["data"], data_blobs = _data_entry(model.data, offset)
        blobs += data_blobs
        offset += sum(map(len, data_blobs))
    if offset > MAX_PARAM_BYTES:
        raise NNFormatError(
            f"the network and its data take {offset} bytes of arrays; a model file holds at most "
            f"{MAX_PARAM_BYTES}"
        )
    metadata = _plain(dict(model.metadata))
    metadata.setdefault("created", datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"))
    metadata.setdefault("nnviz_version", __version__)
    header["metadata"] = check_metadata(metadata)
    text = json.dumps(header, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode()
    text += b" " * (-(PREAMBLE.size + len(text)) % 8)  # parameters start 8-byte aligned
    if len(text) > MAX_HEADER_BYTES:
        raise NNFormatError(
            f"the header would take {len(text)} bytes; at most {MAX_HEADER_BYTES} (trim the metadata)"
        )
    version = FORMAT_VERSION if model.data is not None else 1
    body = b"".join([PREAMBLE.pack(MAGIC, version, len(text)), text, *blobs])
    return body + CRC.pack(zlib.crc32(body))
