"""A network as a standalone Python module that needs only NumPy: ``predict(X)`` with the weights inline.

The module computes exactly what the engine computes: the same forward pass (samples in columns,
``W @ A``, bias added in place), the built-ins' own stable formulas (sigmoid as ``½·tanh(z/2) + ½``,
softplus as ``logaddexp(0, z)``, erf through ``math.erf``), and a formula printed from its parsed SymPy
expression by SymPy's NumPy printer, the one ``lambdify`` compiles the engine's activations with. So its
predictions equal the engine's (to the last bit or so; the tests ask for 1e-12). Weights are written as
``repr`` of their float64 values, which read back exactly.

The formula text itself never enters the file: the expression is printed again, and the printed code is
checked against a whitelist of NumPy names before it is used (:func:`nnviz.core.codegen.check_code`).
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.numpy import NumPyPrinter

from . import codegen

#: The stable NumPy code of each built-in, as the engine runs it (``nnviz.core.activations``).
BUILTIN_CODE = {
    "linear": "x",
    "sigmoid": "0.5 * np.tanh(np.multiply(x, 0.5)) + 0.5",
    "tanh": "np.tanh(x)",
    "relu": "np.maximum(x, 0.0)",
    "leaky_relu": "np.where(x > 0, x, x * 0.01)",
    "elu": "np.where(x > 0, x, np.expm1(np.minimum(x, 0.0)))",
    "softplus": "np.logaddexp(0.0, x)",
    "swish": "x * (0.5 * np.tanh(np.multiply(x, 0.5)) + 0.5)",
    "gelu": "0.5 * x * (1.0 + _erf(x / 1.4142135623730951))",
    "sin": "np.sin(x)",
    "gaussian": "np.exp(-x * x)",
    "softmax": "_softmax(x)",
}

#: What printed formula code may use.
NUMPY_NAMES = {
    "x", "_erf", "np.exp", "np.log", "np.sqrt", "np.abs", "np.sin", "np.cos", "np.tan", "np.tanh",
    "np.sinh", "np.cosh", "np.arctan", "np.sign", "np.maximum", "np.minimum", "np.select", "np.greater",
    "np.greater_equal", "np.less", "np.less_equal", "np.equal", "np.not_equal", "np.logical_and.reduce",
    "np.logical_or.reduce", "np.logical_not", "np.pi", "np.e", "np.nan",
}  # fmt: skip

_ERF = '''
_erf_object = np.frompyfunc(math.erf, 1, 1)


def _erf(z):
    """Element-wise error function (NumPy has none): math.erf, exact to double precision."""
    z = np.asarray(z)
    return _erf_object(z).astype(z.dtype if z.dtype.kind == "f" else np.float64)
'''

_SOFTMAX = '''

def _softmax(z):
    """Softmax of each column (one sample's outputs): exp(z - max z) / sum, which never overflows."""
    e = np.exp(np.subtract(z, np.max(z, axis=0, keepdims=True)))
    return np.divide(e, np.add.reduce(e, axis=0, keepdims=True))
'''

_LIKE = '''

def _like(out, x):
    """An activation's output has its input's shape: a constant is broadcast."""
    if np.shape(out) != np.shape(x):
        out = np.broadcast_to(out, np.shape(x)).astype(np.result_type(x, float))
    return out
'''

_PREDICT = '''
_W = [np.array(w, dtype=np.float64) for w in WEIGHTS]
_B = [None if b is None else np.array(b, dtype=np.float64) for b in BIASES]


def predict(X):
    """The outputs, shape (n, {outputs}), of inputs of shape (n, {inputs}) or of one sample ({inputs},)."""
    a = np.asarray(X, dtype=np.float64)
    if a.ndim == 1:
        a = a.reshape(1, -1)
    if a.ndim != 2 or a.shape[1] != INPUTS:
        raise ValueError(f"inputs must have shape (n, {{INPUTS}}), got {{a.shape}}")
    a = np.ascontiguousarray(a.T)  # samples in columns, as the engine computes
    for w, b, f in zip(_W, _B, ACTIVATIONS):
        z = w @ a
        if b is not None:
            z += b[:, None]
        a = f(z)
    return a.T
'''


class _Printer(NumPyPrinter):
    """SymPy's NumPy printer (as ``lambdify`` uses it) writing ``np.``, with ``max``/``min`` unrolled."""

    def __init__(self) -> None:
        super().__init__(
            {
                "fully_qualified_modules": True,
                "inline": True,
                "allow_unknown_functions": False,
                "strict": True,
                "user_functions": {"erf": "_erf"},
            }
        )

    def _module_format(self, fqn: str, register: bool = True) -> str:
        name = super()._module_format(fqn, register)
        return "np." + name[len("numpy.") :] if name.startswith("numpy.") else name

    def _fold(self, function: str, args) -> str:
        code = self._print(args[0])
        for arg in args[1:]:
            code = f"{self._module_format(function)}({code}, {self._print(arg)})"
        return code

    def _print_Max(self, expr: sp.Max) -> str:  # lambdify: reduce(maximum, args), the same order
        return self._fold("numpy.maximum", expr.args)

    def _print_Min(self, expr: sp.Min) -> str:
        return self._fold("numpy.minimum", expr.args)

    def _print_Abs(self, expr: sp.Abs) -> str:
        return f"{self._module_format('numpy.abs')}({self._print(expr.args[0])})"


def expression_code(expr: sp.Expr, number: int) -> str:
    """NumPy code of a formula in ``x``, checked; ``number`` is its layer's, for messages."""
    return codegen.expression_code(expr, number, _Printer(), "NumPy", NUMPY_NAMES, keywords=("default",))


def numpy_code(network) -> str:
    """The source of a standalone module that defines ``predict(X)`` for ``network``; needs only NumPy.

    Raises
    ------
    ExportError
        If an activation is a pair of NumPy functions or uses a function outside the formula language,
        or a weight is not finite.
    """
    plans = codegen.layer_plans(network)
    functions, uses_erf = [], False
    for number, plan in enumerate(plans, 1):
        if plan.builtin:
            body = BUILTIN_CODE[plan.builtin]
        else:
            body = f"_like({expression_code(plan.expr, number)}, x)"
        uses_erf = uses_erf or "_erf(" in body
        functions.append(f"\n\ndef _f{number}(x):\n    return {body}\n")
    names = ", ".join(f"_f{number}" for number in range(1, len(plans) + 1))
    outputs = len(plans[-1].weights)
    source = "".join(
        [
            f'"""{codegen.summary(network, plans)}\n\n',
            f"predict(X) takes inputs of shape (n, {network.inputs}) and returns float64 outputs of shape",
            f" (n, {outputs}).\nIt needs only NumPy; the weights are inline, exact to the last bit.\n",
            '"""\n\n',
            "import math\n\n" if uses_erf else "",
            "import numpy as np\n\n",
            f"INPUTS = {network.inputs}\n",
            codegen.parameter_lists(plans),
            _ERF if uses_erf else "",
            _SOFTMAX if any(plan.builtin == "softmax" for plan in plans) else "",
            _LIKE,
            *functions,
            f"\n\nACTIVATIONS = [{names}]\n\n",
            _PREDICT.format(inputs=network.inputs, outputs=outputs),
        ]
    )
    return codegen.check_module(source)
