"""Training: matches independent reference implementations of the articles' set-ups, honours the
bias flag, never clips silently, is reproducible, and stops cleanly when it diverges."""

import math

import numpy as np
import pytest

from nnviz.core import SGD, Adam, DivergedError, LayerSpecNBF, Momentum, Network, SpecError, Trainer

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([[0.0], [1.0], [1.0], [0.0]])


def _sigmoid(v):
    return 1.0 / (1.0 + math.exp(-v))


def reference_001(W1, b1, W2, b2, epochs, lr):
    """Per-sample SGD on a 2-4-1 sigmoid net with SSE, neuron by neuron in plain Python floats.

    Deltas of the hidden layer use the output weights *before* this sample's update.
    """
    W1, b1 = [list(r) for r in W1], list(b1)
    W2, b2 = list(W2[0]), float(b2[0])
    for _ in range(epochs):
        for x, (t,) in zip(XOR_X, XOR_Y):
            h = [_sigmoid(sum(W1[j][k] * x[k] for k in range(2)) + b1[j]) for j in range(4)]
            o = _sigmoid(sum(W2[j] * h[j] for j in range(4)) + b2)
            d_o = 2.0 * (o - t) * o * (1.0 - o)
            d_h = [h[j] * (1.0 - h[j]) * W2[j] * d_o for j in range(4)]
            for j in range(4):
                W2[j] -= lr * d_o * h[j]
                for k in range(2):
                    W1[j][k] -= lr * d_h[j] * x[k]
                b1[j] -= lr * d_h[j]
            b2 -= lr * d_o
    return np.array(W1), np.array(b1), np.array([W2]), np.array([b2])


def test_per_sample_sse_sgd_matches_reference_of_article_001():
    nn = Network.from_sizes([2, 4, 1], hidden="sigmoid", output="sigmoid", init="small_normal", seed=7)
    start = [p.copy() for p in nn.parameters()]
    nn.train(XOR_X, XOR_Y, epochs=100, lr=0.05, loss="sse", verbose=False)
    expected = reference_001(*start, epochs=100, lr=0.05)
    for got, want in zip(nn.parameters(), expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-10)


def reference_002(W1, b1, W2, b2, epochs, lr):
    """Full-batch gradient descent, ReLU hidden, sigmoid output, mean binary cross-entropy.

    Written in the article's layout (weights of shape (n_in, n_out), samples in rows), with every
    gradient taken before any weight changes.
    """
    W1, b1, W2, b2 = W1.T.copy(), b1[None, :].copy(), W2.T.copy(), b2[None, :].copy()
    m = len(XOR_X)
    for _ in range(epochs):
        Z1 = XOR_X @ W1 + b1
        A1 = np.maximum(Z1, 0.0)
        A2 = 1.0 / (1.0 + np.exp(-(A1 @ W2 + b2)))
        d2 = A2 - XOR_Y
        dW2, db2 = A1.T @ d2 / m, d2.sum(axis=0, keepdims=True) / m
        d1 = (d2 @ W2.T) * (Z1 > 0)
        dW1, db1 = XOR_X.T @ d1 / m, d1.sum(axis=0, keepdims=True) / m
        W1, b1, W2, b2 = W1 - lr * dW1, b1 - lr * db1, W2 - lr * dW2, b2 - lr * db2
    return W1.T, b1[0], W2.T, b2[0]


def test_full_batch_bce_relu_matches_reference_of_article_002():
    nn = Network.from_sizes([2, 4, 1], hidden="relu", output="sigmoid", init="he", seed=11)
    start = [p.copy() for p in nn.parameters()]
    nn.train(XOR_X, XOR_Y, epochs=100, lr=0.5, loss="bce", batch_size=4, verbose=False)
    expected = reference_002(*start, epochs=100, lr=0.5)
    for got, want in zip(nn.parameters(), expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-10)


