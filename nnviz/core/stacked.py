"""The arithmetic of many copies of one network stacked in arrays: buffers, forward and backward passes.

Memory layout. The copy axis is stored *last*: weights ``(n_in, n_out, N)``, biases ``(n_out, N)``,
activations ``(batch, units, N)``. The matrices of a playground network are tiny (2×2), and
``np.matmul`` over a leading copy axis makes one small BLAS call per copy (≈50–90 µs for 1000
copies of a 2×2 product here), while a broadcast multiply-add over a contiguous copy axis costs
≈2 µs; sums over the batch become adds of contiguous slabs instead of reductions along a length-4
axis (≈50 µs). The inputs, shared by all copies, broadcast along the copy axis, so no step calls
BLAS at all (whose threads only cost time at these sizes on two shared cores).

:class:`~nnviz.core.ensemble.Ensemble` holds the arrays (:class:`StackedParams`);
:class:`~nnviz.core.ensemble_trainer.EnsembleTrainer` trains them with :class:`Workspace` s.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .activations import Activation
from .losses import Loss


@dataclass(frozen=True)
class LayerShape:
    """One layer of the shared architecture: widths, bias flag and activation."""

    n_in: int
    n_out: int
    bias: bool
    activation: Activation


@dataclass
class StackedParams:
    """Every copy's parameters, copy axis last (see the module docstring).

    Attributes
    ----------
    shapes : list of LayerShape
    weights : list of ndarray, layer ``j`` of shape ``(n_in, n_out, N)``, C-contiguous
    biases : list of ndarray of shape ``(n_out, N)``, or None for a layer without bias
    dtype : float32 or float64
    """

    shapes: list[LayerShape]
    weights: list[np.ndarray]
    biases: list[np.ndarray | None]
    dtype: np.dtype

    @property
    def n_copies(self) -> int:
        return self.weights[0].shape[-1]


def _sigmoid_into(z: np.ndarray, out: np.ndarray) -> None:
    # 1 / (1 + e^-z): the engine's logaddexp form costs ≈4× as much; this agrees with it to a few ulp
    # and is exact at the extremes (e^-z = inf gives 0).
    np.negative(z, out=out)
    np.exp(out, out=out)
    out += 1.0
    np.reciprocal(out, out=out)


def _in_place(act: Activation):
    """``apply(z, out)``: write ``act.f(z)`` into ``out`` without a temporary where possible."""
    if act.name == "sigmoid":
        return _sigmoid_into
    f = act.f
    if isinstance(f, np.ufunc):
        return lambda z, out: f(z, out=out)
    return lambda z, out: np.copyto(out, f(z))


#: Largest temporary (in elements) for the fused products of small batches; larger batches loop
#: over a layer's inputs instead, one multiply-add per input unit.
FUSED_LIMIT = 1 << 20


class Workspace:
    """Preallocated buffers for forward and backward passes over a batch of ``S`` samples.

    Each product of a layer is one broadcast multiply into a 4-D temporary ``(S, n_in, n_out, N)``
    followed by one sum, when that temporary is small (few Python-level calls: what per-sample
    steps need); otherwise a loop over the layer's input units accumulates into 3-D buffers.
    """

    def __init__(self, params: StackedParams, S: int) -> None:
        shapes, n, dt = params.shapes, params.n_copies, params.dtype
        self.params, self.S = params, S
        self.za = [(np.empty((S, s.n_out, n), dt), np.empty((S, s.n_out, n), dt)) for s in shapes]
        self.delta = [np.empty((S, s.n_out, n), dt) for s in shapes]
        self.fused = S * max(s.n_in * s.n_out for s in shapes) * n <= FUSED_LIMIT
        if self.fused:
            self.tmp = [np.empty((S, s.n_in, s.n_out, n), dt) for s in shapes]
            # a[:, :, None, :] of each layer's output, made once (slicing costs per step).
            self.wide = [a[:, :, None, :] for _, a in self.za[:-1]]
            self.deltas_wide = [d[:, None, :, :] for d in self.delta]
        else:
            self.tmp = [np.empty((S, s.n_out, n), dt) for s in shapes]
            self.cols = [[a[:, i : i + 1, :] for i in range(a.shape[1])] for _, a in self.za[:-1]]
        self.apply = [_in_place(s.activation) for s in shapes]
        self._X: np.ndarray | None = None

    def _inputs(self, j: int, X: np.ndarray):
        """Layer ``j``'s input as ``(S, n_in, 1, N)`` (fused) or a list of ``(S, 1, N)`` columns.

        The network inputs are shared by all copies: they broadcast along the copy axis.
        """
        if j:
            return self.wide[j - 1] if self.fused else self.cols[j - 1]
        if X is not self._X:
            X3 = X[:, :, None]
            self._X = X
            self._x_in = X3[:, :, None, :] if self.fused else [X3[:, i : i + 1, :] for i in range(X.shape[1])]
        return self._x_in

    def forward(self, X: np.ndarray) -> None:
        """Fill ``za`` for inputs ``X`` of shape ``(S, inputs)``, in the ensemble's dtype."""
        p = self.params
        for j, (s, W, b) in enumerate(zip(p.shapes, p.weights, p.biases)):
            z, a = self.za[j]
            inputs, tmp = self._inputs(j, X), self.tmp[j]
            if self.fused:
                np.multiply(inputs, W, out=tmp)
                np.add.reduce(tmp, axis=1, out=z)
            else:
                np.multiply(inputs[0], W[0], out=z)
                for i in range(1, s.n_in):
                    np.multiply(inputs[i], W[i], out=tmp)
                    z += tmp
            if b is not None:
                z += b
            self.apply[j](z, a)

    def backward_sgd(self, X: np.ndarray, Y3: np.ndarray, loss: Loss, lr: float, grads: list) -> None:
        """Backpropagate the batch's mean loss from ``za`` and apply ``p -= lr * g`` to every copy.

        ``Y3`` has shape ``(S, n_out, 1)``. The deltas are carried already multiplied by ``lr``
        (backpropagation is linear in them), so each update is one subtraction. A layer is updated
        only after the delta for the layer below has been computed with its old weights, as in
        :meth:`Network.backprop`.
        """
        p, S, fused = self.params, self.S, self.fused
        shapes, last = p.shapes, len(p.shapes) - 1
        z, a = self.za[last]
        np.multiply(loss.sample_delta(a, Y3, z, shapes[last].activation), lr / S, out=self.delta[last])
        for j in range(last, -1, -1):
            s, W, b, delta, tmp = shapes[j], p.weights[j], p.biases[j], self.delta[j], self.tmp[j]
            gW, gb = grads[j]
            inputs = self._inputs(j, X)
            if j:
                below = self.delta[j - 1]
                if fused:
                    np.multiply(self.deltas_wide[j], W, out=tmp)
                    np.add.reduce(tmp, axis=2, out=below)
                else:
                    for i in range(s.n_in):
                        np.multiply(delta, W[i], out=tmp)
                        np.add.reduce(tmp, axis=1, out=below[:, i, :])
                below *= shapes[j - 1].activation.derivative(*self.za[j - 1])
            if fused:
                np.multiply(inputs, self.deltas_wide[j], out=tmp)
                W -= tmp[0] if S == 1 else np.add.reduce(tmp, axis=0, out=gW)
            else:
                for i, col in enumerate(inputs):
                    np.multiply(col, delta, out=tmp)
                    np.add.reduce(tmp, axis=0, out=gW[i])
                W -= gW
            if b is not None:
                b -= delta[0] if S == 1 else np.add.reduce(delta, axis=0, out=gb)
