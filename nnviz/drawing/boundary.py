"""The decision boundary: the network's output over the input box as a colour map, with points and axes.

Built for speed, because the playground draws 20+ frames a second while it trains: the map is one
colormap lookup of a grid from :func:`nnviz.core.grid.decision_grid` (or, for more than two classes, a
class colour faded by confidence, from :func:`nnviz.core.grid.class_grid`), PNG-encoded by Pillow at
``compress_level=1``; the points and axes, which do not change while training, are made once
(:func:`boundary_overlay`). :class:`BoundaryView` says what a picture shows besides the network's outputs,
for this SVG and for the PNG download (:func:`nnviz.drawing.figures.boundary_png`) alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .colors import class_colorize, class_colors, colorize
from .svg import nice_ticks, png_data_uri, svg, tick_label

Box = tuple[float, float, float, float]
#: Points and their labels or targets: X of shape (n, 2), y of shape (n, 1).
Points = tuple[np.ndarray, np.ndarray]
#: What a boundary picture maps: output values of shape (n, n), or, for k > 2 classes, the predicted
#: class and its probability, each of shape (n, n) (:func:`nnviz.core.grid.class_grid`).
Grid = np.ndarray | tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class BoundaryView:
    """What a boundary picture shows besides the network's outputs.

    Attributes
    ----------
    box : (x_min, x_max, y_min, y_max)
    lo, hi : float
        Value range of the colour scale (0–1 for 0/1 labels, -1–1 for regression); unused for k > 2.
    classes : int
        The number of classes; above 2 the grid is ``(predicted, confidence)`` and colours come from
        :data:`~nnviz.drawing.colors.CLASS_COLORS`. 2 (and regression) use the diverging colormap.
    train, test : (X of shape (n, 2), y of shape (n, 1)), optional
        Training points (white rim) and test points (dark rim); y holds class numbers for k > 2.
    labels : (str, str)
        The axes' names.
    discretize : bool
        Classes at one strength, without the fading of uncertain regions.
    class_names : tuple of str
        The classes' names, for a legend (the PNG); empty: numbers.
    """

    box: Box
    lo: float = 0.0
    hi: float = 1.0
    classes: int = 2
    train: Points | None = None
    test: Points | None = None
    labels: tuple[str, str] = ("x₁", "x₂")
    discretize: bool = False
    class_names: tuple[str, ...] = ()

    @property
    def multiclass(self) -> bool:
        """Whether the picture shows k > 2 classes (a class grid), not values."""
        return self.classes > 2

    def colors(self, grid: Grid) -> np.ndarray:
        """The map's colours (not lightened), shape ``(n, n, 3)``, uint8."""
        if self.multiclass:
            predicted, confidence = grid
            return class_colorize(predicted, confidence, self.classes, self.discretize)
        return colorize(grid, self.lo, self.hi, self.discretize)

    def point_colors(self, values: np.ndarray) -> np.ndarray:
        """The colours (shape ``(n, 3)``) of points with labels or targets ``values`` of shape ``(n, 1)``."""
        values = np.asarray(values).reshape(-1)
        if self.multiclass:
            return class_colors(self.classes)[np.clip(values.astype(np.intp), 0, self.classes - 1)]
        return colorize(values, self.lo, self.hi)


#: How far the picture's background is blended towards white, so that a point in its class's own region
#: (its colour the region's at full strength) stays visible, as in TensorFlow Playground.
BACKGROUND_LIGHTEN = 0.35
#: The hairline drawn around every point's rim, dark against any background.
HAIRLINE = "#1f1f1f"


def lighten(rgb: np.ndarray, amount: float = BACKGROUND_LIGHTEN) -> np.ndarray:
    """``rgb`` (uint8, any shape ``(..., 3)``) blended ``amount`` of the way towards white."""
    return np.round(rgb + (255.0 - rgb) * amount).astype(np.uint8)


