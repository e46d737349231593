"""Loss functions, by name (``mse``, ``sse``, ``bce``, ``cce``, and a few other names: :data:`ALIASES`).

Each loss gives its value per sample and ``dL/dz`` at the output layer (the "output delta") for the
*mean* of the per-sample losses over a batch, so batch gradients are means over the batch.

Sums call ``np.add.reduce`` (what ``np.sum`` calls, without its Python wrapper): the trainer computes
the loss over the training set after every epoch, where the wrapper's overhead is a noticeable share.
"""

from __future__ import annotations

import numpy as np

from .activations import Activation
from .errors import SpecError
from .metrics import one_hot
from .softmax import log_softmax


class Loss:
    """Base class: subclasses define ``per_sample`` and ``dloss_da`` (for a single sample)."""

    name = ""
    #: How a dataset's loss is reported: "mean" of the per-sample losses, or their "sum".
    reduction = "mean"

    def check(self, act: Activation) -> None:
        """Refuse an output activation this loss makes no sense with (SpecError); any is fine by default."""

    def targets(self, y: np.ndarray, outputs: int) -> np.ndarray:
        """The targets as this loss needs them (float64): as given, by default."""
        return y

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
        """``dL/dz`` of each sample's own loss at the output layer, shape ``(n, n_out)``.

        ``dL/da`` times f'(z) element-wise, or through softmax's Jacobian (``act.backward``).
        """
        return act.backward(z, a, self.dloss_da(a, y))

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

    def targets(self, y, outputs):
        outside = ~((y >= 0.0) & (y <= 1.0))  # NaN is outside too
        if outside.any():
            raise SpecError(
                f"binary cross-entropy needs targets between 0 and 1 (0/1 labels or probabilities), got "
                f"{y[outside].flat[0]:g}: below 0 or above 1 its loss has no minimum; for regression targets "
                "use 'mse'"
            )
        return y

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


class CategoricalCrossEntropy(Loss):
    """−Σ y·log a over the classes of each sample, averaged over samples, for a softmax output.

    Computed from the logits as ``−Σ y·log_softmax(z)``: no log of 0, no epsilon, no clipping. The
    softmax Jacobian and the loss's gradient fuse into ``dL/dz = a − y`` (for targets that sum to 1 in
    each row, which :meth:`targets` checks: one-hot rows, or class probabilities). Targets may be given
    as class labels ``0 … k − 1``, shape ``(n,)`` or ``(n, 1)``, and are one-hot encoded.
    """

    name = "cce"

    def check(self, act):
        if not act.name == "softmax":
            raise SpecError(
                f"categorical cross-entropy needs a softmax output layer, not {act.label}: its outputs must "
                "be class probabilities that sum to 1 (for one sigmoid output use 'bce')"
            )

    def targets(self, y, outputs):
        if outputs >= 2 and (y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1)):
            return one_hot(y.reshape(-1), outputs)
        if y.ndim == 2 and y.shape[1] == outputs:
            sums = np.add.reduce(y, axis=1)
            bad = np.flatnonzero(~((y >= 0).all(axis=1) & (np.abs(sums - 1.0) <= 1e-9)))
            if len(bad):
                raise SpecError(
                    f"categorical cross-entropy targets must be one-hot rows (or class probabilities that "
                    f"sum to 1), but row {bad[0]} is {np.array2string(y[bad[0]], threshold=8)}"
                )
        return y

    def per_sample(self, a, y, z, act):
        return -np.add.reduce(y * log_softmax(z), axis=1)

    def dloss_da(self, a, y):
        with np.errstate(divide="ignore", invalid="ignore"):
            return -y / a

    def sample_delta(self, a, y, z, act):
        # d/dz of −Σ y·log softmax(z) is a·Σy − y: a − y, bit for bit, for rows that sum to exactly 1.
        return np.subtract(np.multiply(a, np.add.reduce(y, axis=1, keepdims=True)), y)


#: Losses by name.
LOSSES: dict[str, Loss] = {
    cls.name: cls()
    for cls in (MeanSquaredError, SumSquaredError, BinaryCrossEntropy, CategoricalCrossEntropy)
}
#: Other names of the cross-entropies, as Keras, scikit-learn and PyTorch users write them.
ALIASES = {
    "binary_crossentropy": "bce",
    "binary_cross_entropy": "bce",
    "categorical_crossentropy": "cce",
    "categorical_cross_entropy": "cce",
    "categoricalcrossentropy": "cce",
    "sparse_categorical_crossentropy": "cce",
    "cross_entropy": "cce",
    "crossentropy": "cce",
    "crossentropyloss": "cce",
}


def get_loss(loss: str | Loss) -> Loss:
    """Resolve a loss given by name (case-insensitive; ``-`` and spaces read as ``_``) or as an object."""
    if isinstance(loss, Loss):
        return loss
    key = str(loss).strip().lower().replace("-", "_").replace(" ", "_")
    try:
        return LOSSES[ALIASES.get(key, key)]
    except KeyError:
        raise SpecError(f"unknown loss {loss!r}; choose one of {sorted(LOSSES)}") from None


def loss_for(loss: str | Loss, activation: Activation | None = None) -> Loss:
    """:func:`get_loss`, checked against the output layer's ``activation`` when given (SpecError)."""
    resolved = get_loss(loss)
    if activation is not None:
        resolved.check(activation)
    return resolved
