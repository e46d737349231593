"""The ONNX export: every model passes the ONNX checker and onnxruntime's predictions equal the engine's
to 1e-5 (float32); typed formulas become ONNX operators; what has no operator is refused by name.

onnx and onnxruntime are test requirements (requirements-test.txt), so these tests run in CI; the app
itself does not need them (the ``onnx`` extra of pyproject.toml)."""

from __future__ import annotations

import re
import sys

import numpy as np
import onnx
import onnxruntime
import pytest
import sympy as sp
from export_cases import CASES, FORMULAS, assert_close, inputs, network, parsed

from nnviz.core import Activation, Layer, LayerSpecNBF, Network
from nnviz.core.activations import X
from nnviz.core.errors import ExportError
from nnviz.export import onnx_bytes, onnx_model, to_onnx
from nnviz.export.onnx_model import OPSET


def run(model_bytes: bytes, X: np.ndarray) -> np.ndarray:
    session = onnxruntime.InferenceSession(model_bytes, providers=["CPUExecutionProvider"])
    return session.run(["Y"], {"X": X.astype(np.float32)})[0]


@pytest.mark.parametrize("case", sorted(CASES))
def test_onnxruntime_predicts_what_the_engine_does_to_1e_5(case, tmp_path):
    nn = network(case)
    path = tmp_path / "model.onnx"
    to_onnx(nn, path)
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    X32 = inputs(nn, scale=1.5).astype(np.float32)
    # The engine on the same (float32-representable) inputs, in float64.
    assert_close(run(path.read_bytes(), X32), nn.predict(X32.astype(np.float64)), 1e-5)


def test_the_model_has_one_input_x_one_output_y_and_a_batch_dimension():
    nn = network("mixed-deep")
    model = onnx_model(nn)
    assert [i.name for i in model.graph.input] == ["X"] and [o.name for o in model.graph.output] == ["Y"]
    dims = [d.dim_param or d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
    assert dims == ["n", 4]
    assert model.opset_import[0].version == OPSET
    assert run(onnx_bytes(nn), np.zeros((7, 4))).shape == (7, 3)


def test_builtins_map_to_their_onnx_operators():
    ops = {}
    for name in ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "sin", "linear"):
        model = onnx_model(Network(1, [LayerSpecNBF(1, False, name)], seed=0))
        ops[name] = [n.op_type for n in model.graph.node]
    assert ops["sigmoid"] == ["Gemm", "Sigmoid", "Identity"]
    assert ops["leaky_relu"] == ["Gemm", "LeakyRelu", "Identity"]
    model = onnx_model(Network(1, [LayerSpecNBF(1, False, "leaky_relu")], seed=0))
    alpha = [a.f for a in model.graph.node[1].attribute if a.name == "alpha"]
    assert alpha == [pytest.approx(0.01)]


def test_a_layer_without_bias_has_no_bias_tensor():
    nn = Network(2, [LayerSpecNBF(3, True, "tanh"), LayerSpecNBF(1, False, "tanh")], seed=0)
    gemms = [n for n in onnx_model(nn).graph.node if n.op_type == "Gemm"]
    assert [len(n.input) for n in gemms] == [3, 2]


def test_typed_formulas_become_operators_not_text():
    nn = Network(
        1, [LayerSpecNBF(1, False, *parsed("where(x > 0, log(1 + x), -abs(x)) + max(x, sin(x))**3"))]
    )
    ops = {n.op_type for n in onnx_model(nn).graph.node}
    assert {"Where", "Greater", "Log", "Abs", "Neg", "Pow", "Max", "Sin"} <= ops


#: One formula for every function name the formula language has (``formula_syntax.FUNCTIONS``).
EVERY_FUNCTION = {
    "exp": "exp(x/5)", "log": "log(2+x**2)", "sqrt": "sqrt(1+x**2)", "abs": "abs(x)", "Abs": "Abs(x)",
    "sin": "sin(x)", "cos": "cos(x)", "tan": "tan(x/5)", "tanh": "tanh(x)", "sinh": "sinh(x/3)",
    "cosh": "cosh(x/3)", "atan": "atan(x)", "erf": "erf(x)", "sign": "sign(x)", "max": "max(x, 0.5)",
    "Max": "Max(x, -0.5)", "min": "min(x, 1)", "Min": "Min(x, 2)", "Heaviside": "Heaviside(x, 1)",
    "where": "where(x < 1, x, 1)", "piecewise": "piecewise((x, x < 0), (0, True))",
    "Piecewise": "Piecewise((x**2, x < 0), (x, True))",
}  # fmt: skip


def test_the_table_covers_every_function_of_the_formula_language():
    from nnviz.core.formula_syntax import FUNCTIONS

    assert set(EVERY_FUNCTION) == set(FUNCTIONS)


@pytest.mark.parametrize("name", sorted(EVERY_FUNCTION))
def test_every_function_of_the_formula_language_has_an_onnx_operator(name):
    """An honest finding: nothing a typed formula may use lacks an ONNX operator, so no typed formula is
    refused; the refusal below needs a SymPy function typed formulas cannot write."""
    X = np.linspace(-3, 3, 61).reshape(-1, 1)
    nn = Network(1, [Layer(1, 1, False, *parsed(EVERY_FUNCTION[name]), np.ones((1, 1)))])  # 0 included
    assert_close(run(onnx_bytes(nn), X), nn.predict(X.astype(np.float32).astype(np.float64)), 1e-5)


@pytest.mark.parametrize(
    "expr, name", [(sp.sinc(X), "sinc"), (sp.atan2(1, X), "atan2"), (sp.floor(X), "floor")]
)
def test_a_function_without_an_onnx_operator_is_refused_by_name(expr, name):
    act = Activation(None, None, expr, sp.S.Zero, np.tanh, np.tanh)
    nn = Network(1, [Layer(1, 2, True, "tanh", np.ones((2, 1))), Layer(2, 1, False, act, np.ones((1, 2)))])
    with pytest.raises(ExportError, match=rf"layer 2's activation uses {name}, which has no ONNX operator"):
        onnx_model(nn)


def test_a_numpy_pair_activation_is_refused_readably():
    with pytest.raises(ExportError, match="pair of NumPy functions"):
        onnx_model(Network(1, [LayerSpecNBF(1, True, (np.tanh, np.cos))]))


def test_without_the_onnx_package_the_export_says_how_to_get_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)  # `import onnx` now raises ImportError
    with pytest.raises(ExportError, match="pip install onnx"):
        onnx_model(network("builtin-tanh"))


def test_no_user_text_reaches_the_model():
    hostile = '"; import os; os.system("touch pwned") #'
    nn = network("formula-4")
    nn.metadata = {"dataset": hostile}
    model = onnx_model(nn)
    names = [n.name for n in model.graph.node] + [t.name for t in model.graph.initializer]
    assert all(re.fullmatch(r"[a-z0-9_]+", name) for name in names)
    assert "pwned" not in model.SerializeToString().decode("latin-1")
    assert FORMULAS[4] not in model.doc_string  # the formula is printed again, not copied


def test_the_readmes_export_example_writes_the_three_files(tmp_path, monkeypatch):
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("## Exporting a trained network", 1)[1].split("\n## ", 1)[0]
    example = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    monkeypatch.chdir(tmp_path)
    exec(compile(example, "README", "exec"), {"nn": network("mixed-deep")})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["xor.onnx", "xor_numpy.py", "xor_torch.py"]
    onnx.checker.check_model(onnx.load("xor.onnx"))
