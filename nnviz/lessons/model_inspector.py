"""The model inspector: what a ``.nn`` file (or the playground's network) holds, as tables and arrays.

A model can be large (a 2048×2048 layer, 64 layers), so every piece of work is bounded: the boundary's
grid shrinks with the parameter count (:func:`grid_size`), typed inputs are evaluated up to a bound
(:func:`outputs_table`), and a big layer is shown as statistics, a histogram and a heatmap of an evenly
spaced sample of its units (:func:`layer_picture`). An :class:`Inspection` computes each piece once per
model; the page keeps it for the uploaded file, so reruns only draw what is already made.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnviz.core.datasets import DATASETS, FEATURES
from nnviz.core.errors import NNVizError, SpecError
from nnviz.core.network import Network
from nnviz.drawing.boundary import BoundaryView, boundary_svg
from nnviz.drawing.figures import figure_data_uri, heatmap_figure, histogram_figure
from nnviz.drawing.loss_curve import loss_curve_svg
from nnviz.drawing.svg import svg_data_uri
from nnviz.model_file import ModelRecord
from nnviz.playground.classes import SOFTMAX, boundary_grid, network_classes
from nnviz.user_text import code, escape

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


#: What the inspector says of a softmax layer, which is not an element-wise f(x).
SOFTMAX_NOTE = (
    " — not an element-wise f(x): each output uses the whole layer's sums z, and the outputs are positive "
    "and add up to 1 (the probability of each class); its derivative is a matrix"
)


def activations(nn: Network) -> list[tuple[str, str]]:
    """``(layers, equation LaTeX)`` for each distinct activation, e.g. ``("layers 1, 2: tanh", "f(x) = …")``;
    a softmax layer's equation is ``a_i = e^{z_i} / Σ_j e^{z_j}`` with its Jacobian, and it is said why."""
    seen: dict[str, list[int]] = {}
    acts = {}
    for i, layer in enumerate(nn.layers, 1):
        seen.setdefault(layer.activation.label, []).append(i)
        acts[layer.activation.label] = layer.activation
    out = []
    for label, layers in seen.items():
        f, df = (t or r"\text{(NumPy code)}" for t in acts[label].latex())
        where = ("layer " if len(layers) == 1 else "layers ") + ", ".join(map(str, layers))
        if acts[label].name == SOFTMAX:
            equation = rf"a_i = {f} \qquad \frac{{\partial a_i}}{{\partial z_j}} = {df}"
            out.append((f"{where}: {label}{SOFTMAX_NOTE}", equation))
        else:
            out.append((f"{where}: {label}", rf"f(x) = {f} \qquad f'(x) = {df}"))
    return out


def class_names(nn: Network) -> list[str] | None:
    """The classes of a softmax output, named as in the data the file carries (else ``"0"``, ``"1"``, …);
    None for any other output."""
    if network_classes(nn) is None:
        return None
    names = list(getattr(nn.dataset, "class_names", None) or ())
    return names if len(names) == nn.outputs else [str(j) for j in range(nn.outputs)]


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


def _empty(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, float) and np.isnan(value))


def evaluate(nn: Network, rows: Sequence[Mapping[str, Any]]) -> np.ndarray:
    """Outputs for a table of typed inputs, shape ``(len(rows), nn.outputs)``.

    Raises
    ------
    SpecError
        Naming the row and column of a missing or non-numeric value.
    """
    columns = input_columns(nn)
    X = np.array([row_values(columns, r, row) for r, row in enumerate(rows)]).reshape(len(rows), len(columns))
    return nn.predict(X) if len(rows) else np.empty((0, nn.outputs))


def row_values(columns: Sequence[str], r: int, row: Mapping[str, Any]) -> list[float]:
    """Row ``r`` (0-based) of typed inputs as numbers; a SpecError names the row and column of a bad cell."""
    values = []
    for name in columns:
        value = row.get(name)
        if _empty(value):
            raise SpecError(f"row {r + 1}, column {name} is empty: type a number")
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise SpecError(f"row {r + 1}, column {name} is not a number: {code(str(value))}") from None
        if not np.isfinite(v):
            raise SpecError(f"row {r + 1}, column {name} is not a finite number: {code(str(value))}")
        values.append(v)
    return values


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


