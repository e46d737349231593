"""The colours of every picture: TensorFlow Playground's orange and blue, and a diverging colormap."""

from __future__ import annotations

import numpy as np

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
