"""Activation functions: a symbolic f and f' for display, and compiled NumPy code for speed.

An :class:`Activation` carries both forms side by side. The built-ins (``ACTIVATIONS``) pair a SymPy
expression with a hand-written, numerically stable NumPy implementation. Any other SymPy expression
is differentiated symbolically and compiled once with ``lambdify``; if it turns out to be one of the
built-ins (checked numerically), the stable built-in code is used for it.

Conventions: derivatives of ReLU-like kinks are 0 at the kink; every derivative returns an array
of its input's shape, even when it is a constant.

Softmax (:mod:`nnviz.core.softmax`) acts on a whole output row, not on each element: it is not in
``ACTIVATIONS``, the element-wise table that hidden layers choose from.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import sympy as sp

from .errors import FormulaError, SpecError

#: The one symbol every activation expression is written in.
X = sp.Symbol("x", real=True)

ArrayFn = Callable[[np.ndarray], np.ndarray]

_erf_object = np.frompyfunc(math.erf, 1, 1)


def erf(z: np.ndarray) -> np.ndarray:
    """Element-wise error function (NumPy has none; this uses ``math.erf``, exact to double precision)."""
    z = np.asarray(z)
    return np.asarray(_erf_object(z)).astype(z.dtype if z.dtype.kind == "f" else np.float64)


@dataclass(frozen=True, eq=False)
class Activation:
    """An activation function with its derivative.

    Attributes
    ----------
    name : str or None
        Built-in name (``"tanh"``), or None for custom activations.
    text : str or None
        The formula text it was parsed from, if any.
    f_expr, df_expr : sympy.Expr or None
        Symbolic f(x) and f'(x); None for a NumPy ``(f, df)`` pair.
    f, df : callable
        Vectorised NumPy functions; ``df(z)`` has the shape of ``z``.
    derivative : callable
        ``derivative(z, a)`` is f'(z) given ``a = f(z)`` too (cheaper for sigmoid and tanh).
    f_into, derivative_into : callable
        ``f_into(z, out)`` and ``derivative_into(z, a, out)``: the same values, written into ``out`` (an
        array of z's shape and dtype) where the activation has in-place code (tanh, sigmoid, relu,
        linear); they return the array that holds the result, which is a fresh one for the others, and
        ``z`` itself for linear's ``f_into`` (the identity copies nothing).
        The trainer's preallocated buffers use them: a fresh large array costs page faults.
    elementwise : bool
        True: ``f`` acts on each element alone. False for softmax, which acts on a whole row.
    """

    name: str | None
    text: str | None
    f_expr: sp.Expr | None
    df_expr: sp.Expr | None
    f: ArrayFn
    df: ArrayFn
    _df_from_output: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None
    _f_into: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None
    _derivative_into: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray] | None = None

    elementwise = True

    def __post_init__(self) -> None:
        f, df, from_output = self.f, self.df, self._df_from_output
        # Resolved once: backpropagation calls these for every layer of every step.
        derivative = from_output or (lambda z, a: df(z))
        object.__setattr__(self, "derivative", derivative)
        object.__setattr__(self, "f_into", self._f_into or (lambda z, out: f(z)))
        object.__setattr__(
            self, "derivative_into", self._derivative_into or (lambda z, a, out: derivative(z, a))
        )

    def backward(self, z: np.ndarray, a: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """``dL/dz`` from ``grad = dL/da``, both of shape ``(n, units)``: ``grad · f'(z)``, element-wise."""
        return grad * self.derivative(z, a)

    def columns_into(self, z: np.ndarray, out: np.ndarray) -> np.ndarray:
        """:meth:`f_into` for samples stored in *columns*, shape ``(units, n)`` (element-wise: the same)."""
        return self.f_into(z, out)

    @property
    def label(self) -> str:
        """Short human-readable name: the built-in name, the formula text, or ``"custom"``."""
        if self.name:
            return self.name
        if self.text:
            return self.text
        if self.f_expr is not None:
            return str(self.f_expr)
        return "custom (NumPy pair)"

    def latex(self) -> tuple[str, str]:
        """LaTeX of ``(f(x), f'(x))``; empty strings for a NumPy pair."""
        if self.f_expr is None or self.df_expr is None:
            return "", ""
        return sp.latex(self.f_expr), sp.latex(self.df_expr)

    def __repr__(self) -> str:
        return f"Activation({self.label})"


# --- stable NumPy implementations of the built-ins -------------------------------------------


