"""The engine's fast paths compute what the plain ones do: full-batch epochs that take the forward pass of
the loss just recorded, and predictions into reused work arrays (all compared bit for bit)."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from test_training import _stepped_copy

from nnviz.core import Network
from nnviz.core.activation_forms import activation_from
from nnviz.core.feedforward import SCRATCH_BYTES
from nnviz.core.layer import Layer
from nnviz.core.trainer import Trainer


def data(n=30, outputs=1, seed=5):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    labels = rng.integers(0, max(2, outputs), n).astype(float)
    return X, (labels[:, None] if outputs == 1 else np.eye(outputs)[labels.astype(int)])


@pytest.mark.parametrize(
    "sizes,hidden,output,loss",
    [
        ([2, 8, 8, 8, 1], "tanh", "sigmoid", "bce"),
        ([2, 5, 3, 1], "sigmoid", "sigmoid", "mse"),
        ([2, 5, 3, 1], "linear", "sigmoid", "bce"),  # the identity's slope, ones written into a kept array
        ([2, 5, 3, 1], "x/(1+abs(x))", "tanh", "sse"),  # a compiled formula
        ([2, 6, 4], "relu", "softmax", "cce"),
    ],
)
def test_full_batch_epochs_equal_backprop_and_sgd_update_bit_for_bit(sizes, hidden, output, loss):
    X, Y = data(outputs=sizes[-1])
    nn = Network.from_sizes(sizes, hidden=hidden, output=output, seed=3)
    stepped = _stepped_copy(nn, X, Y, loss, 0.1, len(X), False, seed=0, epochs=5)
    trainer = Trainer(nn, X, Y, loss=loss, lr=0.1, batch_size=len(X))
    trainer.run(5)
    for p, q in zip(nn.parameters(), stepped.parameters(), strict=True):
        assert np.array_equal(p, q)
    assert trainer.history[-1] == stepped.loss(X, Y, loss)


def _change_weight(nn):
    nn.layers[0].weights[0, 0] += 0.25


def _change_activation(nn):
    nn.layers[0].activation = activation_from("relu")


def _replace_layer(nn):
    old = nn.layers[1]
    nn.layers[1] = Layer(old.n_in, old.n_out, True, old.activation, old.weights * 0.5, old.bias)


@pytest.mark.parametrize("change", [_change_weight, _change_activation, _replace_layer])
def test_a_change_between_full_batch_epochs_is_never_missed(change):
    """Weights, activations or layers changed between epochs (the app's weight editor, a new setting):
    the next epoch computes its forward pass again, exactly as a trainer stepping batch by batch."""
    X, Y = data()
    fused = Network.from_sizes([2, 6, 4, 1], hidden="tanh", output="sigmoid", seed=1)
    stepped = fused.copy()
    a = Trainer(fused, X, Y, loss="bce", lr=0.3, batch_size=len(X))
    b = Trainer(stepped, X, Y, loss="bce", lr=0.3, batch_size=len(X))
    a.run(3)
    for _ in range(3):
        b.step()
    for nn in (fused, stepped):
        change(nn)
    a.run(3)
    for _ in range(3):
        b.step()
    assert a.history == b.history
    for p, q in zip(fused.parameters(), stepped.parameters(), strict=True):
        assert np.array_equal(p, q)


def test_the_trainer_keeps_its_own_copy_of_the_inputs():
    """What the caller does to its array afterwards reaches neither training nor a kept forward pass."""
    X, Y = data()
    mine, theirs = X.copy(), X.copy()
    a = Trainer(Network.from_sizes([2, 5, 1], output="sigmoid", seed=4), mine, Y, loss="bce", batch_size=30)
    b = Trainer(Network.from_sizes([2, 5, 1], output="sigmoid", seed=4), theirs, Y, loss="bce", batch_size=30)
    a.run(2)
    b.run(2)
    mine *= 3.0
    a.run(2)
    b.run(2)
    assert a.history == b.history


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_predictions_into_reused_work_arrays_equal_layer_by_layer_ones(dtype):
    nn = Network.from_sizes([2, 8, 8, 8, 3], hidden="tanh", output="softmax", seed=2)
    X = np.random.default_rng(0).normal(size=(500, 2)).astype(dtype)
    want = X.T
    for layer in nn.layers:
        want = layer.columns_forward(want)
    for _ in range(2):  # the second time the work arrays are reused
        got = nn.predict(X)
        assert got.dtype == dtype and np.array_equal(got, want.T)
    assert nn.predict(X[:0]).shape == (0, 3)
    big = np.zeros((SCRATCH_BYTES // 8 + 1, 2), dtype=dtype)  # past the kept size: fresh arrays
    assert nn.predict(big).shape == (len(big), 3)


def test_threads_predicting_at_once_each_get_their_own_work_arrays():
    nets = [Network.from_sizes([2, 16, 16, 1], hidden="tanh", output="sigmoid", seed=s) for s in range(4)]
    X = np.random.default_rng(1).normal(size=(3000, 2))
    want = [nn.predict(X) for nn in nets]
    results: dict[int, list] = {}

    def work(i):
        results[i] = [np.array_equal(nets[i].predict(X), want[i]) for _ in range(20)]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(all(r) for r in results.values()) and len(results) == 4


def test_an_epoch_keeps_the_sign_of_a_zero_bias_gradient_as_steps_do():
    """Bit for bit includes the sign of zero. A relu output below 0 for a target above: the delta is
    (a − y)·relu'(z) = −1 · 0 = −0.0, and one sample's bias gradient is that row itself (a sum through
    BLAS would give +0.0). A bias of −0.0 then becomes −0.0 − lr·(−0.0) = +0.0."""
    nn = Network(1, [(2, True, "relu")], seed=0)  # two units: NumPy's dot keeps a 1 × 1 product's -0.0
    nn.layers[0].weights[...] = -1.0
    nn.layers[0].bias[...] = -0.0
    stepped = nn.copy()
    X, y = [[1.0], [2.0]], [[1.0, 1.0], [1.0, 1.0]]
    Trainer(nn, X, y, lr=0.5).epoch()
    b = Trainer(stepped, X, y, lr=0.5)
    b.step()
    b.step()
    for p, q in zip(nn.parameters(), stepped.parameters(), strict=True):
        assert np.array_equal(p, q) and np.array_equal(np.signbit(p), np.signbit(q))
    assert nn.layers[0].bias.tolist() == [0.0, 0.0] and not np.signbit(nn.layers[0].bias).any()


def test_a_new_threads_first_float32_prediction_stays_in_float32():
    """Its work arrays are made then, in the inputs' dtype: both of them (four layers use each twice)."""
    nn = Network.from_sizes([2, 8, 8, 8, 3], hidden="tanh", output="softmax", seed=2)
    X = np.random.default_rng(0).normal(size=(50, 2)).astype(np.float32)
    want = X.T
    for layer in nn.layers:
        want = layer.columns_forward(want)
    got = []
    thread = threading.Thread(target=lambda: got.append(nn.predict(X)))
    thread.start()
    thread.join()
    assert got[0].dtype == np.float32 and np.array_equal(got[0], want.T)
