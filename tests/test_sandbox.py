"""The bounded child process (nnviz.core.sandbox) on its own: results in order as JSON data, the time limit,
a child that dies, results too long, the memory cap, and the errors for a child that cannot start."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from nnviz.core import sandbox
from nnviz.core.sandbox import (
    MAX_RESULT_BYTES,
    ChildDiedError,
    LaunchError,
    StartupError,
    TimeLimitError,
    run_in_child,
)

MB = 2**20


def test_results_come_back_in_order_as_json_data():
    assert run_in_child(abs, [-2, 3, -4.5], seconds=30.0, memory=256 * MB) == [2, 3, 4.5]
    assert run_in_child(lambda n: (n, str(n), [n] * 2), [1], seconds=30.0, memory=0) == [[1, "1", [1, 1]]]
    assert run_in_child(abs, [], seconds=30.0, memory=256 * MB) == []
    assert sandbox.fork_is_safe() is (sys.platform != "darwin")


def sleep_on_two(n: int) -> int:
    if n == 2:
        time.sleep(600)
    return n


def test_the_item_running_when_time_is_up_is_reported_and_the_rest_left_out():
    outcomes = run_in_child(sleep_on_two, [1, 2, 3], seconds=3.0, memory=256 * MB)
    assert outcomes[0] == 1 and len(outcomes) == 2
    assert isinstance(outcomes[1], TimeLimitError) and str(outcomes[1]) == "over 3 s"


def fail_on_two(n: int) -> int:
    if n == 2:
        raise ValueError("boom")
    return n


def test_an_exception_escaping_the_work_ends_the_child_and_is_reported():
    outcomes = run_in_child(fail_on_two, [1, 2, 3], seconds=30.0, memory=256 * MB)
    assert outcomes[0] == 1 and len(outcomes) == 2
    assert isinstance(outcomes[1], ChildDiedError) and str(outcomes[1]) == "the child process died"


def test_a_result_longer_than_the_limit_counts_as_a_dead_child():
    outcomes = run_in_child(lambda n: "x" * n, [10, MAX_RESULT_BYTES], seconds=30.0, memory=256 * MB)
    assert outcomes[0] == "x" * 10 and isinstance(outcomes[1], ChildDiedError)
    fits = run_in_child(lambda n: "x" * n, [MAX_RESULT_BYTES - 2], seconds=30.0, memory=256 * MB)
    assert fits == ["x" * (MAX_RESULT_BYTES - 2)]  # with its two quotes, exactly the limit


def allocate(megabytes: int) -> str:
    try:
        block = bytearray(megabytes * MB)
    except MemoryError:
        return "MemoryError"
    return f"{len(block) // MB} MB"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the memory cap uses RLIMIT_AS (Linux)")
def test_the_memory_cap_makes_large_allocations_fail_inside_the_work():
    # The cap is the child's address space at the start plus 256 MB, and malloc may first reuse free space
    # inside the heap the child inherited (after a long test session, hundreds of MB): so the allocation
    # over the cap is 2 GB, which no inherited heap holds.
    assert run_in_child(allocate, [64, 2048], seconds=30.0, memory=256 * MB) == ["64 MB", "MemoryError"]
    assert run_in_child(allocate, [2048], seconds=30.0, memory=0) == ["2048 MB"]  # 0: no cap


def test_prepare_runs_here_before_forking():
    calls = []
    assert run_in_child(abs, [-1], seconds=30.0, memory=0, prepare=lambda: calls.append(os.getpid())) == [1]
    assert calls == [os.getpid()]


def test_a_fork_that_fails_is_a_launch_error(monkeypatch):
    def no_fork():
        raise OSError("Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    with pytest.raises(LaunchError, match="^Resource temporarily unavailable$"):
        run_in_child(abs, [1], seconds=30.0, memory=0, fork=True)


def test_a_child_that_dies_before_it_is_ready_is_a_startup_error(monkeypatch):
    def die(memory, seconds):
        raise RuntimeError("cannot limit")

    monkeypatch.setattr(sandbox, "_limit_resources", die)  # the forked child inherits it
    with pytest.raises(StartupError, match="^the child process died or did not report ready$"):
        run_in_child(abs, [1], seconds=30.0, memory=0, fork=True)


def cpu_limits(_) -> list:
    import resource

    return list(resource.getrlimit(resource.RLIMIT_CPU))


@pytest.mark.skipif(sys.platform == "win32", reason="no resource limits on Windows")
def test_the_child_runs_under_a_cpu_time_cap():
    import resource

    # What the child has used when it starts (a fresh fork: almost nothing), plus 7 s, rounded up, plus 1.
    ((soft, hard),) = run_in_child(cpu_limits, [None], seconds=7.0, memory=0)
    assert soft in (8, 9)
    assert hard == resource.getrlimit(resource.RLIMIT_CPU)[1]


def test_a_child_not_ready_within_its_startup_time_is_a_startup_error(monkeypatch, tmp_path):
    woke = tmp_path / "woke"

    def slow_start(memory, seconds):
        time.sleep(30)
        woke.touch()  # only if it was waited for (or left running)

    monkeypatch.setattr(sandbox, "_limit_resources", slow_start)  # the forked child inherits it
    with pytest.raises(StartupError, match="^the child process died or did not report ready$"):
        run_in_child(abs, [1], seconds=30.0, memory=0, startup=0.5, fork=True)
    assert not woke.exists()  # given up after its startup time and killed, not waited for


def nap(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def test_a_result_that_comes_after_the_deadline_is_not_waited_for():
    outcomes = run_in_child(nap, [0.0, 0.9], seconds=0.3, memory=0)
    assert outcomes[0] == 0.0 and len(outcomes) == 2
    assert isinstance(outcomes[1], TimeLimitError) and str(outcomes[1]) == "over 0.3 s"


def test_the_child_is_killed_and_reaped_once_its_time_is_up():
    outcomes = run_in_child(lambda n: os.getpid() if n == 1 else nap(30), [1, 2], seconds=0.5, memory=0)
    pid = outcomes[0]
    assert pid != os.getpid() and isinstance(outcomes[1], TimeLimitError)
    with pytest.raises(ChildProcessError):  # no zombie left behind: it was waited for
        os.waitpid(pid, os.WNOHANG)


def test_fork_is_used_only_where_os_fork_exists_and_the_platform_is_not_macos(monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    assert sandbox.fork_is_safe() is False
    monkeypatch.setattr(sys, "platform", "linux")
    assert sandbox.fork_is_safe() is hasattr(os, "fork")
    monkeypatch.delattr(os, "fork", raising=False)
    monkeypatch.setattr(sys, "platform", "win32")
    assert sandbox.fork_is_safe() is False


def nap_then_mark(path: str) -> str:
    time.sleep(30)
    Path(path).touch()
    return path


def test_a_spawned_child_still_running_when_its_time_is_up_is_killed_not_waited_for(tmp_path):
    woke = tmp_path / "woke"
    outcomes = run_in_child(nap_then_mark, [str(woke)], seconds=0.5, memory=0, fork=False)
    assert len(outcomes) == 1 and isinstance(outcomes[0], TimeLimitError)
    assert not woke.exists()  # killed in its 30 s nap: waited for, it would have marked the file first


STATE = {"value": "as imported"}


def read_state(_) -> str:
    return STATE["value"]


def test_a_spawned_child_sees_freshly_imported_modules_not_this_process_state(monkeypatch):
    monkeypatch.setitem(STATE, "value", "changed here")
    assert run_in_child(read_state, [None], seconds=30.0, memory=0, fork=True) == ["changed here"]
    assert run_in_child(read_state, [None], seconds=30.0, memory=0, fork=False) == ["as imported"]
