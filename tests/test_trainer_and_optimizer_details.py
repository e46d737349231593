"""Trainer details the other files leave open: the fused SGD loop on shapes where a slip would show,
the caches it keeps between epochs, the state after a divergence, and the loss of a step on a saturated
sigmoid output."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.core import DivergedError, Network, SpecError, Trainer


def data(n: int = 12, inputs: int = 2, outputs: int = 1, seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, inputs)), rng.normal(size=(n, outputs))


def assert_same(a: Network, b: Network) -> None:
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        np.testing.assert_array_equal(p, q)


@pytest.mark.parametrize("batch_size", [1, 5])
def test_the_fused_epoch_equals_batch_by_batch_steps_with_more_outputs_than_one(batch_size):
    # Two inputs and three linear outputs: the first layer has no layer below to pass a delta to, and a
    # derivative taken there would not even fit the shapes.
    X, y = data(outputs=3)
    fused = Network(2, [(4, True, "tanh"), (3, True, "linear")], seed=1)
    stepped = fused.copy()
    a = Trainer(fused, X, y, lr=0.05, batch_size=batch_size)
    b = Trainer(stepped, X, y, lr=0.05, batch_size=batch_size)
    for _ in range(3):
        a.epoch()
        for _ in range(b.batches_per_epoch):
            b.step()
    assert_same(fused, stepped)
    assert a.history == b.history


def test_new_data_given_to_a_trainer_is_what_its_next_epoch_trains_on():
    X1, y1 = data(seed=1)
    X2, y2 = data(seed=2)
    nn = Network(2, [(3, True, "tanh"), (1, True, "linear")], seed=0)
    t = Trainer(nn, X1, y1, batch_size=4)
    t.epoch()
    reference = nn.copy()
    t.X, t.Y = np.ascontiguousarray(X2), y2
    t.epoch()
    fresh = Trainer(reference, X2, y2, batch_size=4)
    fresh.epoch()
    assert_same(nn, reference)
    assert t.history[-1] == fresh.history[-1]


def test_a_network_whose_layers_were_replaced_trains_its_new_layers():
    X, y = data()
    nn = Network(2, [(3, True, "tanh"), (1, True, "linear")], seed=0)
    t = Trainer(nn, X, y)
    t.epoch()
    nn.layers = Network(2, [(5, True, "tanh"), (2, False, "tanh"), (1, True, "linear")], seed=3).layers
    reference = nn.copy()
    t.epoch()
    Trainer(reference, X, y).epoch()
    assert_same(nn, reference)


def test_after_a_divergence_no_epoch_is_under_way_and_the_state_has_no_snapshot():
    X, y = data()
    nn = Network(2, [(4, True, "linear"), (1, True, "linear")], seed=0)
    t = Trainer(nn, X, y, lr=10.0)
    with pytest.raises(DivergedError), np.errstate(all="ignore"):
        t.run(100)
    state = t.state()
    assert state["snapshot"] is None and state["position"] == 0


def test_a_step_on_a_saturated_sigmoid_output_has_the_loss_from_the_logits():
    # Output z = 40 for a sample labelled 0: σ(z) rounds to 1.0, so log(1 - a) would be -inf (and the
    # step a divergence); the loss from the logits is softplus(40) = 40. Three layers, so the output
    # layer is neither the second nor the second from last.
    nn = Network(1, [(1, True, "tanh"), (1, True, "tanh"), (1, True, "sigmoid")], seed=0)
    for layer in nn.layers[:2]:
        layer.weights[...] = 1.0
        layer.bias[...] = 0.0
    out = nn.layers[2]
    out.weights[...] = 0.0
    out.bias[...] = 40.0
    t = Trainer(nn, [[0.5]], [0.0], loss="bce", lr=0.0)
    assert t.step() == 40.0


def test_a_whole_epoch_with_a_penalty_or_clipping_equals_its_steps_which_apply_them():
    # Penalties and clipping are not part of the fused SGD loop: an epoch with one must take the general path.
    X, y = data()
    for options in ({"l2": 0.5}, {"l1": 0.3}, {"clip": 1e-3}):
        a = Network(2, [(3, True, "tanh"), (1, True, "linear")], seed=0)
        b = a.copy()
        plain = a.copy()
        Trainer(a, X, y, lr=0.1, batch_size=4, **options).epoch()
        stepped = Trainer(b, X, y, lr=0.1, batch_size=4, **options)
        for _ in range(stepped.batches_per_epoch):
            stepped.step()
        Trainer(plain, X, y, lr=0.1, batch_size=4).epoch()
        assert_same(a, b)
        assert not np.array_equal(a.layers[0].weights, plain.layers[0].weights)


def test_no_epoch_is_under_way_in_the_state_after_a_whole_epoch():
    X, y = data()
    nn = Network(2, [(3, True, "tanh"), (1, True, "linear")], seed=0)
    for options in ({}, {"optimizer": "adam"}):
        t = Trainer(nn, X, y, batch_size=5, **options)
        t.epoch()
        assert t.state()["snapshot"] is None
        t.step()  # an epoch under way keeps the weights it started from
        assert len(t.state()["snapshot"]) == len(nn.parameters())


def test_the_default_learning_rate_is_a_hundredth():
    X, y = data()
    t = Trainer(Network(2, [(1, True, "linear")], seed=0), X, y)
    assert t.optimizer.lr == 0.01 and t.loss.name == "mse"


def test_float32_data_is_trained_in_float64():
    X, y = data()
    t = Trainer(Network(2, [(1, True, "linear")], seed=0), X.astype(np.float32), y)
    assert t.X.dtype == np.float64 and t.X.flags.c_contiguous


def test_the_refusals_say_what_was_wrong():
    X, y = data()
    nn = Network(2, [(1, True, "linear")], seed=0)
    with pytest.raises(SpecError, match=r"^X has 12 samples but y has 11; need the same, at least 1$"):
        Trainer(nn, X, y[:11])
    with pytest.raises(SpecError, match=r"^X has 0 samples but y has 0; need the same, at least 1$"):
        Trainer(nn, X[:0], y[:0])
    for bad in (True, 2.5, 0, "4"):
        with pytest.raises(SpecError, match=r"^batch_size must be a whole number ≥ 1, got "):
            Trainer(nn, X, y, batch_size=bad)
    for bad in (0, 0.0, -1.0, float("nan")):
        with pytest.raises(SpecError, match=rf"^clip must be positive or None, got {bad!r}$"):
            Trainer(nn, X, y, clip=bad)
    assert Trainer(nn, X, y, batch_size=np.int64(3), clip=1e-9).batch_size == 3


def _twins(**options):
    """Two trainers of one network's copies on the same data: one trained by epochs, one by steps."""
    X, y = data()
    nn = Network(2, [(3, True, "tanh"), (1, True, "linear")], seed=0)
    return Trainer(nn, X, y, lr=0.1, **options), Trainer(nn.copy(), X, y, lr=0.1, **options)


