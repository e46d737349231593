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

from nnviz.core import Layer, Network
from nnviz.core.datasets import Dataset
from nnviz.drawing.boundary import BoundaryView, boundary_svg
from nnviz.drawing.colors import CLASS_COLORS
from nnviz.drawing.figures import boundary_png
from nnviz.playground.classes import (
    boundary_grid,
    boundary_view,
    class_results,
    confusion_rows,
    fitted_output,
    network_classes,
    output_error,
    value_range,
)
from nnviz.playground.frames import class_bytes

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


# --- the app's logic for k > 2 classes: the picture's description, the results table, the frame's bytes ---

ANIMALS = ("cat", "dog", "fox")


def animals(X_test=None, y_test=None) -> Dataset:
    """Three named classes in a box that is neither square nor centred; one test point unless told."""
    X_test = np.array([[1.0, 1.0]]) if X_test is None else X_test
    y_test = np.array([[2.0]]) if y_test is None else y_test
    X_train = np.array([[-2.0, 1.0], [0.5, -1.5], [3.0, 2.0], [1.0, 4.0], [-3.0, -2.0]])
    y_train = np.array([[0.0], [1.0], [1.0], [2.0], [0.0]])
    return Dataset(
        "blobs3", "classification", (-4.0, 4.0, -3.0, 5.0), X_train, y_train, X_test, y_test, ANIMALS
    )


def test_a_boundary_view_shows_the_data_sets_box_classes_and_training_points_only_by_default():
    data = animals()
    view = boundary_view(data)
    assert view.box == (-4.0, 4.0, -3.0, 5.0)
    assert (view.lo, view.hi) == (0.0, 1.0)  # 0/1 labels
    assert view.classes == 3 and view.class_names == ANIMALS
    assert view.train[0] is data.X_train and view.train[1] is data.y_train
    assert view.test is None  # no test points unless asked
    assert view.labels == ("x₁", "x₂") and view.discretize is False


def test_a_boundary_view_passes_on_the_test_points_discretize_and_the_axes_names():
    data = animals()
    view = boundary_view(data, test=True, discretize=True, labels=("a", "b"))
    assert view.test[0] is data.X_test and view.test[1] is data.y_test
    assert view.train[0] is data.X_train and view.train[1] is data.y_train  # not swapped
    assert view.discretize is True and view.labels == ("a", "b")
    assert boundary_view(data, test=False).test is None


def test_a_boundary_view_of_two_classes_or_of_regression_uses_the_diverging_colours():
    X, y = np.zeros((2, 2)), np.array([[0.0], [1.0]])
    binary = boundary_view(Dataset("circle", "classification", (-6, 6, -6, 6), X, y, X, y))
    assert (binary.lo, binary.hi, binary.classes, binary.class_names) == (0.0, 1.0, 2, ("0", "1"))
    plane = boundary_view(Dataset("plane", "regression", (-6, 6, -6, 6), X, y, X, y))
    assert (plane.lo, plane.hi, plane.classes, plane.class_names) == (-1.0, 1.0, 2, ())


def test_confusion_rows_count_each_true_class_against_each_predicted_one_by_name():
    outputs = np.array(
        [
            [0.7, 0.2, 0.1],  # cat
            [0.6, 0.3, 0.1],  # cat
            [0.1, 0.8, 0.1],  # dog
            [0.2, 0.1, 0.7],  # fox
            [0.3, 0.3, 0.4],  # fox
            [0.1, 0.6, 0.3],  # dog
        ]
    )
    targets = np.array([[0.0], [1.0], [1.0], [2.0], [0.0], [1.0]])
    rows = confusion_rows(outputs, targets, ANIMALS)
    assert rows == [
        {"true class": "cat", "predicted cat": 1, "predicted dog": 0, "predicted fox": 1},
        {"true class": "dog", "predicted cat": 1, "predicted dog": 2, "predicted fox": 0},
        {"true class": "fox", "predicted cat": 0, "predicted dog": 0, "predicted fox": 1},
    ]
    assert list(rows[0]) == ["true class", "predicted cat", "predicted dog", "predicted fox"]
    assert all(type(v) is int for row in rows for k, v in row.items() if k != "true class")


