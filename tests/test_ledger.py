"""The session's runs (nnviz.playground.ledger): every run kept, bounded memory, Same start, labels by what
differed, the overlay data for the loss chart, and the CSV."""

from __future__ import annotations

import base64
import csv
import io
import re
import warnings
import xml.etree.ElementTree as ET
from dataclasses import replace

import numpy as np
import pytest
from PIL import Image

from nnviz.core import Layer, Network
from nnviz.core.datasets import Dataset
from nnviz.playground import frames
from nnviz.playground.experiment import Experiment
from nnviz.playground.ledger import (
    HISTORY_POINTS,
    MAX_DRAWN,
    Ledger,
    RunRecord,
    RunStart,
    boundary_picture,
    ledger_csv,
    run_row,
    summary_rows,
    thinned,
)
from nnviz.playground.loss_log import LossLog
from nnviz.playground.settings import FIELDS, LayerSettings, Settings, SettingsError
from nnviz.playground.snapshots import Metrics
from nnviz.playground.wording import difference

SMALL = replace(Settings(), dataset="xor_table", hidden=(LayerSettings(2),), batch_size=0, lr=0.5)


def weights(nn) -> list[np.ndarray]:
    return [p.copy() for p in nn.parameters()]


def same(a, b) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a, b))


def test_every_way_a_run_ends_keeps_it_in_the_ledger():
    pg = Experiment(SMALL)
    assert pg.start.number == 1 and pg.ledger.records == []
    pg.train(epochs=3)
    pg.reset()  # 1 ends; 2 shares its start
    pg.train(epochs=2)
    pg.same_start(replace(pg.settings, optimizer="adam"))  # 2 ends; 3 shares the start of 1
    pg.train(epochs=4)
    pg.apply(replace(pg.settings, hidden=(LayerSettings(3),)))  # a rebuild: 3 ends
    pg.train(epochs=1)
    pg.new_weights()  # the next seed, a rebuild: 4 ends
    pg.train(epochs=1)
    pg.load_model(pg.model_bytes())  # an upload: 5 ends, 6 starts from the file
    records = pg.ledger.records
    assert [(r.number, r.epochs, r.start.same_as) for r in records] == [
        (1, 3, None),
        (2, 2, 1),
        (3, 4, 1),
        (4, 1, None),
        (5, 1, None),
    ]
    assert records[2].settings.optimizer == "adam" and records[1].settings.optimizer == "sgd"
    assert pg.start.number == 6 and pg.start.origin == "file" and not pg.start.reproducible


def test_an_untrained_run_is_not_kept_and_keeps_its_number():
    pg = Experiment(SMALL)
    pg.reset()
    pg.same_start(replace(pg.settings, lr=0.1))
    assert pg.ledger.records == [] and pg.start.number == 1 and pg.settings.lr == 0.1


def test_a_record_holds_the_runs_settings_losses_and_final_numbers():
    pg = Experiment(SMALL)
    pg.train(epochs=5)
    m = pg.metrics()
    trained = weights(pg.nn)
    pg.reset()
    (record,) = pg.ledger.records
    assert record.settings == SMALL and record.epochs == 5
    assert (record.final.train_loss, record.final.test_loss, record.final.train_accuracy) == (
        m.train_loss,
        m.test_loss,
        m.train_accuracy,
    )
    assert record.train_log.arrays()[0].tolist() == [0, 1, 2, 3, 4, 5]
    assert same(weights(record.nn), trained) and record.nn is not pg.nn


def test_same_start_trains_from_the_same_weights_and_data_with_other_training_settings():
    pg = Experiment(replace(Settings(), shuffle=True, batch_size=10))
    start, data = weights(pg.nn), pg.X_train.copy()
    pg.train(epochs=20)
    first = weights(pg.nn)
    pg.same_start(replace(pg.settings, optimizer="adam", lr=0.01, batch_size=25))
    assert same(weights(pg.nn), start) and np.array_equal(pg.X_train, data) and pg.epoch == 0
    assert (pg.trainer.batch_size, type(pg.trainer.optimizer).__name__) == (25, "Adam")
    pg.train(epochs=20)
    assert not same(weights(pg.nn), first)
    # and the same settings again from the same start give the first run exactly (shuffling included)
    pg.same_start(replace(pg.settings, optimizer="sgd", lr=0.03, batch_size=10))
    pg.train(epochs=20)
    assert same(weights(pg.nn), first)


