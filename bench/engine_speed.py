"""Engine timings: µs per training epoch and step at playground sizes, ms per 200×200 grid evaluation,
and full-batch training on 10,000 points against PyTorch on the same work (when PyTorch is installed).

Run: ``python bench/engine_speed.py [--cpu]`` (one BLAS thread, as the app uses; PyTorch limited to one
thread; ``--cpu``: CPU time instead of wall time, except in the PyTorch comparison, which gives both).
Every figure is the best of several repeats (``timeit.repeat``, minimum), the least disturbed by other
load; the machine's load average is printed with them.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, no install needed
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import time  # noqa: E402
import timeit  # noqa: E402

import numpy as np  # noqa: E402

from nnviz.core import Network, Trainer  # noqa: E402
from nnviz.core.datasets import make_dataset  # noqa: E402
from nnviz.core.grid import decision_grid, neuron_grids  # noqa: E402
from nnviz.playground.experiment import Experiment  # noqa: E402

#: The network of the PyTorch comparison (issue 13): 2 inputs, six hidden layers of 8 tanh units, 1 output.
DEEP = [2] + [8] * 6 + [1]
#: Points of the full-batch comparison.
POINTS = 10_000
#: The clocks of the comparison: wall time, and this process's CPU time (which leaves out the time spent
#: waiting for a core while other work runs on the machine).
CLOCKS = (("wall", time.perf_counter), ("CPU", time.process_time))
#: The clock of the other figures: CPU time with ``--cpu``, else wall time.
TIMER = time.process_time if "--cpu" in sys.argv[1:] else time.perf_counter


def best_of(fn, number: int, repeat: int = 7, timer=None) -> float:
    """Best time of one call in seconds (the minimum is the least disturbed by other load).

    ``timer`` defaults to :data:`TIMER`; ``time.process_time`` measures this process's CPU time instead of
    the wall clock: on a machine shared with other work, time spent waiting for a core is then left out.
    """
    return min(timeit.repeat(fn, number=number, repeat=repeat, timer=timer or TIMER)) / number


def step_time(sizes, hidden, output, loss, batch_size, data) -> float:
    nn = Network.from_sizes(sizes, hidden=hidden, output=output, seed=0)
    trainer = Trainer(nn, data.X_train, data.y_train, loss=loss, lr=0.01, batch_size=batch_size)
    steps = trainer.batches_per_epoch
    return best_of(trainer.epoch, number=20) / steps


def app_default_epoch_time() -> float:
    """One epoch of the app's default set-up: what the play loop runs over and over."""
    trainer = Experiment().trainer
    return best_of(trainer.epoch, number=100)


def full_batch_epoch_time(X: np.ndarray, y: np.ndarray, loss: str, timer=time.perf_counter) -> float:
    """One full-batch epoch of plain SGD on ``DEEP`` (tanh, sigmoid output): the update, then the loss
    over the whole set that the trainer records (what the loss curve shows)."""
    nn = Network.from_sizes(DEEP, hidden="tanh", output="sigmoid", init="xavier", seed=0)
    trainer = Trainer(nn, X, y, loss=loss, lr=0.01, batch_size=len(X))
    return best_of(trainer.epoch, number=10, repeat=15, timer=timer)


def torch_step_time(X: np.ndarray, y: np.ndarray, loss: str, timer=time.perf_counter) -> float | None:
    """One full-batch SGD step of the same network in PyTorch, float64, one thread; None without PyTorch.

    The step is what a PyTorch user writes: ``zero_grad``, forward, loss, ``backward``, ``step``. BCE is
    ``BCEWithLogitsLoss`` on the last layer's sums (stable, as the engine computes it from the logits,
    and faster in PyTorch than a sigmoid followed by ``BCELoss``); MSE follows a sigmoid output.
    """
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    torch.manual_seed(0)
    layers: list = []
    for n_in, n_out in zip(DEEP[:-2], DEEP[1:-1]):
        layers += [torch.nn.Linear(n_in, n_out, dtype=torch.float64), torch.nn.Tanh()]
    layers.append(torch.nn.Linear(DEEP[-2], DEEP[-1], dtype=torch.float64))
    if loss == "mse":
        layers.append(torch.nn.Sigmoid())
    model = torch.nn.Sequential(*layers)
    criterion = torch.nn.BCEWithLogitsLoss() if loss == "bce" else torch.nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    Xt, yt = torch.from_numpy(np.ascontiguousarray(X)), torch.from_numpy(np.ascontiguousarray(y))

    def step() -> None:
        optimizer.zero_grad()
        criterion(model(Xt), yt).backward()
        optimizer.step()

    return best_of(step, number=10, repeat=15, timer=timer)


