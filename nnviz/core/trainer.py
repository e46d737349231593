"""A step-wise trainer: one batch, one epoch or many epochs at a time (what the app calls per frame)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .errors import DivergedError, SpecError
from .feedforward import FeedForward
from .losses import loss_for
from .optimizers import SGD, make_optimizer
from .work_arrays import PackedParams, WholeSetArrays, layer_shapes


class Trainer:
    """Train ``nn`` on ``(X, y)`` by mini-batch gradient descent.

    Parameters
    ----------
    nn : FeedForward
        A :class:`~nnviz.core.network.Network` (or any feed-forward stack of layers); trained in place.
    X : array-like of shape (n_samples, nn.inputs)
    y : array-like of shape (n_samples, nn.outputs)
        With ``loss="cce"`` (a softmax output), class labels ``0 … k − 1`` of shape ``(n_samples,)`` or
        ``(n_samples, 1)`` may be given instead of one-hot rows.
    loss : {"mse", "sse", "bce", "cce"} or Loss, default "mse"
        Or another name of one (:data:`~nnviz.core.losses.ALIASES`). ``"cce"`` needs a softmax output.
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
        nn: FeedForward,
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
        self.loss = loss_for(loss, nn.layers[-1].activation)
        # A copy of its own: nothing the caller does to its array afterwards reaches a kept forward pass.
        self.X = np.array(nn.as_batch(X), dtype=np.float64, order="C")
        self.Y = nn.as_targets(y, self.loss)
        if len(self.X) != len(self.Y) or len(self.X) == 0:
            raise SpecError(f"X has {len(self.X)} samples but y has {len(self.Y)}; need the same, at least 1")
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise SpecError(f"batch_size must be a whole number ≥ 1, got {batch_size!r}")
        if clip is not None and not clip > 0:
            raise SpecError(f"clip must be positive or None, got {clip!r}")
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
        self._work: PackedParams | None = None  # the fused loop's buffers, kept between epochs
        self._batches: tuple | None = None  # the unshuffled batches, kept between epochs
        self._kept: tuple | None = None  # the last recorded loss's forward pass (see _kept_forward)
        self._buffers: WholeSetArrays | None = None

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
        grads, cache, _ = self.nn.backprop(Xb, Yb, self.loss)
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

    def _finish_epoch(self, packed: np.ndarray | None = None) -> None:
        """Record the loss over the training set; undo the epoch and raise if anything is not finite.

        Parameters
        ----------
        packed : ndarray, optional
            All parameters in one array (the fused loop's copy): then one check covers them all.
        """
        with np.errstate(over="ignore", invalid="ignore"):  # non-finite values are checked just below
            buffers = self._whole_set_buffers() if packed is not None else None
            cache = self.nn.forward(self.X, None if buffers is None else buffers.forward)
            z, a = cache[-1]
            value = self.loss.value(a, self.Y, z, self.nn.layers[-1].activation)
            # Each value itself: a sum would be one pass, but finite values can add up to infinity.
            arrays = self._params if packed is None else (packed,)
            finite = math.isfinite(value) and all(np.isfinite(p).all() for p in arrays)
        if not finite:
            self._diverged()
        self.history.append(value)
        self._snapshot = None
        if packed is not None and self.batch_size == len(self.X) and not self.shuffle:
            self._kept = (self.X, self._activations(), packed.copy(), cache)

    def _whole_set_buffers(self) -> WholeSetArrays | None:
        """The fused loop's :class:`WholeSetArrays` for the whole training set (None if it is too large)."""
        layers, n = self.nn.layers, len(self.X)
        if self._buffers is None or self._buffers.key != (n, layer_shapes(layers)):
            self._buffers = WholeSetArrays(layers, n) if WholeSetArrays.fit(layers, n) else None
        return self._buffers

    def _activations(self) -> tuple:
        return tuple(layer.activation for layer in self.nn.layers)

    def _kept_forward(self, work: PackedParams) -> list | None:
        """The forward pass of the last recorded loss, if it is this full-batch epoch's forward pass.

        In full-batch training without shuffling, the loss recorded after an epoch is computed on the
        very batch, with the very parameters, that the next epoch's step starts from: the same
        operations (``np.dot`` of the same arrays, the same activations) give the same bits, so that
        step takes them instead of computing them again (a third of a full-batch epoch). Only if nothing
        changed in between: the data, the activations and every parameter (compared to a copy).
        """
        kept, self._kept = self._kept, None
        if kept is None or self.batch_size != len(self.X) or self.shuffle:
            return None
        X, activations, flat, cache = kept
        same = X is self.X and activations == self._activations() and np.array_equal(flat, work.flat)
        return cache if same else None

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
        """True when an epoch may take the fused SGD loop below (no penalty, no clipping)."""
        return type(self.optimizer) is SGD and not (self.l1 or self.l2) and self.clip is None

    def _epoch_batches(self) -> list[tuple[np.ndarray, np.ndarray, np.ndarray | None]]:
        """The epoch's batches in training order: :meth:`_batch`'s ``(X, Y)``, and ones to sum with.

        The third item is a vector of ``len(X)`` ones for :func:`~nnviz.core.feedforward.bias_gradient`
        (None for a batch of one sample). Without shuffling the batches are views of the data, made
        once and kept for later epochs.
        """
        X, Y, size = self.X, self.Y, self.batch_size
        starts = range(0, len(X), size)
        if self.shuffle:
            if size == 1:  # a slice is cheaper than indexing with an array of one element
                return [(X[i : i + 1], Y[i : i + 1], None) for i in self._order]
            return self._cut([self._order[start : start + size] for start in starts])
        key = (X, Y, size)
        if self._batches is None or any(a is not b for a, b in zip(self._batches[0], key)):
            self._batches = (key, self._cut([slice(start, start + size) for start in starts]))
        return self._batches[1]

    def _cut(self, parts: list) -> list[tuple[np.ndarray, np.ndarray, np.ndarray | None]]:
        """``(X[part], Y[part], ones)`` for each part (slice or index array) of the data."""
        ones, batches = np.ones(self.batch_size), []
        for part in parts:
            Xb = self.X[part]
            batches.append((Xb, self.Y[part], ones[: len(Xb)] if len(Xb) > 1 else None))
        return batches

    def _packed(self) -> PackedParams:
        """The fused loop's working copy of the parameters (as at the start of the epoch)."""
        layers = self.nn.layers
        if self._work is None or self._work.shapes != layer_shapes(layers):
            self._work = PackedParams(layers)
        self._work.load(self._params)
        return self._work

    def _fused_layers(self, work: PackedParams) -> tuple[list[tuple], list[tuple]]:
        """What the fused loop needs of each layer, resolved once per epoch.

        Returns
        -------
        forward : list of (W.T, b, f)
            In order, with views of the packed parameters.
        backward : list of (k, W, gW, gb, derivative, derivative_into)
            Output layer first; the derivatives are those of the layer below (None for the first).
        """
        acts = [layer.activation for layer in self.nn.layers]
        forward = [(w.T, b, act.f) for (w, b, _, _), act in zip(work.layers, acts)]
        backward = [
            (k, w, gw, gb, *((acts[k - 1].derivative, acts[k - 1].derivative_into) if k else (None, None)))
            for k, (w, _, gw, gb) in enumerate(work.layers)
        ]
        backward.reverse()
        return forward, backward

    def _fused_sgd_epoch(self) -> None:
        """One epoch of plain SGD with each batch's backward pass fused with its update.

        Exactly the operations of :meth:`Network.backprop` then ``SGD.update`` (the results are
        bit-identical; tests check it), without building the gradient list and updating all
        parameters with two NumPy calls (see :class:`PackedParams`): at playground sizes a step's cost is
        the number of NumPy calls, not the arithmetic. Added for the app's play loop.

        With batches of one sample the output delta is the loss's ``sample_delta`` (``delta`` only
        multiplies it by 1/1, which changes no bit).
        """
        work = self._packed()
        forward, backward = self._fused_layers(work)
        loss, out_act = self.loss, self.nn.layers[-1].activation
        output_delta = loss.sample_delta if self.batch_size == 1 else loss.delta
        dot, add, multiply, subtract = np.dot, np.add, np.multiply, np.subtract
        flat, grad, lr = work.flat, work.grad, self.optimizer.lr
        kept = self._kept_forward(work)
        buffers = self._whole_set_buffers() if self.batch_size == len(self.X) else None
        for a, yb, ones in self._epoch_batches():
            inputs, zs = [a], []
            if kept is not None:  # the full batch's forward pass, already computed (bit for bit)
                zs, inputs = [z for z, _ in kept], inputs + [a for _, a in kept]
                z, a = kept[-1]
            else:
                for wt, b, f in forward:  # as Network.forward
                    z = dot(a, wt)
                    if b is not None:
                        add(z, b, z)
                    a = f(z)
                    zs.append(z)
                    inputs.append(a)
            delta = output_delta(a, yb, z, out_act)
            for k, w, gw, gb, derivative, derivative_into in backward:  # as Network.backprop
                if gb is None:
                    pass
                elif ones is None:
                    gb[...] = delta  # its only row, as bias_gradient gives for one sample
                else:
                    dot(ones, delta, gb)
                dot(delta.T, inputs[k], gw)
                if derivative is None:
                    pass
                elif buffers is None:
                    below = dot(delta, w)
                    delta = multiply(below, derivative(zs[k - 1], inputs[k]), below)
                else:  # the same operations into the kept arrays
                    below = dot(delta, w, buffers.below[k])
                    slope = derivative_into(zs[k - 1], inputs[k], buffers.slope[k])
                    delta = multiply(below, slope, below)
            multiply(grad, lr, grad)  # SGD.update for all parameters at once (see PackedParams)
            subtract(flat, grad, flat)
        work.store(self._params)

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
                self._fused_sgd_epoch()
                self._finish_epoch(self._work.flat)
                return self.history[-1]
        while True:
            Xb, Yb = self._batch()
            self._apply(Xb, Yb)
            if self._advance():
                return self.history[-1]

    def run(self, epochs: int) -> list[float]:
        """Train ``epochs`` epochs; returns their losses (also appended to :attr:`history`)."""
        return [self.epoch() for _ in range(epochs)]

    # --- moving a run elsewhere ----------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """Everything training depends on besides the network's weights and the data, as copies.

        Another trainer of the same settings (same network shape, data, loss, optimizer kind, batch size,
        shuffling, penalties) that loads it with :meth:`load_state` continues bit for bit as this one
        would: the optimizer's state, the shuffling generator, the place in the epoch and the history.
        """
        return {
            "optimizer": self.optimizer.state(),
            "rng": self.rng.bit_generator.state,
            "order": self._order.copy(),
            "position": self._position,
            "history": list(self.history),
            "snapshot": None if self._snapshot is None else [p.copy() for p in self._snapshot],
        }

    def load_state(self, state: dict[str, Any]) -> None:
        """Continue from :meth:`state` (of a trainer with the same settings)."""
        self.optimizer.load_state(state["optimizer"])
        self.rng.bit_generator.state = state["rng"]
        self._order = np.array(state["order"])
        self._position = int(state["position"])
        self.history[:] = state["history"]
        self._params = self.nn.parameters()
        self._snapshot = None if state["snapshot"] is None else [np.array(p) for p in state["snapshot"]]

    def __repr__(self) -> str:
        return (
            f"Trainer({self.nn!r}, loss={self.loss.name}, optimizer={self.optimizer!r}, "
            f"batch_size={self.batch_size}, epochs_done={self.epochs_done})"
        )
