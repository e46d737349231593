"""A pytest plugin for mutation runs only: every test starts with the engine's caches empty.

mutmut runs each mutant's tests in a process forked from one that has already run the whole suite,
so per-process caches are inherited full. A formula parsed once before (``nnviz.core.formula`` caches
every text's result) would then never reach a mutated parser, and the mutant would survive though the
tests check that code. Emptying the caches before each test makes every test run the code it calls.

Loaded by ``[tool.mutmut] pytest_add_cli_args`` in pyproject.toml (``-p tests.mutation_isolation``);
the ordinary test runs do not use it.
"""

from __future__ import annotations

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    from nnviz.core import formula, grid

    with formula._LOCK:
        formula._CACHE.clear()
    grid._grid_inputs.cache_clear()


#: Test files whose frames train a scheduler's owed epochs under a wall-clock limit (10 ms, 50 ms with a
#: fixed count): on a loaded machine the limit cuts the training short and a test counting epochs fails for
#: that reason alone, which would count as a kill (or stop mutmut's clean run). In mutation runs the
#: limits are lifted for these files, so the tests check the rules by counting epochs, not the clock.
_UNTIMED_FILES = ("tests/test_scheduler.py", "tests/test_player.py", "tests/test_live.py")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item):
    if not item.nodeid.startswith(_UNTIMED_FILES):
        yield
        return
    from nnviz.playground import scheduler

    saved = scheduler.MAX_OWED_TRAINING, scheduler.MAX_FRAME_TRAINING
    scheduler.MAX_OWED_TRAINING = scheduler.MAX_FRAME_TRAINING = 1e9
    try:
        yield
    finally:
        scheduler.MAX_OWED_TRAINING, scheduler.MAX_FRAME_TRAINING = saved
