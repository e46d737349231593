"""Train every copy of an :class:`~nnviz.core.ensemble.Ensemble` at once, by plain SGD.

Each step is one batched pass of NumPy operations over all copies (:mod:`nnviz.core.stacked`), never a
loop over the copies. Copy ``k`` starts from exactly the weights ``Network(..., seed=seeds[k])`` would
have, then follows the arithmetic of :class:`~nnviz.core.trainer.Trainer` with plain SGD, using the
same :class:`~nnviz.core.activations.Activation` and :class:`~nnviz.core.losses.Loss` objects (the
tests check the two against each other to 1e-10). The one exception is the built-in sigmoid, computed
in place as ``1 / (1 + e^-z)``, which agrees with the engine's form to a few ulp at a quarter of
the cost.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .ensemble import Ensemble
from .errors import SpecError
from .losses import Loss, loss_for
from .stacked import Workspace


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
        self.loss = loss_for(loss, ensemble.shapes[-1].activation)  # as Trainer: cce needs softmax
        # The loss's own look at the targets, as Trainer's (bce refuses targets outside [0, 1]).
        Y = self.loss.targets(np.asarray(y, dtype=np.float64), ensemble.outputs).astype(ensemble.dtype)
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
        self.lr = float(lr)
        self.batch_size = min(int(batch_size), n)
        self.shuffle = shuffle
        self.rng = np.random.default_rng(seed)
        self.record_every = int(record_every)
        self.epochs_done = 0
        self._records: list[np.ndarray] = []
        self._record_epochs: list[int] = []
        self.diverged = np.zeros(ensemble.n_copies, dtype=bool)
        self._workspaces: dict[int, Workspace] = {}
        dt = ensemble.dtype
        self._grads = [
            (np.empty((s.n_in, s.n_out, ensemble.n_copies), dt), np.empty((s.n_out, ensemble.n_copies), dt))
            for s in ensemble.shapes
        ]
        # Targets repeated per copy, in the (n * N, n_out) layout Loss.per_sample expects.
        self._Y_rep = np.repeat(self.Y, ensemble.n_copies, axis=0)

    def _workspace(self, S: int) -> Workspace:
        ws = self._workspaces.get(S)
        if ws is None:
            ws = self._workspaces[S] = Workspace(self.ens.params, S)
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
        params = self.ens.params
        for p in params.weights + [b for b in params.biases if b is not None]:
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

    def _losses(self, ws: Workspace) -> np.ndarray:
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

    def evaluate(self) -> tuple[list[tuple[np.ndarray, np.ndarray]], np.ndarray]:
        """A forward pass of every copy over the whole training set.

        Returns
        -------
        za : list of (z, a)
            Every layer's sums and activations, each of shape ``(n_samples, units, N)`` (copy axis
            last; buffers reused by the next call).
        losses : ndarray of shape (N,)
            Every copy's reported loss, in float64.
        """
        ws = self._workspace(len(self.X))
        with np.errstate(all="ignore"):
            ws.forward(self.X)
            losses = self._losses(ws).astype(np.float64)
        return ws.za, losses

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
