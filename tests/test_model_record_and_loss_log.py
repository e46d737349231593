"""What the playground writes into a model file's metadata and reads back from any file (ModelRecord),
and the bounded loss history behind its curves (LossLog)."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.model_file import APP, MAX_CURVE, Curve, ModelRecord
from nnviz.playground.loss_log import LossLog

# --- ModelRecord: writing ------------------------------------------------------------------------------


def test_a_full_record_in_the_documented_layout():
    record = ModelRecord(
        dataset="xor",
        epoch=3,
        train_loss=Curve((0, 1, 3), (0.7, 0.5, 0.25)),
        test_loss=Curve((0, 3), (0.8, 0.3)),
        settings={"lr": 0.1},
        features=("x1", "x2"),
    )
    assert record.to_metadata() == {
        "dataset": "xor",
        "epoch": 3,
        "loss_history": [0.7, 0.5, 0.25],
        "training": {
            "app": "nnviz playground",
            "loss_epochs": [0, 1, 3],
            "settings": {"lr": 0.1},
            "features": ["x1", "x2"],
            "test_loss": {"epochs": [0, 3], "values": [0.8, 0.3]},
        },
    }
    assert APP == "nnviz playground"
    assert ModelRecord.from_metadata(record.to_metadata()) == record


def test_an_empty_record_writes_only_the_app_and_reads_back_empty():
    assert ModelRecord().to_metadata() == {"training": {"app": "nnviz playground"}}
    assert ModelRecord.from_metadata(ModelRecord().to_metadata()) == ModelRecord()
    assert ModelRecord(epoch=0).to_metadata() == {"epoch": 0, "training": {"app": "nnviz playground"}}


# --- ModelRecord: reading untrusted metadata ----------------------------------------------------------


@pytest.mark.parametrize("meta", [None, [], "x", 3, {"training": "junk"}, {"training": []}])
def test_metadata_of_any_shape_reads_as_absent_fields(meta):
    assert ModelRecord.from_metadata(meta) == ModelRecord()


def test_fields_of_the_wrong_type_read_as_absent():
    meta = {
        "dataset": 5,
        "epoch": -1,
        "loss_history": "junk",
        "training": {"settings": ["lr"], "features": ["x1", 2], "test_loss": "junk"},
    }
    assert ModelRecord.from_metadata(meta) == ModelRecord()
    assert ModelRecord.from_metadata({"epoch": True}).epoch is None
    assert ModelRecord.from_metadata({"epoch": 2.0}).epoch is None
    assert ModelRecord.from_metadata({"epoch": 0}).epoch == 0
    assert ModelRecord.from_metadata({"training": {"features": []}}).features is None
    assert ModelRecord.from_metadata({"training": {"features": "x1"}}).features is None
    assert ModelRecord.from_metadata({"training": {"settings": {"lr": 1}}}).settings == {"lr": 1}


def test_a_loss_history_without_its_epochs_is_numbered_from_one():
    record = ModelRecord.from_metadata({"loss_history": [0.5, 0.25, 0.125]})
    assert record.train_loss == Curve((1, 2, 3), (0.5, 0.25, 0.125))
    mismatched = {"loss_history": [0.5, 0.25], "training": {"loss_epochs": [7]}}
    assert ModelRecord.from_metadata(mismatched).train_loss == Curve((1, 2), (0.5, 0.25))
    not_a_list = {"loss_history": [0.5], "training": {"loss_epochs": "7"}}
    assert ModelRecord.from_metadata(not_a_list).train_loss == Curve((1,), (0.5,))
    assert ModelRecord.from_metadata({"loss_history": []}).train_loss is None


def test_curve_points_that_are_not_a_whole_epoch_and_a_finite_loss_are_dropped():
    meta = {
        "loss_history": [0.5, float("nan"), True, "x", 0.25, 2, 0.1, float("inf")],
        "training": {"loss_epochs": [0, 1, 2, 3, 4, 5, -6, 7]},
    }
    curve = ModelRecord.from_metadata(meta).train_loss
    assert curve == Curve((0, 4, 5), (0.5, 0.25, 2.0))
    assert all(type(v) is float for v in curve.values)
    test = {"training": {"test_loss": {"epochs": [1.5, True], "values": [0.1, 0.2]}}}
    assert ModelRecord.from_metadata(test).test_loss is None  # no point survives
    assert (
        ModelRecord.from_metadata(
            {"training": {"test_loss": {"epochs": [1], "values": [0.1, 0.2]}}}
        ).test_loss
        is None
    )


@pytest.mark.parametrize(
    "epochs, values",
    [(3, [0.5]), ([0], 0.5), ({"0": 1}, [0.5]), ([0, 1], {"0": 0.5, "1": 0.25}), (None, [0.5]), ([0], None)],
)
def test_a_test_curve_with_one_side_not_a_list_reads_as_absent(epochs, values):
    """Either side of a test curve that is not a list (a number, an object, null) makes the curve absent,
    even when the other side is a list: reading a file never fails."""
    meta = {"training": {"test_loss": {"epochs": epochs, "values": values}}}
    assert ModelRecord.from_metadata(meta).test_loss is None


def test_only_the_last_points_of_a_long_curve_are_read():
    n = MAX_CURVE + 10
    curve = ModelRecord.from_metadata({"loss_history": [float(i) for i in range(n)]}).train_loss
    assert len(curve.epochs) == MAX_CURVE == 4096
    assert curve.epochs[0] == 11 and curve.epochs[-1] == n and curve.values[0] == 10.0


def test_curves_write_as_two_lists():
    assert Curve((1, 2), (0.5, 0.25)).to_dict() == {"epochs": [1, 2], "values": [0.5, 0.25]}


# --- LossLog -------------------------------------------------------------------------------------------


def test_a_short_log_keeps_every_point():
    log = LossLog()
    assert log.capacity == 4096 and log.last is None
    for e in range(5):
        log.add(e, 1.0 / (e + 1))
    epochs, values = log.arrays()
    assert epochs.tolist() == [0, 1, 2, 3, 4] and values.tolist() == [1.0, 0.5, 1 / 3, 0.25, 0.2]
    assert epochs.dtype == float and log.last == (4, 0.2)


def test_a_full_log_keeps_every_second_then_every_fourth_point():
    log = LossLog(capacity=4)
    for e in range(1, 6):  # the 5th point overflows: keep even epochs
        log.add(e, float(e))
    assert (log.epochs, log.values, log.stride) == ([2, 4], [2.0, 4.0], 2)
    assert log.arrays()[0].tolist() == [2, 4, 5]  # the latest point is always shown
    log.add(6, 6.0)
    log.add(7, 7.0)  # odd epochs are skipped now
    assert log.epochs == [2, 4, 6] and log.last == (7, 7.0)
    log.add(8, 8.0)
    log.add(10, 10.0)  # 5 points: every 4th epoch is kept
    assert (log.epochs, log.stride) == ([4, 8], 4)
    assert log.arrays()[0].tolist() == [4, 8, 10]


def test_after_gives_the_new_points_and_the_latest():
    log = LossLog(capacity=4)
    for e in range(1, 8):
        log.add(e, e / 100)  # losses unlike the epochs
    assert log.epochs == [2, 4, 6] and log.last == (7, 0.07)
    assert log.after(2) == ([4, 6, 7], [0.04, 0.06, 0.07])
    assert log.after(6) == ([7], [0.07])
    assert log.after(7) == ([], [])
    assert log.after(0) == ([2, 4, 6, 7], [0.02, 0.04, 0.06, 0.07])
    log.add(8, 0.08)
    assert log.after(6) == ([8], [0.08])  # the latest is in the log: not twice
    log.add(9, 0.5)
    assert log.after(8) == ([9], [0.5]) and log.after(1) == ([2, 4, 6, 8, 9], [0.02, 0.04, 0.06, 0.08, 0.5])
    epochs, values = log.arrays()  # the latest, not in the thinned log, is shown at its epoch
    assert epochs.tolist() == [2, 4, 6, 8, 9] and values.tolist() == [0.02, 0.04, 0.06, 0.08, 0.5]
    assert LossLog().after(0) == ([], [])


def test_curves_and_copies():
    log = LossLog(capacity=4)
    for e in range(1, 8):
        log.add(e, float(e))
    curve = log.to_curve()
    assert curve == Curve((2, 4, 6, 7), (2.0, 4.0, 6.0, 7.0))
    assert all(type(e) is int for e in curve.epochs) and all(type(v) is float for v in curve.values)
    back = LossLog.from_curve(curve)
    assert back.arrays()[0].tolist() == [2, 4, 6, 7] and back.capacity == 4096 and back.last == (7, 7.0)
    twin = log.copy()
    assert (twin.capacity, twin.epochs, twin.values, twin.stride, twin.last) == (
        4,
        [2, 4, 6],
        [2.0, 4.0, 6.0],
        2,
        (7, 7.0),
    )
    twin.add(8, 8.0)
    assert log.epochs == [2, 4, 6] and log.last == (7, 7.0)  # independent
    np.testing.assert_array_equal(LossLog.from_curve(None).arrays()[1], [])
