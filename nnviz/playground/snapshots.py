"""Snapshots of an experiment: the numbers of its status line, the arrays of a frame, where its run stands.

Plain data made from an :class:`~nnviz.playground.experiment.Experiment` (:func:`metrics_of`,
:func:`frame_arrays`, :meth:`Experiment.training_state`) and read by the live view and the workers; a
:class:`TrainingState` travels between processes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from nnviz.core.grid import neuron_grids
from nnviz.core.metrics import accuracy
from nnviz.playground.classes import boundary_grid
from nnviz.playground.loss_log import LossLog


@dataclass
class Metrics:
    """What the status line shows. Accuracies are None for regression."""

    epoch: int
    batch: int
    batches_per_epoch: int
    train_loss: float
    test_loss: float
    train_accuracy: float | None
    test_accuracy: float | None


@dataclass
class FrameArrays:
    """The arrays one drawn frame needs (the drawings take these, not the network)."""

    grid: np.ndarray | tuple[np.ndarray, np.ndarray]  # values (n, n), or (class, confidence) for k > 2
    maps: list[np.ndarray]
    weights: list[np.ndarray]
    biases: list[np.ndarray | None]
    metrics: Metrics
    train_curve: tuple[np.ndarray, np.ndarray]
    test_curve: tuple[np.ndarray, np.ndarray]


@dataclass
class TrainingState:
    """Where a run stands: everything training changes, as plain data that can go to another process.

    An :class:`Experiment` with the same settings and data that loads it (:meth:`Experiment.load_training`)
    continues bit for bit as the one that made it (:meth:`Experiment.training_state`) would.
    """

    model: bytes  # the network, as .nn bytes (weights exactly; activations by name or formula text)
    trainer: dict[str, Any]  # Trainer.state(): optimizer state, shuffling generator, place in the epoch
    epoch: int
    batch: int
    train_log: LossLog
    test_log: LossLog
    error: str | None
    epochs_per_second: float


def metrics_of(exp: Any) -> Metrics:
    """An experiment's current losses and accuracies on its training and test sets (NaN, or None for an
    accuracy, where a set is empty)."""
    with exp.lock:
        d, loss, nn = exp.dataset, exp.settings.loss, exp.nn
        train_out, test_out = nn.predict(exp.X_train), nn.predict(exp.X_test)
        classify = d.kind == "classification"
        return Metrics(
            exp.epoch,
            exp.batch,
            exp.trainer.batches_per_epoch,
            nn.loss(exp.X_train, d.y_train, loss) if len(d.y_train) else float("nan"),
            nn.loss(exp.X_test, d.y_test, loss) if len(d.y_test) else float("nan"),
            accuracy(train_out, d.y_train) if classify else None,
            accuracy(test_out, d.y_test) if classify and len(d.y_test) else None,
        )


def frame_arrays(exp: Any, n: int = 100, map_n: int = 24) -> FrameArrays:
    """The arrays of one drawn frame of an experiment: output grid ``(n, n)`` over its box, neuron maps
    ``(map_n, map_n)``, weights, metrics, curves."""
    with exp.lock, np.errstate(all="ignore"):  # huge weights may overflow float32: drawn as mid
        box, feats, nn = exp.dataset.box, exp.features, exp.nn
        return FrameArrays(
            boundary_grid(nn, box, n, feats),
            neuron_grids(nn, box, map_n, feats),
            [layer.weights.copy() for layer in nn.layers],
            [None if layer.bias is None else layer.bias.copy() for layer in nn.layers],
            metrics_of(exp),
            exp.train_log.arrays(),
            exp.test_log.arrays(),
        )
