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
from nnviz.core.metrics import accuracy, confusion_matrix
from nnviz.drawing.boundary import BoundaryView, Box, Grid

#: The output activation and loss of a data set with more than two classes.
SOFTMAX, CCE = "softmax", "cce"
#: The loss of 0/1 labels (binary cross-entropy), which regression targets cannot use.
BCE = "bce"


def output_units(classes: int | None) -> int:
    """Units of the output layer for data with ``classes`` classes: k for k > 2, else 1 (None: regression)."""
    return classes if classes is not None and classes > 2 else 1


def output_error(classes: int | None, activation: str, loss: str) -> str | None:
    """Why an output ``activation`` and a ``loss`` do not fit data with ``classes`` classes (None:
    regression), or None when they do; one message naming what to choose instead."""
    if classes is not None and classes > 2:
        if activation != SOFTMAX or loss != CCE:
            chosen = f"a {activation} output" if activation != SOFTMAX else f"the loss {loss}"
            return (
                f"This data has {classes} classes: its output is {classes} softmax units with the loss {CCE} "
                f"(categorical cross-entropy), not {chosen}. The network stays as it was."
            )
        return None
    if classes is None and loss == BCE:
        return (
            f"Binary cross-entropy ({BCE}) is for 0/1 labels; this data has regression targets (from -1 to "
            "1): choose a tanh or linear output with mse. The network stays as it was."
        )
    if activation == SOFTMAX or loss == CCE:
        what = "regression targets" if classes is None else "two classes (0/1 labels)"
        instead = "a tanh or linear output with mse" if classes is None else "one sigmoid output with bce"
        return (
            f"A softmax output with {CCE} loss is for 3 to 6 classes; this data has {what}: choose "
            f"{instead}. The network stays as it was."
        )
    return None


def fitted_output(classes: int | None, activation: str, loss: str) -> tuple[str, str]:
    """The output activation and loss to switch to when the data changes to ``classes`` classes: softmax
    and cce for k > 2; for two classes or regression, the current ones unless they are softmax or cce, or
    bce for regression targets (then sigmoid and bce, or linear and mse)."""
    if classes is not None and classes > 2:
        return SOFTMAX, CCE
    if activation != SOFTMAX and loss != CCE and (classes is not None or loss != BCE):
        return activation, loss
    return ("sigmoid", BCE) if classes is not None else ("linear", "mse")


def network_classes(nn: FeedForward) -> int | None:
    """The classes a network tells apart by a softmax output (its units); None for any other output."""
    return nn.outputs if nn.layers[-1].activation.name == SOFTMAX else None


def boundary_grid(nn: FeedForward, box: Box, n: int, features: Sequence[str] | None) -> Grid:
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


def class_results(
    nn: FeedForward, dataset: Dataset, X_train: np.ndarray, X_test: np.ndarray
) -> list[tuple[str, float, list[dict[str, Any]]]]:
    """``(set, accuracy, confusion rows)`` of the training set and, if there is one, of the test set.

    ``X_train`` and ``X_test`` are the network's inputs (the data's points through its features).
    """
    results = []
    for name, X, y in (("training", X_train, dataset.y_train), ("test", X_test, dataset.y_test)):
        if len(y):
            outputs = nn.predict(X)
            results.append((name, accuracy(outputs, y), confusion_rows(outputs, y, dataset.class_names)))
    return results


__all__ = [
    "CCE",
    "SOFTMAX",
    "boundary_grid",
    "boundary_view",
    "class_results",
    "confusion_rows",
    "fitted_output",
    "network_classes",
    "output_error",
    "output_units",
    "value_range",
]
