"""The model inspector page (issue 12): the model and settings kept for the session, empty new input rows
ignored, file names shown literally, big and deep models summarised and computed once, heatmaps readable."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
from figure_checks import overlapping_tick_labels, png_size
from streamlit.testing.v1 import AppTest

import nnviz.drawing.figures as figures
from nnviz.core import Network
from nnviz.lessons import model_inspector as insp

ROOT = Path(__file__).resolve().parents[1]
NN_TYPE = "application/octet-stream"


def page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "model_inspector.py"), default_timeout=120).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def xor_model() -> bytes:
    nn = Network.from_sizes([2, 3, 1], "tanh", "sigmoid", seed=4)
    nn.metadata = {"dataset": "xor", "epoch": 3, "loss_history": [0.7, 0.6, 0.5]}
    return nn.to_bytes()


def deep_model() -> bytes:
    """64 layers of one unit (the issue's ~10 s model: one Matplotlib figure per layer on every rerun)."""
    nn = Network(2, [(1, True, "tanh")] * 63 + [(1, True, "sigmoid")], seed=0)
    nn.metadata = {"dataset": "xor"}
    return nn.to_bytes()


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader(key="insp.file").set_value((name, data, NN_TYPE)).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_the_model_and_the_source_last_while_the_learner_visits_other_pages():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page("pages/model_inspector.py").run()
    upload(at, "xor.nn", xor_model())
    at.switch_page("pages/why_xor_needs_a_hidden_layer.py").run()
    at.switch_page("pages/model_inspector.py").run()
    assert not at.exception and not errors(at)
    assert "2 inputs → 3 tanh → 1 sigmoid" in " ".join(m.value for m in at.markdown)
    assert any("uploaded earlier in this session" in c.value for c in at.caption)
    assert len(at.dataframe[-1].value) == 4  # the outputs are there too
    at.radio(key="insp.source").set_value("The playground's network").run()
    at.switch_page("pages/why_xor_needs_a_hidden_layer.py").run()
    at.switch_page("pages/model_inspector.py").run()
    assert at.radio(key="insp.source").value == "The playground's network"
    at.radio(key="insp.source").set_value("Upload a .nn file").run()
    at.button(key="insp.forget").click().run()
    assert not at.exception and "Upload a `.nn` file" in at.info[0].value


def test_typed_inputs_last_while_the_learner_visits_other_pages():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page("pages/model_inspector.py").run()
    upload(at, "xor.nn", xor_model())
    at.session_state["insp.inputs"] = {
        "edited_rows": {0: {"x1": 0.25}},
        "added_rows": [{"x1": 2.0, "x2": -1.0}],
        "deleted_rows": [],
    }
    at.run()
    at.switch_page("pages/why_xor_needs_a_hidden_layer.py").run()
    at.switch_page("pages/model_inspector.py").run()
    outputs = at.dataframe[-1].value
    assert outputs["x1"].tolist() == [0.25, 0.0, 1.0, 1.0, 2.0] and outputs["x2"].tolist()[-1] == -1.0


def test_an_empty_new_row_is_ignored_until_filled():
    at = upload(page(), "xor.nn", xor_model())
    at.session_state["insp.inputs"] = {"edited_rows": {}, "added_rows": [{}], "deleted_rows": []}
    at.run()
    assert not at.exception and not errors(at)
    assert len(at.dataframe[-1].value) == 4
    assert any("1 empty row ignored until filled" in c.value for c in at.caption)
    at.session_state["insp.inputs"] = {"edited_rows": {}, "added_rows": [{"x1": 0.5}], "deleted_rows": []}
    at.run()
    assert not at.exception and errors(at) == ["row 5, column x2 is empty: type a number"]
    assert len(at.dataframe[-1].value) == 4  # the other rows' outputs stay
    at.session_state["insp.inputs"] = {
        "edited_rows": {},
        "added_rows": [{"x1": 0.5, "x2": 0.5}],
        "deleted_rows": [],
    }
    at.run()
    assert not errors(at) and len(at.dataframe[-1].value) == 5


def test_file_names_are_shown_literally():
    at = upload(page(), "[x](http://a) `x`.nn", b"this is not a model")
    shown = errors(at)[0]
    assert shown.startswith("This file cannot be read: ")  # the reason first
    assert "``[x](http://a) `x`.nn``" in shown  # code formatting, a fence the name cannot close: no link
    upload(at, "*bold* `tick`.nn", xor_model())
    assert any("``*bold* `tick`.nn``" in c.value for c in at.caption)  # a fence longer than the name's


def counted_inspections(monkeypatch) -> list:
    """Every network the page inspects (``insp.inspect`` still does the work), in a list."""
    made = []
    inspect = insp.inspect

    def counting(nn):
        made.append(nn)
        return inspect(nn)

    monkeypatch.setattr(insp, "inspect", counting)
    return made


def test_each_uploaded_file_is_computed_once(monkeypatch):
    made = counted_inspections(monkeypatch)
    data = xor_model()  # made once: a file records when it was written
    at = upload(page(), "xor.nn", data)
    at.run()
    at.run()
    at.radio(key="insp.source").set_value("The playground's network").run()
    at.radio(key="insp.source").set_value("Upload a .nn file").run()
    upload(at, "same bytes, other name.nn", data)
    assert not at.exception and not errors(at)
    assert len(made) == 1


def test_a_deep_model_draws_a_group_of_layers_at_a_time(monkeypatch):
    drawn = []

    def counting(*args, **kwargs):
        drawn.append(args[1])
        return heatmap(*args, **kwargs)

    heatmap = insp.heatmap_figure
    monkeypatch.setattr(insp, "heatmap_figure", counting)
    at = upload(page(), "deep.nn", deep_model())
    at.run()
    assert not errors(at)
    assert len(drawn) == insp.LAYERS_PER_GROUP  # not 64 figures, and not again on the rerun
    stats = next(d.value for d in at.dataframe if "mean" in d.value.columns)
    assert len(stats) == 64  # every layer's statistics
    at.selectbox(key="insp.group").set_value(1).run()
    assert not at.exception and drawn[-1].startswith("layer 18 ")


def test_big_layers_are_summarised_and_their_heatmaps_stay_readable():
    nn = Network(2, [(2048, True, "tanh"), (300, True, "tanh"), (1, True, "sigmoid")], seed=0)
    picture = insp.layer_picture(0, nn)  # (2048, 2): once a heatmap ~129,000 px tall
    width, height = png_size(picture.heatmap)
    assert height <= 1600 and width <= 1600
    assert picture.histogram is not None and "40 of 2048 units" in picture.caption
    picture = insp.layer_picture(1, nn)  # (300, 2048)
    assert max(png_size(picture.heatmap)) <= 2000 and picture.wide


def test_a_wide_heatmap_has_cells_and_labels_that_can_be_read():
    weights = np.random.default_rng(0).normal(size=(8, 50))
    fig = figures.heatmap_figure(weights, "layer 1 (tanh): W of shape (8, 50)", annotate=False)
    assert overlapping_tick_labels(fig) == []
    ax = fig.axes[0]
    fig.canvas.draw()
    box = ax.get_window_extent()
    assert box.width / 50 >= 15 and box.height / 8 >= 15  # pixels per cell at the figure's 100 dpi
    rows, cols = insp.sample(2048, insp.MAX_ROWS_DRAWN), insp.sample(2048, insp.MAX_COLS_DRAWN)
    sampled = np.random.default_rng(1).normal(size=(len(rows), len(cols)))
    big = figures.heatmap_figure(sampled, "layer 2", annotate=False, rows=rows, cols=cols)
    assert overlapping_tick_labels(big) == []  # four-digit unit numbers
    small = figures.heatmap_figure(weights[:3, :2], "small", annotate=True)
    cell = small.axes[0].get_window_extent()
    assert cell.width / 2 >= 40  # room for a number such as -0.12 in each cell


def test_the_playgrounds_network_is_computed_once_while_it_does_not_change(monkeypatch):
    import datetime
    import types

    import nnviz.core.nnfile as nnfile

    class Clock:  # every .nn file written says it was written a second after the last one
        ticks = itertools.count()

        @classmethod
        def now(cls, tz=None):
            return datetime.datetime(2026, 1, 1, tzinfo=tz) + datetime.timedelta(seconds=next(cls.ticks))

    monkeypatch.setattr(nnfile, "datetime", types.SimpleNamespace(datetime=Clock, UTC=datetime.UTC))
    made = counted_inspections(monkeypatch)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page("pages/model_inspector.py").run()
    at.radio(key="insp.source").set_value("The playground's network").run()
    at.run()
    at.run()
    assert not at.exception and not errors(at) and len(made) == 1
    nn = at.session_state["playground"].experiment.nn
    assert insp.network_key(nn.copy()) == insp.network_key(nn)
    changed = nn.copy()
    changed.layers[0].weights[0, 0] += 1e-9
    assert insp.network_key(changed) != insp.network_key(nn)


def test_the_upload_takes_the_largest_model_file_and_not_much_more():
    """Bounded like the playground's model upload (see test_app), not Streamlit's default 200 MB."""
    from nnviz.core.nnfile import MAX_FILE_BYTES

    (uploader,) = page().get("file_uploader")
    assert MAX_FILE_BYTES <= uploader.proto.max_upload_size_mb * 1e6 < MAX_FILE_BYTES + 1e6
