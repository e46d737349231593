"""Seed-robustness lab benchmark: N copies trained at once, against a straightforward batched loop.

Usage::

    python bench/seed_lab.py                 # timing (1000 copies) and the three article presets
    python bench/seed_lab.py --copies 200    # presets over fewer seeds (faster)
    python bench/seed_lab.py --skip-presets  # timing only

Timing: 1000 copies of a 2-2-1 tanh network (mse, lr 0.1), 2000 full-batch epochs on the 4-point XOR
table, by :class:`nnviz.core.ensemble_trainer.EnsembleTrainer` in float64 and float32, and by the baseline
below (stacked ``(N, n_out, n_in)`` weights, ``np.matmul`` over the leading copy axis, fresh arrays
every step), all in the same run. Then the solve rates of the article presets (see
``nnviz/lesson_seedlab.py``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from nnviz.core import EnsembleTrainer, diagnose  # noqa: E402
from nnviz.lessons.seed_robustness_lab import SETUPS, make_ensemble, run_lab  # noqa: E402

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
Y = np.array([[0.0], [1.0], [1.0], [0.0]])


def baseline(weights: list[np.ndarray], biases: list[np.ndarray], epochs: int, lr: float):
    """A straightforward batched loop: 2-2-1 tanh, mse, full batch.

    ``weights`` are ``(N, n_out, n_in)``; returns the last epoch's losses and ``[W1, b1, W2, b2]``.
    """
    W1, W2 = (w.copy() for w in weights)
    b1, b2 = (b.copy() for b in biases)
    n = len(X)
    for _ in range(epochs):
        z1 = X @ W1.transpose(0, 2, 1) + b1[:, None, :]  # (N, n, 2)
        a1 = np.tanh(z1)
        z2 = a1 @ W2.transpose(0, 2, 1) + b2[:, None, :]  # (N, n, 1)
        a2 = np.tanh(z2)
        losses = 0.5 * ((a2 - Y) ** 2).sum(axis=(1, 2)) / n
        d2 = (a2 - Y) * (1 - a2**2) / n
        d1 = (d2 @ W2) * (1 - a1**2)
        W2 -= lr * (d2.transpose(0, 2, 1) @ a1)
        b2 -= lr * d2.sum(axis=1)
        W1 -= lr * (d1.transpose(0, 2, 1) @ X)
        b1 -= lr * d1.sum(axis=1)
    return losses, [W1, b1, W2, b2]


def timing(copies: int, repeat: int) -> None:
    config = SETUPS["tanh"]
    print(f"== timing: {copies} copies of {config.describe()}")
    print(f"   (BLAS threads: OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')})")
    seeds = range(copies)
    best: dict[str, float] = {}
    solved: dict[str, np.ndarray] = {}
    for _ in range(repeat):
        for name, dtype in (("ensemble float64", np.float64), ("ensemble float32", np.float32)):
            ens = make_ensemble(config, seeds, dtype)
            trainer = EnsembleTrainer(ens, X, Y, loss=config.loss, lr=config.lr, batch_size=None)
            start = time.perf_counter()
            trainer.run(config.epochs)
            best[name] = min(best.get(name, np.inf), time.perf_counter() - start)
            solved[name] = diagnose(trainer).solved
            if dtype == np.float64:
                final64 = ens.parameters()
        ens = make_ensemble(config, seeds)
        start = time.perf_counter()
        _, params = baseline(ens.weights, list(ens.biases), config.epochs, config.lr)
        best["baseline loop"] = min(best.get("baseline loop", np.inf), time.perf_counter() - start)
    agree = max(float(np.abs(p - q).max()) for p, q in zip(params, final64))
    base = best["baseline loop"]
    for name, seconds in best.items():
        print(f"   {name:18s} {seconds:6.3f} s   ({base / seconds:4.1f}× the baseline)")
    print(f"   baseline and ensemble float64 end at the same weights: max |difference| = {agree:.1e}")
    same = float((solved["ensemble float64"] == solved["ensemble float32"]).mean())
    print(
        f"   solve rate float64 {solved['ensemble float64'].mean():.1%}, float32 "
        f"{solved['ensemble float32'].mean():.1%}; the same verdict for {same:.1%} of the copies"
    )


def presets(copies: int, dtype) -> None:
    print(f"== solve rates of the article presets over seeds 0..{copies - 1} ({np.dtype(dtype).name})")
    for key in ("000", "000a", "001", "002"):
        config = SETUPS[key]
        result = run_lab(config, copies, dtype=dtype, chunks=1)
        counts = ", ".join(f"{v} {c}" for v, c in result.report.counts().items())
        print(
            f"   {key}: {result.report.solve_rate:6.1%} solved (issue: {config.reference:>6s})  "
            f"{result.seconds:5.1f} s   [{config.describe()}]"
        )
        print(f"        outcomes: {counts}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--copies", type=int, default=1000, help="copies for the presets (default 1000)")
    parser.add_argument("--timing-copies", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3, help="timing runs; the best is reported")
    parser.add_argument("--float32", action="store_true", help="run the presets in float32")
    parser.add_argument("--skip-presets", action="store_true")
    args = parser.parse_args()
    timing(args.timing_copies, args.repeat)
    if not args.skip_presets:
        presets(args.copies, np.float32 if args.float32 else np.float64)


if __name__ == "__main__":
    main()