#: Most rows and columns of a heatmap (a bigger layer shows an evenly spaced sample), and the largest
#: matrix side annotated with its numbers.
MAX_ROWS_DRAWN, MAX_COLS_DRAWN, MAX_ANNOTATED_SIDE = 40, 60, 12
#: Heatmaps with more columns than this get the page's full width.
WIDE_COLUMNS = 16
#: Layers drawn at once (the page offers the others in groups of this many).
LAYERS_PER_GROUP = 9
#: Parameters × grid points of the boundary picture (about 0.2 s of one core), and the grid's sides.
GRID_BUDGET, GRID_MAX, GRID_MIN = 4e9, 120, 16
#: Parameters × rows of typed inputs evaluated per rerun (a few ms for a small net; ~0.05 s at most).
EVAL_BUDGET = 2e8


def parameter_count(nn: Network) -> int:
    return sum(p.size for p in nn.parameters())


def grid_size(nn: Network) -> int:
    """The side of the boundary's grid: :data:`GRID_MAX` for small networks, fewer points for big ones."""
    return int(np.clip(np.sqrt(GRID_BUDGET / max(1, parameter_count(nn))), GRID_MIN, GRID_MAX))


def sample(n: int, most: int) -> list[int]:
    """``range(n)``, or ``most`` evenly spaced indices of it (first and last included)."""
    return list(range(n)) if n <= most else np.linspace(0, n - 1, most).round().astype(int).tolist()


def layer_stats(nn: Network) -> list[dict[str, Any]]:
    """One row per layer: the weights' shape and statistics, and the bias's."""
    rows = []
    for i, layer in enumerate(nn.layers, 1):
        w = layer.weights
        row = {"layer": i, "weights": f"{w.shape[0]}×{w.shape[1]}", "mean": float(w.mean()),
               "std": float(w.std()), "min": float(w.min()), "max": float(w.max())}  # fmt: skip
        b = layer.bias
        row["bias"] = "none" if b is None else f"mean {b.mean():.3g}, range {b.min():.3g} to {b.max():.3g}"
        rows.append(row)
    return rows


@dataclass(frozen=True)
class LayerPicture:
    """What the page shows of one layer: a heatmap, perhaps a histogram, and captions."""

    heatmap: str
    histogram: str | None
    caption: str
    wide: bool


def layer_picture(i: int, nn: Network) -> LayerPicture:
    """Layer ``i`` (0-based): a heatmap of at most :data:`MAX_ROWS_DRAWN` × :data:`MAX_COLS_DRAWN` weights
    (an evenly spaced sample of a bigger layer, with a histogram of all its weights)."""
    layer = nn.layers[i]
    w = layer.weights
    n_out, n_in = w.shape
    rows, cols = sample(n_out, MAX_ROWS_DRAWN), sample(n_in, MAX_COLS_DRAWN)
    annotate = n_out <= MAX_ANNOTATED_SIDE and n_in <= MAX_ANNOTATED_SIDE
    title = f"layer {i + 1} ({layer.activation.label}): W of shape {w.shape}"
    fig = heatmap_figure(w[np.ix_(rows, cols)], title, annotate=annotate, rows=rows, cols=cols)
    notes = []
    histogram = None
    if len(rows) < n_out or len(cols) < n_in:
        notes.append(
            f"{len(rows)} of {n_out} units × {len(cols)} of {n_in} inputs drawn (evenly spaced); "
            f"the histogram counts all {w.size:,} weights."
        )
        histogram = figure_data_uri(
            histogram_figure(w, None, 40, xlabel="weight", ylabel="weights", log=False)
        )
    b = layer.bias
    if b is not None:
        if b.size <= MAX_ANNOTATED_SIDE:
            notes.append("bias: " + ", ".join(f"{v:.3g}" for v in b))
        else:
            notes.append(f"bias: {b.size} values, mean {b.mean():.3g}, from {b.min():.3g} to {b.max():.3g}")
    return LayerPicture(figure_data_uri(fig), histogram, " · ".join(notes), len(cols) > WIDE_COLUMNS)


