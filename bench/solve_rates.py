"""How often each article's XOR set-up solves XOR, over many initial-weight seeds, on the plain engine.

Run: ``python bench/solve_rates.py [--seeds 100] [--workers 2]``. "Solved" means all four outputs on
the right side of 0.5 after the article's number of epochs. (The seed-robustness lab trains all
copies at once; this script is the independent, one-network-at-a-time check of its figures.)
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from multiprocessing import Pool
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, no install needed
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from nnviz.core import LayerSpecNBF, Network  # noqa: E402

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
Y = np.array([[0.0], [1.0], [1.0], [0.0]])


def article_000(seed: int) -> Network:
    specs = [LayerSpecNBF(2, True, "tanh"), LayerSpecNBF(2, True, "tanh"), LayerSpecNBF(1, False, "sigmoid")]
    return Network(2, specs, seed=seed)


def article_001(seed: int) -> Network:
    return Network.from_sizes([2, 4, 1], hidden="sigmoid", output="sigmoid", init="small_normal", seed=seed)


def article_002(seed: int) -> Network:
    return Network.from_sizes([2, 4, 1], hidden="relu", output="sigmoid", init="he", seed=seed)


#: name -> (network builder, training options)
SETUPS = {
    "000 xor_example: 2-2-2-1 tanh, sigmoid out (no bias), MSE, per-sample, lr 0.1, 20000 epochs": (
        article_000,
        dict(epochs=20000, lr=0.1, loss="mse", batch_size=1),
    ),
    "001: 2-4-1 sigmoid, SSE, per-sample, lr 0.05, N(0, 0.1²) init, 20000 epochs": (
        article_001,
        dict(epochs=20000, lr=0.05, loss="sse", batch_size=1),
    ),
    "002: 2-4-1 ReLU + sigmoid, BCE, full batch, lr 0.5, He init, 5000 epochs": (
        article_002,
        dict(epochs=5000, lr=0.5, loss="bce", batch_size=4),
    ),
}


def solves(task: tuple[str, int]) -> bool:
    name, seed = task
    build, options = SETUPS[name]
    nn = build(seed)
    nn.train(X, Y, verbose=False, **options)
    return bool(np.all((nn.predict(X) > 0.5) == (Y > 0.5)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with Pool(args.workers) as pool:
        for name in SETUPS:
            start = time.perf_counter()
            results = pool.map(solves, [(name, seed) for seed in range(args.seeds)])
            rate = sum(results) / len(results)
            print(
                f"{name}\n    solved {sum(results)}/{len(results)} = {rate:.0%}"
                f"  ({time.perf_counter() - start:.0f} s)",
                flush=True,
            )


if __name__ == "__main__":
    main()
