"""A step-wise trainer: one batch, one epoch or many epochs at a time (what the app calls per frame)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .errors import DivergedError, SpecError
from .losses import get_loss
from .network import Network
from .optimizers import SGD, make_optimizer


class Trainer:
    """Train ``nn`` on ``(X, y)`` by mini-batch gradient descent.

    Parameters
    ----------
    nn : Network
    X : array-like of shape (n_samples, nn.inputs)
    y : array-like of shape (n_samples, nn.outputs)
    loss : {"mse", "sse", "bce"} or Loss, default "mse"
    optimizer : {"sgd", "momentum", "adam"} or Optimizer, default "sgd"
    lr : float, default 0.01
        Learning rate of an optimizer given by name (``trainer.optimizer.lr`` may be changed later).
    batch_size : int, default 1
        1 is per-sample SGD; ``len(X)`` is full batch. Gradients are means over the batch.
    shuffle : bool, default False
        Reshuffle the sample order every epoch (with the trainer's own generator).
    seed : int or None
        Seed of the shuffling generator.
    l1, l2 : float, default 0
        Penalties ``l1·Σ|w| + l2/2·Σw²`` on weights (not biases), added to the gradients.
    clip : float or None, default None
        If given, clip every gradient element to ``[-clip, clip]``; never clipped otherwise.

    Attributes
    ----------
    history : list of float
        Loss over the whole training set after each completed epoch.
    """

    def __init__(
        self,
        nn: Network,
        X: Any,
        y: Any,
        *,
        loss: Any = "mse",
        optimizer: Any = "sgd",
        lr: float = 0.01,
        batch_size: int = 1,
        shuffle: bool = False,
        seed: int | None = None,
        l1: float = 0.0,
        l2: float = 0.0,
        clip: float | None = None,
    ) -> None:
        self.nn = nn
        self.X = np.ascontiguousarray(nn.as_batch(X), dtype=np.float64)
        self.Y = nn.as_targets(y)
        if len(self.X) != len(self.Y) or len(self.X) == 0:
            raise SpecError(f"X has {len(self.X)} samples but y has {len(self.Y)}; need the same, at least 1")
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise SpecError(f"batch_size must be a whole number ≥ 1, got {batch_size!r}")
        if clip is not None and not clip > 0:
            raise SpecError(f"clip must be positive or None, got {clip!r}")
        self.loss = get_loss(loss)
        self.optimizer = make_optimizer(optimizer, lr)
        self.batch_size = min(int(batch_size), len(self.X))
        self.shuffle = shuffle
        self.rng = np.random.default_rng(seed)
        self.l1, self.l2, self.clip = l1, l2, clip
        self.history: list[float] = []
        self._order = np.arange(len(self.X))
        self._position = 0
        self._params = nn.parameters()
        self._snapshot: list[np.ndarray] | None = None

    @property
    def epochs_done(self) -> int:
        return len(self.history)

    @property
    def batches_per_epoch(self) -> int:
        return -(-len(self.X) // self.batch_size)

    def _start_epoch(self) -> None:
        self._params = self.nn.parameters()
        self._snapshot = [p.copy() for p in self._params]
        if self.shuffle:
            self._order = self.rng.permutation(len(self.X))

    def _batch(self) -> tuple[np.ndarray, np.ndarray]:
        start, stop = self._position, self._position + self.batch_size
        if not self.shuffle:
            return self.X[start:stop], self.Y[start:stop]
        idx = self._order[start:stop]
        return self.X[idx], self.Y[idx]

    def _apply(self, Xb: np.ndarray, Yb: np.ndarray) -> list:
        grads, cache = self.nn.backprop(Xb, Yb, self.loss)
        params = self._params
        if self.l1 or self.l2:
            index = 0
            for layer in self.nn.layers:
                w = layer.weights
                grads[index] += self.l2 * w + self.l1 * np.sign(w)
                index += 1 if layer.bias is None else 2
        if self.clip is not None:
            for g in grads:
                np.clip(g, -self.clip, self.clip, out=g)
        self.optimizer.update(params, grads)
        return cache

    def _advance(self) -> bool:
        """Move past the batch just trained; True when that completed an epoch."""
        self._position += self.batch_size
        if self._position < len(self.X):
            return False
        self._position = 0
        self._finish_epoch()
        return True

    def _finish_epoch(self) -> None:
        with np.errstate(over="ignore", invalid="ignore"):  # non-finite values are checked just below
            z, a = self.nn.forward(self.X)[-1]
            value = self.loss.value(a, self.Y, z, self.nn.layers[-1].activation)
        finite = math.isfinite(value) and all(math.isfinite(p.sum()) for p in self._params)
        if not finite:
            self._diverged()
        self.history.append(value)
        self._snapshot = None

    def _diverged(self) -> None:
        if self._snapshot is not None:
            for p, saved in zip(self.nn.parameters(), self._snapshot):
                p[...] = saved
        self._position = 0
        self._snapshot = None
        raise DivergedError(
            f"training diverged in epoch {self.epochs_done + 1}: the loss or a weight became NaN or "
            "infinite. The network is back at its weights from before that epoch; lower the learning "
            "rate or change the set-up.",
            epoch=self.epochs_done,
        )

    def _plain_sgd(self) -> bool:
        """True when an epoch may take one of the fused SGD loops below (no penalty, no clipping)."""
        return type(self.optimizer) is SGD and not (self.l1 or self.l2) and self.clip is None

    def _per_sample_sgd_epoch(self) -> None:
        """One epoch of per-sample plain SGD on 1-D vectors, updating each layer in place.

        The same arithmetic as :meth:`Network.backprop` followed by ``SGD.update`` (the tests check
        it), without the batch bookkeeping that dominates the cost at playground sizes. A layer's
        weights are updated only after the delta for the layer below has been computed with them.
        """
        layers = [(la.weights, la.bias, la.activation.f, la.activation.derivative) for la in self.nn.layers]
        sample_delta, out_act, lr = self.loss.sample_delta, self.nn.layers[-1].activation, self.optimizer.lr
        X, Y, dot = self.X, self.Y, np.dot
        for i in self._order if self.shuffle else range(len(X)):
            a = X[i]
            acts, zs = [a], []
            for w, b, f, _ in layers:
                z = dot(w, a)
                if b is not None:
                    z += b
                a = f(z)
                zs.append(z)
                acts.append(a)
            delta = sample_delta(a, Y[i], z, out_act)
            for k in range(len(layers) - 1, -1, -1):
                w, b, _, _ = layers[k]
                below = dot(delta, w) * layers[k - 1][3](zs[k - 1], acts[k]) if k else None
                step = lr * delta
                w -= step[:, None] * acts[k]
                if b is not None:
                    b -= step
                delta = below

    def _batch_sgd_epoch(self) -> None:
        """One epoch of mini-batch plain SGD, each batch's backward pass fused with its update.

        Exactly the operations of :meth:`Network.backprop` then ``SGD.update`` (the results are
        bit-identical; a test checks it), without building the gradient list: the bookkeeping, not
        the arithmetic, is most of a step's cost at playground sizes. Added for the app's play loop.
        """
        layers = [(la.weights, la.bias, la.activation.f, la.activation.derivative) for la in self.nn.layers]
        loss, out_act, lr = self.loss, self.nn.layers[-1].activation, self.optimizer.lr
        X, Y, size, top = self.X, self.Y, self.batch_size, len(layers) - 1
        for start in range(0, len(X), size):
            if self.shuffle:
                idx = self._order[start : start + size]
                a, yb = X[idx], Y[idx]
            else:
                a, yb = X[start : start + size], Y[start : start + size]
            acts, zs = [a], []
            for w, b, f, _ in layers:
                z = a @ w.T
                if b is not None:
                    z += b
                a = f(z)
                zs.append(z)
                acts.append(a)
            delta = loss.delta(a, yb, z, out_act)
            for k in range(top, -1, -1):
                w, b, _, _ = layers[k]
                below = (delta @ w) * layers[k - 1][3](zs[k - 1], acts[k]) if k else None
                if b is not None:
                    b -= lr * delta.sum(axis=0)
                w -= lr * (delta.T @ acts[k])
                delta = below

    def step(self) -> float:
        """Train on the next batch; returns that batch's loss (before the update)."""
        if self._position == 0:
            self._start_epoch()
        Xb, Yb = self._batch()
        z, a = self._apply(Xb, Yb)[-1]
        value = self.loss.value(a, Yb, z, self.nn.layers[-1].activation)
        if not np.isfinite(value):
            self._diverged()
        self._advance()
        return value

    def epoch(self) -> float:
        """Finish the current epoch (a whole one if none is under way); returns its loss."""
        if self._position == 0:
            self._start_epoch()
            if self._plain_sgd():
                (self._per_sample_sgd_epoch if self.batch_size == 1 else self._batch_sgd_epoch)()
                self._finish_epoch()
                return self.history[-1]
        while True:
            Xb, Yb = self._batch()
            self._apply(Xb, Yb)
            if self._advance():
                return self.history[-1]

    def run(self, epochs: int) -> list[float]:
        """Train ``epochs`` epochs; returns their losses (also appended to :attr:`history`)."""
        return [self.epoch() for _ in range(epochs)]

    def __repr__(self) -> str:
        return (
            f"Trainer({self.nn!r}, loss={self.loss.name}, optimizer={self.optimizer!r}, "
            f"batch_size={self.batch_size}, epochs_done={self.epochs_done})"
        )
