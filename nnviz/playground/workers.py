"""Worker processes that play: one :class:`~nnviz.playground.scheduler.Scheduler` per core.

The GIL keeps one Python process to one core, so the sessions' training and frame-making run in worker
processes started next to Streamlit's server, one per core (``NNVIZ_WORKERS`` sets another count; 0 runs a
single scheduler in a thread of this process, which tests use). Each playing session is seated on the
least busy worker and stays there until it stops; its page's frame requests go to that worker and the
replies (JSON text) come back through a pipe. The Streamlit process then only forwards bytes.

Requests and replies are plain data sent over :func:`multiprocessing.Pipe` between this app's own
processes; nothing from a browser or a file is ever unpickled (uploads are parsed by the ``.nn`` reader
before anything reaches a worker).
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import threading
from concurrent.futures import Future
from multiprocessing.connection import Connection
from typing import Any

from nnviz.playground.scheduler import Request, Scheduler

#: Seconds a caller waits for a worker's answer before giving up.
TIMEOUT = 30.0


class WorkerGoneError(RuntimeError):
    """The worker a session was playing on has ended (it crashed or was shut down)."""


def serve(conn: Connection) -> None:
    """A worker's loop: take requests as they come, and between them do the scheduler's next unit of work."""
    scheduler = Scheduler(conn.send, interrupted=conn.poll)
    busy = False
    while True:
        while conn.poll(0 if busy else None):  # block while there is nothing to do
            try:
                request = conn.recv()
            except (EOFError, OSError):  # the server went away
                return
            if request is None:
                return
            scheduler.handle(request)
            busy = True
        busy = scheduler.work()


def _context():
    """Processes forked from a clean server process that has imported this module (and so NumPy, SymPy and
    the engine) once: never a fork of the threaded Streamlit server, and no import of its ``__main__``."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


class Worker:
    """One worker (a process, or a thread of this process) and the pipe to it."""

    def __init__(self, in_thread: bool = False) -> None:
        self.conn, child = multiprocessing.Pipe()
        runner = threading.Thread if in_thread else _context().Process
        self._runner: Any = runner(target=serve, args=(child,), name="nnviz-worker", daemon=True)
        self._runner.start()
        if not in_thread:
            child.close()
        self.keys: set[str] = set()
        self.alive = True
        self._pending: dict[int, Future] = {}
        self._ids = itertools.count()
        self._lock = threading.Lock()
        threading.Thread(target=self._read, name="nnviz-worker-replies", daemon=True).start()

    def request(self, kind: str, key: str, arg: Any = None) -> Future:
        """Send a request; its reply completes the returned future (or fails it, if the worker ends)."""
        future: Future = Future()
        with self._lock:
            if not self.alive:
                future.set_exception(WorkerGoneError("the training worker has ended"))
                return future
            rid = next(self._ids)
            self._pending[rid] = future
            request: Request = (rid, kind, key, arg)
            try:
                self.conn.send(request)
            except OSError:
                self._pending.pop(rid)
                future.set_exception(WorkerGoneError("the training worker has ended"))
        return future

    def _read(self) -> None:
        while True:
            try:
                rid, ok, value = self.conn.recv()
            except (EOFError, OSError):
                break
            with self._lock:
                future = self._pending.pop(rid, None)
            if future is not None:
                future.set_result(value) if ok else future.set_exception(RuntimeError(value))
        with self._lock:
            self.alive = False
            pending, self._pending = self._pending, {}
        for future in pending.values():
            future.set_exception(WorkerGoneError("the training worker has ended"))

    def close(self) -> None:
        with self._lock:
            if self.alive:
                try:
                    self.conn.send(None)
                except OSError:
                    pass
        self._runner.join(5)
        if getattr(self._runner, "is_alive", lambda: False)() and hasattr(self._runner, "terminate"):
            self._runner.terminate()


class WorkerPool:
    """The workers of this server, and which session plays on which.

    Parameters
    ----------
    workers : int, optional
        How many worker processes; default ``NNVIZ_WORKERS`` or the number of cores. 0: one scheduler in a
        thread of this process.
    """

    def __init__(self, workers: int | None = None) -> None:
        if workers is None:
            workers = int(os.environ.get("NNVIZ_WORKERS", os.cpu_count() or 1))
        self.in_thread = workers == 0
        self.size = max(1, workers)
        self._workers: list[Worker] = []
        self._seats: dict[str, Worker] = {}
        self._lock = threading.Lock()
        with self._lock:
            self._fill()

    def _fill(self) -> None:
        self._workers = [w for w in self._workers if w.alive]
        while len(self._workers) < self.size:
            self._workers.append(Worker(self.in_thread))

    def request(self, kind: str, key: str, arg: Any = None) -> Future:
        """Send a request about session ``key``; ``start`` seats the session on the least busy worker."""
        with self._lock:
            worker = self._seats.get(key)
            if kind == "start":
                if worker is not None:
                    worker.keys.discard(key)
                self._fill()
                worker = min(self._workers, key=lambda w: len(w.keys))
                worker.keys.add(key)
                self._seats[key] = worker
            elif kind in ("stop", "drop") and worker is not None:
                worker.keys.discard(key)
                del self._seats[key]
        if worker is None:
            future: Future = Future()
            future.set_exception(WorkerGoneError(f"session {key[:6]}… is not playing on any worker"))
            return future
        return worker.request(kind, key, arg)

    def call(self, kind: str, key: str, arg: Any = None, timeout: float = TIMEOUT) -> Any:
        """:meth:`request` and wait for the answer."""
        return self.request(kind, key, arg).result(timeout)

    def stats(self) -> dict[str, dict[str, float]]:
        """Every seated session's counters (see :meth:`Scheduler._stats`), from all workers."""
        with self._lock:
            workers = list(self._workers)
        out: dict[str, dict[str, float]] = {}
        for worker in workers:
            out.update(worker.request("stats", "").result(TIMEOUT))
        return out

    def close(self) -> None:
        with self._lock:
            workers, self._workers, self._seats = self._workers, [], {}
        for worker in workers:
            worker.close()


_pool: WorkerPool | None = None
_pool_lock = threading.Lock()


def pool() -> WorkerPool:
    """This server's worker pool, started on first use (``app.py`` starts it with the server)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = WorkerPool()
        return _pool


def current() -> WorkerPool | None:
    """This server's worker pool if it has been started, else None."""
    return _pool


def shutdown() -> None:
    """Stop this server's workers (at server shutdown)."""
    global _pool
    with _pool_lock:
        current, _pool = _pool, None
    if current is not None:
        current.close()
