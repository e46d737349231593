"""A network as a PyTorch module: the source of ``class Net(torch.nn.Module)`` with its weights inline.

Each layer is a ``torch.nn.Linear`` (``bias=False`` where the layer has none) holding the network's
weights as float32, followed by its activation in torch operations: a built-in as PyTorch's own function
(``torch.sigmoid``, ``F.gelu``, ...), a formula printed from its parsed SymPy expression by SymPy's Python
code printer with torch functions, ``max``/``min``, ``where`` and ``Heaviside`` written so that constants
become tensors of the input's dtype. Constant parts such as ``exp(2)`` are folded to numbers first. The
printed code is checked against a whitelist of torch names before it is used; the formula text itself never
enters the file.

Generating the code needs only SymPy; running it needs PyTorch. In float32 (the default) predictions equal
the engine's to about 1e-6 where float32 allows it (steep activations and cancelling sums amplify its
rounding); ``Net(dtype=torch.float64)`` computes what the engine does to about 1e-12.
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.pycode import PythonCodePrinter

from . import codegen

#: Each built-in in torch operations.
BUILTIN_CODE = {
    "linear": "x",
    "sigmoid": "torch.sigmoid(x)",
    "tanh": "torch.tanh(x)",
    "relu": "torch.relu(x)",
    "leaky_relu": "torch.nn.functional.leaky_relu(x, 0.01)",
    "elu": "torch.nn.functional.elu(x)",
    "softplus": "torch.logaddexp(torch.zeros_like(x), x)",  # F.softplus returns x past 20
    "swish": "torch.nn.functional.silu(x)",
    "gelu": "torch.nn.functional.gelu(x)",
    "sin": "torch.sin(x)",
    "gaussian": "torch.exp(-x * x)",
    "softmax": "torch.softmax(x, dim=-1)",
}

#: What printed formula code may use.
TORCH_NAMES = {
    "x", "x.dtype", "torch.exp", "torch.log", "torch.sqrt", "torch.abs", "torch.sin", "torch.cos",
    "torch.tan", "torch.tanh", "torch.sinh", "torch.cosh", "torch.atan", "torch.erf", "torch.sign",
    "torch.pow", "torch.maximum", "torch.minimum", "torch.where", "torch.heaviside", "torch.as_tensor",
    "torch.gt", "torch.ge", "torch.lt", "torch.le", "torch.eq", "torch.ne", "torch.logical_and",
    "torch.logical_or", "torch.logical_not", "torch.nan",
}  # fmt: skip

_MODULE = '''

class Net(torch.nn.Module):
    """The network: torch.nn.Linear layers and their activations, float32 unless dtype says otherwise.

    forward(x) takes a tensor of shape (n, {inputs}) in the module's dtype and returns shape (n, {outputs}).
    """

    def __init__(self, dtype=torch.float32):
        super().__init__()
        self.layers = torch.nn.ModuleList()
        for w, b in zip(WEIGHTS, BIASES):
            layer = torch.nn.Linear(len(w[0]), len(w), bias=b is not None, dtype=dtype)
            with torch.no_grad():
                layer.weight.copy_(torch.tensor(w, dtype=dtype))
                if b is not None:
                    layer.bias.copy_(torch.tensor(b, dtype=dtype))
            self.layers.append(layer)

    def forward(self, x):
        for layer, f in zip(self.layers, ACTIVATIONS):
            x = f(layer(x))
        return x
'''


#: The torch function of each SymPy function of one argument (the formula language's).
_UNARY = {
    "exp": "torch.exp", "log": "torch.log", "Abs": "torch.abs", "sin": "torch.sin", "cos": "torch.cos",
    "tan": "torch.tan", "tanh": "torch.tanh", "sinh": "torch.sinh", "cosh": "torch.cosh",
    "atan": "torch.atan", "erf": "torch.erf", "sign": "torch.sign",
}  # fmt: skip
#: Comparisons and logic, by SymPy class name.
_CALLS = {
    "StrictGreaterThan": "torch.gt", "GreaterThan": "torch.ge", "StrictLessThan": "torch.lt",
    "LessThan": "torch.le", "Equality": "torch.eq", "Unequality": "torch.ne", "And": "torch.logical_and",
    "Or": "torch.logical_or", "Not": "torch.logical_not",
}  # fmt: skip


class _Printer(PythonCodePrinter):
    """SymPy's Python code printer with torch functions, and constants made tensors where torch needs them.

    (SymPy's own ``TorchPrinter`` imports PyTorch when it is imported, and prints ``Max`` with scalars,
    ``Heaviside`` and a ``Piecewise`` without a default in ways torch cannot run.)
    """

    def __init__(self) -> None:
        super().__init__({"fully_qualified_modules": True, "allow_unknown_functions": False, "strict": True})

    def _call(self, expr: sp.Basic) -> str:
        """``torch.f(a, b)`` for a function, comparison or logical operation; binary ones nested."""
        function = _UNARY.get(type(expr).__name__) or _CALLS[type(expr).__name__]
        code = self._print(expr.args[0])
        if len(expr.args) == 1:
            return f"{function}({code})"
        for arg in expr.args[1:]:
            code = f"{function}({code}, {self._print(arg)})"
        return code

    def _tensor(self, expr: sp.Basic) -> str:
        """A tensor operand: a number as a tensor of the input's dtype, anything else as printed."""
        code = self._print(expr)
        return f"torch.as_tensor({code}, dtype=x.dtype)" if expr.is_Number else code

    def _fold(self, function: str, args) -> str:
        code = self._tensor(args[0])
        for arg in args[1:]:
            code = f"{function}({code}, {self._tensor(arg)})"
        return code

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        base, exponent = expr.args
        if exponent == sp.S.Half:
            return f"torch.sqrt({self._print(base)})"
        return f"torch.pow({self._print(base)}, {self._print(exponent)})"

    def _print_Max(self, expr: sp.Max) -> str:
        return self._fold("torch.maximum", expr.args)

    def _print_Min(self, expr: sp.Min) -> str:
        return self._fold("torch.minimum", expr.args)

    def _print_Heaviside(self, expr: sp.Heaviside) -> str:
        at_zero = expr.args[1] if len(expr.args) > 1 else sp.S.Half
        return f"torch.heaviside({self._print(expr.args[0])}, {self._tensor(at_zero)})"

    def _print_Piecewise(self, expr: sp.Piecewise) -> str:
        value, condition = expr.args[-1].args
        if condition == sp.true:
            code = self._tensor(value)
        else:  # where no condition holds, the value is NaN (as in SymPy and the engine)
            code = f"torch.where({self._print(condition)}, {self._tensor(value)}, torch.nan)"
        for value, condition in reversed(expr.args[:-1]):
            code = f"torch.where({self._print(condition)}, {self._tensor(value)}, {code})"
        return code


