"""Loss functions, by name.

Each loss gives its value per sample and ``dL/dz`` at the output layer (the "output delta") for the
*mean* of the per-sample losses over a batch, so batch gradients are means over the batch.

Sums call ``np.add.reduce`` (what ``np.sum`` calls, without its Python wrapper): the trainer computes
the loss over the training set after every epoch, where the wrapper's overhead is a noticeable share.
"""

from __future__ import annotations

import numpy as np

from .activations import Activation
from .errors import SpecError


class Loss:
    """Base class: subclasses define ``per_sample`` and ``dloss_da`` (for a single sample)."""

    name = ""
    #: How a dataset's loss is reported: "mean" of the per-sample losses, or their "sum".
    reduction = "mean"

    def per_sample(self, a: np.ndarray, y: np.ndarray, z: np.ndarray, act: Activation) -> np.ndarray:
        """Loss of each sample, shape ``(n,)``, for outputs ``a = act.f(z)`` of shape ``(n, n_out)``."""
        raise NotImplementedError

    def dloss_da(self, a: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Gradient of one sample's loss with respect to the outputs ``a``."""
        raise NotImplementedError

    def value(self, a: np.ndarray, y: np.ndarray, z: np.ndarray, act: Activation) -> float:
        """The reported loss of a whole set (mean, or sum for ``sse``)."""
        losses = self.per_sample(a, y, z, act)
        # losses.sum() and losses.mean() (the sum divided by the count), without their Python wrappers.
        total = float(np.add.reduce(losses, None))
        return total if self.reduction == "sum" else total / losses.size

    def sample_delta(self, a: np.ndarray, y: np.ndarray, z: np.ndarray, act: Activation) -> np.ndarray:
        """``dL/dz`` of each sample's own loss at the output layer (any shape, element-wise)."""
        return self.dloss_da(a, y) * act.derivative(z, a)

    def delta(self, a: np.ndarray, y: np.ndarray, z: np.ndarray, act: Activation) -> np.ndarray:
        """``d mean(per_sample) / dz`` at the output layer for a batch, shape ``(n, n_out)``."""
        return self.sample_delta(a, y, z, act) * (1.0 / len(a))

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class MeanSquaredError(Loss):
    """½·Σ(a − y)² per sample, averaged over samples; the gradient is ``a − y`` as in ``000_*``."""

    name = "mse"

    def per_sample(self, a, y, z, act):
        return 0.5 * np.add.reduce((a - y) ** 2, axis=1)

    def dloss_da(self, a, y):
        return a - y


class SumSquaredError(Loss):
    """Σ(a − y)² per sample, reported as the sum over the set, as in ``001_*``; gradient 2(a − y)."""

    name = "sse"
    reduction = "sum"

    def per_sample(self, a, y, z, act):
        return np.add.reduce((a - y) ** 2, axis=1)

    def dloss_da(self, a, y):
        return 2.0 * (a - y)


class BinaryCrossEntropy(Loss):
    """−[y·log a + (1 − y)·log(1 − a)] summed over outputs, averaged over samples.

    With a sigmoid output it is computed from the logits z as ``softplus(z) − y·z`` (no log of 0, no
    clipping) and the sigmoid's derivative cancels: ``dL/dz = a − y``, as in ``002_*``.
    """

    name = "bce"

    def per_sample(self, a, y, z, act):
        if act.name == "sigmoid":
            return np.add.reduce(np.logaddexp(0.0, z) - y * z, axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            return -np.add.reduce(y * np.log(a) + (1.0 - y) * np.log1p(-a), axis=1)

    def dloss_da(self, a, y):
        with np.errstate(divide="ignore", invalid="ignore"):
            return (a - y) / (a * (1.0 - a))

    def sample_delta(self, a, y, z, act):
        if act.name == "sigmoid":
            return a - y
        return super().sample_delta(a, y, z, act)


#: Losses by name.
LOSSES: dict[str, Loss] = {cls.name: cls() for cls in (MeanSquaredError, SumSquaredError, BinaryCrossEntropy)}


def get_loss(loss: str | Loss) -> Loss:
    """Resolve a loss given by name or as an object."""
    if isinstance(loss, Loss):
        return loss
    try:
        return LOSSES[str(loss).lower()]
    except KeyError:
        raise SpecError(f"unknown loss {loss!r}; choose one of {sorted(LOSSES)}") from None
