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
