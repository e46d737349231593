"""The math of a feed-forward network of dense layers: forward pass, backpropagation, loss.

:class:`FeedForward` is what the trainer, the grid and the file format work with; the
:class:`~nnviz.core.network.Network` users build adds making layers from specs, training and files.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from .errors import SpecError
from .layer import MAX_LAYERS, Layer, check_size
from .losses import Loss, loss_for
from .metrics import predicted_classes

#: Largest work array (bytes) :meth:`FeedForward.predict` keeps between calls, per thread and dtype.
SCRATCH_BYTES = 8 * 2**20
_scratch = threading.local()


def scratch_pair(size: int, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray] | None:
    """Two flat work arrays of at least ``size`` elements of ``dtype``, this thread's own, kept for reuse.

    None when they would exceed :data:`SCRATCH_BYTES`. A fresh large array costs a page fault per 4 kB
    page on its first write (over half of a 200×200 grid's time on the development machine); reused
    ones are already mapped. Per thread, because the app draws from several threads at once.
    """
    dtype = np.dtype(dtype)
    if size * dtype.itemsize > SCRATCH_BYTES:
        return None
    pairs = _scratch.__dict__.setdefault("pairs", {})
    pair = pairs.get(dtype)
    if pair is None or pair[0].size < size:
        pair = pairs[dtype] = (np.empty(size, dtype), np.empty(size, dtype))
    return pair


def bias_gradient(delta: np.ndarray) -> np.ndarray:
    """``delta.sum(axis=0)``, computed as the BLAS product ``ones @ delta`` (one sample: its row).

    On the small batches of the playground the product costs less than NumPy's reduction (which
    has more call overhead); it may round differently in the last bit. The trainer's fused loop
    sums the same way, so that its results stay bit-identical to backprop's.
    """
    return delta[0].copy() if len(delta) == 1 else np.dot(np.ones(len(delta)), delta)


class Backprop(NamedTuple):
    """What :meth:`FeedForward.backprop` computes for a batch.

    Attributes
    ----------
    grads : list of ndarray
        Gradients of the batch's mean loss, in :meth:`FeedForward.parameters` order and shapes.
    cache : list of (z, a)
        The forward pass: every layer's sums and activations, each of shape ``(n, units)``.
    deltas : list of ndarray
        Every layer's delta ``dL/dz``, shape ``(n, units)``, layer order (the output layer's last).
    """

    grads: list[np.ndarray]
    cache: list[tuple[np.ndarray, np.ndarray]]
    deltas: list[np.ndarray]


class FeedForward:
    """A chain of dense :class:`~nnviz.core.layer.Layer` s taking ``inputs`` features.

    Parameters
    ----------
    inputs : int
        Number of input features.
    layers : list of Layer
        Layer ``i`` takes as many inputs as layer ``i - 1`` has units (checked).
    """

    def __init__(self, inputs: int, layers: Sequence[Layer]) -> None:
        self.inputs = check_size(inputs, "the number of inputs")
        self.layers: list[Layer] = list(layers)
        if not self.layers:
            raise SpecError("a network needs at least one layer")
        if len(self.layers) > MAX_LAYERS:
            raise SpecError(f"a network may have at most {MAX_LAYERS} layers, got {len(self.layers)}")
        n_in = inputs
        for i, layer in enumerate(self.layers):
            if layer.n_in != n_in:
                raise SpecError(f"layer {i} expects {layer.n_in} inputs but receives {n_in}")
            n_in = layer.n_out
            if not layer.activation.elementwise:
                _check_row_activation(layer, i + 1, len(self.layers))

    # --- inference -----------------------------------------------------------------------------

    @property
    def sizes(self) -> list[int]:
        """``[inputs, n_1, ..., n_out]``."""
        return [self.inputs] + [layer.n_out for layer in self.layers]

    @property
    def outputs(self) -> int:
        return self.layers[-1].n_out

    def as_batch(self, X: Any) -> np.ndarray:
        """``X`` as a float array of shape ``(n, inputs)``, with a clear error for a wrong width."""
        X = np.asarray(X, dtype=np.float64) if not isinstance(X, np.ndarray) or X.dtype.kind != "f" else X
        if X.ndim == 1:
            X = X.reshape(1, -1)
        if X.ndim != 2 or X.shape[1] != self.inputs:
            raise SpecError(f"inputs must have shape (n, {self.inputs}), got {X.shape}")
        return X

    def forward(
        self, X: np.ndarray, out: Sequence[tuple[np.ndarray, np.ndarray]] | None = None
    ) -> list[tuple]:
        """Every layer's ``(z, a)``, each of shape ``(n, n_units)``, for a float64 batch ``X``.

        ``out``, if given, holds a pair of float64 arrays of those shapes per layer to compute into
        (:meth:`~nnviz.core.activations.Activation.f_into`; the returned arrays are those, except the
        activations of formulas, which come fresh). The values are the same either way.
        """
        # np.dot and in-place ufuncs rather than operators: the same arithmetic with less call
        # overhead, which dominates on small batches. The trainer's fused loop makes these same
        # calls, so that its results stay bit-identical to backprop's.
        cache, a = [], X
        for i, layer in enumerate(self.layers):
            if out is None:
                z = np.dot(a, layer.weights.T)
            else:
                z = np.dot(a, layer.weights.T, out[i][0])
            if layer.bias is not None:
                np.add(z, layer.bias, out=z)
            a = layer.activation.f(z) if out is None else layer.activation.f_into(z, out[i][1])
            cache.append((z, a))
        return cache

    def predict(self, X: Any) -> np.ndarray:
        """Outputs of shape ``(n, n_out)`` for inputs of shape ``(n, inputs)``, in one batched pass.

        Samples go in columns (see :meth:`~nnviz.core.layer.Layer.columns_forward`), in ``X``'s float
        dtype; the hidden layers' outputs go to this thread's reused work arrays (:func:`scratch_pair`),
        the result to a fresh array.
        """
        a = np.ascontiguousarray(self.as_batch(X).T)  # a strided view would make BLAS ~15× slower
        n, last = a.shape[1], len(self.layers) - 1
        pair = scratch_pair(max(layer.n_out for layer in self.layers) * n, a.dtype) if last else None
        for i, layer in enumerate(self.layers):
            m = layer.n_out
            out = None if i == last or pair is None else pair[i % 2][: m * n].reshape(m, n)
            a = layer.columns_forward(a, out)
        return a.T

    def __call__(self, inputs: Any) -> np.ndarray:
        """One sample in, a column vector of shape ``(n_out, 1)`` out (as in ``000_*``)."""
        x = np.asarray(inputs, dtype=np.float64).reshape(1, -1)
        return self.predict(x).T

    # --- learning ------------------------------------------------------------------------------

    def parameters(self) -> list[np.ndarray]:
        """All trainable arrays, layer by layer, weights before bias."""
        return [p for layer in self.layers for p in layer.parameters()]

    def backprop(self, X: np.ndarray, Y: np.ndarray, loss: str | Loss = "mse") -> Backprop:
        """Gradients of the batch's mean loss, computed with the weights of the forward pass.

        Returns ``(grads, cache, deltas)`` (see :class:`Backprop`): the gradients in :meth:`parameters`
        order, the forward pass, and every layer's delta.
        """
        loss = loss_for(loss, self.layers[-1].activation)
        cache = self.forward(X)
        z, a = cache[-1]
        delta = loss.delta(a, Y, z, self.layers[-1].activation)
        grads: list[np.ndarray] = []
        deltas = [delta]
        layers = self.layers
        for i in range(len(layers) - 1, -1, -1):
            layer = layers[i]
            a_prev = cache[i - 1][1] if i else X
            if layer.bias is not None:
                grads.append(bias_gradient(delta))
            grads.append(np.dot(delta.T, a_prev))
            if i:
                delta = np.dot(delta, layer.weights) * layers[i - 1].activation.derivative(*cache[i - 1])
                deltas.append(delta)
        grads.reverse()
        deltas.reverse()
        return Backprop(grads, cache, deltas)

    def loss(self, X: Any, y: Any, loss: str | Loss = "mse") -> float:
        """The reported loss of a whole set (see :mod:`nnviz.core.losses`)."""
        loss = loss_for(loss, self.layers[-1].activation)
        X, Y = self.as_batch(X), self.as_targets(y, loss)
        z, a = self.forward(X)[-1]
        return loss.value(a, Y, z, self.layers[-1].activation)

    def as_targets(self, y: Any, loss: str | Loss | None = None) -> np.ndarray:
        """Targets as a float array of shape ``(n, n_out)``.

        With a categorical loss (``"cce"``) and two or more outputs, class labels ``0 … n_out − 1`` of
        shape ``(n,)`` or ``(n, 1)`` are accepted too, and one-hot encoded.
        """
        Y = np.asarray(y, dtype=np.float64)
        if loss is not None:
            Y = loss_for(loss).targets(Y, self.outputs)
        if Y.ndim == 1 and self.outputs == 1:
            Y = Y.reshape(-1, 1)
        if Y.ndim != 2 or Y.shape[1] != self.outputs:
            raise SpecError(f"targets must have shape (n, {self.outputs}), got {Y.shape}")
        return Y

    def MSE(self, X: Any, y: Any) -> float:
        """Σ(a − y)² over all samples and outputs, divided by the number of samples (``000_*``)."""
        return float(np.sum((self.predict(X) - self.as_targets(y)) ** 2) / len(np.asarray(X)))

    def predict_classes(self, X: Any) -> np.ndarray:
        """The predicted class of each sample, integers of shape ``(n,)``.

        The largest output's index with several outputs (softmax); with one output, 1 where it is above
        0.5 (a sigmoid's probability) and 0 elsewhere. See :mod:`nnviz.core.metrics`.
        """
        return predicted_classes(self.predict(X))

    def __repr__(self) -> str:
        parts = [str(self.inputs)] + [
            f"{layer.n_out}{'' if layer.has_bias else ' (no bias)'} {layer.activation.label}"
            for layer in self.layers
        ]
        return f"<{type(self).__name__} {' -> '.join(parts)}>"


def _check_row_activation(layer: Layer, number: int, layers: int) -> None:
    """Refuse softmax (an activation of a whole row) on a hidden layer or on a single unit."""
    name = layer.activation.label
    if number != layers:
        raise SpecError(
            f"layer {number} of {layers} uses {name}, which only an output layer may use (it turns the "
            "whole layer into class probabilities); give hidden layers an element-wise activation such as "
            "tanh or relu"
        )
    if layer.n_out < 2:
        raise SpecError(
            f"a {name} output needs at least 2 units, one per class, got {layer.n_out} (softmax of one "
            "unit is always 1); for two classes use 1 sigmoid unit, or 2 softmax units"
        )
