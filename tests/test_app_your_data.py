"""Your data through the playground page (AppTest): a CSV uploads and trains, every kind of bad CSV gets
its one message and changes nothing, the downloaded CSV and ``.nn`` reopen with the same data, an empty
canvas says there is nothing to train."""

from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest
from test_app import APP, epoch, errors, frame, pg, view_data
from test_your_data import same_data

from nnviz.core.datasets import CUSTOM
from nnviz.playground import your_data

CSV = "text/csv"


@pytest.fixture
def at() -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert not app.exception
    return app


def upload(at: AppTest, name: str, content: bytes) -> None:
    at.file_uploader(key="data.upload").set_value((name, content, CSV)).run()
    assert not at.exception


def two_classes(n: int = 60) -> bytes:
    rng = np.random.default_rng(5)
    rows = [f"{x:.3f},{y:.3f},{'in' if x * x + y * y < 4 else 'out'}" for x, y in rng.uniform(-4, 4, (n, 2))]
    return ("x1,x2,label\n" + "\n".join(rows) + "\n").encode()


def test_a_csv_uploads_fits_the_box_and_trains(at):
    at.button(key="step").click().run()
    upload(at, "rings.csv", two_classes())
    exp = pg(at)
    assert not at.error and exp.settings.dataset == CUSTOM and exp.dataset.class_names == ("in", "out")
    notice = "Your data from `rings.csv`: 60 points (classes in: 11, out: 49); 30 train, 30 test."
    assert [i.value.replace("\\", "") for i in at.info] == [notice]
    assert len(exp.X_train) == 30 and len(exp.X_test) == 30  # split by the sidebar's test share
    assert at.selectbox(key="s.dataset").value == CUSTOM
    scene = view_data(at)["scene"]
    assert len(scene["train"]) == 30 and scene["box"] == list(exp.dataset.box) != [-6, 6, -6, 6]
    assert epoch(at) == 0  # a new run on the new data
    before = frame(at)["loss"][0]
    for n in (1, 2, 3):
        at.button(key="step").click().run()
        assert epoch(at) == n
    assert frame(at)["loss"][0] != before


def test_standardised_upload(at):
    at.toggle(key="data.standardise").set_value(True).run()
    content = b"x1,x2,y\n100,5000,0.5\n200,7000,-0.5\n300,6000,0.25\n"
    upload(at, "big.csv", content)
    d = pg(at).dataset
    X = np.concatenate([d.X_train, d.X_test])
    assert d.kind == "regression" and np.allclose(X.mean(axis=0), 0) and np.allclose(X.std(axis=0), 1)


ROW = b"1.5,2.5,0\n"
BAD = {
    "empty": (b"", "the file is empty"),
    "blank lines only": (b"\n\n  \n", "only blank lines"),
    "an Excel workbook": (b"PK\x03\x04" + bytes(200), "Excel workbook (.xlsx)"),
    "an old Excel file": (b"\xd0\xcf\x11\xe0" + bytes(200), "old Excel workbook (.xls)"),
    "binary": (b"x1,x2,label\n1,2,\x00\x01\n", "binary file"),
    "wrong column count": (b"x1,x2,label\n1,2,0\n3,4\n", "line 3: the line has 2 columns, expected 3"),
    "too few columns": (b"1,2\n3,4\n", "line 1: the line has 2 columns"),
    "non-numeric": (b"x1,x2,label\n1,two,0\n3,4,1\n", "line 2, column x2: 'two' is not a number"),
    "NaN": (b"x1,x2,label\n1,2,0\nnan,4,1\n", "line 3, column x1: 'nan' is not a finite number"),
    "infinity": (b"x1,x2,y\n1,2,0.5\n3,4,inf\n", "line 3, column y: 'inf' is not a finite number"),
    "one class only": (b"x1,x2,label\n1,2,cat\n3,4,cat\n", "every row has the label 'cat'"),
    "too many classes": (
        b"".join(f"{i},{i},{i}\n".encode() for i in range(7)),
        "the labels name 7 classes",
    ),
    "too many rows": (ROW * 10_001, "the file has more than 10000 rows of data"),
    "over 1 MB": (ROW * 110_000, "a data file has at most 1048576 (1 MB)"),
    "a huge line": (b"x1,x2,label\n" + b"1" * 5000 + b",2,0\n", "line 2: the line has 5004 characters"),
}


