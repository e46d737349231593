"""The session's experiment: validation, what resets what, stepping, frames, files."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from nnviz.core import Network
from nnviz.core.datasets import CUSTOM as YOUR_DATA
from nnviz.core.datasets import make_dataset
from nnviz.core.errors import NNVizError
from nnviz.playground import your_data
from nnviz.playground.experiment import Experiment
from nnviz.playground.loss_log import LossLog
from nnviz.playground.presets import PRESETS
from nnviz.playground.settings import CUSTOM, LayerSettings, Settings, SettingsError


def weights(nn: Network) -> list[np.ndarray]:
    return [p.copy() for p in nn.parameters()]


def same(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))


# --- validation ---------------------------------------------------------------------------------


def test_invalid_settings_name_the_field_and_change_nothing():
    pg = Experiment()
    before = weights(pg.nn)
    with pytest.raises(SettingsError) as info:
        pg.apply(replace(pg.settings, features=(), hidden=(LayerSettings(0),)))
    assert set(info.value.errors) >= {"features", "hidden.0.size"}
    with pytest.raises(SettingsError) as info:
        pg.apply(replace(pg.settings, hidden=(LayerSettings(2, True, CUSTOM, "x +* 2"),)))
    assert "hidden.0.formula" in info.value.errors
    assert same(before, weights(pg.nn)) and pg.settings == Settings()


def test_settings_for_your_data_are_checked_against_that_datas_classes():
    three = your_data.of(make_dataset("spiral3", 60, 0.1, 0.5, 3))
    sigmoid = replace(Settings(), dataset=YOUR_DATA)  # one sigmoid output with bce: for 0/1 labels
    softmax = replace(sigmoid, output=LayerSettings(1, True, "softmax"), loss="cce")
    refusal = {
        "loss": "This data has 3 classes: its output is 3 softmax units with the loss cce (categorical "
        "cross-entropy), not a sigmoid output. The network stays as it was."
    }
    pg = Experiment()  # its Your data: the empty canvas, classes 0 and 1
    pg.check(sigmoid)
    with pytest.raises(SettingsError) as info:
        pg.check(sigmoid, three)  # the data the settings are for, given
    assert info.value.errors == refusal
    pg.check(softmax, three)
    with pytest.raises(SettingsError) as info:
        Experiment(sigmoid, own=three)  # the session's own data
    assert info.value.errors == refusal
    assert Experiment(softmax, own=three).nn.outputs == 3  # a softmax unit a class


def test_an_unknown_activation_does_not_hide_a_later_layers_bad_formula():
    bad = replace(
        Settings(), hidden=(LayerSettings(2, True, "softmax"), LayerSettings(2, True, CUSTOM, "x +* 2"))
    )
    with pytest.raises(SettingsError) as info:
        Experiment().check(bad)
    assert set(info.value.errors) == {"hidden.0.activation", "hidden.1.formula"}
    assert info.value.errors["hidden.0.activation"] == "unknown activation 'softmax'"


# --- what resets what ------------------------------------------------------------------------------


def test_learning_rate_keeps_weights_epochs_and_optimizer_state():
    pg = Experiment(replace(Settings(), optimizer="adam", lr=0.01))
    pg.train(epochs=3)
    optimizer, w = pg.trainer.optimizer, weights(pg.nn)
    assert pg.apply(replace(pg.settings, lr=0.05)) == "lr"
    assert pg.trainer.optimizer is optimizer and optimizer.lr == 0.05
    assert pg.epoch == 3 and same(w, weights(pg.nn)) and not pg.runs


def test_training_changes_keep_weights_and_epochs():
    pg = Experiment()
    pg.train(epochs=2)
    w = weights(pg.nn)
    for change in ({"optimizer": "momentum"}, {"loss": "mse"}, {"batch_size": 0}, {"regularization": "l2"}):
        assert pg.apply(replace(pg.settings, **change)) == "trainer"
        assert pg.epoch == 2 and same(w, weights(pg.nn))
    pg.train(epochs=1)
    assert pg.epoch == 3


def test_data_or_architecture_change_rebuilds_and_keeps_the_trained_run():
    pg = Experiment()
    pg.train(epochs=4)
    trained = pg.nn
    assert pg.apply(replace(pg.settings, dataset="circle")) == "rebuilt"
    assert pg.epoch == 0 and pg.dataset.name == "circle" and pg.nn is not trained
    assert pg.runs[0].nn is trained and pg.runs[0].epoch == 4
    assert pg.apply(replace(pg.settings, hidden=(LayerSettings(3, False, "relu"),))) == "rebuilt"
    assert pg.nn.sizes == [2, 3, 1] and pg.nn.layers[0].bias is None
    assert len(pg.runs) == 1  # an untrained network is not worth keeping
    settings = pg.restore(0)
    assert settings.dataset == "xor" and pg.nn is trained and pg.epoch == 4 and pg.dataset.name == "xor"


def test_speed_changes_nothing():
    pg = Experiment()
    pg.train(epochs=1)
    assert pg.apply(replace(pg.settings, epochs_per_frame=10)) == "none"
    assert pg.epoch == 1


def test_reset_restores_the_same_initial_weights_and_new_weights_differ():
    pg = Experiment()
    first = weights(pg.nn)
    pg.train(epochs=5)
    assert not same(first, weights(pg.nn))
    pg.reset()
    assert same(first, weights(pg.nn)) and pg.epoch == 0
    settings = pg.new_weights()
    assert settings.weight_seed == 1 and not same(first, weights(pg.nn))


def test_same_settings_give_the_same_run_in_two_sessions():
    a, b = Experiment(), Experiment()
    a.train(epochs=3)
    b.train(epochs=3)
    assert same(weights(a.nn), weights(b.nn))


def test_sessions_do_not_touch_numpys_global_generator():
    np.random.seed(123)
    state = np.random.get_state()[1].copy()
    pg = Experiment(replace(Settings(), shuffle=True))
    pg.train(epochs=2)
    pg.new_weights()
    assert np.array_equal(state, np.random.get_state()[1])


# --- stepping ----------------------------------------------------------------------------------------


def test_step_batch_counts_batches_then_an_epoch():
    pg = Experiment(replace(Settings(), points=100, test_ratio=0.5, batch_size=10))
    per_epoch = pg.trainer.batches_per_epoch
    assert per_epoch == 5
    for k in range(1, per_epoch):
        pg.step_batch()
        assert (pg.epoch, pg.batch) == (0, k)
    pg.step_batch()
    assert (pg.epoch, pg.batch) == (1, 0)
    pg.train(epochs=1)
    m = pg.metrics()
    assert m.epoch == 2 and 0 <= m.train_accuracy <= 1 and np.isfinite(m.test_loss)


def test_train_for_a_time_does_at_least_one_epoch():
    pg = Experiment()
    assert pg.train(seconds=0.0) >= 1
    assert pg.epochs_per_second > 0


def test_divergence_says_so_and_keeps_the_last_good_weights():
    pg = Experiment(replace(Settings(), dataset="plane", loss="mse", lr=10.0, batch_size=1))
    pg.apply(
        replace(
            pg.settings, hidden=(LayerSettings(8, True, "relu"),) * 3, output=LayerSettings(1, True, "linear")
        )
    )
    for _ in range(50):
        pg.train(epochs=5)
        if pg.error:
            break
    assert pg.error and "diverged" in pg.error
    assert all(np.all(np.isfinite(p)) for p in pg.nn.parameters())
    frame = pg.frame(20, 8)
    assert np.all(np.isfinite(frame.grid))


def test_frame_has_the_arrays_renderers_need():
    pg = Experiment()
    f = pg.frame(30, 10)
    assert f.grid.shape == (30, 30)
    assert [m.shape[0] for m in f.maps] == pg.nn.sizes
    assert [w.shape for w in f.weights] == [layer.weights.shape for layer in pg.nn.layers]
    assert len(f.train_curve[0]) == 1 and f.metrics.epoch == 0


def test_set_weight_edits_the_network():
    pg = Experiment()
    pg.set_weight(0, 1, 0, 2.5)
    pg.set_weight(0, 1, None, -1.25)
    assert pg.nn.layers[0].weights[1, 0] == 2.5 and pg.nn.layers[0].bias[1] == -1.25
    with pytest.raises(NNVizError):
        pg.set_weight(0, 0, 0, float("inf"))
    pg.apply(replace(pg.settings, output=LayerSettings(1, False, "sigmoid")))
    with pytest.raises(NNVizError):
        pg.set_weight(len(pg.nn.layers) - 1, 0, None, 1.0)


def test_loss_log_is_bounded_and_keeps_the_latest_point():
    log = LossLog(capacity=1000)
    for e in range(1, 200_001):
        log.add(e, 1.0 / e)
    epochs, values = log.arrays()
    assert len(log.epochs) <= 1000 and epochs[-1] == 200_000 and values[-1] == 1.0 / 200_000
    assert np.all(np.diff(epochs) > 0)
    assert LossLog.from_curve(log.to_curve()).arrays()[0][-1] == 200_000
    assert LossLog.from_curve(None).arrays()[0].size == 0


def test_playground_memory_stays_bounded_while_training_long():
    pg = Experiment(replace(Settings(), dataset="xor_table", batch_size=0, hidden=(LayerSettings(2),)))
    pg.train(epochs=20_000)
    assert pg.epoch == 20_000 and not pg.trainer.history
    assert len(pg.train_log.epochs) <= pg.train_log.capacity


# --- formulas and files ----------------------------------------------------------------------------


def test_custom_formula_layers_train():
    layer = LayerSettings(4, True, CUSTOM, "x/(1+abs(x))")
    pg = Experiment(replace(Settings(), hidden=(layer,)))
    pg.train(epochs=2)
    assert pg.nn.layers[0].activation.text == "x/(1+abs(x))"


def test_download_bytes_load_back_with_identical_predictions_and_metadata():
    pg = Experiment(PRESETS["TensorFlow Playground default"].settings)
    pg.train(epochs=7)
    data = pg.model_bytes()
    nn = Network.from_bytes(data)
    grid = np.random.default_rng(0).uniform(-6, 6, size=(500, 2))
    assert np.array_equal(nn.predict(grid), pg.nn.predict(grid))
    assert nn.metadata["epoch"] == 7 and nn.metadata["dataset"] == "circle"
    assert len(nn.metadata["loss_history"]) == 8  # epoch 0 and 1..7
    assert nn.metadata["training"]["loss_epochs"][-1] == 7

    other = Experiment()
    settings = other.load_model(data)
    assert settings == pg.settings and other.epoch == 7
    assert np.array_equal(other.nn.predict(grid), pg.nn.predict(grid))
    other.train(epochs=1)
    assert other.epoch == 8


def test_a_download_records_the_input_features_the_inspector_reads():
    from nnviz.lessons.model_inspector import input_setup
    from nnviz.model_file import ModelRecord

    pg = Experiment(replace(Settings(), features=("x1", "x2", "x1*x2"), hidden=(LayerSettings(3),)))
    nn = Network.from_bytes(pg.model_bytes())
    assert nn.metadata["training"]["features"] == ["x1", "x2", "x1*x2"]
    assert ModelRecord.from_metadata(nn.metadata).features == ("x1", "x2", "x1*x2")
    assert input_setup(nn)[0] == ["x1", "x2", "x1*x2"]  # 3 inputs: known only from the record


def test_a_file_without_settings_keeps_the_pages_settings_and_trains_on_the_data_it_carries():
    """A network saved by a script records no settings: the page's stay (but for the layers); the data the
    file carries becomes Your data."""
    from nnviz.core.datasets import CUSTOM as YOUR_DATA
    from nnviz.core.datasets import make_dataset

    nn = Network(2, [(3, True, "tanh"), (1, True, "sigmoid")], seed=1)
    carried = make_dataset("moons", 40, 0.1, 0.5, 3)
    nn.dataset = carried
    page = replace(Settings(), dataset="circle", lr=0.1, points=60, noise=0.2, batch_size=4)
    pg = Experiment(page)
    settings = pg.load_model(nn.to_bytes())
    assert (settings.lr, settings.points, settings.noise, settings.batch_size) == (0.1, 60, 0.2, 4)
    assert settings.hidden == (LayerSettings(3, True, "tanh"),)
    assert settings.dataset == YOUR_DATA and pg.settings == settings
    assert np.array_equal(pg.dataset.X_train, carried.X_train)
    assert np.array_equal(pg.dataset.y_test, carried.y_test)
    assert np.array_equal(pg.X_train, carried.X_train)  # it trains on them

    nn.dataset = None  # a file without data: the page's data set stays, and so does the page's Your data
    own = pg.own
    circle = Experiment(page)
    assert circle.load_model(nn.to_bytes()).dataset == "circle"
    assert pg.load_model(Network.from_bytes(circle.model_bytes()).to_bytes()).dataset == "circle"
    assert pg.own is own


def test_corrupt_upload_raises_a_clear_error_and_changes_nothing():
    pg = Experiment()
    pg.train(epochs=2)
    before = weights(pg.nn)
    for junk in (b"", b"not a model", bytes(range(256)) * 4):
        try:
            pg.load_model(junk)
        except NNVizError:
            pass
        else:
            raise AssertionError("junk was accepted")
    assert same(before, weights(pg.nn)) and pg.epoch == 2


def test_only_the_three_widget_modules_import_streamlit_and_only_figures_matplotlib():
    """The app's logic and drawing run without a page: every nnviz module but the session accessor and
    the playground's two widget modules imports without Streamlit, and only the figures use Matplotlib."""
    code = (
        "import importlib, pkgutil, sys, nnviz\n"
        "widgets = {'nnviz.playground.session', 'nnviz.playground.sidebar', 'nnviz.playground.view'}\n"
        "names = [m.name for m in pkgutil.walk_packages(nnviz.__path__, 'nnviz.')]\n"
        "for name in sorted(set(names) - widgets - {'nnviz.drawing.figures'}):\n"
        "    importlib.import_module(name)\n"
        "print(len(names), 'streamlit' in sys.modules, 'matplotlib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    count, streamlit, matplotlib = out.split()
    assert int(count) > 30 and streamlit == "False" and matplotlib == "False"


@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("batch", [7, 0])
def test_fused_batch_sgd_epoch_is_bit_identical_to_stepping(shuffle, batch):
    """The trainer's fused mini-batch SGD epoch (added for the play loop) equals the generic steps."""
    settings = replace(
        Settings(), points=60, batch_size=batch, shuffle=shuffle, hidden=(LayerSettings(3),) * 2
    )
    fused, stepped = Experiment(settings), Experiment(settings)
    fused.train(epochs=3)
    for _ in range(3 * stepped.trainer.batches_per_epoch):
        stepped.step_batch()
    assert fused.epoch == stepped.epoch == 3
    assert all(np.array_equal(a, b) for a, b in zip(fused.nn.parameters(), stepped.nn.parameters()))


def test_train_stops_at_the_epoch_count_or_the_time_limit():
    pg = Experiment()
    assert pg.train(epochs=3, seconds=60.0) == 3
    assert pg.train(epochs=10**9, seconds=0.0) == 1
    assert pg.epoch == 4


class Clock:
    """The experiment's clock in a test: it moves ``epoch`` seconds for each epoch trained and ``tick``
    seconds at each reading, nothing else."""

    def __init__(self, epoch: float, tick: float = 0.0) -> None:
        self.now, self.epoch, self.tick = 100.0, epoch, tick

    def perf_counter(self) -> float:
        self.now += self.tick
        return self.now


def on_clock(monkeypatch, pg: Experiment, clock: Clock) -> Clock:
    monkeypatch.setattr("nnviz.playground.experiment.time", clock)
    epoch = pg.trainer.epoch

    def timed_epoch():
        clock.now += clock.epoch
        return epoch()

    monkeypatch.setattr(pg.trainer, "epoch", timed_epoch)
    return clock


def test_the_training_speed_is_the_epochs_done_over_the_time_they_took(monkeypatch):
    pg = Experiment()
    assert pg.epochs_per_second == 0.0  # nothing measured yet
    on_clock(monkeypatch, pg, Clock(epoch=0.25))
    assert pg.train(epochs=3) == 3
    assert pg.epochs_per_second == 4.0  # 3 epochs in 0.75 s
    assert pg.training_state().epochs_per_second == 4.0


def test_training_for_a_time_stops_after_the_epoch_that_reaches_it(monkeypatch):
    pg = Experiment()
    on_clock(monkeypatch, pg, Clock(epoch=0.25))
    assert pg.train(seconds=0.5) == 2  # 0.5 s have passed after the second epoch: no third
    assert pg.train(epochs=10, seconds=0.6) == 3  # whole epochs: the third ends at 0.75 s
    assert pg.epoch == 5


def test_a_train_that_measures_nothing_keeps_the_last_speed(monkeypatch):
    pg = Experiment()
    clock = on_clock(monkeypatch, pg, Clock(epoch=0.5))
    assert pg.train(epochs=2) == 2 and pg.epochs_per_second == 2.0
    clock.epoch, clock.tick = 0.0, 0.5  # time passes, but no epoch is trained
    assert pg.train(epochs=0) == 0 and pg.epochs_per_second == 2.0
    clock.tick = 0.0  # epochs too quick for the clock to see: no speed can be worked out
    assert pg.train(epochs=2) == 2 and pg.epochs_per_second == 2.0
    assert pg.epoch == 4


def diverging_preset() -> Experiment:
    return Experiment(PRESETS["Learning rate too high (diverges)"].settings)


def test_a_divergence_message_agrees_with_the_counter_and_the_loss_shown():
    """Played in chunks or stepped, the message names the epoch after the counter and the loss shown."""
    for train in (lambda e: e.train(seconds=60.0), lambda e: e.train(epochs=1)):
        exp = diverging_preset()
        for _ in range(200):
            train(exp)
            if exp.error:
                break
        last_epoch, last_loss = exp.train_log.last
        assert last_epoch == exp.epoch and exp.metrics().epoch == exp.epoch
        assert f"diverged in epoch {exp.epoch + 1}:" in exp.error
        assert f"after epoch {exp.epoch} (loss {last_loss:.3g})" in exp.error
        assert exp.metrics().train_loss == pytest.approx(last_loss)


def test_an_exploding_loss_warns_before_it_overflows():
    exp = diverging_preset()
    assert exp.warning is None
    exp.train(epochs=1)
    assert exp.error is None and "The loss is exploding" in exp.warning and "epoch 1" in exp.warning
    calm = Experiment()
    calm.train(epochs=20)
    assert calm.warning is None
