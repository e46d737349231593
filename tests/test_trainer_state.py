"""Moving a run elsewhere: a trainer (or a playground experiment) that loads another's state continues bit
for bit as the original would have — optimizer moments, shuffling generator, place in the epoch, history."""

from __future__ import annotations

import pickle
from dataclasses import replace

import numpy as np
import pytest

from nnviz.core import DivergedError, Network, Trainer
from nnviz.core.datasets import make_dataset
from nnviz.core.optimizers import SGD, Adam, Momentum
from nnviz.playground.experiment import Experiment
from nnviz.playground.settings import LayerSettings, Settings

rng = np.random.default_rng(0)
X = rng.uniform(-1, 1, size=(7, 2))
Y = (X[:, :1] * X[:, 1:] > 0).astype(float)


def trainer(nn: Network, optimizer: str, **options) -> Trainer:
    return Trainer(nn, X, Y, optimizer=optimizer, lr=0.05, batch_size=3, shuffle=True, seed=11, **options)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
@pytest.mark.parametrize("steps", [0, 2, 3, 4])  # before any step, mid-epoch, at an epoch's end, just after
def test_a_trainer_loaded_with_anothers_state_continues_identically(optimizer, steps):
    original = Network.from_sizes([2, 3, 1], hidden="tanh", output="sigmoid", seed=2)
    first = trainer(original, optimizer)
    first.run(2)
    for _ in range(steps):
        first.step()
    state = pickle.loads(pickle.dumps(first.state()))  # plain data: it crosses a process boundary

    moved = original.copy()
    second = trainer(moved, optimizer)
    second.load_state(state)
    assert second.epochs_done == first.epochs_done and second.history == first.history
    losses = [first.step() for _ in range(5)] + first.run(3)
    assert [second.step() for _ in range(5)] + second.run(3) == losses
    for p, q in zip(original.parameters(), moved.parameters(), strict=True):
        assert np.array_equal(p, q)
    assert second.history == first.history


def test_the_state_is_a_copy():
    nn = Network.from_sizes([2, 3, 1], seed=0)
    t = trainer(nn, "adam")
    t.run(1)
    t.step()
    state = t.state()
    before = pickle.dumps(state)
    t.run(2)
    assert pickle.dumps(state) == before
    assert state["position"] == 3 and state["history"] == t.history[:1]
    assert state["snapshot"] is not None and all(isinstance(p, np.ndarray) for p in state["snapshot"])
    at_start = trainer(nn, "sgd").state()
    assert at_start["snapshot"] is None and at_start["position"] == 0 and at_start["history"] == []


def test_a_divergence_after_loading_goes_back_to_the_epochs_start():
    nn = Network.from_sizes([2, 3, 1], hidden="linear", output="linear", seed=0)
    t = Trainer(nn, X, Y * 100, lr=0.05, batch_size=2)
    t.run(1)
    start = [p.copy() for p in nn.parameters()]  # epoch 2 starts here
    t.step()
    t.step()  # mid-epoch
    moved = nn.copy()
    second = Trainer(moved, X, Y * 100, lr=0.05, batch_size=2)
    second.load_state(t.state())
    second.optimizer.lr = 1e150  # diverge now, within this epoch
    with pytest.raises(DivergedError, match="diverged in epoch 2") as info, np.errstate(all="ignore"):
        for _ in range(2):
            second.step()
    assert info.value.epoch == 1
    for p, q in zip(moved.parameters(), start, strict=True):
        assert np.array_equal(p, q)


@pytest.mark.parametrize(
    "make, state",
    [
        (lambda: SGD(0.3), {"lr": 0.3}),
        (lambda: Momentum(0.3, beta=0.8), {"lr": 0.3, "beta": 0.8, "velocity": []}),
        (lambda: Adam(0.3, beta1=0.8, beta2=0.9, eps=1e-6),
         {"lr": 0.3, "betas": (0.8, 0.9), "eps": 1e-6, "t": 0, "m": [], "v": []}),
    ],
)  # fmt: skip
def test_optimizer_state_holds_its_settings(make, state):
    assert make().state() == state
    other = type(make())(lr=1.0)
    other.load_state(make().state())
    assert other.state() == state


@pytest.mark.parametrize("kind", [Momentum, Adam])
def test_optimizer_state_moves_its_moments(kind):
    params = [np.array([1.0, -2.0]), np.array([[0.5]])]
    grads = [np.array([0.3, -0.1]), np.array([[2.0]])]
    a = kind(lr=0.1)
    for _ in range(3):
        a.update(params, grads)
    b = kind(lr=0.7)
    b.load_state(a.state())
    twin = [p.copy() for p in params]
    a.update(params, grads)
    b.update(twin, grads)
    for p, q in zip(params, twin):
        assert np.array_equal(p, q)
    saved = a.state()
    frozen = pickle.dumps(saved)
    a.update(params, grads)  # moves a's moments, not the saved copies
    assert pickle.dumps(saved) == frozen


def test_an_experiment_resumed_elsewhere_continues_identically():
    settings = replace(Settings(), optimizer="adam", shuffle=True, batch_size=4, hidden=(LayerSettings(3),))
    here = Experiment(settings)
    here.train(epochs=3)
    here.step_batch()
    state = pickle.loads(pickle.dumps(here.training_state()))
    there = Experiment.resumed(settings, here.dataset, state)
    assert (there.epoch, there.batch) == (here.epoch, here.batch) == (3, 1)
    assert there.train_log.arrays()[1].tolist() == here.train_log.arrays()[1].tolist()
    assert there.test_log.arrays()[1].tolist() == here.test_log.arrays()[1].tolist()
    here.train(epochs=2)
    there.train(epochs=2)
    assert there.epoch == here.epoch == 5
    for p, q in zip(here.nn.parameters(), there.nn.parameters(), strict=True):
        assert np.array_equal(p, q)
    assert there.train_log.arrays()[1].tolist() == here.train_log.arrays()[1].tolist()


def test_loading_a_training_state_keeps_the_sessions_model_metadata_and_the_error():
    settings = replace(Settings(), dataset="xor_table", hidden=(LayerSettings(2),))
    source = Experiment(settings)
    source.train(epochs=2)
    source.error = "stopped"
    source.epochs_per_second = 12.5
    state = source.training_state()
    target = Experiment(settings)
    target.nn.metadata = {"dataset": "xor_table"}
    target.load_training(state)
    assert target.nn.metadata == {"dataset": "xor_table"}
    assert (target.error, target.epochs_per_second, target.epoch) == ("stopped", 12.5, 2)
    assert Network.from_bytes(state.model).metadata.get("epoch") is None  # the state's model carries none
    target.train_log.add(99, 1.0)
    assert source.train_log.last != (99, 1.0)  # the logs were copied


def test_a_resumed_experiment_trains_on_the_dataset_it_is_given():
    settings = replace(Settings(), points=60, hidden=(LayerSettings(2),))
    other_data = make_dataset("circle", 60, 0.0, 0.5, 7)  # not what the settings would generate
    state = Experiment(settings).training_state()
    resumed = Experiment.resumed(settings, other_data, state)
    assert resumed.dataset is other_data