def test_confusion_rows_of_one_sigmoid_output_split_at_one_half():
    outputs = np.array([[0.2], [0.7], [0.9], [0.4], [0.8]])
    targets = np.array([[0.0], [0.0], [1.0], [1.0], [1.0]])
    assert confusion_rows(outputs, targets, ("no", "yes")) == [
        {"true class": "no", "predicted no": 1, "predicted yes": 1},
        {"true class": "yes", "predicted no": 1, "predicted yes": 2},
    ]


def test_confusion_rows_have_a_row_and_a_column_for_every_named_class_even_one_never_predicted():
    outputs = np.array([[0.8, 0.1, 0.1], [0.1, 0.1, 0.8]])
    targets = np.array([[3.0], [2.0]])
    rows = confusion_rows(outputs, targets, ("a", "b", "c", "d"))
    assert [row["true class"] for row in rows] == ["a", "b", "c", "d"]
    assert rows[2] == {
        "true class": "c",
        "predicted a": 0,
        "predicted b": 0,
        "predicted c": 1,
        "predicted d": 0,
    }
    assert rows[3] == {
        "true class": "d",
        "predicted a": 1,
        "predicted b": 0,
        "predicted c": 0,
        "predicted d": 0,
    }


def pointer() -> Network:
    """Softmax over 3 classes: input (1, 0) → cat, (0, 1) → dog, (0, 0) → fox (its bias)."""
    return Network(2, [Layer(2, 3, True, "softmax", [[5.0, 0.0], [0.0, 5.0], [0.0, 0.0]], [0.0, 0.0, 1.0])])


def test_class_results_give_each_sets_accuracy_and_confusion_rows_from_the_networks_inputs():
    # the network's inputs, unlike the data's raw points: what the network sees through its features
    X_train = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 0.0], [0.0, 0.0]])  # cat cat dog fox fox
    X_test = np.array([[0.0, 1.0], [0.0, 0.0]])  # dog fox
    data = animals(X_test=np.array([[9.0, 9.0], [9.0, 9.0]]), y_test=np.array([[1.0], [1.0]]))
    # training targets: cat dog dog fox cat -> right 3 of 5; test targets: dog dog -> right 1 of 2
    (train_name, train_acc, train_rows), (test_name, test_acc, test_rows) = class_results(
        pointer(), data, X_train, X_test
    )
    assert (train_name, test_name) == ("training", "test")
    assert train_acc == pytest.approx(3 / 5) and test_acc == pytest.approx(1 / 2)
    assert train_rows == [
        {"true class": "cat", "predicted cat": 1, "predicted dog": 0, "predicted fox": 1},
        {"true class": "dog", "predicted cat": 1, "predicted dog": 1, "predicted fox": 0},
        {"true class": "fox", "predicted cat": 0, "predicted dog": 0, "predicted fox": 1},
    ]
    assert test_rows == [
        {"true class": "cat", "predicted cat": 0, "predicted dog": 0, "predicted fox": 0},
        {"true class": "dog", "predicted cat": 0, "predicted dog": 1, "predicted fox": 1},
        {"true class": "fox", "predicted cat": 0, "predicted dog": 0, "predicted fox": 0},
    ]


def test_class_results_leave_out_an_empty_test_set():
    data = animals(X_test=np.zeros((0, 2)), y_test=np.zeros((0, 1)))
    X_train = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [0.0, 0.0], [1.0, 0.0]])  # all right
    ((name, acc, rows),) = class_results(pointer(), data, X_train, np.zeros((0, 2)))
    assert (name, acc) == ("training", 1.0)
    assert [[row[f"predicted {c}"] for c in ANIMALS] for row in rows] == [[2, 0, 0], [0, 2, 0], [0, 0, 1]]


def test_class_bytes_are_the_class_times_42_plus_the_confidence_step_from_chance_to_certainty():
    predicted = np.array([[0, 1, 2], [2, 0, 1]])
    confidence = np.array([[1 / 3, 1.0, 0.5], [0.9, 0.2, 0.6]])
    # step = round(41 * (c - 1/3) / (2/3)), 0 at or below chance:
    # 0, 41, 10.25 -> 10, 34.85 -> 35, 0, 16.4 -> 16
    got = class_bytes(predicted, confidence, 3)
    assert got.dtype == np.uint8 and got.shape == (2, 3)
    assert got.tolist() == [[0, 42 + 41, 84 + 10], [84 + 35, 0, 42 + 16]]