def _sigmoid(z):
    # σ(z) = ½·tanh(z/2) + ½: never overflows, absolute error ≤ 1.2e-16, and one transcendental
    # call (the logaddexp form costs ~5× more on large arrays). BCE never needs tiny σ(z) to full
    # relative precision: it works from the logits.
    s = np.multiply(z, 0.5)
    if type(s) is not np.ndarray:  # a scalar input
        return 0.5 * np.tanh(s) + 0.5
    return _half_tanh_plus_half(s)


def _half_tanh_plus_half(s):
    # In place on one array: on the tiny arrays of a training step, the call and allocation overhead
    # of temporaries costs more than the arithmetic.
    np.tanh(s, out=s)
    np.multiply(s, 0.5, out=s)
    return np.add(s, 0.5, out=s)


# In-place forms (see Activation.f_into): the same operations in the same order, so the same bits;
# ``out=None`` gives a fresh array.


def _sigmoid_into(z, out):
    return _half_tanh_plus_half(np.multiply(z, 0.5, out=out))


def _sigmoid_derivative_into(z, a, out):
    out = np.subtract(1.0, a, out=out)
    return np.multiply(a, out, out=out)  # a·(1 − a): multiplication commutes


def _tanh_derivative_into(z, a, out):
    out = np.multiply(a, a, out=out)
    return np.subtract(1.0, out, out=out)


def _linear_into(z, out):
    return z


def _ones_into(z, a, out):
    if out is None:
        return np.ones_like(z)
    out.fill(1.0)
    return out


def _relu_into(z, out):
    return np.maximum(z, 0.0, out=out)


def _step_into(z, a, out):
    return _step(z) if out is None else np.greater(z, 0, out=out)  # True/False written as 1.0/0.0


def _sigmoid_df(z):
    return np.exp(-np.logaddexp(0.0, -z) - np.logaddexp(0.0, z))


def _linear(z):
    return z


def _ones(z):
    return np.ones_like(z)


def _tanh_df(z):
    t = np.tanh(z)
    return 1.0 - t * t


def _relu(z):
    return np.maximum(z, 0.0)


def _step(z):
    return (z > 0).astype(z.dtype)


def _leaky(z):
    return np.where(z > 0, z, z * 0.01)


def _leaky_df(z):
    return np.where(z > 0, 1.0, 0.01).astype(z.dtype)


def _elu(z):
    return np.where(z > 0, z, np.expm1(np.minimum(z, 0.0)))


def _elu_df(z):
    return np.where(z > 0, 1.0, np.exp(np.minimum(z, 0.0))).astype(z.dtype)


def _swish(z):
    return z * _sigmoid(z)


def _swish_df(z):
    s = _sigmoid(z)
    return s + z * s * (1.0 - s)


_SQRT2 = math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _gelu(z):
    return 0.5 * z * (1.0 + erf(z / _SQRT2))


def _gelu_df(z):
    return 0.5 * (1.0 + erf(z / _SQRT2)) + z * np.exp(-0.5 * z * z) * _INV_SQRT_2PI


def _gaussian(z):
    return np.exp(-z * z)


def _gaussian_df(z):
    return -2.0 * z * np.exp(-z * z)


def normalise_derivative(expr: sp.Expr) -> sp.Expr:
    """Apply the kink convention: Heaviside(0) = 0, and drop Dirac deltas (zero almost everywhere)."""
    expr = expr.replace(sp.Heaviside, lambda arg, *h0: sp.Heaviside(arg, 0))
    return expr.replace(sp.DiracDelta, lambda *args: sp.S.Zero)


def _builtin(
    name: str, expr: sp.Expr, f: ArrayFn, df: ArrayFn, from_output=None, into=(None, None)
) -> Activation:
    return Activation(name, None, expr, normalise_derivative(sp.diff(expr, X)), f, df, from_output, *into)


def _sigmoid_expr(x):
    return 1 / (1 + sp.exp(-x))


#: Built-in activations by name: the table the sidebar, the file format and the tests share.
ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        _builtin("linear", X, _linear, _ones, None, (_linear_into, _ones_into)),
        _builtin(
            "sigmoid",
            _sigmoid_expr(X),
            _sigmoid,
            _sigmoid_df,
            lambda z, a: a * (1.0 - a),
            (_sigmoid_into, _sigmoid_derivative_into),
        ),
        _builtin(
            "tanh", sp.tanh(X), np.tanh, _tanh_df, lambda z, a: 1.0 - a * a, (np.tanh, _tanh_derivative_into)
        ),
        _builtin("relu", sp.Max(0, X), _relu, _step, None, (_relu_into, _step_into)),
        _builtin("leaky_relu", sp.Piecewise((X, X > 0), (X / 100, True)), _leaky, _leaky_df),
        _builtin("elu", sp.Piecewise((X, X > 0), (sp.exp(X) - 1, True)), _elu, _elu_df),
        _builtin("softplus", sp.log(1 + sp.exp(X)), lambda z: np.logaddexp(0.0, z), _sigmoid),
        _builtin("swish", X * _sigmoid_expr(X), _swish, _swish_df),
        _builtin("gelu", X / 2 * (1 + sp.erf(X / sp.sqrt(2))), _gelu, _gelu_df),
        _builtin("sin", sp.sin(X), np.sin, np.cos),
        _builtin("gaussian", sp.exp(-(X**2)), _gaussian, _gaussian_df),
    )
}


