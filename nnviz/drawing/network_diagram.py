"""The network diagram: a column per layer, a node per neuron, edges coloured by weight sign and sized by
its magnitude. One drawing for every page that shows a network:

- the playground draws each neuron as its activation map over the input box (``maps``); the maps come
  from one PNG "sprite" (one encode per frame);
- the backprop page draws neurons as circles with their values written in (``values``) and lights up
  the layer a step is about (``highlight``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .colors import NEGATIVE, POSITIVE, colorize
from .svg import png_data_uri, svg


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


@dataclass(frozen=True)
class Highlight:
    """A column to light up (0 = the inputs) in ``colour``; ``edges``: its incoming edges too."""

    column: int
    colour: str
    edges: bool = False


class _Layout:
    """Where each column and node sits: columns spread over ``width``, nodes centred vertically."""

    def __init__(self, counts: Sequence[int], node: float, gap: float, width: int, margins: tuple) -> None:
        left, right, self.top, bottom = margins
        self.node, self.gap = node, gap
        tallest = max(counts)
        self.height = int(self.top + bottom + tallest * node + (tallest - 1) * gap)
        step = (width - left - right - node) / max(1, len(counts) - 1)
        self.xs = [left + c * step for c in range(len(counts))]
        self._bottom = bottom

    def ys(self, count: int) -> list[float]:
        """Top edges of ``count`` nodes of a column."""
        span = count * self.node + (count - 1) * self.gap
        start = self.top + (self.height - self.top - self._bottom - span) / 2
        return [start + k * (self.node + self.gap) for k in range(count)]


def _edges(weights, layout: _Layout, counts, highlight: Highlight | None) -> list[str]:
    wmax = max((float(np.abs(w).max()) for w in weights if w.size), default=1.0) or 1.0
    node, parts = layout.node, []
    for c, w in enumerate(weights):
        src, dst = layout.ys(counts[c]), layout.ys(counts[c + 1])
        x_a, x_b = layout.xs[c] + node, layout.xs[c + 1]
        mid = (x_a + x_b) / 2
        lit = highlight is not None and highlight.edges and highlight.column == c + 1
        for j in range(w.shape[0]):
            for i in range(w.shape[1]):
                v = float(w[j, i])
                if not math.isfinite(v):
                    continue
                y_a, y_b = src[i] + node / 2, dst[j] + node / 2
                stroke = min(7.0, 0.4 + 6.0 * abs(v) / max(wmax, 1.0))
                color = highlight.colour if lit else (POSITIVE if v > 0 else NEGATIVE)
                parts.append(
                    f"<path d='M{x_a:.1f},{y_a:.1f} C{mid:.1f},{y_a:.1f} {mid:.1f},{y_b:.1f} "
                    f"{x_b:.1f},{y_b:.1f}' "
                    f"fill='none' stroke='{color}' stroke-width='{stroke:.2f}' stroke-opacity='0.7'/>"
                )
    return parts


def _map_tiles(maps: Sequence[np.ndarray], output_range: tuple[float, float]) -> tuple[str, int, int]:
    """The sprite of every neuron map as an SVG ``<defs>`` image; returns (defs, pitch, map size)."""
    tiles = []
    for c, m in enumerate(maps):
        lo, hi = output_range if c == len(maps) - 1 else map_range(m)
        tiles.append(colorize(m, lo, hi))
    image, pitch = sprite(np.concatenate(tiles))
    defs = (
        f"<defs><image id='sp' width='{image.shape[1]}' height='{image.shape[0]}' "
        f"href='{png_data_uri(image)}'/></defs>"
    )
    return defs, pitch, maps[0].shape[1]


def _bias_mark(x: float, y: float, node: float, b: float, wmax: float) -> str:
    """A small square at a neuron's lower left: the bias, coloured by sign and sized by magnitude."""
    if not math.isfinite(b):
        return ""
    s = min(node * 0.35, 3 + 6 * abs(b) / max(wmax, 1.0))
    return (
        f"<rect x='{x - s - 2:.1f}' y='{y + node - s:.1f}' width='{s:.1f}' height='{s:.1f}' "
        f"fill='{POSITIVE if b > 0 else NEGATIVE}' stroke='#fff' stroke-width='0.5'/>"
    )