def points_svg(X: np.ndarray, colors: np.ndarray, to_px, stroke: str = "#fff", radius: float = 3.2) -> str:
    """Dots for points ``X`` (shape ``(n, 2)``) in ``colors`` (shape ``(n, 3)``, uint8).

    Each dot has a rim of ``stroke`` and, around it, a dark hairline (``<path class='rims'>``, drawn
    first), so a dot stays distinguishable from any background, its own class's region included.

    One ``<path class='points'>`` per colour, each dot a circle drawn as two arcs: the browser styles
    and lays out one element per colour instead of one per point, which measured a quarter of the
    cost of a streamed frame in Chromium (hundreds of ``<circle>`` elements redrawn 20 times a second).
    """
    if len(X) == 0:
        return ""
    px, py = to_px(X[:, 0], X[:, 1])
    r, groups, rims = radius, {}, []
    for x, y, c in zip(px.tolist(), py.tolist(), colors.tolist()):
        dot = f"M{x - r:.1f} {y:.1f}a{r} {r} 0 1 0 {2 * r} 0a{r} {r} 0 1 0 {-2 * r} 0"
        groups.setdefault("#{:02x}{:02x}{:02x}".format(*c), []).append(dot)
        rims.append(dot)
    return (
        f"<path class='rims' d='{''.join(rims)}' fill='none' stroke='{HAIRLINE}' stroke-width='2.6'/>"
        + "".join(
            f"<path class='points' d='{''.join(dots)}' fill='{fill}' stroke='{stroke}' stroke-width='1'/>"
            for fill, dots in groups.items()
        )
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


def _tick(x1: float, y1: float, x2: float, y2: float, tx: float, ty: float, anchor: str, value: float) -> str:
    """A tick mark from (x1, y1) to (x2, y2) and its label at (tx, ty)."""
    return (
        f"<line x1='{x1:.1f}' y1='{y1:.1f}' x2='{x2:.1f}' y2='{y2:.1f}' stroke='#666'/>"
        f"<text x='{tx:.1f}' y='{ty:.1f}' font-size='11' text-anchor='{anchor}' fill='#444'>"
        f"{tick_label(value)}</text>"
    )


def boundary_overlay(view: BoundaryView, size: int = 420) -> str:
    """The parts of a boundary picture that do not change while training: points, frame and axes.

    SVG elements (no ``<svg>`` wrapper), for :func:`boundary_svg`'s ``overlay``; worth computing once
    per dataset rather than every frame.
    """
    g = BoxLayout(view.box, size)
    left, pad, plot, height = g.left, g.pad, g.plot, g.height
    x0, x1, y0, y1 = view.box
    labels = view.labels
    parts = ["<g clip-path='url(#plot)'>"]
    for points, rim in ((view.train, "#ffffff"), (view.test, "#222222")):
        if points is not None:
            parts.append(points_svg(points[0], view.point_colors(points[1]), g.to_px, rim))
    parts.append("</g>")
    parts.append(f"<rect x='{left}' y='{pad}' width='{plot}' height='{plot}' fill='none' stroke='#888'/>")
    for t in nice_ticks(x0, x1):  # x axis: ticks below the plot
        px = g.to_px(t, y0)[0]
        parts.append(_tick(px, pad + plot, px, pad + plot + 4, px, pad + plot + 16, "middle", t))
    for t in nice_ticks(y0, y1):  # y axis: ticks left of it
        py = g.to_px(x0, t)[1]
        parts.append(_tick(left - 4, py, left, py, left - 6, py + 4, "end", t))
    parts.append(
        f"<text x='{left + plot / 2}' y='{height - 2}' font-size='12' text-anchor='middle' fill='#333'>"
        f"{labels[0]}</text>"
        f"<text x='10' y='{pad + plot / 2}' font-size='12' text-anchor='middle' fill='#333' "
        f"transform='rotate(-90 10 {pad + plot / 2})'>{labels[1]}</text>"
    )
    return "".join(parts)


def boundary_svg(grid: Grid, view: BoundaryView, *, size: int = 420, overlay: str | None = None) -> str:
    """The output over the input box as a smooth colour map (lightened, :data:`BACKGROUND_LIGHTEN`), the
    points on top, and axes.

    Parameters
    ----------
    grid : ndarray of shape (n, n), or (predicted, confidence) each of shape (n, n) for k > 2 classes
        Row 0 at the top of the box (as :func:`~nnviz.core.grid.decision_grid` and
        :func:`~nnviz.core.grid.class_grid` give).
    view : BoundaryView
        The box, the colours' meaning, the points, the axes' names.
    overlay : str, optional
        A ready :func:`boundary_overlay` of the same view and size.
    """
    g = BoxLayout(view.box, size)
    if overlay is None:
        overlay = boundary_overlay(view, size)
    image = png_data_uri(lighten(view.colors(grid)))
    body = (
        f"<defs><clipPath id='plot'><rect x='{g.left}' y='{g.pad}' width='{g.plot}' height='{g.plot}'/>"
        f"</clipPath></defs><image x='{g.left}' y='{g.pad}' width='{g.plot}' height='{g.plot}' "
        f"preserveAspectRatio='none' href='{image}'/>{overlay}"
    )
    return svg(size, g.height, body)
