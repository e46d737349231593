"""The loss curve: train (solid) and test (dashed) loss against epochs, as SVG polylines."""

from __future__ import annotations

import math

import numpy as np

from .svg import nice_ticks, svg, tick_label


def downsample(x: np.ndarray, y: np.ndarray, max_points: int = 400) -> tuple[np.ndarray, np.ndarray]:
    """At most ``max_points + 1`` points of a curve: the mean of each of ``max_points`` equal buckets,
    then the exact last point (a long history draws as a smooth line that ends at the current value).
    """
    n = len(x)
    if n <= max_points:
        return x, y
    edges = np.linspace(0, n, max_points + 1).astype(int)
    counts = np.diff(edges)
    xs = np.add.reduceat(x, edges[:-1]) / counts
    ys = np.add.reduceat(y, edges[:-1]) / counts
    return np.append(xs, x[-1]), np.append(ys, y[-1])


def loss_curve_svg(
    train: tuple[np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray] | None = None,
    *,
    log: bool = False,
    width: int = 420,
    height: int = 300,
    max_points: int = 400,
) -> str:
    """Train (solid) and test (dashed) loss against epochs, as SVG polylines.

    Parameters
    ----------
    train, test : (epochs of shape (n,), losses of shape (n,))
    log : bool
        Logarithmic loss axis (non-positive values are dropped).
    """
    top, bottom = 26, 30
    series = [("train", train, "#333", ""), ("test", test, "#e07b00", " stroke-dasharray='5 3'")]
    clean = []
    for name, data, color, dash in series:
        if data is None:
            continue
        x, y = (np.asarray(a, dtype=float) for a in data)
        keep = np.isfinite(y) & ((y > 0) if log else True)
        x, y = x[keep], y[keep]
        if len(x):
            clean.append((name, *downsample(x, y, max_points), color, dash))
    if not clean:
        left, pw, ph = 50, width - 50 - 12, height - top - bottom
        parts = [f"<rect x='{left}' y='{top}' width='{pw}' height='{ph}' fill='#fafafa' stroke='#ccc'/>"]
        parts.append(
            f"<text x='{width / 2}' y='{height / 2}' text-anchor='middle' fill='#888'>no loss yet</text>"
        )
        return svg(width, height, "".join(parts))
    xs = np.concatenate([c[1] for c in clean])
    ys = np.concatenate([c[2] for c in clean])
    xmin, xmax = float(xs.min()), float(max(xs.max(), xs.min() + 1))
    f = np.log10 if log else (lambda v: v)
    ymin, ymax = (float(f(ys.min())), float(f(ys.max()))) if log else (0.0, float(ys.max()) * 1.05 or 1.0)
    if ymax - ymin < 1e-12:
        ymin, ymax = ymin - 0.5, ymax + 0.5
    if log and ymax - ymin < 0.1:  # a flat loss: ±12 % around it, not ticks six digits apart
        ymin, ymax = (ymin + ymax) / 2 - 0.05, (ymin + ymax) / 2 + 0.05
    yticks = log_ticks(ymin, ymax) if log else nice_ticks(ymin, ymax, 4)
    ylabels = [tick_label(t) for t in yticks]
    xticks = nice_ticks(xmin, xmax, 4)
    # The axes leave room for their longest labels (about 6.5 px a character at 11 px), so none is cut
    # off: the y labels at the left, half the last x label (centred on its tick) at the right.
    left = max(40, 10 + round(6.5 * max(map(len, ylabels))))
    right = max(12, 4 + round(3.25 * len(tick_label(xticks[-1])))) if xticks else 12
    pw, ph = width - left - right, height - top - bottom
    parts = [f"<rect x='{left}' y='{top}' width='{pw}' height='{ph}' fill='#fafafa' stroke='#ccc'/>"]

    def px(x):
        return left + (x - xmin) / (xmax - xmin) * pw

    def py(v):
        return top + (ymax - f(v)) / (ymax - ymin) * ph

    for t, label in zip(yticks, ylabels):
        y = py(t)
        parts.append(
            f"<line x1='{left}' y1='{y:.1f}' x2='{left + pw}' y2='{y:.1f}' stroke='#e5e5e5'/>"
            f"<text x='{left - 5}' y='{y + 4:.1f}' font-size='11' text-anchor='end' fill='#555'>"
            f"{label}</text>"
        )
    for t in xticks:
        x = px(t)
        parts.append(
            f"<text x='{x:.1f}' y='{top + ph + 16}' font-size='11' text-anchor='middle' fill='#555'>"
            f"{tick_label(t)}</text>"
        )
    parts.append(
        f"<text x='{left + pw / 2}' y='{height - 2}' font-size='12' text-anchor='middle' "
        "fill='#333'>epoch</text>"
    )
    legend_x = left
    for name, x, y, color, dash in clean:
        pts = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(px(x).tolist(), py(y).tolist()))
        parts.append(f"<polyline points='{pts}' fill='none' stroke='{color}' stroke-width='1.6'{dash}/>")
        parts.append(
            f"<line x1='{legend_x}' y1='12' x2='{legend_x + 18}' y2='12' stroke='{color}' "
            f"stroke-width='2'{dash}/>"
            f"<text x='{legend_x + 22}' y='16' font-size='12' fill='#333'>{name} {loss_label(y[-1])}</text>"
        )
        legend_x += 130
    scale = "log scale" if log else ""
    parts.append(
        f"<text x='{width - right}' y='16' font-size='11' text-anchor='end' fill='#888'>{scale}</text>"
    )
    return svg(width, height, "".join(parts))


def log_ticks(lo: float, hi: float) -> list[float]:
    """Round ticks between ``10**lo`` and ``10**hi``: the powers of ten, or within less than a decade or
    two, 1-2-5 steps (never a bare end value such as 0.348079, whose label is long)."""
    decades = [10.0**e for e in range(math.ceil(lo - 1e-9), math.floor(hi + 1e-9) + 1)]
    if len(decades) >= 3:
        return decades
    steps = [m * 10.0**e for e in range(math.floor(lo) - 1, math.ceil(hi) + 1) for m in (1, 2, 5)]
    inside = [t for t in steps if lo - 1e-9 <= math.log10(t) <= hi + 1e-9]
    if len(inside) >= 2:
        return inside
    return [t for t in nice_ticks(10**lo, 10**hi, 4) if t > 0] or [float(f"{10**lo:.2g}")]


def loss_label(v: float) -> str:
    """A loss value for a legend: 4 decimals, or scientific notation when tiny or huge."""
    return f"{v:.4f}" if 1e-3 <= abs(v) < 1e4 else f"{v:.3e}"
