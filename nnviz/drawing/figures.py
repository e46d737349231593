"""Matplotlib figures: arrays in, ``Figure`` or PNG out (no pyplot, no Streamlit).

These are drawn once per click (the downloadable boundary picture, the learning pages' plots), not per
frame, so Matplotlib's cost (tens of ms) does not matter.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence

import numpy as np
from matplotlib.colors import ListedColormap, TwoSlopeNorm
from matplotlib.figure import Figure

from .boundary import BoundaryView, Grid, lighten
from .colors import COLORMAP, NEGATIVE, POSITIVE

BLUE, ORANGE, GREY = POSITIVE, NEGATIVE, "#888888"


def figure_png(fig: Figure, dpi: int = 120) -> bytes:
    """The figure as PNG bytes, cropped to its contents."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return buffer.getvalue()


def figure_data_uri(fig: Figure, dpi: int = 120) -> str:
    """``data:image/png;base64,...`` of the figure (``st.image`` shows it without keeping a media file)."""
    return "data:image/png;base64," + base64.b64encode(figure_png(fig, dpi)).decode("ascii")


_REGION_COLOUR = {"dead": "#d62728", "vanishing": "#ff9896", "exploding": "#9467bd"}


def activation_figure(
    x: np.ndarray, f: np.ndarray, df: np.ndarray, regions: Sequence[tuple[str, float, float]], title: str
) -> Figure:
    """f (solid) and f' (dashed) over ``x`` (all of shape ``(n,)``), bad stretches of f' shaded.

    ``regions`` are ``(kind, start, end)`` with kind "dead", "vanishing" or "exploding". The legend sits
    above the plot and the title at a fixed place: Matplotlib's search for a free corner and its title
    placement were a third of the drawing time (the lab draws up to a dozen of these per change).
    """
    fig = Figure(figsize=(5.2, 3.4), dpi=100)
    ax = fig.add_subplot()
    shown = set()
    for kind, start, end in regions:
        label = {"dead": "f′ = 0", "vanishing": "f′ vanishes", "exploding": "f′ explodes"}[kind]
        ax.axvspan(start, end, color=_REGION_COLOUR[kind], alpha=0.18, lw=0,
                   label=None if kind in shown else label)  # fmt: skip
        shown.add(kind)
    ax.plot(x, f, color=BLUE, lw=2, label="f(x)")
    ax.plot(x, df, color=ORANGE, lw=2, ls="--", label="f′(x)")
    ax.axhline(0, color=GREY, lw=0.6)
    ax.axvline(0, color=GREY, lw=0.6)
    finite = np.concatenate([f[np.isfinite(f)], df[np.isfinite(df)]])
    if finite.size:
        lo, hi = np.percentile(finite, [1, 99])
        pad = 0.1 * max(hi - lo, 1e-6)
        ax.set_ylim(min(lo, -0.1) - pad, max(hi, 1.0) + pad)
    ax.set_xlim(x[0], x[-1])
    ax.set_title(title, loc="left", y=1.1, fontsize=11)
    ax.set_xlabel("x")
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=5, fontsize=8, frameon=False,
              handlelength=1.6, columnspacing=1.0)  # fmt: skip
    ax.grid(alpha=0.25)
    return fig


