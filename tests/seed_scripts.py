"""Reads the example scripts out of the seed article ``000_*.txt`` (kept beside the clone in
``../shared/seeds/``), with only their import line changed to use this engine."""

from __future__ import annotations

import re
from pathlib import Path

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
_BLOCK = re.compile(r"```python\n# filename: (?P<name>[\w.]+)\n(?P<code>.*?)```", re.S)


def article_000() -> Path | None:
    found = sorted(SEEDS.glob("000_*.txt"))
    return found[0] if found else None


def example_scripts() -> dict[str, str]:
    """``{"main.py": code, "xor_example.py": code}`` with ``from network import`` replaced."""
    path = article_000()
    if path is None:
        return {}
    scripts = {m["name"]: m["code"] for m in _BLOCK.finditer(path.read_text(encoding="utf-8"))}
    return {
        name: code.replace("from network import", "from nnviz.core import")
        for name, code in scripts.items()
        if name != "network.py"
    }
