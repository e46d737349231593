"""The model inspector: what a ``.nn`` file (or the playground's network) holds, as tables and arrays."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from nnviz.core.datasets import DATASETS, FEATURES
from nnviz.core.errors import SpecError
from nnviz.core.network import Network
from nnviz.model_file import ModelRecord

#: The input box used when the file names no known dataset.
DEFAULT_BOX = (-6.0, 6.0, -6.0, 6.0)


def load(data: bytes) -> Network:
    """Read ``.nn`` bytes; raises :class:`~nnviz.core.errors.NNFormatError` with the format's message."""
    return Network.from_bytes(bytes(data))


def summary_line(nn: Network) -> str:
    """``"2 inputs → 4 tanh → 1 sigmoid · 17 parameters"``."""
    parts = [f"{nn.inputs} inputs"] + [
        f"{la.n_out} {la.activation.label}{'' if la.has_bias else ' (no bias)'}" for la in nn.layers
    ]
    count = sum(p.size for p in nn.parameters())
    return f"{' → '.join(parts)} · {count} parameters"


def architecture(nn: Network) -> list[dict[str, Any]]:
    """One row per layer: units, inputs, bias, activation and parameter count."""
    rows = []
    for i, layer in enumerate(nn.layers, 1):
        rows.append(
            {
                "layer": i,
                "units": layer.n_out,
                "inputs": layer.n_in,
                "bias": "yes" if layer.has_bias else "no",
                "activation": layer.activation.label,
                "parameters": layer.weights.size + (layer.bias.size if layer.bias is not None else 0),
            }
        )
    return rows


def activations(nn: Network) -> list[tuple[str, str, str]]:
    """``(layers, f LaTeX, f' LaTeX)`` for each distinct activation, e.g. ``("layers 1, 2", ...)``."""
    seen: dict[str, list[int]] = {}
    acts = {}
    for i, layer in enumerate(nn.layers, 1):
        seen.setdefault(layer.activation.label, []).append(i)
        acts[layer.activation.label] = layer.activation
    out = []
    for label, layers in seen.items():
        f, df = acts[label].latex()
        where = ("layer " if len(layers) == 1 else "layers ") + ", ".join(map(str, layers))
        out.append((f"{where}: {label}", f or r"\text{(NumPy code)}", df or r"\text{(NumPy code)}"))
    return out


def metadata_rows(nn: Network) -> list[dict[str, str]]:
    """The metadata as key/value text rows (the loss history is summarised, nested values as JSON)."""
    meta = nn.metadata if isinstance(nn.metadata, Mapping) else {}
    rows = []
    for key, value in meta.items():
        if key == "loss_history" and isinstance(value, list):
            text = f"{len(value)} values" + (f", last {value[-1]:.6g}" if value else "")
        elif isinstance(value, (dict, list)):
            text = json.dumps(value, ensure_ascii=False)
            text = text if len(text) <= 300 else text[:297] + "..."
        else:
            text = str(value)
        rows.append({"field": str(key), "value": text})
    return rows


def loss_history(nn: Network) -> tuple[np.ndarray, np.ndarray] | None:
    """``(epochs, losses)`` from the metadata, or None if the file has no usable history."""
    curve = ModelRecord.from_metadata(nn.metadata).train_loss
    if curve is None:
        return None
    return np.asarray(curve.epochs, dtype=float), np.asarray(curve.values)


def input_setup(nn: Network) -> tuple[list[str] | None, tuple[float, float, float, float]]:
    """The feature names the network expects (None when they cannot be known) and the input box.

    A network with 2 inputs and no recorded features is taken to read the raw ``(x1, x2)``.
    """
    record = ModelRecord.from_metadata(nn.metadata)
    features = record.features
    ok = features is not None and len(features) == nn.inputs and all(f in FEATURES for f in features)
    names = list(features) if ok else (["x1", "x2"] if nn.inputs == 2 else None)
    box = DATASETS[record.dataset].box if record.dataset in DATASETS else DEFAULT_BOX
    return names, box


def input_columns(nn: Network) -> list[str]:
    """Column names of the inputs table: the feature names if known, else ``in1, in2, ...``."""
    names, _ = input_setup(nn)
    return names if names is not None else [f"in{i + 1}" for i in range(nn.inputs)]


def evaluate(nn: Network, rows: Sequence[Mapping[str, Any]]) -> np.ndarray:
    """Outputs for a table of typed inputs, shape ``(len(rows), nn.outputs)``.

    Raises
    ------
    SpecError
        Naming the row and column of a missing or non-numeric value.
    """
    columns = input_columns(nn)
    X = np.empty((len(rows), len(columns)))
    for r, row in enumerate(rows):
        for c, name in enumerate(columns):
            value = row.get(name)
            try:
                v = float(value)
            except (TypeError, ValueError):
                raise SpecError(f"row {r + 1}, column {name}: {value!r} is not a number") from None
            if not np.isfinite(v):
                raise SpecError(f"row {r + 1}, column {name}: {value!r} is not a finite number")
            X[r, c] = v
    return nn.predict(X) if len(rows) else np.empty((0, nn.outputs))


def default_inputs(nn: Network) -> list[dict[str, float]]:
    """A starting table: the XOR corners for 2 inputs, else a row of zeros."""
    columns = input_columns(nn)
    if len(columns) == 2:
        return [dict(zip(columns, p)) for p in ((0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0))]
    return [dict.fromkeys(columns, 0.0)]


def heatmap_limit(weights: np.ndarray) -> float:
    """A symmetric colour limit for a weight heatmap: ``max |w|`` (1 for all-zero weights)."""
    m = float(np.max(np.abs(weights))) if weights.size else 1.0
    return m if m > 0 and np.isfinite(m) else 1.0


#: Largest weight matrix drawn as a heatmap, and largest annotated with its numbers.
MAX_HEATMAP, MAX_ANNOTATED = 64 * 64, 12 * 12
