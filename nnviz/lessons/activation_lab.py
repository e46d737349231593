"""The activation lab: sample f and f' over a range and find where f' vanishes or explodes.

Values are the engine's float64 code where it gives finite numbers; where it does not (an intermediate
``exp(x)`` overflows, say), they are recomputed from the symbolic form at high precision, so the lab
shows the function's own behaviour and names the float64 trouble separately (:class:`Note`).
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import NamedTuple

import mpmath
import numpy as np
import sympy as sp

from nnviz.core import ACTIVATIONS, Activation, activation_from
from nnviz.core.activations import X
from nnviz.core.errors import SpecError
from nnviz.drawing.figures import activation_figure, figure_data_uri

#: Widest range the lab samples, and the number of samples.
MAX_ABS_X = 1000.0
SAMPLES = 801
#: Widest equation line, in characters of SymPy's pretty form (about 9 px each in Streamlit's KaTeX;
#: the lab's equation column is about 400 px wide in a 1500 px window). Wider lines are split.
EQUATION_CHARS = 40
#: float64's largest number and smallest normal one.
HUGE, TINY = float(np.finfo(float).max), float(np.finfo(float).tiny)
#: Functions whose derivative can be exactly 0 on a whole stretch (elsewhere f' = 0 only at points).
_PIECEWISE = (sp.Piecewise, sp.Heaviside, sp.Max, sp.Min, sp.sign, sp.Abs, sp.floor, sp.ceiling)
#: mpmath's working precision is global: sessions (threads) evaluating at once take turns.
_PRECISION = threading.Lock()


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
        raise SpecError(f"the range needs x min < x max, got [{num(lo)}, {num(hi)}]")
    if max(abs(lo), abs(hi)) > MAX_ABS_X:
        raise SpecError(f"the range must stay within ±{MAX_ABS_X:g}, got [{num(lo)}, {num(hi)}]")
    return lo, hi


def num(v: float, digits: int = 4) -> str:
    """A number for the page: ``digits`` significant digits, never ``-0``."""
    return f"{float(v) + 0.0:.{digits}g}"


# --- sampling, stably -------------------------------------------------------------------------------


class Note(NamedTuple):
    """A stretch ``[start, end]`` where float64 cannot show the function as it is.

    kind : {"overflow", "underflow", "beyond", "undefined", "unknown"}
        float64 code overflows inside the formula though the value is finite (recomputed here); f' is
        smaller than float64's smallest number (rounds to 0); the value itself exceeds float64's range;
        not a real number; not computable (a NumPy pair has no symbolic form to recompute from).
    """

    kind: str
    start: float
    end: float

    def describe(self) -> str:
        where = f"x ∈ [{num(self.start)}, {num(self.end)}]"
        return {
            "overflow": f"**Overflow, {where}:** the formula's float64 steps overflow here (a part such as "
            "exp(x) passes 1.8·10³⁰⁸), so a network computing it gets ∞ or NaN. The true values are "
            "finite: the lab computed them at high precision, and those are shown.",
            "underflow": f"**Underflow, {where}:** f′ is smaller than float64's smallest number (about "
            "10⁻³⁰⁸), so in training it is exactly 0 and no gradient passes, but mathematically f′ ≠ 0: "
            "this is deep saturation, not a dead zone like ReLU's.",
            "beyond": f"**Beyond float64, {where}:** f or f′ itself is larger than 1.8·10³⁰⁸ (the "
            "function really grows that fast); float64 cannot hold it and a network gets ∞ here.",
            "undefined": f"**Not defined, {where}:** f or f′ is not a real number here.",
            "unknown": f"**Not computable, {where}:** float64 gives no finite value here, and a NumPy "
            "pair has no formula to compute it otherwise.",
        }[self.kind]


class Probe(NamedTuple):
    """``x``, ``f(x)``, ``f'(x)`` (shape ``(n,)``; NaN where not a real number, ±inf beyond float64) and
    the :class:`Note` s on float64 trouble."""

    x: np.ndarray
    f: np.ndarray
    df: np.ndarray
    notes: list[Note]


@lru_cache(maxsize=256)
def _precise(expr: sp.Expr):
    """``expr`` as an mpmath function of x (arbitrary exponent range), or None if it cannot be made."""
    try:
        return sp.lambdify(X, expr, modules="mpmath")
    except Exception:  # noqa: BLE001 - a printer gap: the values stay "not computable"
        return None


def _exact(fn, x: float, digits: int = 30):
    """``fn(x)`` at high precision (an mpmath number, any exponent), or None if not a real number."""
    try:
        with _PRECISION, mpmath.workdps(digits):
            v = fn(mpmath.mpf(x))
            if isinstance(v, mpmath.mpc):
                if abs(v.imag) > 1e-20 * max(abs(v.real), 1):
                    return None
                v = v.real
            v = mpmath.mpf(v)
            return None if mpmath.isnan(v) else v
    except (ArithmeticError, ValueError, TypeError):
        return None


def _as_float(v) -> float:
    """An :func:`_exact` value as float64: ±inf beyond its range, NaN for None."""
    if v is None:
        return float("nan")
    return float(mpmath.sign(v)) * float("inf") if abs(v) > HUGE else float(v)


def _repair(expr, x: np.ndarray, values: np.ndarray, notes: dict[str, np.ndarray]) -> np.ndarray:
    """Recompute the non-finite float64 ``values`` from ``expr``; mark in ``notes`` what was found."""
    bad = ~np.isfinite(values)
    if not bad.any():
        return values
    values = values.copy()
    fn = None if expr is None else _precise(expr)
    if fn is None:
        notes["unknown"] |= bad
        values[bad] = np.nan
        return values
    for i in np.flatnonzero(bad):
        v = _as_float(_exact(fn, float(x[i])))
        values[i] = v
        kind = "undefined" if np.isnan(v) else "beyond" if np.isinf(v) else "overflow"
        notes[kind][i] = True
    return values


def _underflow(expr, x: np.ndarray, df: np.ndarray) -> np.ndarray:
    """Where f' is exactly 0 in float64 on a stretch (2+ samples) but not 0 mathematically."""
    zero = df == 0
    stretch = zero & (np.roll(zero, 1) | np.roll(zero, -1))
    stretch[0], stretch[-1] = zero[0] and zero[1], zero[-1] and zero[-2]
    fn = None if expr is None else _precise(expr)
    if fn is None or not stretch.any() or expr.is_zero:
        return np.zeros_like(zero)
    if not expr.has(*_PIECEWISE):
        # An analytic f' that is not identically 0 is 0 only at points: a stretch of zeros is underflow
        # (even where 30 digits cancel to 0 too, as in 1 - tanh(x)² or 1 + erf(x) far out).
        return stretch
    out = np.zeros_like(zero)
    for i in np.flatnonzero(stretch):  # a 0 branch (ReLU's), or a cancellation: look closer
        out[i] = any(_exact(fn, float(x[i]), digits) not in (None, 0) for digits in (30, 1000))
    return out


