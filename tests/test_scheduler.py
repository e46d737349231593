"""The scheduler of a worker: frames first, training shared fairly, unwatched sessions left alone."""

from __future__ import annotations

import json
import time
from dataclasses import replace

import numpy as np

from nnviz.playground import scheduler as scheduler_module
from nnviz.playground.experiment import Experiment
from nnviz.playground.scheduler import Scheduler
from nnviz.playground.settings import LayerSettings, Settings


def seat_args(settings: Settings | None = None):
    exp = Experiment(settings or Settings())
    return exp, (exp.settings, exp.dataset, exp.training_state())


class Recorder:
    """Collects the scheduler's replies by request id."""

    def __init__(self) -> None:
        self.replies: dict[int, tuple[bool, object]] = {}

    def __call__(self, reply) -> None:
        rid, ok, value = reply
        self.replies[rid] = (ok, value)


def no_time_limits(monkeypatch) -> None:
    """Tests that count epochs lift the time caps on a frame's training (a busy machine would otherwise
    stop it early, which is the caps' job, not what these tests check)."""
    monkeypatch.setattr(scheduler_module, "MAX_OWED_TRAINING", 1e9)
    monkeypatch.setattr(scheduler_module, "MAX_FRAME_TRAINING", 1e9)


def scheduler(**options) -> tuple[Scheduler, Recorder]:
    recorder = Recorder()
    return Scheduler(recorder, **options), recorder


def test_frames_come_before_anybodys_extra_training(monkeypatch):
    from nnviz.playground.scheduler import EPOCHS_PER_FRAME

    no_time_limits(monkeypatch)
    s, replies = scheduler(slice_seconds=0.05)
    s.handle((1, "start", "a", seat_args()[1]))
    s.handle((2, "start", "b", seat_args()[1]))
    for rid in (3, 4, 5):
        s.handle((rid, "frame", "a" if rid % 2 else "b", -1))
    for _ in range(3):
        assert s.work()
    assert {3, 4, 5} <= set(replies.replies)
    # Each frame trained only its own budget: no slice of extra training ran before a waiting frame.
    epochs = {rid: json.loads(replies.replies[rid][1][1])["epoch"] for rid in (3, 4, 5)}
    assert epochs == {3: EPOCHS_PER_FRAME, 4: EPOCHS_PER_FRAME, 5: 2 * EPOCHS_PER_FRAME}
    before = {key: seat.experiment.epoch for key, seat in s.seats.items()}
    assert s.work()  # then extra training, in a slice
    assert any(seat.experiment.epoch > before[key] for key, seat in s.seats.items())


def test_training_is_shared_fairly_and_a_newcomer_starts_level():
    s, _ = scheduler(slice_seconds=0.002)
    for key in "abc":
        s.handle((0, "start", key, seat_args()[1]))
    for _ in range(60):
        s.work()
    shares = [seat.training for seat in s.seats.values()]
    assert min(shares) > 0 and max(shares) < 2 * min(shares)
    s.handle((0, "start", "d", seat_args()[1]))
    assert s.seats["d"].training == min(shares)
    for _ in range(40):
        s.work()
    epochs = {key: seat.experiment.epoch for key, seat in s.seats.items()}
    assert epochs["d"] > 0, "the newcomer was starved"


def test_an_unwatched_session_costs_nothing_until_it_asks_again():
    s, _ = scheduler(watch_timeout=0.05)
    s.handle((1, "start", "a", seat_args()[1]))
    assert s.work()
    time.sleep(0.06)  # the page stopped asking (paused, hidden or closed tab)
    epoch = s.seats["a"].experiment.epoch
    assert not s.work() and s.seats["a"].experiment.epoch == epoch
    s.handle((2, "frame", "a", -1))
    assert s.work() and s.work()  # the frame, then training again
    assert s.seats["a"].experiment.epoch > epoch