@pytest.mark.parametrize(
    "change",
    [{"dataset": "circle"}, {"hidden": (LayerSettings(3),)}, {"weight_seed": 4}, {"features": ("x1",)}],
)
def test_same_start_refuses_a_change_of_the_data_or_the_network_and_changes_nothing(change):
    pg = Experiment(SMALL)
    pg.train(epochs=3)
    before = (pg.settings, pg.epoch, weights(pg.nn))
    with pytest.raises(SettingsError, match="change training settings only"):
        pg.same_start(replace(pg.settings, lr=0.1, **change))
    assert (pg.settings, pg.epoch) == before[:2] and same(weights(pg.nn), before[2])
    assert pg.ledger.records == []


def test_same_start_refuses_an_invalid_training_setting():
    pg = Experiment(SMALL)
    with pytest.raises(SettingsError) as info:
        pg.same_start(replace(pg.settings, lr=50.0))
    assert "lr" in info.value.errors and pg.settings == SMALL


def test_what_shaped_a_run_besides_its_settings_is_noted():
    pg = Experiment(SMALL)
    assert pg.start.reproducible
    pg.apply(replace(pg.settings, lr=0.2))  # before any training: still the run its settings make
    assert pg.start.reproducible
    pg.train(epochs=2)
    pg.apply(replace(pg.settings, lr=0.1))
    pg.set_weight(0, 0, 0, 0.5)
    assert pg.start.notes == ["training settings changed at epoch 2", "a weight edited at epoch 2"]
    assert not pg.start.reproducible
    pg.reset()  # back to the start: nothing but the settings shapes the new run
    assert pg.start.reproducible and pg.ledger.records[0].start.notes == pg.ledger.records[0].start.notes[:2]


def test_a_restored_run_leaves_the_ledger_and_comes_back_to_it_when_it_ends():
    pg = Experiment(SMALL)
    pg.train(epochs=3)
    pg.apply(replace(pg.settings, hidden=(LayerSettings(3),)))
    pg.train(epochs=1)
    assert [r.number for r in pg.ledger.records] == [1]
    pg.restore(0)
    assert pg.start.number == 1 and [r.number for r in pg.ledger.records] == [2]
    pg.train(epochs=2)
    pg.reset()
    assert [(r.number, r.epochs) for r in pg.ledger.records] == [(2, 1), (1, 5)]


def test_the_ledger_is_bounded_and_keeps_networks_only_for_the_newest_runs():
    pg = Experiment(SMALL)
    pg.ledger.most, pg.ledger.drawn = 6, 2
    for _ in range(9):
        pg.train(epochs=1)
        pg.reset()
    records = pg.ledger.records
    assert [r.number for r in records] == [4, 5, 6, 7, 8, 9]
    assert [r.nn is not None for r in records] == [False] * 4 + [True] * 2
    assert MAX_DRAWN >= 2


def test_a_kept_history_is_thinned_with_its_last_point_exact():
    log = LossLog()
    for epoch in range(5001):
        log.add(epoch, 1.0 / (epoch + 1))
    small = thinned(log)
    epochs, values = small.arrays()
    assert len(epochs) <= HISTORY_POINTS + 2 and epochs[0] == 0
    assert (epochs[-1], values[-1]) == (5000, 1.0 / 5001)
    assert np.all(np.diff(epochs[:-1]) == np.diff(epochs[:-1])[0])  # evenly spaced


def test_a_run_is_labelled_by_what_it_set_differently():
    current = replace(SMALL, lr=0.1, optimizer="adam")
    assert difference(replace(current, lr=0.03), current) == "learning rate 0.03"
    assert (
        difference(replace(current, optimizer="sgd", batch_size=10), current)
        == "optimizer sgd, batch size 10"
    )
    assert (
        difference(replace(current, batch_size=0), replace(current, batch_size=8)) == "batch size full batch"
    )
    assert (
        difference(replace(current, hidden=(LayerSettings(4, False, "relu"),)), current)
        == "4 relu no bias → sigmoid"
    )
    assert difference(current, current) == "same settings"


