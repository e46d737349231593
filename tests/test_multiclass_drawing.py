"""Pictures of more than two classes: the class colours, the fading by confidence, the points, the PNG.

Colours are checked as hue and lightness worked out here with :mod:`colorsys`, not with the drawing's own
functions: a class region must have its palette colour's hue, and a region where the network is unsure
must be paler than one where it is sure.
"""

from __future__ import annotations

import base64
import colorsys
import io
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image

from nnviz.drawing.boundary import BoundaryView, boundary_svg
from nnviz.drawing.colors import CLASS_COLORS
from nnviz.drawing.figures import boundary_png

SVG = "{http://www.w3.org/2000/svg}"
#: Okabe–Ito's orange, blue, bluish green, reddish purple, vermillion and sky blue, written out again here.
OKABE_ITO = ("#e69f00", "#0072b2", "#009e73", "#cc79a7", "#d55e00", "#56b4e9")


def hls(rgb) -> tuple[float, float, float]:
    return colorsys.rgb_to_hls(*(np.asarray(rgb, float) / 255.0))


def hue_distance(a: float, b: float) -> float:
    d = abs(a - b) % 1.0
    return min(d, 1.0 - d)


def hex_rgb(text: str) -> tuple[int, int, int]:
    return tuple(int(text[i : i + 2], 16) for i in (1, 3, 5))


def map_pixels(svg: str) -> np.ndarray:
    image = ET.fromstring(svg).find(f".//{SVG}image")
    data = base64.b64decode(image.get("href").split(",", 1)[1])
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(int)


def test_the_palette_is_okabe_ito():
    assert ["#{:02x}{:02x}{:02x}".format(*c) for c in CLASS_COLORS] == list(OKABE_ITO)


def three_regions(n: int = 60, sure: float = 0.99, unsure: float = 0.4):
    """Class 0 in the left third, 1 in the middle, 2 on the right; sure in the top half, unsure below."""
    predicted = np.repeat((np.arange(n) * 3 // n)[None, :], n, axis=0)
    confidence = np.where(np.arange(n)[:, None] < n // 2, sure, unsure) * np.ones((n, n))
    return predicted, confidence


@pytest.mark.parametrize("classes", [3, 5])
def test_each_predicted_class_has_its_hue_and_is_paler_where_unsure(classes):
    grid = three_regions()
    svg = boundary_svg(grid, BoundaryView((-6, 6, -6, 6), classes=classes), size=300)
    rgb = map_pixels(svg)
    n = rgb.shape[0]
    for k in range(3):
        column = (2 * k + 1) * n // 6
        sure, unsure = rgb[n // 4, column], rgb[3 * n // 4, column]
        want_hue = hls(hex_rgb(OKABE_ITO[k]))[0]
        assert hue_distance(hls(sure)[0], want_hue) < 0.03, (k, sure)
        assert hue_distance(hls(unsure)[0], want_hue) < 0.05, (k, unsure)
        assert hls(unsure)[1] > hls(sure)[1] + 0.05  # lighter where the network is unsure
        assert hls(unsure)[2] < hls(sure)[2]  # and less saturated
    # every other hue of the palette is farther away than the right one
    for k in range(3):
        seen = hls(rgb[n // 4, (2 * k + 1) * n // 6])[0]
        distances = [hue_distance(seen, hls(hex_rgb(c))[0]) for c in OKABE_ITO[:classes]]
        assert int(np.argmin(distances)) == k


def test_a_chance_level_region_is_the_binary_pictures_light_grey():
    predicted, _ = three_regions()
    svg = boundary_svg((predicted, np.full(predicted.shape, 1 / 3)), BoundaryView((0, 1, 0, 1), classes=3))
    rgb = map_pixels(svg)
    # 232, 234, 235 (the diverging map's middle) lightened 35 % towards white
    assert np.abs(rgb - np.array([240, 241, 242])).max() <= 1


def test_discretized_classes_have_one_strength():
    grid = three_regions()
    rgb = map_pixels(boundary_svg(grid, BoundaryView((0, 1, 0, 1), classes=3, discretize=True)))
    n = rgb.shape[0]
    assert np.array_equal(rgb[n // 4, n // 6], rgb[3 * n // 4, n // 6])


def test_points_take_their_class_colours_and_rims():
    X = np.array([[-3.0, 0.0], [0.0, 0.0], [3.0, 0.0], [0.0, 3.0]])
    y = np.array([[0.0], [1.0], [2.0], [3.0]])
    view = BoundaryView((-6, 6, -6, 6), classes=4, train=(X, y), test=(X[:1], y[:1]))
    root = ET.fromstring(boundary_svg(three_regions(), view))
    fills = {}
    for path in root.findall(f".//{SVG}path[@class='points']"):
        for start, arc in re.findall(r"M([-\d.]+) [-\d.]+a([\d.]+)", path.get("d")):
            look = (path.get("fill"), path.get("stroke"))
            fills.setdefault(round(float(start) + float(arc)), set()).add(look)
    by_x = [fills[x] for x in sorted(fills)]
    assert by_x[0] == {(OKABE_ITO[0], "#ffffff"), (OKABE_ITO[0], "#222222")}  # a training and a test point
    assert [f for (f, _) in sorted(by_x[1])] == [OKABE_ITO[1], OKABE_ITO[3]]  # (0, 0) and (0, 3)
    assert by_x[2] == {(OKABE_ITO[2], "#ffffff")}
    assert len(root.findall(f".//{SVG}path[@class='rims']")) == 2  # the dark hairline, as for two classes


def test_the_png_download_shows_the_classes_and_a_legend():
    X = np.array([[-3.0, 0.0], [0.0, 0.0], [3.0, 0.0]])
    y = np.array([[0.0], [1.0], [2.0]])
    view = BoundaryView((-6, 6, -6, 6), classes=3, train=(X, y), class_names=("cat", "dog", "$x$"))
    data = boundary_png(three_regions(), view, title="3 classes")
    rgb = np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).reshape(-1, 3).astype(int)
    for colour in OKABE_ITO[:3]:  # the points and the legend's markers in full colour
        assert (np.abs(rgb - np.array(hex_rgb(colour))).max(axis=1) <= 3).sum() > 20, colour
