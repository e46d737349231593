"""Reading a ``.nn`` model file, validating everything before anything is built (``docs/nn-format.md``).

Every problem found raises :class:`~nnviz.core.errors.NNFormatError` with a message a person can act on:
what is wrong and where. Nothing from the file is ever run: the header is JSON read with limits on
depth, numbers and duplicate keys; arrays are raw float64 checked for size and finiteness; activations
are built-in names or formula text for the safe parser.
"""

from __future__ import annotations

import json
import os
import struct
import zlib
from typing import Any

import numpy as np

from .activation_forms import BUILTINS
from .bounded_read import read_bounded
from .data_table import MAX_POINTS, DataTable, check_box, check_class_names
from .datasets import MAX_CLASSES, Dataset
from .errors import FormulaError, NNFormatError, NNVizError, SpecError
from .formula import parse_activation, parse_activations
from .formula_syntax import MAX_LENGTH as MAX_FORMULA_LENGTH
from .layer import MAX_LAYERS, MAX_UNITS, Layer
from .nnfile import (
    ARRAY_KEYS,
    CRC,
    DATA_KEYS,
    DTYPE,
    FORMAT_VERSION,
    LAYER_KEYS,
    MAGIC,
    MAX_DATA_NAME,
    MAX_FILE_BYTES,
    MAX_FORMULAS,
    MAX_HEADER_BYTES,
    MAX_INT_DIGITS,
    MAX_JSON_DEPTH,
    MAX_PARAM_BYTES,
    PREAMBLE,
    ModelParts,
    check_data_name,
    check_metadata,
    json_type,
)

#: How the data's arrays are called in messages.
POINTS, TARGETS = "the data's points (X)", "the data's targets (y)"

# --- reading: what is this file? -----------------------------------------------------------------


def _foreign(data: bytes) -> str | None:
    """A message for files that are not ``.nn`` files but recognisably something else."""
    if len(data) >= 21:
        count, inputs, length, bias, elementwise = struct.unpack_from(">5I", data)
        if 1 <= count <= 2**16 and inputs >= 1 and length >= 1 and bias < 2 and elementwise < 2:
            if data[20] & 0x7F == ord("c"):  # marshal's TYPE_CODE, with or without FLAG_REF
                return (
                    "this is a model file in the original article's format (big-endian counts followed by "
                    "marshalled Python code objects); loading it would execute the code stored in it, so it "
                    "is refused. Re-create the network and export it again with this version of nnviz"
                )
    protocol_2_plus = data[:1] == b"\x80" and len(data) > 1 and 2 <= data[1] <= 5
    if protocol_2_plus or (data.endswith(b".") and data[:1] in b"(}]cIFSVNXKJG"):
        return "this looks like a Python pickle, which could run code when loaded; nnviz never loads pickles"
    if data.startswith(b"\x93NUMPY"):
        return "this is a NumPy .npy array file, not an nnviz model file"
    if data.startswith(b"PK\x03\x04"):
        return "this is a zip archive (such as a NumPy .npz file), not an nnviz model file"
    return None


def _check_magic(data: bytes) -> None:
    if not data:
        raise NNFormatError("the file is empty: not an nnviz model file")
    if len(data) < len(MAGIC) and MAGIC.startswith(data):
        raise NNFormatError(f"file is truncated: it has {len(data)} bytes, only part of the 8-byte magic")
    if not data.startswith(MAGIC):
        message = _foreign(data)
        if message is None:
            message = "not an nnviz model file (it does not start with the .nn magic bytes)"
            if data[:4] == MAGIC[:4]:
                message += "; its first bytes look damaged"
        raise NNFormatError(message)


# --- reading: the header -------------------------------------------------------------------------


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise NNFormatError(f"the header has the key {key!r} twice")
        result[key] = value
    return result


def _reject_constant(name: str) -> None:
    raise NNFormatError(f"the header contains {name}, which is not a finite number")


def _bounded_int(text: str) -> int:
    digits = len(text.removeprefix("-"))
    if digits > MAX_INT_DIGITS:
        raise NNFormatError(f"the header contains an integer with {digits} digits")
    return int(text)


