"""Renderers: arrays in, images out (RGB arrays, PNG bytes, SVG text, data URIs). No Streamlit here.

Built for speed, because the playground draws 20+ frames a second while it trains:

- the decision boundary is one colormap lookup of a grid from :func:`nnviz.core.grid.decision_grid`,
  PNG-encoded by Pillow at ``compress_level=1`` and wrapped in an SVG with the points and crisp axes;
- the loss curve is a hand-built SVG polyline of a downsampled history;
- the network diagram is SVG whose neuron maps come from one PNG "sprite" (one encode per frame).

Matplotlib is used only for the downloadable boundary picture.
"""

from __future__ import annotations

import base64
import io
import math
import re
from collections.abc import Sequence

import numpy as np
from PIL import Image

Box = tuple[float, float, float, float]

#: The diverging colormap's anchors, low to high: TensorFlow Playground's orange, a light grey, its blue.
LOW, MID, HIGH = (245, 147, 34), (232, 234, 235), (8, 119, 189)
POSITIVE, NEGATIVE = "#0877bd", "#f59322"
FONT = "font-family='system-ui, -apple-system, Segoe UI, Roboto, sans-serif'"


def make_colormap(n: int = 257) -> np.ndarray:
    """A diverging colormap low → mid → high as a ``(n, 3)`` uint8 lookup table (odd n: an exact middle)."""
    t = np.linspace(0.0, 1.0, n)[:, None]
    low, mid, high = (np.array(c, dtype=float) for c in (LOW, MID, HIGH))
    rgb = np.where(t < 0.5, low + (mid - low) * (t / 0.5), mid + (high - mid) * ((t - 0.5) / 0.5))
    return np.round(rgb).astype(np.uint8)


COLORMAP = make_colormap()


def colorize(
    values: np.ndarray,
    lo: float = 0.0,
    hi: float = 1.0,
    discretize: bool = False,
    cmap: np.ndarray = COLORMAP,
) -> np.ndarray:
    """Map values to colours: ``lo`` → orange, midpoint → grey, ``hi`` → blue.

    Parameters
    ----------
    values : ndarray of any shape
    lo, hi : float
        The value range; values outside are clipped, NaN shows as the midpoint.
    discretize : bool
        Two colours only (which side of the midpoint), softened so points on top stay visible.

    Returns
    -------
    ndarray of shape ``values.shape + (3,)``, uint8
    """
    t = (np.asarray(values, dtype=np.float32) - lo) * (1.0 / (hi - lo))
    t = np.nan_to_num(t, nan=0.5, posinf=1.0, neginf=0.0)
    if discretize:
        t = np.where(t >= 0.5, 0.85, 0.15)
    np.clip(t, 0.0, 1.0, out=t)
    idx = (t * (len(cmap) - 1) + 0.5).astype(np.intp)
    return cmap[idx]


def hex_color(value: float, lo: float = 0.0, hi: float = 1.0) -> str:
    """The colormap's colour of one value, as ``#rrggbb``."""
    r, g, b = colorize(np.array([value]), lo, hi)[0]
    return f"#{r:02x}{g:02x}{b:02x}"


def png_bytes(rgb: np.ndarray, compress_level: int = 1) -> bytes:
    """PNG of an ``(h, w, 3)`` uint8 image; level 1 is ~3× faster than Pillow's default, a bit larger."""
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb)).save(buffer, format="PNG", compress_level=compress_level)
    return buffer.getvalue()


def png_data_uri(rgb: np.ndarray) -> str:
    """``data:image/png;base64,...`` of an RGB image (shown by ``st.image`` without a media file)."""
    return "data:image/png;base64," + base64.b64encode(png_bytes(rgb)).decode("ascii")


def svg_data_uri(svg: str) -> str:
    """``data:image/svg+xml;base64,...`` of SVG text."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def nice_ticks(lo: float, hi: float, target: int = 5) -> list[float]:
    """Round tick values covering ``[lo, hi]`` (about ``target`` of them)."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo]
    raw = (hi - lo) / max(1, target)
    power = 10 ** math.floor(math.log10(raw))
    step = min((m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw), default=10 * power)
    first = math.ceil(lo / step - 1e-9) * step
    return [round(first + i * step, 10) for i in range(int((hi - first) / step + 1e-9) + 1)]


