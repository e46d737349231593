"""The playground page driven through Streamlit's AppTest: every sidebar control, presets, steps, errors."""

from __future__ import annotations

import gc
import json
import weakref
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from nnviz.core import Network
from nnviz.playground import live
from nnviz.playground.experiment import Experiment
from nnviz.playground.presets import PRESETS
from nnviz.playground.settings import CUSTOM, FIELDS, N_HIDDEN_KEY, Settings, layer_key, widget_key

#: The app's entry: its home page is the playground.
APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture
def at() -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert not app.exception
    return app


def pg(at: AppTest) -> Experiment:
    """The session's experiment, as the learning pages reach it."""
    return at.session_state["playground"].experiment


def view_data(at: AppTest) -> dict:
    """What the live view's component was given on the last run: scene, options, the current frame (the
    page has one live view; its other components, such as the Copy link button, are told apart by name)."""
    (component,) = [c for c in at.get("bidi_component") if c.proto.component_name.endswith("nnviz_live")]
    return json.loads(component.proto.json)


def frame(at: AppTest) -> dict:
    return view_data(at)["frame"]


def epoch(at: AppTest) -> int:
    return frame(at)["epoch"]


def train_loss(at: AppTest) -> float:
    return frame(at)["loss"][0]


def errors(at: AppTest) -> str:
    return " ".join(e.value for e in at.error)


def test_page_loads_with_the_playground_contract(at):
    p = pg(at)
    assert isinstance(p.nn, Network) and p.features == ["x1", "x2"]
    assert p.dataset.name == "xor" and p.settings == Settings()
    assert epoch(at) == 0
    data = view_data(at)  # boundary, loss curve and network diagram, drawn by the browser from these
    assert data["scene"]["sizes"] == p.nn.sizes and len(data["scene"]["train"]) == len(p.dataset.X_train)
    assert data["frame"]["grid"] and data["frame"]["train"] == [[0, round(train_loss(at), 6)]]
    assert data["token"] is None  # nothing streams while paused
    labels = {b.label for b in at.button}
    assert {"Play", "Pause", "Step", "Step batch", "Reset", "New weights"} <= labels
    downloads = {b.label for b in at.get("download_button")}
    assert {"Download .nn", "Download boundary PNG", "NumPy code (.py)", "PyTorch code (.py)"} <= downloads
    assert "ONNX model (.onnx)" in downloads  # onnx is installed with the tests


def test_step_changes_epoch_and_loss(at):
    before = train_loss(at)
    for n in range(1, 4):
        at.button(key="step").click().run()
        assert epoch(at) == n
    assert train_loss(at) != before
    at.button(key="step_batch").click().run()
    assert (frame(at)["batch"], frame(at)["batches"]) == (1, 25)
    assert not at.exception


def test_reset_and_new_weights(at):
    first = [p.copy() for p in pg(at).nn.parameters()]
    at.button(key="step").click().run()
    at.button(key="reset").click().run()
    assert epoch(at) == 0
    assert all(np.array_equal(a, b) for a, b in zip(first, pg(at).nn.parameters()))
    at.button(key="new_weights").click().run()
    assert at.number_input(key="s.weight_seed").value == 1 and pg(at).settings.weight_seed == 1
    assert not all(np.array_equal(a, b) for a, b in zip(first, pg(at).nn.parameters()))


def _other(name: str, value):
    field = FIELDS[name]
    if field.kind == "select":
        return next(o for o in field.options if o != value)
    if field.kind == "toggle":
        return not value
    if field.kind == "features":
        return ["x1", "x2", "x1*x2"]
    if isinstance(value, int):
        return value + int(field.step or 1) * 2
    return round(min(field.hi, value + (field.step or 0.1) * 2), 6)


WIDGET = {"select": "selectbox", "slider": "slider", "number": "number_input", "int": "number_input"}


@pytest.mark.parametrize("name", list(FIELDS))
def test_every_scalar_sidebar_control(at, name):
    field, key = FIELDS[name], widget_key(name)
    if name == "reg_rate":
        at.selectbox(key=widget_key("regularization")).set_value("l2").run()
    getter = {"toggle": at.toggle, "features": at.multiselect}.get(field.kind) or getattr(
        at, WIDGET[field.kind]
    )
    widget = getter(key=key)
    new = _other(name, widget.value)
    widget.set_value(new).run()
    assert not at.exception, at.exception
    got = getattr(pg(at).settings, name)
    assert got == (tuple(new) if field.kind == "features" else new)
    at.button(key="step").click().run()
    assert not at.exception and epoch(at) >= 1


