"""Activations as ONNX operators: the built-ins from a fixed table, formulas by walking their SymPy tree.

:class:`GraphBuilder` collects the nodes and constants of one ONNX graph, with names of its own choosing
(nothing the user typed becomes a name). :func:`activation` adds a layer's activation: a built-in as its
ONNX operator (``Sigmoid``, ``LeakyRelu(alpha=0.01)``, ...) or a short composition (swish, gelu,
gaussian); a formula node by node (``Add``, ``Mul``, ``Pow``, ``Exp``, ``Where`` for ``where`` and
``Piecewise``, comparisons, ...). An expression with a function ONNX has no operator for is refused with
an :class:`~nnviz.core.errors.ExportError` that names it; every function of the formula language has one,
so only activations given as Python functions of a SymPy symbol (``sympy.sinc``, ...) can be refused.
Every tensor is float32: onnxruntime's CPU kernels of several of these operators (``Erf``, ``Elu``,
``Softplus``) exist only for float32.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import sympy as sp

from nnviz.core.activations import X
from nnviz.core.codegen import LayerPlan
from nnviz.core.errors import ExportError

#: SymPy functions of one argument and their ONNX operators.
UNARY = {
    sp.exp: "Exp", sp.log: "Log", sp.Abs: "Abs", sp.sin: "Sin", sp.cos: "Cos", sp.tan: "Tan",
    sp.tanh: "Tanh", sp.sinh: "Sinh", sp.cosh: "Cosh", sp.atan: "Atan", sp.erf: "Erf", sp.sign: "Sign",
}  # fmt: skip
#: Comparisons and their ONNX operators (``!=`` is ``Not(Equal)``).
COMPARE = {sp.Gt: "Greater", sp.Ge: "GreaterOrEqual", sp.Lt: "Less", sp.Le: "LessOrEqual", sp.Eq: "Equal"}
#: Built-ins that are one ONNX operator, with its attributes.
BUILTIN_OPS: dict[str, tuple[str, dict[str, Any]]] = {
    "linear": ("Identity", {}),
    "sigmoid": ("Sigmoid", {}),
    "tanh": ("Tanh", {}),
    "relu": ("Relu", {}),
    "leaky_relu": ("LeakyRelu", {"alpha": 0.01}),
    "elu": ("Elu", {"alpha": 1.0}),
    "softplus": ("Softplus", {}),
    "sin": ("Sin", {}),
    "softmax": ("Softmax", {"axis": -1}),  # over each sample's outputs (opset 13 and later)
}


def require_onnx():
    """The ``onnx`` package, or an ExportError saying how to install it."""
    try:
        import onnx
    except ImportError:
        raise ExportError("the ONNX export needs the onnx package: pip install onnx") from None
    return onnx


class GraphBuilder:
    """The nodes and constants of one ONNX graph, all float32, with generated names."""

    def __init__(self) -> None:
        self.onnx = require_onnx()
        self.nodes: list = []
        self.initializers: list = []
        self._constants: dict[tuple, str] = {}
        self._count = 0

    def fresh(self, prefix: str) -> str:
        self._count += 1
        return f"{prefix}_{self._count}"

    def tensor(self, values: np.ndarray, prefix: str = "const") -> str:
        """A constant tensor (float32 unless boolean); equal scalars share one name."""
        values = np.asarray(values)
        values = values if values.dtype == np.bool_ else values.astype(np.float32)
        key = (values.dtype.str, values.shape, values.tobytes()) if values.size == 1 else None
        if key in self._constants:
            return self._constants[key]
        name = self.fresh(prefix)
        self.initializers.append(self.onnx.numpy_helper.from_array(values, name))
        if key is not None:
            self._constants[key] = name
        return name

    def op(self, op_type: str, *inputs: str, **attributes: Any) -> str:
        """Add a node; return the name of its one output."""
        output = self.fresh(op_type.lower())
        node = self.onnx.helper.make_node(op_type, list(inputs), [output], name=output, **attributes)
        self.nodes.append(node)
        return output

    def fold(self, op_type: str, names: list[str]) -> str:
        """``a op b op c ...`` from a binary operator."""
        out = names[0]
        for name in names[1:]:
            out = self.op(op_type, out, name)
        return out


def activation(graph: GraphBuilder, plan: LayerPlan, z: str, number: int) -> str:
    """Add the layer's activation of tensor ``z``; return the name of its output."""
    if plan.builtin in BUILTIN_OPS:
        op_type, attributes = BUILTIN_OPS[plan.builtin]
        return graph.op(op_type, z, **attributes)
    if plan.builtin == "swish":
        return graph.op("Mul", z, graph.op("Sigmoid", z))
    if plan.builtin == "gelu":  # ½·x·(1 + erf(x/√2))
        erf = graph.op("Erf", graph.op("Div", z, graph.tensor(np.array(math.sqrt(2.0)))))
        half_z = graph.op("Mul", z, graph.tensor(np.array(0.5)))
        return graph.op("Mul", half_z, graph.op("Add", erf, graph.tensor(np.array(1.0))))
    if plan.builtin == "gaussian":
        return graph.op("Exp", graph.op("Neg", graph.op("Mul", z, z)))
    out = _Walker(graph, z, number).walk(plan.expr)
    if not plan.expr.has(X):  # a constant activation still gives one value per unit and sample
        out = graph.op("Expand", out, graph.op("Shape", z))
    return out


