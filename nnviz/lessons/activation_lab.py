"""The activation lab: sample f and f' over a range and find where f' vanishes or explodes."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from nnviz.core import ACTIVATIONS, Activation, activation_from
from nnviz.core.errors import SpecError

#: Widest range the lab samples, and the number of samples.
MAX_ABS_X = 1000.0
SAMPLES = 801


def resolve(choice: str) -> Activation:
    """A built-in name or formula text as an :class:`Activation`.

    Raises
    ------
    FormulaError
        For formula text the safe parser rejects (its message names the problem and column).
    SpecError
        For an empty choice.
    """
    if not isinstance(choice, str) or not choice.strip():
        raise SpecError("type a formula in x, for example  x / (1 + abs(x)),  or pick a built-in")
    return activation_from(choice.strip())


def check_range(lo: float, hi: float) -> tuple[float, float]:
    """Validate the plotting range: finite, ``lo < hi``, within ``±MAX_ABS_X``."""
    lo, hi = float(lo), float(hi)
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise SpecError(f"the range must be finite numbers, got [{lo}, {hi}]")
    if not lo < hi:
        raise SpecError(f"the range needs x min < x max, got [{lo:g}, {hi:g}]")
    if max(abs(lo), abs(hi)) > MAX_ABS_X:
        raise SpecError(f"the range must stay within ±{MAX_ABS_X:g}, got [{lo:g}, {hi:g}]")
    return lo, hi


def sample(
    act: Activation, lo: float, hi: float, n: int = SAMPLES
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``x``, ``f(x)`` and ``f'(x)``, each of shape ``(n,)``, over ``[lo, hi]`` (NaN where not finite)."""
    lo, hi = check_range(lo, hi)
    x = np.linspace(lo, hi, n)
    with np.errstate(all="ignore"):
        f = np.asarray(act.f(x.copy()), dtype=float)
        df = np.asarray(act.df(x.copy()), dtype=float)
    return x, np.where(np.isfinite(f), f, np.nan), np.where(np.isfinite(df), df, np.nan)


class Region(NamedTuple):
    """A stretch ``[start, end]`` of x where f' behaves badly.

    kind : {"dead", "vanishing", "exploding"}
        f' exactly 0 (no gradient at all), |f'| below the vanishing threshold (saturation), or
        |f'| above the exploding threshold (or not finite).
    """

    kind: str
    start: float
    end: float

    def describe(self, vanish: float, explode: float) -> str:
        where = f"x ∈ [{self.start:.3g}, {self.end:.3g}]"
        if self.kind == "dead":
            return f"Dead zone, {where}: f′ = 0, so a unit here passes no gradient back and stops learning."
        if self.kind == "vanishing":
            return (
                f"Saturation, {where}: |f′| < {vanish:g}; gradients shrink by this factor at each layer "
                "they pass, so deep stacks of such units learn very slowly."
            )
        return (
            f"Exploding slope, {where}: |f′| > {explode:g} (or not finite); gradients grow by this factor "
            "per layer and training can diverge."
        )


def _runs(x: np.ndarray, mask: np.ndarray) -> list[tuple[float, float]]:
    """Contiguous stretches of ``x`` where ``mask`` holds."""
    if not mask.any():
        return []
    edges = np.flatnonzero(np.diff(mask.astype(np.int8)))
    starts = [0] + list(edges + 1) if mask[0] else list(edges + 1)
    out = []
    for s in starts:
        if not mask[s]:
            continue
        e = s
        while e + 1 < len(mask) and mask[e + 1]:
            e += 1
        out.append((float(x[s]), float(x[e])))
    return out


def regions(x: np.ndarray, df: np.ndarray, vanish: float = 0.01, explode: float = 10.0) -> list[Region]:
    """Where f' vanishes (dead or saturated) or explodes, as sorted :class:`Region` s.

    Parameters
    ----------
    x, df : ndarray of shape (n,)
        Sample points and f' there (NaN for non-finite values).
    vanish, explode : float
        Thresholds on |f'|.
    """
    if not 0 < vanish < explode:
        raise SpecError(f"need 0 < vanishing threshold < exploding threshold, got {vanish:g} and {explode:g}")
    slope = np.abs(df)
    bad = ~np.isfinite(slope)
    found = [Region("dead", s, e) for s, e in _runs(x, slope == 0)]
    found += [Region("vanishing", s, e) for s, e in _runs(x, (slope > 0) & (slope < vanish))]
    found += [Region("exploding", s, e) for s, e in _runs(x, bad | (slope > explode))]
    return sorted(found, key=lambda r: r.start)


def latex_pair(act: Activation) -> tuple[str, str]:
    """``(f(x) = ..., f'(x) = ...)`` in LaTeX, or explanatory text for a NumPy pair."""
    f, df = act.latex()
    if not f:
        return r"f(x)\ \text{(NumPy code)}", r"f'(x)\ \text{(NumPy code)}"
    return f"f(x) = {f}", f"f'(x) = {df}"


def send_value(choice: str) -> str:
    """What the playground receives: a built-in name in lower case, or the formula text as typed."""
    text = choice.strip()
    return text.lower() if text.lower() in ACTIVATIONS else text


def summary(x: np.ndarray, f: np.ndarray, df: np.ndarray) -> dict[str, str]:
    """A few facts about f and f' on the range: output range, peak slope and where."""
    finite = np.isfinite(df)
    if not finite.any():
        return {"f range": "not finite", "peak |f′|": "not finite"}
    k = int(np.nanargmax(np.abs(df)))
    fin_f = f[np.isfinite(f)]
    return {
        "f range": f"[{fin_f.min():.4g}, {fin_f.max():.4g}]" if fin_f.size else "not finite",
        "peak |f′|": f"{abs(df[k]):.4g} at x = {x[k]:.3g}",
        "f′(0)": f"{float(np.interp(0.0, x, df)):.4g}" if x[0] <= 0 <= x[-1] else "(0 not in range)",
    }