#: Points at which a compiled expression is compared with the built-ins.
_MATCH_POINTS = np.linspace(-20.0, 20.0, 161)
#: Points at which f and f' of an expression must be finite (the formula parser checks its parts here too).
FINITE_POINTS = np.linspace(-10.0, 10.0, 2001)


def shape_preserving(fn: Callable) -> ArrayFn:
    """``fn`` made to return an array of its input's shape (a constant derivative broadcasts)."""

    def call(z: np.ndarray) -> np.ndarray:
        out = fn(z)
        if np.shape(out) != np.shape(z):
            out = np.broadcast_to(out, np.shape(z)).astype(np.result_type(z, float))
        return out

    return call


def compile_expr(expr: sp.Expr) -> ArrayFn:
    """Compile a SymPy expression in ``X`` to a vectorised NumPy function of the input's shape."""
    return shape_preserving(sp.lambdify(X, expr, modules=[{"erf": erf}, "numpy"]))


def _evaluate(fn: ArrayFn, points: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.asarray(fn(points.copy()))


def _matching_builtin(f: ArrayFn, df: ArrayFn) -> Activation | None:
    fv, dfv = _evaluate(f, _MATCH_POINTS), _evaluate(df, _MATCH_POINTS)
    if fv.dtype.kind != "f" or dfv.dtype.kind != "f":
        return None
    for act in ACTIVATIONS.values():
        for mine, theirs in ((fv, act.f(_MATCH_POINTS)), (dfv, act.df(_MATCH_POINTS))):
            if not np.allclose(mine, theirs, rtol=1e-9, atol=1e-12):
                break
        else:
            return act
    return None


def _check_symbols(expr: sp.Expr, what: str) -> None:
    """Refuse an expression holding I, infinities or nan (before it is compiled: NumPy has no zoo)."""
    if expr.has(sp.I, sp.zoo, sp.oo, -sp.oo, sp.nan):
        raise FormulaError(f"{what} is not a finite real function: {expr}")


def _check_finite(expr: sp.Expr, fn: ArrayFn, what: str) -> None:
    """Refuse a compiled expression that is not finite and real on :data:`FINITE_POINTS`, naming a point,
    or that NumPy cannot evaluate (a SymPy function it has no counterpart of, such as ``besselj``)."""
    try:
        values = _evaluate(fn, FINITE_POINTS)
    except (NameError, TypeError) as exc:
        raise FormulaError(f"{what} cannot be computed with NumPy ({exc}): {expr}") from None
    if values.dtype.kind == "c" or not np.all(np.isfinite(values)):
        bad = FINITE_POINTS[~np.isfinite(values)] if values.dtype.kind != "c" else FINITE_POINTS
        raise FormulaError(
            f"{what} is not finite everywhere on [-10, 10] (for example at x = {bad[0]:g}): {expr}"
        )


def activation_from_expr(expr: sp.Expr, text: str | None = None) -> Activation:
    """Build an activation from a SymPy expression in :data:`X`.

    Raises
    ------
    FormulaError
        If the expression has other variables, f or f' is not finite on [-10, 10], or NumPy cannot
        compute it.
    """
    if isinstance(expr, (int, float)):
        expr = sp.Number(expr)
    if not isinstance(expr, sp.Basic):
        raise SpecError(f"an activation must be a SymPy expression in x, got {type(expr).__name__}")
    extra = expr.free_symbols - {X}
    if extra:
        names = ", ".join(sorted(str(s) for s in extra))
        raise FormulaError(f"the activation may use only the variable x, not {names}")
    _check_symbols(expr, "f(x)")
    df_expr = normalise_derivative(sp.diff(expr, X))
    _check_symbols(df_expr, "f'(x)")
    f, df = compile_expr(expr), compile_expr(df_expr)
    _check_finite(expr, f, "f(x)")
    _check_finite(df_expr, df, "f'(x)")
    match = _matching_builtin(f, df)
    if match is not None:
        return Activation(
            match.name, text, expr, df_expr, match.f, match.df, match._df_from_output, match._f_into,
            match._derivative_into,
        )  # fmt: skip
    return Activation(None, text, expr, df_expr, f, df)