for _name in (*_UNARY, *_CALLS):
    setattr(_Printer, f"_print_{_name}", _Printer._call)


def expression_code(expr: sp.Expr, number: int) -> str:
    """Torch code of a formula in ``x``, checked; ``number`` is its layer's, for messages."""
    return codegen.expression_code(
        expr, number, _Printer(), "torch", TORCH_NAMES, keywords=("dtype",), fold=True
    )


def torch_code(network) -> str:
    """The source of a module defining ``Net``, ``network`` as a float32 ``torch.nn.Module``.

    Raises
    ------
    ExportError
        As :func:`nnviz.core.numpy_code.numpy_code`.
    """
    plans = codegen.layer_plans(network)
    functions = []
    for number, plan in enumerate(plans, 1):
        if plan.builtin:
            body = BUILTIN_CODE[plan.builtin]
        else:  # the output has the input's shape and dtype, even for a constant
            code = expression_code(plan.expr, number)
            body = f"torch.broadcast_to(torch.as_tensor({code}, dtype=x.dtype), x.shape)"
        functions.append(f"\n\ndef _f{number}(x):\n    return {body}\n")
    names = ", ".join(f"_f{number}" for number in range(1, len(plans) + 1))
    outputs = len(plans[-1].weights)
    source = "".join(
        [
            f'"""{codegen.summary(network, plans)}\n\n',
            "Net() is the network as a float32 torch.nn.Module (Net(torch.float64) in double precision);\n",
            f"forward(x) takes a tensor of shape (n, {network.inputs}) and returns shape (n, {outputs}). ",
            "The weights are inline.\n",
            '"""\n\n',
            "import torch\n\n",
            f"INPUTS = {network.inputs}\n",
            codegen.parameter_lists(plans),
            *functions,
            f"\n\nACTIVATIONS = [{names}]\n",
            _MODULE.format(inputs=network.inputs, outputs=outputs),
        ]
    )
    return codegen.check_module(source)
