"""The standalone NumPy export: run in a fresh, isolated interpreter that has NumPy and nothing else, its
predict(X) equals the engine's to 1e-12; its weights read back bit for bit; and nothing a user typed or
named can become code in it."""

from __future__ import annotations

import ast
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from export_cases import CASES, assert_close, assert_refusals_name_their_layer, inputs, network

from nnviz.core import Activation, Layer, LayerSpecNBF, Network, codegen, numpy_code
from nnviz.core.activations import X, activation_from_expr
from nnviz.core.codegen import check_code
from nnviz.core.errors import ExportError, NNVizError
from nnviz.core.numpy_code import BUILTIN_CODE, NUMPY_NAMES

#: Runs in ``python -I -S``: no site-packages, no PYTHONPATH, no script directory; only the folder given
#: (NumPy alone, linked) and the generated modules' folder are on sys.path.
DRIVER = r"""
import importlib, json, sys
sys.path[:0] = sys.argv[1:3]
report = {"results": {}}
for name in ("nnviz", "sympy"):
    try:
        importlib.import_module(name)
        report[name] = True
    except ImportError:
        report[name] = False
import numpy as np
for module, rows in json.load(open(sys.argv[3])).items():
    try:
        X = np.array([[float.fromhex(v) for v in row] for row in rows])
        Y = importlib.import_module(module).predict(X)
        report["results"][module] = {"shape": list(Y.shape), "values": [float(v).hex() for v in Y.ravel()]}
    except Exception as exc:
        report["results"][module] = {"error": f"{type(exc).__name__}: {exc}"}
print(json.dumps(report))
"""


def numpy_only_path(folder: Path) -> Path:
    """A folder with links to NumPy (and its bundled libraries) and nothing else."""
    import numpy

    site = Path(numpy.__file__).resolve().parents[1]
    folder.mkdir()
    for name in ("numpy", "numpy.libs"):
        if (site / name).exists():
            (folder / name).symlink_to(site / name)
    return folder


def run_isolated(tmp: Path, sources: dict[str, str], data: dict[str, np.ndarray]) -> dict:
    modules = tmp / "modules"
    modules.mkdir()
    for name, source in sources.items():
        (modules / f"{name}.py").write_text(source)
    (tmp / "inputs.json").write_text(
        json.dumps({k: [[v.hex() for v in row] for row in X] for k, X in data.items()})
    )
    (tmp / "driver.py").write_text(DRIVER)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    out = subprocess.run(
        [sys.executable, "-I", "-S", str(tmp / "driver.py"), str(numpy_only_path(tmp / "numpy_only")),
         str(modules), str(tmp / "inputs.json")],
        capture_output=True, text=True, check=True, env=env, cwd=tmp,
    )  # fmt: skip
    return json.loads(out.stdout)


def module_name(case: str) -> str:
    return "net_" + "".join(c if c.isalnum() else "_" for c in case)


@pytest.fixture(scope="module")
def isolated_run(tmp_path_factory):
    """Every case's module written out and run in one isolated interpreter."""
    nets = {module_name(case): network(case) for case in CASES}
    sources = {name: nn.to_numpy_code() for name, nn in nets.items()}
    data = {name: inputs(nn) for name, nn in nets.items()}
    return nets, data, run_isolated(tmp_path_factory.mktemp("numpy_export"), sources, data)


def test_the_isolated_interpreter_has_numpy_but_neither_nnviz_nor_sympy(isolated_run):
    _, _, report = isolated_run
    assert report["nnviz"] is False and report["sympy"] is False


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_exported_predict_equals_the_engines_in_a_fresh_numpy_only_process(isolated_run, case):
    nets, data, report = isolated_run
    name = module_name(case)
    result = report["results"][name]
    assert "error" not in result, result.get("error")
    got = np.array([float.fromhex(v) for v in result["values"]]).reshape(result["shape"])
    want = nets[name].predict(data[name])
    assert_close(got, want, 1e-12)


def test_every_builtin_has_numpy_code():
    from nnviz.core.activation_forms import BUILTINS

    assert set(BUILTIN_CODE) == set(BUILTINS)  # softmax included


# --- what the file is made of ------------------------------------------------------------------------


