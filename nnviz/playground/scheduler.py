"""Schedule, don't race: one loop serves every playing session of a process, frames first.

A :class:`Scheduler` owns the experiments that are playing in its process (a worker of
:mod:`nnviz.playground.workers`) and does one thing at a time, in this order:

1. **A frame somebody waits for.** Requests are served in the order they came. Each frame brings a
   small budget of training with it: a session that has trained fewer than :data:`EPOCHS_PER_FRAME` epochs
   since its last frame trains up to that many first (at most :data:`MAX_FRAME_TRAINING` seconds), so that
   a crowd of pages asking for frames cannot starve the training they want to watch. A session with a
   fixed number of epochs per frame trains those instead.
2. **Training, shared fairly.** Otherwise the watched session that has had the least training time so far
   trains one short slice (a few milliseconds of whole epochs); the slice ends early, at the next epoch,
   when a request arrives. Adding a learner divides the spare time instead of multiplying contention, and
   a newcomer starts level with the least-served session, so nobody starves.

A session is *watched* while its page asks for frames; one that has not asked for :data:`WATCH_TIMEOUT`
seconds (paused, hidden or closed tab) costs no CPU until it asks again. Requests and replies are plain
data (:class:`~nnviz.playground.experiment.TrainingState`, JSON text), so the scheduler can run in
another process. No Streamlit, no threads here.
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nnviz.playground import frames
from nnviz.playground.experiment import Experiment

#: Training time a session gets at once before the scheduler looks at the others and at new requests.
SLICE_SECONDS = 0.005
#: A session whose page has not asked for a frame for this long is not trained (its tab is gone or hidden).
WATCH_TIMEOUT = 2.0
#: Longest training of one frame with a fixed number of epochs per frame (others wait meanwhile).
MAX_FRAME_TRAINING = 0.05
#: Epochs a session trains at least between two of its frames (its budget per frame interval), and the
#: longest that may take before its frame is served anyway.
EPOCHS_PER_FRAME, MAX_OWED_TRAINING = 3, 0.01

#: A request: ``(request id, kind, session key, argument)``; a reply: ``(request id, ok, value)``.
Request = tuple[int, str, str, Any]
Reply = tuple[int, bool, Any]


@dataclass
class Seat:
    """A playing session: its experiment and what it has been given."""

    experiment: Experiment
    seen: float  # when its page last asked for a frame (time.monotonic)
    training: float  # CPU seconds of training it has had (what fairness compares)
    framing: float = 0.0  # CPU seconds spent making its frames
    waiting: float = 0.0  # seconds its frame requests waited before being served
    frames: int = 0
    framed_epoch: int = 0  # the epoch of its last frame


class Scheduler:
    """Serves the sessions playing in one process (see the module docstring).

    Parameters
    ----------
    reply : callable
        ``reply((request_id, ok, value))`` sends a reply to whoever asked.
    interrupted : callable, optional
        Asked after every epoch of a slice: True ends the slice (a new request is waiting).
    """

    def __init__(
        self,
        reply: Callable[[Reply], None],
        interrupted: Callable[[], bool] = lambda: False,
        *,
        slice_seconds: float = SLICE_SECONDS,
        watch_timeout: float = WATCH_TIMEOUT,
    ) -> None:
        self.reply = reply
        self.interrupted = interrupted
        self.slice_seconds = slice_seconds
        self.watch_timeout = watch_timeout
        self.seats: dict[str, Seat] = {}
        self._frames: deque[tuple[int, str, int, float]] = deque()  # (id, key, since, when asked)

    # -- requests ----------------------------------------------------------------------------------

    def handle(self, request: Request) -> None:
        """Take one request; frame requests are queued (answered by :meth:`work`), the others answered now."""
        rid, kind, key, arg = request
        try:
            if kind == "frame":
                self._frames.append((rid, key, arg, time.monotonic()))
                return
            self.reply((rid, True, getattr(self, f"_{kind}")(key, arg)))
        except Exception as exc:  # the asker gets the error; the loop goes on for everyone else
            self.reply((rid, False, f"{type(exc).__name__}: {exc}"))

    def _start(self, key: str, arg: tuple) -> None:
        settings, dataset, state = arg
        level = min((seat.training for seat in self.seats.values()), default=0.0)
        self.seats[key] = Seat(Experiment.resumed(settings, dataset, state), time.monotonic(), level)

    def _stop(self, key: str, arg: Any):
        return self.seats.pop(key).experiment.training_state()

    def _sync(self, key: str, arg: Any):
        seat = self.seats[key]
        seat.seen = time.monotonic()  # a page that is redrawn is watched
        return seat.experiment.training_state()

    def _drop(self, key: str, arg: Any) -> None:
        self.seats.pop(key, None)

    def _stats(self, key: str, arg: Any) -> dict[str, dict[str, float]]:
        """Per session: seconds of training, of frame-making and of frames waiting; frames, epochs, and
        whether its page still asks for frames."""
        now = time.monotonic()
        return {
            k: {
                "training": s.training,
                "framing": s.framing,
                "waiting": s.waiting,
                "frames": s.frames,
                "epoch": s.experiment.epoch,
                "watched": now - s.seen < self.watch_timeout,
            }
            for k, s in self.seats.items()
        }

    # -- work --------------------------------------------------------------------------------------

    def work(self) -> bool:
        """Do the next unit of work; False when there is nothing to do until a request comes."""
        if self._frames:
            self._serve_frame(*self._frames.popleft())
            return True
        seat = self._most_deserving()
        if seat is None:
            return False
        # Fairness counts CPU time, not wall-clock time: a slice during which the OS ran something else
        # (browsers on the same cores, say) must not count against this session.
        start = time.thread_time()
        seat.experiment.train(seconds=self.slice_seconds, until=self.interrupted)
        seat.training += time.thread_time() - start
        return True

    def _most_deserving(self) -> Seat | None:
        """The watched, trainable session that has had the least training so far."""
        now = time.monotonic()
        candidates = [
            seat
            for seat in self.seats.values()
            if now - seat.seen < self.watch_timeout
            and seat.experiment.error is None
            and not seat.experiment.settings.epochs_per_frame
        ]
        return min(candidates, key=lambda seat: seat.training, default=None)

    def _train_owed(self, seat: Seat) -> None:
        """Before a frame: the epochs it brings (a fixed count, or the session's budget per frame)."""
        exp = seat.experiment
        if exp.settings.epochs_per_frame:
            exp.train(epochs=exp.settings.epochs_per_frame, seconds=MAX_FRAME_TRAINING)
            return
        owed = EPOCHS_PER_FRAME - (exp.epoch - seat.framed_epoch)
        if owed > 0:
            start = time.thread_time()
            exp.train(epochs=owed, seconds=MAX_OWED_TRAINING)
            seat.training += time.thread_time() - start

    def _serve_frame(self, rid: int, key: str, since: int, asked: float) -> None:
        seat = self.seats.get(key)
        if seat is None:
            self.reply((rid, True, (True, json.dumps({"stopped": True}))))
            return
        seat.waiting += time.monotonic() - asked
        seat.seen = time.monotonic()
        exp = seat.experiment
        start = time.thread_time()
        try:
            if exp.error is None:
                self._train_owed(seat)
                start = time.thread_time()  # what follows is the frame's own cost
            seat.framed_epoch = exp.epoch
            data = frames.frame(exp, since)
            data["stopped"] = stopped = exp.error is not None
            self.reply((rid, True, (stopped, json.dumps(data, separators=(",", ":")))))
        except Exception as exc:  # a broken frame stops only this session's stream, with the reason
            exp.error = f"The live view stopped: {type(exc).__name__}: {exc}"
            self.reply((rid, True, (True, json.dumps({"stopped": True, "error": exp.error}))))
        seat.frames += 1
        seat.framing += time.thread_time() - start


__all__ = ["Reply", "Request", "Scheduler", "Seat"]
