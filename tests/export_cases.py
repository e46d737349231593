"""The networks the export tests write out: every built-in and many typed formulas, with and without
biases, in several shapes; and inputs that reach every branch (zeros hit the kinks exactly)."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from sympy.functions.elementary.piecewise import ExprCondPair

from nnviz.core import ACTIVATIONS, Activation, Layer, LayerSpecNBF, Network
from nnviz.core.activation_forms import BUILTINS
from nnviz.core.activations import X, activation_from_expr
from nnviz.core.errors import ExportError
from nnviz.core.formula import parse_activations

#: Seconds the formula checker may take for these known-good formulas: the tests are about exports, not
#: about its time limit (1 s a formula), which a machine busy with other work can exceed.
CHECK_BUDGET = 60.0

#: Typed formulas (some equal a built-in and run its code: ``log(1+exp(x))`` is softplus).
FORMULAS = [
    "where(x > 0, x, 0.1*x)",
    "max(x, 0.5*x, -1)",
    "max(1, x)",
    "min(x, cos(x))",
    "abs(x)/(1+abs(x))",
    "log(1+exp(x))",
    "log(2+exp(x))",
    "Piecewise((0, x < -1), (x**2, x < 1), (1, True))",
    "Heaviside(x, 0.5) + x/2",
    "Heaviside(x, 1) - Heaviside(-x, 0)/2 + x/3",
    "sign(x)*sqrt(abs(x)+1)",
    "erf(x)*exp(2) + pi",
    "where((x > 0) & (x < 1) | ~(x < 2), 1, 0)",
    "where(Eq(x, 0) | Ne(x, 1), x, 2)",
    "where(x >= 0.5, x, where(x <= -0.5, -x, 0.25))",
    "3",
    "tan(x/5) + sinh(x/4)/cosh(x/3) + atan(x)",
    "x**3/7 - 1/(1 + x**2) + 2**x/10",
    "E*x + 0.1234567890123456789*x",
    "exp(-x**2/2)*tanh(x)",
    "x*tanh(log(1+exp(x)))",
    "where(x > 0, 1 + x, x/2 - 1) + where(x <= 0, x, 0)",  # odd index: no bias, so x is exactly 0 at times
]


def _cases() -> dict[str, tuple[int, list]]:
    cases: dict[str, tuple[int, list]] = {}
    for name in ACTIVATIONS:
        cases[f"builtin-{name}"] = (3, [LayerSpecNBF(5, True, name), LayerSpecNBF(2, False, name)])
    for i, text in enumerate(FORMULAS):
        cases[f"formula-{i}"] = (2, [LayerSpecNBF(4, i % 2 == 0, text), LayerSpecNBF(3, True, text)])
    cases["sympy-function"] = (
        2,
        [LayerSpecNBF(3, True, lambda x: x * sp.tanh(x)), LayerSpecNBF(1, True, sp.sin)],
    )
    cases["mixed-deep"] = (
        4,
        [
            LayerSpecNBF(8, True, "relu"),
            LayerSpecNBF(6, False, "x/(1+abs(x))"),
            LayerSpecNBF(5, True, "gelu"),
            LayerSpecNBF(3, True, "sigmoid"),
        ],
    )
    # Softmax outputs, named to sort after the others: a case's seed is its place in sorted(CASES).
    cases["with-softmax-output"] = (3, [LayerSpecNBF(6, True, "tanh"), LayerSpecNBF(4, True, "softmax")])
    cases["with-softmax-six-no-bias"] = (
        2,
        [LayerSpecNBF(8, False, "relu"), LayerSpecNBF(6, False, "softmax")],
    )
    cases["one-in-one-out"] = (1, [LayerSpecNBF(1, True, "tanh")])
    cases["wide-no-bias"] = (6, [LayerSpecNBF(16, False, "elu"), LayerSpecNBF(1, False, "linear")])
    return cases


CASES = _cases()


def parsed(*texts: str) -> list[Activation]:
    """Formulas parsed (and cached) with a generous time budget."""
    return parse_activations(list(texts), budget=CHECK_BUDGET)


def network(case: str) -> Network:
    """The case's network, with seeded weights and biases that are not zero (so they matter)."""
    inputs, specs = CASES[case]
    parsed(*[s.fn for s in specs if isinstance(s.fn, str) and s.fn not in BUILTINS])
    nn = Network(inputs, specs, seed=sorted(CASES).index(case))
    rng = np.random.default_rng(7)
    for layer in nn.layers:
        if layer.bias is not None:
            layer.bias[:] = rng.normal(0.0, 0.5, layer.bias.shape)
    return nn


def inputs(nn: Network, n: int = 40, scale: float = 2.0) -> np.ndarray:
    """Random inputs plus two rows of zeros (a layer without bias then sums exactly 0: the kinks)."""
    X = np.random.default_rng(nn.inputs).normal(0.0, scale, (n, nn.inputs))
    X[:2] = 0.0
    return X


def assert_close(got: np.ndarray, want: np.ndarray, tolerance: float) -> None:
    """``got`` equals ``want`` to ``tolerance``, relative where ``|want| > 1`` and absolute below."""
    assert got.shape == want.shape
    bad = np.abs(got - want) > tolerance * np.maximum(1.0, np.abs(want))
    assert not bad.any(), f"differs at {np.argwhere(bad)[:3].tolist()}: {got[bad][:3]} vs {want[bad][:3]}"


def assert_refusals_name_their_layer(printer, method: str, language: str) -> None:
    """``printer.expression_code`` and ``Network.<method>`` refuse what they cannot write in ``language``,
    naming the layer: a symbol other than x, an expression the printer cannot print."""
    with pytest.raises(ExportError) as info:
        printer.expression_code(sp.Symbol("y") * X, 3)
    assert str(info.value) == "layer 3's activation uses the symbol 'y', not x"
    with pytest.raises(ExportError) as info:  # SymPy's printer cannot print a bare (value, condition) pair
        printer.expression_code(ExprCondPair(X, X > 0), 4)
    assert str(info.value).startswith(f"layer 4's activation cannot be printed as {language} code: ")
    foreign = Activation(None, None, sp.Symbol("y") * X, sp.S.Zero, np.tanh, np.tanh)
    tanh = activation_from_expr(sp.tanh(X))
    nn = Network(1, [Layer(1, 2, True, tanh, np.ones((2, 1))), Layer(2, 1, False, foreign, np.ones((1, 2)))])
    with pytest.raises(ExportError) as info:
        getattr(nn, method)()
    assert str(info.value) == "layer 2's activation uses the symbol 'y', not x"