def top_level(source: str) -> tuple[set[str], set[str]]:
    """The names a module defines at top level, and the modules it imports; fails on any other statement."""
    tree = ast.parse(source)
    names, imported = set(), set()
    for i, node in enumerate(tree.body):
        if isinstance(node, ast.Expr):
            assert i == 0 and isinstance(node.value, ast.Constant), (
                "only the docstring may be a bare expression"
            )
        elif isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
            names |= {alias.asname or alias.name for alias in node.names}
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets}
        elif isinstance(node, ast.FunctionDef):
            names.add(node.name)
        else:
            raise AssertionError(f"unexpected top-level statement: {ast.unparse(node)[:80]}")
    return names, imported


def expected_names(nn: Network) -> set[str]:
    fixed = {
        "np",
        "math",
        "INPUTS",
        "WEIGHTS",
        "BIASES",
        "ACTIVATIONS",
        "_W",
        "_B",
        "_like",
        "_erf_object",
        "_erf",
    }
    return fixed | {f"_f{i}" for i in range(1, len(nn.layers) + 1)} | {"predict"}


@pytest.mark.parametrize("case", ["mixed-deep", "formula-7", "builtin-gelu", "wide-no-bias"])
def test_the_file_imports_only_numpy_and_math_and_defines_only_its_own_names(case):
    nn = network(case)
    source = nn.to_numpy_code()
    names, imported = top_level(source)
    assert imported <= {"numpy", "math"} and "numpy" in imported
    assert names <= expected_names(nn) and "predict" in names
    assert "nnviz" not in source.split('"""')[2]  # the code never refers to nnviz (the docstring may)


@pytest.mark.parametrize("case", ["mixed-deep", "builtin-tanh", "wide-no-bias"])
def test_the_weights_in_the_file_read_back_bit_for_bit(case):
    nn = network(case)
    tree = ast.parse(nn.to_numpy_code())
    literals = {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign) and node.targets[0].id in ("WEIGHTS", "BIASES", "INPUTS")
    }
    assert literals["INPUTS"] == nn.inputs
    for layer, weights, bias in zip(nn.layers, literals["WEIGHTS"], literals["BIASES"], strict=True):
        assert np.array_equal(np.array(weights), layer.weights)
        assert np.array(weights).tobytes() == layer.weights.tobytes()  # -0.0 and the last bit too
        assert (bias is None) == (layer.bias is None)
        if bias is not None:
            assert np.array(bias).tobytes() == layer.bias.tobytes()


def test_the_file_rejects_inputs_of_the_wrong_width_and_accepts_one_sample():
    nn = network("mixed-deep")
    space: dict = {}
    exec(compile(nn.to_numpy_code(), "exported", "exec"), space)
    with pytest.raises(ValueError, match=r"shape \(n, 4\)"):
        space["predict"](np.zeros((2, 3)))
    one = np.array([0.5, -1.0, 2.0, 0.25])
    assert np.array_equal(space["predict"](one), nn.predict(one))


# --- nothing typed or named becomes code -------------------------------------------------------------

HOSTILE = '"""\nimport os\nos.system("touch pwned")  # \'\'\' \\'


def test_hostile_labels_names_and_metadata_never_reach_the_file():
    expr = X / (1 + sp.Abs(X))
    typed = activation_from_expr(expr, text=HOSTILE)
    base = typed  # a formula with a hostile label (its text), and a built-in with a forged name:
    forged = Activation(HOSTILE, HOSTILE, expr, base.df_expr, base.f, base.df)
    nn = Network(2, [Layer(2, 3, True, typed, np.ones((3, 2))), Layer(3, 1, False, forged, np.ones((1, 3)))])
    nn.metadata = {"dataset": HOSTILE, HOSTILE: HOSTILE}
    source = nn.to_numpy_code()
    for fragment in ("import os", "os.system", "pwned", "'''", "\\"):
        assert fragment not in source
    names, imported = top_level(source)
    assert imported <= {"numpy", "math"} and names <= expected_names(nn)
    space: dict = {}
    exec(compile(source, "exported", "exec"), space)
    assert np.allclose(space["predict"](np.ones((1, 2))), nn.predict(np.ones((1, 2))), rtol=1e-12, atol=1e-12)


def test_a_forged_builtin_name_does_not_change_what_the_file_computes():
    """An activation named "tanh" that runs another function is exported as what it runs."""
    typed = activation_from_expr(X / (1 + sp.Abs(X)))
    forged = Activation("tanh", None, typed.f_expr, typed.df_expr, typed.f, typed.df)
    nn = Network(1, [Layer(1, 1, False, forged, np.ones((1, 1)))])
    space: dict = {}
    exec(compile(nn.to_numpy_code(), "exported", "exec"), space)
    inputs = np.linspace(-3.0, 3.0, 13).reshape(-1, 1)
    assert_close(space["predict"](inputs), nn.predict(inputs), 1e-12)