def _fmt(v: float) -> str:
    if v == 0:
        return "0"
    if abs(v) >= 10_000 or abs(v) < 0.01:
        return f"{v:.0e}".replace("e+0", "e").replace("e-0", "e-")
    return f"{v:g}"


def _svg(width: float, height: float, body: str) -> str:
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' xmlns:xlink='http://www.w3.org/1999/xlink' "
        f"viewBox='0 0 {width:g} {height:g}' width='{width:g}' height='{height:g}' {FONT}>{body}</svg>"
    )


# --- decision boundary ---------------------------------------------------------------------------


def points_svg(
    X: np.ndarray, values: np.ndarray, to_px, lo: float, hi: float, stroke: str = "#fff", radius: float = 3.2
) -> str:
    """Dots for points ``X`` (shape ``(n, 2)``) coloured by ``values`` (shape ``(n,)`` or ``(n, 1)``).

    One ``<path class='points'>`` per colour, each dot a circle drawn as two arcs: the browser styles
    and lays out one element per colour instead of one per point, which measured a quarter of the
    cost of a streamed frame in Chromium (hundreds of ``<circle>`` elements redrawn 20 times a second).
    """
    if len(X) == 0:
        return ""
    colors = colorize(np.asarray(values).reshape(-1), lo, hi)
    px, py = to_px(X[:, 0], X[:, 1])
    r, groups = radius, {}
    for x, y, c in zip(px.tolist(), py.tolist(), colors.tolist()):
        dot = f"M{x - r:.1f} {y:.1f}a{r} {r} 0 1 0 {2 * r} 0a{r} {r} 0 1 0 {-2 * r} 0"
        groups.setdefault("#{:02x}{:02x}{:02x}".format(*c), []).append(dot)
    return "".join(
        f"<path class='points' d='{''.join(dots)}' fill='{fill}' stroke='{stroke}' stroke-width='1'/>"
        for fill, dots in groups.items()
    )


class BoxLayout:
    """Where the input box sits in a boundary picture of width ``size``: plot square, margins."""

    left, bottom, pad = 36, 30, 6

    def __init__(self, box: Box, size: int = 420) -> None:
        self.box, self.size = box, size
        self.plot = size - self.left - self.pad
        self.height = self.plot + self.pad + self.bottom

    def to_px(self, x, y):
        x0, x1, y0, y1 = self.box
        return (
            self.left + (x - x0) / (x1 - x0) * self.plot,
            self.pad + (y1 - y) / (y1 - y0) * self.plot,
        )


def boundary_overlay(
    box: Box,
    lo: float = 0.0,
    hi: float = 1.0,
    *,
    train: tuple[np.ndarray, np.ndarray] | None = None,
    test: tuple[np.ndarray, np.ndarray] | None = None,
    size: int = 420,
    labels: tuple[str, str] = ("x₁", "x₂"),
) -> str:
    """The parts of a boundary picture that do not change while training: points, frame and axes.

    SVG elements (no ``<svg>`` wrapper), for :func:`boundary_svg`'s ``overlay``; worth computing once
    per dataset rather than every frame.
    """
    g = BoxLayout(box, size)
    left, pad, plot, height = g.left, g.pad, g.plot, g.height
    x0, x1, y0, y1 = box
    parts = ["<g clip-path='url(#plot)'>"]
    if train is not None:
        parts.append(points_svg(train[0], train[1], g.to_px, lo, hi, "#ffffff"))
    if test is not None:
        parts.append(points_svg(test[0], test[1], g.to_px, lo, hi, "#222222"))
    parts.append("</g>")
    parts.append(f"<rect x='{left}' y='{pad}' width='{plot}' height='{plot}' fill='none' stroke='#888'/>")
    for t in nice_ticks(x0, x1):
        px = g.to_px(t, y0)[0]
        parts.append(
            f"<line x1='{px:.1f}' y1='{pad + plot}' x2='{px:.1f}' y2='{pad + plot + 4}' stroke='#666'/>"
            f"<text x='{px:.1f}' y='{pad + plot + 16}' font-size='11' text-anchor='middle' fill='#444'>"
            f"{_fmt(t)}</text>"
        )
    for t in nice_ticks(y0, y1):
        py = g.to_px(x0, t)[1]
        parts.append(
            f"<line x1='{left - 4}' y1='{py:.1f}' x2='{left}' y2='{py:.1f}' stroke='#666'/>"
            f"<text x='{left - 6}' y='{py + 4:.1f}' font-size='11' text-anchor='end' fill='#444'>"
            f"{_fmt(t)}</text>"
        )
    parts.append(
        f"<text x='{left + plot / 2}' y='{height - 2}' font-size='12' text-anchor='middle' fill='#333'>"
        f"{labels[0]}</text>"
        f"<text x='10' y='{pad + plot / 2}' font-size='12' text-anchor='middle' fill='#333' "
        f"transform='rotate(-90 10 {pad + plot / 2})'>{labels[1]}</text>"
    )
    return "".join(parts)


