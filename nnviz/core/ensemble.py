"""Many copies of one network, trained at once: the engine of the seed-robustness lab.

N networks that differ only in the seed of their initial weights are kept as stacked arrays and
trained together: each step is one batched pass of NumPy operations over all copies, never a loop
over the copies. Copy ``k`` starts from exactly the weights ``Network(..., seed=seeds[k])`` would
have, then follows the arithmetic of :class:`~nnviz.core.trainer.Trainer` with plain SGD, using the
same :class:`~nnviz.core.activations.Activation` and :class:`~nnviz.core.losses.Loss` objects (the
tests check the two against each other to 1e-10). The one exception is the built-in sigmoid, computed
in place as ``1 / (1 + e^-z)``, which agrees with the engine's form to a few ulp at a quarter of
the cost.

The arrays are stored copy axis last (:mod:`nnviz.core.stacked` says why); :attr:`Ensemble.weights`
and :attr:`Ensemble.biases` are ``(N, n_out, n_in)`` / ``(N, n_out)`` views of the same memory.
:class:`~nnviz.core.ensemble_trainer.EnsembleTrainer` trains them; :func:`nnviz.core.diagnosis.diagnose`
says why a copy failed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from .activation_forms import activation_from
from .errors import SpecError
from .init import initialiser, make_rng
from .layer import MAX_LAYERS, Layer, check_size, normalise_spec
from .network import Network
from .stacked import LayerShape, StackedParams, Workspace

#: Most copies an ensemble may hold.
MAX_COPIES = 100_000


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

    Attributes
    ----------
    sizes : list of int
        ``[inputs, n_1, ..., n_out]``, fixed for the ensemble's life.
    outputs : int
        The last layer's width.

    Examples
    --------
    >>> ens = Ensemble(2, [(2, True, "tanh"), (1, True, "sigmoid")], seeds=range(100))
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
        for s in shapes:  # the stacked arithmetic applies activations element by element
            if not s.activation.elementwise:
                raise SpecError(f"an ensemble cannot use {s.activation.label}: only element-wise activations")
        self.inputs = inputs
        self.shapes: list[LayerShape] = list(shapes)
        self.sizes: list[int] = [inputs] + [s.n_out for s in shapes]
        self.outputs: int = shapes[-1].n_out
        self.seeds: tuple[int, ...] | None = seeds
        self.dtype = dtype
        self.n_copies = len(weights[0])
        # Copy axis last (see nnviz.core.stacked); contiguous so reshapes are views.
        self.params = StackedParams(
            self.shapes,
            [np.ascontiguousarray(np.transpose(w, (2, 1, 0)), dtype=dtype) for w in weights],
            [None if b is None else np.ascontiguousarray(b.T, dtype=dtype) for b in biases],
            dtype,
        )

    # --- construction ------------------------------------------------------------------------------

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
    def weights(self) -> list[np.ndarray]:
        """Each layer's weights, shape ``(N, n_out, n_in)`` (views: writing to them changes the copies)."""
        return [np.transpose(w, (2, 1, 0)) for w in self.params.weights]

    @property
    def biases(self) -> list[np.ndarray | None]:
        """Each layer's bias, shape ``(N, n_out)``, or None for a layer without bias (views)."""
        return [None if b is None else b.T for b in self.params.biases]

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
        ws = Workspace(self.params, len(X))
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


__all__ = ["MAX_COPIES", "Ensemble", "LayerShape"]