def _check_json_values(root: Any) -> None:
    """Depth and finiteness of every value, without recursion."""
    stack = [(root, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise NNFormatError(f"the header is nested more than {MAX_JSON_DEPTH} levels deep")
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)
        elif type(value) is float and not np.isfinite(value):
            raise NNFormatError("the header contains a number too large to be finite")


def _parse_header(raw: bytes) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NNFormatError(f"the header is not valid UTF-8 (at header byte {exc.start})") from None
    try:
        header = json.loads(
            text, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant, parse_int=_bounded_int
        )
    except json.JSONDecodeError as exc:
        raise NNFormatError(f"the header is not valid JSON: {exc.msg} at header byte {exc.pos}") from None
    except RecursionError:
        raise NNFormatError(f"the header is nested more than {MAX_JSON_DEPTH} levels deep") from None
    _check_json_values(header)
    if type(header) is not dict:
        raise NNFormatError("the header must be a JSON object")
    return header


def _fields(obj: Any, where: str, required: set[str], optional: frozenset[str] = frozenset()) -> dict:
    if type(obj) is not dict:
        raise NNFormatError(f"{where} must be a JSON object, not {json_type(obj)}")
    missing, unknown = required - obj.keys(), obj.keys() - required - optional
    if missing:
        raise NNFormatError(f"{where} lacks the field {sorted(missing)[0]!r}")
    if unknown:
        raise NNFormatError(
            f"{where} has an unknown field {sorted(unknown)[0]!r} (written by a newer nnviz?)"
        )
    return obj


def _int(value: Any, where: str, low: int, high: int) -> int:
    if type(value) is not int:
        raise NNFormatError(f"{where} must be an integer, not {json_type(value)}")
    if not low <= value <= high:
        raise NNFormatError(f"{where} is {value}; it must be between {low} and {high}")
    return value


def _array(desc: Any, where: str, shape: tuple[int, ...], offset: int, basis: str = "the layer sizes") -> int:
    """Validate an array description (``basis`` is what fixes its shape); return its size in bytes."""
    _fields(desc, where, ARRAY_KEYS)
    if desc["dtype"] != DTYPE or type(desc["dtype"]) is not str:
        raise NNFormatError(
            f"{where} have dtype {desc['dtype']!r}; a .nn file stores only {DTYPE!r} (float64)"
        )
    got = desc["shape"]
    if type(got) is not list or any(type(n) is not int for n in got) or tuple(got) != shape:
        raise NNFormatError(f"{where} have shape {got!r}; {basis} require {list(shape)}")
    if type(desc["offset"]) is not int or desc["offset"] != offset:
        raise NNFormatError(
            f"{where} start at byte {desc['offset']!r} of the parameters, but must start at {offset} "
            "(arrays are stored contiguously, in order)"
        )
    return 8 * int(np.prod(shape))


def _plan(
    header: dict[str, Any], version: int
) -> tuple[int, list[dict], list[tuple[str, tuple, int]], dict, dict | None]:
    """Check the header of a file of format ``version`` against the format.

    Returns the inputs, the layers, the arrays' ``(name, shape, offset)`` followed by ``("", (), total)``,
    the metadata, and the ``data`` object (None if there is none).
    """
    optional = frozenset({"metadata", "data"} if version >= 2 else {"metadata"})
    _fields(header, "the header", {"inputs", "layers"}, optional)
    inputs = _int(header["inputs"], "the number of inputs", 1, MAX_UNITS)
    layers = header["layers"]
    if type(layers) is not list or not 1 <= len(layers) <= MAX_LAYERS:
        count = len(layers) if type(layers) is list else json_type(layers)
        raise NNFormatError(f"the header must list 1 to {MAX_LAYERS} layers, not {count}")
    arrays, offset, n_in, formulas = [], 0, inputs, set()
    for i, layer in enumerate(layers, 1):
        where = f"layer {i}"
        _fields(layer, where, LAYER_KEYS)
        units = _int(layer["units"], f"{where}'s number of units", 1, MAX_UNITS)
        if type(layer["bias"]) is not bool:
            raise NNFormatError(f"{where}'s bias flag must be true or false, not {json_type(layer['bias'])}")
        act = layer["activation"]
        if type(act) is not dict or len(act) != 1 or not act.keys() <= {"builtin", "formula"}:
            raise NNFormatError(f'{where}\'s activation must be {{"builtin": name}} or {{"formula": text}}')
        ((kind, value),) = act.items()
        if type(value) is not str:
            raise NNFormatError(f"{where}'s activation {kind} must be a string, not {json_type(value)}")
        if kind == "builtin" and value not in BUILTINS:
            raise NNFormatError(
                f"{where} uses an unknown built-in activation {value!r} (written by a newer nnviz?)"
            )
        if kind == "formula":
            if len(value) > MAX_FORMULA_LENGTH:
                raise NNFormatError(
                    f"{where}'s activation formula is longer than {MAX_FORMULA_LENGTH} characters"
                )
            formulas.add(value)
        for key, shape, present in (("weights", (units, n_in), True), ("biases", (units,), layer["bias"])):
            if not present:
                if layer[key] is not None:
                    raise NNFormatError(f"{where} has bias values but its bias flag is false")
                continue
            size = _array(layer[key], f"{where} {key}", shape, offset)
            arrays.append((f"{where} {key}", shape, offset))
            offset += size
            if offset > MAX_PARAM_BYTES:
                raise NNFormatError(f"the parameters exceed {MAX_PARAM_BYTES} bytes (at {where} {key})")
        n_in = units
    if len(formulas) > MAX_FORMULAS:
        raise NNFormatError(f"the file uses {len(formulas)} different formulas; at most {MAX_FORMULAS}")
    if "data" in header:
        for key, where, shape, basis in _data_plan(header["data"]):
            size = _array(header["data"][key], where, shape, offset, basis)
            arrays.append((where, shape, offset))
            offset += size
            if offset > MAX_PARAM_BYTES:
                raise NNFormatError(f"the arrays exceed {MAX_PARAM_BYTES} bytes (at {where})")
    metadata = check_metadata(header.get("metadata", {}))
    return inputs, layers, arrays + [("", (), offset)], metadata, header.get("data")


def _data_plan(data: Any) -> list[tuple[str, str, tuple[int, int], str]]:
    """Check the ``data`` object but its arrays' descriptions; return their keys, names, shapes and what
    fixes the shapes."""
    _fields(data, "the data", DATA_KEYS)
    for key in ("name", "kind"):
        if type(data[key]) is not str:
            raise NNFormatError(f"the data's {key} must be a string, not {json_type(data[key])}")
    if len(data["name"]) > MAX_DATA_NAME:
        raise NNFormatError(f"the data's name is longer than {MAX_DATA_NAME} characters")
    kind, names = data["kind"], data["classes"]
    if kind not in ("classification", "regression"):
        raise NNFormatError(f"the data's kind is {kind[:40]!r}; it must be 'classification' or 'regression'")
    if type(names) is not list:
        raise NNFormatError(f"the data's classes must be a list of names, not {json_type(names)}")
    low, high = (2, MAX_CLASSES) if kind == "classification" else (0, 0)
    if not low <= len(names) <= high:
        raise NNFormatError(f"the data lists {len(names)} classes; {kind} data has {low} to {high}")
    for key, check in (("classes", check_class_names), ("box", check_box)):
        try:
            check(data[key])
        except SpecError as exc:
            raise NNFormatError(f"the data's {key}: {exc}") from None
    check_data_name(data["name"], kind, len(names) or None)
    points = _int(data["points"], "the data's number of points", 0, MAX_POINTS)
    _int(data["train"], "the data's number of training points", 0, points)
    basis = f"its {points} points"
    return [("X", POINTS, (points, 2), basis), ("y", TARGETS, (points, 1), basis)]


# --- reading: all together ------------------------------------------------------------------------


def loads(data: bytes | bytearray | memoryview) -> ModelParts:
    """Read a model from ``.nn`` bytes, validating everything first.

    Raises
    ------
    NNFormatError
        For anything that is not a valid, intact file of format 1 or 2 within the limits; the message says
        what is wrong and where. Never runs code from the file.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise NNFormatError(f"model data must be bytes, not {type(data).__name__}")
    if len(data) > MAX_FILE_BYTES:
        raise NNFormatError(
            f"the file has {len(data)} bytes; an nnviz model file has at most {MAX_FILE_BYTES}"
        )
    data = bytes(data)
    _check_magic(data)
    if len(data) < PREAMBLE.size:
        raise NNFormatError(
            f"file is truncated: the fixed header needs {PREAMBLE.size} bytes, {len(data)} present"
        )
    _, version, header_len = PREAMBLE.unpack_from(data)
    if version > FORMAT_VERSION:
        raise NNFormatError(
            f"written by a newer nnviz (format {version}); this nnviz reads formats 1 to {FORMAT_VERSION}"
        )
    if version < 1:
        raise NNFormatError(f"unknown format version {version}; the file is damaged")
    if not 2 <= header_len <= MAX_HEADER_BYTES:
        raise NNFormatError(f"the header length {header_len} is impossible (2 to {MAX_HEADER_BYTES} bytes)")
    start = PREAMBLE.size + header_len
    if start > len(data):
        remain = len(data) - PREAMBLE.size
        raise NNFormatError(f"file is truncated: the header needs {header_len} bytes, {remain} remain")
    crc_ok = len(data) >= start + CRC.size and CRC.unpack_from(data, len(data) - 4)[0] == zlib.crc32(
        data[:-4]
    )
    try:
        header = _parse_header(data[PREAMBLE.size : start])
        inputs, layers, arrays, metadata, data_header = _plan(header, version)
    except NNFormatError as exc:
        if crc_ok:
            raise
        raise NNFormatError(
            f"{exc}; the checksum does not match either, so the file is probably damaged"
        ) from None
    expected = start + arrays[-1][2] + CRC.size
    if len(data) < expected:
        for name, shape, offset in arrays[:-1]:
            need, remain = 8 * int(np.prod(shape)), len(data) - start - offset
            if need > remain:
                raise NNFormatError(f"file is truncated: {name} need {need} bytes, {max(remain, 0)} remain")
        raise NNFormatError(
            f"file is truncated: only {len(data) - expected + 4} of the 4 checksum bytes at the end remain"
        )
    if len(data) > expected:
        raise NNFormatError(f"the file is {len(data) - expected} bytes longer than its header describes")
    if not crc_ok:
        raise NNFormatError(
            "checksum mismatch: the file is corrupted (its CRC32 does not match its contents)"
        )
    values = {}
    for name, shape, offset in arrays[:-1]:
        array = np.frombuffer(data, dtype=DTYPE, count=int(np.prod(shape)), offset=start + offset)
        if not np.all(np.isfinite(array)):
            raise NNFormatError(f"{name} contain NaN or infinite values")
        values[name] = array.reshape(shape)  # a read-only view: Layer copies it to native float64
    dataset = None if data_header is None else _build_data(data_header, values)
    return _build(inputs, layers, values, metadata)._replace(data=dataset)


def _build_data(data: dict[str, Any], values: dict[str, np.ndarray]) -> Dataset:
    """The dataset from the checked ``data`` object and its arrays; labels and sizes checked here."""
    test = np.arange(data["points"]) >= data["train"]  # the training points come first
    try:
        table = DataTable(values[POINTS], values[TARGETS], data["kind"], data["classes"], test)
    except SpecError as exc:
        raise NNFormatError(f"the data is invalid: {exc}") from None
    return table.split(name=data["name"], box=tuple(data["box"]))


def _build(inputs: int, layers: list[dict], values: dict[str, np.ndarray], metadata: dict) -> ModelParts:
    texts = [layer["activation"]["formula"] for layer in layers if "formula" in layer["activation"]]
    try:
        parse_activations(texts)  # one checker process and one time budget for all of them
    except FormulaError:
        pass  # reported per layer below, from the cache
    built, n_in = [], inputs
    for i, layer in enumerate(layers, 1):
        kind, value = next(iter(layer["activation"].items()))
        try:
            act = BUILTINS[value] if kind == "builtin" else parse_activation(value)
            weights, bias = values[f"layer {i} weights"], values.get(f"layer {i} biases")
            built.append(Layer(n_in, layer["units"], layer["bias"], act, weights, bias))
        except FormulaError as exc:
            raise NNFormatError(f"layer {i}'s activation formula {value!r} is refused: {exc}") from None
        except NNVizError as exc:
            raise NNFormatError(f"layer {i} is invalid: {exc}") from None
        n_in = layer["units"]
    return ModelParts(inputs, built, metadata)


def load_path(path: str | os.PathLike[str]) -> ModelParts:
    """Read a ``.nn`` file, refusing oversized files before reading them.

    Raises
    ------
    NNFormatError
        As :func:`loads`, or if the file is larger than :data:`MAX_FILE_BYTES`.
    OSError
        If the file cannot be opened or read.
    """

    def too_big(name: str, size: int) -> NNFormatError:
        return NNFormatError(f"{name} has {size} bytes; an nnviz model file has at most {MAX_FILE_BYTES}")

    return loads(read_bounded(path, MAX_FILE_BYTES, too_big))
