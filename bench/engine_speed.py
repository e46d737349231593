"""Engine timings: µs per training epoch and step at playground sizes, ms per 200×200 grid evaluation.

Run: ``python bench/engine_speed.py`` (single BLAS thread, as the app uses).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, no install needed
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import timeit  # noqa: E402

import numpy as np  # noqa: E402

from nnviz.core import Network, Trainer  # noqa: E402
from nnviz.core.datasets import make_dataset  # noqa: E402
from nnviz.core.grid import decision_grid, neuron_grids  # noqa: E402
from nnviz.playground.experiment import Experiment  # noqa: E402


def best_of(fn, number: int, repeat: int = 7) -> float:
    """Best time of one call in seconds (the minimum is the least disturbed by other load)."""
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def step_time(sizes, hidden, output, loss, batch_size, data) -> float:
    nn = Network.from_sizes(sizes, hidden=hidden, output=output, seed=0)
    trainer = Trainer(nn, data.X_train, data.y_train, loss=loss, lr=0.01, batch_size=batch_size)
    steps = trainer.batches_per_epoch
    return best_of(trainer.epoch, number=20) / steps


def app_default_epoch_time() -> float:
    """One epoch of the app's default set-up: what the play loop runs over and over."""
    trainer = Experiment().trainer
    return best_of(trainer.epoch, number=100)


def main() -> None:
    print("Training epoch, the app's default set-up (Experiment() with default Settings):")
    label = "XOR 250 points, [2,4,2,1] tanh/sigmoid, BCE, SGD, batch 10"
    print(f"  {label:52s} {app_default_epoch_time() * 1e6:8.1f} µs")
    xor = make_dataset("xor_table")
    spiral = make_dataset("spiral", n=500, noise=0.1, test_ratio=0.0, seed=0)
    rows = [
        ("2-4-1 sigmoid, SSE, per-sample SGD (001), XOR", [2, 4, 1], "sigmoid", "sigmoid", "sse", 1, xor),
        ("2-2-2-1 tanh, MSE, per-sample SGD (000), XOR", [2, 2, 2, 1], "tanh", "sigmoid", "mse", 1, xor),
        ("[2,8,8,1] tanh, BCE, batch 10, spiral", [2, 8, 8, 1], "tanh", "sigmoid", "bce", 10, spiral),
        ("[2,8,8,8,1] tanh, BCE, batch 10, spiral", [2, 8, 8, 8, 1], "tanh", "sigmoid", "bce", 10, spiral),
        ("[2,8,8,1] tanh, BCE, per-sample SGD, spiral", [2, 8, 8, 1], "tanh", "sigmoid", "bce", 1, spiral),
        (
            "[2,8,8,8,8,8,8,1] tanh, BCE, batch 10, spiral",
            [2] + [8] * 6 + [1],
            "tanh",
            "sigmoid",
            "bce",
            10,
            spiral,
        ),
        (
            "[2,8,8,8,8,8,8,1] relu, BCE, batch 10, spiral",
            [2] + [8] * 6 + [1],
            "relu",
            "sigmoid",
            "bce",
            10,
            spiral,
        ),
    ]
    print("Training step (one batch, forward + backward + update; an epoch's time / its batches):")
    for label, sizes, hidden, output, loss, batch, data in rows:
        print(f"  {label:52s} {step_time(sizes, hidden, output, loss, batch, data) * 1e6:8.1f} µs")
    print("Grid evaluation (one batched forward pass, float32):")
    for label, hidden in (("6x8 tanh", "tanh"), ("6x8 relu", "relu")):
        nn = Network.from_sizes([2] + [8] * 6 + [1], hidden=hidden, output="sigmoid", seed=0)
        t = best_of(lambda nn=nn: decision_grid(nn, (-6, 6, -6, 6), 200), number=10)
        print(f"  200×200 decision grid, {label:38s} {t * 1e3:8.2f} ms")
        t = best_of(lambda nn=nn: neuron_grids(nn, (-6, 6, -6, 6), 40), number=10)
        print(f"  40×40 maps of every neuron, {label:33s} {t * 1e3:8.2f} ms")
    nn = Network.from_sizes([2] + [8] * 6 + [1], hidden="tanh", output="sigmoid", seed=0)
    t = best_of(lambda: decision_grid(nn, (-6, 6, -6, 6), 200, dtype=np.float64), number=10)
    print(f"  200×200 decision grid, 6x8 tanh, float64{'':22s} {t * 1e3:8.2f} ms")


if __name__ == "__main__":
    main()