def test_layer_controls(at):
    at.slider(key=N_HIDDEN_KEY).set_value(3).run()
    assert [h.size for h in pg(at).settings.hidden] == [4, 2, 2]
    at.number_input(key=layer_key(2, "size")).set_value(5).run()
    at.checkbox(key=layer_key(1, "bias")).set_value(False).run()
    at.selectbox(key=layer_key(0, "activation")).set_value("relu").run()
    at.selectbox(key=layer_key("out", "activation")).set_value("tanh").run()
    at.checkbox(key=layer_key("out", "bias")).set_value(False).run()
    nn = pg(at).nn
    assert nn.sizes == [2, 4, 2, 5, 1]
    assert nn.layers[1].bias is None and nn.layers[-1].bias is None
    assert nn.layers[0].activation.name == "relu" and nn.layers[-1].activation.name == "tanh"
    at.slider(key=N_HIDDEN_KEY).set_value(0).run()
    assert pg(at).nn.sizes == [2, 1]
    assert not at.exception


def test_custom_formula_shows_latex_and_a_bad_one_an_inline_error(at):
    at.selectbox(key=layer_key(0, "activation")).set_value(CUSTOM).run()
    at.text_input(key=layer_key(0, "formula")).set_value("x/(1+abs(x))").run()
    assert not at.exception and not at.error
    assert any("f'(x)" in latex.value for latex in at.latex)
    good = pg(at).nn
    at.text_input(key=layer_key(0, "formula")).set_value("x +* 2").run()
    assert not at.exception
    assert "Layer 1" in errors(at)
    assert pg(at).nn is good  # the network keeps its previous activations
    at.text_input(key=layer_key(0, "formula")).set_value("__import__('os').system('true')").run()
    assert not at.exception and "Layer 1" in errors(at)


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_applies_in_one_click(at, name):
    at.selectbox(key="preset").set_value(name).run()
    assert not at.exception
    assert pg(at).settings == PRESETS[name].settings
    assert at.selectbox(key="preset").value == "Choose a preset…"
    assert at.slider(key=N_HIDDEN_KEY).value == len(PRESETS[name].settings.hidden)
    at.button(key="step").click().run()
    assert epoch(at) == 1 and not at.exception


def test_corrupt_upload_shows_a_clear_error(at):
    at.button(key="step").click().run()
    nn = pg(at).nn
    at.file_uploader(key="upload").set_value(
        ("broken.nn", b"this is not a model", "application/octet-stream")
    ).run()
    assert not at.exception
    message = errors(at)
    assert message.startswith("Could not load the model") and message.endswith("— in `broken.nn`")
    assert pg(at).nn is nn and epoch(at) == 1


def test_user_text_in_messages_is_shown_literally_and_short(at):
    """A file name or a formula is echoed as typed (a code span, shortened), never rendered as Markdown."""
    at.file_uploader(key="upload").set_value(
        ("[click](http://example.com)__x__.nn", b"junk", "application/octet-stream")
    ).run()
    assert "`[click](http://example.com)__x__.nn`" in errors(at)
    at.selectbox(key=layer_key(0, "activation")).set_value(CUSTOM).run()
    at.text_input(key=layer_key(0, "formula")).input("__import__('os')").run()
    shown = " ".join(e.value for e in at.sidebar.error)
    assert r"\_\_import\_\_" in shown and "`__import__('os')`" in shown  # escaped reason, literal text
    long = "x+" * 240 + "x"
    at.text_input(key=layer_key(0, "formula")).input(long[:400] + "*/").run()
    shown = " ".join(e.value for e in at.sidebar.error)
    assert "…" in shown and long[:400] not in shown and len(shown) < 300  # shortened, the reason first
    assert shown.index("syntax error") < shown.index("`x+x")