def outputs_table(nn: Network, rows: Sequence[Mapping[str, Any]]) -> tuple[list[dict], list[str], list[str]]:
    """The outputs of every complete row of typed inputs, as table rows, and what was left out.

    Returns ``(table, problems, notes)``: ``problems`` name half-filled or non-numeric rows (the reason
    first); ``notes`` say how many empty rows (a row just added) were ignored and whether rows beyond
    :data:`EVAL_BUDGET` were left out. The other rows' outputs are shown either way.
    """
    columns = input_columns(nn)
    limit = max(1, int(EVAL_BUDGET // max(1, parameter_count(nn))))
    complete, problems, empty = [], [], 0
    for r, row in enumerate(rows):
        values = [row.get(name) for name in columns]
        if all(_empty(v) for v in values):
            empty += 1
            continue
        try:
            complete.append(dict(zip(columns, row_values(columns, r, row))))
        except SpecError as exc:
            problems.append(str(exc))
    if len(problems) > 5:
        problems = problems[:5] + [f"{len(problems) - 5} more rows have cells like these: fix them too."]
    notes = [f"{empty} empty row{'s' if empty > 1 else ''} ignored until filled."] if empty else []
    if len(complete) > limit:
        notes.append(f"Only the first {limit} complete rows are evaluated (this network has "
                     f"{parameter_count(nn):,} parameters).")  # fmt: skip
        complete = complete[:limit]
    outputs = evaluate(nn, complete) if complete else np.empty((0, nn.outputs))
    classes = class_names(nn)
    names = [f"P(class {c})" for c in classes] if classes else [f"output {j + 1}" for j in range(nn.outputs)]
    table = [
        {**row, **{name: float(v) for name, v in zip(names, out)}} for row, out in zip(complete, outputs)
    ]
    for row, out in zip(table, outputs) if classes else ():  # the class of the largest probability
        row["predicted class"] = classes[int(np.argmax(out))]
    return table, problems, notes


def model_key(data: bytes) -> str:
    """The identity of a model file: the SHA-256 of its bytes."""
    return hashlib.sha256(data).hexdigest()


def network_key(nn: Network) -> str:
    """The identity of a network in memory: its layers, parameters and metadata (``.nn`` bytes also hold
    the time they were written)."""
    digest = hashlib.sha256(summary_line(nn).encode())
    for layer in nn.layers:
        digest.update(repr((layer.n_in, layer.n_out, layer.has_bias, layer.activation.label)).encode())
    for p in nn.parameters():
        digest.update(np.ascontiguousarray(p, dtype=np.float64).tobytes())
    digest.update(json.dumps(nn.metadata, sort_keys=True, default=str).encode())
    return digest.hexdigest()


@dataclass
class Inspection:
    """Everything the page shows of one model, each piece made once (pictures when first asked for)."""

    nn: Network
    summary: str = ""
    architecture: list[dict[str, Any]] = field(default_factory=list)
    stats: list[dict[str, Any]] = field(default_factory=list)
    activations: list[tuple[str, str]] = field(default_factory=list)
    metadata: list[dict[str, str]] = field(default_factory=list)
    history: str | None = None
    features: list[str] | None = None
    boundary: str | None = None
    boundary_note: str = ""
    pictures: dict[int, LayerPicture] = field(default_factory=dict)

    def picture(self, i: int) -> LayerPicture:
        if i not in self.pictures:
            self.pictures[i] = layer_picture(i, self.nn)
        return self.pictures[i]


def inspect(nn: Network) -> Inspection:
    """The tables, formulas and boundary picture of ``nn`` (layer pictures come later, as asked for)."""
    out = Inspection(
        nn, summary_line(nn), architecture(nn), layer_stats(nn), activations(nn), metadata_rows(nn)
    )
    history = loss_history(nn)
    if history is not None:
        out.history = svg_data_uri(loss_curve_svg(history, width=420, height=240))
    out.features, box = input_setup(nn)
    if out.features is None:
        out.boundary_note = f"This network takes {nn.inputs} inputs the file does not describe: no boundary."
        return out
    n = grid_size(nn)
    try:
        grid = boundary_grid(nn, box, n, out.features)
    except NNVizError as exc:
        out.boundary_note = f"Cannot draw the boundary: {escape(str(exc))}"
        return out
    classes = network_classes(nn) or 2
    if classes > 2:
        view, shown = BoundaryView(box, classes=classes), f"The predicted class of {classes} (colour)"
        shown += " and its probability (paler where the network is unsure)"
    else:
        lo, hi = (0.0, 1.0) if np.nanmin(grid) >= 0 else (-1.0, 1.0)
        view, shown = BoundaryView(box, lo, hi), "Output 1" if network_classes(nn) is None else "P(class 1)"
    out.boundary = svg_data_uri(boundary_svg(grid, view, size=380))
    coarse = f" on a {n}×{n} grid (fewer points for a network this large)" if n < GRID_MAX else ""
    out.boundary_note = f"{shown} over the input box{coarse}, inputs {', '.join(out.features)}."
    return out