def test_the_overlays_are_earlier_runs_curves_labelled_for_the_chart():
    pg = Experiment(SMALL)
    pg.train(epochs=600)
    pg.same_start(replace(pg.settings, lr=0.1))
    pg.train(epochs=3)
    (curve,) = frames.overlays(pg.ledger.records, pg.settings)
    assert curve["label"] == "#1 · learning rate 0.5"
    epochs = [e for e, _ in curve["train"]]
    assert len(epochs) <= frames.OVERLAY_POINTS and epochs[0] == 0 and epochs[-1] == 600
    assert curve["train"][-1][1] == round(pg.ledger.records[0].train_log.last[1], 6)


def test_the_csv_has_one_row_per_run_with_every_setting_and_the_final_numbers():
    pg = Experiment(replace(SMALL, hidden=(LayerSettings(3, True, "custom", "x/(1+abs(x))"),)))
    pg.train(epochs=4)
    pg.same_start(replace(pg.settings, optimizer="momentum"))
    pg.train(epochs=2)
    current = pg.record()
    rows = list(csv.DictReader(io.StringIO(ledger_csv([*pg.ledger.records, current], current.number))))
    assert [row["run"] for row in rows] == ["1", "2"] and [row["current"] for row in rows] == ["", "yes"]
    assert (
        set(FIELDS) <= set(rows[0]) and rows[1]["optimizer"] == "momentum" and rows[0]["optimizer"] == "sgd"
    )
    assert rows[0]["epochs"] == "4" and rows[1]["same start as"] == "1"
    assert float(rows[1]["train loss"]) == current.final.train_loss
    assert float(rows[0]["train accuracy"]) == pg.ledger.records[0].final.train_accuracy
    assert rows[0]["hidden layers"] == "3 [x/(1+abs(x))]" and rows[0]["output"] == "sigmoid"
    assert rows[0]["features"] == "x1 x2" and rows[0]["initial weights"] == "seed 0"


def test_the_table_shows_the_current_run_first_then_the_newest():
    pg = Experiment(SMALL)
    for lr in (0.1, 0.2):
        pg.train(epochs=1)
        pg.same_start(replace(pg.settings, lr=lr))
    rows = summary_rows(pg.ledger.records, pg.record())
    assert [row["run"] for row in rows] == ["#3 (this one)", "#2", "#1"]
    assert [row["set differently"] for row in rows] == ["", "learning rate 0.1", "learning rate 0.5"]
    assert rows[1]["initial weights"] == "seed 0, as #1"


def test_records_are_copies_that_the_run_going_on_does_not_change():
    pg = Experiment(SMALL)
    pg.train(epochs=2)
    record = RunRecord.of(pg.start, pg.settings, (pg.train_log, pg.test_log), pg.metrics(), pg.nn)
    pg.set_weight(0, 0, 0, 9.0)
    pg.train(epochs=2)
    assert record.epochs == 2 and record.train_log.last[0] == 2 and record.start.notes == []
    assert record.nn.layers[0].weights[0, 0] != 9.0


def test_the_ledger_finds_a_kept_run_by_its_number_and_nothing_for_another():
    pg = Experiment(SMALL)
    for _ in range(3):
        pg.train(epochs=1)
        pg.reset()
    first, second, third = pg.ledger.records
    assert (first.number, second.number, third.number) == (1, 2, 3)
    assert pg.ledger.get(2) is second and pg.ledger.get(3) is third and pg.ledger.get(1) is first
    assert pg.ledger.get(4) is None  # the run going on is not in the ledger
    assert pg.ledger.get(0) is None and pg.ledger.get(99) is None
    pg.ledger.take(2)
    assert pg.ledger.get(2) is None and pg.ledger.get(3) is third


# --- records made by hand: each column and each cell exactly -------------------------------------------


def made_record(number: int, settings: Settings = SMALL, *, start: RunStart | None = None, final=None):
    """A record without training: a two-point history, the given final numbers."""
    log = LossLog()
    log.add(0, 1.0)
    log.add(3, 0.5)
    final = final or Metrics(3, 0, 1, 0.25, 0.5, 0.75, 0.625)
    return RunRecord(start or RunStart(number), settings, 3, log, log, final, None)


