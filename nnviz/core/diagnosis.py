"""Why did a copy fail? Every copy of a trained :class:`~nnviz.core.ensemble.Ensemble`, judged.

A copy is *solved* when every training output is on the right side of the targets' midpoint.
Otherwise the first of these that applies names the failure: it *diverged* (NaN or infinite), it
has *dead units* (ReLU-like units whose input is ≤ 0 on every sample: no gradient reaches them),
*saturated units* (sigmoid or tanh units far out on a flat tail for every sample), it is stuck at a
*plateau* (the loss barely moved lately), or it is *still learning*.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .activations import Activation
from .ensemble_trainer import EnsembleTrainer

#: Verdicts of :func:`diagnose`, most specific first.
VERDICTS = ("solved", "diverged", "dead units", "saturated units", "plateau", "still learning")


@dataclass(frozen=True)
class EnsembleReport:
    """What became of every copy. Arrays have shape ``(N,)``.

    Attributes
    ----------
    solved : ndarray of bool
        Every training output is on the right side of the targets' midpoint.
    accuracy : ndarray of float
        Share of training outputs on the right side.
    final_loss : ndarray of float
    verdict : ndarray of str
        One of :data:`VERDICTS`.
    dead, saturated : ndarray of int
        Hidden units in a flat region of their activation (ReLU with z ≤ 0) on every training sample,
        so no gradient can reach their weights; and units whose |f'(z)| stays below ``saturation`` ×
        the activation's peak slope on every sample (sigmoid or tanh far from 0).
    details : list of str
        A sentence per copy saying why (empty for solved copies).
    """

    solved: np.ndarray
    accuracy: np.ndarray
    final_loss: np.ndarray
    verdict: np.ndarray
    dead: np.ndarray
    saturated: np.ndarray
    details: list[str]

    @property
    def solve_rate(self) -> float:
        return float(self.solved.mean())

    def counts(self) -> dict[str, int]:
        """How many copies got each verdict, in :data:`VERDICTS` order (zeros left out)."""
        found = {v: int((self.verdict == v).sum()) for v in VERDICTS}
        return {v: c for v, c in found.items() if c}


def _slope_profile(act: Activation) -> tuple[float, bool]:
    """The activation's peak |f'| on [-10, 10], and whether f' is exactly 0 somewhere there (ReLU-like)."""
    with np.errstate(all="ignore"):
        slope = np.abs(act.df(np.linspace(-10.0, 10.0, 2001)))
    peak = float(np.nanmax(slope)) if np.isfinite(slope).any() else 1.0
    return (peak if peak > 0 else 1.0), bool((slope == 0).any())


def _unit_list(units: np.ndarray) -> str:
    return ", ".join(str(u + 1) for u in units)


def _wrong_samples(X: np.ndarray, out: np.ndarray, right: np.ndarray) -> str:
    """Which samples a copy gets wrong: listed with their outputs for small sets, else counted."""
    wrong = np.flatnonzero(~right.all(axis=1))
    if len(X) > 8:
        return f"{len(wrong)} of {len(X)} samples wrong"
    items = ", ".join(
        f"({', '.join(f'{v:g}' for v in X[i])}) → {', '.join(f'{v:.2f}' for v in out[i])}" for i in wrong
    )
    return f"wrong on {items}" if items else "every sample right"


@dataclass(frozen=True)
class Thresholds:
    """Where :func:`diagnose` draws its lines.

    Attributes
    ----------
    saturation : float, default 0.01
        A hidden unit is saturated when its slope stays below this share of the activation's
        peak slope on every training sample (tanh: |z| > 3 everywhere).
    plateau_window, plateau_tol : float, default 0.25, 0.01
        An unsolved copy is stuck at a plateau when its recorded loss fell by less than
        ``plateau_tol`` (relative) over the last ``plateau_window`` of the recorded epochs.
    """

    saturation: float = 0.01
    plateau_window: float = 0.25
    plateau_tol: float = 0.01


DEFAULT_THRESHOLDS = Thresholds()