def boundary_svg(
    grid: np.ndarray,
    box: Box,
    lo: float = 0.0,
    hi: float = 1.0,
    *,
    train: tuple[np.ndarray, np.ndarray] | None = None,
    test: tuple[np.ndarray, np.ndarray] | None = None,
    discretize: bool = False,
    size: int = 420,
    labels: tuple[str, str] = ("x₁", "x₂"),
    overlay: str | None = None,
) -> str:
    """The output over the input box as a smooth colour map, the points on top, and axes.

    Parameters
    ----------
    grid : ndarray of shape (n, n)
        Output values, row 0 at the top of ``box`` (as :func:`~nnviz.core.grid.decision_grid` gives).
    box : (x_min, x_max, y_min, y_max)
    lo, hi : float
        Value range of the colour scale (0–1 for 0/1 labels, -1–1 for regression).
    train, test : (X of shape (n, 2), y of shape (n, 1)), optional
        Training points (white rim) and test points (dark rim).
    overlay : str, optional
        A ready :func:`boundary_overlay` (same box and size); ``train``, ``test`` and ``labels`` are
        then not used.
    """
    g = BoxLayout(box, size)
    if overlay is None:
        overlay = boundary_overlay(box, lo, hi, train=train, test=test, size=size, labels=labels)
    image = png_data_uri(colorize(grid, lo, hi, discretize))
    body = (
        f"<defs><clipPath id='plot'><rect x='{g.left}' y='{g.pad}' width='{g.plot}' height='{g.plot}'/>"
        f"</clipPath></defs><image x='{g.left}' y='{g.pad}' width='{g.plot}' height='{g.plot}' "
        f"preserveAspectRatio='none' href='{image}'/>{overlay}"
    )
    return _svg(size, g.height, body)


def place(svg: str, x: float, y: float, width: float) -> tuple[str, float]:
    """An SVG made by this module, nested at ``(x, y)`` and scaled to ``width``; returns (markup, height)."""
    match = re.match(r"<svg ([^>]*?)viewBox='0 0 ([\d.]+) ([\d.]+)' width='[\d.]+' height='[\d.]+'", svg)
    if match is None:
        raise ValueError("place() takes SVG made by nnviz.render")
    vw, vh = float(match.group(2)), float(match.group(3))
    height = width * vh / vw
    head = f"<svg x='{x:g}' y='{y:g}' viewBox='0 0 {vw:g} {vh:g}' width='{width:g}' height='{height:g}'"
    return head + svg[match.end() :], height


def dashboard_svg(boundary: str, curve: str, diagram: str, width: int = 900, gap: int = 24) -> str:
    """Boundary and loss curve side by side, the network diagram below: one picture.

    One image per frame instead of three: in Chromium each changed ``<img>`` has a fixed cost on the
    page's main thread, which measured more than the drawing itself (see ``docs/app-design.md``).
    """
    half = (width - gap) / 2
    left, h1 = place(boundary, 0, 0, half)
    right, h2 = place(curve, half + gap, 0, half)
    top = max(h1, h2) + gap / 2
    below, h3 = place(diagram, 0, top, width)
    return _svg(width, round(top + h3), left + right + below)


