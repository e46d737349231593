"""The PyTorch export: the generated module defines ``Net``, a ``torch.nn.Module`` of ``nn.Linear``
layers holding the network's weights, whose predictions equal the engine's to 1e-6 (float32).

Writing the code needs only SymPy, so what the file is made of is checked everywhere. Running it needs
PyTorch (about 1.5 GB), which is not a test requirement: those tests skip, saying so, where it is absent."""

from __future__ import annotations

import ast
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from export_cases import CASES, assert_close, assert_refusals_name_their_layer, inputs, network

from nnviz.core import Activation, Layer, LayerSpecNBF, Network, torch_code
from nnviz.core.activation_forms import BUILTINS
from nnviz.core.activations import X, activation_from_expr
from nnviz.core.codegen import check_code
from nnviz.core.errors import ExportError
from nnviz.core.torch_code import BUILTIN_CODE, TORCH_NAMES

ROOT = Path(__file__).resolve().parents[1]
SKIP_REASON = "PyTorch is optional (~1.5 GB) and not in requirements-test.txt: pip install torch to run this"


def load(source: str) -> dict:
    space: dict = {}
    exec(compile(source, "exported_torch", "exec"), space)
    return space


# --- with PyTorch --------------------------------------------------------------------------------------


#: Cases whose float32 rounding, amplified, exceeds 1e-6 whoever computes them: a slope of up to 8.4
#: (``erf(x)*exp(2)``), outputs in the thousands from ``x**3`` of ``x**3``, and sums of terms near 100
#: that cancel (``2.84*x`` twice, no squashing). Measured: 2e-6 to 7e-6. They are held to 1e-5 in
#: float32, and to 1e-12 in float64 like every case.
ILL_CONDITIONED = {"formula-11", "formula-17", "formula-18"}


@pytest.fixture(scope="module")
def nets():
    """Every case's network and code, built before PyTorch is imported: with torch loaded, the engine's
    forked formula checker gets slow enough to hit its time limit."""
    return {case: (network(case), network(case).to_torch_code()) for case in CASES}


def predict(torch, source: str, X: np.ndarray, dtype) -> np.ndarray:
    with torch.no_grad():
        out = load(source)["Net"](dtype)(torch.from_numpy(X)).numpy()
    assert out.dtype == X.dtype
    return out.astype(np.float64)


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_float32_torch_module_predicts_what_the_engine_does_to_1e_6(nets, case):
    nn, source = nets[case]
    torch = pytest.importorskip("torch", reason=SKIP_REASON)
    X32 = inputs(nn, scale=1.5).astype(np.float32)
    tolerance = 1e-5 if case in ILL_CONDITIONED else 1e-6
    assert_close(predict(torch, source, X32, torch.float32), nn.predict(X32.astype(np.float64)), tolerance)


@pytest.mark.parametrize("case", sorted(CASES))
def test_in_float64_the_torch_module_computes_what_the_engine_does_to_1e_12(nets, case):
    nn, source = nets[case]
    torch = pytest.importorskip("torch", reason=SKIP_REASON)
    X = inputs(nn)
    assert_close(predict(torch, source, X, torch.float64), nn.predict(X), 1e-12)


def test_the_module_is_linear_layers_with_the_networks_weights_and_bias_flags(nets):
    nn, source = nets["mixed-deep"]
    torch = pytest.importorskip("torch", reason=SKIP_REASON)
    net = load(source)["Net"]()
    assert isinstance(net, torch.nn.Module)
    linears = [m for m in net.modules() if isinstance(m, torch.nn.Linear)]
    assert len(linears) == len(nn.layers)
    for linear, layer in zip(linears, nn.layers, strict=True):
        assert linear.weight.dtype == torch.float32
        assert np.array_equal(linear.weight.detach().numpy(), layer.weights.astype(np.float32))
        assert (linear.bias is None) == (layer.bias is None)
        if layer.bias is not None:
            assert np.array_equal(linear.bias.detach().numpy(), layer.bias.astype(np.float32))


# --- without PyTorch: what the file is made of --------------------------------------------------------


def test_every_builtin_has_torch_code():
    assert set(BUILTIN_CODE) == set(BUILTINS)  # softmax included


def test_the_file_imports_only_torch_and_defines_net_and_its_own_names():
    nn = network("mixed-deep")
    tree = ast.parse(nn.to_torch_code())
    names, imported = set(), set()
    for node in tree.body[1:]:
        if isinstance(node, ast.Import):
            imported |= {a.name for a in node.names}
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets}
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        else:
            raise AssertionError(f"unexpected top-level statement: {ast.unparse(node)[:80]}")
    assert imported == {"torch"}
    assert names == {"INPUTS", "WEIGHTS", "BIASES", "ACTIVATIONS", "Net", "_f1", "_f2", "_f3", "_f4"}
    net = next(n for n in tree.body if isinstance(n, ast.ClassDef))
    assert [ast.unparse(b) for b in net.bases] == ["torch.nn.Module"]
    assert "bias=b is not None" in ast.unparse(net)  # nn.Linear(..., bias=False) where a layer has none


