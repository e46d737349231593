"""Run work that may hang or exhaust memory in a child process with hard limits.

Some libraries can spend minutes or gigabytes on a tiny input (SymPy comparing towers of ``exp``), and
``signal.alarm`` works only in the main thread, which Streamlit scripts do not run in. So such work
is done by :func:`run_in_child` in a child process: a plain ``os.fork`` where that is safe (about
10 ms), else a ``multiprocessing`` spawn process (macOS, Windows). The child is killed once its
wall-clock time is up, gets a matching CPU-time limit (which also ends it if its parent dies first)
and, on Linux, may add at most a given number of bytes to the address space it starts with.

The child sends each item's result back as one JSON message, so nothing it returns can run code in
the parent; the parent never unpickles anything from it.

>>> run_in_child(abs, [-2, 3], seconds=5.0, memory=2**28)
[2, 3]
"""

from __future__ import annotations

import contextlib
import json
import math
import multiprocessing
import os
import signal
import sys
import threading
import time
import types
from collections.abc import Callable, Iterator, Sequence
from typing import Any

#: Longest result message, in bytes of JSON, that one item may send back; a longer one ends the run
#: as if the child had died.
MAX_RESULT_BYTES = 8192


class SandboxError(Exception):
    """Base class of the errors :func:`run_in_child` raises or reports."""


class LaunchError(SandboxError):
    """The child process could not be created (no processes allowed, or too many); raised.

    Its message is that of the underlying :class:`OSError` or :class:`AssertionError`.
    """


class StartupError(SandboxError):
    """The child process was created but died, or did not report ready in time; raised."""


class TimeLimitError(SandboxError):
    """Reported (returned, not raised) for the item that was still running when the time ran out."""


class ChildDiedError(SandboxError):
    """Reported (returned, not raised) for the item that was running when the child died.

    The usual causes are running out of memory outside Python's reach, a crash inside an extension
    module, an exception escaping ``work``, or a result longer than :data:`MAX_RESULT_BYTES`.
    """


def fork_is_safe() -> bool:
    """Whether :func:`run_in_child` forks by default.

    Fork where it is available and safe: not on macOS, whose system libraries break after fork.
    """
    return hasattr(os, "fork") and sys.platform != "darwin"


def run_in_child(
    work: Callable[[Any], Any],
    items: Sequence[Any],
    *,
    seconds: float,
    memory: int,
    startup: float = 60.0,
    fork: bool | None = None,
    prepare: Callable[[], object] | None = None,
) -> list[Any]:
    """Compute ``work(item)`` for each item, in order, in one child process with hard limits.

    Parameters
    ----------
    work : callable
        Called in the child with one item; must return a JSON-serialisable value (tuples come back
        as lists). It should catch its own exceptions and turn them into values: an exception that
        escapes ends the child, and is reported as :class:`ChildDiedError`. When the child is spawned
        rather than forked, ``work`` and ``items`` must be picklable (a module-level function, or a
        :func:`functools.partial` of one) and ``work`` sees freshly imported modules, not this
        process's state.
    items : sequence
        The inputs, handled one after another.
    seconds : float
        Wall-clock time for all items together, counted from the moment the child reports ready.
        The child's CPU time is also capped: what it has used when it starts, plus ``seconds``,
        rounded up, plus one second.
    memory : int
        Bytes of address space the child may add to what it starts with (Linux only; 0 for no
        cap). Going past it makes allocations fail with :class:`MemoryError` inside ``work``.
    startup : float, optional
        Seconds the child may take to start and report ready, before the clock starts; a spawned
        child spends this importing modules.
    fork : bool, optional
        Fork (True) or spawn (False); by default :func:`fork_is_safe` decides.
    prepare : callable, optional
        Called in this process just before forking (never when spawning), so that one-time costs
        such as imports and warmed caches are paid once and inherited by every child.

    Returns
    -------
    list
        One entry per item reached, in order: the value ``work`` returned, after a JSON round trip;
        or, for the item that was running when the time ran out or the child died, a
        :class:`TimeLimitError` or :class:`ChildDiedError` instance, after which the remaining items
        are left out. Only the last entry can be such an error.

    Raises
    ------
    LaunchError
        If the child process cannot be created.
    StartupError
        If it is created but dies or does not report ready within ``startup`` seconds.
    """
    if fork is None:
        fork = fork_is_safe()
    receiver, sender = multiprocessing.Pipe(duplex=False)
    results: list[Any] = []
    child = None
    try:
        try:
            child = _Child(fork, prepare, (sender, work, tuple(items), memory, seconds))
        except (OSError, AssertionError) as exc:  # no processes allowed, or too many
            raise LaunchError(str(exc)) from None
        finally:
            sender.close()
        try:
            started = receiver.poll(startup) and receiver.recv_bytes(16) == b"ready"
        except (EOFError, OSError):
            started = False
        if not started:
            raise StartupError("the child process died or did not report ready")
        deadline = time.monotonic() + seconds
        for _ in items:
            if not receiver.poll(max(0.0, deadline - time.monotonic())):
                results.append(TimeLimitError(f"over {seconds:g} s"))
                break
            results.append(json.loads(receiver.recv_bytes(MAX_RESULT_BYTES)))
    except (EOFError, OSError):  # the child died: out of memory, a crash, or a result too long
        results.append(ChildDiedError("the child process died"))
    finally:
        receiver.close()
        if child is not None:
            child.stop()
    return results