@pytest.mark.parametrize(
    "expr, named",
    [
        (sp.Function("__import__('os').system")(X), "__import__"),
        (sp.Symbol("__import__('os')") * X, "__import__"),
        (sp.sinc(X), "sinc"),
        (sp.atan2(1, X), "atan2"),
        (sp.besselj(0, X), "besselj"),
    ],
)
def test_an_expression_outside_the_formula_language_is_refused_naming_what(expr, named):
    act = Activation(None, None, expr, sp.S.Zero, np.tanh, np.tanh)
    nn = Network(1, [Layer(1, 1, False, act, np.ones((1, 1)))])
    with pytest.raises(ExportError, match=named.replace("(", r"\(")) as info:
        nn.to_numpy_code()
    assert isinstance(info.value, NNVizError) and "\n" not in str(info.value)


def test_a_numpy_pair_activation_and_non_finite_weights_are_refused_readably():
    pair = Network(1, [LayerSpecNBF(1, True, (np.tanh, np.cos))])
    with pytest.raises(ExportError, match="pair of NumPy functions"):
        pair.to_numpy_code()
    bad = Network(1, [LayerSpecNBF(2, True, "tanh")], seed=0)
    bad.layers[0].weights[1, 0] = np.inf
    with pytest.raises(ExportError, match="layer 1's weights contain NaN or infinite"):
        bad.to_numpy_code()


@pytest.mark.parametrize(
    "code",
    [
        "__import__('os').system('ls')",
        "np.exp.__globals__",
        "x.__class__",
        "np.load('weights.npy')",
        "open('f')",
        "[c for c in (1, 2)]",
        "'text'",
        "(lambda: 0)()",
        "x[0]",
        "x if x else 0",
        "np.select([x], [x], default=np.nan, allow_pickle=True)",
        "eval('1')",
        "np",  # the module itself, as a value
        "np.logical_or(x, x)",  # only a prefix of the allowed np.logical_or.reduce
    ],
)
def test_printed_code_may_use_only_whitelisted_names_numbers_and_arithmetic(code):
    with pytest.raises(ExportError):
        check_code(code, NUMPY_NAMES, keywords=("default",))


def test_the_whitelist_accepts_what_the_printer_writes():
    code = "np.select([np.logical_or.reduce((np.greater(x, 0), True))], [-x**2/3 + np.pi], default=np.nan)"
    assert check_code(code, NUMPY_NAMES, keywords=("default",)) == code


# --- printed formulas and the file's parts, checked in this process ------------------------------------


def run_code(code: str, x: np.ndarray) -> np.ndarray:
    """A printed formula evaluated with NumPy alone (and ``_erf`` as the file defines it)."""
    return eval(code, {"np": np, "_erf": np.frompyfunc(math.erf, 1, 1)}, {"x": x})


@pytest.mark.parametrize(
    "expr, want",
    [  # each argument is the largest (smallest) at one of the points x = -1, 1, 3
        (sp.Max(X, 2 - X, sp.Rational(3, 2)), [3.0, 1.5, 3.0]),
        (sp.Min(X, 2 - X, sp.Rational(1, 2)), [-1.0, 0.5, -1.0]),
    ],
)
def test_max_and_min_of_three_fold_over_every_argument(expr, want):
    code = numpy_code.expression_code(expr, 1)
    assert np.array_equal(run_code(code, np.array([-1.0, 1.0, 3.0])), want)


def test_an_expression_outside_the_language_or_unprintable_is_refused_naming_its_layer():
    assert_refusals_name_their_layer(numpy_code, "to_numpy_code", "NumPy")


def test_a_file_without_erf_or_softmax_imports_and_defines_neither():
    nn = Network(3, [LayerSpecNBF(5, True, "tanh"), LayerSpecNBF(2, False, "linear")], seed=0)
    source = nn.to_numpy_code()
    names, imported = top_level(source)
    assert imported == {"numpy"}
    assert "_erf" not in source and "_softmax" not in source
    assert "predict(X) takes inputs of shape (n, 3) and returns float64 outputs of shape (n, 2).\n" in source
    assert '"""The outputs, shape (n, 2), of inputs of shape (n, 3) or of one sample (3,)."""' in source