def compare_with_torch() -> None:
    """The engine's full-batch epoch against PyTorch's step, by wall clock and by CPU time (best of 15).

    The engine is timed first, before PyTorch is imported (importing it changes the process's heap).
    """
    data = make_dataset("spiral", n=POINTS, noise=0.1, test_ratio=0.0, seed=0)
    X, y = data.X_train, data.y_train
    print(f"Full batch, {len(X)} points, [2, 8×6, 1] tanh, sigmoid output, plain SGD, float64, one thread:")
    runs = [(loss, clock, timer) for loss in ("bce", "mse") for clock, timer in CLOCKS]
    engine = {run[:2]: full_batch_epoch_time(X, y, run[0], run[2]) for run in runs}
    for loss, clock, timer in runs:
        mine = engine[loss, clock]
        line = f"  {loss.upper()}, {clock:4s}: engine epoch (step + recorded loss) {mine * 1e3:6.2f} ms"
        theirs = torch_step_time(X, y, loss, timer)
        if theirs is None:
            print(line + "; PyTorch is not installed: comparison skipped (pip install torch)")
        else:
            print(
                line + f", PyTorch step {theirs * 1e3:6.2f} ms: engine {theirs / mine:4.2f}× PyTorch's speed"
            )


def main() -> None:
    print(f"Load average (1, 5, 15 min): {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(f"Clock: {'CPU time of this process' if TIMER is time.process_time else 'wall time'}")
    print("Training epoch, the app's default set-up (Experiment() with default Settings):")
    label = "XOR 250 points, [2,4,2,1] tanh/sigmoid, BCE, SGD, batch 10"
    print(f"  {label:52s} {app_default_epoch_time() * 1e6:8.1f} µs")
    xor = make_dataset("xor_table")
    spiral = make_dataset("spiral", n=500, noise=0.1, test_ratio=0.0, seed=0)
    spiral3 = make_dataset("spiral3", n=500, noise=0.1, test_ratio=0.0, seed=0)
    rows = [
        ("2-4-1 sigmoid, SSE, per-sample SGD (001), XOR", [2, 4, 1], "sigmoid", "sigmoid", "sse", 1, xor),
        ("2-2-2-1 tanh, MSE, per-sample SGD (000), XOR", [2, 2, 2, 1], "tanh", "sigmoid", "mse", 1, xor),
        ("[2,8,8,1] tanh, BCE, batch 10, spiral", [2, 8, 8, 1], "tanh", "sigmoid", "bce", 10, spiral),
        ("[2,8,8,8,1] tanh, BCE, batch 10, spiral", [2, 8, 8, 8, 1], "tanh", "sigmoid", "bce", 10, spiral),
        ("[2,8,8,1] tanh, BCE, per-sample SGD, spiral", [2, 8, 8, 1], "tanh", "sigmoid", "bce", 1, spiral),
        ("[2,8,8,8,8,8,8,1] tanh, BCE, batch 10, spiral", DEEP, "tanh", "sigmoid", "bce", 10, spiral),
        ("[2,8,8,8,8,8,8,1] relu, BCE, batch 10, spiral", DEEP, "relu", "sigmoid", "bce", 10, spiral),
        (
            "[2,8,8,3] tanh, softmax, CCE, batch 10, 3-arm spiral",
            [2, 8, 8, 3],
            "tanh",
            "softmax",
            "cce",
            10,
            spiral3,
        ),
    ]
    print("Training step (one batch, forward + backward + update; an epoch's time / its batches):")
    for label, sizes, hidden, output, loss, batch, data in rows:
        print(f"  {label:52s} {step_time(sizes, hidden, output, loss, batch, data) * 1e6:8.1f} µs")
    print("Grid evaluation (one batched forward pass, float32):")
    for label, hidden in (("6x8 tanh", "tanh"), ("6x8 relu", "relu")):
        nn = Network.from_sizes(DEEP, hidden=hidden, output="sigmoid", seed=0)
        t = best_of(lambda nn=nn: decision_grid(nn, (-6, 6, -6, 6), 200), number=10, repeat=15)
        print(f"  200×200 decision grid, {label:38s} {t * 1e3:8.2f} ms")
        t = best_of(lambda nn=nn: neuron_grids(nn, (-6, 6, -6, 6), 40), number=10)
        print(f"  40×40 maps of every neuron, {label:33s} {t * 1e3:8.2f} ms")
    nn = Network.from_sizes(DEEP, hidden="tanh", output="sigmoid", seed=0)
    t = best_of(lambda: decision_grid(nn, (-6, 6, -6, 6), 200, dtype=np.float64), number=10)
    print(f"  200×200 decision grid, 6x8 tanh, float64{'':22s} {t * 1e3:8.2f} ms")
    compare_with_torch()  # last: importing PyTorch changes the process's heap
    print(f"Load average (1, 5, 15 min): {', '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
