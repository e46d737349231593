"""What every export of a network shares: its layers read off once, checked, and written safely.

The NumPy and PyTorch exports (:mod:`nnviz.core.numpy_code`, :mod:`nnviz.core.torch_code`) write Python
source, and the ONNX export (``nnviz.export``) an ONNX graph, from the same :class:`LayerPlan` s: each
layer's weights, bias and activation, where the activation is either a built-in (by its name in the
fixed table) or a SymPy expression in ``x``. Nothing the user typed is ever copied into an export: a
formula is printed again from its parsed expression, every printed piece of code is checked against a
whitelist (:func:`check_code`) before it is used, and labels, formula texts and metadata stay out.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import sympy as sp
from sympy.functions.elementary.piecewise import ExprCondPair

from .activation_forms import BUILTINS
from .activations import Activation, X
from .errors import ExportError
from .version import __version__

#: The SymPy functions an exported formula may use: those of the formula language (``formula_syntax``).
FUNCTIONS: dict[type, str] = {
    sp.exp: "exp", sp.log: "log", sp.Abs: "abs", sp.sin: "sin", sp.cos: "cos", sp.tan: "tan",
    sp.tanh: "tanh", sp.sinh: "sinh", sp.cosh: "cosh", sp.atan: "atan", sp.erf: "erf", sp.sign: "sign",
    sp.Max: "max", sp.Min: "min", sp.Heaviside: "Heaviside", sp.Piecewise: "where/Piecewise",
}  # fmt: skip
#: The other SymPy node types a formula is built of: arithmetic, numbers, conditions.
_STRUCTURE = (
    sp.Add, sp.Mul, sp.Pow, ExprCondPair, sp.core.relational.Relational, sp.And, sp.Or, sp.Not,
    sp.logic.boolalg.BooleanAtom, sp.Tuple,
)  # fmt: skip
#: The characters a printed formula may consist of to be quoted in a generated docstring.
_SAFE_TEXT = re.compile(r"[A-Za-z0-9_ +\-*/().,<>=!&|~]*")


@dataclass(frozen=True)
class LayerPlan:
    """One layer as every export sees it.

    Attributes
    ----------
    weights : ndarray, shape (n_out, n_in), float64
    bias : ndarray of shape (n_out,), or None
    builtin : str or None
        The activation's name in :data:`~nnviz.core.activation_forms.BUILTINS` when it runs the
        built-in's code (a formula equal to a built-in does too); None for a formula.
    expr : sympy.Expr or None
        The activation's expression in :data:`~nnviz.core.activations.X`; None for softmax (an output
        layer's activation of the whole row, which every export writes as its own operation).
    """

    weights: np.ndarray
    bias: np.ndarray | None
    builtin: str | None
    expr: sp.Expr | None

    def describe(self) -> str:
        """The activation for a generated docstring or message: its built-in name or printed formula."""
        if self.builtin:
            return self.builtin
        text = str(self.expr)
        if not _SAFE_TEXT.fullmatch(text):  # cannot happen for a checked formula; never risk it
            return "a formula"
        return "f(x) = " + (text if len(text) <= 120 else text[:117] + "...")


def _builtin_name(activation: Activation) -> str | None:
    """The built-in an activation runs: its name only if it also runs that built-in's own function."""
    builtin = BUILTINS.get(activation.name or "")
    return activation.name if builtin is not None and activation.f is builtin.f else None


def layer_plans(network) -> list[LayerPlan]:
    """The layers of a network (any :class:`~nnviz.core.feedforward.FeedForward`), checked for export.

    Raises
    ------
    ExportError
        If a layer's activation is a pair of NumPy functions (no expression to export), or a weight or
        bias is NaN or infinite.
    """
    plans = []
    for number, layer in enumerate(network.layers, 1):
        activation = layer.activation
        builtin = _builtin_name(activation)
        expr = BUILTINS[builtin].f_expr if builtin else activation.f_expr
        if expr is None and not builtin:
            raise ExportError(
                f"layer {number}'s activation is a pair of NumPy functions, which cannot be exported: "
                "use a built-in name, a formula or a function of a SymPy symbol"
            )
        for what, values in (("weights", layer.weights), ("biases", layer.bias)):
            if values is not None and not np.all(np.isfinite(values)):
                raise ExportError(f"layer {number}'s {what} contain NaN or infinite values")
        bias = None if layer.bias is None else np.array(layer.bias, dtype=np.float64)
        plans.append(LayerPlan(np.array(layer.weights, dtype=np.float64), bias, builtin, expr))
    return plans


def check_expression(expr: sp.Basic, number: int) -> None:
    """Refuse an expression that uses anything outside the formula language, naming it.

    ``number`` is the layer's (from 1), for the message.
    """
    for sub in sp.preorder_traversal(expr):
        if isinstance(sub, sp.Symbol):
            if sub != X:
                raise ExportError(f"layer {number}'s activation uses the symbol {str(sub)[:40]!r}, not x")
        elif isinstance(sub, sp.Number):
            if not sub.is_finite:
                raise ExportError(f"layer {number}'s activation contains the non-finite number {sub}")
        elif sub in (sp.pi, sp.E) or isinstance(sub, _STRUCTURE) or type(sub) in FUNCTIONS:
            continue
        else:
            name = getattr(sub, "func", type(sub)).__name__
            raise ExportError(
                f"layer {number}'s activation uses {name[:40]}, which cannot be exported; exports support "
                "the formula functions: " + ", ".join(sorted(FUNCTIONS.values()))
            )


