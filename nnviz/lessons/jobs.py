"""Long work of a learning page run in a child process at lower priority, with progress, stoppable.

A page starts a :class:`Job` and polls it (a Streamlit call between polls lets Streamlit interrupt the
page's run when the session ends or the learner presses a button); whatever ends the run, the page calls
:meth:`Job.stop`, which kills the child. The child lowers its own priority (``os.nice``) first, so the
playground's live views, which run at normal priority, keep their share of the CPU.

Messages are plain data sent over a :func:`multiprocessing.Pipe` between this app's own processes: the
arguments (set-ups and arrays the page made) and the result (arrays, numbers, text). Nothing from a browser
or a file is unpickled here.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import resource
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

from nnviz.core.errors import NNVizError
from nnviz.core.sandbox import main_hidden

#: How much the child lowers its priority (``os.nice`` increment; 19 is the lowest priority).
NICENESS = 10
#: At most this many jobs run at once in this server (one per core): more visitors wait their turn.
MAX_JOBS = max(1, os.cpu_count() or 1)
#: Seconds :meth:`Job.stop` waits for the child to end after SIGTERM before it sends SIGKILL.
KILL_AFTER = 0.3

_live: set[Job] = set()
_live_lock = threading.Lock()


class TooManyJobsError(NNVizError):
    """Every job slot of this server is taken."""


def _child(conn, niceness: int, cpu_seconds: float | None, target: Callable[..., Any], args: tuple) -> None:
    """The child's side: lower the priority, cap the CPU time, run ``target(*args, progress=...)``, send
    the outcome."""
    try:
        os.nice(niceness)
    except OSError:  # not allowed here: run at the same priority rather than not at all
        pass
    if cpu_seconds is not None:  # the kernel ends the child (SIGXCPU) if the estimate was far too low
        limit = math.ceil(cpu_seconds)
        resource.setrlimit(resource.RLIMIT_CPU, (limit, limit + 1))

    def progress(share: float) -> None:
        conn.send(("progress", float(share)))

    try:
        result = target(*args, progress=progress)
    except NNVizError as exc:
        conn.send(("error", str(exc)))
    except Exception as exc:  # the page shows one readable line, not a traceback
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    else:
        conn.send(("done", result))
    finally:
        conn.close()


def _context(target: Callable[..., Any]):
    """Children forked from a clean server process (a fork of the threaded Streamlit server is unsafe),
    which has imported the target's module if this starts it (else it imports it in each child)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([target.__module__])
    return context


class Job:
    """``target(*args, progress=callback)`` running in a child process.

    Parameters
    ----------
    target : callable
        A module-level function (the child imports it by name).
    niceness : int
        How much the child lowers its priority.
    cpu_seconds : float, optional
        Most CPU seconds the child may use; the kernel stops it beyond (:attr:`error` says so).

    Attributes
    ----------
    progress : float
        The last share (0..1) the child reported.
    result : Any
        What ``target`` returned, once :attr:`state` is ``"done"``.
    error : str
        Why it failed, once :attr:`state` is ``"error"``.
    state : str
        ``"running"``, ``"done"``, ``"error"`` or ``"stopped"``.
    started : float
        ``time.monotonic()`` when the job started.

    Raises
    ------
    TooManyJobsError
        When :data:`MAX_JOBS` jobs are already running in this server.
    """

    def __init__(
        self,
        target: Callable[..., Any],
        args: tuple = (),
        *,
        niceness: int = NICENESS,
        cpu_seconds: float | None = None,
    ) -> None:
        with _live_lock:
            if len(_live) >= MAX_JOBS:
                raise TooManyJobsError(
                    f"{len(_live)} training runs are going on this server already (at most {MAX_JOBS} at "
                    "once): try again in a moment"
                )
            _live.add(self)
        self.progress, self.result, self.error, self.state = 0.0, None, "", "running"
        self.started = time.monotonic()
        self.cpu_seconds = cpu_seconds
        try:
            context = _context(target)
            self._conn, child = context.Pipe(duplex=False)
            self._process = context.Process(
                target=_child,
                args=(child, niceness, cpu_seconds, target, args),
                name="nnviz-job",
                daemon=True,
            )
            with main_hidden():
                self._process.start()
            child.close()
        except BaseException:
            self._release()
            raise

    @property
    def pid(self) -> int | None:
        """The child's process id."""
        return self._process.pid

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def poll(self, timeout: float = 0.2) -> bool:
        """Read what the child sent within ``timeout`` seconds; True once the job has ended."""
        if self.state != "running":
            return True
        end = time.monotonic() + timeout
        try:
            while self._conn.poll(max(0.0, end - time.monotonic())):
                kind, value = self._conn.recv()
                if kind == "progress":
                    self.progress = value
                    continue
                if kind == "done":
                    self.state, self.result, self.progress = "done", value, 1.0
                else:
                    self.state, self.error = "error", value
                self._finish()
                return True
        except (EOFError, OSError):  # the child ended without a word (killed, out of CPU time or memory)
            self._finish()
            self.state = "error"
            code = self._process.exitcode
            if code == -signal.SIGXCPU:
                self.error = f"the run used its limit of {self.cpu_seconds:.0f} s of CPU and was ended"
            else:
                self.error = f"the training process ended unexpectedly (exit code {code})"
            return True
        return False

    def stop(self) -> None:
        """Kill the child (if it still runs) and wait until it has ended; a finished job is left as it is."""
        if self.state == "running":
            self.state = "stopped"
        self._finish()

    def _finish(self) -> None:
        process = self._process
        if process.is_alive():
            process.terminate()
            process.join(KILL_AFTER)
            if process.is_alive():
                process.kill()
        process.join()
        self._conn.close()
        self._release()

    def _release(self) -> None:
        with _live_lock:
            _live.discard(self)


def running() -> int:
    """How many jobs are running in this server."""
    with _live_lock:
        return len(_live)
