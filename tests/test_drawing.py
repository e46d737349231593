"""Renderers: colours, PNG and SVG output, downsampling, the network diagram's sprite."""

from __future__ import annotations

import base64
import io
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image

from nnviz.drawing.boundary import BoundaryView, boundary_svg
from nnviz.drawing.colors import HIGH, LOW, MID, NEGATIVE, POSITIVE, colorize
from nnviz.drawing.figures import boundary_png
from nnviz.drawing.loss_curve import downsample, loss_curve_svg
from nnviz.drawing.network_diagram import Highlight, network_svg, sprite
from nnviz.drawing.svg import nice_ticks, png_bytes, png_data_uri, svg_data_uri

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def decode_png(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def test_colormap_diverges_through_the_middle():
    c = colorize(np.array([0.0, 0.5, 1.0, -3.0, 9.0, np.nan]))
    assert tuple(c[0]) == LOW and tuple(c[2]) == HIGH
    assert tuple(c[1]) == MID and tuple(c[5]) == MID
    assert tuple(c[3]) == LOW and tuple(c[4]) == HIGH
    assert c.dtype == np.uint8 and c.shape == (6, 3)
    sym = colorize(np.array([-1.0, 0.0, 1.0]), -1, 1)
    assert tuple(sym[1]) == MID


def test_discretize_gives_two_colours_split_at_the_midpoint():
    c = colorize(np.linspace(0, 1, 11), discretize=True)
    colours = {tuple(x) for x in c}
    assert len(colours) == 2
    assert tuple(c[4]) != tuple(c[6])


def test_png_round_trip_and_data_uri():
    rgb = colorize(np.random.default_rng(0).uniform(size=(17, 23)))
    assert np.array_equal(decode_png(png_bytes(rgb)), rgb)
    uri = png_data_uri(rgb)
    assert uri.startswith("data:image/png;base64,")
    assert np.array_equal(decode_png(base64.b64decode(uri.split(",", 1)[1])), rgb)
    assert base64.b64decode(svg_data_uri("<svg/>").split(",", 1)[1]) == b"<svg/>"


def test_boundary_svg_has_the_map_points_and_axes():
    grid = np.linspace(0, 1, 400).reshape(20, 20)
    X = np.array([[0.0, 0.0], [1.0, 2.0], [-3.0, 4.0]])
    y = np.array([[0.0], [1.0], [1.0]])
    svg = boundary_svg(grid, BoundaryView((-6, 6, -6, 6), train=(X, y), test=(X[:1], y[:1])))
    root = parse(svg)
    assert len(root.findall(f".//{SVG}image")) == 1
    circles = dots(root)
    assert len(circles) == 4
    assert circles[0][2] == "#f59322" and circles[1][2] == "#0877bd" and circles[3][2] == "#f59322"
    texts = [t.text for t in root.findall(f".//{SVG}text")]
    assert "0" in texts and "x₁" in texts
    # The point (0, 0) sits in the middle of the plot area.
    rect = root.find(f".//{SVG}clipPath/{SVG}rect")
    middle = float(rect.get("x")) + float(rect.get("width")) / 2
    assert circles[0][0] == pytest.approx(middle, abs=0.1) == circles[3][0]
    assert circles[2][0] < circles[0][0] < circles[1][0] and circles[2][1] < circles[1][1] < circles[0][1]


def dots(root) -> list[tuple[float, float, str]]:
    """Centres and fill of the dots drawn by ``points_svg`` (each a circle of two arcs)."""
    found = []
    for path in root.findall(f".//{SVG}path[@class='points']"):
        for start, arc in re.findall(r"M([-\d.]+ [-\d.]+)a([\d.]+)", path.get("d")):
            x, y = map(float, start.split())
            found.append((x + float(arc), y, path.get("fill")))
    return found


def test_downsample_averages_buckets_and_keeps_the_last_point():
    x = np.arange(100_000, dtype=float)
    y = np.sin(x / 1000)
    xs, ys = downsample(x, y, 400)
    assert len(xs) == 401 and xs[-1] == x[-1] and ys[-1] == y[-1]
    assert np.all(np.diff(xs) > 0) and ys.max() <= y.max() and ys.min() >= y.min()
    assert ys[0] == pytest.approx(y[:250].mean())
    short = np.arange(5.0)
    assert downsample(short, short, 400)[0] is short


def test_loss_curve_svg_linear_and_log():
    epochs = np.arange(1, 50_001, dtype=float)
    loss = 1.0 / epochs
    svg = loss_curve_svg((epochs, loss), (epochs[::100], loss[::100] * 1.1), log=True)
    root = parse(svg)
    lines = root.findall(f".//{SVG}polyline")
    assert len(lines) == 2 and len(lines[0].get("points").split()) <= 401
    assert "log scale" in svg
    parse(loss_curve_svg((np.array([0.0]), np.array([0.0])), None, log=True))  # no positive values
    parse(loss_curve_svg((np.array([0.0, 1.0]), np.array([np.nan, 0.5]))))


@pytest.mark.parametrize("last_epoch", [100, 1000, 3000, 30_000])
def test_loss_curve_x_labels_stay_inside_the_picture(last_epoch):
    """The last epoch label is centred on its tick at the plot's right edge: the margin must hold half of
    it (6.5 px a character at 11 px, a little over the width of a digit in a sans-serif font)."""
    epochs = np.linspace(0, last_epoch, 200)
    root = parse(loss_curve_svg((epochs, np.exp(-epochs / last_epoch)), width=360))
    below = [t for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "middle" and t.text != "epoch"]
    ends = [float(t.get("x")) + 3.25 * len(t.text) for t in below if t.text != "no loss yet"]
    assert len(ends) >= 3 and max(ends) <= 360


def test_nice_ticks():
    assert nice_ticks(-6, 6) == [-6, -4, -2, 0, 2, 4, 6] or nice_ticks(-6, 6) == [
        -5,
        -2.5,
        0,
        2.5,
        5,
    ]
    assert nice_ticks(-0.5, 1.5)[0] >= -0.5 and nice_ticks(-0.5, 1.5)[-1] <= 1.5


def test_sprite_tiles_sit_at_their_pitch_with_an_edge_rim():
    tiles = np.stack([np.full((4, 4, 3), k, dtype=np.uint8) for k in range(3)])
    tiles[1, 0, 0] = 200
    image, pitch = sprite(tiles)
    assert pitch == 6 and image.shape == (6, 18, 3)
    for k in range(3):
        assert np.array_equal(image[1:5, k * pitch + 1 : k * pitch + 5], tiles[k])
    assert np.array_equal(image[0, pitch + 1], tiles[1, 0, 0]) and np.array_equal(
        image[1, pitch], tiles[1, 0, 0]
    )


def test_network_svg_draws_every_edge_and_neuron():
    rng = np.random.default_rng(1)
    sizes = [2, 4, 3, 1]
    weights = [rng.normal(size=(b, a)) for a, b in zip(sizes[:-1], sizes[1:])]
    biases = [rng.normal(size=b) for b in sizes[1:-1]] + [None]
    maps = [rng.uniform(-1, 1, size=(n, 8, 8)) for n in sizes]
    svg = network_svg(
        weights,
        biases,
        maps=maps,
        input_labels=["x₁", "x₂"],
        layer_labels=["tanh", "tanh", "sigmoid"],
        selected=(1, 2),
    )
    root = parse(svg)
    paths = root.findall(f".//{SVG}path")
    assert len(paths) == sum(w.size for w in weights)
    colours = {p.get("stroke") for p in paths}
    assert colours == {POSITIVE, NEGATIVE}
    widths = [float(p.get("stroke-width")) for p in paths]
    flat = np.concatenate([np.abs(w).ravel() for w in weights])
    assert widths[int(np.argmax(flat))] == max(widths)
    assert len(root.findall(f".//{SVG}use")) == sum(sizes)
    assert "stroke-width='2.5'" in svg  # the selected neuron's outline


def test_network_svg_without_maps_draws_circles_with_values_and_a_lit_layer():
    """The backprop page's diagram is the same drawing: circles with numbers, one layer lit up."""
    weights = [np.array([[1.0, -2.0], [0.5, 0.25]]), np.array([[3.0, -1.0]])]
    values = [np.array([0.0, 1.0]), np.array([-0.96, 0.24]), np.array([0.73])]
    svg = network_svg(weights, [np.zeros(2), None], values=values, highlight=Highlight(1, "#d95f02", True))
    root = parse(svg)
    circles = root.findall(f".//{SVG}circle")
    assert len(circles) == 5 and len(root.findall(f".//{SVG}use")) == 0
    assert [c.get("fill") for c in circles] == ["#f4f4f4", "#f4f4f4", "#d95f02", "#d95f02", "#f4f4f4"]
    assert {t.text for t in root.findall(f".//{SVG}text")} >= {"-0.96", "0.24", "0.73", "1.00"}
    strokes = [p.get("stroke") for p in root.findall(f".//{SVG}path")]
    assert strokes[:4] == ["#d95f02"] * 4  # the lit layer's incoming edges
    assert strokes[4:] == [POSITIVE, NEGATIVE]  # the others by the sign of their weight


def test_boundary_png_is_a_png():
    data = boundary_png(
        np.linspace(0, 1, 100).reshape(10, 10),
        BoundaryView((-1, 1, -1, 1), train=(np.zeros((3, 2)), np.array([0, 1, 1]))),
        title="t",
    )
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert decode_png(data).shape[0] > 100
