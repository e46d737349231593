"""The Network API: every layer form of 000_*, shapes, errors, and the engine's import boundary."""

import subprocess
import sys

import numpy as np
import pytest
from sympy import exp, tanh

from nnviz.core import Layer, LayerSpecD, LayerSpecNB, LayerSpecNBF, Network, SpecError


def sig(x):
    return 1 / (1 + exp(-x))


def test_every_layer_form_of_article_000_is_accepted():
    nn = Network(
        inputs=2,
        layers=[
            3,  # an int: a layer without bias, using the default fn
            LayerSpecNB(4, True),
            LayerSpecNBF(2, True, tanh),
            LayerSpecD(length=3, bias=False, fn=sig),
            (2, True),
            (1, False, "sigmoid"),
        ],
        fn=tanh,
    )
    assert nn.sizes == [2, 3, 4, 2, 3, 2, 1]
    assert [layer.has_bias for layer in nn.layers] == [False, True, True, False, True, False]
    assert [layer.activation.name for layer in nn.layers] == ["tanh"] * 3 + ["sigmoid", "tanh", "sigmoid"]


def test_default_fn_is_the_identity():
    nn = Network(2, [1], seed=0)
    assert nn.layers[0].activation.name == "linear"
    np.testing.assert_allclose(nn.predict([[1.0, 2.0]]), [[nn.layers[0].weights @ [1.0, 2.0]]][0])


def test_parameter_shapes_and_bias_none_when_off():
    nn = Network(3, [LayerSpecNBF(5, True, "relu"), LayerSpecNBF(2, False, "linear")], seed=0)
    assert nn.layers[0].weights.shape == (5, 3) and nn.layers[0].bias.shape == (5,)
    assert nn.layers[1].weights.shape == (2, 5) and nn.layers[1].bias is None


def test_single_sample_call_returns_a_column_and_predict_a_batch():
    nn = Network.from_sizes([2, 4, 3], hidden="tanh", output="sigmoid", seed=1)
    X = np.array([[0.1, 0.2], [0.3, -0.4], [1.0, 2.0]])
    assert nn(X[0]).shape == (3, 1)
    batch = nn.predict(X)
    assert batch.shape == (3, 3)
    for i in range(3):
        np.testing.assert_allclose(nn(X[i])[:, 0], batch[i], rtol=1e-15)


def test_from_sizes_is_seeded_and_uses_the_initialiser():
    a = Network.from_sizes([2, 4, 1], hidden="relu", output="sigmoid", init="he", seed=0)
    b = Network.from_sizes([2, 4, 1], hidden="relu", output="sigmoid", init="he", seed=0)
    c = Network.from_sizes([2, 4, 1], hidden="relu", output="sigmoid", init="he", seed=1)
    assert np.array_equal(a.layers[0].weights, b.layers[0].weights)
    assert not np.array_equal(a.layers[0].weights, c.layers[0].weights)
    expected = np.random.default_rng(0).standard_normal((4, 2)) * np.sqrt(2 / 2)
    np.testing.assert_array_equal(a.layers[0].weights, expected)
    small = Network.from_sizes([2, 4, 1], init="small_normal", seed=0)
    np.testing.assert_array_equal(
        small.layers[0].weights, np.random.default_rng(0).standard_normal((4, 2)) * 0.1
    )


def test_unseeded_networks_draw_from_numpys_global_generator():
    np.random.seed(5)
    a = Network(2, [LayerSpecNBF(2, True, tanh)])
    np.random.seed(5)
    b = Network(2, [LayerSpecNBF(2, True, tanh)])
    assert np.array_equal(a.layers[0].weights, b.layers[0].weights)


def test_layers_can_be_given_directly():
    layers = [Layer(2, 3, True, "tanh", np.ones((3, 2))), Layer(3, 1, False, "linear", np.ones((1, 3)))]
    nn = Network(2, layers)
    np.testing.assert_allclose(nn.predict([[0.0, 0.0]]), [[0.0]])
    with pytest.raises(SpecError, match="expects 3 inputs"):
        Network(2, [layers[1]])


@pytest.mark.parametrize(
    "layers, message",
    [
        ([0], "between 1 and"),
        ([-3], "between 1 and"),
        ([10**6], "between 1 and"),
        ([2.5], "cannot read layer spec"),
        ([True], "cannot read layer spec"),
        ([(3, "yes")], "bias flag"),
        ([(1, 2, 3, 4)], "cannot read layer spec"),
        ([{"bias": True}], "needs a 'length'"),
        ([], "at least one layer"),
        ([1] * 65, "at most 64"),
    ],
)
def test_impossible_architectures_raise_spec_error(layers, message):
    with pytest.raises(SpecError, match=message):
        Network(2, layers)


def test_wrong_input_width_is_a_clear_error():
    nn = Network.from_sizes([2, 2, 1], seed=0)
    with pytest.raises(SpecError, match=r"shape \(n, 2\)"):
        nn.predict(np.zeros((4, 3)))


def test_repr_shows_the_architecture():
    nn = Network(2, [LayerSpecNBF(2, True, tanh), LayerSpecNBF(1, False, sig)], seed=0)
    assert repr(nn) == "<Network 2 -> 2 tanh -> 1 (no bias) sigmoid>"


def test_copy_is_independent():
    nn = Network.from_sizes([2, 2, 1], seed=0)
    twin = nn.copy()
    twin.layers[0].weights[0, 0] += 1.0
    assert nn.layers[0].weights[0, 0] != twin.layers[0].weights[0, 0]


def test_engine_imports_neither_streamlit_nor_matplotlib():
    code = "import sys, nnviz.core, nnviz.core.grid, nnviz.core.datasets; print(' '.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    top_level = {name.split(".")[0] for name in out.split()}
    assert "numpy" in top_level and "sympy" in top_level
    assert not top_level & {"streamlit", "matplotlib", "PIL", "pandas", "scipy"}


def test_the_sigmoid_computes_its_formula_in_place_for_any_input():
    from nnviz.core import ACTIVATIONS

    f = ACTIVATIONS["sigmoid"].f
    z = np.random.default_rng(0).normal(size=(6, 3)) * 20
    saved = z.copy()
    for value in (z, z.T, z.astype(np.float32), np.arange(-3, 4), 2.5, np.float32(-1.5), np.array(0.25)):
        expected = 0.5 * np.tanh(0.5 * value) + 0.5
        got = f(value)
        assert np.array_equal(got, expected) and np.result_type(got) == np.result_type(expected)
    assert np.array_equal(z, saved)  # the input is not overwritten