def _limit_resources(memory: int, seconds: float) -> None:
    """Cap this (child) process's CPU time and, on Linux, its address space.

    The CPU cap also ends a child whose parent died before it could kill it. The memory cap is the address
    space the child starts with plus ``memory``; free space in the heap it inherited counts as started
    with, so malloc may hand out that much more before the cap bites.
    """
    try:
        import resource
    except ImportError:  # Windows: the parent's kill is the only limit
        return

    def cap(which: int, soft: int) -> None:
        _, hard = resource.getrlimit(which)
        resource.setrlimit(which, (soft if hard == resource.RLIM_INFINITY else min(hard, soft), hard))

    usage = resource.getrusage(resource.RUSAGE_SELF)
    cap(resource.RLIMIT_CPU, math.ceil(usage.ru_utime + usage.ru_stime + seconds) + 1)
    if memory and sys.platform.startswith("linux"):
        with open("/proc/self/statm") as statm:
            used = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        cap(resource.RLIMIT_AS, used + memory)


def _child_main(conn, work: Callable[[Any], Any], items: Sequence[Any], memory: int, seconds: float) -> None:
    """Entry point of the child: limit itself, say ready, then send each result as one JSON message."""
    try:
        _limit_resources(memory, seconds)
        conn.send_bytes(b"ready")
        for item in items:
            conn.send_bytes(json.dumps(work(item)).encode())
        conn.close()
    finally:
        os._exit(0)


_main_lock = threading.Lock()


@contextlib.contextmanager
def main_hidden() -> Iterator[None]:
    """Hide ``sys.modules["__main__"]`` while a spawned child starts.

    A spawned child re-runs the parent's ``__main__`` file to rebuild it, and while a Streamlit page runs,
    Streamlit puts the page's script there: the child would run the page. A module without a file is not
    re-run. Another thread that sets its own ``__main__`` meanwhile is left as it set it.
    """
    with _main_lock:
        saved, stub = sys.modules.get("__main__"), types.ModuleType("__main__")
        sys.modules["__main__"] = stub
        try:
            yield
        finally:
            if sys.modules.get("__main__") is stub:
                sys.modules["__main__"] = saved


class _Child:
    """The child: a plain ``os.fork`` (cheap, and allowed inside multiprocessing's daemonic pool
    workers), or a ``multiprocessing`` spawn process (which imports ``work``'s module before it
    reports ready).
    """

    def __init__(self, fork: bool, prepare: Callable[[], object] | None, args: tuple) -> None:
        self.pid, self.proc = 0, None
        if fork:
            if prepare is not None:
                prepare()
            self.pid = os.fork()
            # Not mutated: a mutant of this test sends SIGKILL to pid 0, mutmut's process group.
            if self.pid == 0:  # pragma: no mutate
                _child_main(*args)  # never returns: it ends with os._exit
        else:
            daemon = not multiprocessing.current_process().daemon
            self.proc = multiprocessing.get_context("spawn").Process(
                target=_child_main, args=args, daemon=daemon
            )
            with main_hidden():
                self.proc.start()

    def stop(self) -> None:
        """Kill the child if it still runs, and reap it."""
        if self.proc is not None:
            self.proc.join(0.2)
            if self.proc.is_alive():
                self.proc.kill()
                self.proc.join()
            return
        try:
            os.kill(self.pid, signal.SIGKILL)  # it has said all it had to say, or ran out of time
        except ProcessLookupError:
            pass
        os.waitpid(self.pid, 0)