def _map_node(
    x: float, y: float, node: float, tile: int, pitch: int, n: int, rim: str, rim_width: float
) -> str:
    """A neuron as its map: a window onto its tile of the sprite, with a rim."""
    return (
        f"<svg x='{x:.1f}' y='{y:.1f}' width='{node}' height='{node}' viewBox='{tile * pitch + 1} 1 {n} {n}' "
        f"preserveAspectRatio='none'><use href='#sp'/></svg><rect x='{x:.1f}' y='{y:.1f}' width='{node}' "
        f"height='{node}' fill='none' stroke='{rim}' stroke-width='{rim_width}'/>"
    )


def _circle_node(x: float, y: float, node: float, fill: str, text: str | None, text_fill: str) -> str:
    """A neuron as a circle, with a number written in."""
    cx, cy = x + node / 2, y + node / 2
    out = f"<circle cx='{cx:.1f}' cy='{cy:.1f}' r='{node / 2}' fill='{fill}' stroke='#666'/>"
    if text is not None:
        out += (
            f"<text x='{cx:.1f}' y='{cy + 4:.1f}' font-size='10' text-anchor='middle' "
            f"fill='{text_fill}'>{text}</text>"
        )
    return out


def network_svg(
    weights: Sequence[np.ndarray],
    biases: Sequence[np.ndarray | None],
    *,
    maps: Sequence[np.ndarray] | None = None,
    values: Sequence[np.ndarray] | None = None,
    input_labels: Sequence[str] | None = None,
    layer_labels: Sequence[str] | None = None,
    output_range: tuple[float, float] = (0.0, 1.0),
    selected: tuple[int, int] | None = None,
    highlight: Highlight | None = None,
    width: int = 900,
) -> str:
    """The network: a column per layer, edges by weight sign and size, a small square per bias.

    Parameters
    ----------
    weights : list of ndarray, layer ``i`` of shape (n_out, n_in)
    biases : list of ndarray of shape (n_out,) or None
    maps : list of ndarray of shape (units, n, n), optional
        Each neuron's activation over the input box (element 0 the input features): neurons are drawn
        as these maps. Without maps they are circles.
    values : list of ndarray of shape (units,), optional
        Numbers written in the circles, one array per column (inputs first).
    input_labels, layer_labels : names of the inputs, and a title per layer (e.g. its activation)
    output_range : value range of the output neuron's map colours
    selected : (column, neuron), optional
        A neuron to outline (column 0 = inputs).
    highlight : Highlight, optional
        A column whose nodes (and incoming edges) are lit up.
    """
    counts = [weights[0].shape[1]] + [w.shape[0] for w in weights]
    tallest = max(counts)
    if maps is not None:
        node = 40 if tallest <= 8 else max(14, int(40 * 8 / tallest))
        layout = _Layout(counts, node, node * 0.45, width, (70, 40, 34, 14))
    else:
        layout = _Layout(counts, 34, 18, width, (40, 40, 30, 10))
    node = layout.node
    parts = _edges(weights, layout, counts, highlight)
    if maps is not None:
        defs, pitch, n = _map_tiles(maps, output_range)
        parts.insert(0, defs)
    wmax = max((float(np.abs(w).max()) for w in weights if w.size), default=1.0) or 1.0
    tile = 0
    for c, count in enumerate(counts):
        title = "Input" if c == 0 else (layer_labels[c - 1] if layer_labels else f"layer {c}")
        x = layout.xs[c]
        parts.append(
            f"<text x='{x + node / 2:.1f}' y='16' font-size='12' text-anchor='middle' "
            f"fill='#333'>{title}</text>"
        )
        lit = highlight is not None and highlight.column == c
        colour = highlight.colour if lit else ""
        for k, y in enumerate(layout.ys(count)):
            if maps is not None:
                parts.append(_map_node(x, y, node, tile, pitch, n, colour or "#999", 2.5 if lit else 1))
            else:
                text = f"{float(values[c][k]):.2f}" if values is not None and k < len(values[c]) else None
                parts.append(_circle_node(x, y, node, colour or "#f4f4f4", text, "#fff" if lit else "#222"))
            if c == 0 and input_labels is not None:
                parts.append(
                    f"<text x='{x - 6:.1f}' y='{y + node / 2 + 4:.1f}' font-size='12' text-anchor='end' "
                    f"fill='#333'>{input_labels[k]}</text>"
                )
            elif c and biases[c - 1] is not None:
                parts.append(_bias_mark(x, y, node, float(biases[c - 1][k]), wmax))
            if selected == (c, k):
                parts.append(
                    f"<rect x='{x - 3:.1f}' y='{y - 3:.1f}' width='{node + 6}' height='{node + 6}' "
                    "fill='none' stroke='#111' stroke-width='2.5'/>"
                )
            tile += 1
    return svg(width, layout.height, "".join(parts))