def test_upload_a_model_continues_training(at):
    source = Experiment(next(p for n, p in PRESETS.items() if n.endswith("(002)")).settings)
    source.train(epochs=12)
    at.file_uploader(key="upload").set_value(
        ("xor.nn", source.model_bytes(), "application/octet-stream")
    ).run()
    assert not at.exception and not at.error
    assert epoch(at) == 12 and pg(at).settings == source.settings
    assert at.selectbox(key=layer_key(0, "activation")).value == "relu"
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    assert np.array_equal(pg(at).nn.predict(X), source.nn.predict(X))
    at.button(key="step").click().run()
    assert epoch(at) == 13


def test_activation_sent_by_the_activation_lab(at):
    at.session_state["send_activation"] = "gelu"
    at.run()
    assert "send_activation" not in at.session_state
    assert {layer.activation.name for layer in pg(at).nn.layers[:-1]} == {"gelu"}
    assert at.selectbox(key=layer_key(1, "activation")).value == "gelu"
    at.session_state["send_activation"] = "x*tanh(log(1+exp(x)))"
    at.run()
    assert not at.exception
    assert at.selectbox(key=layer_key(0, "activation")).value == CUSTOM
    assert pg(at).nn.layers[0].activation.text == "x*tanh(log(1+exp(x)))"


def test_view_toggles_inspector_and_weight_editor(at):
    for key, option in (("view.test", "show_test"), ("view.discretize", "discretize"), ("view.log", "log")):
        assert view_data(at)["options"][option] is False
        at.toggle(key=key).set_value(True).run()
        assert not at.exception and view_data(at)["options"][option] is True
    at.selectbox(key="inspect.neuron").set_value("Hidden 1 · neuron 2").run()
    assert view_data(at)["options"]["selected"] == [1, 1]
    at.number_input(key="edit.neuron").set_value(2).run()
    at.selectbox(key="edit.source").set_value(1).run()
    at.number_input(key="edit.value").set_value(3.25).run()
    at.button(key="edit.set").click().run()
    assert pg(at).nn.layers[0].weights[1, 1] == 3.25
    assert not at.exception


def test_changing_the_data_keeps_the_trained_run(at):
    at.button(key="step").click().run()
    at.selectbox(key=widget_key("dataset")).set_value("circle").run()
    assert epoch(at) == 0 and len(pg(at).runs) == 1
    at.button(key="restore.0").click().run()
    assert epoch(at) == 1 and at.selectbox(key=widget_key("dataset")).value == "xor"
    assert not at.exception


def test_divergence_shows_a_message(at):
    at.selectbox(key=widget_key("dataset")).set_value("plane").run()
    at.selectbox(key=layer_key("out", "activation")).set_value("linear").run()
    at.selectbox(key=widget_key("loss")).set_value("mse").run()
    at.number_input(key=widget_key("lr")).set_value(10.0).run()
    for _ in range(30):
        at.button(key="step").click().run()
        if at.error:
            break
    assert "diverged" in errors(at) and not at.exception


def test_settings_survive_a_visit_to_another_page(at):
    at.selectbox(key=widget_key("dataset")).set_value("moons").run()
    at.slider(key=N_HIDDEN_KEY).set_value(1).run()
    at.button(key="step").click().run()
    at.switch_page("pages/activation_lab.py").run()  # Streamlit forgets the playground's widgets meanwhile
    at.switch_page("pages/playground.py").run()
    assert not at.exception
    assert pg(at).settings.dataset == "moons" and len(pg(at).settings.hidden) == 1 and epoch(at) == 1


# --- the live view's wiring (as under `streamlit run app.py`, where the frame stream is served) ------------


@pytest.fixture
def streaming(monkeypatch) -> AppTest:
    """The app with the frame stream served; the session's player is paused afterwards."""
    monkeypatch.setattr(live, "serving", lambda: True)
    app = AppTest.from_file(APP, default_timeout=60).run()
    yield app
    app.session_state["playground"].pause()


def test_play_mounts_the_stream_at_a_capped_rate_and_pause_unregisters_it(streaming):
    at = streaming
    at.button(key="play").click().run()
    assert not at.exception
    token = at.session_state["live.token"]
    data = view_data(at)
    assert data["token"] == token and data["path"] == live.PATH and live.maker(token) is not None
    assert 1000 / 31 < data["interval_ms"] < 1000 / 10, "the browser asks for at most ~30 frames a second"
    assert data["frame"]["grid"] and data["run"] == 1
    at.button(key="pause").click().run()
    assert live.maker(token) is None, "Pause must stop serving the session's frames"
    assert view_data(at)["token"] is None  # the still picture is back: nothing streams


