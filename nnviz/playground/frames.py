"""The live view's data: what the browser needs to draw a frame, as compact JSON-ready numbers.

The browser draws (``live_view.js``, the way TensorFlow Playground's ``heatmap.ts`` draws a matrix); the
server only sends what changes, quantised: the output over the input box and every neuron's map as bytes
(0–255 over a stated range, deflate-compressed, base64), the weights and biases, the loss points the
browser does not have yet, and the status numbers. What does not change while a network trains (the data
points, the box, the layer titles, the colours) is sent once, with the page (:func:`scene`).

No Streamlit here: the page hands the scene and the first frame to its component, and the frame stream
(:mod:`nnviz.playground.live`) sends the next frames, made by the process that trains
(:mod:`nnviz.playground.scheduler`).
"""

from __future__ import annotations

import base64
import math
import zlib
from typing import Any

import numpy as np

from nnviz.core.datasets import FEATURES
from nnviz.drawing.colors import HIGH, LOW, MID, class_colors, confidence_strength
from nnviz.drawing.network_diagram import map_range
from nnviz.playground.classes import value_range
from nnviz.playground.experiment import Experiment
from nnviz.playground.ledger import RunRecord
from nnviz.playground.loss_log import LossLog
from nnviz.playground.settings import Settings

#: Cells per side of the output grid (the browser scales it smoothly).
GRID_N = 64
#: Cells per side of a neuron's map: at most MAP_N, fewer for big networks so that all maps together
#: stay near MAP_CELLS cells (a frame stays a few kB); at least MIN_MAP_N.
MAP_N, MIN_MAP_N, MAP_CELLS = 20, 10, 4800
#: Most points of each loss curve in one frame (the latest always among them).
CURVE_POINTS = 6
#: Most points a scene sends of each curve (the browser thins its curve at about twice this).
SCENE_CURVE_POINTS = 400
#: Most data points of each set the scene draws.
SCENE_POINTS = 2000
#: Most earlier runs drawn over the loss chart, and most points of each.
MAX_OVERLAYS, OVERLAY_POINTS = 4, 300


def output_range(exp: Experiment) -> tuple[float, float]:
    """The outputs' colour range: 0–1 for 0/1 labels, -1–1 for regression targets."""
    return value_range(exp.dataset.kind)


def layer_labels(exp: Experiment) -> list[str]:
    """A title per layer: ``"Hidden 1 · tanh"``, ..., ``"Output · sigmoid"``."""
    return [
        f"{'Output' if i == len(exp.nn.layers) - 1 else f'Hidden {i + 1}'} · {layer.activation.label}"
        for i, layer in enumerate(exp.nn.layers)
    ]


def neuron_choices(exp: Experiment) -> dict[str, tuple[int, int] | None]:
    """Names of every neuron (inputs included) → (column, index); ``"none"`` → None."""
    choices: dict[str, tuple[int, int] | None] = {"none": None}
    names = ["Input"] + layer_labels(exp)
    for c, count in enumerate(exp.nn.sizes):
        for k in range(count):
            label = FEATURES[exp.features[k]][0] if c == 0 else f"neuron {k + 1}"
            choices[f"{names[c].split(' · ')[0]} · {label}"] = (c, k)
    return choices