@pytest.mark.parametrize("hidden", ["tanh", "relu", "gelu"])
@pytest.mark.parametrize("loss,output", [("mse", "tanh"), ("sse", "sigmoid"), ("bce", "sigmoid")])
def test_fast_per_sample_path_equals_batch_backprop_with_sgd(hidden, loss, output):
    """The per-sample SGD fast path does the arithmetic of backprop on a batch of one + SGD."""
    fast = Network.from_sizes([2, 3, 3, 1], hidden=hidden, output=output, seed=2)
    slow = fast.copy()
    fast.train(XOR_X, XOR_Y, epochs=20, lr=0.1, loss=loss, verbose=False)
    sgd = SGD(lr=0.1)
    for _ in range(20):
        for i in range(4):
            grads, _, _ = slow.backprop(XOR_X[i : i + 1], XOR_Y[i : i + 1], loss)
            sgd.update(slow.parameters(), grads)
    for a, b in zip(fast.parameters(), slow.parameters(), strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


def test_a_switched_off_bias_is_never_added_nor_trained():
    nn = Network(2, [LayerSpecNBF(3, False, "tanh"), LayerSpecNBF(1, False, "linear")], seed=0)
    assert all(layer.bias is None for layer in nn.layers)
    assert len(nn.parameters()) == 2
    nn.train(XOR_X, XOR_Y, epochs=50, lr=0.1, verbose=False)
    # Without any bias, tanh and linear layers map 0 to exactly 0, however trained.
    assert nn.predict(np.zeros((1, 2)))[0, 0] == 0.0


def test_gradients_are_not_clipped_unless_asked():
    nn = Network.from_sizes([2, 2, 1], hidden="linear", output="linear", seed=0)
    X, Y = np.array([[100.0, -80.0]]), np.array([[500.0]])
    grads, _, _ = nn.backprop(X, Y, "mse")
    assert max(np.abs(g).max() for g in grads) > 10  # large, and used as is
    before = [p.copy() for p in nn.parameters()]
    Trainer(nn, X, Y, lr=1e-4).step()
    for p, b, g in zip(nn.parameters(), before, grads, strict=True):
        np.testing.assert_allclose(p, b - 1e-4 * g)
    clipped = Network.from_sizes([2, 2, 1], hidden="linear", output="linear", seed=0)
    Trainer(clipped, X, Y, lr=1e-4, clip=1.0).step()
    for p, b, g in zip(clipped.parameters(), before, grads, strict=True):
        np.testing.assert_allclose(p, b - 1e-4 * np.clip(g, -1, 1))


def test_seeded_runs_are_bit_identical():
    def run():
        nn = Network.from_sizes([2, 8, 8, 1], hidden="tanh", output="sigmoid", seed=123)
        rng = np.random.default_rng(0)
        X = rng.normal(size=(50, 2))
        y = (X[:, :1] * X[:, 1:] > 0).astype(float)
        t = Trainer(nn, X, y, loss="bce", optimizer="adam", lr=0.01, batch_size=10, shuffle=True, seed=9)
        t.run(30)
        return nn, t.history

    (a, ha), (b, hb) = run(), run()
    assert ha == hb
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        assert np.array_equal(p, q)


def test_divergence_raises_and_keeps_the_last_finite_weights():
    nn = Network.from_sizes([2, 4, 1], hidden="linear", output="linear", seed=0)
    X, Y = np.array([[3.0, -2.0], [1.0, 4.0]]), np.array([[1.0], [-1.0]])
    t = Trainer(nn, X, Y, lr=0.2, batch_size=1)
    last_good = [p.copy() for p in nn.parameters()]
    with pytest.raises(DivergedError, match="diverged") as info:
        for _ in range(1000):
            t.epoch()
            last_good = [p.copy() for p in nn.parameters()]
    assert t.epochs_done > 1 and info.value.epoch == t.epochs_done
    assert np.isfinite(t.history).all()
    for p, good in zip(nn.parameters(), last_good, strict=True):
        assert np.array_equal(p, good)
    assert nn.loss(X, Y) == t.history[-1]


def test_step_trains_one_batch_and_epoch_completes_the_rest():
    nn = Network.from_sizes([2, 3, 1], hidden="tanh", output="sigmoid", seed=0)
    t = Trainer(nn, XOR_X, XOR_Y, batch_size=3)
    assert t.batches_per_epoch == 2
    t.step()
    assert t.epochs_done == 0
    t.step()
    assert t.epochs_done == 1
    t.step()
    t.epoch()
    assert t.epochs_done == 2
    assert len(t.run(3)) == 3 and t.epochs_done == 5


def test_momentum_and_adam_follow_their_update_rules():
    p, g = np.array([1.0, -2.0]), np.array([0.5, 0.25])
    m = Momentum(lr=0.1, beta=0.9)
    m.update([p], [g])
    m.update([p], [g])
    np.testing.assert_allclose(p, [1.0, -2.0] - 0.1 * g - (0.9 * 0.1 * g + 0.1 * g))
    q = np.array([1.0, -2.0])
    adam = Adam(lr=0.01)
    adam.update([q], [g])
    # After one step Adam moves every coordinate by lr in the direction of -sign(g) (bias-corrected).
    np.testing.assert_allclose(q, [1.0 - 0.01, -2.0 - 0.01], rtol=1e-6)


def test_l2_and_l1_penalties_act_on_weights_only():
    nn = Network.from_sizes([2, 2, 1], hidden="linear", output="linear", seed=4)
    X, Y = np.array([[0.5, -1.0]]), np.array([[0.2]])
    grads, _, _ = nn.backprop(X, Y)
    before = [p.copy() for p in nn.parameters()]
    Trainer(nn, X, Y, lr=0.1, l1=0.01, l2=0.1).step()
    for i, (p, b, g) in enumerate(zip(nn.parameters(), before, grads, strict=True)):
        is_weight = b.ndim == 2
        penalty = 0.1 * b + 0.01 * np.sign(b) if is_weight else 0.0
        np.testing.assert_allclose(p, b - 0.1 * (g + penalty), err_msg=f"parameter {i}")


def test_train_prints_about_ten_lines_and_survives_few_epochs(capsys):
    nn = Network.from_sizes([2, 2, 1], hidden="tanh", output="sigmoid", seed=0)
    history = nn.train(XOR_X, XOR_Y, epochs=100)
    assert len(history) == 100
    assert len(capsys.readouterr().out.strip().splitlines()) == 10
    nn.train(XOR_X, XOR_Y, epochs=3)
    assert len(capsys.readouterr().out.strip().splitlines()) == 3


def test_bad_training_settings_are_clear_errors():
    nn = Network.from_sizes([2, 2, 1], seed=0)
    with pytest.raises(SpecError, match="batch_size"):
        Trainer(nn, XOR_X, XOR_Y, batch_size=0)
    with pytest.raises(SpecError, match="targets"):
        Trainer(nn, XOR_X, np.zeros((4, 3)))
    with pytest.raises(SpecError, match="loss"):
        Trainer(nn, XOR_X, XOR_Y, loss="hinge")
    with pytest.raises(SpecError, match="optimizer"):
        Trainer(nn, XOR_X, XOR_Y, optimizer="lbfgs")


@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("loss,output", [("mse", "tanh"), ("bce", "sigmoid")])
def test_fused_mini_batch_path_equals_batch_backprop_with_sgd(loss, output, shuffle):
    """Plain SGD epochs take a fused loop; it must do exactly what step-by-step batches do."""
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(11, 2)), (rng.random((11, 1)) > 0.5).astype(float)
    fused = Network.from_sizes([2, 5, 3, 1], hidden="relu", output=output, seed=8)
    stepped = fused.copy()
    a = Trainer(fused, X, Y, loss=loss, lr=0.2, batch_size=4, shuffle=shuffle, seed=1)
    b = Trainer(stepped, X, Y, loss=loss, lr=0.2, batch_size=4, shuffle=shuffle, seed=1)
    a.run(5)
    for _ in range(5 * b.batches_per_epoch):
        b.step()
    assert a.history == b.history
    for p, q in zip(fused.parameters(), stepped.parameters(), strict=True):
        assert np.array_equal(p, q)