def probe(act: Activation, lo: float, hi: float, n: int = SAMPLES) -> Probe:
    """Sample f and f' over ``[lo, hi]`` (0 exactly among the points when in range), stably."""
    lo, hi = check_range(lo, hi)
    x = np.linspace(lo, hi, n)
    if lo <= 0 <= hi:
        x[np.argmin(np.abs(x))] = 0.0
    with np.errstate(all="ignore"):
        f = np.asarray(act.f(x.copy()), dtype=float).reshape(x.shape)
        df = np.asarray(act.df(x.copy()), dtype=float).reshape(x.shape)
    marks = {k: np.zeros(x.shape, bool) for k in ("overflow", "underflow", "beyond", "undefined", "unknown")}
    f = _repair(act.f_expr, x, f, marks)
    df = _repair(act.df_expr, x, df, marks)
    under = _underflow(act.df_expr, x, df)
    if under.any():  # keep the sign of the nearest sample that did not underflow; magnitude: the least
        marks["underflow"] = under
        known = np.flatnonzero(np.isfinite(df) & (df != 0))
        spots = np.flatnonzero(under)
        sign = np.sign(df[known[np.abs(known[:, None] - spots).argmin(0)]]) if known.size else 1.0
        df[spots] = sign * np.nextafter(0.0, 1.0)
    notes = [Note(kind, s, e) for kind, mask in marks.items() for s, e in _runs(x, mask)]
    return Probe(x, f, df, sorted(notes, key=lambda r: r.start))