@pytest.mark.parametrize("kind", list(BAD))
def test_a_bad_csv_gets_its_message_and_changes_nothing(at, kind):
    content, message = BAD[kind]
    at.button(key="step").click().run()
    exp = pg(at)
    data, nn, settings = exp.dataset, exp.nn, exp.settings
    upload(at, f"{kind}.csv", content)
    shown = errors(at).replace("\\", "")  # the message is shown escaped (nnviz.user_text)
    assert shown.startswith("Could not read the data: ") and message in shown, shown
    assert shown.endswith(f"— in `{kind}.csv`") and len(at.error) == 1
    assert exp.dataset is data and exp.nn is nn and exp.settings == settings and epoch(at) == 1
    at.button(key="step").click().run()  # the old data and run go on
    assert epoch(at) == 2 and pg(at).dataset is data


def test_the_downloaded_csv_reloads_to_the_same_data(at):
    upload(at, "rings.csv", two_classes(41))
    own = pg(at).dataset
    at.selectbox(key="s.dataset").set_value("circle").run()
    assert pg(at).dataset.name == "circle"
    upload(at, "again.csv", your_data.to_csv(own))  # what the download button gives
    assert same_data(pg(at).dataset, own)
    circle = pg(at).dataset
    at.selectbox(key="s.dataset").set_value("circle").run()  # a built-in's points download too
    circle = pg(at).dataset
    upload(at, "circle.csv", your_data.to_csv(circle))
    assert same_data(pg(at).dataset, circle) and pg(at).dataset.name == CUSTOM


def test_a_model_with_hand_made_data_reopens_with_it_bit_for_bit(at):
    upload(at, "rings.csv", two_classes(30))
    for _ in range(3):
        at.button(key="step").click().run()
    own, model = pg(at).dataset, pg(at).model_bytes()
    fresh = AppTest.from_file(APP, default_timeout=60).run()
    fresh.file_uploader(key="upload").set_value(("mine.nn", model, "application/octet-stream")).run()
    assert not fresh.exception and not fresh.error
    exp = pg(fresh)
    assert exp.settings.dataset == CUSTOM and same_data(exp.dataset, own) and exp.dataset.box == own.box
    assert epoch(fresh) == 3 and fresh.selectbox(key="s.dataset").value == CUSTOM
    assert len(view_data(fresh)["scene"]["train"]) == len(own.X_train)
    fresh.button(key="step").click().run()
    assert epoch(fresh) == 4


def test_an_empty_canvas_says_there_is_nothing_to_train(at):
    at.button(key="data.empty").click().run()
    exp = pg(at)
    assert exp.settings.dataset == CUSTOM and len(exp.X_train) == 0
    assert any("no training points yet" in i.value for i in at.sidebar.info)
    at.button(key="play").click().run()
    assert not at.exception and not at.session_state["playground"].playing
    assert any("no training points yet" in i.value for i in at.info)
    at.button(key="step").click().run()
    assert epoch(at) == 0 and view_data(at)["scene"]["train"] == []
    (download,) = [b for b in at.get("download_button") if b.proto.label.startswith("Download the data")]
    assert download.proto.disabled  # there, but nothing to download while there are no points


def test_editing_a_built_in_dataset_and_reset_keep_the_points(at):
    n = len(pg(at).X_train)
    at.button(key="data.these").click().run()
    exp = pg(at)
    assert exp.settings.dataset == CUSTOM and len(exp.X_train) == n
    at.button(key="step").click().run()
    at.button(key="reset").click().run()
    at.button(key="new_weights").click().run()
    assert pg(at).settings.dataset == CUSTOM and len(pg(at).X_train) == n and epoch(at) == 0


def test_a_csv_of_three_classes_gets_a_softmax_output_and_trains(at):
    rows = "".join(f"{i % 7},{i // 7},{'abc'[i % 3]}\n" for i in range(42))
    upload(at, "three.csv", rows.encode())
    exp = pg(at)
    assert not at.error and exp.dataset.class_names == ("a", "b", "c")
    assert exp.nn.outputs == 3 and exp.settings.output.activation == "softmax" and exp.settings.loss == "cce"
    assert at.selectbox(key="s.loss").value == "cce"
    at.button(key="step").click().run()
    assert epoch(at) == 1 and not at.exception
    upload(at, "two.csv", two_classes())  # back to two classes: one sigmoid output again
    assert pg(at).nn.outputs == 1 and pg(at).settings.loss == "bce" and not at.error


def test_the_learning_pages_open_on_an_empty_canvas(at):
    at.button(key="data.empty").click().run()
    for name in ("backprop_step_by_step", "model_inspector", "seed_robustness_lab"):
        page = f"pages/{name}.py"
        at.switch_page(page).run()
        assert not at.exception, page
    at.selectbox(key="seed.preset").set_value("playground").run()
    assert not at.exception and "no training points yet" in errors(at)
