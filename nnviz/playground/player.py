"""Playing: an experiment trained in a background thread while someone watches, frames made between epochs.

A :class:`Player` starts a thread when Play is pressed and the page asks for frames. The thread trains
its :class:`~nnviz.playground.experiment.Experiment` in chunks of about 10 ms; between two epochs it runs
the jobs others hand it (:meth:`Player.between_epochs`: the live view's frames), so a frame never fights
the training for the GIL and training never stops mid-epoch for it. A page that stops asking for frames
(a closed tab) lets the thread end after :attr:`Player.watch_timeout` seconds.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from typing import Any

from nnviz.playground.experiment import Experiment

#: The background training stops when no frame was drawn for this long (the page is gone).
WATCH_TIMEOUT = 2.0
#: Training time between two chances for drawing or a click to take the lock.
CHUNK_SECONDS = 0.01


class Player:
    """Plays one session's experiment: the play flag, the training thread and its job queue.

    Parameters
    ----------
    experiment : Experiment
        What is trained; other code may use it at any time, under ``experiment.lock``.
    """

    def __init__(self, experiment: Experiment) -> None:
        self.experiment = experiment
        self.playing = False
        self.watch_timeout = WATCH_TIMEOUT
        self._seen = 0.0
        self._thread: threading.Thread | None = None
        self._readers = 0  # frames being drawn: the training thread waits for them
        self._jobs: list[tuple[Callable[[], Any], Future]] = []  # run by the training thread
        self._jobs_lock = threading.Lock()
        self._accepting = False  # a training thread runs and will run the jobs given to it

    def play(self) -> None:
        """Start training in a background thread; it runs while :meth:`watched` keeps being called."""
        self.experiment.error = None
        self.playing = True
        self.watched()

    def pause(self) -> None:
        """Stop the background training (it finishes its current chunk of about 10 ms)."""
        self.playing = False

    def watched(self) -> None:
        """Someone is looking (a frame was drawn): keep training, and start the thread if needed.

        A session whose page is gone draws no frames, so its thread stops after
        :attr:`watch_timeout` seconds: nothing trains for a closed tab.
        """
        self._seen = time.monotonic()
        with self._jobs_lock:
            if self.playing and not self._accepting:
                self._accepting = True
                self._thread = threading.Thread(target=self._play_loop, name="nnviz-playground", daemon=True)
                self._thread.start()

    @property
    def training_in_background(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def between_epochs(self, job: Callable[[], Any]) -> Future:
        """Run ``job`` in the training thread between two epochs; at once, in this thread, if none runs.

        Returns a future of the job's result (or exception).
        """
        future: Future = Future()
        with self._jobs_lock:
            if self._accepting:
                self._jobs.append((job, future))
                return future
        _run_job(job, future)
        return future

    @contextlib.contextmanager
    def drawing(self) -> Iterator[None]:
        """Hold back the training thread (its chunk ends at the next epoch) while a frame is drawn."""
        self._readers += 1
        try:
            yield
        finally:
            self._readers -= 1

    # -- the training thread ---------------------------------------------------------------------

    def _run_jobs(self) -> None:
        with self._jobs_lock:
            jobs, self._jobs = self._jobs, []
        for job, future in jobs:
            _run_job(job, future)

    def _jobs_waiting(self) -> bool:
        return bool(self._jobs) or self._readers > 0

    def _play_loop(self) -> None:
        try:
            self._play_chunks()
        except Exception as exc:  # a thread's error would vanish: stop and say why instead
            self.playing = False
            self.experiment.error = f"Training stopped: {type(exc).__name__}: {exc}"
        finally:
            with self._jobs_lock:
                self._accepting = False
            self._run_jobs()  # those that came while the loop ended

    def _play_chunks(self) -> None:
        experiment = self.experiment
        while self.playing and time.monotonic() - self._seen < self.watch_timeout:
            self._run_jobs()
            if experiment.settings.epochs_per_frame:  # fixed epochs per frame: the frames train
                time.sleep(0.002)
                continue
            experiment.train(seconds=CHUNK_SECONDS, until=self._jobs_waiting)
            if experiment.error:  # diverged: stop, the page shows why
                self.playing = False
            time.sleep(0.0002)  # let a click take the lock between chunks
            while self._readers and self.playing:  # a frame is drawn elsewhere: leave it the CPU and GIL
                time.sleep(0.0005)


def _run_job(job: Callable[[], Any], future: Future) -> None:
    try:
        future.set_result(job())
    except Exception as exc:  # handed to whoever waits on the future
        future.set_exception(exc)
