"""Class labels, one-hot targets, predicted classes, accuracy and the confusion matrix.

A classifier's outputs are either one probability (a sigmoid output: class 1 above 0.5) or one
probability per class (a softmax output: the largest wins). Targets come the same two ways: a column of
0/1 (or of class labels ``0 … k − 1``) or one-hot rows. These functions accept either, so binary and
multi-class networks are measured alike.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import SpecError


def one_hot(labels: Any, classes: int) -> np.ndarray:
    """One-hot rows of shape ``(n, classes)`` (float64) for class labels of shape ``(n,)``.

    Labels may be integers or floats with whole values (as data sets store them), ``0 … classes − 1``.

    Raises
    ------
    SpecError
        For a label that is not a whole number in range (naming the first one and its row).
    """
    values = np.asarray(labels, dtype=np.float64).reshape(-1)
    bad = np.flatnonzero(~np.isin(values, np.arange(classes)))
    if len(bad):
        raise SpecError(
            f"class labels must be whole numbers from 0 to {classes - 1} ({classes} classes), but label "
            f"{float(values[bad[0]])!r} is in row {bad[0]}"
        )
    out = np.zeros((len(values), classes))
    out[np.arange(len(values)), values.astype(np.intp)] = 1.0
    return out


def class_labels(targets: Any) -> np.ndarray:
    """Integer class labels of shape ``(n,)`` from targets of shape ``(n, 1)`` or one-hot ``(n, k)``.

    A single column holds class labels ``0 … k − 1`` (0/1 for two classes), or probabilities of class 1
    (above 0.5 is class 1); several columns are one-hot rows (or class probabilities: the largest wins).
    """
    targets = np.asarray(targets, dtype=np.float64)
    if targets.ndim == 1:
        targets = targets.reshape(-1, 1)
    if targets.shape[1] > 1:
        return np.argmax(targets, axis=1)
    column = targets[:, 0]
    if np.all((column >= 0.0) & (column == np.floor(column))):  # labels (0/1 included)
        return column.astype(np.intp)
    return (column > 0.5).astype(np.intp)


def predicted_classes(outputs: Any) -> np.ndarray:
    """The predicted class of each sample, integers of shape ``(n,)``, from outputs of shape ``(n, k)``.

    ``argmax`` over the outputs when there are several (ties go to the first class); with one output,
    1 where it is above 0.5 (a sigmoid's probability), 0 elsewhere.
    """
    outputs = np.asarray(outputs)
    if outputs.ndim != 2:
        raise SpecError(f"outputs must have shape (n, k), got {outputs.shape}")
    if outputs.shape[1] == 1:
        return (outputs[:, 0] > 0.5).astype(np.intp)
    return np.argmax(outputs, axis=1)


def accuracy(outputs: Any, targets: Any) -> float:
    """The share of samples whose predicted class (:func:`predicted_classes`) is their target's class.

    NaN for an empty set.
    """
    predicted, true = predicted_classes(outputs), class_labels(targets)
    if len(predicted) != len(true):
        raise SpecError(f"{len(predicted)} outputs but {len(true)} targets")
    return float(np.mean(predicted == true)) if len(true) else float("nan")


def confusion_matrix(outputs: Any, targets: Any, classes: int | None = None) -> np.ndarray:
    """Counts of shape ``(classes, classes)``: row = the true class, column = the predicted one.

    ``classes`` defaults to the number of outputs (2 for a single sigmoid output). The diagonal holds
    the right answers; ``matrix.sum()`` is the number of samples.
    """
    outputs = np.asarray(outputs)
    predicted, true = predicted_classes(outputs), class_labels(targets)
    if len(predicted) != len(true):
        raise SpecError(f"{len(predicted)} outputs but {len(true)} targets")
    k = classes if classes is not None else max(2, outputs.shape[1])
    if len(true) and max(true.max(), predicted.max()) >= k:
        raise SpecError(f"a class number is {int(max(true.max(), predicted.max()))}, beyond the {k} classes")
    matrix = np.zeros((k, k), dtype=np.int64)
    np.add.at(matrix, (true, predicted), 1)
    return matrix