def _stepped_copy(nn, X, Y, loss, lr, batch_size, shuffle, seed, epochs):
    """``nn``'s copy trained by ``Network.backprop`` + ``SGD.update``, batch by batch, as a reference."""
    twin = nn.copy()
    order_rng = np.random.default_rng(seed)
    sgd = SGD(lr=lr)
    for _ in range(epochs):
        order = order_rng.permutation(len(X)) if shuffle else np.arange(len(X))
        for start in range(0, len(X), batch_size):
            idx = order[start : start + batch_size]
            grads, _, _ = twin.backprop(X[idx], Y[idx], loss)
            sgd.update(twin.parameters(), grads)
    return twin


@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize(
    "sizes,hidden,output,loss,batch_size",
    [
        ([2, 4, 2, 1], "tanh", "sigmoid", "bce", 10),  # the app's default set-up
        ([2, 8, 8, 8, 1], "tanh", "sigmoid", "bce", 10),
        ([2, 5, 3, 1], "sigmoid", "sigmoid", "sse", 4),
        ([2, 5, 3, 1], "x/(1+abs(x))", "tanh", "mse", 8),  # a compiled formula
        ([2, 3, 1], "relu", "linear", "mse", 1),  # per-sample
        ([2, 3, 1], "gelu", "x/(1+abs(x))/2+0.5", "bce", 1),  # BCE without a sigmoid output
    ],
)
def test_fused_sgd_is_bit_identical_to_backprop_and_sgd_update(
    sizes, hidden, output, loss, batch_size, shuffle
):
    """The fused loops equal stepping with Network.backprop + SGD.update bit for bit, over several
    epochs: 21 samples leave a last batch of one, and the hidden layer has no bias."""
    rng = np.random.default_rng(5)
    X, Y = rng.normal(size=(21, 2)), (rng.random((21, 1)) > 0.5).astype(float)
    specs = [(n, i != 1, hidden) for i, n in enumerate(sizes[1:-1])] + [(sizes[-1], True, output)]
    fused = Network(2, specs, seed=4)
    stepped = _stepped_copy(fused, X, Y, loss, 0.1, batch_size, shuffle, seed=6, epochs=4)
    trainer = Trainer(fused, X, Y, loss=loss, lr=0.1, batch_size=batch_size, shuffle=shuffle, seed=6)
    trainer.run(4)
    for p, q in zip(fused.parameters(), stepped.parameters(), strict=True):
        assert np.array_equal(p, q)
    assert trainer.history[-1] == stepped.loss(X, Y, loss)


