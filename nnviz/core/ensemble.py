"""Many copies of one network, trained at once: the engine of the seed-robustness lab.

N networks that differ only in the seed of their initial weights are kept as stacked arrays and
trained together: each step is one batched pass of NumPy operations over all copies, never a loop
over the copies. Copy ``k`` starts from exactly the weights ``Network(..., seed=seeds[k])`` would
have, then follows the arithmetic of :class:`~nnviz.core.trainer.Trainer` with plain SGD, using the
same :class:`~nnviz.core.activations.Activation` and :class:`~nnviz.core.losses.Loss` objects (the
tests check the two against each other to 1e-10). The one exception is the built-in sigmoid, computed
in place as ``1 / (1 + e^-z)``, which agrees with the engine's form to a few ulp at a quarter of
the cost.

Memory layout. The copy axis is stored *last*: weights ``(n_in, n_out, N)``, biases ``(n_out, N)``,
activations ``(batch, units, N)``. The matrices of a playground network are tiny (2×2), and
``np.matmul`` over a leading copy axis makes one small BLAS call per copy (≈50–90 µs for 1000
copies of a 2×2 product here), while a broadcast multiply-add over a contiguous copy axis costs
≈2 µs; sums over the batch become adds of contiguous slabs instead of reductions along a length-4
axis (≈50 µs). The inputs, shared by all copies, broadcast along the copy axis, so no step calls
BLAS at all (whose threads only cost time at these sizes on two shared cores).
:attr:`Ensemble.weights` and :attr:`Ensemble.biases` are ``(N, n_out, n_in)`` / ``(N, n_out)`` views
of the same memory, and every buffer a training step needs is allocated once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .activations import Activation, activation_from
from .errors import SpecError
from .init import initialiser, make_rng
from .layer import Layer, check_size, normalise_spec
from .losses import Loss, get_loss
from .network import MAX_LAYERS, Network

#: Most copies an ensemble may hold.
MAX_COPIES = 100_000


@dataclass(frozen=True)
class LayerShape:
    """One layer of the shared architecture: widths, bias flag and activation."""

    n_in: int
    n_out: int
    bias: bool
    activation: Activation


def _check_seeds(seeds: Iterable[int]) -> tuple[int, ...]:
    seeds = tuple(seeds)
    if not 1 <= len(seeds) <= MAX_COPIES:
        raise SpecError(f"an ensemble needs between 1 and {MAX_COPIES} seeds, got {len(seeds)}")
    for s in seeds:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0:
            raise SpecError(f"every seed must be a non-negative whole number, got {s!r}")
    return tuple(int(s) for s in seeds)


def _check_dtype(dtype: Any) -> np.dtype:
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise SpecError(f"dtype must be float32 or float64, got {dtype}")
    return dtype


class Ensemble:
    """N copies of one architecture, stored as stacked weights.

    Parameters
    ----------
    inputs : int
        Number of input features.
    layers : list of layer specs
        As for :class:`~nnviz.core.network.Network`.
    fn : activation, default "linear"
        Activation for specs that name none (the identity, as for ``Network``).
    seeds : sequence of int
        One seed per copy; copy ``k`` starts from ``Network(inputs, layers, fn, init=init,
        seed=seeds[k])``'s weights.
    init : str, default "he"
        Weight initialiser (see :data:`nnviz.core.init.INITIALISERS`).
    dtype : float64 (default) or float32
        float32 halves memory and makes transcendental functions several times faster.

    Examples
    --------
    >>> ens = Ensemble.from_sizes([2, 2, 1], hidden="tanh", output="sigmoid", seeds=range(100))
    >>> ens.weights[0].shape
    (100, 2, 2)
    """

    def __init__(
        self,
        inputs: int,
        layers: Sequence[Any],
        fn: Any = "linear",
        *,
        seeds: Iterable[int],
        init: str = "he",
        dtype: Any = np.float64,
    ) -> None:
        inputs = check_size(inputs, "the number of inputs")
        layers = list(layers)
        if not 1 <= len(layers) <= MAX_LAYERS:
            raise SpecError(f"a network needs between 1 and {MAX_LAYERS} layers, got {len(layers)}")
        seeds = _check_seeds(seeds)
        shapes, n_in = [], inputs
        for spec in layers:
            length, bias, layer_fn = normalise_spec(spec, fn)
            shapes.append(LayerShape(n_in, length, bias, activation_from(layer_fn)))
            n_in = length
        make_weights = initialiser(init)
        n = len(seeds)
        weights = [np.empty((n, s.n_out, s.n_in)) for s in shapes]
        for k, seed in enumerate(seeds):
            # The draws of Network._build, in the same order, from the same generator.
            rng = make_rng(seed)
            for w, s in zip(weights, shapes):
                w[k] = make_weights(rng, s.n_out, s.n_in)
        biases = [np.zeros((n, s.n_out)) if s.bias else None for s in shapes]
        self._setup(inputs, shapes, weights, biases, seeds, _check_dtype(dtype))

    def _setup(self, inputs, shapes, weights, biases, seeds, dtype) -> None:
        self.inputs = inputs
        self.shapes: list[LayerShape] = list(shapes)
        self.seeds: tuple[int, ...] | None = seeds
        self.dtype = dtype
        self.n_copies = len(weights[0])
        # Copy axis last (see the module docstring); contiguous so reshapes are views.
        self._W = [np.ascontiguousarray(np.transpose(w, (2, 1, 0)), dtype=dtype) for w in weights]
        self._b = [None if b is None else np.ascontiguousarray(b.T, dtype=dtype) for b in biases]

    # --- construction ------------------------------------------------------------------------------

    @classmethod
    def from_sizes(
        cls,
        sizes: Sequence[int],
        hidden: Any = "relu",
        output: Any = "sigmoid",
        bias: bool = True,
        init: str = "he",
        *,
        seeds: Iterable[int],
        dtype: Any = np.float64,
    ) -> Ensemble:
        """``sizes = [inputs, hidden..., outputs]``, as :meth:`Network.from_sizes`."""
        if len(sizes) < 2:
            raise SpecError(f"sizes needs at least an input and an output size, got {list(sizes)}")
        specs = [(n, bias, hidden) for n in sizes[1:-1]] + [(sizes[-1], bias, output)]
        return cls(sizes[0], specs, seeds=seeds, init=init, dtype=dtype)

    @classmethod
    def like(
        cls, nn: Network, *, seeds: Iterable[int], init: str = "he", dtype: Any = np.float64
    ) -> Ensemble:
        """Fresh copies with ``nn``'s architecture (sizes, bias flags, activations)."""
        specs = [(la.n_out, la.has_bias, la.activation) for la in nn.layers]
        return cls(nn.inputs, specs, seeds=seeds, init=init, dtype=dtype)

    @classmethod
    def from_networks(cls, networks: Sequence[Network], dtype: Any = np.float64) -> Ensemble:
        """Stack the current weights of networks of one architecture (seeds unknown: None)."""
        networks = list(networks)
        if not 1 <= len(networks) <= MAX_COPIES:
            raise SpecError(f"an ensemble needs between 1 and {MAX_COPIES} networks, got {len(networks)}")
        first = networks[0]
        shapes = [LayerShape(la.n_in, la.n_out, la.has_bias, la.activation) for la in first.layers]
        for i, nn in enumerate(networks):
            mine = [(la.n_in, la.n_out, la.has_bias, la.activation.label) for la in nn.layers]
            if mine != [(s.n_in, s.n_out, s.bias, s.activation.label) for s in shapes]:
                raise SpecError(f"network {i} has another architecture than network 0: {nn!r} vs {first!r}")
        weights = [np.stack([nn.layers[j].weights for nn in networks]) for j in range(len(shapes))]
        biases = [
            np.stack([nn.layers[j].bias for nn in networks]) if s.bias else None for j, s in enumerate(shapes)
        ]
        ens = cls.__new__(cls)
        ens._setup(first.inputs, shapes, weights, biases, None, _check_dtype(dtype))
        return ens

    # --- views -------------------------------------------------------------------------------------

    @property
    def sizes(self) -> list[int]:
        """``[inputs, n_1, ..., n_out]``."""
        return [self.inputs] + [s.n_out for s in self.shapes]

    @property
    def outputs(self) -> int:
        return self.shapes[-1].n_out

    @property
    def weights(self) -> list[np.ndarray]:
        """Each layer's weights, shape ``(N, n_out, n_in)`` (views: writing to them changes the copies)."""
        return [np.transpose(w, (2, 1, 0)) for w in self._W]

    @property
    def biases(self) -> list[np.ndarray | None]:
        """Each layer's bias, shape ``(N, n_out)``, or None for a layer without bias (views)."""
        return [None if b is None else b.T for b in self._b]

    def parameters(self) -> list[np.ndarray]:
        """All trainable arrays (views) in :meth:`Network.parameters` order, each with a leading copy axis."""
        out = []
        for w, b in zip(self.weights, self.biases):
            out.append(w)
            if b is not None:
                out.append(b)
        return out

    def network(self, k: int) -> Network:
        """Copy ``k`` as an independent float64 :class:`Network`."""
        if not -self.n_copies <= k < self.n_copies:
            raise SpecError(f"copy index must be in [0, {self.n_copies}), got {k}")
        layers = [
            Layer(s.n_in, s.n_out, s.bias, s.activation, w[k], None if b is None else b[k])
            for s, w, b in zip(self.shapes, self.weights, self.biases)
        ]
        nn = Network(self.inputs, layers)
        if self.seeds is not None:
            nn.metadata["seed"] = self.seeds[k]
        return nn

    def as_batch(self, X: Any) -> np.ndarray:
        """``X`` as a contiguous array of shape ``(n, inputs)`` in the ensemble's dtype."""
        X = np.asarray(X, dtype=self.dtype)
        if X.ndim == 1:
            X = X.reshape(1, -1)
        if X.ndim != 2 or X.shape[1] != self.inputs:
            raise SpecError(f"inputs must have shape (n, {self.inputs}), got {X.shape}")
        return np.ascontiguousarray(X)

    def forward(self, X: Any) -> list[tuple[np.ndarray, np.ndarray]]:
        """Every layer's ``(z, a)`` for every copy, each of shape ``(N, n, units)``."""
        X = self.as_batch(X)
        ws = _Workspace(self, len(X))
        with np.errstate(all="ignore"):
            ws.forward(X)
        return [(np.transpose(z, (2, 0, 1)).copy(), np.transpose(a, (2, 0, 1)).copy()) for z, a in ws.za]

    def predict(self, X: Any) -> np.ndarray:
        """Outputs of every copy, shape ``(N, n, n_out)``."""
        return self.forward(X)[-1][1]

    def __repr__(self) -> str:
        parts = [str(self.inputs)] + [
            f"{s.n_out}{'' if s.bias else ' (no bias)'} {s.activation.label}" for s in self.shapes
        ]
        return f"<Ensemble of {self.n_copies} × {' -> '.join(parts)}, {self.dtype}>"


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


