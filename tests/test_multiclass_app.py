"""More than two classes in the playground: the presets, the settings' rules, the frames, the page, files.

The frame's class grid is decoded here the way ``live_view.js`` decodes it (inflate, undo the "Sub" filter,
split each byte into class and confidence step), and compared with the engine's own class grid.
"""

from __future__ import annotations

import base64
import json
import zlib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import test_app
from streamlit.testing.v1 import AppTest

from nnviz.core import Network
from nnviz.core.grid import class_grid
from nnviz.lessons import model_inspector as insp
from nnviz.lessons.model_inspector import inspect
from nnviz.playground import frames
from nnviz.playground.classes import fitted_output, output_error
from nnviz.playground.experiment import Experiment
from nnviz.playground.links import link_payload, read_link
from nnviz.playground.presets import PRESETS
from nnviz.playground.settings import (
    LayerSettings,
    Settings,
    SettingsError,
    field_errors,
    layer_key,
    settings_from_dict,
    settings_to_dict,
    widget_key,
)

APP = str(Path(__file__).resolve().parents[1] / "app.py")
# The playground page's AppTest fixture and what its live view is given, shared with test_app.
at, view_data = test_app.at, test_app.view_data
SPIRAL = "3-class spiral: 12-12 tanh, softmax"
BLOBS = "5 Gaussian blobs: one hidden layer, softmax"
SOFTMAX_OUT = LayerSettings(1, True, "softmax")


# --- the presets, through the experiment's logic (seeded: the same numbers every run) ------------------


def test_the_three_class_spiral_preset_reaches_95_percent_test_accuracy():
    preset = PRESETS[SPIRAL]
    exp = Experiment(preset.settings)
    assert exp.nn.sizes == [2, 12, 12, 3] and exp.nn.layers[-1].activation.name == "softmax"
    assert exp.dataset.classes == 3 and exp.settings.loss == "cce"
    exp.train(epochs=preset.epochs)
    m = exp.metrics()
    assert exp.error is None and m.test_accuracy >= 0.95, m
    # the accuracy counted here from scratch: the largest of the three outputs is the point's arm
    predicted = np.argmax(exp.nn.predict(exp.X_test), axis=1)
    assert np.mean(predicted == exp.dataset.y_test[:, 0]) == m.test_accuracy


def test_the_blobs_preset_separates_five_classes():
    preset = PRESETS[BLOBS]
    exp = Experiment(preset.settings)
    assert exp.nn.sizes == [2, 6, 5]
    exp.train(epochs=preset.epochs)
    assert exp.metrics().test_accuracy >= 0.95


# --- settings: the output follows the data's classes ----------------------------------------------------


def test_a_multi_class_data_set_needs_softmax_and_cce_and_says_so_in_one_message():
    spiral = Settings(dataset="spiral3", output=SOFTMAX_OUT, loss="cce")
    assert field_errors(spiral) == {}
    for wrong in (replace(spiral, loss="bce"), replace(spiral, output=LayerSettings(1, True, "sigmoid"))):
        errors = field_errors(wrong)
        assert list(errors) == ["loss"] and "3 classes" in errors["loss"] and "softmax" in errors["loss"]
        with pytest.raises(SettingsError):
            Experiment(wrong)
    for binary in (
        Settings(loss="cce"),
        Settings(output=SOFTMAX_OUT, loss="cce"),
        Settings(output=SOFTMAX_OUT),
    ):
        (message,) = field_errors(binary).values()
        assert "3 to 6 classes" in message and "bce" in message
    regression = Settings(dataset="plane", output=SOFTMAX_OUT, loss="cce")
    assert "regression" in " ".join(field_errors(regression).values())
    for output in ("sigmoid", "tanh"):
        bce = Settings(dataset="plane", output=LayerSettings(1, True, output), loss="bce")
        assert field_errors(bce) == {
            "loss": "Binary cross-entropy (bce) is for 0/1 labels; this data has regression targets (from -1 "
            "to 1): choose a tanh or linear output with mse. The network stays as it was."
        }
        with pytest.raises(SettingsError):
            Experiment(bce)
    assert field_errors(Settings(dataset="plane", output=LayerSettings(1, True, "sigmoid"), loss="mse")) == {}
    assert field_errors(replace(spiral, hidden=(LayerSettings(4, True, "softmax"),))) == {
        "hidden.0.activation": "unknown activation 'softmax'"  # softmax is an output's only
    }


