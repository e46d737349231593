"""Playing: a session's experiment trains on a worker while its page watches.

Play seats a copy of the run on a worker (:mod:`nnviz.playground.workers`), whose scheduler trains it
fairly among the other playing sessions and makes its frames; Pause brings the run back (weights, optimizer
state, shuffling generator, loss logs: it continues bit for bit). While playing, the session's own
:class:`~nnviz.playground.experiment.Experiment` is brought up to date on demand (:meth:`Player.sync`), and
every change to it goes through :meth:`Player.changing`, which pauses around the change.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import weakref
from collections.abc import Callable, Iterator
from concurrent.futures import Future

from nnviz.playground import workers
from nnviz.playground.experiment import Experiment
from nnviz.playground.your_data import nothing_to_train

#: The frame a stream gets once the session no longer plays.
STOPPED = json.dumps({"stopped": True})


def _unseat(key: str) -> None:
    """Free a session's seat when its player is gone (the session ended while playing)."""
    pool = workers.current()
    if pool is not None:
        pool.request("drop", key)


def _chain(source: Future, target: Future) -> None:
    """Complete ``target`` as ``source`` completes."""

    def copy(done: Future) -> None:
        if done.exception() is not None:
            target.set_exception(done.exception())
        else:
            target.set_result(done.result())

    source.add_done_callback(copy)


def _stopped() -> Future:
    done: Future = Future()
    done.set_result((True, STOPPED))
    return done


class Player:
    """Plays one session's experiment (see the module docstring).

    Parameters
    ----------
    experiment : Experiment
    pool : callable, default :func:`nnviz.playground.workers.pool`
        Gives the worker pool to play on.
    """

    def __init__(self, experiment: Experiment, pool: Callable[[], workers.WorkerPool] = workers.pool) -> None:
        self.experiment = experiment
        self.key = secrets.token_hex(8)  # this session's seat on a worker
        self.playing = False
        self.run = 0  # counts Plays: the live view starts its curves afresh for a new one
        self._change: Future | None = None  # done when a change (see changing()) is over
        self._pool = pool
        weakref.finalize(self, _unseat, self.key)

    def play(self) -> None:
        """Seat the run on a worker; it trains there while the page asks for frames."""
        exp = self.experiment
        if self.playing or nothing_to_train(exp.dataset):  # an empty canvas: nothing to train (the page says)
            return
        exp.error = None
        with exp.lock:
            seat = (exp.settings, exp.dataset, exp.training_state())
        self._pool().call("start", self.key, seat)
        self.playing = True
        self.run += 1

    def pause(self) -> None:
        """Bring the run back from its worker and stop playing."""
        if not self.playing:
            return
        self.playing = False
        self._bring_back("stop")

    def sync(self) -> Experiment:
        """Bring the experiment up to date with the run on the worker (a run that stopped by itself, having
        diverged, stops playing); returns the experiment."""
        if self.playing:
            self._bring_back("sync")
            if self.experiment.error:
                self.pause()
        return self.experiment

    def _bring_back(self, kind: str) -> None:
        try:
            state = self._pool().call(kind, self.key)
        except (workers.WorkerGoneError, RuntimeError, TimeoutError) as exc:
            self.playing = False
            self.experiment.error = f"Training stopped: {exc}. The network is as it was at the last Play."
            return
        self.experiment.load_training(state)

    def frame(self, since: int) -> Future:
        """The next frame, as ``(stopped, JSON text)``, made by the worker (see :mod:`.frames`).

        Asked while a change pauses the run, it waits for the change to end (the stream goes on).
        """
        change = self._change
        if not self.playing and change is not None:
            later: Future = Future()
            change.add_done_callback(lambda _: _chain(self.frame(since), later))
            return later
        if not self.playing:
            return _stopped()
        return self._pool().request("frame", self.key, since)

    def frame_maker(self) -> Callable[[int], Future]:
        """:meth:`frame` for the frame stream, without keeping the player alive (its session may end)."""
        ref = weakref.ref(self)

        def make(since: int) -> Future:
            player = ref()
            return player.frame(since) if player is not None else _stopped()

        return make

    @contextlib.contextmanager
    def changing(self) -> Iterator[Experiment]:
        """Change the experiment: paused meanwhile, playing again afterwards if it was (and still can)."""
        was_playing = self.playing
        change, self._change = self._change, Future() if was_playing else None
        self.pause()
        try:
            yield self.experiment
        finally:
            try:
                if was_playing and self.experiment.error is None:
                    self.play()
            finally:
                done, self._change = self._change, change
                if done is not None:
                    done.set_result(None)


__all__ = ["Player"]