def test_a_gelu_file_defines_erf_and_a_softmax_file_softmax_and_both_run():
    gelu = Network(1, [LayerSpecNBF(1, False, "gelu")], seed=0)
    gelu.layers[0].weights[:] = 1.0
    source = gelu.to_numpy_code()
    assert "import math\n" in source and "def _erf(z):" in source and "_softmax" not in source
    space: dict = {}
    exec(compile(source, "exported", "exec"), space)
    # gelu(x) = x/2 (1 + erf(x/sqrt 2)): 0 at 0, and Phi(1) = 0.8413447460685429 at 1
    assert_close(space["predict"](np.array([[0.0], [1.0]])), np.array([[0.0], [0.8413447460685429]]), 1e-15)
    soft = Network(2, [LayerSpecNBF(2, False, "softmax")], seed=0)
    soft.layers[0].weights[:] = np.eye(2)
    source = soft.to_numpy_code()
    assert "def _softmax(z):" in source and "import math" not in source
    space = {}
    exec(compile(source, "exported", "exec"), space)
    # exp(0) : exp(log 3) = 1 : 3
    assert_close(space["predict"](np.array([[0.0, math.log(3.0)]])), np.array([[0.25, 0.75]]), 1e-15)


# --- what every export shares (nnviz.core.codegen) -----------------------------------------------------

SUPPORTED = (
    "exports support the formula functions: "
    "Heaviside, abs, atan, cos, cosh, erf, exp, log, max, min, sign, sin, sinh, tan, tanh, where/Piecewise"
)


def test_the_files_docstring_names_the_version_sizes_biases_and_activations():
    from nnviz.core.version import __version__

    quotient = activation_from_expr(X / (1 + sp.Abs(X)))
    nn = Network(3, [LayerSpecNBF(5, True, "relu"), LayerSpecNBF(2, True, "sigmoid")], seed=0)
    nn.layers.insert(1, Layer(5, 4, False, quotient, np.ones((4, 5))))
    nn.layers[2] = Layer(4, 2, True, nn.layers[2].activation, np.ones((2, 4)), np.zeros(2))
    source = nn.to_numpy_code()
    assert source.startswith(
        f'"""A feed-forward network exported by nnviz {__version__}: 3 -> 5 -> 4 -> 2.\n\n'
        "Layer 1: 5 units, bias, relu\n"
        "Layer 2: 4 units, no bias, f(x) = x/(Abs(x) + 1)\n"
        "Layer 3: 2 units, bias, sigmoid\n\n"
        "predict(X) takes inputs of shape (n, 3)"
    )
    assert "\nACTIVATIONS = [_f1, _f2, _f3]\n" in source


def plan(expr) -> codegen.LayerPlan:
    return codegen.LayerPlan(np.ones((1, 1)), None, None, expr)


def test_a_formula_is_described_up_to_120_characters_and_only_in_safe_characters():
    exact = sp.Symbol("a" * 120)  # str() is the name itself
    assert plan(exact).describe() == "f(x) = " + "a" * 120
    longer = sp.Symbol("b" * 121)
    assert plan(longer).describe() == "f(x) = " + "b" * 117 + "..."
    assert plan(sp.Symbol("x;import os")).describe() == "a formula"
    assert plan(sp.Symbol('x"""')).describe() == "a formula"
    assert codegen.LayerPlan(np.ones((1, 1)), None, "tanh", sp.tanh(X)).describe() == "tanh"


def test_the_weights_and_biases_are_written_as_nested_lists_one_row_a_line():
    nn = Network(2, [LayerSpecNBF(1, True, "relu"), LayerSpecNBF(1, False, "linear")], seed=0)
    nn.layers[0].weights[:] = [[1.0, -2.5]]
    nn.layers[0].bias[:] = [0.125]
    nn.layers[1].weights[:] = [[-0.0]]
    assert codegen.parameter_lists(codegen.layer_plans(nn)) == (
        "WEIGHTS = [\n    [\n        [1.0, -2.5],\n    ],\n    [\n        [-0.0],\n    ],\n]\n"
        "BIASES = [\n    [0.125],\n    None,\n]\n"
    )


@pytest.mark.parametrize(
    "expr, message",
    [
        (sp.Symbol("y" * 50) * X, "layer 2's activation uses the symbol '" + "y" * 40 + "', not x"),
        (sp.oo * X, "layer 2's activation contains the non-finite number oo"),
        (X + sp.nan, "layer 2's activation contains the non-finite number nan"),
        (sp.gamma(X), "layer 2's activation uses gamma, which cannot be exported; " + SUPPORTED),
        (
            sp.Function("f" * 50)(X),
            "layer 2's activation uses " + "f" * 40 + ", which cannot be exported; " + SUPPORTED,
        ),
        (sp.zoo + X, "layer 2's activation uses ComplexInfinity, which cannot be exported; " + SUPPORTED),
    ],
)
def test_check_expression_names_the_layer_and_what_is_outside_the_language(expr, message):
    with pytest.raises(ExportError) as info:
        codegen.check_expression(expr, 2)
    assert str(info.value) == message