def _step_an_epoch(t: Trainer) -> None:
    for _ in range(t.batches_per_epoch):
        t.step()


def test_shuffling_switched_on_after_a_full_batch_epoch_trains_on_the_shuffled_batch():
    # The forward pass kept from the last epoch's loss is in the data's order: a shuffled batch needs its own.
    a, b = _twins(batch_size=12, seed=7)
    a.epoch()
    _step_an_epoch(b)
    a.shuffle = b.shuffle = True
    a.epoch()
    _step_an_epoch(b)
    assert_same(a.nn, b.nn)
    assert a.history == b.history


def test_a_batch_size_lowered_after_a_full_batch_epoch_is_what_the_next_epoch_trains_with():
    a, b = _twins(batch_size=12)
    a.epoch()
    _step_an_epoch(b)
    a.batch_size = b.batch_size = 4
    a.epoch()
    _step_an_epoch(b)
    assert_same(a.nn, b.nn)
    assert a.history == b.history


@pytest.mark.parametrize("before,after", [(12, 12), (4, 3)])
def test_new_data_and_batch_size_given_to_a_trainer_are_what_its_next_epoch_uses(before, after):
    X1, y1 = data(seed=1)
    X2, y2 = data(seed=2)
    nn = Network(2, [(3, True, "tanh"), (1, True, "linear")], seed=0)
    t = Trainer(nn, X1, y1, batch_size=before)
    t.epoch()
    reference = nn.copy()
    t.X, t.Y, t.batch_size = np.ascontiguousarray(X2), y2, after
    t.epoch()
    fresh = Trainer(reference, X2, y2, batch_size=after)
    fresh.epoch()
    assert_same(nn, reference)
    assert t.history[-1] == fresh.history[-1]


def test_a_divergence_that_shows_only_in_the_epochs_loss_raises_no_floating_point_error():
    # One sigmoid unit, w = 0, b = 10, x = -1, target 0, lr = 1e308: the step itself is finite (its
    # gradients are a·x and a for a = σ(10) ≈ 1), but it leaves w ≈ 1e308, b ≈ -1e308, so the loss's
    # forward pass overflows (z = -w + b → -inf) and bce's y·z is 0·(-inf). Those are what the loss check
    # is for: even where NumPy is told to raise, they end as a DivergedError, the weights restored.
    nn = Network(1, [(1, True, "sigmoid")], seed=0)
    nn.layers[0].weights[...] = 0.0
    nn.layers[0].bias[...] = 10.0
    t = Trainer(nn, [[-1.0]], [[0.0]], loss="bce", lr=1e308)
    with np.errstate(all="raise"), pytest.raises(DivergedError):
        t.epoch()
    assert nn.layers[0].weights.tolist() == [[0.0]] and nn.layers[0].bias.tolist() == [10.0]


def test_fortran_ordered_data_is_copied_in_c_order():
    # Rows of the copy are the batches the fused loop slices: contiguous only in C order.
    X, y = data()
    t = Trainer(Network(2, [(1, True, "linear")], seed=0), np.asfortranarray(X), y)
    assert t.X.flags.c_contiguous and np.array_equal(t.X, X)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum"])
def test_finite_weights_whose_sum_is_not_finite_train_without_a_divergence(optimizer):
    # z = -1e308 + 1e308 = 0 = y: nothing to learn; the weights sum to 2e308, past float64's range.
    for epoch in (True, False):
        nn = Network(1, [(1, True, "linear")], seed=0)
        nn.layers[0].weights[...] = 1e308
        nn.layers[0].bias[...] = 1e308
        trainer = Trainer(nn, [[-1.0]], [[0.0]], lr=0.1, batch_size=1, optimizer=optimizer)
        trainer.epoch() if epoch else trainer.step()
        assert nn.layers[0].weights[0, 0] == 1e308 and nn.layers[0].bias[0] == 1e308
        assert epoch is False or trainer.history == [0.0]
