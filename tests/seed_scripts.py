"""Reads the example scripts out of the seed article ``000_*.txt`` (kept beside the clone in
``../shared/seeds/``), with only their import line changed to use this engine.

The folder can be pointed elsewhere with the environment variable ``NNVIZ_SEEDS`` (the tests of the
missing-folder and wrong-format cases use it).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

#: Where CI and a developer's machine keep the seed articles: ``shared/`` beside the clone.
DEFAULT_SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
#: Environment variable that overrides :data:`DEFAULT_SEEDS`.
SEEDS_VARIABLE = "NNVIZ_SEEDS"
#: A script in the article: a fenced ``python`` block whose first line names its file.
_BLOCK = re.compile(r"```python\n# filename: (?P<name>[\w.]+)\n(?P<code>.*?)```", re.S)
#: The article's engine, which this project replaces (not an example script).
ENGINE_FILE = "network.py"


def seeds_dir() -> Path:
    """The seeds folder: ``$NNVIZ_SEEDS`` if set (and not empty), else :data:`DEFAULT_SEEDS`."""
    return Path(os.environ.get(SEEDS_VARIABLE) or DEFAULT_SEEDS)


def article_000(seeds: Path | None = None) -> Path | None:
    """The article ``000_*.txt`` in ``seeds`` (default :func:`seeds_dir`), or None if there is none."""
    found = sorted((seeds or seeds_dir()).glob("000_*.txt"))
    return found[0] if found else None


def code_blocks(path: Path) -> dict[str, str]:
    """Every ``# filename:`` block of the article, by file name, exactly as written."""
    return {m["name"]: m["code"] for m in _BLOCK.finditer(path.read_text(encoding="utf-8"))}


def example_scripts(path: Path) -> dict[str, str]:
    """``{"main.py": code, "xor_example.py": code}`` of the article at ``path``, with
    ``from network import`` replaced; empty if the extractor finds no example script in it."""
    return {
        name: code.replace("from network import", "from nnviz.core import")
        for name, code in code_blocks(path).items()
        if name != ENGINE_FILE
    }


def require_example_scripts() -> dict[str, str]:
    """The article's example scripts, or the test outcome that says why there are none.

    * No seeds folder or no ``000_*.txt`` in it: a skip with the reason, except under CI (the
      environment variable ``CI`` set, as for the browser tests in ``conftest.py``), which keeps
      ``shared/`` beside the clone: there it is a failure.
    * The article is there but the extractor finds no example script in it (its format changed): a
      failure that says so, under CI or not.
    """
    import pytest

    seeds = seeds_dir()
    path = article_000(seeds)
    if path is None:
        problem = "does not exist" if not seeds.is_dir() else "has no 000_*.txt"
        message = (
            f"seed article 000_*.txt not found: the seeds folder {seeds} {problem} (CI keeps shared/seeds "
            f"beside the clone; {SEEDS_VARIABLE} points the tests at another folder)"
        )
        if os.environ.get("CI"):  # CI has shared/ beside the clone: a missing article there is a failure
            pytest.fail(f"{message}; under CI this fails instead of skipping", pytrace=False)
        pytest.skip(message)
    scripts = example_scripts(path)
    if not scripts:
        blocks = sorted(code_blocks(path))
        found = f"only the engine's {blocks}" if blocks else "no block at all"
        pytest.fail(
            f"the extractor found no example script in {path}: {found} matched its pattern "
            f"{_BLOCK.pattern}   Has the article's format changed?",
            pytrace=False,
        )
    return scripts