# --- loss curve --------------------------------------------------------------------------------


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
        return _svg(width, height, "".join(parts))
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
            f"{_fmt(t)}</text>"
        )
    for t in nice_ticks(xmin, xmax, 4):
        x = px(t)
        parts.append(
            f"<text x='{x:.1f}' y='{top + ph + 16}' font-size='11' text-anchor='middle' fill='#555'>"
            f"{_fmt(t)}</text>"
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
            f"<text x='{legend_x + 22}' y='16' font-size='12' fill='#333'>{name} {_fmt_loss(y[-1])}</text>"
        )
        legend_x += 130
    scale = "log scale" if log else ""
    parts.append(
        f"<text x='{width - right}' y='16' font-size='11' text-anchor='end' fill='#888'>{scale}</text>"
    )
    return _svg(width, height, "".join(parts))


def _fmt_loss(v: float) -> str:
    return f"{v:.4f}" if 1e-3 <= abs(v) < 1e4 else f"{v:.3e}"


# --- network diagram ------------------------------------------------------------------------------


def map_range(maps: np.ndarray) -> tuple[float, float]:
    """A symmetric value range for neuron maps: ``±max(1, max |a|)``."""
    m = float(np.nanmax(np.abs(maps))) if maps.size else 1.0
    m = max(1.0, m) if math.isfinite(m) else 1.0
    return -m, m


def sprite(tiles: np.ndarray) -> tuple[np.ndarray, int]:
    """Tiles of shape ``(count, n, n, 3)`` side by side, each with a 1-pixel edge-copy rim.

    Returns ``(image of shape (n + 2, count * (n + 2), 3), pitch)``; the rim keeps smooth scaling
    from bleeding a neighbour's colours into a tile.
    """
    count, n = tiles.shape[0], tiles.shape[1]
    out = np.empty((n + 2, count, n + 2, 3), dtype=np.uint8)
    out[1:-1, :, 1:-1] = tiles.transpose(1, 0, 2, 3)
    out[0], out[-1] = out[1], out[-2]
    out[:, :, 0], out[:, :, -1] = out[:, :, 1], out[:, :, -2]
    return out.reshape(n + 2, count * (n + 2), 3), n + 2


