"""Why XOR needs a hidden layer (issue 12): results belong to their gate and captions say what happened,
typed weights set the sliders, settings and results last the session, points stay visible on their own
class's region, and the loss axis's labels fit."""

from __future__ import annotations

import base64
import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
from PIL import Image
from streamlit.testing.v1 import AppTest

from nnviz.drawing.boundary import BoundaryView, boundary_svg
from nnviz.drawing.loss_curve import loss_curve_svg
from nnviz.lessons import why_xor_needs_a_hidden_layer as pc

ROOT = Path(__file__).resolve().parents[1]
PAGE = "pages/why_xor_needs_a_hidden_layer.py"
SVG = "{http://www.w3.org/2000/svg}"


def page() -> AppTest:
    at = AppTest.from_file(str(ROOT / PAGE), default_timeout=60).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def errors(at) -> list[str]:
    return [e.value.replace("\\", "") for e in at.error]  # Markdown escapes removed


def said(at) -> str:
    """Everything the page's lower section says: successes, warnings, infos and captions."""
    return " | ".join(e.value for kind in (at.success, at.warning, at.info, at.caption) for e in kind)


def test_a_trained_network_belongs_to_its_gate():
    at = page()
    at.button(key="xor.train").click().run()
    assert "XOR solved" in said(at)
    at.radio(key="xor.gate").set_value("AND").run()
    assert "XOR solved" not in said(at) and "of XOR" not in said(at)
    assert "train a network with a hidden layer on AND" in said(at)
    at.button(key="xor.train").click().run()
    assert "AND solved" in said(at)
    at.radio(key="xor.gate").set_value("XOR").run()
    assert "XOR solved" in said(at) and "AND solved" not in said(at)


def test_captions_say_what_happened_when_training_got_stuck():
    assert not pc.train("XOR", hidden=2, seed=1).solved  # a start that gets stuck
    at = page()
    at.slider(key="xor.hidden").set_value(2).run()
    at.number_input(key="xor.seed").set_value(1).run()
    at.button(key="xor.train").click().run()
    text = said(at)
    assert "XOR not solved" in text and "wrong side" in text
    assert "bends around" not in text and "XOR solved" not in text
    at.number_input(key="xor.seed").set_value(0).run()  # settings changed since: the caption says so
    assert "trained on XOR with 2 hidden units from seed 1" in said(at)


def test_typed_weights_set_the_sliders():
    at = page()
    at.radio(key="xor.gate").set_value("AND").run()
    at.text_input(key="xor.typed").input("1, 1, -1.5").run()
    assert not at.exception and not errors(at)
    assert [at.slider(key=k).value for k in ("xor.w1", "xor.w2", "xor.b")] == [1.0, 1.0, -1.5]
    assert at.text_input(key="xor.typed").value == ""  # one source of truth: the sliders
    assert at.metric[0].value == "4 of 4"
    at.text_input(key="xor.typed").input("1, 1, -5").run()
    assert "outside the sliders' range" in errors(at)[0] and "`1, 1, -5`" in errors(at)[0]
    assert at.slider(key="xor.b").value == -1.5 and at.metric[0].value == "4 of 4"


def test_settings_and_results_last_when_the_learner_visits_another_page():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page(PAGE).run()
    at.radio(key="xor.gate").set_value("OR").run()
    at.slider(key="xor.w1").set_value(2.0).run()
    at.slider(key="xor.hidden").set_value(3).run()
    at.button(key="xor.train").click().run()
    at.switch_page("pages/playground.py").run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert at.radio(key="xor.gate").value == "OR" and at.slider(key="xor.w1").value == 2.0
    assert at.slider(key="xor.hidden").value == 3 and "OR solved (3 hidden units, seed 0)" in said(at)


def test_a_seed_typed_out_of_range_is_refused_visibly():
    at = page()
    at.number_input(key="xor.seed").set_value(-1).run()
    assert not at.exception and at.number_input(key="xor.seed").value == -1
    assert "below the smallest allowed" in errors(at)[0]


# --- the pictures ----------------------------------------------------------------------------------------


def background(svg: str) -> tuple[np.ndarray, ET.Element]:
    root = ET.fromstring(svg)
    image = root.find(f".//{SVG}image")
    data = base64.b64decode(image.get("href").split(",", 1)[1])
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(int), root


def test_points_stay_distinguishable_on_their_own_class_region():
    # A confident boundary: 1 (blue) on the right half, 0 (orange) on the left; each corner in its region.
    grid = np.where(np.linspace(-0.5, 1.5, 60)[None, :] > 0.5, 1.0, 0.0).repeat(60, axis=0)
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([[0.0], [0.0], [1.0], [1.0]])
    svg = boundary_svg(grid, BoundaryView(pc.BOX, train=(X, y)), size=330)
    rgb, root = background(svg)
    plot = root.find(f".//{SVG}clipPath/{SVG}rect")
    x0, y0, side = float(plot.get("x")), float(plot.get("y")), float(plot.get("width"))
    seen = 0
    for path in root.findall(f".//{SVG}path[@class='points']"):
        fill = np.array([int(path.get("fill")[i : i + 2], 16) for i in (1, 3, 5)])
        for start, arc in re.findall(r"M([-\d.]+ [-\d.]+)a([\d.]+)", path.get("d")):
            cx, cy = map(float, start.split())
            cx += float(arc)
            row = int((cy - y0) / side * rgb.shape[0])
            col = int((cx - x0) / side * rgb.shape[1])
            under = rgb[min(row, rgb.shape[0] - 1), min(col, rgb.shape[1] - 1)]
            assert np.abs(fill - under).sum() >= 60, (fill, under)  # the dot differs from its background
            seen += 1
    assert seen == 4
    rims = root.findall(f".//{SVG}path[@class='rims']")
    assert len(rims) == 1 and rims[0].get("d").count("M") == 4  # and every dot has a dark hairline
    assert sum(int(rims[0].get("stroke")[i : i + 2], 16) for i in (1, 3, 5)) < 200


def test_the_loss_axis_labels_are_short_and_fit():
    history = np.asarray(pc.train("XOR", hidden=2, seed=1).history)  # stuck near 0.348: under a decade
    for values in (history, np.linspace(0.348079, 0.348081, 50), np.geomspace(3.0, 1e-4, 100)):
        svg = loss_curve_svg((np.arange(1, len(values) + 1), values), log=True, width=360, height=260)
        root = ET.fromstring(svg)
        plot = root.find(f"{SVG}rect")
        left = float(plot.get("x"))
        labels = [t for t in root.findall(f"{SVG}text") if t.get("text-anchor") == "end" and t.text]
        labels = [t for t in labels if float(t.get("x")) < left]
        assert len(labels) >= 2, [t.text for t in labels]
        for t in labels:
            assert len(t.text) <= 7, t.text
            assert 6.5 * len(t.text) <= float(t.get("x")), (t.text, t.get("x"))  # room left of the axis
