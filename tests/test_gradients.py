"""Backpropagation checked against central finite differences of the loss."""

import numpy as np
import pytest
import sympy as sp

from nnviz.core import ACTIVATIONS, LOSSES, Network
from nnviz.core.losses import get_loss


def mean_loss(nn, X, Y, loss):
    z, a = nn.forward(X)[-1]
    return loss.per_sample(a, Y, z, nn.layers[-1].activation).mean()


def numeric_gradients(nn, X, Y, loss, h=1e-6):
    grads = []
    for p in nn.parameters():
        g = np.zeros_like(p)
        for i in np.ndindex(p.shape):
            saved = p[i]
            p[i] = saved + h
            up = mean_loss(nn, X, Y, loss)
            p[i] = saved - h
            down = mean_loss(nn, X, Y, loss)
            p[i] = saved
            g[i] = (up - down) / (2 * h)
        grads.append(g)
    return grads


def build(hidden, output, depth, bias, seed=0):
    sizes = [3] + [4] * (depth - 1) + [2]
    return Network.from_sizes(sizes, hidden=hidden, output=output, bias=bias, init="xavier", seed=seed)


def data(seed=1, n=5):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 3)), rng.uniform(0.05, 0.95, size=(n, 2))


def assert_gradients_match(nn, X, Y, loss):
    analytic, _, _ = nn.backprop(X, Y, loss)
    numeric = numeric_gradients(nn, X, Y, get_loss(loss))
    assert [g.shape for g in analytic] == [p.shape for p in nn.parameters()]
    for a, n in zip(analytic, numeric, strict=True):
        np.testing.assert_allclose(a, n, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("depth", [1, 2, 3, 4])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("loss", sorted(LOSSES))
@pytest.mark.parametrize("hidden", sorted(ACTIVATIONS))
def test_backprop_matches_finite_differences(hidden, loss, bias, depth):
    # BCE needs outputs in (0, 1): a sigmoid output (the fused path); CCE a softmax output (fused too).
    # Other losses use the hidden activation at the output too, so every activation's derivative is
    # exercised at the output.
    output = {"bce": "sigmoid", "cce": "softmax"}.get(loss, hidden)
    nn = build(hidden, output, depth, bias)
    X, Y = data()
    assert_gradients_match(nn, X, Y, loss)


def test_bce_with_a_non_sigmoid_output_in_zero_one():
    squashed = lambda x: 0.01 + 0.98 * (1 + sp.tanh(x)) / 2  # not the built-in sigmoid: generic path
    nn = Network(3, [(4, True, "tanh"), (2, True, squashed)], seed=3)
    assert nn.layers[-1].activation.name is None
    X, Y = data(seed=4)
    assert_gradients_match(nn, X, Y, "bce")


def test_formula_and_numpy_pair_activations():
    pair = (np.sin, np.cos)
    nn = Network(3, [(4, True, lambda x: x * sp.tanh(sp.log(1 + sp.exp(x)))), (2, False, pair)], seed=5)
    X, Y = data(seed=6)
    assert_gradients_match(nn, X, Y, "mse")


def test_bias_gradient_is_the_sum_over_the_batch():
    from nnviz.core.feedforward import bias_gradient

    rng = np.random.default_rng(0)
    for n in (2, 3, 10, 250):
        delta = rng.normal(size=(n, 3))
        np.testing.assert_allclose(bias_gradient(delta), delta.sum(axis=0), rtol=0, atol=1e-15 * n)
    one = np.array([[-0.0, 1.5, -2.0]])
    got = bias_gradient(one)
    assert np.array_equal(got, one[0]) and np.signbit(got[0]) and got.base is None  # its own copy


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_loss_value_is_the_mean_or_sum_of_the_per_sample_losses(name):
    loss = LOSSES[name]
    rng = np.random.default_rng(1)
    z = rng.normal(size=(37, 2))
    act = ACTIVATIONS["sigmoid"]
    a, y = act.f(z), (rng.random((37, 2)) > 0.5).astype(float)
    per_sample = loss.per_sample(a, y, z, act)
    expected = per_sample.sum() if loss.reduction == "sum" else per_sample.mean()
    assert loss.value(a, y, z, act) == float(expected)
    assert np.array_equal(loss.delta(a, y, z, act), loss.sample_delta(a, y, z, act) * (1.0 / len(a)))
