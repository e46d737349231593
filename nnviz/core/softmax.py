"""Softmax, the activation of a whole output row, and its logarithm, both numerically stable.

Softmax is not element-wise (each output depends on the whole row), so it is not one of
``ACTIVATIONS``, the table hidden layers choose from: :data:`SOFTMAX` is an
:class:`~nnviz.core.activations.Activation` whose :meth:`~_Softmax.backward` is the product with its
Jacobian and whose element-wise derivative refuses to run. ``activation_from("softmax")`` gives it;
:class:`~nnviz.core.feedforward.FeedForward` allows it only on an output layer of two or more units.
Categorical cross-entropy (``nnviz.core.losses``) works from :func:`log_softmax` and fuses its gradient
with softmax's (``a − y``).
"""

from __future__ import annotations

import numpy as np

from .activations import Activation
from .errors import SpecError


def softmax(z: np.ndarray, axis: int = -1, out: np.ndarray | None = None) -> np.ndarray:
    """``exp(z) / Σ exp(z)`` along ``axis`` (each row, by default), in ``out`` if given.

    Computed as ``exp(z − max z)``: nothing overflows, whatever the size of the logits, and the largest
    entry's exponential is exactly 1, so the sum is at least 1. Entries are in [0, 1] and each row sums to
    1 up to rounding (an entry far below the row's largest underflows to 0).
    """
    with np.errstate(over="ignore"):  # z − max z of −1e308 and 1e308 is −inf, whose exp is 0: right
        e = np.subtract(z, np.max(z, axis=axis, keepdims=True), out=out)
    np.exp(e, out=e)
    return np.divide(e, np.add.reduce(e, axis=axis, keepdims=True), out=e)


def log_softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """``log(softmax(z))`` along ``axis``, as ``z − max z − log Σ exp(z − max z)``: finite for finite z.

    (The log of :func:`softmax` would be −inf where an entry underflows to 0.) An entry more than the
    largest float below its row's maximum (``z − max z`` overflows) gets ``−1.8e308``, not −inf, so that
    a zero target times it is 0, not NaN.
    """
    with np.errstate(over="ignore"):
        shifted = z - np.max(z, axis=axis, keepdims=True)
    np.maximum(shifted, -np.finfo(shifted.dtype).max, out=shifted)
    return shifted - np.log(np.add.reduce(np.exp(shifted), axis=axis, keepdims=True))


def _softmax_rows_into(z, out):
    return softmax(z, -1, out)


def _no_elementwise_derivative(*args):
    raise SpecError(
        "softmax has no element-wise derivative (each output depends on the whole row): it can only be "
        "an output layer, where the loss takes its Jacobian (Activation.backward)"
    )


class _Softmax(Activation):
    """Softmax over each row: ``a_i = exp(z_i) / Σ_j exp(z_j)``. Only an output layer may use it.

    Its derivative is a Jacobian, ``da_i/dz_j = a_i (δ_ij − a_j)``, so :meth:`backward` is the product
    with it; with categorical cross-entropy the loss fuses the two (``a − y``) instead.
    """

    elementwise = False

    def backward(self, z: np.ndarray, a: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """``dL/dz = a ⊙ (g − Σ_j g_j a_j)`` for each row, where ``g = dL/da``."""
        return a * (grad - np.add.reduce(grad * a, axis=-1, keepdims=True))

    def columns_into(self, z: np.ndarray, out: np.ndarray) -> np.ndarray:
        return softmax(z, 0, out)

    def latex(self) -> tuple[str, str]:
        return r"\frac{e^{z_i}}{\sum_j e^{z_j}}", r"a_i\,(\delta_{ij} - a_j)"


#: The softmax output activation.
SOFTMAX: Activation = _Softmax(
    "softmax", None, None, None, softmax, _no_elementwise_derivative, None, _softmax_rows_into
)