@pytest.mark.parametrize("case", [c for c in sorted(CASES) if c.startswith("formula")])
def test_every_formula_prints_as_whitelisted_torch_code(case):
    source = network(case).to_torch_code()
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef):
            body = ast.unparse(node.body[0].value)
            if body in BUILTIN_CODE.values():  # a formula equal to a built-in runs the built-in
                continue
            assert check_code(body, TORCH_NAMES | {"x.shape", "torch.broadcast_to"}, ("dtype",)) == body


def test_hostile_labels_never_reach_the_file_and_foreign_functions_are_refused():
    hostile = '"""\nimport os\nos.system("touch pwned")  #'
    typed = activation_from_expr(X / (1 + sp.Abs(X)), text=hostile)
    nn = Network(2, [Layer(2, 1, True, typed, np.ones((1, 2)))])
    nn.metadata = {"dataset": hostile}
    source = nn.to_torch_code()
    assert "pwned" not in source and "import os" not in source
    evil = Activation(None, None, sp.Function("__import__('os').system")(X), sp.S.Zero, np.tanh, np.tanh)
    with pytest.raises(ExportError, match="cannot be exported"):
        Network(1, [Layer(1, 1, False, evil, np.ones((1, 1)))]).to_torch_code()


@pytest.mark.parametrize(
    "code", ["torch.load('f')", "x.numpy()", "torch.exp.__globals__", "__import__('os')"]
)
def test_printed_torch_code_may_use_only_whitelisted_names(code):
    with pytest.raises(ExportError):
        check_code(code, TORCH_NAMES, keywords=("dtype",))


def test_importing_the_engine_does_not_import_pytorch():
    """SymPy's own torch printer imports PyTorch on import; the engine uses its Python printer instead, so
    an app that never exports to PyTorch never loads it (loaded, it slows the formula checker's forks)."""
    code = "import sys, nnviz.core; print(sorted(m for m in sys.modules if m.endswith(('torch', 'pytorch'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


# --- without PyTorch: the printed code of each kind of formula, word for word -------------------------


AS_TENSOR = "torch.as_tensor({}, dtype=x.dtype)"

#: Formulas and the torch code written for them: functions of one argument call the torch function once,
#: comparisons and logic take both operands (nested for three), ``max``/``min`` fold over every argument
#: in order, a square root is ``torch.sqrt`` and other powers ``torch.pow``, ``Heaviside`` passes its value
#: at 0 (1/2 unless given), a ``Piecewise`` is nested ``torch.where`` s ending in its default (NaN if it
#: has none), and bare numbers where torch needs tensors become tensors of the input's dtype.
PRINTED = [
    (sp.exp(X), "torch.exp(x)"),
    (sp.exp(2) * X + sp.pi, "7.38905609893065*x + 3.14159265358979"),  # constants folded
    (sp.Abs(X - 1), "torch.abs(x - 1)"),
    (X > 0, "torch.gt(x, 0)"),
    (sp.Or(X > 1, X < -1), "torch.logical_or(torch.gt(x, 1), torch.lt(x, -1))"),
    (
        sp.And(X > 0, X < 1, sp.Ne(X, 2)),
        "torch.logical_and(torch.logical_and(torch.gt(x, 0), torch.lt(x, 1)), torch.ne(x, 2))",
    ),
    (sp.Not(sp.And(X > 0, X < 1)), "torch.logical_not(torch.logical_and(torch.gt(x, 0), torch.lt(x, 1)))"),
    (
        sp.Max(X, -X / 2, -1),
        f"torch.maximum(torch.maximum({AS_TENSOR.format(-1)}, x), -1/2*x)",
    ),
    (sp.Min(X, 2), f"torch.minimum({AS_TENSOR.format(2)}, x)"),
    (sp.Max(X, sp.cos(X)), "torch.maximum(x, torch.cos(x))"),
    (sp.sqrt(X), "torch.sqrt(x)"),
    (X**2, "torch.pow(x, 2)"),
    (X ** sp.Rational(1, 3), "torch.pow(x, 1/3)"),
    (sp.Heaviside(X), f"torch.heaviside(x, {AS_TENSOR.format('1/2')})"),
    (sp.Heaviside(X, 1), f"torch.heaviside(x, {AS_TENSOR.format(1)})"),
    (sp.Heaviside(X - 1, 0), f"torch.heaviside(x - 1, {AS_TENSOR.format(0)})"),
    (
        sp.Piecewise((0, X < -1), (X**2, X < 1), (1, True)),
        f"torch.where(torch.lt(x, -1), {AS_TENSOR.format(0)}, "
        f"torch.where(torch.lt(x, 1), torch.pow(x, 2), {AS_TENSOR.format(1)}))",
    ),
    (
        sp.Piecewise((1, X > 0), (sp.cos(X), True)),
        f"torch.where(torch.gt(x, 0), {AS_TENSOR.format(1)}, torch.cos(x))",
    ),
    (
        sp.Piecewise((X, X > 2), (2 * X, X > 1), (3 * X, X > 0)),
        "torch.where(torch.gt(x, 2), x, torch.where(torch.gt(x, 1), 2*x, torch.where(torch.gt(x, 0), 3*x, "
        "torch.nan)))",
    ),
    (
        sp.Piecewise((X, X > 0), (5, X < -1)),
        f"torch.where(torch.gt(x, 0), x, torch.where(torch.lt(x, -1), {AS_TENSOR.format(5)}, torch.nan))",
    ),
]


