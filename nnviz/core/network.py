"""The :class:`Network` users build: layers from specs, training, and ``.nn`` files.

Its math (forward pass, backpropagation, loss) is :class:`~nnviz.core.feedforward.FeedForward`'s;
this class adds what the articles' API offers on top: building layers from specs with seeded weights,
``train`` and ``MSE``, and ``export`` / ``load`` of the safe ``.nn`` format.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import nnfile, nnfile_reader, numpy_code, torch_code
from .datasets import Dataset
from .errors import NNFormatError, SpecError
from .feedforward import FeedForward
from .init import initialiser, make_rng
from .layer import MAX_LAYERS, Layer, LayerSpec, check_size, normalise_spec, specs_from_sizes
from .trainer import Trainer


def _identity(x):
    return x


class Network(FeedForward):
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
        inputs = check_size(inputs, "the number of inputs")
        self.fn = fn
        self.metadata: dict[str, Any] = {}
        self.dataset: Dataset | None = None  # saved with the model when set (format 2)
        layers = list(layers)
        if len(layers) > MAX_LAYERS:
            raise SpecError(f"a network may have at most {MAX_LAYERS} layers, got {len(layers)}")
        if layers and not all(isinstance(layer, Layer) for layer in layers):
            layers = self._build(inputs, layers, fn, init, seed)
        super().__init__(inputs, layers)

    @staticmethod
    def _build(inputs: int, specs: list, fn: Any, init: str, seed: int | None) -> list[Layer]:
        make_weights = initialiser(init)
        rng = make_rng(seed)
        built, n_in = [], inputs
        for spec in specs:
            length, bias, layer_fn = normalise_spec(spec, fn)
            built.append(Layer(n_in, length, bias, layer_fn, make_weights(rng, length, n_in)))
            n_in = length
        return built

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
        return cls(sizes[0], specs_from_sizes(sizes, hidden, output, bias), init=init, seed=seed)

    # --- training ------------------------------------------------------------------------------

    def train(
        self, X: Any, y: Any, epochs: int = 100, lr: float = 0.01, *, verbose: bool = True, **options: Any
    ) -> list[float]:
        """Train for ``epochs`` epochs and return the loss after each one.

        The defaults reproduce ``000_*``: per-sample SGD in data order with output gradient ``a - y``,
        printing about ten progress lines (``verbose=False``: none). ``options`` are those of
        :class:`~nnviz.core.trainer.Trainer`: ``loss``, ``optimizer``, ``batch_size``, ``shuffle``,
        ``seed``, ``l1``, ``l2``, ``clip``.

        Raises
        ------
        DivergedError
            If a loss or weight becomes NaN or infinite; the network keeps its last finite weights.
        """
        trainer = Trainer(self, X, y, lr=lr, **options)
        every = max(1, epochs // 10)
        for epoch in range(epochs):
            trainer.epoch()
            if verbose and epoch % every == 0:
                print(f"Epoch {epoch} error {self.MSE(trainer.X, trainer.Y)}")
        return list(trainer.history)

    # --- files ---------------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """The network as ``.nn`` file bytes (see ``docs/nn-format.md``), with :attr:`dataset` if set."""
        return nnfile.dumps(nnfile.ModelParts(self.inputs, self.layers, self.metadata, self.dataset))

    @classmethod
    def from_bytes(cls, data: bytes) -> Network:
        """Read a network from ``.nn`` bytes; raises ``NNFormatError`` for anything invalid."""
        return cls._from_parts(nnfile_reader.loads(data))

    def export(self, path: str | Path) -> None:
        """Write the network to a ``.nn`` file."""
        Path(path).write_bytes(self.to_bytes())

    @classmethod
    def load(cls, path: str | Path) -> Network:
        """Read a network from a ``.nn`` file (refusing oversized files before reading them)."""
        return cls._from_parts(nnfile_reader.load_path(path))

    def to_numpy_code(self) -> str:
        """Source of a standalone module defining ``predict(X)``, weights inline, needing only NumPy.

        Its predictions equal :meth:`predict`'s; raises ``ExportError`` for an activation it cannot write.
        """
        return numpy_code.numpy_code(self)

    def to_torch_code(self) -> str:
        """Source of a module defining ``Net``, this network as a float32 ``torch.nn.Module``."""
        return torch_code.torch_code(self)

    @classmethod
    def _from_parts(cls, parts: nnfile.ModelParts) -> Network:
        try:
            nn = cls(parts.inputs, parts.layers)
        except SpecError as exc:  # valid layers in a stack that makes no sense (softmax on a hidden layer)
            raise NNFormatError(f"the model file describes an invalid network: {exc}") from None
        nn.metadata, nn.dataset = parts.metadata, parts.data
        return nn

    def copy(self) -> Network:
        """An independent copy (weights and metadata; the dataset, which is never changed, is shared)."""
        twin = Network(self.inputs, [layer.copy() for layer in self.layers])
        twin.metadata, twin.dataset = dict(self.metadata), self.dataset
        return twin
