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

from nnviz.articles import ARTICLES  # noqa: E402
from nnviz.core import LayerSpecNBF, Network  # noqa: E402
from nnviz.lessons.seed_robustness_lab import from_article  # noqa: E402

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
Y = np.array([[0.0], [1.0], [1.0], [0.0]])


def solves(task: tuple[str, int]) -> bool:
    """Whether article ``key``'s set-up, from weight seed ``seed``, solves XOR (Network + train, no lab)."""
    key, seed = task
    a = ARTICLES[key]
    nn = Network(2, [LayerSpecNBF(*layer) for layer in a.layers], init=a.init, seed=seed)
    nn.train(X, Y, a.epochs, a.lr, loss=a.loss, batch_size=a.batch_size or len(X), verbose=False)
    return bool(np.all((nn.predict(X) > 0.5) == (Y > 0.5)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with Pool(args.workers) as pool:
        for key in ARTICLES:
            start = time.perf_counter()
            results = pool.map(solves, [(key, seed) for seed in range(args.seeds)])
            rate = sum(results) / len(results)
            print(
                f"{key}: {from_article(ARTICLES[key]).describe()}\n"
                f"    solved {sum(results)}/{len(results)} = {rate:.0%}"
                f"  ({time.perf_counter() - start:.0f} s)",
                flush=True,
            )


if __name__ == "__main__":
    main()
