"""More than two classes in the app: which output a data set needs, the boundary's arrays and description,
and the confusion matrix as a table.

Pure Python over :mod:`nnviz.core` and :mod:`nnviz.drawing` (no Streamlit). A data set with k > 2 classes
is learned by an output layer of k softmax units with categorical cross-entropy ("cce"); a binary one by
one sigmoid unit (0/1 labels), and regression targets by one unit. Every picture of a network over its
data goes through :func:`boundary_grid` and :func:`boundary_view`, so the live view, the PNG download,
the runs' side-by-side boundaries and the inspector colour classes alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from nnviz.core.datasets import Dataset
from nnviz.core.feedforward import FeedForward
from nnviz.core.grid import class_grid, decision_grid
from nnviz.core.metrics import confusion_matrix
from nnviz.drawing.boundary import BoundaryView, Grid

#: The output activation and loss of a data set with more than two classes.
SOFTMAX, CCE = "softmax", "cce"


def output_units(classes: int | None) -> int:
    """Units of the output layer for data with ``classes`` classes: k for k > 2, else 1 (None: regression)."""
    return classes if classes is not None and classes > 2 else 1


def network_classes(nn: FeedForward) -> int | None:
    """The classes a network tells apart by a softmax output (its units); None for any other output."""
    return nn.outputs if nn.layers[-1].activation.name == SOFTMAX else None


def boundary_grid(nn: FeedForward, box, n: int, features: Sequence[str] | None) -> Grid:
    """What a boundary picture of ``nn`` maps over an ``n×n`` grid of ``box``.

    For a softmax output of k > 2 units: the predicted class and its probability
    (:func:`~nnviz.core.grid.class_grid`); of 2 units: the probability of class 1, like a sigmoid output;
    otherwise the first output (:func:`~nnviz.core.grid.decision_grid`).
    """
    classes = network_classes(nn)
    if classes is None:
        return decision_grid(nn, box, n, features)
    predicted, confidence = class_grid(nn, box, n, features)
    if classes > 2:
        return predicted, confidence
    return np.where(predicted == 1, confidence, 1 - confidence)


def value_range(kind: str) -> tuple[float, float]:
    """The outputs' colour range: 0–1 for 0/1 labels (classification), -1–1 for regression targets."""
    return (0.0, 1.0) if kind == "classification" else (-1.0, 1.0)


def boundary_view(
    dataset: Dataset, *, test: bool = False, discretize: bool = False, labels: tuple[str, str] = ("x₁", "x₂")
) -> BoundaryView:
    """The description of a boundary picture over ``dataset``: its box, colours, training points and, with
    ``test``, its test points."""
    return BoundaryView(
        dataset.box,
        *value_range(dataset.kind),
        classes=dataset.classes or 2,
        train=(dataset.X_train, dataset.y_train),
        test=(dataset.X_test, dataset.y_test) if test else None,
        labels=labels,
        discretize=discretize,
        class_names=dataset.class_names,
    )


def confusion_rows(
    outputs: np.ndarray, targets: np.ndarray, class_names: Sequence[str]
) -> list[dict[str, Any]]:
    """The confusion matrix as table rows: one row per true class, one column per predicted class.

    ``outputs`` of shape ``(n, k)`` (or ``(n, 1)`` for two classes), ``targets`` of shape ``(n, 1)``.
    """
    names = list(class_names)
    matrix = confusion_matrix(outputs, targets, len(names))
    return [
        {"true class": name, **{f"predicted {other}": int(count) for other, count in zip(names, row)}}
        for name, row in zip(names, matrix)
    ]


__all__ = [
    "CCE",
    "SOFTMAX",
    "boundary_grid",
    "boundary_view",
    "confusion_rows",
    "network_classes",
    "output_units",
    "value_range",
]
