"""A playground session's runs and messages: what each change tells the learner, which earlier runs are
kept and how they come back, when the data is regenerated, and what a drawn frame contains."""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np
import pytest

from nnviz.core.datasets import make_dataset
from nnviz.core.errors import SpecError
from nnviz.core.grid import decision_grid, neuron_grids
from nnviz.playground.experiment import MAX_RUNS, Experiment
from nnviz.playground.settings import LayerSettings, Settings, describe

SMALL = replace(Settings(), dataset="xor_table", hidden=(LayerSettings(2),), batch_size=0)


class CountingData:
    """A ``make_data`` that counts how often the data is generated."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, *args):
        self.calls += 1
        return make_dataset(*args)


def test_the_data_is_generated_again_only_when_a_data_setting_changes():
    make = CountingData()
    pg = Experiment(replace(Settings(), points=100), make_data=make)
    assert make.calls == 1
    pg.apply(replace(pg.settings, hidden=(LayerSettings(3),)))
    pg.apply(replace(pg.settings, lr=0.1, optimizer="adam"))
    assert make.calls == 1
    pg.apply(replace(pg.settings, noise=0.2))
    assert make.calls == 2
    pg.apply(pg.settings, rebuild=True)  # a forced rebuild draws the data again
    assert make.calls == 3


def test_each_change_tells_the_learner_what_it_did():
    pg = Experiment(SMALL)
    assert pg.apply(replace(pg.settings, hidden=(LayerSettings(3, True, "relu"),))) == "rebuilt"
    assert pg.notice == "New network: xor_table · 2-3-1 relu"
    pg.notice = None
    assert pg.apply(replace(pg.settings, lr=0.5)) == "lr"
    assert pg.notice is None  # the learning rate alone: nothing to say
    assert pg.apply(replace(pg.settings, loss="mse")) == "trainer"
    assert pg.notice == "Training settings changed; the weights and the epoch count are kept."
    assert pg.apply(replace(pg.settings, epochs_per_frame=5)) == "none"


def test_same_start_takes_training_and_speed_settings_and_refuses_the_rest_saying_why():
    pg = Experiment(SMALL)
    initial = [p.copy() for p in pg.nn.parameters()]
    pg.train(epochs=3)
    changed = replace(pg.settings, lr=0.5, batch_size=1, epochs_per_frame=5)
    pg.same_start(changed)
    assert pg.settings == changed and pg.epoch == 0
    assert all(np.array_equal(a, b) for a, b in zip(initial, pg.nn.parameters()))
    pg.same_start(replace(pg.settings, epochs_per_frame=20))  # a speed setting alone
    assert pg.settings.epochs_per_frame == 20
    message = "Same start keeps the data and the network: change training settings only"
    for other, groups in (
        (replace(pg.settings, noise=0.3), ["data"]),
        (replace(pg.settings, hidden=(LayerSettings(3),), dataset="xor", lr=0.1), ["architecture", "data"]),
    ):
        with pytest.raises(SpecError) as info:
            pg.same_start(other)
        assert info.value.errors == dict.fromkeys(groups, message)
    assert pg.settings.epochs_per_frame == 20 and pg.settings.noise == SMALL.noise


def test_new_data_puts_the_loss_on_it_at_the_current_epoch_on_both_curves():
    from nnviz.playground import your_data

    pg = Experiment(replace(Settings(), points=40))
    pg.train(epochs=2)
    before = pg.train_log.last
    own = your_data.of(make_dataset("moons", 60, 0.1, 0.5, 3))
    pg.set_data(own)

    def bce(X, y):  # the mean binary cross-entropy of the network's outputs, worked out here
        p = np.clip(pg.nn.predict(X).ravel(), 1e-12, 1 - 1e-12)
        y = np.ravel(y)
        return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))

    epoch, loss = pg.train_log.last
    assert epoch == 2 and loss == pytest.approx(bce(own.X_train, own.y_train), rel=1e-9)
    assert loss != pytest.approx(before[1], rel=1e-6)  # the old data's loss is no longer the latest
    assert pg.test_log.last[0] == 2
    assert pg.test_log.last[1] == pytest.approx(bce(own.X_test, own.y_test), rel=1e-9)
    assert pg.train_log.arrays()[1][-1] == loss  # the curve ends on it


def test_a_resumed_run_on_your_data_trains_on_that_data():
    """What a worker does with a Your-data run it is given: the data it was given, not an empty canvas."""
    from nnviz.core.datasets import CUSTOM as YOUR_DATA
    from nnviz.playground import your_data

    own = your_data.of(make_dataset("moons", 60, 0.1, 0.5, 3))
    source = Experiment(replace(Settings(), dataset=YOUR_DATA), own=own)
    source.train(epochs=2)
    exp = Experiment.resumed(source.settings, own, source.training_state())
    assert exp.own is own and exp.dataset is own and np.array_equal(exp.X_train, own.X_train)
    assert exp.epoch == 2 and exp.train(epochs=1) == 1
    source.train(epochs=1)
    assert np.array_equal(exp.nn.predict(own.X_test), source.nn.predict(own.X_test))  # bit for bit


def test_rebuilt_runs_are_kept_newest_first_with_a_label():
    pg = Experiment(SMALL)
    pg.apply(replace(pg.settings, hidden=(LayerSettings(3),)))
    assert pg.runs == []  # an untrained run is not worth keeping
    for size in range(2, 2 + MAX_RUNS + 2):
        pg.train(epochs=size)
        trained = (pg.nn, pg.initial, pg.train_log, pg.test_log, pg.settings)
        pg.apply(replace(pg.settings, hidden=(LayerSettings(size),)))
        newest = pg.runs[0]
        assert (newest.nn, newest.initial, newest.train_log, newest.test_log, newest.settings) == trained
        assert newest.epoch == size
        loss = trained[2].last[1]
        assert (
            newest.label
            == f"xor_table · 2-{trained[4].hidden[0].size}-1 tanh · epoch {size} · loss {loss:.4g}"
        )
    assert len(pg.runs) == MAX_RUNS == 5
    assert [run.epoch for run in pg.runs] == [8, 7, 6, 5, 4]


def test_a_restored_run_comes_back_and_the_current_one_takes_its_place():
    pg = Experiment(SMALL)
    pg.train(epochs=4)
    first_weights = [p.copy() for p in pg.nn.parameters()]
    first_log = pg.train_log.arrays()
    pg.apply(replace(pg.settings, hidden=(LayerSettings(3),)))
    pg.train(epochs=2)
    pg.error = "old trouble"
    label = pg.runs[0].label
    settings = pg.restore(0)
    assert settings == SMALL == pg.settings and pg.epoch == 4
    assert pg.notice == f"Restored {label}" and pg.error is None
    assert all(np.array_equal(p, q) for p, q in zip(pg.nn.parameters(), first_weights))
    assert pg.train_log.arrays()[1].tolist() == first_log[1].tolist()
    assert [run.epoch for run in pg.runs] == [2] and pg.runs[0].settings.hidden == (LayerSettings(3),)
    pg.train(epochs=1)
    assert pg.epoch == 5


def test_new_weights_take_the_next_seed_and_wrap_around():
    pg = Experiment(replace(SMALL, weight_seed=2**31 - 1))
    assert pg.new_weights().weight_seed == 0 == pg.settings.weight_seed
    assert pg.new_weights().weight_seed == 1


def test_a_divergence_ends_the_batch_count_and_names_the_loss():
    pg = Experiment(
        replace(
            Settings(),
            dataset="plane",
            loss="mse",
            lr=3.0,
            batch_size=10,
            output=LayerSettings(1, True, "linear"),
        )
    )
    pg.step_batch()
    assert pg.batch == 1
    for _ in range(100):
        pg.train(epochs=1)
        if pg.error:
            break
    assert pg.batch == 0
    last = pg.train_log.last
    assert pg.error == (
        f"Training diverged in epoch {pg.epoch + 1}: a loss or weight became NaN or infinite. "
        f"The network is back at its weights after epoch {pg.epoch} (loss {last[1]:.3g}); lower the learning "
        "rate or change the set-up."
    )


def test_a_frame_draws_the_networks_inputs_at_the_default_sizes():
    settings = replace(
        Settings(),
        features=("x1", "x2", "x1*x2"),
        hidden=(LayerSettings(3),),
        output=LayerSettings(1, False, "sigmoid"),
    )
    pg = Experiment(settings)
    pg.train(epochs=1)
    frame = pg.frame()
    box = pg.dataset.box
    assert frame.grid.shape == (100, 100) and [m.shape for m in frame.maps] == [
        (3, 24, 24),
        (3, 24, 24),
        (1, 24, 24),
    ]
    np.testing.assert_array_equal(frame.grid, decision_grid(pg.nn, box, 100, pg.features))
    np.testing.assert_array_equal(frame.maps[0], neuron_grids(pg.nn, box, 24, pg.features)[0])
    assert frame.biases[1] is None and np.array_equal(frame.biases[0], pg.nn.layers[0].bias)
    assert frame.biases[0] is not pg.nn.layers[0].bias  # copies: training goes on
    epochs, values = frame.test_curve
    assert epochs.tolist() == [0, 1] and len(values) == 2
    assert frame.train_curve[0].tolist() == [0, 1]


def test_a_frame_of_huge_weights_warns_nothing():
    pg = Experiment(SMALL)
    pg.set_weight(0, 0, 0, 1e300)
    pg.set_weight(1, 0, 0, 1e300)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        frame = pg.frame(8, 4)
    assert frame.grid.shape == (8, 8)


def test_editing_a_weight_says_what_is_wrong():
    pg = Experiment(replace(SMALL, output=LayerSettings(1, False, "sigmoid")))
    with pytest.raises(SpecError, match=r"^a weight must be a finite number, got nan$"):
        pg.set_weight(0, 0, 0, float("nan"))
    with pytest.raises(SpecError, match=r"^layer 2 has no bias$"):
        pg.set_weight(1, 0, None, 1.0)
    before = pg.train_log.last
    pg.set_weight(0, 0, 0, 3.0)
    assert pg.train_log.last[0] == 0 and pg.train_log.last != before  # the loss shown follows the edit


def test_every_training_setting_reaches_the_trainer_and_the_network():
    settings = replace(
        Settings(),
        optimizer="momentum",
        shuffle=True,
        regularization="l2",
        reg_rate=0.05,
        init="uniform",
        loss="mse",
        batch_size=7,
        lr=0.2,
        data_seed=3,
    )
    pg = Experiment(settings)
    t = pg.trainer
    assert type(t.optimizer).__name__ == "Momentum" and t.optimizer.lr == 0.2
    assert (t.shuffle, t.l1, t.l2, t.batch_size, t.loss.name) == (True, 0.0, 0.05, 7, "mse")
    assert np.abs(pg.nn.layers[0].weights).max() <= 0.5  # uniform, not xavier's normal draws
    l1 = Experiment(replace(settings, regularization="l1"))
    assert (l1.trainer.l1, l1.trainer.l2) == (0.05, 0.0)
    full = Experiment(replace(settings, batch_size=0))
    assert full.trainer.batch_size == len(full.X_train)


def test_metrics_report_the_batch_and_no_accuracy_for_regression():
    pg = Experiment(replace(Settings(), batch_size=10, points=100))
    pg.step_batch()
    m = pg.metrics()
    assert (m.epoch, m.batch, m.batches_per_epoch) == (0, 1, 5)
    assert m.train_loss == pytest.approx(pg.nn.loss(pg.X_train, pg.dataset.y_train, "bce"))
    assert m.test_loss == pytest.approx(pg.nn.loss(pg.X_test, pg.dataset.y_test, "bce"))
    assert m.train_accuracy is not None and m.test_accuracy is not None
    plane = Experiment(
        replace(Settings(), dataset="plane", loss="mse", output=LayerSettings(1, True, "linear"))
    )
    assert plane.metrics().train_accuracy is None and plane.metrics().test_accuracy is None
    no_test = Experiment(replace(Settings(), test_ratio=0.0))
    assert np.isnan(no_test.metrics().test_loss) and no_test.metrics().test_accuracy is None


def test_a_saved_model_keeps_its_test_curve_and_features():
    pg = Experiment(replace(Settings(), features=("x1", "x2", "x1*x2"), hidden=(LayerSettings(3),)))
    pg.train(epochs=3)
    data = pg.model_bytes()
    other = Experiment()
    other.load_model(data)
    assert other.features == ["x1", "x2", "x1*x2"]
    for mine, theirs in ((other.train_log, pg.train_log), (other.test_log, pg.test_log)):
        saved = theirs.arrays()[1].tolist()
        assert mine.arrays()[1].tolist()[: len(saved)] == saved  # the curves go on from where they were
    assert other.epoch == 3 and other.notice == f"Loaded a model: {describe(other.settings)}, epoch 3."