def fold_constants(expr: sp.Basic) -> sp.Basic:
    """``expr`` with every constant part that is not a plain number (``exp(2)``, ``pi``) as a Float."""
    if isinstance(expr, sp.Expr) and not expr.free_symbols and not expr.is_Number:
        value = complex(expr)
        if value.imag or not np.isfinite(value.real):
            raise ExportError(f"the constant {str(expr)[:40]} is not a finite real number")
        return sp.Float(value.real)
    if not expr.args:
        return expr
    return expr.func(*(fold_constants(arg) for arg in expr.args))


def expression_code(
    expr: sp.Expr,
    number: int,
    printer: sp.printing.printer.Printer,
    language: str,
    names: Iterable[str],
    keywords: Iterable[str] = (),
    fold: bool = False,
) -> str:
    """Code of a formula in ``x``: checked (:func:`check_expression`), printed by ``printer`` (constants
    folded first when ``fold``), and the code checked to use only ``names`` (:func:`check_code`).

    ``number`` is the layer's (from 1) and ``language`` the code's ("NumPy", "torch"), for messages.
    """
    check_expression(expr, number)
    try:
        code = printer.doprint(fold_constants(expr) if fold else expr)
    except ExportError:
        raise
    except Exception as exc:  # SymPy's printer refused a part of it
        raise ExportError(
            f"layer {number}'s activation cannot be printed as {language} code: {exc}"
        ) from None
    return check_code(code, names, keywords=keywords)


def number_list(values: np.ndarray) -> str:
    """A (nested) list literal of float64 values that reads back exactly (``repr`` round-trips)."""
    if values.ndim == 1:
        return "[" + ", ".join(repr(float(v)) for v in values) + "]"
    return "[\n" + "".join(f"        {number_list(row)},\n" for row in values) + "    ]"


def parameter_lists(plans: list[LayerPlan]) -> str:
    """The ``WEIGHTS`` and ``BIASES`` assignments of a generated module."""
    weights = "".join(f"    {number_list(p.weights)},\n" for p in plans)
    biases = "".join(f"    {'None' if p.bias is None else number_list(p.bias)},\n" for p in plans)
    return f"WEIGHTS = [\n{weights}]\nBIASES = [\n{biases}]\n"


def summary(network, plans: list[LayerPlan]) -> str:
    """What the network is, for a generated file's docstring: sizes, biases, activations, nnviz's version.

    It holds no text the user typed: activations are built-in names or formulas printed again.
    """
    sizes = " -> ".join(str(n) for n in [network.inputs] + [len(p.weights) for p in plans])
    lines = [f"A feed-forward network exported by nnviz {__version__}: {sizes}.", ""]
    for number, plan in enumerate(plans, 1):
        bias = "bias" if plan.bias is not None else "no bias"
        lines.append(f"Layer {number}: {len(plan.weights)} units, {bias}, {plan.describe()}")
    return "\n".join(lines)


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


_SAFE_NODES = (
    ast.Expression, ast.BinOp, ast.UnaryOp, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.USub,
    ast.UAdd, ast.Call, ast.Constant, ast.List, ast.Tuple, ast.Load, ast.keyword,
)  # fmt: skip


def check_code(code: str, names: Iterable[str], keywords: Iterable[str] = ()) -> str:
    """Return ``code`` if it is one expression built only of arithmetic, numbers and the given names.

    ``names`` are the dotted names (``np.exp``, ``x``) it may use, ``keywords`` the keyword arguments its
    calls may pass. Anything else (a string, a subscript, an unknown name or attribute) raises
    :class:`ExportError`: generated code may only ever call what the exporter chose.
    """
    allowed, allowed_keywords = set(names), set(keywords)
    try:
        tree = ast.parse(code, mode="eval")
    except SyntaxError:
        raise ExportError("the activation could not be printed as code") from None
    inner = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    for node in ast.walk(tree):
        if isinstance(node, (ast.Name, ast.Attribute)):
            if id(node) in inner:  # ``np`` in ``np.exp``: the whole dotted name is checked
                continue
            dotted = _dotted(node)
            if dotted not in allowed:
                raise ExportError(
                    f"the printed activation uses {ast.unparse(node)[:40]!r}, which is not allowed"
                )
        elif isinstance(node, ast.Constant):
            if type(node.value) not in (int, float, bool):
                raise ExportError(f"the printed activation contains the constant {node.value!r:.40}")
        elif isinstance(node, ast.keyword):
            if node.arg not in allowed_keywords:
                raise ExportError(f"the printed activation passes the keyword {node.arg!r}")
        elif not isinstance(node, _SAFE_NODES):
            raise ExportError(f"the printed activation contains {type(node).__name__}, which is not allowed")
    return code


def check_module(source: str) -> str:
    """Return generated module source after checking that it parses (a bug here must never ship)."""
    try:
        compile(source, "<nnviz export>", "exec", dont_inherit=True)
    except SyntaxError as exc:  # pragma: no cover - only a bug in the exporter gets here
        raise ExportError(f"the generated code does not compile ({exc.msg}); please report this") from None
    return source
