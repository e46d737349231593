"""Trainer details the big training tests pass over: the loss a step reports, penalties on networks whose
layers differ in bias, and what a divergence says and leaves behind."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.core import DivergedError, Layer, Network, Trainer

X = np.array([[0.5, -1.0], [1.5, 0.25], [-1.0, 2.0], [0.0, 0.5], [2.0, 2.0]])
Y = np.array([[0.2], [0.9], [0.4], [0.1], [0.7]])


def three_layers(seed: int = 0) -> Network:
    """Layers of different widths and activations, the first without bias."""
    return Network(2, [(3, False, "tanh"), (4, True, "relu"), (1, True, "sigmoid")], init="xavier", seed=seed)


def test_a_step_reports_its_batchs_loss_before_the_update():
    nn = three_layers()
    t = Trainer(nn, X, Y, loss="bce", lr=0.5, batch_size=2)
    for start in (0, 2, 4):
        expected = nn.loss(X[start : start + 2], Y[start : start + 2], "bce")
        assert t.step() == pytest.approx(expected, rel=1e-12)
    assert t.epochs_done == 1


@pytest.mark.parametrize("l1, l2", [(0.0, 0.1), (0.05, 0.0), (0.05, 0.1)])
def test_penalties_act_on_every_layers_weights_and_no_bias(l1, l2):
    nn = three_layers()
    nn.layers[1].weights[0, 0] = 0.0  # |w| has slope 0 at 0
    reference = nn.copy()
    Trainer(nn, X, Y, lr=0.1, batch_size=5, l1=l1, l2=l2).step()
    grads = reference.backprop(X, Y).grads
    params = reference.parameters()
    weights = [reference.layers[0].weights, reference.layers[1].weights, reference.layers[2].weights]
    for p, g in zip(params, grads, strict=True):
        penalty = l2 * p + l1 * np.sign(p) if any(p is w for w in weights) else 0.0
        p -= 0.1 * (g + penalty)
    for mine, theirs in zip(nn.parameters(), params, strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-13, atol=1e-15)
    assert nn.layers[1].weights[0, 0] == pytest.approx(reference.layers[1].weights[0, 0])


def diverging_trainer() -> tuple[Network, Trainer, list[np.ndarray]]:
    """A linear network that trains quietly for one epoch, then diverges in the middle of the second."""
    nn = Network(
        2, [Layer(2, 2, True, "linear", [[0.1, 0.2], [0.3, -0.1]]), Layer(2, 1, True, "linear", [[0.5, 0.5]])]
    )
    t = Trainer(nn, X, Y * 100, lr=1e-3, batch_size=2)
    t.run(1)
    start = [p.copy() for p in nn.parameters()]
    t.step()
    t.optimizer.lr = 1e200
    return nn, t, start


def test_a_divergence_says_which_epoch_and_what_to_do():
    nn, t, start = diverging_trainer()
    with pytest.raises(DivergedError) as info, np.errstate(all="ignore"):
        for _ in range(3):
            t.step()
    assert str(info.value) == (
        "training diverged in epoch 2: the loss or a weight became NaN or infinite. The network is back at "
        "its weights from before that epoch; lower the learning rate or change the set-up."
    )
    assert info.value.epoch == 1 == t.epochs_done
    for p, q in zip(nn.parameters(), start, strict=True):
        assert np.array_equal(p, q)


def test_after_a_divergence_the_next_epoch_starts_at_the_first_sample():
    nn, t, start = diverging_trainer()
    with pytest.raises(DivergedError), np.errstate(all="ignore"):
        for _ in range(3):
            t.step()
    t.optimizer.lr = 1e-3
    fresh = nn.copy()
    loss = t.epoch()
    expected = Trainer(fresh, X, Y * 100, lr=1e-3, batch_size=2).epoch()
    assert loss == expected and t.epochs_done == 2 and t.history[-1] == loss
    for p, q in zip(nn.parameters(), fresh.parameters(), strict=True):
        assert np.array_equal(p, q)
    assert t.state()["position"] == 0
