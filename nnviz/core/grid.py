"""A network evaluated over a grid of the input box, in one batched forward pass.

These are the arrays behind the decision-boundary picture and the per-neuron maps. Images use
row 0 for the *top* of the box (largest x2), so an array can be shown as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from .datasets import apply_features
from .feedforward import FeedForward
from .metrics import predicted_classes

Box = tuple[float, float, float, float]


def grid_points(box: Box, n: int = 200, dtype: type = np.float32) -> np.ndarray:
    """Centres of an ``n×n`` grid over ``box = (x_min, x_max, y_min, y_max)``, shape ``(n*n, 2)``.

    Row-major from the top-left corner: point ``r*n + c`` is in image row ``r``, column ``c``.
    """
    x_min, x_max, y_min, y_max = box
    dx, dy = (x_max - x_min) / n, (y_max - y_min) / n
    xs = x_min + dx * (np.arange(n) + 0.5)
    ys = y_max - dy * (np.arange(n) + 0.5)
    gx, gy = np.meshgrid(xs, ys)
    return np.column_stack([gx.ravel(), gy.ravel()]).astype(dtype)


@lru_cache(maxsize=64)
def _grid_inputs(box: Box, n: int, features: tuple[str, ...] | None, dtype: type) -> np.ndarray:
    """The network inputs of the grid's points, made once per box, size, features and dtype (read-only)."""
    points = grid_points(box, n, dtype)
    inputs = apply_features(points, features) if features else points
    inputs.flags.writeable = False
    return inputs


def _inputs(nn: FeedForward, box: Box, n: int, features: Sequence[str] | None, dtype) -> np.ndarray:
    return _grid_inputs(
        tuple(map(float, box)), n, tuple(features) if features else None, np.dtype(dtype).type
    )


def decision_grid(
    nn: FeedForward, box: Box, n: int = 200, features: Sequence[str] | None = None, dtype: type = np.float32
) -> np.ndarray:
    """The network's first output over an ``n×n`` grid of ``box``, shape ``(n, n)``.

    Parameters
    ----------
    features : list of str, optional
        Feature names (see :data:`~nnviz.core.datasets.FEATURES`) the network takes as inputs;
        None means the raw ``(x1, x2)``.
    dtype : float32 (default) or float64
        float32 is plenty for drawing and several times faster.
    """
    return nn.predict(_inputs(nn, box, n, features, dtype))[:, 0].reshape(n, n)


def class_grid(
    nn: FeedForward, box: Box, n: int = 200, features: Sequence[str] | None = None, dtype: type = np.float32
) -> tuple[np.ndarray, np.ndarray]:
    """The predicted class and its probability over an ``n×n`` grid of ``box``, each of shape ``(n, n)``.

    For a softmax output (k classes) the class is the largest output's index (``0 … k − 1``, integers)
    and the confidence that output; for one sigmoid output, class 1 where the output is above 0.5, and
    the confidence is the chosen class's probability (``p`` or ``1 − p``). Parameters as
    :func:`decision_grid`'s.
    """
    out = nn.predict(_inputs(nn, box, n, features, dtype))
    classes = predicted_classes(out)
    if out.shape[1] == 1:
        confidence = np.where(classes == 1, out[:, 0], 1 - out[:, 0])
    else:
        confidence = np.take_along_axis(out, classes[:, None], axis=1)[:, 0]
    return classes.reshape(n, n), confidence.reshape(n, n)


def neuron_grids(
    nn: FeedForward, box: Box, n: int = 40, features: Sequence[str] | None = None, dtype: type = np.float32
) -> list[np.ndarray]:
    """Every neuron's activation over the grid: a list of arrays of shape ``(units, n, n)``.

    Element 0 holds the input features themselves; element ``i`` holds layer ``i``'s outputs.
    """
    a = np.ascontiguousarray(nn.as_batch(_inputs(nn, box, n, features, dtype)).T)
    maps = [a.reshape(-1, n, n)]
    for layer in nn.layers:
        a = layer.columns_forward(a)
        maps.append(a.reshape(-1, n, n))
    return maps
