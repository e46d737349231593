"""The colours of every picture: TensorFlow Playground's orange and blue, a diverging colormap, and a
categorical palette for more than two classes."""

from __future__ import annotations

import numpy as np

#: The diverging colormap's anchors, low to high: TensorFlow Playground's orange, a light grey, its blue.
LOW, MID, HIGH = (245, 147, 34), (232, 234, 235), (8, 119, 189)
POSITIVE, NEGATIVE = "#0877bd", "#f59322"
#: Class colours for k > 2 classes: the Okabe–Ito palette (Okabe & Ito 2008; Wong, Nature Methods 2011),
#: made to stay distinguishable with the common colour-vision deficiencies. Its orange and blue come first,
#: close to the binary picture's; its yellow and black are left out (yellow vanishes on the lightened
#: background, black hides the points' dark rims).
CLASS_COLORS = ((230, 159, 0), (0, 114, 178), (0, 158, 115), (204, 121, 167), (213, 94, 0), (86, 180, 233))
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


def class_colors(classes: int) -> np.ndarray:
    """The first ``classes`` colours of :data:`CLASS_COLORS`, shape ``(classes, 3)``, uint8."""
    return np.array(CLASS_COLORS[:classes], dtype=np.uint8)


def confidence_strength(confidence: np.ndarray, classes: int) -> np.ndarray:
    """How strongly a class's colour shows (float32 in [0, 1]): 0 at the chance level ``1/classes`` (or
    below it, and for NaN), 1 at full confidence."""
    floor = 1.0 / classes
    s = (np.asarray(confidence, dtype=np.float32) - floor) * np.float32(1.0 / (1.0 - floor))
    return np.clip(np.nan_to_num(s, nan=0.0), 0.0, 1.0)


def class_colorize(
    predicted: np.ndarray, confidence: np.ndarray, classes: int, discretize: bool = False
) -> np.ndarray:
    """Colour each cell by its predicted class, faded towards the colormap's light grey (:data:`MID`)
    where the network is unsure: the binary picture's rule (grey at 0.5, full colour at 0 or 1) for
    ``classes`` classes.

    Parameters
    ----------
    predicted : ndarray of int, any shape
        Class numbers ``0 … classes − 1``.
    confidence : ndarray, same shape
        The predicted class's probability (``1/classes`` … 1).
    discretize : bool
        Every cell at the binary discretized picture's strength (0.7), whatever its confidence.

    Returns
    -------
    ndarray of shape ``predicted.shape + (3,)``, uint8
    """
    palette = class_colors(classes).astype(np.float32)
    strength = (
        np.full(np.shape(predicted), 0.7, np.float32)
        if discretize
        else confidence_strength(confidence, classes)
    )
    mid = np.array(MID, dtype=np.float32)
    colour = palette[np.clip(np.asarray(predicted, dtype=np.intp), 0, classes - 1)]
    return np.round(mid + (colour - mid) * strength[..., None]).astype(np.uint8)
