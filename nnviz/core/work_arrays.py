"""Working arrays of the trainer's fused SGD loop: all parameters packed in one array, and the arrays
the passes over the whole training set compute into (kept between epochs)."""

from __future__ import annotations

import numpy as np

from .layer import Layer


def layer_shapes(layers: list[Layer]) -> tuple[tuple[int, int, bool], ...]:
    """Each layer's ``(n_out, n_in, has_bias)``: the layout of its parameters."""
    return tuple((*layer.weights.shape, layer.bias is not None) for layer in layers)


def unpack(flat: np.ndarray, shapes: tuple) -> list[tuple[np.ndarray, np.ndarray | None]]:
    """Views of ``flat`` as each layer's ``(weights, bias)`` (bias None without one), in order."""
    views, start = [], 0
    for n_out, n_in, has_bias in shapes:
        w = flat[start : start + n_out * n_in].reshape(n_out, n_in)
        start += n_out * n_in
        b = flat[start : start + n_out] if has_bias else None
        start += n_out if has_bias else 0
        views.append((w, b))
    return views


class PackedParams:
    """A working copy of a network's parameters in one flat array, and a gradient array alike.

    The fused SGD loop trains this copy: a step writes each layer's gradient into its views of
    :attr:`grad`, then ``grad *= lr; flat -= grad`` updates every parameter with two NumPy calls
    instead of two per array. That is ``SGD.update``'s element-wise ``p -= lr * g``, bit for bit.

    Parameters
    ----------
    layers : list of Layer
        Give the shapes; :meth:`load` copies the values in, :meth:`store` copies them back.

    Attributes
    ----------
    layers : list of (w, b, gw, gb)
        Per layer, its weights and bias as views of :attr:`flat` and its gradients as views of
        :attr:`grad`, C-contiguous (bias views are None for a layer without bias).
    """

    def __init__(self, layers: list[Layer]) -> None:
        self.shapes = layer_shapes(layers)
        size = sum(n_out * (n_in + has_bias) for n_out, n_in, has_bias in self.shapes)
        self.flat, self.grad = np.empty(size), np.empty(size)
        params, grads = unpack(self.flat, self.shapes), unpack(self.grad, self.shapes)
        self.layers = [(w, b, gw, gb) for (w, b), (gw, gb) in zip(params, grads)]
        self._params = [p for pair in params for p in pair if p is not None]  # Network.parameters() order

    def load(self, params: list[np.ndarray]) -> None:
        """Copy ``params`` (in :meth:`Network.parameters` order) in."""
        np.concatenate([p.ravel() for p in params], out=self.flat)

    def store(self, params: list[np.ndarray]) -> None:
        """Copy the trained values back into ``params``, in place."""
        for p, mine in zip(params, self._params):
            p[...] = mine


class WholeSetArrays:
    """Arrays the passes over the whole training set compute into, kept between epochs.

    A fresh array of the whole set's size costs a page fault per 4 kB on its first write: at 10,000
    points that was most of a full-batch epoch's time. ``forward[i]`` holds layer ``i``'s ``(z, a)``,
    shape ``(n, units)``; ``below[k]`` and ``slope[k]`` (``k ≥ 1``) the backward pass's ``δ·W`` and f'
    of the layer under layer ``k``, shape ``(n, n_in)``.
    """

    #: Most bytes kept per trainer; a larger network and set computes into fresh arrays.
    LIMIT = 64 * 2**20

    def __init__(self, layers: list[Layer], n: int) -> None:
        self.key = (n, layer_shapes(layers))
        self.forward = [(np.empty((n, la.n_out)), np.empty((n, la.n_out))) for la in layers]
        self.below = [None] + [np.empty((n, la.n_in)) for la in layers[1:]]
        self.slope = [None] + [np.empty((n, la.n_in)) for la in layers[1:]]

    @staticmethod
    def fit(layers: list[Layer], n: int) -> bool:
        return 8 * n * sum(2 * la.n_out + 2 * la.n_in for la in layers) <= WholeSetArrays.LIMIT