class _Workspace:
    """Preallocated buffers for forward and backward passes over a batch of ``S`` samples.

    Each product of a layer is one broadcast multiply into a 4-D temporary ``(S, n_in, n_out, N)``
    followed by one sum, when that temporary is small (few Python-level calls: what per-sample
    steps need); otherwise a loop over the layer's input units accumulates into 3-D buffers.
    """

    def __init__(self, ens: Ensemble, S: int) -> None:
        n, dt = ens.n_copies, ens.dtype
        self.ens, self.S = ens, S
        self.za = [(np.empty((S, s.n_out, n), dt), np.empty((S, s.n_out, n), dt)) for s in ens.shapes]
        self.delta = [np.empty((S, s.n_out, n), dt) for s in ens.shapes]
        self.fused = S * max(s.n_in * s.n_out for s in ens.shapes) * n <= FUSED_LIMIT
        if self.fused:
            self.tmp = [np.empty((S, s.n_in, s.n_out, n), dt) for s in ens.shapes]
            # a[:, :, None, :] of each layer's output, made once (slicing costs per step).
            self.wide = [a[:, :, None, :] for _, a in self.za[:-1]]
            self.deltas_wide = [d[:, None, :, :] for d in self.delta]
        else:
            self.tmp = [np.empty((S, s.n_out, n), dt) for s in ens.shapes]
            self.cols = [[a[:, i : i + 1, :] for i in range(a.shape[1])] for _, a in self.za[:-1]]
        self.apply = [_in_place(s.activation) for s in ens.shapes]
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
        ens = self.ens
        for j, (s, W, b) in enumerate(zip(ens.shapes, ens._W, ens._b)):
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
        ens, S, fused = self.ens, self.S, self.fused
        shapes, last = ens.shapes, len(ens.shapes) - 1
        z, a = self.za[last]
        np.multiply(loss.sample_delta(a, Y3, z, shapes[last].activation), lr / S, out=self.delta[last])
        for j in range(last, -1, -1):
            s, W, b, delta, tmp = shapes[j], ens._W[j], ens._b[j], self.delta[j], self.tmp[j]
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