def test_a_note_is_kept_once_and_only_the_first_four_notes_are_kept():
    start = RunStart(1)
    start.note("a weight edited at epoch 2")
    start.note("a weight edited at epoch 2")
    assert start.notes == ["a weight edited at epoch 2"]
    for text in ("b", "c", "d", "e", "f"):
        start.note(text)
    assert start.notes == ["a weight edited at epoch 2", "b", "c", "d"]
    start.note("a weight edited at epoch 2")
    assert len(start.notes) == 4


def test_a_record_keeps_both_thinned_histories_train_and_test():
    pg = Experiment(SMALL)
    pg.train(epochs=3)
    record = RunRecord.of(pg.start, pg.settings, (pg.train_log, pg.test_log), pg.metrics(), pg.nn)
    train_epochs, train_values = pg.train_log.arrays()
    test_epochs, test_values = pg.test_log.arrays()
    assert record.train_log.arrays()[0].tolist() == train_epochs.tolist() == [0, 1, 2, 3]
    assert record.test_log.arrays()[0].tolist() == test_epochs.tolist() == [0, 3]  # measured less often
    assert record.test_log.arrays()[1].tolist() == test_values.tolist()
    assert record.train_log.arrays()[1].tolist() == train_values.tolist()


def test_keeping_a_run_again_replaces_its_older_record():
    ledger = Ledger()
    first, other, again = made_record(1), made_record(2), made_record(1)
    ledger.keep(first)
    ledger.keep(other)
    ledger.keep(again)
    assert len(ledger.records) == 2 and ledger.records[0] is other and ledger.records[1] is again


def test_a_run_row_writes_every_cell_as_the_csv_shows_it():
    settings = replace(
        SMALL, weight_seed=7, hidden=(LayerSettings(4, True, "tanh"), LayerSettings(2, False, "relu"))
    )
    start = RunStart(5, "seed", None, ["training settings changed at epoch 2", "a weight edited at epoch 3"])
    nan_final = Metrics(3, 0, 1, float("nan"), float("inf"), None, 0.75)
    row = run_row(made_record(5, settings, start=start, final=nan_final))
    assert row["run"] == 5 and row["current"] == "" and row["initial weights"] == "seed 7"
    assert row["same start as"] == "" and row["epochs"] == 3
    assert row["hidden layers"] == "4 tanh; 2 relu no bias" and row["output"] == "sigmoid"
    assert row["train loss"] == "" and row["test loss"] == "" and row["train accuracy"] == ""
    assert row["test accuracy"] == "0.75"
    assert row["notes"] == "training settings changed at epoch 2; a weight edited at epoch 3"
    assert row["features"] == "x1 x2" and row["lr"] == "0.5"
    assert run_row(made_record(5, settings, start=start), current=True)["current"] == "yes"
    minus_infinity = Metrics(3, 0, 1, float("-inf"), 0.5, 1.0, 0.0)
    row = run_row(made_record(5, settings, final=minus_infinity))
    assert (row["train loss"], row["test loss"], row["train accuracy"], row["test accuracy"]) == (
        "",
        "0.5",
        "1.0",
        "0.0",
    )
    assert row["notes"] == ""


def test_a_run_row_of_an_uploaded_network_says_so_and_names_the_run_it_shares_a_start_with():
    row = run_row(made_record(4, start=RunStart(4, "file", 2)))
    assert row["initial weights"] == "uploaded file" and row["same start as"] == 2


def test_the_tables_rows_have_exactly_their_columns_and_values():
    current = made_record(
        3, replace(SMALL, lr=0.5), start=RunStart(3, "file"), final=Metrics(9, 0, 1, 0.1, 0.2, 0.9, 0.8)
    )
    shared = made_record(2, replace(SMALL, lr=0.1), start=RunStart(2, "seed", 1))
    first = made_record(1, replace(SMALL, lr=0.5), final=Metrics(3, 0, 1, 0.3, 0.4, 0.5, None))
    rows = summary_rows([first, shared], current)
    assert rows == [
        {
            "run": "#3 (this one)",
            "set differently": "",
            "initial weights": "uploaded file",
            "epochs": 3,
            "train loss": 0.1,
            "test loss": 0.2,
            "test accuracy": 0.8,
        },
        {
            "run": "#2",
            "set differently": "learning rate 0.1",
            "initial weights": "seed 0, as #1",
            "epochs": 3,
            "train loss": 0.25,
            "test loss": 0.5,
            "test accuracy": 0.625,
        },
        {
            "run": "#1",
            "set differently": "same settings",
            "initial weights": "seed 0",
            "epochs": 3,
            "train loss": 0.3,
            "test loss": 0.4,
            "test accuracy": None,
        },
    ]


