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
    left, right, top, bottom = 50, 12, 26, 30
    pw, ph = width - left - right, height - top - bottom
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
    parts = [f"<rect x='{left}' y='{top}' width='{pw}' height='{ph}' fill='#fafafa' stroke='#ccc'/>"]
    if not clean:
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

    def px(x):
        return left + (x - xmin) / (xmax - xmin) * pw

    def py(v):
        return top + (ymax - f(v)) / (ymax - ymin) * ph

    if log:
        yticks = [10.0**e for e in range(math.ceil(ymin), math.floor(ymax) + 1)] or [10**ymin]
    else:
        yticks = nice_ticks(ymin, ymax, 4)
    for t in yticks:
        y = py(t)
        parts.append(
            f"<line x1='{left}' y1='{y:.1f}' x2='{left + pw}' y2='{y:.1f}' stroke='#e5e5e5'/>"
            f"<text x='{left - 5}' y='{y + 4:.1f}' font-size='11' text-anchor='end' fill='#555'>"
            f"{tick_label(t)}</text>"
        )
    for t in nice_ticks(xmin, xmax, 4):
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


def loss_label(v: float) -> str:
    """A loss value for a legend: 4 decimals, or scientific notation when tiny or huge."""
    return f"{v:.4f}" if 1e-3 <= abs(v) < 1e4 else f"{v:.3e}"
