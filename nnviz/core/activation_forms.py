"""Every form an activation may be given in, resolved to one :class:`~nnviz.core.activations.Activation`.

A built-in name (``"tanh"``, with a few aliases; ``"softmax"``, for an output layer only), formula text
(``"x/(1+abs(x))"``, parsed safely by :mod:`nnviz.core.formula`), a Python function of a SymPy symbol
(``lambda x: 1/(1+exp(-x))``, as the articles write them) or an ``(f, df)`` pair of NumPy functions.
"""

from __future__ import annotations

from .activations import ACTIVATIONS, Activation, X, activation_from_expr, shape_preserving
from .errors import FormulaError, SpecError
from .formula import parse_activation
from .softmax import SOFTMAX

#: Other names of built-ins.
ALIASES = {"identity": "linear", "none": "linear", "logistic": "sigmoid", "silu": "swish"}
#: Activations of a whole output row (not element-wise), by name: only an output layer may use them.
OUTPUT_ACTIVATIONS: dict[str, Activation] = {"softmax": SOFTMAX}
#: Every built-in by name: the element-wise ``ACTIVATIONS`` and the output-only ones; the names a
#: ``.nn`` file may store as ``{"builtin": name}``.
BUILTINS: dict[str, Activation] = {**ACTIVATIONS, **OUTPUT_ACTIVATIONS}


def activation_from(fn: object) -> Activation:
    """Resolve any accepted activation form to an :class:`Activation`.

    Parameters
    ----------
    fn : Activation, str, callable or (callable, callable)
        A built-in name; formula text (parsed safely); a Python function of a SymPy symbol such
        as ``lambda x: 1/(1+exp(-x))`` or ``sympy.tanh``; or a pair ``(f, df)`` of NumPy
        functions, in which case ``df`` is used as the derivative as given.

    Raises
    ------
    SpecError
        For a form that is none of these; :class:`~nnviz.core.errors.FormulaError` for refused text.
    """
    if isinstance(fn, Activation):
        return fn
    if isinstance(fn, str):
        key = ALIASES.get(fn.strip().lower(), fn.strip().lower())
        if key in BUILTINS:
            return BUILTINS[key]
        if "softmax" in key:
            raise FormulaError(
                f"softmax cannot be part of a formula ({fn.strip()[:60]!r}): a formula is a function of each "
                "unit's own sum, and softmax needs the whole layer; choose the built-in 'softmax' as the "
                "output layer's activation"
            )
        return parse_activation(fn)
    if isinstance(fn, tuple):
        if len(fn) != 2 or not all(callable(g) for g in fn):
            raise SpecError("an activation pair must be (f, df): two NumPy functions")
        return Activation(None, None, None, None, shape_preserving(fn[0]), shape_preserving(fn[1]))
    if callable(fn):
        try:
            expr = fn(X)
        except Exception as exc:  # the user's function could not take a symbol
            raise SpecError(
                f"activation {getattr(fn, '__name__', fn)!r} does not accept a SymPy symbol: {exc}"
            ) from exc
        return activation_from_expr(expr)
    raise SpecError(f"unsupported activation {fn!r}: use a name, a formula, a function or (f, df)")