def diagnose(trainer: EnsembleTrainer, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> EnsembleReport:
    """Classify every copy of a trained ensemble as solved or as one named failure.

    Parameters
    ----------
    trainer : EnsembleTrainer
        After training; its training set is the one judged.
    thresholds : Thresholds
        Where saturation and a plateau begin.

    Returns
    -------
    EnsembleReport
    """
    ens, X, Y = trainer.ens, trainer.X, trainer.Y
    n, N = len(X), ens.n_copies
    za, final = trainer.evaluate()
    out = za[-1][1]  # (n, n_out, N)
    lo, hi = float(Y.min()), float(Y.max())
    mid = (lo + hi) / 2
    right = (out > mid) == (Y[:, :, None] > mid)
    accuracy = right.reshape(-1, N).mean(axis=0)
    solved = right.reshape(-1, N).all(axis=0) & np.isfinite(final)
    diverged = trainer.diverged | ~np.isfinite(final)

    dead = np.zeros(N, dtype=int)
    saturated = np.zeros(N, dtype=int)
    dead_text: list[list[str]] = [[] for _ in range(N)]
    sat_text: list[list[str]] = [[] for _ in range(N)]
    for j, s in enumerate(ens.shapes[:-1]):
        z, a = za[j]
        with np.errstate(all="ignore"):
            slope = np.abs(s.activation.derivative(z, a)).max(axis=0)  # (units, N)
        peak, flat_region = _slope_profile(s.activation)
        # Dead: f' is exactly 0 on every sample because the unit sits in a flat region (ReLU's z < 0);
        # a sigmoid whose slope rounds to 0 is saturated, however far.
        is_dead = (slope == 0) if flat_region else np.zeros_like(slope, dtype=bool)
        is_sat = (slope < thresholds.saturation * peak) & ~is_dead
        dead += is_dead.sum(axis=0)
        saturated += is_sat.sum(axis=0)
        for k in np.flatnonzero(is_dead.any(axis=0) | is_sat.any(axis=0)):
            d, t = np.flatnonzero(is_dead[:, k]), np.flatnonzero(is_sat[:, k])
            if len(d):
                dead_text[k].append(
                    f"layer {j + 1} unit{'s' if len(d) > 1 else ''} {_unit_list(d)} dead: f'(z) = 0 on all "
                    f"{n} samples, so no gradient reaches {'their' if len(d) > 1 else 'its'} weights"
                )
            if len(t):
                sat_text[k].append(
                    f"layer {j + 1} unit{'s' if len(t) > 1 else ''} {_unit_list(t)} saturated: slope below "
                    f"{thresholds.saturation:.0%} of the peak on all {n} samples"
                )

    plateau, change, span = _plateaus(trainer, thresholds)

    def wrong(k: int) -> str:
        return _wrong_samples(X, out[:, :, k], right[:, :, k])

    verdict = np.empty(N, dtype=object)
    details: list[str] = []
    for k in range(N):
        if solved[k]:
            verdict[k], text = "solved", ""
        elif diverged[k]:
            verdict[k], text = (
                "diverged",
                "the loss or a weight became NaN or infinite: the step was too large",
            )
        elif dead[k]:
            verdict[k], text = "dead units", "; ".join(dead_text[k] + sat_text[k])
        elif saturated[k]:
            verdict[k], text = "saturated units", "; ".join(sat_text[k])
        elif plateau[k]:
            verdict[k] = "plateau"
            text = (
                f"stuck at a plateau: loss {final[k]:.4g} fell by {max(change[k], 0):.2%} over the last "
                f"{span} epochs (a local minimum or a flat region); {wrong(k)}"
            )
        else:
            verdict[k] = "still learning"
            text = f"loss {final[k]:.4g} is still falling: more epochs may solve it; {wrong(k)}"
        details.append(text)
    return EnsembleReport(solved, accuracy, final, verdict.astype(str), dead, saturated, details)


def _plateaus(trainer: EnsembleTrainer, thresholds: Thresholds) -> tuple[np.ndarray, np.ndarray, int]:
    """Which copies' loss barely fell lately: (plateau of shape (N,), relative fall (N,), epochs spanned)."""
    history, epochs, N = trainer.history, trainer.history_epochs, trainer.ens.n_copies
    if len(history) < 4:
        return np.zeros(N, dtype=bool), np.full(N, np.nan), 0
    start = min(len(history) - 2, int(round(len(history) * (1 - thresholds.plateau_window))))
    then, now = history[start].astype(np.float64), history[-1].astype(np.float64)
    with np.errstate(all="ignore"):
        change = (then - now) / np.maximum(np.abs(then), 1e-300)
    return change < thresholds.plateau_tol, change, int(epochs[-1] - epochs[start])