def heatmap_figure(weights: np.ndarray, title: str, annotate: bool = True, row_label: str = "unit",
                   col_label: str = "input", *, rows: Sequence[int] | None = None,
                   cols: Sequence[int] | None = None) -> Figure:  # fmt: skip
    """A weight matrix of shape ``(n_out, n_in)`` as a diverging heatmap, numbers written in the cells.

    Cells have a fixed size (large enough for their number when annotated), so colours and labels stay
    readable: callers pass at most a few dozen rows and columns (a sample of a bigger matrix, whose
    original 0-based indices ``rows`` and ``cols`` label the ticks). At most about a dozen tick labels
    per axis.
    """
    n_out, n_in = weights.shape
    rows = list(range(n_out)) if rows is None else list(rows)
    cols = list(range(n_in)) if cols is None else list(cols)
    cell = 0.55 if annotate else 0.22
    fig = Figure(figsize=(max(2.8, cell * n_in + 1.9), max(1.9, cell * n_out + 1.3)), dpi=100,
                 layout="constrained")  # fmt: skip
    ax = fig.add_subplot()
    finite = weights[np.isfinite(weights)]
    limit = float(np.abs(finite).max()) if finite.size else 1.0
    limit = limit if limit > 0 else 1.0
    image = ax.imshow(weights, cmap="RdBu", norm=TwoSlopeNorm(0.0, -limit, limit), aspect="auto")
    if annotate:
        for (r, c), v in np.ndenumerate(weights):
            ax.text(c, r, f"{v:.2f}", ha="center", va="center", fontsize=8,
                    color="white" if abs(v) > 0.6 * limit else "black")  # fmt: skip
    for axis, labels in ((ax.xaxis, cols), (ax.yaxis, rows)):
        stride = -(-len(labels) // 12)
        axis.set_ticks(range(0, len(labels), stride), [str(i + 1) for i in labels[::stride]], fontsize=8)
    ax.set_xlabel(col_label)
    ax.set_ylabel(row_label)
    ax.set_title(title, fontsize=10)
    fig.colorbar(image, ax=ax, shrink=0.8)
    return fig


def perceptron_figure(
    points: np.ndarray,
    labels: np.ndarray,
    lines: Sequence[tuple[float, float, float]],
    box: tuple[float, float, float, float],
    title: str,
    shade: tuple[float, float, float] | None = None,
) -> Figure:
    """Points coloured by label, the lines ``w1·x + w2·y + b = 0``, the side ``> 0`` of ``shade`` tinted."""
    fig = Figure(figsize=(4.4, 4.2), dpi=100)
    ax = fig.add_subplot()
    x0, x1, y0, y1 = box
    if shade is not None:
        gx, gy = np.meshgrid(np.linspace(x0, x1, 200), np.linspace(y0, y1, 200))
        w1, w2, b = shade
        ax.contourf(gx, gy, (w1 * gx + w2 * gy + b > 0).astype(float), levels=[-0.5, 0.5, 1.5],
                    colors=[ORANGE, BLUE], alpha=0.15)  # fmt: skip
    xs = np.linspace(x0, x1, 2)
    for k, (w1, w2, b) in enumerate(lines):
        style = {"color": "#333" if k == 0 and shade is not None else GREY, "lw": 2 if k == 0 else 1.4}
        if abs(w2) > 1e-12:
            ax.plot(xs, -(w1 * xs + b) / w2, **style)
        elif abs(w1) > 1e-12:
            ax.axvline(-b / w1, **style)
    colours = [BLUE if t > 0.5 else ORANGE for t in labels]
    ax.scatter(points[:, 0], points[:, 1], c=colours, s=160, edgecolors="black", zorder=3)
    for (px, py), t in zip(points, labels):
        ax.annotate(f"{int(t)}", (px, py), textcoords="offset points", xytext=(10, 8), fontsize=11)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.25)
    return fig


def loss_curves_figure(
    epochs: np.ndarray,
    history: np.ndarray,
    solved: np.ndarray,
    title: str = "",
    totals: tuple[int, int] | None = None,
) -> Figure:
    """Every drawn copy's loss curve (``history`` of shape ``(n_records, n_drawn)``), solved blue, failed
    orange.

    ``totals`` are the solved and failed counts of *all* copies when only some are drawn: the legend counts
    all of them (as the outcome table does) and the title says how many are shown.
    """
    fig = Figure(figsize=(6.0, 3.4), dpi=100)
    ax = fig.add_subplot()
    drawn = history.shape[1]
    counts = totals if totals is not None else (int(solved.sum()), int((~solved).sum()))
    alpha = float(np.clip(8.0 / max(1, drawn) ** 0.5, 0.05, 0.8))
    for mask, colour, name, count in ((solved, BLUE, "solved", counts[0]), (~solved, ORANGE, "failed",
                                                                            counts[1])):  # fmt: skip
        if mask.any():
            ax.plot(epochs, history[:, mask], color=colour, alpha=alpha, lw=0.8)
        if count:
            ax.plot([], [], color=colour, label=f"{name} ({count})")
    positive = history[np.isfinite(history) & (history > 0)]
    if positive.size:
        ax.set_yscale("log")
    total = sum(counts)
    shown = f"showing {drawn} of {total} copies" if drawn < total else ""
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_title(" · ".join(t for t in (title, shown) if t), fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.25)
    return fig


