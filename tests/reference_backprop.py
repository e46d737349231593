"""A second implementation of backpropagation for one sample, written independently of the engine, to check
the numbers the learning pages show."""

from __future__ import annotations

import numpy as np

#: Each loss of one sample and its derivative with respect to the outputs, written out here.
LOSS_FORMULAS = {
    "mse": (lambda a, y: 0.5 * np.sum((a - y) ** 2), lambda a, y: a - y),
    "sse": (lambda a, y: np.sum((a - y) ** 2), lambda a, y: 2 * (a - y)),
    "bce": (
        lambda a, y: -np.sum(y * np.log(a) + (1 - y) * np.log(1 - a)),
        lambda a, y: (a - y) / (a * (1 - a)),
    ),
}


def reference_backprop(nn, x, y, loss):
    """A second implementation of one sample's backpropagation, as the textbook writes it: column
    vectors, a loop over layers, the activations' own f and f' (never the engine's backprop)."""
    a, zs, acts = np.asarray(x, dtype=float), [], [np.asarray(x, dtype=float)]
    for layer in nn.layers:
        z = layer.weights @ a + (layer.bias if layer.bias is not None else 0.0)
        a = layer.activation.f(z)
        zs.append(z)
        acts.append(a)
    value, dloss = LOSS_FORMULAS[loss]
    deltas = [None] * len(nn.layers)
    deltas[-1] = dloss(a, y) * nn.layers[-1].activation.df(zs[-1])
    for i in range(len(nn.layers) - 2, -1, -1):
        deltas[i] = (nn.layers[i + 1].weights.T @ deltas[i + 1]) * nn.layers[i].activation.df(zs[i])
    grads = []
    for layer, delta, a_prev in zip(nn.layers, deltas, acts):
        grads.append(np.outer(delta, a_prev))
        if layer.bias is not None:
            grads.append(delta)
    return value(a, y), zs, acts[1:], deltas, grads