def test_fused_epochs_leave_the_networks_own_arrays_in_place():
    """The fused loop trains a packed copy and writes it back into the same arrays."""
    nn = Network.from_sizes([2, 4, 1], hidden="tanh", output="sigmoid", seed=0)
    arrays = nn.parameters()
    before = [p.copy() for p in arrays]
    Trainer(nn, XOR_X, XOR_Y, loss="bce", lr=0.5, batch_size=2).run(3)
    assert all(p is q for p, q in zip(nn.parameters(), arrays, strict=True))
    assert not any(np.array_equal(p, b) for p, b in zip(arrays, before, strict=True))


def test_fused_mini_batch_divergence_keeps_the_last_finite_weights():
    nn = Network.from_sizes([2, 4, 1], hidden="linear", output="linear", seed=0)
    X, Y = np.array([[3.0, -2.0], [1.0, 4.0], [2.0, 2.0]]), np.array([[1.0], [-1.0], [2.0]])
    t = Trainer(nn, X, Y, lr=0.3, batch_size=2)
    last_good = [p.copy() for p in nn.parameters()]
    with pytest.raises(DivergedError):
        for _ in range(1000):
            t.epoch()
            last_good = [p.copy() for p in nn.parameters()]
    for p, good in zip(nn.parameters(), last_good, strict=True):
        assert np.array_equal(p, good)
    assert np.isfinite(t.history).all() and nn.loss(X, Y) == t.history[-1]


def test_an_infinite_weight_is_a_divergence_even_when_the_loss_is_finite():
    # tanh saturates, so an infinite first-layer weight leaves the loss (and every gradient)
    # finite on inputs > 0: only the check of the weights themselves can notice it.
    nn = Network.from_sizes([1, 2, 1], hidden="tanh", output="sigmoid", seed=0)
    X, Y = np.array([[1.0], [2.0]]), np.array([[0.0], [1.0]])
    nn.layers[0].weights[0, 0] = np.inf
    before = [p.copy() for p in nn.parameters()]
    assert math.isfinite(nn.loss(X, Y, "bce"))
    for batch_size in (1, 2):
        with pytest.raises(DivergedError):
            Trainer(nn, X, Y, loss="bce", lr=0.1, batch_size=batch_size).epoch()
        for p, b in zip(nn.parameters(), before, strict=True):
            assert np.array_equal(p, b)