def test_class_bytes_count_chance_by_the_number_of_classes_and_six_classes_fit_in_a_byte():
    # four classes: chance 1/4, so 0.5 is a third of the way to certainty: 41/3 = 13.67 -> 14
    assert class_bytes(np.array([3, 1]), np.array([0.5, 0.25]), 4).tolist() == [3 * 42 + 14, 42]
    # six classes: the last class at certainty is 5 * 42 + 41 = 251; at chance 1/6 it is 210
    assert class_bytes(np.array([5, 5]), np.array([1.0, 1 / 6]), 6).tolist() == [251, 210]


@pytest.mark.parametrize("classes", [3, 4, 6])
@pytest.mark.parametrize(("activation", "loss"), [("sigmoid", "bce"), ("tanh", "mse"), ("softmax", "cce")])
def test_more_than_two_classes_fit_softmax_and_cce_whatever_the_output_was(classes, activation, loss):
    assert fitted_output(classes, activation, loss) == ("softmax", "cce")


@pytest.mark.parametrize(
    ("classes", "activation", "loss", "fitted"),
    [
        (2, "sigmoid", "bce", ("sigmoid", "bce")),  # what fits is kept
        (2, "tanh", "mse", ("tanh", "mse")),
        (2, "linear", "mse", ("linear", "mse")),
        (2, "softmax", "cce", ("sigmoid", "bce")),  # softmax or cce: one sigmoid output with bce
        (2, "softmax", "mse", ("sigmoid", "bce")),
        (2, "tanh", "cce", ("sigmoid", "bce")),
        (None, "tanh", "mse", ("tanh", "mse")),
        (None, "linear", "mse", ("linear", "mse")),
        (None, "softmax", "cce", ("linear", "mse")),  # regression: a linear output with mse
        (None, "softmax", "mse", ("linear", "mse")),
        (None, "tanh", "cce", ("linear", "mse")),
    ],
)
def test_two_classes_or_regression_keep_an_output_that_fits_and_replace_softmax_or_cce(
    classes, activation, loss, fitted
):
    assert fitted_output(classes, activation, loss) == fitted


MANY = (
    "This data has {k} classes: its output is {k} softmax units with the loss cce "
    "(categorical cross-entropy), not "
)
FEW = "A softmax output with cce loss is for 3 to 6 classes; this data has "
KEPT = " The network stays as it was."


@pytest.mark.parametrize(
    ("classes", "activation", "loss", "message"),
    [
        (3, "softmax", "cce", None),
        (6, "softmax", "cce", None),
        (3, "sigmoid", "bce", MANY.format(k=3) + "a sigmoid output." + KEPT),
        (4, "sigmoid", "cce", MANY.format(k=4) + "a sigmoid output." + KEPT),  # the loss fits, the output not
        (5, "softmax", "bce", MANY.format(k=5) + "the loss bce." + KEPT),  # the output fits, the loss not
        (3, "softmax", "mse", MANY.format(k=3) + "the loss mse." + KEPT),
        (2, "sigmoid", "bce", None),
        (2, "tanh", "mse", None),
        (2, "softmax", "cce", FEW + "two classes (0/1 labels): choose one sigmoid output with bce." + KEPT),
        (2, "softmax", "bce", FEW + "two classes (0/1 labels): choose one sigmoid output with bce." + KEPT),
        (2, "tanh", "cce", FEW + "two classes (0/1 labels): choose one sigmoid output with bce." + KEPT),
        (None, "linear", "mse", None),
        (None, "softmax", "mse", FEW + "regression targets: choose a tanh or linear output with mse." + KEPT),
        (None, "tanh", "cce", FEW + "regression targets: choose a tanh or linear output with mse." + KEPT),
        (
            None,
            "sigmoid",
            "bce",
            "Binary cross-entropy (bce) is for 0/1 labels; this data has regression targets (from -1 to 1): "
            "choose a tanh or linear output with mse." + KEPT,
        ),
        (
            None,
            "softmax",
            "bce",  # the loss is named first: bce does not fit regression targets whatever the output
            "Binary cross-entropy (bce) is for 0/1 labels; this data has regression targets (from -1 to 1): "
            "choose a tanh or linear output with mse." + KEPT,
        ),
    ],
)
def test_an_output_that_does_not_fit_the_datas_classes_is_refused_naming_what_to_choose(
    classes, activation, loss, message
):
    assert output_error(classes, activation, loss) == message