def test_stop_hands_back_a_run_that_continues_bit_for_bit():
    settings = replace(Settings(), optimizer="adam", shuffle=True, batch_size=7)
    s, replies = scheduler()
    local, args = seat_args(settings)
    s.handle((1, "start", "a", args))
    for _ in range(10):
        s.work()
    s.handle((2, "stop", "a", None))
    ok, state = replies.replies[2]
    assert ok and "a" not in s.seats and state.epoch > 0
    played = Experiment(settings)
    played.load_training(state)
    local.train(epochs=state.epoch)  # the same epochs, trained here from the same start
    for a, b in zip(played.nn.parameters(), local.nn.parameters()):
        np.testing.assert_array_equal(a, b)
    played.train(epochs=3)
    local.train(epochs=3)
    for a, b in zip(played.nn.parameters(), local.nn.parameters()):
        np.testing.assert_array_equal(a, b)


def test_a_slice_ends_at_the_next_epoch_when_a_request_waits():
    s, _ = scheduler(slice_seconds=10.0, interrupted=lambda: True)
    s.handle((1, "start", "a", seat_args()[1]))
    s.work()
    assert s.seats["a"].experiment.epoch == 1


def test_fixed_epochs_per_frame_train_only_for_frames():
    s, replies = scheduler()
    s.handle((1, "start", "a", seat_args(replace(Settings(), epochs_per_frame=5))[1]))
    assert not s.work()  # no background training for it
    s.handle((2, "frame", "a", -1))
    s.work()
    assert json.loads(replies.replies[2][1][1])["epoch"] == 5


def test_a_diverging_run_stops_with_its_reason_and_trains_no_more():
    settings = replace(
        Settings(),
        dataset="plane",
        loss="mse",
        lr=10.0,
        batch_size=1,
        hidden=(LayerSettings(8, True, "relu"),) * 3,
        output=LayerSettings(1, True, "linear"),
    )
    s, replies = scheduler()
    s.handle((1, "start", "a", seat_args(settings)[1]))
    for _ in range(500):
        if not s.work():
            break
    assert "diverged" in s.seats["a"].experiment.error and not s.work()
    s.handle((2, "frame", "a", -1))
    s.work()
    stopped, text = replies.replies[2][1]
    assert stopped and "diverged" in json.loads(text)["error"]


def test_requests_about_unknown_sessions_are_answered_not_fatal():
    s, replies = scheduler()
    s.handle((1, "stop", "nobody", None))
    s.handle((2, "frame", "nobody", -1))
    s.work()
    s.handle((3, "drop", "nobody", None))
    assert replies.replies[1][0] is False and "nobody" in replies.replies[1][1]
    assert replies.replies[2] == (True, (True, json.dumps({"stopped": True})))
    assert replies.replies[3] == (True, None)


def test_stats_say_where_each_sessions_time_went():
    s, replies = scheduler()
    s.handle((1, "start", "a", seat_args()[1]))
    s.handle((2, "frame", "a", -1))
    s.work()
    s.work()
    s.handle((3, "stats", "", None))
    stats = replies.replies[3][1]["a"]
    assert stats["frames"] == 1 and stats["framing"] > 0 and stats["training"] > 0 and stats["waiting"] >= 0


def test_every_frame_brings_its_sessions_budget_of_training(monkeypatch):
    """Pages asking for frames back to back leave no spare time: each frame still trains its budget."""
    from nnviz.playground.scheduler import EPOCHS_PER_FRAME

    no_time_limits(monkeypatch)
    s, replies = scheduler()
    s.handle((0, "start", "a", seat_args()[1]))
    epochs = []
    for rid in range(1, 6):
        s.handle((rid, "frame", "a", -1))
        s.work()  # the frame, with nothing in between
        epochs.append(json.loads(replies.replies[rid][1][1])["epoch"])
    assert epochs == [EPOCHS_PER_FRAME * n for n in range(1, 6)]
