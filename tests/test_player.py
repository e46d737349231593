"""The player: training in a background thread while watched, frames made between epochs."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import numpy as np
import pytest

from nnviz.core import Network
from nnviz.playground.experiment import Experiment
from nnviz.playground.player import Player
from nnviz.playground.settings import LayerSettings, Settings


def wait_for(condition, deadline: float = 30.0, player: Player | None = None) -> bool:
    """Poll ``condition`` until it holds or the deadline passes; returns its last value.

    With a ``player``, keep it watched meanwhile, as a page asking for frames does.
    """
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if player is not None:
            player.watched()
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def test_play_trains_in_the_background_until_paused():
    player = Player(Experiment())
    exp = player.experiment
    player.play()
    assert wait_for(lambda: exp.epoch >= 5, player=player) and player.training_in_background
    player.pause()
    player._thread.join(10)
    # The only thread that trains has ended: nothing can change the epoch any more.
    assert not player.training_in_background
    stopped = exp.epoch
    player.watched()  # a frame after Pause does not restart training
    assert not player.training_in_background and exp.epoch == stopped


def test_background_training_stops_when_nobody_watches():
    player = Player(Experiment())
    player.watch_timeout = 0.2
    player.play()  # counts as watched once
    player._thread.join(30)
    assert not player.training_in_background and player.playing  # still "playing": a new frame restarts it
    before = player.experiment.epoch
    player.watched()
    assert wait_for(lambda: player.experiment.epoch > before)
    player.pause()


def test_frames_and_clicks_are_safe_while_training_in_the_background():
    player = Player(Experiment())
    exp = player.experiment
    player.play()
    for _ in range(20):
        player.watched()
        frame = exp.frame(20, 6)
        assert np.all(np.isfinite(frame.grid))
        exp.set_weight(0, 0, 0, 0.5)
        Network.from_bytes(exp.model_bytes())
    exp.apply(replace(exp.settings, dataset="circle"))  # rebuilds under the lock while playing
    epoch = exp.epoch
    assert wait_for(lambda: exp.epoch > epoch, player=player)  # training goes on with the new data
    player.pause()
    player._thread.join(10)
    assert exp.dataset.name == "circle" and exp.error is None


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
    player = Player(Experiment(settings))
    player.play()
    assert wait_for(lambda: not player.playing, deadline=60, player=player)
    assert not player.playing and "diverged" in player.experiment.error
    assert all(np.all(np.isfinite(p)) for p in player.experiment.nn.parameters())


def test_play_clears_the_last_error():
    player = Player(Experiment())
    player.experiment.error = "Training diverged in epoch 3"
    player.play()
    player.pause()
    assert player.experiment.error is None


def test_jobs_run_between_epochs_in_the_training_thread_or_at_once():
    player = Player(Experiment())
    assert player.between_epochs(lambda: threading.current_thread().name).result(0) == "MainThread"
    player.play()
    try:
        name = player.between_epochs(lambda: threading.current_thread().name).result(30)
        assert name == "nnviz-playground"
        failing = player.between_epochs(lambda: 1 / 0)
        with pytest.raises(ZeroDivisionError):
            failing.result(30)
        futures = []
        for i in range(200):  # jobs given while the thread stops still run, by it or at once
            futures.append(player.between_epochs(lambda i=i: i))
            if i == 100:
                player.pause()
        assert [f.result(30) for f in futures] == list(range(200))
    finally:
        player.pause()
        player._thread.join(10)
