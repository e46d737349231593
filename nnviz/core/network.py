"""The :class:`Network`: a stack of dense layers, its forward pass and its backpropagation."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .errors import SpecError
from .init import initialiser, make_rng
from .layer import Layer, LayerSpec, check_size, normalise_spec
from .losses import Loss, get_loss

#: Most layers a network may have (the ``.nn`` format's limit too).
MAX_LAYERS = 64


def _identity(x):
    return x


def bias_gradient(delta: np.ndarray) -> np.ndarray:
    """``delta.sum(axis=0)``, computed as the BLAS product ``ones @ delta`` (one sample: its row).

    On the small batches of the playground the product costs less than NumPy's reduction (which
    has more call overhead); it may round differently in the last bit. The trainer's fused loop
    sums the same way, so that its results stay bit-identical to backprop's.
    """
    return delta[0].copy() if len(delta) == 1 else np.dot(np.ones(len(delta)), delta)


class Network:
    """A feed-forward network of dense layers.

    Parameters
    ----------
    inputs : int
        Number of input features.
    layers : list of layer specs, or list of :class:`Layer`
        Each spec is an int (a layer without bias), ``LayerSpecNB(length, bias)``,
        ``LayerSpecNBF(length, bias, fn)``, a ``LayerSpecD`` dict or a 2-/3-tuple.
    fn : activation, default identity
        Activation for specs that name none: a built-in name, formula text, a function of a SymPy
        symbol, or an ``(f, df)`` pair of NumPy functions.
    init : str, default "he"
        Weight initialiser (see :data:`nnviz.core.init.INITIALISERS`).
    seed : int or None, default None
        Seed of the weights; None draws from NumPy's global generator (``np.random.seed``).

    Examples
    --------
    >>> nn = Network(2, [LayerSpecNBF(4, True, "tanh"), LayerSpecNBF(1, True, "sigmoid")], seed=0)
    >>> nn.predict(np.zeros((3, 2))).shape
    (3, 1)
    """

    def __init__(
        self,
        inputs: int,
        layers: Sequence[LayerSpec] | Sequence[Layer],
        fn: Any = _identity,
        *,
        init: str = "he",
        seed: int | None = None,
    ) -> None:
        self.inputs = check_size(inputs, "the number of inputs")
        self.fn = fn
        self.metadata: dict[str, Any] = {}
        layers = list(layers)
        if not layers:
            raise SpecError("a network needs at least one layer")
        if len(layers) > MAX_LAYERS:
            raise SpecError(f"a network may have at most {MAX_LAYERS} layers, got {len(layers)}")
        if all(isinstance(layer, Layer) for layer in layers):
            self.layers: list[Layer] = layers
        else:
            self.layers = self._build(layers, fn, init, seed)
        self._check_chain()

    def _build(self, specs, fn, init, seed) -> list[Layer]:
        make_weights = initialiser(init)
        rng = make_rng(seed)
        built, n_in = [], self.inputs
        for spec in specs:
            length, bias, layer_fn = normalise_spec(spec, fn)
            built.append(Layer(n_in, length, bias, layer_fn, make_weights(rng, length, n_in)))
            n_in = length
        return built

    def _check_chain(self) -> None:
        n_in = self.inputs
        for i, layer in enumerate(self.layers):
            if layer.n_in != n_in:
                raise SpecError(f"layer {i} expects {layer.n_in} inputs but receives {n_in}")
            n_in = layer.n_out

    @classmethod
    def from_sizes(
        cls,
        sizes: Sequence[int],
        hidden: Any = "relu",
        output: Any = "sigmoid",
        bias: bool = True,
        init: str = "he",
        seed: int | None = None,
    ) -> Network:
        """The common case: ``sizes = [inputs, hidden..., outputs]``, one activation for hidden layers.

        >>> Network.from_sizes([2, 4, 1], hidden="sigmoid", output="sigmoid", init="small_normal", seed=0)
        <Network 2 -> 4 sigmoid -> 1 sigmoid>
        """
        if len(sizes) < 2:
            raise SpecError(f"sizes needs at least an input and an output size, got {list(sizes)}")
        specs = [(n, bias, hidden) for n in sizes[1:-1]] + [(sizes[-1], bias, output)]
        return cls(sizes[0], specs, init=init, seed=seed)

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

    def forward(self, X: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """Every layer's ``(z, a)``, each of shape ``(n, n_units)``, for a float64 batch ``X``."""
        # np.dot and in-place ufuncs rather than operators: the same arithmetic with less call
        # overhead, which dominates on small batches. The trainer's fused loop makes these same
        # calls, so that its results stay bit-identical to backprop's.
        cache, a = [], X
        for layer in self.layers:
            z = np.dot(a, layer.weights.T)
            if layer.bias is not None:
                np.add(z, layer.bias, out=z)
            a = layer.activation.f(z)
            cache.append((z, a))
        return cache

    def predict(self, X: Any) -> np.ndarray:
        """Outputs of shape ``(n, n_out)`` for inputs of shape ``(n, inputs)``, in one batched pass."""
        a = np.ascontiguousarray(self.as_batch(X).T)  # a strided view would make BLAS ~15× slower
        for layer in self.layers:
            a = layer.columns_forward(a)
        return a.T

    def __call__(self, inputs: Any) -> np.ndarray:
        """One sample in, a column vector of shape ``(n_out, 1)`` out (as in ``000_*``)."""
        x = np.asarray(inputs, dtype=np.float64).reshape(1, -1)
        return self.predict(x).T

    # --- learning ------------------------------------------------------------------------------

    def parameters(self) -> list[np.ndarray]:
        """All trainable arrays, layer by layer, weights before bias."""
        return [p for layer in self.layers for p in layer.parameters()]

    def backprop(self, X: np.ndarray, Y: np.ndarray, loss: str | Loss = "mse") -> tuple[list, list]:
        """Gradients of the batch's mean loss, computed with the weights of the forward pass.

        Returns
        -------
        grads : list of ndarray
            Same order and shapes as :meth:`parameters`.
        cache : list of (z, a)
            The forward pass, for callers that also want the loss or the activations.
        """
        loss = get_loss(loss)
        cache = self.forward(X)
        z, a = cache[-1]
        delta = loss.delta(a, Y, z, self.layers[-1].activation)
        grads: list[np.ndarray] = []
        layers = self.layers
        for i in range(len(layers) - 1, -1, -1):
            layer = layers[i]
            a_prev = cache[i - 1][1] if i else X
            if layer.bias is not None:
                grads.append(bias_gradient(delta))
            grads.append(np.dot(delta.T, a_prev))
            if i:
                delta = np.dot(delta, layer.weights) * layers[i - 1].activation.derivative(*cache[i - 1])
        grads.reverse()
        return grads, cache

    def loss(self, X: Any, y: Any, loss: str | Loss = "mse") -> float:
        """The reported loss of a whole set (see :mod:`nnviz.core.losses`)."""
        loss = get_loss(loss)
        X, Y = self.as_batch(X), self.as_targets(y)
        z, a = self.forward(X)[-1]
        return loss.value(a, Y, z, self.layers[-1].activation)

    def as_targets(self, y: Any) -> np.ndarray:
        """Targets as a float array of shape ``(n, n_out)``."""
        Y = np.asarray(y, dtype=np.float64)
        if Y.ndim == 1 and self.outputs == 1:
            Y = Y.reshape(-1, 1)
        if Y.ndim != 2 or Y.shape[1] != self.outputs:
            raise SpecError(f"targets must have shape (n, {self.outputs}), got {Y.shape}")
        return Y

    def train(
        self,
        X: Any,
        y: Any,
        epochs: int = 100,
        lr: float = 0.01,
        *,
        loss: str | Loss = "mse",
        optimizer: Any = "sgd",
        batch_size: int = 1,
        shuffle: bool = False,
        seed: int | None = None,
        l1: float = 0.0,
        l2: float = 0.0,
        clip: float | None = None,
        verbose: bool = True,
    ) -> list[float]:
        """Train for ``epochs`` epochs and return the loss after each one.

        The defaults reproduce ``000_*``: per-sample SGD in data order with output gradient ``a - y``,
        printing about ten progress lines. See :class:`~nnviz.core.trainer.Trainer` for the options.

        Raises
        ------
        DivergedError
            If a loss or weight becomes NaN or infinite; the network keeps its last finite weights.
        """
        from .trainer import Trainer

        trainer = Trainer(
            self,
            X,
            y,
            loss=loss,
            optimizer=optimizer,
            lr=lr,
            batch_size=batch_size,
            shuffle=shuffle,
            seed=seed,
            l1=l1,
            l2=l2,
            clip=clip,
        )
        every = max(1, epochs // 10)
        for epoch in range(epochs):
            trainer.epoch()
            if verbose and epoch % every == 0:
                print(f"Epoch {epoch} error {self.MSE(trainer.X, trainer.Y)}")
        return list(trainer.history)

    def MSE(self, X: Any, y: Any) -> float:
        """Σ(a − y)² over all samples and outputs, divided by the number of samples (``000_*``)."""
        return float(np.sum((self.predict(X) - self.as_targets(y)) ** 2) / len(np.asarray(X)))

    # --- files ---------------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """The network as ``.nn`` file bytes (see ``docs/nn-format.md``)."""
        from .nnfile import dumps

        return dumps(self)

    @classmethod
    def from_bytes(cls, data: bytes) -> Network:
        """Read a network from ``.nn`` bytes; raises ``NNFormatError`` for anything invalid."""
        from .nnfile import loads

        return loads(data)

    def export(self, path: str | Path) -> None:
        """Write the network to a ``.nn`` file."""
        Path(path).write_bytes(self.to_bytes())

    @classmethod
    def load(cls, path: str | Path) -> Network:
        """Read a network from a ``.nn`` file."""
        from .nnfile import load_path

        return load_path(path)

    # --- misc ----------------------------------------------------------------------------------

    def copy(self) -> Network:
        """An independent copy (weights and metadata)."""
        twin = Network(self.inputs, [layer.copy() for layer in self.layers])
        twin.metadata = dict(self.metadata)
        return twin

    def __repr__(self) -> str:
        parts = [str(self.inputs)] + [
            f"{layer.n_out}{'' if layer.has_bias else ' (no bias)'} {layer.activation.label}"
            for layer in self.layers
        ]
        return f"<Network {' -> '.join(parts)}>"
