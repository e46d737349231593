"""SVG and PNG plumbing shared by the drawings: the ``<svg>`` wrapper, data URIs, ticks, composition."""

from __future__ import annotations

import base64
import io
import math
import re

import numpy as np
from PIL import Image

FONT = "font-family='system-ui, -apple-system, Segoe UI, Roboto, sans-serif'"


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


def tick_label(v: float) -> str:
    """A short axis label: ``0``, ``0.25``, ``2e-3``, ``1e5``."""
    if v == 0:
        return "0"
    if abs(v) >= 10_000 or abs(v) < 0.01:
        return f"{v:.0e}".replace("e+0", "e").replace("e-0", "e-")
    return f"{v:g}"


def svg(width: float, height: float, body: str) -> str:
    """A standalone ``<svg>`` of the given size around ``body``."""
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' xmlns:xlink='http://www.w3.org/1999/xlink' "
        f"viewBox='0 0 {width:g} {height:g}' width='{width:g}' height='{height:g}' {FONT}>{body}</svg>"
    )


def place(svg: str, x: float, y: float, width: float) -> tuple[str, float]:
    """An SVG made by this module, nested at ``(x, y)`` and scaled to ``width``; returns (markup, height)."""
    match = re.match(r"<svg ([^>]*?)viewBox='0 0 ([\d.]+) ([\d.]+)' width='[\d.]+' height='[\d.]+'", svg)
    if match is None:
        raise ValueError("place() takes SVG made by nnviz.drawing")
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
    return svg(width, round(top + h3), left + right + below)