def test_a_stream_registration_lasts_no_longer_than_its_session(monkeypatch):
    """A tab closed while playing never pauses: its registration must die with its session's state."""
    monkeypatch.setattr(live, "serving", lambda: True)
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.button(key="play").click().run()
    token = at.session_state["live.token"]
    player = weakref.ref(at.session_state["playground"])
    assert live.maker(token) is not None  # the page did not rerun: still registered
    del at  # the session ends
    gc.collect()
    assert player() is None
    other = live.new_token()
    live.register(other, dict)  # any later registration drops those of sessions that ended
    try:
        assert live.maker(token) is None
    finally:
        live.unregister(other)


def test_the_weight_editor_stays_open_after_set_weight(at):
    """Its open state is the session's (a notice appearing above it used to remount it closed)."""

    def editor():
        (expander,) = [e for e in at.expander if e.label == "Edit a weight"]
        return expander.proto

    assert editor().expanded is False and editor().id.endswith("edit.open")
    at.session_state["edit.open"] = True  # the learner opened it
    at.run()
    at.number_input(key="edit.value").set_value(1.5).run()
    at.button(key="edit.set").click().run()
    assert pg(at).nn.layers[0].weights[0, 0] == 1.5 and "Weight set." in [i.value for i in at.info]
    assert editor().expanded is True


def test_no_input_feature_says_what_to_do(at):
    at.multiselect(key=widget_key("features")).set_value([]).run()
    shown = " ".join(e.value for e in at.sidebar.error).replace("\\", "")  # as rendered: escapes removed
    assert "Input features: pick at least one input feature" in shown
    assert pg(at).settings.features == ("x1", "x2")  # the network keeps its inputs


def test_numbers_typed_out_of_range_are_refused_visibly(at):
    for key, value in (("lr", 0.0), ("lr", 100.0), ("lr", -1.0), ("data_seed", -1)):
        at.number_input(key=widget_key(key)).set_value(value).run()
        shown = " ".join(e.value for e in at.sidebar.error).replace("\\", "")  # as rendered
        assert "allowed" in shown and "The last valid value is kept" in shown, (key, value, shown)
        assert getattr(pg(at).settings, key) == getattr(Settings(), key)  # the last valid value stays
    at.number_input(key=widget_key("lr")).set_value(0.1).run()
    at.number_input(key=widget_key("data_seed")).set_value(3).run()
    assert not at.sidebar.error and pg(at).settings.lr == 0.1


def test_step_warns_while_the_loss_explodes_and_then_says_where_it_diverged(at):
    at.selectbox(key="preset").set_value("Learning rate too high (diverges)").run()
    at.button(key="step").click().run()
    assert "The loss is exploding" in " ".join(w.value for w in at.warning)
    assert frame(at)["warning"] and "exploding" in frame(at)["warning"]
    for _ in range(30):
        at.button(key="step").click().run()
        if at.error:
            break
    assert f"diverged in epoch {epoch(at) + 1}:" in errors(at)
    assert f"after epoch {epoch(at)} (loss {train_loss(at):.3g})" in errors(at)


def test_every_upload_takes_the_largest_valid_file_and_not_much_more(at):
    """Streamlit's default lets 200 MB into the server's memory for any file; each uploader is bounded by
    its format's largest file instead (rounded up to whole megabytes, which Streamlit counts as 10⁶ or 2²⁰
    bytes depending on the platform)."""
    from nnviz.core import data_csv, nnfile

    limits = {u.proto.label: u.proto.max_upload_size_mb for u in at.get("file_uploader")}
    largest = {
        "Upload a .nn model": nnfile.MAX_FILE_BYTES,
        "Upload a CSV (x1, x2, label or y)": data_csv.MAX_FILE_BYTES,
    }
    assert limits.keys() == largest.keys()
    for label, mb in limits.items():
        assert largest[label] <= mb * 1e6 < largest[label] + 1e6, label
