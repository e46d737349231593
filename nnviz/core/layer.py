"""Layer specifications (the forms ``000_*`` accepts) and the dense :class:`Layer`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, TypedDict

import numpy as np

from .activation_forms import activation_from
from .activations import Activation
from .errors import SpecError

#: Largest layer the engine accepts, and most layers a network may have (the ``.nn`` format's limits too).
MAX_UNITS = 4096
MAX_LAYERS = 64


class LayerSpecNB(NamedTuple):
    """A layer of ``length`` units, with or without bias, using the network's default activation."""

    length: int
    bias: bool


class LayerSpecNBF(NamedTuple):
    """A layer of ``length`` units, its bias flag and its activation ``fn``."""

    length: int
    bias: bool
    fn: Any


class LayerSpecD(TypedDict):
    """A layer given as a dict: ``{"length": 4, "bias": True, "fn": tanh}``."""

    length: int
    bias: bool
    fn: Any


LayerSpec = int | LayerSpecNB | LayerSpecNBF | LayerSpecD | tuple


def check_size(value: object, what: str) -> int:
    """Validate a unit count: an int (not a bool) between 1 and :data:`MAX_UNITS`."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise SpecError(f"{what} must be a whole number of units, got {value!r}")
    if not 1 <= value <= MAX_UNITS:
        raise SpecError(f"{what} must be between 1 and {MAX_UNITS} units, got {value}")
    return int(value)


def normalise_spec(spec: object, default_fn: object) -> LayerSpecNBF:
    """Turn any accepted layer form into a :class:`LayerSpecNBF`.

    An int is a layer without bias (as in ``000_*``); 2-forms use ``default_fn``.
    """
    if isinstance(spec, dict):
        if "length" not in spec:
            raise SpecError(f"layer dict {spec!r} needs a 'length'")
        fields = (spec["length"], spec.get("bias", False), spec.get("fn", default_fn))
    elif isinstance(spec, tuple) and len(spec) in (2, 3):
        fields = tuple(spec) if len(spec) == 3 else (*spec, default_fn)
    elif isinstance(spec, (int, np.integer)) and not isinstance(spec, bool):
        fields = (spec, False, default_fn)
    else:
        raise SpecError(
            f"cannot read layer spec {spec!r}: use an int, LayerSpecNB, LayerSpecNBF, a dict or a tuple"
        )
    length, bias, fn = fields
    if not isinstance(bias, (bool, np.bool_)) and bias not in (0, 1):
        raise SpecError(f"a layer's bias flag must be True or False, got {bias!r}")
    return LayerSpecNBF(check_size(length, "layer size"), bool(bias), fn)


def specs_from_sizes(sizes: Sequence[int], hidden: Any, output: Any, bias: bool) -> list[LayerSpecNBF]:
    """Layer specs for ``sizes = [inputs, hidden..., outputs]``: one activation for hidden layers."""
    if len(sizes) < 2:
        raise SpecError(f"sizes needs at least an input and an output size, got {list(sizes)}")
    return [LayerSpecNBF(n, bias, hidden) for n in sizes[1:-1]] + [LayerSpecNBF(sizes[-1], bias, output)]


class Layer:
    """A dense layer: ``z = a_prev @ W.T + b``, ``a = f(z)``.

    Parameters
    ----------
    n_in, n_out : int
        Input and output widths.
    bias : bool
        Whether the layer has (and trains) a bias vector.
    activation : Activation or any form :func:`activation_from` accepts
    weights : ndarray of shape (n_out, n_in)
    bias_values : ndarray of shape (n_out,), optional
        Initial bias; zeros when omitted. Must be None when ``bias`` is False.
    """

    def __init__(
        self,
        n_in: int,
        n_out: int,
        bias: bool,
        activation: Activation | str | Callable | tuple,
        weights: np.ndarray,
        bias_values: np.ndarray | None = None,
    ) -> None:
        self.n_in = check_size(n_in, "layer input size")
        self.n_out = check_size(n_out, "layer size")
        self.activation = activation_from(activation)
        self.weights = np.array(weights, dtype=np.float64)
        if self.weights.shape != (self.n_out, self.n_in):
            raise SpecError(f"weights must have shape {(self.n_out, self.n_in)}, got {self.weights.shape}")
        if bias:
            b = np.zeros(self.n_out) if bias_values is None else np.array(bias_values, dtype=np.float64)
            if b.shape != (self.n_out,):
                raise SpecError(f"bias must have shape {(self.n_out,)}, got {b.shape}")
            self.bias: np.ndarray | None = b
        elif bias_values is not None:
            raise SpecError("bias values given for a layer whose bias flag is off")
        else:
            self.bias = None

    @property
    def has_bias(self) -> bool:
        return self.bias is not None

    def parameters(self) -> list[np.ndarray]:
        """The trainable arrays, weights first: ``[W]`` or ``[W, b]``."""
        return [self.weights] if self.bias is None else [self.weights, self.bias]

    def columns_forward(self, a_prev: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Activations for inputs stored one sample per *column*, shape ``(n_in, n)`` -> ``(n_out, n)``.

        This layout makes the bias add and the activation run over long contiguous rows: the fast
        way to evaluate many points (grids). The input's float dtype is kept (float32 for drawing).
        The sums go to ``out`` (C-contiguous, of the result's shape and dtype) when given, and the
        activation is computed in place where it can be.
        """
        w = self.weights if a_prev.dtype == np.float64 else self.weights.astype(a_prev.dtype)
        z = np.matmul(w, a_prev, out=out)
        if self.bias is not None:
            z += self.bias.astype(a_prev.dtype, copy=False)[:, None]
        return self.activation.columns_into(z, z)

    def copy(self) -> Layer:
        return Layer(self.n_in, self.n_out, self.has_bias, self.activation, self.weights, self.bias)

    def __repr__(self) -> str:
        bias = "bias" if self.has_bias else "no bias"
        return f"<Layer {self.n_in}->{self.n_out} {self.activation.label}, {bias}>"