def test_a_network_tells_classes_apart_only_by_a_softmax_output():
    deep = Network(2, [(4, True, "tanh"), (3, True, "tanh"), (5, True, "softmax")])
    assert network_classes(deep) == 5
    assert network_classes(Network(2, [(3, True, "tanh"), (3, True, "softmax")])) == 3
    assert network_classes(Network(2, [(4, True, "tanh"), (3, True, "tanh"), (1, True, "sigmoid")])) is None


def test_the_colour_range_is_0_to_1_for_labels_and_minus_1_to_1_for_targets():
    assert value_range("classification") == (0.0, 1.0)
    assert value_range("regression") == (-1.0, 1.0)


# --- boundary_grid: what a boundary picture maps, worked out here from the logits ------------------------
# Box (0, 4, 0, 2) in a 2×2 grid: cell centres x ∈ {1, 3} (columns), y ∈ {1.5, 0.5} (rows, top first).
# The inputs are the features ["x2", "x1"] (swapped), so a picture of the raw points would differ.
BOX, SWAPPED = (0.0, 4.0, 0.0, 2.0), ["x2", "x1"]
CELLS = [[(1.0, 1.5), (3.0, 1.5)], [(1.0, 0.5), (3.0, 0.5)]]


def softmax_of(logits) -> np.ndarray:
    e = np.exp(np.asarray(logits, float))
    return e / e.sum()


def test_a_boundary_grid_of_three_softmax_units_is_the_predicted_class_and_its_probability():
    # logits (x2, x1, 1.2): cells (1, 1.5) -> class 0, (3, 1.5) -> 1, (1, 0.5) -> 2, (3, 0.5) -> 1
    nn = Network(2, [Layer(2, 3, True, "softmax", [[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]], [0.0, 0.0, 1.2])])
    grid = boundary_grid(nn, BOX, 2, SWAPPED)
    assert isinstance(grid, tuple) and len(grid) == 2
    predicted, confidence = grid
    assert predicted.tolist() == [[0, 1], [2, 1]]
    expected = [[softmax_of([y, x, 1.2]).max() for x, y in row] for row in CELLS]
    np.testing.assert_allclose(confidence, expected, rtol=1e-6)


def test_a_boundary_grid_of_two_softmax_units_is_the_probability_of_class_1_like_a_sigmoids():
    # logits (x2, x1): p(class 1) = 1 / (1 + exp(x2 - x1)); class 0 wins only at (1, 1.5)
    nn = Network(2, [Layer(2, 2, True, "softmax", [[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0])])
    grid = boundary_grid(nn, BOX, 2, SWAPPED)
    assert isinstance(grid, np.ndarray) and grid.shape == (2, 2)
    expected = [[1 / (1 + np.exp(y - x)) for x, y in row] for row in CELLS]
    assert expected[0][0] < 0.5 < min(expected[0][1], expected[1][0], expected[1][1])  # both classes present
    np.testing.assert_allclose(grid, expected, rtol=1e-6)


def test_a_boundary_grid_of_a_sigmoid_output_is_that_output():
    nn = Network(2, [Layer(2, 1, True, "sigmoid", [[1.0, -2.0]], [0.5])])
    grid = boundary_grid(nn, BOX, 2, SWAPPED)
    assert isinstance(grid, np.ndarray) and grid.shape == (2, 2)
    expected = [[1 / (1 + np.exp(-(y - 2 * x + 0.5))) for x, y in row] for row in CELLS]
    np.testing.assert_allclose(grid, expected, rtol=1e-6)