def test_the_rules_for_switching_data():
    assert fitted_output(4, "sigmoid", "bce") == ("softmax", "cce")
    assert fitted_output(2, "softmax", "cce") == ("sigmoid", "bce")
    assert fitted_output(None, "softmax", "cce") == ("linear", "mse")
    assert fitted_output(2, "tanh", "mse") == ("tanh", "mse")  # a choice that fits is kept
    # Regression targets (-1 to 1) cannot use binary cross-entropy: a switch to them leaves it.
    assert fitted_output(None, "sigmoid", "bce") == ("linear", "mse")
    assert fitted_output(None, "tanh", "mse") == ("tanh", "mse")
    assert fitted_output(2, "sigmoid", "bce") == ("sigmoid", "bce")
    assert output_error(6, "softmax", "cce") is None and output_error(2, "sigmoid", "bce") is None


def test_softmax_settings_survive_a_file_or_a_link():
    spiral = PRESETS[SPIRAL].settings
    assert settings_from_dict(json.loads(json.dumps(settings_to_dict(spiral)))) == spiral
    assert read_link(link_payload(spiral, [])).settings == spiral
    with pytest.raises(SettingsError, match="3 classes"):  # a link to an impossible set-up: refused
        read_link(link_payload(replace(spiral, loss="bce"), []))


# --- frames: as small as a binary one, and what the browser decodes is the network's class grid ---------


def browser_decode(text: str, n: int) -> np.ndarray:
    """What live_view.js's bytesOf does: base64 → inflate → undo the Sub filter row by row."""
    raw = np.frombuffer(zlib.decompress(base64.b64decode(text)), np.uint8).reshape(n, n)
    return np.cumsum(raw, axis=1, dtype=np.uint64).astype(np.uint8)  # sums mod 256, as the browser's & 255