SVG = "{http://www.w3.org/2000/svg}"


def picture_pixels(svg: str) -> np.ndarray:
    image = ET.fromstring(svg).find(f".//{SVG}image")
    data = base64.b64decode(image.get("href").split(",", 1)[1])
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(int)


def toward_white(rgb) -> np.ndarray:
    """A colour 35 % of the way to white, as the picture's background is lightened."""
    return np.array([c + (255 - c) * 0.35 for c in rgb])


def two_classes() -> Dataset:
    X_train = np.array([[-0.5, 0.5], [0.5, -0.5], [0.0, 0.9]])
    y_train = np.array([[1.0], [0.0], [1.0]])
    X_test, y_test = np.array([[0.2, 0.2], [-0.2, -0.2]]), np.array([[1.0], [0.0]])
    return Dataset("circle", "classification", (-1.0, 1.0, -1.0, 1.0), X_train, y_train, X_test, y_test)


def test_a_runs_boundary_picture_maps_the_network_through_its_features_over_the_training_points():
    nn = Network(1, [Layer(1, 1, True, "sigmoid", [[20.0]])])  # its one input is the feature x2
    svg = boundary_picture(nn, two_classes(), ("x2",))
    root = ET.fromstring(svg)
    assert root.get("width") == "340"
    rgb = picture_pixels(svg)
    assert rgb.shape == (100, 100, 3)  # a 100 x 100 grid
    assert (rgb == rgb[:, :1]).all()  # each row one colour: the output depends on x2 only
    blue, orange = (8, 119, 189), (245, 147, 34)  # the colour scale's 1 and 0
    assert np.abs(rgb[0, 0] - toward_white(blue)).max() <= 2  # x2 near 1 (the top): output near 1
    assert np.abs(rgb[-1, 0] - toward_white(orange)).max() <= 2  # x2 near -1: output near 0
    # the three training points with white rims, and no test points
    (rims,) = root.findall(f".//{SVG}path[@class='rims']")
    assert len(re.findall("M", rims.get("d"))) == 3
    assert {path.get("stroke") for path in root.findall(f".//{SVG}path[@class='points']")} == {"#ffffff"}
    assert ET.fromstring(boundary_picture(nn, two_classes(), ("x2",), size=200)).get("width") == "200"


def test_a_runs_boundary_picture_of_three_classes_colours_them():
    data = Dataset(
        "blobs3",
        "classification",
        (-1.0, 1.0, -1.0, 1.0),
        np.array([[-0.5, 0.0], [0.5, 0.0]]),
        np.array([[0.0], [2.0]]),
        np.zeros((0, 2)),
        np.zeros((0, 1)),
        ("a", "b", "c"),
    )
    nn = Network(1, [Layer(1, 3, True, "softmax", [[-20.0], [0.0], [20.0]])])  # x1 < 0: class 0, > 0: class 2
    rgb = picture_pixels(boundary_picture(nn, data, ("x1",)))
    assert np.abs(rgb[50, 0] - toward_white((0xE6, 0x9F, 0x00))).max() <= 2  # Okabe-Ito orange
    assert np.abs(rgb[50, -1] - toward_white((0x00, 0x9E, 0x73))).max() <= 2  # bluish green


def test_a_runs_boundary_picture_of_overflowing_weights_is_drawn_mid_grey_without_a_warning():
    huge = [[1e300, 1e300], [1e300, 1e300]]
    nn = Network(2, [Layer(2, 2, True, "linear", huge), Layer(2, 1, True, "sigmoid", [[1e300, -1e300]])])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rgb = picture_pixels(boundary_picture(nn, two_classes(), ("x1", "x2")))
    # the colour scale's middle, 232, 234, 235, lightened: 240, 241, 242
    assert np.abs(rgb - np.array([240, 241, 242])).max() <= 1