@pytest.mark.parametrize("expr, code", PRINTED, ids=[str(e) for e, _ in PRINTED])
def test_each_kind_of_formula_prints_as_this_torch_code(expr, code):
    assert torch_code.expression_code(expr, 1) == code


def test_a_formula_layer_is_its_printed_code_broadcast_to_the_inputs_shape_and_dtype():
    act = activation_from_expr(sp.Heaviside(X, 1) + sp.Max(X, -1))
    source = Network(2, [Layer(2, 1, True, act, np.ones((1, 2)))]).to_torch_code()
    code = f"torch.heaviside(x, {AS_TENSOR.format(1)}) + torch.maximum({AS_TENSOR.format(-1)}, x)"
    assert (
        f"def _f1(x):\n    return torch.broadcast_to(torch.as_tensor({code}, dtype=x.dtype), x.shape)\n"
        in source
    )


def test_the_torch_files_docstring_states_the_shapes_and_layers():
    nn = Network(3, [LayerSpecNBF(5, True, "relu"), LayerSpecNBF(2, False, "sigmoid")], seed=0)
    source = nn.to_torch_code()
    assert (
        "Net() is the network as a float32 torch.nn.Module (Net(torch.float64) in double precision);\n"
        "forward(x) takes a tensor of shape (n, 3) and returns shape (n, 2). The weights are inline.\n"
    ) in source
    assert (
        "forward(x) takes a tensor of shape (n, 3) in the module's dtype and returns shape (n, 2)." in source
    )
    assert "Layer 1: 5 units, bias, relu\nLayer 2: 2 units, no bias, sigmoid\n" in source
    assert "def _f1(x):\n    return torch.relu(x)\n" in source
    assert "def _f2(x):\n    return torch.sigmoid(x)\n" in source
    assert "ACTIVATIONS = [_f1, _f2]\n" in source


def test_a_torch_formula_outside_the_language_or_unprintable_is_refused_naming_its_layer():
    assert_refusals_name_their_layer(torch_code, "to_torch_code", "torch")


@pytest.mark.parametrize(
    "constant, shown",
    [
        (sp.exp(1000), "exp(1000)"),  # e**1000 overflows a double
        (sp.sqrt(sp.sin(5)), "sqrt(sin(5))"),  # sin 5 < 0: an imaginary root
        (sp.sin(5) ** sp.Rational(1, 3), "sin(5)**(1/3)"),  # the principal cube root of a negative number
        # sin 5 + cos 7 / 3 + tanh 11 / 13 - atan 17 = -2.14...: imaginary; only 40 characters are shown
        (
            sp.sqrt(sp.sin(5) + sp.cos(7) / 3 + sp.tanh(11) / 13 - sp.atan(17)),
            "sqrt(-atan(17) + sin(5) + tanh(11)/13 + ",
        ),
    ],
)
def test_a_constant_that_is_not_a_finite_real_number_is_refused_naming_it(constant, shown):
    with pytest.raises(ExportError) as info:
        torch_code.expression_code(constant * X + 1, 2)
    assert str(info.value) == f"the constant {shown} is not a finite real number"


def test_a_finite_real_constant_is_folded_to_its_value():
    # sqrt(exp(2) - atan(17) + sin(5)) = sqrt(7.389056 - 1.512041 - 0.958924) = 2.217...
    value = math.sqrt(math.exp(2) - math.atan(17) + math.sin(5))
    code = torch_code.expression_code(sp.sqrt(sp.exp(2) - sp.atan(17) + sp.sin(5)) * X, 1)
    assert code.endswith("*x") and float(code[: -len("*x")]) == pytest.approx(value, rel=1e-14)
