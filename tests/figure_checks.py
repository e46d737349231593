"""Checks of Matplotlib figures as a reader sees them: tick labels that overlap, sizes in pixels."""

from __future__ import annotations

import base64
import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image


def overlapping_tick_labels(fig: Figure) -> list[tuple[str, str]]:
    """Pairs of drawn tick labels (on any axis of the figure) whose boxes overlap."""
    FigureCanvasAgg(fig)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    pairs = []
    for ax in fig.axes:
        for axis, lo, hi in ((ax.xaxis, "x0", "x1"), (ax.yaxis, "y0", "y1")):
            view = sorted(axis.get_view_interval())
            shown = []
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                label = tick.label1
                if not (label.get_visible() and label.get_text() and view[0] <= tick.get_loc() <= view[1]):
                    continue
                shown.append((label.get_window_extent(renderer), label.get_text()))
            shown.sort(key=lambda item: getattr(item[0], lo))
            for (a, ta), (b, tb) in zip(shown, shown[1:]):
                if getattr(a, hi) > getattr(b, lo) + 0.5:
                    pairs.append((ta, tb))
    return pairs


def png_size(data_uri: str) -> tuple[int, int]:
    """``(width, height)`` in pixels of a ``data:image/png;base64,...`` picture."""
    return Image.open(io.BytesIO(base64.b64decode(data_uri.split(",", 1)[1]))).size
