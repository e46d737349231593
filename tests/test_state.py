"""The playground's state: validation, what resets what, stepping, files, the background thread."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from dataclasses import replace

import numpy as np
import pytest

from nnviz.core import Network
from nnviz.core.errors import NNVizError
from nnviz.presets import PRESETS
from nnviz.settings import CUSTOM, LayerSettings, Settings, SettingsError
from nnviz.state import LossLog, Playground


def weights(nn: Network) -> list[np.ndarray]:
    return [p.copy() for p in nn.parameters()]


def same(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))


# --- validation ---------------------------------------------------------------------------------


def test_invalid_settings_name_the_field_and_change_nothing():
    pg = Playground()
    before = weights(pg.nn)
    with pytest.raises(SettingsError) as info:
        pg.apply(replace(pg.settings, features=(), hidden=(LayerSettings(0),)))
    assert set(info.value.errors) >= {"features", "hidden.0.size"}
    with pytest.raises(SettingsError) as info:
        pg.apply(replace(pg.settings, hidden=(LayerSettings(2, True, CUSTOM, "x +* 2"),)))
    assert "hidden.0.formula" in info.value.errors
    assert same(before, weights(pg.nn)) and pg.settings == Settings()


# --- what resets what ------------------------------------------------------------------------------


def test_learning_rate_keeps_weights_epochs_and_optimizer_state():
    pg = Playground(replace(Settings(), optimizer="adam", lr=0.01))
    pg.train(epochs=3)
    optimizer, w = pg.trainer.optimizer, weights(pg.nn)
    assert pg.apply(replace(pg.settings, lr=0.05)) == "lr"
    assert pg.trainer.optimizer is optimizer and optimizer.lr == 0.05
    assert pg.epoch == 3 and same(w, weights(pg.nn)) and not pg.runs


def test_training_changes_keep_weights_and_epochs():
    pg = Playground()
    pg.train(epochs=2)
    w = weights(pg.nn)
    for change in ({"optimizer": "momentum"}, {"loss": "mse"}, {"batch_size": 0}, {"regularization": "l2"}):
        assert pg.apply(replace(pg.settings, **change)) == "trainer"
        assert pg.epoch == 2 and same(w, weights(pg.nn))
    pg.train(epochs=1)
    assert pg.epoch == 3


def test_data_or_architecture_change_rebuilds_and_keeps_the_trained_run():
    pg = Playground()
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
    pg = Playground()
    pg.train(epochs=1)
    assert pg.apply(replace(pg.settings, epochs_per_frame=10)) == "none"
    assert pg.epoch == 1


def test_reset_restores_the_same_initial_weights_and_new_weights_differ():
    pg = Playground()
    first = weights(pg.nn)
    pg.train(epochs=5)
    assert not same(first, weights(pg.nn))
    pg.reset()
    assert same(first, weights(pg.nn)) and pg.epoch == 0
    settings = pg.new_weights()
    assert settings.weight_seed == 1 and not same(first, weights(pg.nn))


def test_same_settings_give_the_same_run_in_two_sessions():
    a, b = Playground(), Playground()
    a.train(epochs=3)
    b.train(epochs=3)
    assert same(weights(a.nn), weights(b.nn))


def test_sessions_do_not_touch_numpys_global_generator():
    np.random.seed(123)
    state = np.random.get_state()[1].copy()
    pg = Playground(replace(Settings(), shuffle=True))
    pg.train(epochs=2)
    pg.new_weights()
    assert np.array_equal(state, np.random.get_state()[1])


# --- stepping ----------------------------------------------------------------------------------------


def test_step_batch_counts_batches_then_an_epoch():
    pg = Playground(replace(Settings(), points=100, test_ratio=0.5, batch_size=10))
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
    pg = Playground()
    assert pg.train(seconds=0.0) >= 1
    assert pg.epochs_per_second > 0


def test_divergence_stops_play_keeps_last_good_weights():
    pg = Playground(replace(Settings(), dataset="plane", loss="mse", lr=10.0, batch_size=1))
    pg.apply(
        replace(
            pg.settings, hidden=(LayerSettings(8, True, "relu"),) * 3, output=LayerSettings(1, True, "linear")
        )
    )
    pg.playing = True
    for _ in range(50):
        pg.train(epochs=5)
        if pg.error:
            break
    assert pg.error and "diverged" in pg.error and not pg.playing
    assert all(np.all(np.isfinite(p)) for p in pg.nn.parameters())
    frame = pg.frame(20, 8)
    assert np.all(np.isfinite(frame.grid))


def test_frame_has_the_arrays_renderers_need():
    pg = Playground()
    f = pg.frame(30, 10)
    assert f.grid.shape == (30, 30)
    assert [m.shape[0] for m in f.maps] == pg.nn.sizes
    assert [w.shape for w in f.weights] == [layer.weights.shape for layer in pg.nn.layers]
    assert len(f.train_curve[0]) == 1 and f.metrics.epoch == 0


def test_set_weight_edits_the_network():
    pg = Playground()
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
    assert LossLog.from_dict(log.to_dict()).arrays()[0][-1] == 200_000
    assert LossLog.from_dict({"epochs": [1, "x"], "values": [1.0]}).arrays()[0].size == 0


def test_playground_memory_stays_bounded_while_training_long():
    pg = Playground(replace(Settings(), dataset="xor_table", batch_size=0, hidden=(LayerSettings(2),)))
    pg.train(epochs=20_000)
    assert pg.epoch == 20_000 and not pg.trainer.history
    assert len(pg.train_log.epochs) <= pg.train_log.capacity


# --- formulas and files ----------------------------------------------------------------------------


def test_custom_formula_layers_train():
    layer = LayerSettings(4, True, CUSTOM, "x/(1+abs(x))")
    pg = Playground(replace(Settings(), hidden=(layer,)))
    pg.train(epochs=2)
    assert pg.nn.layers[0].activation.text == "x/(1+abs(x))"


def test_download_bytes_load_back_with_identical_predictions_and_metadata():
    pg = Playground(PRESETS["TensorFlow Playground default"].settings)
    pg.train(epochs=7)
    data = pg.model_bytes()
    nn = Network.from_bytes(data)
    grid = np.random.default_rng(0).uniform(-6, 6, size=(500, 2))
    assert np.array_equal(nn.predict(grid), pg.nn.predict(grid))
    assert nn.metadata["epoch"] == 7 and nn.metadata["dataset"] == "circle"
    assert len(nn.metadata["loss_history"]) == 8  # epoch 0 and 1..7
    assert nn.metadata["training"]["loss_epochs"][-1] == 7

    other = Playground()
    settings = other.load_model(data)
    assert settings == pg.settings and other.epoch == 7
    assert np.array_equal(other.nn.predict(grid), pg.nn.predict(grid))
    other.train(epochs=1)
    assert other.epoch == 8


def test_corrupt_upload_raises_a_clear_error_and_changes_nothing():
    pg = Playground()
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


def test_state_render_frames_and_stream_do_not_import_streamlit():
    code = (
        "import sys, nnviz.settings, nnviz.presets, nnviz.state, nnviz.render, nnviz.frames, nnviz.live; "
        "print('streamlit' in sys.modules, 'matplotlib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("batch", [7, 0])
def test_fused_batch_sgd_epoch_is_bit_identical_to_stepping(shuffle, batch):
    """The trainer's fused mini-batch SGD epoch (added for the play loop) equals the generic steps."""
    settings = replace(
        Settings(), points=60, batch_size=batch, shuffle=shuffle, hidden=(LayerSettings(3),) * 2
    )
    fused, stepped = Playground(settings), Playground(settings)
    fused.train(epochs=3)
    for _ in range(3 * stepped.trainer.batches_per_epoch):
        stepped.step_batch()
    assert fused.epoch == stepped.epoch == 3
    assert all(np.array_equal(a, b) for a, b in zip(fused.nn.parameters(), stepped.nn.parameters()))


