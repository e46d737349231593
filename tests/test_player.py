"""The player: a session's run trains on a worker while watched, and comes back bit for bit."""

from __future__ import annotations

import gc
import json
import os
import signal
import time
from dataclasses import replace

import numpy as np
import pytest

from nnviz.playground import workers
from nnviz.playground.experiment import Experiment
from nnviz.playground.player import Player
from nnviz.playground.settings import LayerSettings, Settings


@pytest.fixture(scope="module")
def processes():
    """Two real worker processes, as a 2-core server has."""
    pool = workers.WorkerPool(2)
    yield pool
    pool.close()


def watch(player: Player, until, deadline: float = 30.0) -> dict:
    """Ask for frames as a page does until ``until(frame)`` holds; returns the last frame."""
    end, since = time.monotonic() + deadline, -1
    while time.monotonic() < end:
        stopped, text = player.frame(since).result(30)
        frame = json.loads(text)
        if frame.get("train"):
            since = frame["train"][-1][0]
        if until(frame) or stopped:
            return frame
    raise AssertionError("the condition did not hold before the deadline")


def same_weights(a: Experiment, b: Experiment) -> bool:
    return all(np.array_equal(p, q) for p, q in zip(a.nn.parameters(), b.nn.parameters()))


def test_a_run_played_on_a_worker_process_comes_back_bit_for_bit(processes):
    settings = replace(Settings(), optimizer="momentum", shuffle=True)
    player = Player(Experiment(settings), pool=lambda: processes)
    player.play()
    frame = watch(player, lambda f: f["epoch"] >= 20)
    assert frame["grid"] and frame["weights"]
    player.pause()
    exp = player.experiment
    assert not player.playing and exp.epoch >= 20
    local = Experiment(settings)
    local.train(epochs=exp.epoch)
    assert same_weights(exp, local)
    exp.train(epochs=2)
    local.train(epochs=2)
    assert same_weights(exp, local) and exp.train_log.arrays()[1][-1] == local.train_log.arrays()[1][-1]


def test_sync_brings_the_experiment_up_to_date_while_it_plays(threaded):
    player = Player(Experiment(), pool=lambda: threaded)
    player.play()
    watch(player, lambda f: f["epoch"] >= 5)
    assert player.experiment.epoch == 0  # the session's copy waits until asked
    assert player.sync().epoch >= 5 and player.playing
    player.pause()


def test_each_learner_gets_only_their_own_frames(processes):
    small = Player(Experiment(replace(Settings(), hidden=(LayerSettings(3),))), pool=lambda: processes)
    big = Player(Experiment(replace(Settings(), dataset="circle")), pool=lambda: processes)
    small.play()
    big.play()
    try:
        for _ in range(5):
            a = json.loads(small.frame(-1).result(30)[1])
            b = json.loads(big.frame(-1).result(30)[1])
            assert [len(w) for w in a["weights"]] == [6, 3]
            assert [len(w) for w in b["weights"]] == [8, 8, 2]
    finally:
        small.pause()
        big.pause()


def test_a_changed_run_pauses_meanwhile_and_plays_on(threaded):
    player = Player(Experiment(), pool=lambda: threaded)
    player.play()
    watch(player, lambda f: f["epoch"] >= 3)
    with player.changing() as exp:
        assert not player.playing and exp.epoch >= 3
        exp.reset()
    assert player.playing and player.run == 2
    frame = watch(player, lambda f: True)
    assert frame["epoch"] < 50  # playing again from the reset weights
    player.pause()


def test_pause_and_frames_after_it_say_stopped(threaded):
    player = Player(Experiment(), pool=lambda: threaded)
    player.play()
    player.pause()
    stopped, text = player.frame(-1).result(1)
    assert stopped and json.loads(text) == {"stopped": True}
    assert player.key not in threaded.stats()  # no seat left behind


def test_a_session_that_ends_while_playing_frees_its_seat(threaded, monkeypatch):
    monkeypatch.setattr(workers, "_pool", threaded)  # the finaliser frees seats on the server's pool
    player = Player(Experiment(), pool=lambda: threaded)
    player.play()
    key = player.key
    assert key in threaded.stats()
    del player
    gc.collect()
    deadline = time.monotonic() + 10
    while key in threaded.stats() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert key not in threaded.stats()


def test_a_diverging_run_stops_by_itself_with_the_reason():
    pool = workers.WorkerPool(0)
    settings = replace(
        Settings(),
        dataset="plane",
        loss="mse",
        lr=10.0,
        batch_size=1,
        hidden=(LayerSettings(8, True, "relu"),) * 3,
        output=LayerSettings(1, True, "linear"),
    )
    player = Player(Experiment(settings), pool=lambda: pool)
    try:
        player.play()
        frame = watch(player, lambda f: f["stopped"], deadline=60)
        assert "diverged" in frame["error"]
        player.sync()
        assert not player.playing and "diverged" in player.experiment.error
        assert all(np.all(np.isfinite(p)) for p in player.experiment.nn.parameters())
    finally:
        pool.close()


def test_a_worker_that_dies_stops_its_sessions_with_a_message():
    pool = workers.WorkerPool(1)
    player = Player(Experiment(), pool=lambda: pool)
    try:
        player.play()
        watch(player, lambda f: f["epoch"] >= 1)
        (worker,) = pool._workers
        os.kill(worker._runner.pid, signal.SIGKILL)
        with pytest.raises(workers.WorkerGoneError):
            player.frame(-1).result(30)
        player.sync()
        assert not player.playing and "Training stopped" in player.experiment.error
        player.play()  # a new worker takes over
        assert watch(player, lambda f: f["epoch"] >= 1)
        player.pause()
    finally:
        pool.close()


def test_a_frame_asked_during_a_change_waits_for_it_instead_of_ending_the_stream(threaded):
    player = Player(Experiment(), pool=lambda: threaded)
    player.play()
    watch(player, lambda f: f["epoch"] >= 2)
    with player.changing() as exp:
        waiting = player.frame(-1)  # the page asks while the run is paused for the change
        assert not waiting.done()
        exp.reset()
    stopped, text = waiting.result(30)
    assert not stopped and json.loads(text)["epoch"] < 100 and player.playing
    player.pause()
    assert player.frame(-1).result(1)[0]  # after a real Pause, the stream ends
