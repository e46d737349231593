"""The scheduler's per-frame training budget and bookkeeping, with its time limits lifted.

``test_scheduler`` checks the same rules under the real limits (10 ms for a frame's owed epochs); here the
limits are raised far above any run time, so each rule is checked by counting epochs, not by the clock.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from nnviz.playground import scheduler as scheduler_module
from nnviz.playground.experiment import Experiment
from nnviz.playground.scheduler import EPOCHS_PER_FRAME, Scheduler
from nnviz.playground.settings import Settings


@pytest.fixture(autouse=True)
def no_time_limits(monkeypatch):
    monkeypatch.setattr(scheduler_module, "MAX_OWED_TRAINING", 1e9)
    monkeypatch.setattr(scheduler_module, "MAX_FRAME_TRAINING", 1e9)


def start_args(settings: Settings | None = None):
    exp = Experiment(settings or Settings())
    return exp.settings, exp.dataset, exp.training_state()


class Replies(dict):
    def __call__(self, reply) -> None:
        rid, ok, value = reply
        self[rid] = (ok, value)

    def frame(self, rid: int) -> dict:
        ok, (stopped, text) = self[rid]
        assert ok
        return json.loads(text)


def test_the_budget_per_frame_is_three_epochs():
    assert EPOCHS_PER_FRAME == 3


def test_every_frame_brings_its_sessions_budget_of_training():
    replies = Replies()
    s = Scheduler(replies)
    s.handle((0, "start", "a", start_args()))
    epochs = []
    for rid in range(1, 6):
        s.handle((rid, "frame", "a", -1))
        assert s.work()  # the frame, with nothing in between
        epochs.append(replies.frame(rid)["epoch"])
    assert epochs == [3, 6, 9, 12, 15]
    seat = s.seats["a"]
    assert seat.frames == 5 and seat.framed_epoch == 15 and seat.training > 0


def test_a_frame_trains_only_what_is_still_owed_since_the_last_frame():
    replies = Replies()
    s = Scheduler(replies, interrupted=lambda: True, slice_seconds=1e9)  # a slice is one epoch
    s.handle((0, "start", "a", start_args()))
    s.handle((1, "frame", "a", -1))
    s.work()
    assert replies.frame(1)["epoch"] == 3
    assert s.work()  # one epoch of background training
    assert s.seats["a"].experiment.epoch == 4
    s.handle((2, "frame", "a", -1))
    s.work()
    assert replies.frame(2)["epoch"] == 6  # 2 owed, not 3
    s.work()
    s.work()
    s.handle((9, "frame", "a", -1))
    s.work()
    assert replies.frame(9)["epoch"] == 9  # 1 owed
    for _ in range(5):
        s.work()
    assert s.seats["a"].experiment.epoch == 14
    s.handle((3, "frame", "a", -1))
    s.work()
    assert replies.frame(3)["epoch"] == 14  # nothing owed: trained more than the budget already


def test_fixed_epochs_per_frame_count_as_training_only_for_frames():
    replies = Replies()
    s = Scheduler(replies)
    s.handle((0, "start", "a", start_args(replace(Settings(), epochs_per_frame=2))))
    for rid in (1, 2):
        s.handle((rid, "frame", "a", -1))
        s.work()
    assert [replies.frame(rid)["epoch"] for rid in (1, 2)] == [2, 4]
    assert not s.work()


def test_a_stopped_sessions_frame_trains_nothing_and_says_why():
    replies = Replies()
    s = Scheduler(replies)
    s.handle((0, "start", "a", start_args()))
    s.seats["a"].experiment.error = "stopped for a test"
    s.handle((1, "frame", "a", -1))
    s.work()
    data = replies.frame(1)
    assert data["stopped"] is True and data["epoch"] == 0
    assert replies[1][1][0] is True
    assert s.seats["a"].frames == 1 and s.seats["a"].framed_epoch == 0


def test_a_newcomer_starts_level_with_the_least_served_session():
    s = Scheduler(Replies())
    s.handle((0, "start", "a", start_args()))
    assert s.seats["a"].training == 0.0
    s.seats["a"].training = 5.0
    s.handle((0, "start", "b", start_args()))
    s.seats["b"].training = 2.0
    s.handle((0, "start", "c", start_args()))
    assert s.seats["c"].training == 2.0


def test_the_least_trained_watched_session_trains_next():
    s = Scheduler(Replies(), interrupted=lambda: True, slice_seconds=1e9)
    for key in "ab":
        s.handle((0, "start", key, start_args()))
    s.seats["a"].training = 1.0
    s.work()
    assert (s.seats["a"].experiment.epoch, s.seats["b"].experiment.epoch) == (0, 1)


def test_sync_answers_with_the_training_state_and_marks_the_page_watched():
    replies = Replies()
    s = Scheduler(replies, watch_timeout=1e9)
    s.handle((0, "start", "a", start_args()))
    s.seats["a"].seen = -1e12  # long ago: not watched
    assert not s.work()
    s.handle((1, "sync", "a", None))
    ok, state = replies[1]
    assert ok and state.epoch == 0
    assert s.work() and s.seats["a"].experiment.epoch > 0


def test_stats_report_each_sessions_numbers_and_whether_it_is_watched():
    replies = Replies()
    s = Scheduler(replies, watch_timeout=1e9)
    s.handle((0, "start", "a", start_args()))
    s.handle((0, "start", "b", start_args()))
    s.seats["b"].seen = -1e12
    s.handle((1, "frame", "a", -1))
    s.work()
    s.handle((2, "stats", "", None))
    ok, stats = replies[2]
    assert ok and set(stats) == {"a", "b"}
    assert set(stats["a"]) == {"training", "framing", "waiting", "frames", "epoch", "watched"}
    assert stats["a"]["frames"] == 1 and stats["a"]["epoch"] == 3 and stats["a"]["watched"] is True
    assert stats["b"]["frames"] == 0 and stats["b"]["epoch"] == 0 and stats["b"]["watched"] is False
    assert stats["b"]["training"] == 0.0 and stats["b"]["framing"] == 0.0 and stats["b"]["waiting"] == 0.0


def test_an_unknown_request_kind_is_answered_with_the_error():
    replies = Replies()
    s = Scheduler(replies)
    s.handle((7, "nonsense", "a", None))
    ok, message = replies[7]
    assert ok is False and message.startswith("AttributeError: ")


def test_a_frame_that_fails_stops_only_that_session_with_the_reason(monkeypatch):
    replies = Replies()
    s = Scheduler(replies)
    s.handle((0, "start", "a", start_args()))

    def broken(exp, since):
        raise ValueError("no picture")

    monkeypatch.setattr(scheduler_module.frames, "frame", broken)
    s.handle((1, "frame", "a", -1))
    s.work()
    ok, (stopped, text) = replies[1]
    message = "The live view stopped: ValueError: no picture"
    assert ok and stopped and json.loads(text) == {"stopped": True, "error": message}
    assert s.seats["a"].experiment.error == message and s.seats["a"].frames == 1


def test_a_frames_training_stops_at_its_time_limit(monkeypatch):
    """With no time for training before a frame, a frame brings one epoch (at least one), whether its
    epochs are a fixed count or the budget owed since the last frame; nothing is timed here."""
    monkeypatch.setattr(scheduler_module, "MAX_FRAME_TRAINING", 0.0)
    monkeypatch.setattr(scheduler_module, "MAX_OWED_TRAINING", 0.0)
    for epochs_per_frame in (20, 0):
        replies = Replies()
        s = Scheduler(replies)
        s.handle((0, "start", "a", start_args(replace(Settings(), epochs_per_frame=epochs_per_frame))))
        for rid in (1, 2):
            s.handle((rid, "frame", "a", -1))
            s.work()
        assert [replies.frame(rid)["epoch"] for rid in (1, 2)] == [1, 2], epochs_per_frame


def test_a_frame_owed_nothing_adds_no_point_to_the_loss_curves():
    """Three epochs of background training since the last frame: the next frame trains nothing, and the
    curves get no second point for the same epoch."""
    replies = Replies()
    s = Scheduler(replies, interrupted=lambda: True, slice_seconds=1e9)  # a slice is one epoch
    s.handle((0, "start", "a", start_args()))
    s.handle((1, "frame", "a", -1))
    s.work()
    exp = s.seats["a"].experiment
    for _ in range(EPOCHS_PER_FRAME):
        assert s.work()
    assert exp.epoch == 6
    curves = [log.arrays()[0].tolist() for log in (exp.train_log, exp.test_log)]
    s.handle((2, "frame", "a", -1))
    s.work()
    assert replies.frame(2)["epoch"] == 6
    assert [log.arrays()[0].tolist() for log in (exp.train_log, exp.test_log)] == curves
    assert curves[1] == [0, 3, 4, 5, 6]  # one point per epoch the run was recorded at
