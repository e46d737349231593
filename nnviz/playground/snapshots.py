"""Snapshots of an experiment: the numbers of its status line, the arrays of a frame, where its run stands.

Plain data made by :class:`~nnviz.playground.experiment.Experiment` and read by the live view and the
workers; a :class:`TrainingState` travels between processes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

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
