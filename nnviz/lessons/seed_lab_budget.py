"""How long a seed-lab run takes, estimated from its set-up before it starts, and the budget it must fit.

A run's time is its sequential steps (epochs × batches per epoch) times the cost of one step for the
architecture, the number of copies and the batch size, plus a set-up cost per copy (initial weights,
the final diagnosis). The cost of a step follows what :class:`~nnviz.core.stacked.Workspace` does:

- a fixed cost per step and per layer (NumPy calls on small arrays),
- when the batch is too big for one fused product (``batch × max(n_in·n_out) × copies`` above
  :data:`~nnviz.core.stacked.FUSED_LIMIT`), a cost per input unit of every layer (one loop turn each),
- a cost per row of ``copies`` elements (the copy axis is the innermost: few copies make short rows),
  ``batch × Σ n_in·n_out`` of them,
- a cost per element: ``batch × copies × Σ n_in·n_out`` multiply-adds (one constant for the fused
  product, one for the loop) and ``batch × copies × Σ n_out`` activations (float32 and float64 differ).

Times are CPU seconds of one core (``time.process_time``), so other work on a shared machine does not
inflate them. The constants were measured on this server (2 cores, one BLAS thread, best of 3 of each
set-up) and fitted by ``python bench/seed_lab.py --cost-model``, which prints them in this form and checks
the estimate against whole runs; re-run it on other hardware and paste its output here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from nnviz.core.stacked import FUSED_LIMIT

#: Seconds of one core a run may take (the issue's "~30 s of one core").
BUDGET_SECONDS = 30.0

#: CPU seconds per step: ``(per step, per layer, per input unit when not fused, per row of weight
#: elements, per weight element fused, per weight element not fused, per unit element)``; and per copy and
#: layer for setting up and diagnosing a run. From ``OPENBLAS_NUM_THREADS=1 python bench/seed_lab.py
#: --cost-model`` on this server: the fit is within 0.41-1.56× of every measured step (median 0.96) and
#: 0.83-1.29× of the whole runs it checks.
STEP_COST = {
    "float32": (0.0, 8.19e-06, 0.0, 1.96e-08, 6.14e-10, 1.01e-09, 4.88e-10),
    "float64": (1.70e-06, 6.83e-06, 0.0, 1.94e-08, 1.41e-09, 2.77e-09, 1.18e-09),
}
SETUP_COST = 1.40e-05

Shapes = Sequence[tuple[int, int]]


def step_features(shapes: Shapes, copies: int, batch: int) -> np.ndarray:
    """What one training step's time is proportional to (the terms of :data:`STEP_COST`, in order).

    ``shapes`` are ``(n_in, n_out)`` of every layer.
    """
    fused = batch * max(i * o for i, o in shapes) * copies <= FUSED_LIMIT
    rows = batch * sum(i * o for i, o in shapes)
    return np.array(
        [
            1.0,
            len(shapes),
            0.0 if fused else sum(i for i, _ in shapes),
            rows,
            rows * copies if fused else 0.0,
            0.0 if fused else rows * copies,
            batch * copies * sum(o for _, o in shapes),
        ]
    )


def step_seconds(shapes: Shapes, copies: int, batch: int, dtype: str = "float64") -> float:
    """Estimated seconds of one training step (a forward and a backward pass of ``batch`` samples)."""
    return float(np.dot(STEP_COST[np.dtype(dtype).name], step_features(shapes, copies, batch)))


@dataclass(frozen=True)
class Workload:
    """A run as the estimate sees it.

    Attributes
    ----------
    shapes : sequence of (n_in, n_out)
        Of every layer.
    copies : int
    n_samples : int
        Training samples.
    batch_size : int or None
        None for full batch.
    epochs : int
    dtype : str
        ``"float32"`` or ``"float64"``.
    """

    shapes: Shapes
    copies: int
    n_samples: int
    batch_size: int | None
    epochs: int
    dtype: str = "float64"


def run_seconds(work: Workload, max_records: int = 400) -> float:
    """Estimated seconds of one core for a whole run (as :func:`~nnviz.lessons.seed_robustness_lab.run_lab`
    trains it)."""
    n = work.n_samples
    batch = n if work.batch_size is None else min(work.batch_size, n)
    batches = -(-n // batch)
    seconds = work.epochs * batches * step_seconds(work.shapes, work.copies, batch, work.dtype)
    if batches > 1:  # every recorded epoch adds a forward pass over the whole set (about half a step)
        records = work.epochs // max(1, work.epochs // max_records)
        seconds += records * 0.5 * step_seconds(work.shapes, work.copies, n, work.dtype)
    return seconds + SETUP_COST * work.copies * len(work.shapes)


@dataclass(frozen=True)
class Plan:
    """A run's estimate against the budget.

    Attributes
    ----------
    seconds : float
        Estimated seconds of one core.
    budget : float
    copies_that_fit : int
        Most copies (a multiple of ``step``, at least ``step``) that fit the budget, 0 if even the
        fewest do not.
    """

    seconds: float
    budget: float
    copies: int
    copies_that_fit: int

    @property
    def fits(self) -> bool:
        return self.seconds <= self.budget

    def refusal(self) -> str:
        """Why the run is refused and what to reduce (empty when it fits)."""
        if self.fits:
            return ""
        advice = (
            f"use at most {self.copies_that_fit} copies (or fewer epochs, smaller layers, larger batches)"
            if self.copies_that_fit
            else "use fewer epochs, smaller layers or larger batches"
        )
        return (
            f"This run would take about {describe_seconds(self.seconds)} of one core; a run may take at most "
            f"{describe_seconds(self.budget)}: {advice}."
        )


def plan(work: Workload, *, budget: float = BUDGET_SECONDS, step: int = 10) -> Plan:
    """The estimate of a run and, if it is over ``budget``, the most copies that fit."""
    seconds = run_seconds(work)

    def cost(n: int) -> float:
        return run_seconds(replace(work, copies=n))

    fit = 0
    if seconds > budget:
        lo, hi = 0, work.copies // step  # cost grows with the copies: the largest multiple of step that fits
        while lo < hi:
            mid = (lo + hi + 1) // 2
            lo, hi = (mid, hi) if cost(mid * step) <= budget else (lo, mid - 1)
        fit = lo * step
    return Plan(seconds, budget, work.copies, work.copies if seconds <= budget else fit)


def describe_seconds(seconds: float) -> str:
    """``"0.4 s"``, ``"12 s"``, ``"3.5 min"``."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 120:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.1f} min"


def progress_text(share: float, elapsed: float, estimate: float) -> str:
    """``"training… 40 % · 6 s, about 9 s left"``: the time left from the progress so far (from the
    estimate until there is some)."""
    left = elapsed * (1 - share) / share if share >= 0.05 else max(0.0, estimate - elapsed)
    return f"training… {share:.0%} · {describe_seconds(elapsed)}, about {describe_seconds(left)} left"
