"""Seed-robustness lab benchmark: N copies trained at once, against a straightforward batched loop.

Usage::

    python bench/seed_lab.py                 # timing (1000 copies) and the three article presets
    python bench/seed_lab.py --copies 200    # presets over fewer seeds (faster)
    python bench/seed_lab.py --skip-presets  # timing only
    python bench/seed_lab.py --cost-model    # measure the step costs the lab's budget uses, and check them

Timing: 1000 copies of a 2-2-1 tanh network (mse, lr 0.1), 2000 full-batch epochs on the 4-point XOR
table, by :class:`nnviz.core.ensemble_trainer.EnsembleTrainer` in float64 and float32, and by the baseline
below (stacked ``(N, n_out, n_in)`` weights, ``np.matmul`` over the leading copy axis, fresh arrays
every step), all in the same run. Then the solve rates of the article presets (see
``nnviz/lessons/seed_robustness_lab.py``).

Cost model (``--cost-model``): the seconds of one training step are measured over a grid of
architectures, copy counts, batch sizes and both dtypes (best of 3), the constants of
:mod:`nnviz.lessons.seed_lab_budget` are fitted to them (least squares on the relative error, no negative
constant), printed in the form the module takes, and checked against whole runs of ``run_lab``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from nnviz.core import Ensemble, EnsembleTrainer, diagnose  # noqa: E402
from nnviz.lessons import seed_lab_budget as budget  # noqa: E402
from nnviz.lessons.seed_robustness_lab import SETUPS, make_ensemble, run_lab, with_changes, workload  # noqa: E402

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


def step_time(hidden: list[int], copies: int, batch: int, dtype, repeat: int = 3) -> float:
    """Best CPU seconds of one full-batch step of ``batch`` samples (a forward and a backward pass)."""
    layers = [(h, True, "tanh") for h in hidden] + [(1, True, "sigmoid")]
    ens = Ensemble(2, layers, seeds=range(copies), dtype=dtype)
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((batch, 2)), (rng.random((batch, 1)) > 0.5).astype(float)
    trainer = EnsembleTrainer(ens, X, y, lr=0.01, batch_size=None, record_every=10**9)
    trainer.run(2)
    start = time.process_time()
    trainer.run(1)
    steps = int(np.clip(0.05 / max(time.process_time() - start, 1e-6), 1, 2000))
    best = np.inf
    for _ in range(repeat):
        start = time.process_time()
        trainer.run(steps)
        best = min(best, (time.process_time() - start) / steps)
    return best


def fit(features: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    """Non-negative constants minimising the relative error (least squares; negative ones dropped)."""
    active = np.ones(features.shape[1], dtype=bool)
    while True:
        A = features[:, active] / seconds[:, None]
        coef = np.zeros(features.shape[1])
        coef[active] = np.linalg.lstsq(A, np.ones(len(seconds)), rcond=None)[0]
        if (coef >= 0).all():
            return coef
        active &= coef > 0


def shapes_of(hidden: list[int]) -> list[tuple[int, int]]:
    sizes = [2, *hidden, 1]
    return list(zip(sizes[:-1], sizes[1:]))


def cost_model() -> None:
    print("== cost model: CPU seconds of a step (best of 3), the fitted constants, whole runs vs estimates")
    grid_hidden = ([2], [4], [8], [16], [8, 8], [16, 16], [16, 16, 16, 16])
    for dtype in (np.float32, np.float64):
        rows, times = [], []
        for hidden in grid_hidden:
            for copies in (10, 100, 1000):
                for batch in (1, 4, 32, 100, 160):
                    seconds = step_time(hidden, copies, batch, dtype)
                    rows.append(budget.step_features(shapes_of(hidden), copies, batch))
                    times.append(seconds)
        features, seconds = np.array(rows), np.array(times)
        coef = fit(features, seconds)
        ratio = features @ coef / seconds
        budget.STEP_COST[np.dtype(dtype).name] = tuple(coef)  # the whole runs below use the fresh constants
        print(
            f'   "{np.dtype(dtype).name}": ({", ".join(f"{c:.2e}" for c in coef)}),\n'
            f"       estimate / measured over {len(seconds)} set-ups: median {np.median(ratio):.2f}, "
            f"range {ratio.min():.2f}..{ratio.max():.2f}"
        )
    setup = []
    for copies in (100, 1000):
        for hidden in ([2], [16, 16, 16, 16]):
            layers = tuple((h, True, "tanh") for h in hidden) + ((1, True, "sigmoid"),)
            config = with_changes(SETUPS["tanh"], layers=layers, epochs=1)
            start = time.process_time()
            run_lab(config, copies, chunks=1)
            setup.append((time.process_time() - start) / (copies * (len(hidden) + 1)))
    budget.SETUP_COST = max(setup)
    print(f"   SETUP_COST = {max(setup):.2e}  (run_lab of 1 epoch, per copy and layer, the largest)")
    print("   whole runs (run_lab, CPU seconds, float32 and float64): measured against the module's estimate")
    runs = [
        (with_changes(SETUPS["tanh"], epochs=2000), 1000),
        (with_changes(SETUPS["002"], epochs=500), 1000),
        (with_changes(SETUPS["000"], epochs=100), 300),
        (
            with_changes(
                SETUPS["tanh"],
                layers=tuple((16, True, "tanh") for _ in range(4)) + ((1, True, "sigmoid"),),
                dataset="xor",
                epochs=20,
            ),
            1000,
        ),
        (
            with_changes(
                SETUPS["tanh"],
                layers=((8, True, "tanh"), (1, True, "sigmoid")),
                dataset="circle",
                batch_size=8,
                epochs=20,
            ),
            500,
        ),  # fmt: skip
    ]
    for config, copies in runs:
        for dtype in (np.float32, np.float64):
            start = time.process_time()
            result = run_lab(config, copies, dtype=dtype, chunks=1)
            total = time.process_time() - start
            n = len(result.trainer.X)
            estimate = budget.run_seconds(workload(config, copies, n, dtype))
            print(
                f"   {copies:5d} × {config.describe()[:70]:70s} {np.dtype(dtype).name}: measured "
                f"{total:6.2f} s, estimated {estimate:6.2f} s ({estimate / total:.2f}×)"
            )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--copies", type=int, default=1000, help="copies for the presets (default 1000)")
    parser.add_argument("--timing-copies", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3, help="timing runs; the best is reported")
    parser.add_argument("--float32", action="store_true", help="run the presets in float32")
    parser.add_argument("--skip-presets", action="store_true")
    parser.add_argument("--cost-model", action="store_true", help="measure and fit the lab's step costs")
    args = parser.parse_args()
    if args.cost_model:
        cost_model()
        return
    timing(args.timing_copies, args.repeat)
    if not args.skip_presets:
        presets(args.copies, np.float32 if args.float32 else np.float64)


if __name__ == "__main__":
    main()
