"""The player and scheduler details the mutation run left untested (docs/testing.md, *Mutation testing*).

The player's side runs on a fake worker pool that answers as told (a worker that fails during Pause or
sync, a frame that fails after a change); the scheduler's bookkeeping runs on fake clocks, so its CPU and
waiting seconds are exact sums instead of "something grew".
"""

from __future__ import annotations

import gc
import json
from concurrent.futures import Future
from types import SimpleNamespace

import pytest

from nnviz.playground import scheduler as scheduler_module
from nnviz.playground import workers
from nnviz.playground.experiment import Experiment
from nnviz.playground.player import Player
from nnviz.playground.scheduler import Scheduler
from nnviz.playground.settings import Settings

# -- the player, on a fake pool ----------------------------------------------------------------------


class FakePool:
    """Answers ``call`` with a training state (or raises ``fail[kind]``); ``request`` gives a future that the
    test completes (``frames`` keeps each one with its arguments)."""

    def __init__(self, experiment: Experiment) -> None:
        self.state = experiment.training_state()
        self.fail: dict[str, BaseException] = {}
        self.calls: list[tuple[str, str, object]] = []
        self.frames: list[tuple[tuple, Future]] = []

    def call(self, kind: str, key: str, arg=None):
        self.calls.append((kind, key, arg))
        if kind in self.fail:
            raise self.fail[kind]
        return None if kind == "start" else self.state

    def request(self, kind: str, key: str, arg=None) -> Future:
        future: Future = Future()
        self.frames.append(((kind, key, arg), future))
        return future


@pytest.fixture(autouse=True)
def no_pool_behind(monkeypatch):
    """A player that is collected frees its seat on the current pool: here there is none."""
    monkeypatch.setattr(workers, "current", lambda: None)


def playing_player() -> tuple[Player, FakePool]:
    exp = Experiment()
    pool = FakePool(exp)
    player = Player(exp, pool=lambda: pool)
    player.play()
    assert player.playing
    return player, pool


@pytest.mark.parametrize(
    "error", [workers.WorkerGoneError("worker 0 is gone"), TimeoutError("no answer"), RuntimeError("broken")]
)
def test_a_worker_failing_during_pause_stops_the_player_and_says_why(error):
    player, pool = playing_player()
    pool.fail["stop"] = error
    player.pause()
    assert not player.playing
    message = player.experiment.error
    assert message == f"Training stopped: {error}. The network is as it was at the last Play."
    assert player.frame(-1).result(0)[0]  # the stream ends


@pytest.mark.parametrize("error", [workers.WorkerGoneError("worker 0 is gone"), TimeoutError("no answer")])
def test_a_worker_failing_during_sync_stops_the_player_and_says_why(error):
    player, pool = playing_player()
    pool.fail["sync"] = pool.fail["stop"] = error
    assert player.sync() is player.experiment
    assert not player.playing
    assert player.experiment.error == f"Training stopped: {error}. The network is as it was at the last Play."
    assert player.frame(-1).result(0)[0]
    player.pause()  # already stopped: asks the worker nothing more
    assert [kind for kind, _, _ in pool.calls] == ["start", "sync"]


def test_a_worker_failing_during_sync_alone_stops_the_player_too():
    player, pool = playing_player()
    pool.fail["sync"] = workers.WorkerGoneError("worker 1 is gone")
    player.sync()
    assert not player.playing and player.experiment.error.startswith("Training stopped: worker 1 is gone.")


def test_a_frame_that_fails_after_a_change_fails_the_waiting_frame_with_its_error():
    player, pool = playing_player()
    with player.changing():
        waiting = player.frame(7)
        assert not waiting.done()
    assert player.playing and not waiting.done()
    (args, frame), *_ = pool.frames
    assert args == ("frame", player.key, 7)
    error = workers.WorkerGoneError("worker 0 is gone")
    frame.set_exception(error)
    assert waiting.exception(0) is error
    with pytest.raises(workers.WorkerGoneError):
        waiting.result(0)


def test_a_frame_after_a_change_passes_its_result_on():
    player, pool = playing_player()
    with player.changing():
        waiting = player.frame(3)
    (_, frame), *_ = pool.frames
    frame.set_result((False, '{"epoch":1}'))
    assert waiting.result(0) == (False, '{"epoch":1}')


def test_the_frame_maker_asks_the_players_worker_for_the_frame_since():
    player, pool = playing_player()
    make = player.frame_maker()
    future = make(42)
    assert pool.frames and pool.frames[-1] == (("frame", player.key, 42), future)
    assert not future.done()  # the worker's frame, not a stopped one
    player.pause()
    assert make(5).result(0) == (True, json.dumps({"stopped": True}))  # paused: stopped, not asked


def test_the_frame_maker_does_not_keep_the_player_alive_and_says_stopped_once_it_is_gone():
    player, pool = playing_player()
    make = player.frame_maker()
    asked = len(pool.frames)
    del player
    gc.collect()
    stopped, text = make(0).result(0)
    assert stopped and json.loads(text) == {"stopped": True}
    assert len(pool.frames) == asked  # nobody asked the worker