class _Walker:
    """A SymPy expression in x, node by node, with shared subexpressions computed once."""

    def __init__(self, graph: GraphBuilder, x: str, number: int) -> None:
        self.graph, self.x, self.number = graph, x, number
        self.done: dict[sp.Basic, str] = {}

    def refuse(self, what: str) -> ExportError:
        return ExportError(
            f"layer {self.number}'s activation uses {what[:40]}, which has no ONNX operator, so the "
            "network cannot be exported to ONNX"
        )

    def walk(self, expr: sp.Basic) -> str:
        if expr not in self.done:
            self.done[expr] = self._node(expr)
        return self.done[expr]

    def _constant(self, expr: sp.Basic) -> str:
        if isinstance(expr, sp.logic.boolalg.BooleanAtom):
            return self.graph.tensor(np.array(bool(expr)))
        try:
            value = complex(expr)
        except TypeError:
            raise self.refuse(type(expr).__name__) from None
        if value.imag or not math.isfinite(value.real):
            raise ExportError(
                f"layer {self.number}'s activation has the constant {str(expr)[:40]}, not finite"
            )
        return self.graph.tensor(np.array(value.real))

    def _node(self, expr: sp.Basic) -> str:
        graph = self.graph
        if expr == X:
            return self.x
        if isinstance(expr, sp.Symbol):
            raise ExportError(f"layer {self.number}'s activation uses the symbol {str(expr)[:40]!r}, not x")
        if not expr.free_symbols:
            return self._constant(expr)
        if isinstance(expr, sp.Add):
            return graph.fold("Add", [self.walk(a) for a in expr.args])
        if isinstance(expr, sp.Mul):
            return self._product(expr)
        if isinstance(expr, sp.Pow):
            return self._power(expr.base, expr.exp)
        if type(expr) in UNARY:
            return graph.op(UNARY[type(expr)], self.walk(expr.args[0]))
        if isinstance(expr, (sp.Max, sp.Min)):
            return graph.op("Max" if isinstance(expr, sp.Max) else "Min", *(self.walk(a) for a in expr.args))
        if isinstance(expr, sp.Heaviside):  # 0 below zero, 1 above, H(0) at zero (½ by default)
            arg = self.walk(expr.args[0])
            at_zero = self.walk(expr.args[1] if len(expr.args) > 1 else sp.S.Half)
            zero, one = self.walk(sp.S.Zero), self.walk(sp.S.One)
            inner = graph.op("Where", graph.op("Less", arg, zero), zero, at_zero)
            return graph.op("Where", graph.op("Greater", arg, zero), one, inner)
        if isinstance(expr, sp.Piecewise):
            return self._piecewise(expr)
        if type(expr) in COMPARE:
            return graph.op(COMPARE[type(expr)], self.walk(expr.lhs), self.walk(expr.rhs))
        if isinstance(expr, sp.Ne):
            return graph.op("Not", graph.op("Equal", self.walk(expr.lhs), self.walk(expr.rhs)))
        if isinstance(expr, (sp.And, sp.Or)):
            return graph.fold("And" if isinstance(expr, sp.And) else "Or", [self.walk(a) for a in expr.args])
        if isinstance(expr, sp.Not):
            return graph.op("Not", self.walk(expr.args[0]))
        raise self.refuse(getattr(expr, "func", type(expr)).__name__)

    def _product(self, expr: sp.Mul) -> str:
        """Factors with exponent -1 become one division: ``x/(1+x)`` is ``Div``, not a reciprocal."""
        bottom = [a.base for a in expr.args if isinstance(a, sp.Pow) and a.exp == -1]
        top = [a for a in expr.args if not (isinstance(a, sp.Pow) and a.exp == -1) and a != sp.S.NegativeOne]
        out = self.graph.fold("Mul", [self.walk(a) for a in top]) if top else self.walk(sp.S.One)
        if bottom:
            out = self.graph.op("Div", out, self.graph.fold("Mul", [self.walk(a) for a in bottom]))
        return self.graph.op("Neg", out) if sp.S.NegativeOne in expr.args else out

    def _power(self, base: sp.Basic, exponent: sp.Basic) -> str:
        graph, b = self.graph, self.walk(base)
        if exponent == sp.S.Half:
            return graph.op("Sqrt", b)
        if exponent == -sp.S.Half:
            return graph.op("Div", self.walk(sp.S.One), graph.op("Sqrt", b))
        if exponent == -1:
            return graph.op("Div", self.walk(sp.S.One), b)
        if exponent == 2:
            return graph.op("Mul", b, b)
        return graph.op("Pow", b, self.walk(exponent))

    def _piecewise(self, expr: sp.Piecewise) -> str:
        """Nested ``Where``s, last pair innermost; with no ``True`` branch, NaN where nothing holds."""
        value, condition = expr.args[-1].args
        if condition == sp.true:
            out = self.walk(value)
        else:
            out = self.graph.op("Where", self.walk(condition), self.walk(value), self.graph.tensor(np.nan))
        for value, condition in reversed(expr.args[:-1]):
            out = self.graph.op("Where", self.walk(condition), self.walk(value), out)
        return out
