"""A loss history that stays small however long a network trains."""

from __future__ import annotations

import bisect

import numpy as np

from nnviz.model_file import Curve


class LossLog:
    """A loss history of bounded size: exact while short, then thinned evenly (every 2nd, 4th, ... kept).

    Playing for hours must not grow memory; a curve never needs more than a few thousand points.
    The latest point is always kept exactly (:attr:`last`).
    """

    def __init__(self, capacity: int = 4096) -> None:
        self.capacity = capacity
        self.epochs: list[int] = []
        self.values: list[float] = []
        self.stride = 1
        self.last: tuple[int, float] | None = None

    def add(self, epoch: int, value: float) -> None:
        self.last = (epoch, value)
        if epoch % self.stride:
            return
        self.epochs.append(epoch)
        self.values.append(value)
        if len(self.epochs) > self.capacity:
            self.stride *= 2
            keep = [i for i, e in enumerate(self.epochs) if e % self.stride == 0]
            self.epochs = [self.epochs[i] for i in keep]
            self.values = [self.values[i] for i in keep]

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """``(epochs, values)`` including the latest point, as float arrays."""
        epochs, values = list(self.epochs), list(self.values)
        if self.last is not None and (not epochs or epochs[-1] != self.last[0]):
            epochs.append(self.last[0])
            values.append(self.last[1])
        return np.asarray(epochs, dtype=float), np.asarray(values, dtype=float)

    def after(self, epoch: int) -> tuple[list[int], list[float]]:
        """The points after ``epoch`` (the latest included), without copying the whole log."""
        start = bisect.bisect_right(self.epochs, epoch)
        epochs, values = self.epochs[start:], self.values[start:]
        if self.last is not None and self.last[0] > epoch and (not epochs or epochs[-1] != self.last[0]):
            epochs, values = [*epochs, self.last[0]], [*values, self.last[1]]
        return epochs, values

    def to_curve(self) -> Curve:
        """The log as a :class:`~nnviz.model_file.Curve` (what a model file records)."""
        epochs, values = self.arrays()
        return Curve(tuple(int(e) for e in epochs), tuple(float(v) for v in values))

    @classmethod
    def from_curve(cls, curve: Curve | None) -> LossLog:
        """A log of a curve read from a file (None: an empty log)."""
        log = cls()
        if curve is not None:
            for e, v in zip(curve.epochs, curve.values):
                log.add(e, v)
        return log

    def copy(self) -> LossLog:
        twin = LossLog(self.capacity)
        twin.epochs, twin.values, twin.stride, twin.last = (
            list(self.epochs),
            list(self.values),
            self.stride,
            self.last,
        )
        return twin