def test_a_class_frame_carries_the_class_and_confidence_of_every_cell():
    exp = Experiment(PRESETS[SPIRAL].settings)
    exp.train(epochs=60)
    scene, frame = frames.scene(exp), frames.frame(exp)
    assert scene["classes"] == 3 and scene["palette"] == [[230, 159, 0], [0, 114, 178], [0, 158, 115]]
    n, levels = scene["grid"], scene["levels"]
    cells = browser_decode(frame["grid"], n).astype(int)
    with np.errstate(all="ignore"):
        predicted, confidence = class_grid(exp.nn, exp.dataset.box, n, exp.features)
    assert np.array_equal(cells // levels, predicted)
    strength = (confidence - 1 / 3) / (2 / 3)  # chance level 1/3 → step 0, certainty → the top step
    assert np.abs(cells % levels - strength * (levels - 1)).max() <= 0.5 + 1e-3
    assert {row[2] for row in scene["train"]} == {0.0, 1.0, 2.0}  # points carry their class numbers
    binary = Experiment(
        replace(PRESETS[SPIRAL].settings, dataset="spiral", output=LayerSettings(1), loss="bce")
    )
    binary.train(epochs=60)
    assert len(frame["grid"]) < 2 * len(frames.frame(binary)["grid"])  # one byte a cell, as for two classes
    assert "classes" not in frames.scene(binary)


# --- a softmax network in a .nn file and in the inspector --------------------------------------------------


def test_a_softmax_model_round_trips_bit_for_bit_and_the_inspector_shows_its_classes():
    source = Experiment(PRESETS[SPIRAL].settings)
    source.train(epochs=30)
    data = source.model_bytes()
    nn = Network.from_bytes(data)
    assert [p.tobytes() for p in nn.parameters()] == [p.tobytes() for p in source.nn.parameters()]
    assert nn.layers[-1].activation.name == "softmax" and nn.outputs == 3
    again = Experiment(Settings())
    assert again.load_model(data) == source.settings and again.epoch == 30
    assert [p.tobytes() for p in again.nn.parameters()] == [p.tobytes() for p in source.nn.parameters()]
    assert np.array_equal(again.nn.predict(source.X_test), source.nn.predict(source.X_test))
    assert Network.from_bytes(again.model_bytes()).parameters()[0].tobytes() == nn.parameters()[0].tobytes()
    seen = inspect(nn)
    assert seen.boundary is not None and "predicted class of 3" in seen.boundary_note
    ((where, equation),) = [a for a in seen.activations if "softmax" in a[0]]
    assert "not an element-wise f(x)" in where and r"a_i = \frac{e^{z_i}}{\sum_j e^{z_j}}" in equation
    table, problems, _ = insp.outputs_table(nn, [{"x1": 0.0, "x2": 4.0}, {"x1": 3.5, "x2": -2.0}])
    probabilities = nn.predict([[0.0, 4.0], [3.5, -2.0]])
    assert not problems and [list(row)[2:] for row in table] == [["P(class 0)", "P(class 1)", "P(class 2)",
                                                                  "predicted class"]] * 2  # fmt: skip
    assert [[row[f"P(class {k})"] for k in "012"] for row in table] == probabilities.tolist()
    assert [row["predicted class"] for row in table] == [str(k) for k in np.argmax(probabilities, axis=1)]


# --- the page -------------------------------------------------------------------------------------------


def test_choosing_a_multi_class_data_set_gives_a_softmax_output_and_cce(at):
    at.selectbox(key=widget_key("dataset")).set_value("spiral3").run()
    assert not at.exception and not at.error
    exp = at.session_state["playground"].experiment
    assert (
        exp.nn.sizes[-1] == 3 and exp.settings.output.activation == "softmax" and exp.settings.loss == "cce"
    )
    output = at.selectbox(key=layer_key("out", "activation"))
    assert output.value == "softmax" and output.options == ["softmax"]  # nothing else to choose
    assert any("3 units, one a class" in m.value for m in at.markdown)
    assert view_data(at)["scene"]["classes"] == 3
    at.button(key="step").click().run()
    assert not at.exception and view_data(at)["frame"]["accuracy"][0] is not None
    assert [e.label for e in at.expander if "confusion" in e.label] == ["Accuracy and confusion matrix"]
    assert not at.dataframe  # made only when opened
    at.session_state["classes.open"] = True
    at.run()
    train_table = at.dataframe[0].value  # rows: true class; columns: predicted class
    assert list(train_table.columns) == ["true class", "predicted 0", "predicted 1", "predicted 2"]
    assert train_table.iloc[:, 1:].to_numpy().sum() == len(exp.dataset.X_train)

    at.selectbox(key=widget_key("loss")).set_value("bce").run()  # refused, with one message
    assert not at.exception and len(at.error) == 1 and "3 classes" in at.error[0].value
    assert exp.settings.loss == "cce" and exp.nn.sizes[-1] == 3  # the network stays as it was

    at.selectbox(key=widget_key("dataset")).set_value("circle").run()  # back to two classes
    assert not at.exception and not at.error
    assert (
        exp.settings.output.activation == "sigmoid" and exp.settings.loss == "bce" and exp.nn.sizes[-1] == 1
    )
    assert "softmax" not in at.selectbox(key=layer_key("out", "activation")).options
    at.selectbox(key=widget_key("loss")).set_value("cce").run()
    assert len(at.error) == 1 and "3 to 6 classes" in at.error[0].value


def test_choosing_regression_data_leaves_binary_cross_entropy_for_a_linear_output_and_mse(at):
    exp = at.session_state["playground"].experiment
    assert exp.settings.loss == "bce" and exp.settings.output.activation == "sigmoid"  # the default circle
    at.selectbox(key=widget_key("dataset")).set_value("plane").run()
    assert not at.exception and not at.error
    assert (exp.settings.output.activation, exp.settings.loss) == ("linear", "mse")
    at.button(key="step").click().run()
    assert not at.exception and not at.error and exp.epoch > 0
    at.selectbox(key=widget_key("loss")).set_value("bce").run()  # refused, with one message
    assert not at.exception and len(at.error) == 1 and "regression targets" in at.error[0].value
    assert exp.settings.loss == "mse"


def test_a_softmax_model_uploads_and_trains_on(at):
    source = Experiment(PRESETS[BLOBS].settings)
    source.train(epochs=5)
    at.file_uploader(key="upload").set_value(
        ("blobs.nn", source.model_bytes(), "application/octet-stream")
    ).run()
    assert not at.exception and not at.error
    exp = at.session_state["playground"].experiment
    assert exp.settings == source.settings and exp.epoch == 5 and exp.nn.sizes == [2, 6, 5]
    assert at.selectbox(key=layer_key("out", "activation")).value == "softmax"
    at.button(key="step").click().run()
    assert not at.exception and exp.epoch == 6


def test_the_inspector_page_shows_a_softmax_models_formula_classes_and_boundary():
    source = Experiment(PRESETS[SPIRAL].settings)
    source.train(epochs=10)
    at = AppTest.from_file(
        str(Path(APP).with_name("pages") / "model_inspector.py"), default_timeout=120
    ).run()
    at.file_uploader(key="insp.file").set_value(
        ("spiral.nn", source.model_bytes(), "application/octet-stream")
    )
    at.run()
    assert not at.exception and not at.error
    assert any(r"\frac{e^{z_i}}{\sum_j e^{z_j}}" in x.value for x in at.latex)
    assert any("softmax — not an element" in m.value for m in at.markdown)  # (escaped Markdown)
    assert any("predicted class of 3" in c.value for c in at.caption)
    assert any("predicted class" in d.value.columns for d in at.dataframe)