def histogram_figure(
    values: np.ndarray,
    solved: np.ndarray | None = None,
    bins: int = 30,
    *,
    xlabel: str = "final loss",
    ylabel: str = "copies",
    log: bool | None = None,
) -> Figure:
    """The distribution of ``values``: final losses (log axis, solved and failed copies stacked, each
    counted in the legend), or, with ``solved=None``, one group (e.g. a layer's weights).

    ``log=None`` takes a log axis when every finite value is positive. At most about six tick labels, so
    they never overlap: a range shorter than a decade gets four labelled ticks of its own.
    """
    from matplotlib.ticker import FixedLocator, LogLocator, MaxNLocator, NullFormatter

    fig = Figure(figsize=(6.0, 3.0), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    values = np.asarray(values, dtype=float).ravel()
    finite = np.isfinite(values)
    log = bool(finite.any() and (values[finite] > 0).all()) if log is None else log
    shown = finite & (values > 0) if log else finite
    if shown.any():
        lo, hi = float(values[shown].min()), float(values[shown].max())
        if log:
            lo, hi = (lo / 2, lo * 2) if hi <= lo * 1.0001 else (lo, hi)
            edges = np.geomspace(lo, hi, bins + 1)
        else:
            lo, hi = (lo - 0.5, hi + 0.5) if hi <= lo else (lo, hi)
            edges = np.linspace(lo, hi, bins + 1)
        groups = [(shown, BLUE, None)] if solved is None else [
            (shown & solved, BLUE, "solved"), (shown & ~solved, ORANGE, "failed")]  # fmt: skip
        groups = [g for g in groups if g[0].any()]
        ax.hist([values[m] for m, _, _ in groups], bins=edges, stacked=True, color=[c for _, c, _ in groups],
                label=[f"{n} ({int(m.sum())})" for m, _, n in groups])  # fmt: skip
        ax.set_xlim(edges[0], edges[-1])
        if log:
            ax.set_xscale("log")
            ax.xaxis.set_minor_formatter(NullFormatter())
            if np.log10(hi / lo) < 1.5:  # fewer than two decades: choose the ticks, 2 significant digits
                ticks = [float(f"{t:.2g}") for t in np.geomspace(lo, hi, 4)]
                ax.xaxis.set_major_locator(FixedLocator(ticks))
                ax.set_xticks(ticks, [f"{t:.2g}" for t in ticks])
            else:
                ax.xaxis.set_major_locator(LogLocator(base=10, numticks=6))
        else:
            ax.xaxis.set_major_locator(MaxNLocator(nbins=6))
        if solved is not None:
            ax.legend(fontsize=8)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    left_out = int((~shown).sum())
    ax.set_xlabel(xlabel + (f" ({left_out} not drawn: {'not positive or ' if log else ''}not finite)"
                            if left_out else ""))  # fmt: skip
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.25)
    return fig


def boundary_png(grid: Grid, view: BoundaryView, title: str = "") -> bytes:
    """A publication-style PNG of the boundary (Matplotlib; for the download button, not per frame).

    ``grid`` and ``view`` as :func:`nnviz.drawing.boundary.boundary_svg`'s: values with a colour bar, or
    for k > 2 classes the class colours faded by confidence, with a legend of the classes.
    """
    fig = Figure(figsize=(5.5, 5), dpi=120)
    ax = fig.add_subplot()
    box = view.box
    cmap = ListedColormap(COLORMAP / 255.0)
    if view.multiclass:
        # lightened as in the SVG, so that points in their class's full colour stand out on its region
        im = ax.imshow(lighten(view.colors(grid)), extent=box, origin="upper", interpolation="bilinear")
    else:
        lo, hi = view.lo, view.hi
        shown = np.where(grid >= (lo + hi) / 2, hi, lo) if view.discretize else grid
        im = ax.imshow(
            shown, extent=box, origin="upper", cmap=cmap, vmin=lo, vmax=hi, interpolation="bilinear"
        )
    for data, edge in ((view.train, "white"), (view.test, "black")):
        if data is None or not len(data[0]):
            continue
        if view.multiclass:
            colours = {"c": view.point_colors(data[1]) / 255.0}
        else:
            colours = {"c": np.ravel(data[1]), "cmap": cmap, "vmin": view.lo, "vmax": view.hi}
        ax.scatter(data[0][:, 0], data[0][:, 1], s=18, edgecolors=edge, **colours)
    ax.set_xlim(box[0], box[1])
    ax.set_ylim(box[2], box[3])
    ax.set_xlabel(view.labels[0])
    ax.set_ylabel(view.labels[1])
    if title:
        ax.set_title(title, fontsize=10)
    if view.multiclass:
        names = view.class_names or tuple(str(k) for k in range(view.classes))
        for name, colour in zip(names, view.point_colors(np.arange(view.classes)) / 255.0):
            label = name.replace("$", r"\$")  # a class name is text, not Matplotlib's math
            ax.scatter([], [], color=colour, edgecolors="white", s=40, label=f" {label}")
        ax.legend(title="class", fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False)
    else:
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()