def test_train_stops_at_the_epoch_count_or_the_time_limit():
    pg = Playground()
    assert pg.train(epochs=3, seconds=60.0) == 3
    assert pg.train(epochs=10**9, seconds=0.0) == 1
    assert pg.epoch == 4


def test_play_trains_in_the_background_until_paused():
    pg = Playground()
    pg.play()
    deadline = time.monotonic() + 30
    while pg.epoch < 5 and time.monotonic() < deadline:
        pg.watched()
        time.sleep(0.02)
    assert pg.epoch >= 5 and pg.training_in_background
    pg.pause()
    pg._thread.join(10)
    assert not pg.training_in_background
    stopped = pg.epoch
    time.sleep(0.1)
    assert pg.epoch == stopped


def test_background_training_stops_when_nobody_watches():
    pg = Playground()
    pg.watch_timeout = 0.2
    pg.play()  # counts as watched once
    pg._thread.join(30)
    assert not pg.training_in_background and pg.playing  # still "playing": a new frame restarts it
    before = pg.epoch
    pg.watched()
    deadline = time.monotonic() + 30
    while pg.epoch == before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert pg.epoch > before
    pg.pause()


def test_frames_and_clicks_are_safe_while_training_in_the_background():
    pg = Playground()
    pg.play()
    for _ in range(20):
        pg.watched()
        frame = pg.frame(20, 6)
        assert np.all(np.isfinite(frame.grid))
        pg.set_weight(0, 0, 0, 0.5)
        Network.from_bytes(pg.model_bytes())
    pg.apply(replace(pg.settings, dataset="circle"))  # rebuilds under the lock while playing
    pg.watched()
    time.sleep(0.05)
    pg.pause()
    pg._thread.join(10)
    assert pg.dataset.name == "circle" and pg.error is None


def test_divergence_in_the_background_stops_play_with_a_message():
    settings = replace(
        Settings(),
        dataset="plane",
        loss="mse",
        lr=10.0,
        batch_size=1,
        hidden=(LayerSettings(8, True, "relu"),) * 3,
        output=LayerSettings(1, True, "linear"),
    )
    pg = Playground(settings)
    pg.play()
    deadline = time.monotonic() + 60
    while pg.playing and time.monotonic() < deadline:
        pg.watched()
        time.sleep(0.01)
    assert not pg.playing and "diverged" in pg.error
    assert all(np.all(np.isfinite(p)) for p in pg.nn.parameters())


def test_jobs_run_between_epochs_in_the_training_thread_or_at_once():
    pg = Playground()
    assert pg.between_epochs(lambda: threading.current_thread().name).result(0) == "MainThread"
    pg.play()
    try:
        assert pg.between_epochs(lambda: threading.current_thread().name).result(30) == "nnviz-playground"
        failing = pg.between_epochs(lambda: 1 / 0)
        with pytest.raises(ZeroDivisionError):
            failing.result(30)
        futures = []
        for i in range(200):  # jobs given while the thread stops still run, by it or at once
            futures.append(pg.between_epochs(lambda i=i: i))
            if i == 100:
                pg.pause()
        assert [f.result(30) for f in futures] == list(range(200))
    finally:
        pg.pause()
        pg._thread.join(10)
