"""What a typed activation formula costs: the checks, the bounded child, SymPy, the cache, a .nn load.

Run: ``python bench/formula_cost.py`` (under a minute). Every repetition of a row that is not meant
to hit the cache uses a formula text never seen before in this process (a different constant inside
the innermost function), so the parser's cache cannot hide the cost and SymPy's own caches hold little
of it. Each row reports the best and the median of N timed repetitions, after one untimed call.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, no install needed

import itertools  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import struct  # noqa: E402
import time  # noqa: E402
import zlib  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402
import sympy as sp  # noqa: E402

from nnviz.core import FormulaError, LayerSpecNBF, Network, formula, sandbox  # noqa: E402

_counters: dict[str, itertools.count] = {}


def fresh(template: str) -> str:
    """``template`` with ``{k}`` replaced by 1, 2, 3, ...: a text never used before in this run."""
    return template.format(k=next(_counters.setdefault(template, itertools.count(1))))


def sample(fn: Callable[[], object], n: int, calls: int = 1) -> list[float]:
    """``n`` timings of ``calls`` back-to-back calls of ``fn``, each in seconds per call."""
    times = []
    for _ in range(n):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        times.append((time.perf_counter() - start) / calls)
    return times


def refused(fn: Callable[[], object], reason: str) -> Callable[[], None]:
    """``fn`` wrapped to require (and swallow) a FormulaError whose message contains ``reason``."""

    def call() -> None:
        try:
            fn()
        except FormulaError as exc:
            if reason not in str(exc):
                raise AssertionError(f"refused for another reason than {reason!r}: {exc}") from None
            return
        raise AssertionError("the hostile formula was accepted")

    return call


def human(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1.0:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def nothing(item: object) -> None:
    """The child's work for the bare round trip: none."""
    return None


def with_formulas(data: bytes, texts: list[str]) -> bytes:
    """A copy of a .nn file whose first layers use the formula ``texts``, with length and CRC fixed."""
    (length,) = struct.unpack_from("<I", data, 12)
    header = json.loads(data[16 : 16 + length])
    for layer, text in zip(header["layers"], texts):
        layer["activation"] = {"formula": text}
    raw = json.dumps(header, separators=(",", ":")).encode()
    body = data[:12] + struct.pack("<I", len(raw)) + raw + data[16 + length : -4]
    return body + struct.pack("<I", zlib.crc32(body))


def main() -> None:
    formula._warm_up()  # SymPy's and lambdify's one-time import costs, paid once by any process that forks
    rows: list[tuple[str, int, list[float]]] = []

    def row(label: str, n: int, fn: Callable[[], object], calls: int = 1) -> None:
        fn()  # one untimed call: first-use costs are not what a row measures
        rows.append((label, n, sample(fn, n, calls)))
        print(f"  measured: {label}", file=sys.stderr, flush=True)

    mish = "x*tanh(log(1 + {k}/1000 + exp(x)))"
    seen = mish.format(k=0)  # fresh() starts at 1, so this text is never a fresh one
    row(
        f"pre-SymPy checks alone (`_check_text` on `{seen}`)",
        7,
        lambda: formula._check_text(seen),
        calls=2000,
    )
    row(
        "fork round trip, no work (`sandbox.run_in_child`, fork, start + ready + 1 result + kill/reap)",
        30,
        lambda: sandbox.run_in_child(
            nothing, [None], seconds=formula.TIME_LIMIT, memory=formula.CHILD_MEMORY
        ),
    )
    row(
        "new formula, end to end (`parse_activation`: checks + child + in-process)",
        15,
        lambda: formula.parse_activation(fresh(mish)),
    )
    row(
        "... of which the child: fork + build, f', compile, finiteness check (`_guarded`)",
        15,
        lambda: formula._guarded("activation", [fresh(mish)], formula.TIME_LIMIT),
    )
    row(
        "... of which the in-process repeat: build, f', compile, finiteness check (`_activation`)",
        15,
        lambda: formula._activation(fresh(mish)),
    )
    row(
        "cached formula (`parse_activation`, same text again)",
        7,
        lambda: formula.parse_activation(seen),
        2000,
    )

    specs = [LayerSpecNBF(8, True, "tanh")] * 3 + [LayerSpecNBF(1, True, "sigmoid")]
    plain = Network(2, specs, seed=0).to_bytes()
    three = [
        "x*tanh(log(1 + {k}/1000 + exp(x)))",
        "x/(1 + {k}/1000 + abs(x))",
        "where(x > 0, x, {k}/100000*x)",
    ]
    row(
        "load a .nn file, 4 layers, built-in activations only (`loads`)",
        15,
        lambda: Network.from_bytes(plain),
    )
    row(
        "load a .nn file with 3 new formula layers (one child for all three)",
        10,
        lambda: Network.from_bytes(with_formulas(plain, [fresh(t) for t in three])),
    )
    cached_file = with_formulas(plain, [t.format(k=0) for t in three])
    row("load the same .nn file again (formulas cached)", 15, lambda: Network.from_bytes(cached_file))

    row(
        "refuse a power tower `{k}*x**9**9**9` (pre-SymPy check, no child)",
        7,
        refused(lambda: formula.parse_activation(fresh("{k}*x**9**9**9")), "power towers"),
        calls=200,
    )
    row(
        "refuse nested powers `((((x+{k})**99)**99)**99)` (reaches the child: f is not finite)",
        10,
        refused(lambda: formula.parse_activation(fresh("((((x+{k})**99)**99)**99)")), "not finite"),
    )
    hang = "Max(exp(exp(exp(exp(exp({k}+100))))), 2)*x"
    row(
        f"refuse `{hang}`, which hangs SymPy (child killed at TIME_LIMIT = {formula.TIME_LIMIT:g} s)",
        5,
        refused(lambda: formula.parse_activation(fresh(hang)), "takes too long"),
    )
    row(
        "spawn round trip, no work (the macOS/Windows path: start + import nnviz + ready + 1 result)",
        3,
        lambda: sandbox.run_in_child(
            nothing, [None], seconds=formula.TIME_LIMIT, memory=formula.CHILD_MEMORY, fork=False
        ),
    )

    print(
        f"Python {platform.python_version()}, NumPy {np.__version__}, SymPy {sp.__version__}, "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.2f} at the end"
    )
    print()
    print("| case | N | best | median |")
    print("|---|---:|---:|---:|")
    for label, n, times in rows:
        print(f"| {label} | {n} | {human(min(times))} | {human(statistics.median(times))} |")


if __name__ == "__main__":
    main()