def map_cells(sizes: list[int]) -> int:
    """Cells per side of each neuron's map for a network of these layer sizes (inputs first)."""
    return max(MIN_MAP_N, min(MAP_N, math.isqrt(MAP_CELLS // sum(sizes))))


def quantise(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Values as bytes 0–255 over ``[lo, hi]`` (clipped; NaN, as from an overflow, at the middle)."""
    t = (np.asarray(values, dtype=np.float32) - lo) * np.float32(255.0 / (hi - lo))
    t += np.float32(0.5)
    np.nan_to_num(t, copy=False, nan=128.0)
    return np.clip(t, 0.0, 255.0, out=t).astype(np.uint8)


#: Confidence steps of a class grid's byte: ``class × LEVELS + step``, so that 6 classes fit in 0–251.
LEVELS = 42


def class_bytes(predicted: np.ndarray, confidence: np.ndarray, classes: int) -> np.ndarray:
    """A class grid as one byte a cell: ``class × LEVELS + step``, where step 0 … LEVELS − 1 is the
    confidence from chance level (``1/classes``) to certainty (the browser fades the class colour by it,
    as :func:`nnviz.drawing.colors.class_colorize` does); as small as a binary grid's frame."""
    strength = confidence_strength(confidence, classes)
    steps = (strength * np.float32(LEVELS - 1) + np.float32(0.5)).astype(np.uint8)
    return (np.asarray(predicted, dtype=np.uint8) * np.uint8(LEVELS) + steps).astype(np.uint8)


def pack(rows: np.ndarray) -> str:
    """Byte rows, each sent as differences from its left neighbour (mod 256: PNG's "Sub" filter, which
    makes a smooth picture compress about a third smaller), deflate-compressed and base64-encoded."""
    rows = rows.reshape(-1, rows.shape[-1])
    sub = np.empty_like(rows)
    sub[:, 0] = rows[:, 0]
    np.subtract(rows[:, 1:], rows[:, :-1], out=sub[:, 1:])
    return base64.b64encode(zlib.compress(sub.tobytes(), 6)).decode("ascii")


def _numbers(values: np.ndarray, digits: int = 4) -> list[float | None]:
    """Finite values rounded for JSON; None for the others (JSON has no NaN)."""
    flat = np.asarray(values, float).ravel().tolist()
    return [round(v, digits) if math.isfinite(v) else None for v in flat]


def _curve(log: LossLog, since: int, most: int) -> list[list[float]]:
    """``[epoch, loss]`` points after epoch ``since``: at most ``most``, evenly spaced, the latest exact."""
    epochs, values = log.after(since)
    if len(epochs) > most:
        pick = sorted({round(i * (len(epochs) - 1) / (most - 1)) for i in range(most)})
        epochs, values = [epochs[i] for i in pick], [values[i] for i in pick]
    return [[e, round(v, 6)] for e, v in zip(epochs, values) if math.isfinite(v)]


def frame(exp: Experiment, since: int = -1, most: int = CURVE_POINTS) -> dict[str, Any]:
    """The next frame: status, the output grid, every neuron's map, weights, and loss points after ``since``.

    Parameters
    ----------
    since : int
        The last epoch of the loss curve the browser has (-1: none).
    most : int
        Most points of each curve to send.
    """
    with exp.lock:
        arrays = exp.frame(GRID_N, map_cells(exp.nn.sizes))
        lo, hi = output_range(exp)
        m = arrays.metrics
        maps, ranges = [], []
        for c, column in enumerate(arrays.maps):
            c_lo, c_hi = (lo, hi) if c == len(arrays.maps) - 1 else map_range(column)
            maps.append(quantise(column, c_lo, c_hi))
            ranges.append([c_lo, c_hi])
        return {
            "epoch": m.epoch,
            "batch": m.batch,
            "batches": m.batches_per_epoch,
            "loss": _numbers([m.train_loss, m.test_loss], 6),
            "accuracy": None if m.train_accuracy is None else _numbers([m.train_accuracy, m.test_accuracy]),
            "grid": pack(grid_bytes(arrays.grid, exp.dataset.classes, lo, hi)),
            "maps": pack(np.concatenate(maps)),
            "ranges": ranges,
            "weights": [_numbers(w) for w in arrays.weights],
            "biases": [None if b is None else _numbers(b) for b in arrays.biases],
            "train": _curve(exp.train_log, since, most),
            "test": _curve(exp.test_log, since, most),
            "error": exp.error,
            "warning": exp.warning,
        }


def grid_bytes(grid, classes: int | None, lo: float, hi: float) -> np.ndarray:
    """The boundary grid's bytes: quantised values, or for k > 2 classes :func:`class_bytes`."""
    if isinstance(grid, tuple):
        return class_bytes(*grid, classes)
    return quantise(grid, lo, hi)


def _points(X: np.ndarray, y: np.ndarray) -> list[list[float]]:
    """``[x1, x2, label]`` of at most :data:`SCENE_POINTS` points, rounded for JSON."""
    coords, labels = X[:SCENE_POINTS].tolist(), y[:SCENE_POINTS, 0].tolist()
    return [[round(a, 3), round(b, 3), round(t, 3)] for (a, b), t in zip(coords, labels)]


def scene(exp: Experiment) -> dict[str, Any]:
    """What does not change while the network trains: the box, the data points, the layers, the colours."""
    d = exp.dataset
    return {
        "box": list(d.box),
        "range": list(output_range(exp)),
        "classify": d.kind == "classification",
        "train": _points(d.X_train, d.y_train),
        "test": _points(d.X_test, d.y_test),
        "sizes": exp.nn.sizes,
        "inputs": [FEATURES[name][0] for name in exp.features],
        "layers": layer_labels(exp),
        "grid": GRID_N,
        "map": map_cells(exp.nn.sizes),
        "colors": [list(LOW), list(MID), list(HIGH)],
        **class_scene(d.classes),
    }


def class_scene(classes: int | None) -> dict[str, Any]:
    """What the browser needs to draw k > 2 classes (nothing for two classes or regression): the class
    count, the palette and the grid byte's :data:`LEVELS`."""
    if classes is None or classes <= 2:
        return {}
    return {"classes": classes, "palette": class_colors(classes).tolist(), "levels": LEVELS}


def overlays(records: list[RunRecord], current: Settings) -> list[dict[str, Any]]:
    """Earlier runs' training loss curves to draw over the live loss chart, each labelled by what it set
    differently from ``current``. Page data (they do not change while the current run trains), not frames."""
    return [
        {"label": record.label(current), "train": _curve(record.train_log, -1, OVERLAY_POINTS)}
        for record in records[:MAX_OVERLAYS]
    ]


__all__ = ["frame", "layer_labels", "neuron_choices", "output_range", "overlays", "scene"]