def network_svg(
    weights: Sequence[np.ndarray],
    biases: Sequence[np.ndarray | None],
    maps: Sequence[np.ndarray],
    *,
    input_labels: Sequence[str],
    layer_labels: Sequence[str],
    output_range: tuple[float, float] = (0.0, 1.0),
    selected: tuple[int, int] | None = None,
    width: int = 900,
) -> str:
    """The network: a column per layer, each neuron its activation map, edges by weight sign and size.

    Parameters
    ----------
    weights : list of ndarray, layer ``i`` of shape (n_out, n_in)
    biases : list of ndarray of shape (n_out,) or None
    maps : list of ndarray of shape (units, n, n)
        Element 0 the input features, element ``i`` layer ``i``'s outputs over the input box.
    input_labels, layer_labels : names of the inputs, and a title per layer (activation)
    output_range : value range of the output neuron's colours
    selected : (column, neuron), optional
        A neuron to outline (column 0 = inputs).
    """
    columns = len(maps)
    counts = [m.shape[0] for m in maps]
    tallest = max(counts)
    node = 40 if tallest <= 8 else max(14, int(40 * 8 / tallest))
    gap = node * 0.45
    top, bottom = 34, 14
    height = int(top + bottom + tallest * node + (tallest - 1) * gap)
    left, right = 70, 40
    step = (width - left - right - node) / max(1, columns - 1)
    xs = [left + c * step for c in range(columns)]

    def ys(count):
        span = count * node + (count - 1) * gap
        start = top + (height - top - bottom - span) / 2
        return [start + k * (node + gap) for k in range(count)]

    tiles = []
    for c, m in enumerate(maps):
        lo, hi = output_range if c == columns - 1 else map_range(m)
        tiles.append(colorize(m, lo, hi))
    image, pitch = sprite(np.concatenate(tiles))
    n = maps[0].shape[1]
    parts = [
        f"<defs><image id='sp' width='{image.shape[1]}' height='{image.shape[0]}' "
        f"href='{png_data_uri(image)}'/></defs>"
    ]
    # Edges first, so the neurons sit on top of them.
    wmax = max((float(np.abs(w).max()) for w in weights if w.size), default=1.0) or 1.0
    for c, w in enumerate(weights):
        src, dst = ys(counts[c]), ys(counts[c + 1])
        x_a, x_b = xs[c] + node, xs[c + 1]
        mid = (x_a + x_b) / 2
        for j in range(w.shape[0]):
            for i in range(w.shape[1]):
                v = float(w[j, i])
                if not math.isfinite(v):
                    continue
                y_a, y_b = src[i] + node / 2, dst[j] + node / 2
                stroke = min(7.0, 0.4 + 6.0 * abs(v) / max(wmax, 1.0))
                color = POSITIVE if v > 0 else NEGATIVE
                parts.append(
                    f"<path d='M{x_a:.1f},{y_a:.1f} C{mid:.1f},{y_a:.1f} {mid:.1f},{y_b:.1f} "
                    f"{x_b:.1f},{y_b:.1f}' "
                    f"fill='none' stroke='{color}' stroke-width='{stroke:.2f}' stroke-opacity='0.7'/>"
                )
    tile = 0
    for c, count in enumerate(counts):
        title = "Input" if c == 0 else layer_labels[c - 1]
        parts.append(
            f"<text x='{xs[c] + node / 2:.1f}' y='16' font-size='12' text-anchor='middle' "
            f"fill='#333'>{title}</text>"
        )
        for k, y in enumerate(ys(count)):
            x = xs[c]
            parts.append(
                f"<svg x='{x:.1f}' y='{y:.1f}' width='{node}' height='{node}' "
                f"viewBox='{tile * pitch + 1} 1 {n} {n}' preserveAspectRatio='none'><use href='#sp'/></svg>"
                f"<rect x='{x:.1f}' y='{y:.1f}' width='{node}' height='{node}' fill='none' stroke='#999'/>"
            )
            if c == 0:
                parts.append(
                    f"<text x='{x - 6:.1f}' y='{y + node / 2 + 4:.1f}' font-size='12' text-anchor='end' "
                    f"fill='#333'>{input_labels[k]}</text>"
                )
            elif biases[c - 1] is not None:
                b = float(biases[c - 1][k])
                if math.isfinite(b):
                    s = min(node * 0.35, 3 + 6 * abs(b) / max(wmax, 1.0))
                    parts.append(
                        f"<rect x='{x - s - 2:.1f}' y='{y + node - s:.1f}' width='{s:.1f}' height='{s:.1f}' "
                        f"fill='{POSITIVE if b > 0 else NEGATIVE}' stroke='#fff' stroke-width='0.5'/>"
                    )
            if selected == (c, k):
                parts.append(
                    f"<rect x='{x - 3:.1f}' y='{y - 3:.1f}' width='{node + 6}' height='{node + 6}' "
                    "fill='none' stroke='#111' stroke-width='2.5'/>"
                )
            tile += 1
    return _svg(width, height, "".join(parts))


# --- the downloadable picture -------------------------------------------------------------------


def boundary_png(
    grid: np.ndarray,
    box: Box,
    lo: float = 0.0,
    hi: float = 1.0,
    *,
    train: tuple[np.ndarray, np.ndarray] | None = None,
    test: tuple[np.ndarray, np.ndarray] | None = None,
    discretize: bool = False,
    title: str = "",
    labels: tuple[str, str] = ("x₁", "x₂"),
) -> bytes:
    """A publication-style PNG of the boundary (Matplotlib; for the download button, not per frame)."""
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5.5, 5), dpi=120)
    ax = fig.add_subplot()
    cmap = ListedColormap(COLORMAP / 255.0)
    shown = np.where(grid >= (lo + hi) / 2, hi, lo) if discretize else grid
    im = ax.imshow(shown, extent=box, origin="upper", cmap=cmap, vmin=lo, vmax=hi, interpolation="bilinear")
    for data, edge in ((train, "white"), (test, "black")):
        if data is not None and len(data[0]):
            ax.scatter(
                data[0][:, 0],
                data[0][:, 1],
                c=np.ravel(data[1]),
                cmap=cmap,
                vmin=lo,
                vmax=hi,
                s=18,
                edgecolors=edge,
            )
    ax.set_xlim(box[0], box[1])
    ax.set_ylim(box[2], box[3])
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    if title:
        ax.set_title(title, fontsize=10)
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()