def test_check_expression_accepts_the_whole_formula_language():
    expr = sp.Piecewise(
        (sp.Max(X, sp.pi) + sp.Min(X, sp.E) * sp.Heaviside(X, 1), sp.And(X > 0, sp.Not(sp.Eq(X, 2)))),
        (sp.exp(X) + sp.log(X**2 + 1) + sp.Abs(X) + sp.sin(X) + sp.cos(X) + sp.tan(X), sp.Or(X < -1, X > 5)),
        (
            sp.tanh(X) * sp.sinh(X) / sp.cosh(X) + sp.atan(X) + sp.erf(X) + sp.sign(X) + sp.Rational(1, 3),
            True,
        ),
    )
    assert codegen.check_expression(expr, 1) is None


def test_a_pair_activation_and_nan_biases_are_refused_in_these_words():
    pair = Network(1, [LayerSpecNBF(1, True, "tanh"), LayerSpecNBF(1, True, (np.tanh, np.cos))], seed=0)
    with pytest.raises(ExportError) as info:
        pair.to_numpy_code()
    assert str(info.value) == (
        "layer 2's activation is a pair of NumPy functions, which cannot be exported: "
        "use a built-in name, a formula or a function of a SymPy symbol"
    )
    bad = Network(1, [LayerSpecNBF(2, True, "tanh"), LayerSpecNBF(1, True, "tanh")], seed=0)
    bad.layers[1].bias[0] = np.nan
    with pytest.raises(ExportError) as info:
        bad.to_numpy_code()
    assert str(info.value) == "layer 2's biases contain NaN or infinite values"


@pytest.mark.parametrize(
    "code, message",
    [
        ("open('f')", "the printed activation uses 'open', which is not allowed"),
        ("np.exp.__globals__", "the printed activation uses 'np.exp.__globals__', which is not allowed"),
        ("x + 'text'", "the printed activation contains the constant 'text'"),
        ("x + 1j", "the printed activation contains the constant 1j"),
        (
            "np.select([x], [x], default=np.nan, allow_pickle=True)",
            "the printed activation passes the keyword 'allow_pickle'",
        ),
        ("x[0]", "the printed activation contains Subscript, which is not allowed"),
        # checked after the inner "np" of np.pi (ast.walk goes level by level): every node is checked
        (
            "np.pi + np.exp(np.exp(x.__class__))",
            "the printed activation uses 'x.__class__', which is not allowed",
        ),
        ("x +", "the activation could not be printed as code"),
        # a long name is quoted by its first 40 characters
        ("x + " + "a" * 39 + "bc", "the printed activation uses '" + "a" * 39 + "b', which is not allowed"),
    ],
)
def test_check_code_refuses_in_these_words(code, message):
    with pytest.raises(ExportError) as info:
        check_code(code, NUMPY_NAMES, keywords=("default",))
    assert str(info.value) == message


def test_check_code_accepts_numbers_of_every_plain_type_and_allowed_keywords():
    code = "np.select([np.greater(x, 0), True], [x * 2.5 + 1, -x], default=np.nan)"
    assert check_code(code, NUMPY_NAMES, keywords=("default",)) == code
    with pytest.raises(ExportError):
        check_code(code, NUMPY_NAMES)  # no keyword allowed unless named


def test_check_module_refuses_source_that_does_not_compile_in_these_words():
    with pytest.raises(ExportError) as info:
        codegen.check_module("WEIGHTS = [\n")
    assert str(info.value) == "the generated code does not compile ('[' was never closed); please report this"


def test_check_module_compiles_the_source_as_a_file_of_its_own():
    """The source is judged as Python compiles the saved file: without nnviz's own ``from __future__``
    imports (under ``annotations`` a walrus in an annotation is a syntax error; in a plain file it is not)."""
    source = "def f(x: (y := 1)):\n    return x\n"
    assert codegen.check_module(source) == source


def test_the_numpy_export_keeps_constants_as_numpy_computes_them():
    """Only the torch export folds constants (to 15 digits); the NumPy file computes exp(2) and pi as the
    engine does."""
    assert numpy_code.expression_code(sp.exp(2) * X + sp.pi, 1) == "x*np.exp(2) + np.pi"