class EnsembleTrainer:
    """Train every copy of an :class:`Ensemble` on ``(X, y)`` by plain SGD, all copies at once.

    Copy ``k`` follows the same steps as ``Trainer(ensemble.network(k), X, y, loss=loss, lr=lr,
    batch_size=batch_size, shuffle=shuffle, seed=seed)`` (with ``optimizer="sgd"``).

    Parameters
    ----------
    ensemble : Ensemble
        Trained in place.
    X : array-like of shape (n_samples, ensemble.inputs)
    y : array-like of shape (n_samples, ensemble.outputs)
    loss : {"mse", "sse", "bce"} or Loss, default "mse"
    lr : float, default 0.01
    batch_size : int or None, default 1
        1 is per-sample SGD (a loop over the samples, each step vectorised across copies);
        None or ``len(X)`` is full batch.
    shuffle : bool, default False
        Reshuffle the sample order every epoch; every copy sees the same order.
    seed : int or None
        Seed of the shuffling generator.
    record_every : int, default 1
        Record every copy's loss over the whole set after every ``record_every``-th epoch.

    Attributes
    ----------
    epochs_done : int
    diverged : ndarray of bool, shape (N,)
        Copies whose loss or weights became NaN or infinite (they keep training as NaN, harmlessly:
        copies never mix).
    """

    def __init__(
        self,
        ensemble: Ensemble,
        X: Any,
        y: Any,
        *,
        loss: str | Loss = "mse",
        lr: float = 0.01,
        batch_size: int | None = 1,
        shuffle: bool = False,
        seed: int | None = None,
        record_every: int = 1,
    ) -> None:
        self.ens = ensemble
        self.X = ensemble.as_batch(X)
        Y = np.asarray(y, dtype=ensemble.dtype)
        if Y.ndim == 1 and ensemble.outputs == 1:
            Y = Y.reshape(-1, 1)
        if Y.ndim != 2 or Y.shape[1] != ensemble.outputs:
            raise SpecError(f"targets must have shape (n, {ensemble.outputs}), got {Y.shape}")
        if len(Y) != len(self.X) or len(Y) == 0:
            raise SpecError(f"X has {len(self.X)} samples but y has {len(Y)}; need the same, at least 1")
        self.Y = np.ascontiguousarray(Y)
        n = len(self.X)
        if batch_size is None:
            batch_size = n
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise SpecError(f"batch_size must be a whole number ≥ 1 or None, got {batch_size!r}")
        if not (isinstance(lr, (int, float, np.floating)) and np.isfinite(lr) and lr > 0):
            raise SpecError(f"lr must be a positive number, got {lr!r}")
        if (
            isinstance(record_every, bool)
            or not isinstance(record_every, (int, np.integer))
            or record_every < 1
        ):
            raise SpecError(f"record_every must be a whole number ≥ 1, got {record_every!r}")
        self.loss = get_loss(loss)
        self.lr = float(lr)
        self.batch_size = min(int(batch_size), n)
        self.shuffle = shuffle
        self.rng = np.random.default_rng(seed)
        self.record_every = int(record_every)
        self.epochs_done = 0
        self._records: list[np.ndarray] = []
        self._record_epochs: list[int] = []
        self.diverged = np.zeros(ensemble.n_copies, dtype=bool)
        self._workspaces: dict[int, _Workspace] = {}
        dt = ensemble.dtype
        self._grads = [
            (np.empty((s.n_in, s.n_out, ensemble.n_copies), dt), np.empty((s.n_out, ensemble.n_copies), dt))
            for s in ensemble.shapes
        ]
        # Targets repeated per copy, in the (n * N, n_out) layout Loss.per_sample expects.
        self._Y_rep = np.repeat(self.Y, ensemble.n_copies, axis=0)

    def _workspace(self, S: int) -> _Workspace:
        ws = self._workspaces.get(S)
        if ws is None:
            ws = self._workspaces[S] = _Workspace(self.ens, S)
        return ws

    # --- training ----------------------------------------------------------------------------------

    def run(self, epochs: int) -> np.ndarray:
        """Train ``epochs`` epochs; returns every copy's loss after the last one, shape ``(N,)``."""
        if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
            raise SpecError(f"epochs must be a whole number ≥ 0, got {epochs!r}")
        with np.errstate(all="ignore"):
            if self.batch_size == len(self.X) and not self.shuffle:
                self._run_full_batch(int(epochs))
            else:
                for _ in range(epochs):
                    self._minibatch_epoch()
            full = self._workspace(len(self.X))
            full.forward(self.X)
            final = self._losses(full)
        self.diverged |= ~np.isfinite(final)
        for p in self.ens._W + [b for b in self.ens._b if b is not None]:
            self.diverged |= ~np.isfinite(p.reshape(-1, self.ens.n_copies)).all(axis=0)
        return final

    def epoch(self) -> np.ndarray:
        """Train one epoch; returns every copy's loss after it, shape ``(N,)``."""
        return self.run(1)

    def _run_full_batch(self, epochs: int) -> None:
        # One forward pass per epoch serves both the recorded loss and the next gradient.
        ws, X, Y3, loss, lr, grads = (
            self._workspace(len(self.X)),
            self.X,
            self.Y[:, :, None],
            self.loss,
            self.lr,
            self._grads,
        )
        ws.forward(X)
        every = self.record_every
        for _ in range(epochs):
            ws.backward_sgd(X, Y3, loss, lr, grads)
            ws.forward(X)
            self.epochs_done += 1
            if self.epochs_done % every == 0:
                self._record(self._losses(ws))

    def _minibatch_epoch(self) -> None:
        X, Y, size, n = self.X, self.Y, self.batch_size, len(self.X)
        order = self.rng.permutation(n) if self.shuffle else None
        for start in range(0, n, size):
            if order is None:
                Xb, Yb = X[start : start + size], Y[start : start + size]
            else:
                idx = order[start : start + size]
                Xb, Yb = X[idx], Y[idx]
            ws = self._workspace(len(Xb))
            ws.forward(Xb)
            ws.backward_sgd(Xb, Yb[:, :, None], self.loss, self.lr, self._grads)
        self.epochs_done += 1
        if self.epochs_done % self.record_every == 0:
            ws = self._workspace(n)
            ws.forward(X)
            self._record(self._losses(ws))

    def _losses(self, ws: _Workspace) -> np.ndarray:
        """Every copy's reported loss over the whole set from a full forward pass, shape ``(N,)``."""
        z, a = ws.za[-1]
        n_out, n = self.ens.outputs, len(self.X)
        flat_a = np.transpose(a, (0, 2, 1)).reshape(-1, n_out)
        flat_z = np.transpose(z, (0, 2, 1)).reshape(-1, n_out)
        per = self.loss.per_sample(flat_a, self._Y_rep, flat_z, self.ens.shapes[-1].activation)
        per = per.reshape(n, self.ens.n_copies)
        return per.sum(axis=0) if self.loss.reduction == "sum" else per.mean(axis=0)

    def _record(self, losses: np.ndarray) -> None:
        self._records.append(losses)
        self._record_epochs.append(self.epochs_done)

    # --- results -----------------------------------------------------------------------------------

    @property
    def history(self) -> np.ndarray:
        """Recorded losses, shape ``(n_records, N)``; row ``r`` is after epoch ``history_epochs[r]``."""
        if not self._records:
            return np.empty((0, self.ens.n_copies))
        return np.array(self._records)

    @property
    def history_epochs(self) -> np.ndarray:
        """Epoch count (1-based) of each row of :attr:`history`, shape ``(n_records,)``."""
        return np.array(self._record_epochs, dtype=int)

    def __repr__(self) -> str:
        return (
            f"EnsembleTrainer({self.ens!r}, loss={self.loss.name}, lr={self.lr}, "
            f"batch_size={self.batch_size}, epochs_done={self.epochs_done})"
        )


# Re-exported: the diagnosis of a trained ensemble lives in its own module.
from .diagnosis import VERDICTS, EnsembleReport, diagnose  # noqa: E402

__all__ = ["VERDICTS", "Ensemble", "EnsembleReport", "EnsembleTrainer", "LayerShape", "diagnose"]