def sample(
    act: Activation, lo: float, hi: float, n: int = SAMPLES
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``x``, ``f(x)`` and ``f'(x)`` of :func:`probe`."""
    x, f, df, _ = probe(act, lo, hi, n)
    return x, f, df


# --- where f' vanishes or explodes ------------------------------------------------------------------


def _runs(x: np.ndarray, mask: np.ndarray) -> list[tuple[float, float]]:
    """Contiguous stretches ``(first x, last x)`` of ``x`` where ``mask`` holds."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return [(float(x[s]), float(x[e - 1])) for s, e in zip(edges[::2], edges[1::2])]


def crossings(x: np.ndarray, df: np.ndarray) -> list[tuple[float, float]]:
    """Where f' changes sign: ``(x₀, |f''| there)``, between two samples or at one exact 0 between them.

    Near such a point |f'| is small only on a band of width about ``2·threshold / |f''|``: a point
    where the slope passes through 0, not a stretch where it stays small.
    """
    ok = np.flatnonzero(np.isfinite(df) & (df != 0))
    out = []
    for i, j in zip(ok[:-1], ok[1:]):
        if j - i <= 2 and np.sign(df[i]) != np.sign(df[j]):
            slope = abs(df[j] - df[i]) / (x[j] - x[i])
            x0 = x[i + 1] if j == i + 2 else x[i] - df[i] / (df[j] - df[i]) * (x[j] - x[i])
            out.append((float(x0), float(slope)))
    return out


class Region(NamedTuple):
    """A stretch ``[start, end]`` of x (of some width) where f' behaves badly.

    kind : {"dead", "vanishing", "exploding"}
        f' exactly 0 (no gradient at all), |f'| below the vanishing threshold (saturation), or |f'|
        above the exploding threshold (infinite included: beyond float64, see :class:`Note`).
    """

    kind: str
    start: float
    end: float

    def describe(self, vanish: float, explode: float) -> str:
        where = f"x ∈ [{num(self.start)}, {num(self.end)}]"
        if self.kind == "dead":
            return f"Dead zone, {where}: f′ = 0, so a unit here passes no gradient back and stops learning."
        if self.kind == "vanishing":
            return (
                f"Saturation, {where}: |f′| < {vanish:g}; gradients shrink by this factor at each layer "
                "they pass, so deep stacks of such units learn very slowly."
            )
        return (
            f"Exploding slope, {where}: |f′| > {explode:g}; gradients grow by this factor per layer and "
            "training can diverge."
        )


def regions(x: np.ndarray, df: np.ndarray, vanish: float = 0.01, explode: float = 10.0) -> list[Region]:
    """Where f' vanishes (dead or saturated) or explodes, as sorted :class:`Region` s.

    A zone has a width (two samples or more); the narrow band around a point where f' changes sign
    (:func:`crossings`) is not one: the slope passes through 0 there, it does not stay small.

    Parameters
    ----------
    x, df : ndarray of shape (n,)
        Sample points and f' there (NaN where not a real number: no region, a :class:`Note` says so).
    vanish, explode : float
        Thresholds on |f'|.
    """
    if not 0 < vanish < explode:
        raise SpecError(f"need 0 < vanishing threshold < exploding threshold, got {vanish:g} and {explode:g}")
    slope = np.abs(df)
    small = np.isfinite(df) & (slope < vanish)
    for x0, curvature in crossings(x, df):
        small &= np.abs(x - x0) > 2 * vanish / curvature
    zero = small & (df == 0)
    found = [Region("dead", s, e) for s, e in _runs(x, zero) if e > s]
    found += [Region("vanishing", s, e) for s, e in _runs(x, small & ~zero) if e > s]
    found += [Region("exploding", s, e) for s, e in _runs(x, ~np.isnan(df) & (slope > explode)) if e > s]
    return sorted(found, key=lambda r: r.start)


def summary(x: np.ndarray, f: np.ndarray, df: np.ndarray) -> dict[str, str]:
    """A few facts about f and f' on the range: output range, peak slope and where, f'(0), zeros of f'."""
    finite = np.isfinite(df)
    if not finite.any():
        return {"f range": "not finite", "peak |f′|": "not finite"}
    k = int(np.argmax(np.where(finite, np.abs(df), -1.0)))
    fin_f = f[np.isfinite(f)]
    facts = {
        "f range": f"[{num(fin_f.min())}, {num(fin_f.max())}]" if fin_f.size else "not finite",
        "peak |f′|": f"{num(abs(df[k]))} at x = {num(x[k])}",
        "f′(0)": num(np.interp(0.0, x, df)) if x[0] <= 0 <= x[-1] else "(0 not in range)",
    }
    points = [x0 for x0, _ in crossings(x, df)]
    if points:
        more = f" and {len(points) - 4} more" if len(points) > 4 else ""
        h = float(x[1] - x[0])  # coarse samples place a crossing only to within half their spacing
        shown = (num(p) if h <= 0.02 else f"{num(p, 2)} ± {num(h / 2, 2)}" for p in points[:4])
        facts["f′ = 0 (crossing, not a zone) at x ≈"] = ", ".join(shown) + more
    return facts


# --- equations that fit their column ------------------------------------------------------------------


def _width(expr: sp.Expr) -> int:
    """Width of ``expr`` as typeset, in characters: its SymPy pretty form (fractions stacked)."""
    try:
        return max(map(len, sp.pretty(expr, use_unicode=True, wrap_line=False).splitlines()))
    except Exception:  # noqa: BLE001 - a printer gap: LaTeX source is about twice as long as typeset
        return len(sp.latex(expr)) // 2


def _fit(line: str, width: int, budget: int) -> str:
    """``line`` set smaller by KaTeX's sizes until it fits ``budget`` (else it scrolls in its box)."""
    for size, factor in (("", 1.0), (r"\small ", 0.9), (r"\footnotesize ", 0.8)):
        if width * factor <= budget:
            return size + line
    return r"\scriptsize " + line


def equation(name: str, expr: sp.Expr, budget: int = EQUATION_CHARS) -> str:
    """``name = expr`` in LaTeX, fitting ``budget`` characters: a sum too wide for one line is split after
    its terms into aligned lines, and a line still too wide is set smaller."""
    head = len(name) + 3
    terms = list(expr.as_ordered_terms()) if expr.is_Add else [expr]
    if head + _width(expr) <= budget or len(terms) == 1:
        return _fit(f"{name} = {sp.latex(expr)}", head + _width(expr), budget)
    rows: list[tuple[list[str], int]] = [([], head)]
    for k, term in enumerate(terms):
        negative = k > 0 and term.could_extract_minus_sign()
        text = (("- " if negative else "+ ") if k else "") + sp.latex(-term if negative else term)
        width = _width(term) + (2 if k else 0)
        parts, used = rows[-1]
        if parts and used + width > budget:
            rows.append(([], head))
            parts, used = rows[-1]
        parts.append(text)
        rows[-1] = (parts, used + width)
    lines = [_fit(" ".join(parts), used, budget) for parts, used in rows]
    body = rf"{name} &= {lines[0]}" + "".join(rf" \\ &\quad {line}" for line in lines[1:])
    return rf"\begin{{aligned}} {body} \end{{aligned}}"


def latex_pair(act: Activation) -> tuple[str, str]:
    """``(f(x) = ..., f'(x) = ...)`` in LaTeX, split to fit, or explanatory text for a NumPy pair."""
    if act.f_expr is None or act.df_expr is None:
        return r"f(x)\ \text{(NumPy code)}", r"f'(x)\ \text{(NumPy code)}"
    return equation("f(x)", act.f_expr), equation("f'(x)", act.df_expr)


def send_value(choice: str) -> str:
    """What the playground receives: a built-in name in lower case, or the formula text as typed."""
    text = choice.strip()
    return text.lower() if text.lower() in ACTIVATIONS else text


class Study(NamedTuple):
    """Everything the page shows for one activation, as plain values (cacheable per input)."""

    label: str
    picture: str  # PNG data URI
    equations: tuple[str, str]
    facts: dict[str, str]
    zones: tuple[str, ...]  # Markdown, one per zone
    notes: tuple[str, ...]  # Markdown, one per stretch float64 cannot show as it is
    send: str


def study(choice: str, lo: float, hi: float, vanish: float, explode: float) -> Study:
    """Sample, find the zones, draw: raises NNVizError for a refused formula or bad thresholds."""
    act = resolve(choice)
    x, f, df, notes = probe(act, lo, hi)
    found = regions(x, df, vanish, explode)
    title = act.label if len(act.label) <= 60 else act.label[:59] + "…"
    picture = figure_data_uri(activation_figure(x, f, df, found, title))
    zones = tuple(r.describe(vanish, explode) for r in found)
    return Study(act.label, picture, latex_pair(act), summary(x, f, df), zones,
                 tuple(n.describe() for n in notes), send_value(choice))  # fmt: skip