# -- the scheduler's bookkeeping, on fake clocks -------------------------------------------------------


class Clocks:
    """``thread_time`` moves one second each time it is read, from a large start (so a sum that adds the
    start instead of subtracting it is far off); ``monotonic`` moves only when the test says."""

    def __init__(self) -> None:
        self.cpu = 1000.0
        self.now = 5000.0

    def thread_time(self) -> float:
        self.cpu += 1.0
        return self.cpu

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clocks(monkeypatch):
    fake = Clocks()
    monkeypatch.setattr(
        scheduler_module, "time", SimpleNamespace(thread_time=fake.thread_time, monotonic=fake.monotonic)
    )
    monkeypatch.setattr(scheduler_module, "MAX_OWED_TRAINING", 1e9)
    monkeypatch.setattr(scheduler_module, "MAX_FRAME_TRAINING", 1e9)
    return fake


def started(replies: list) -> Scheduler:
    exp = Experiment(Settings())
    s = Scheduler(replies.append)
    s.handle((0, "start", "a", (exp.settings, exp.dataset, exp.training_state())))
    assert replies == [(0, True, None)] and s.seats["a"].training == 0.0
    return s


def test_training_slices_add_up_their_cpu_seconds(clocks):
    s = started([])
    for _ in range(3):
        assert s.work()  # a slice: the CPU clock is read twice, one second apart
    assert s.seats["a"].training == 3.0


def test_a_frames_owed_training_and_its_making_add_up_their_cpu_seconds(clocks):
    replies: list = []
    s = started(replies)
    seat = s.seats["a"]
    for rid in (1, 2, 3):
        s.handle((rid, "frame", "a", -1))
        assert s.work()
        assert replies[-1][0] == rid and replies[-1][1]
        # each frame: owed epochs (one CPU second) then the frame itself (one more)
        assert seat.training == rid and seat.framing == rid and seat.frames == rid
    assert s.work()  # a slice after the frames adds to the frames' training
    assert seat.training == 4.0


def test_frames_waiting_times_add_up(clocks):
    s = started([])
    seat = s.seats["a"]
    waits = []
    for rid, wait in ((1, 3.0), (2, 0.5), (3, 2.0)):
        s.handle((rid, "frame", "a", -1))
        clocks.now += wait
        assert s.work()
        waits.append(seat.waiting)
    assert waits == [3.0, 3.5, 5.5]


def test_play_while_playing_or_on_an_empty_canvas_starts_nothing():
    player, pool = playing_player()
    player.play()  # already playing: the run is not seated again
    assert [kind for kind, _, _ in pool.calls] == ["start"] and player.run == 1 and player.playing

    from nnviz.playground import your_data

    exp = Experiment()
    exp.set_data(your_data.empty())  # no points to train on
    empty_pool = FakePool(exp)
    idle = Player(exp, pool=lambda: empty_pool)
    idle.play()
    assert not idle.playing and idle.run == 0 and empty_pool.calls == []


def test_a_paused_player_is_not_playing_as_a_bool_the_play_button_can_take():
    # The page draws Play with disabled=player.playing; Streamlit's button refuses None there (its
    # protocol field is a bool: TypeError), so Pause must leave exactly False, not another falsy value.
    player, pool = playing_player()
    player.pause()
    assert player.playing is False
    assert [kind for kind, _, _ in pool.calls] == ["start", "stop"]


@pytest.mark.parametrize("kind", ["stop", "sync"])
def test_a_worker_failing_leaves_the_player_not_playing_as_a_bool(kind):
    player, pool = playing_player()
    pool.fail[kind] = workers.WorkerGoneError("worker 0 is gone")
    player.pause() if kind == "stop" else player.sync()
    assert player.playing is False


def test_a_session_is_watched_only_until_exactly_the_watch_timeout(clocks):
    # Seated at 5000 s with a 10 s timeout: at 5009.5 it is watched and trained, at 5010 (exactly the
    # timeout since it was last seen) it is no longer: no slice runs, stats say unwatched.
    replies: list = []
    s = Scheduler(replies.append, watch_timeout=10.0)
    exp = Experiment(Settings())
    s.handle((0, "start", "a", (exp.settings, exp.dataset, exp.training_state())))
    clocks.now = 5009.5
    s.handle((1, "stats", "", None))
    assert replies[-1][2]["a"]["watched"] is True
    assert s.work() and s.seats["a"].training == 1.0  # one slice: one fake CPU second
    clocks.now = 5010.0
    s.handle((2, "stats", "", None))
    assert replies[-1][2]["a"]["watched"] is False
    assert not s.work() and s.seats["a"].training == 1.0


def test_a_frame_is_sent_as_compact_json(clocks):
    replies: list = []
    s = started(replies)
    s.handle((1, "frame", "a", -1))
    assert s.work()
    rid, ok, (stopped, text) = replies[-1]
    assert (rid, ok, stopped) == (1, True, False)
    assert text.startswith("{") and text == json.dumps(json.loads(text), separators=(",", ":"))
