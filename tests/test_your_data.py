"""Your data (issue 13): points clicked in or uploaded, in the session's experiment and its files.

The rules of :mod:`nnviz.playground.your_data` and what :class:`Experiment` does with them: a click keeps
the weights and the epoch count, Reset and New weights keep the data, an empty canvas trains nothing, a
``.nn`` download carries the data and an upload restores it bit for bit, a CSV download reads back the same.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from nnviz.core import Network, data_csv
from nnviz.core.data_table import MAX_POINTS, DataTable
from nnviz.core.datasets import CUSTOM, Dataset, make_dataset
from nnviz.core.errors import DataFileError, SpecError
from nnviz.playground import your_data
from nnviz.playground.experiment import Experiment
from nnviz.playground.settings import LayerSettings, Settings

ARRAYS = ("X_train", "y_train", "X_test", "y_test")


def same_data(a: Dataset, b: Dataset) -> bool:
    """Bit for bit: every array's bytes, the kind, the class names."""
    return (
        a.kind == b.kind
        and a.class_names == b.class_names
        and all(getattr(a, n).tobytes() == getattr(b, n).tobytes() for n in ARRAYS)
        and all(getattr(a, n).shape == getattr(b, n).shape for n in ARRAYS)
    )


def clicked(points: list[tuple[float, float, float]], kind: str = "classification") -> Dataset:
    data = your_data.empty(kind)
    for x, y, value in points:
        data = your_data.with_point(data, x, y, value)
    return data


# --- the data -------------------------------------------------------------------------------------


def test_an_empty_canvas_has_no_points_and_two_classes():
    data = your_data.empty()
    assert data.name == CUSTOM and data.class_names == ("0", "1") and data.box == (-6.0, 6.0, -6.0, 6.0)
    assert data.X_train.shape == (0, 2) and data.y_test.shape == (0, 1)
    assert your_data.nothing_to_train(data).startswith("Your data has no training points yet")
    assert your_data.empty("regression").class_names == ()


def test_clicks_add_training_points_in_order_and_a_new_class_by_its_number():
    data = clicked([(1.0, 2.0, 0), (-3.5, 0.25, 1), (0.5, 0.5, 2)])
    assert data.X_train.tolist() == [[1.0, 2.0], [-3.5, 0.25], [0.5, 0.5]]
    assert data.y_train[:, 0].tolist() == [0.0, 1.0, 2.0] and len(data.X_test) == 0
    assert data.class_names == ("0", "1", "2") and your_data.nothing_to_train(data) is None
    with pytest.raises(SpecError, match="class number"):
        your_data.with_point(data, 0, 0, 5)  # not the next class: refused by the data table
    regression = clicked([(0.0, 0.0, 0.7), (1.0, 1.0, -0.2)], "regression")
    assert regression.y_train[:, 0].tolist() == [0.7, -0.2] and regression.class_names == ()


def test_a_click_on_a_built_in_dataset_keeps_its_points_split_and_box():
    xor = make_dataset("xor", 40, 0.0, 0.5, 3)
    data = your_data.with_point(your_data.of(xor), 1.0, -1.0, 1)
    assert data.name == CUSTOM and data.box == xor.box
    assert np.array_equal(data.X_train[:-1], xor.X_train) and np.array_equal(data.X_test, xor.X_test)
    assert data.X_train[-1].tolist() == [1.0, -1.0]


def test_a_shift_click_removes_the_nearest_point_within_reach_only():
    data = clicked([(1.0, 1.0, 0), (2.0, 2.0, 1), (-4.0, 3.0, 1)])
    fewer = your_data.without_point(data, 1.9, 2.1)
    assert fewer.X_train.tolist() == [[1.0, 1.0], [-4.0, 3.0]] and fewer.y_train[:, 0].tolist() == [0, 1]
    reach = your_data.REMOVE_REACH * 12.0
    assert your_data.without_point(data, 5.0, -5.0) is None  # nothing near
    assert your_data.without_point(data, 1.0 + reach * 1.01, 1.0) is None
    assert your_data.without_point(data, 1.0 + reach * 0.99, 1.0) is not None
    assert your_data.without_point(your_data.empty(), 0.0, 0.0) is None


def test_the_limits_of_points_and_classes():
    table = DataTable(np.zeros((MAX_POINTS, 2)), np.zeros(MAX_POINTS), "classification", test=None)
    full = table.split(0.0, name=CUSTOM)
    with pytest.raises(SpecError, match="at most 10,000 points"):
        your_data.with_point(full, 0.0, 0.0, 0)
    six = clicked([(i, i, i) for i in range(6)])
    assert your_data.new_class_name(six.class_names) is None
    with pytest.raises(SpecError, match="another class"):
        your_data.with_point(six, 0.0, 0.0, 6)
    assert your_data.new_class_name(("cat", "dog")) is None  # "2" would be numbered before the words
    assert your_data.new_class_name(("-1", "1")) == "2"


def test_a_single_class_is_said():
    assert "only one class has points" in your_data.summary(clicked([(0, 0, 1), (1, 1, 1)]))
    assert your_data.summary(clicked([(0, 0, 1), (1, 1, 0)])) == (
        "2 points (classes 0: 1, 1: 1); 2 train, 0 test"
    )


def test_csv_upload_splits_by_the_settings_fits_the_box_and_standardises():
    content = b"x1,x2,label\n" + b"".join(f"{i},{2 * i},{'ab'[i % 2]}\n".encode() for i in range(10))
    data = your_data.from_csv(content, standardised=False, test_ratio=0.3, seed=4)
    assert (len(data.X_train), len(data.X_test)) == (7, 3) and data.class_names == ("a", "b")
    assert data.box == (-0.9, 9.9, -1.8, 19.8)
    again = your_data.from_csv(content, standardised=False, test_ratio=0.3, seed=4)
    assert same_data(data, again)
    std = your_data.from_csv(content, standardised=True, test_ratio=0.0, seed=0)
    X = std.X_train
    assert np.allclose(X.mean(axis=0), 0) and np.allclose(X.std(axis=0), 1)
    assert std.box[0] < X[:, 0].min() and std.box[1] > X[:, 0].max()


def test_the_downloaded_csv_uploads_back_to_the_same_data_bit_for_bit():
    for data in (
        clicked([(0.1, 1e-7, 0), (np.pi, -2.5, 1), (1 / 3, 7.0, 2)]),
        your_data.of(make_dataset("spiral", 300, 0.3, 0.4, 9)),
        your_data.of(make_dataset("bumps", 200, 0.2, 0.5, 1)),
    ):
        back = your_data.from_csv(your_data.to_csv(data), standardised=False, test_ratio=0.5, seed=0)
        assert same_data(back, data)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "the file is empty"),
        (b"x1,x2\n1,2\n", "line 1: the line has 2 columns"),
        (b"x1,x2,label\n1,abc,0\n2,3,1\n", "line 2, column x2: 'abc' is not a number"),
    ],
    ids=["empty", "two columns", "not a number"],
)
def test_a_bad_csv_raises_the_files_message(content, message):
    with pytest.raises(DataFileError, match=message):
        your_data.from_csv(content, standardised=False, test_ratio=0.5, seed=0)


def test_carried_data_is_your_data_unless_the_settings_make_it():
    xor = make_dataset("xor", 60, 0.0, 0.5, 0)
    assert your_data.carried(None, xor) is None
    assert your_data.carried(xor, xor) is None
    other = replace(xor, X_train=xor.X_train + 0.0)
    other.X_train[0, 0] = np.nextafter(other.X_train[0, 0], 9)
    assert your_data.carried(other, xor).name == CUSTOM
    own = clicked([(0, 0, 0), (1, 1, 1)])
    assert same_data(your_data.carried(own, xor), own)


# --- the experiment ---------------------------------------------------------------------------------


def test_a_click_keeps_the_weights_and_epoch_and_training_goes_on():
    exp = Experiment(Settings(points=40))
    exp.train(epochs=3)
    weights = [p.copy() for p in exp.nn.parameters()]
    exp.set_data(your_data.with_point(your_data.of(exp.dataset), 2.0, 2.0, 1))
    assert exp.settings.dataset == CUSTOM and exp.epoch == 3 and len(exp.X_train) == 21
    assert all(np.array_equal(a, b) for a, b in zip(weights, exp.nn.parameters()))
    assert exp.trainer.X.shape[0] == 21
    assert not exp.start.reproducible and "data changed at epoch 3" in exp.start.notes[0]
    assert exp.train(epochs=2) == 2 and exp.epoch == 5


def test_reset_and_new_weights_keep_your_data():
    exp = Experiment(Settings())
    own = clicked([(0, 0, 0), (1, 1, 1), (2, -1, 0)])
    exp.set_data(own)
    exp.train(epochs=2)
    exp.reset()
    assert exp.dataset is own and exp.epoch == 0
    exp.new_weights()
    assert exp.dataset is own and exp.settings.weight_seed == 1
    exp.apply(replace(exp.settings, dataset="circle"))
    exp.apply(replace(exp.settings, dataset=CUSTOM))
    assert exp.dataset is own  # Your data stays with the session


def test_an_empty_canvas_trains_nothing_and_says_so():
    exp = Experiment(Settings())
    exp.train(epochs=2)
    assert exp.test_log.arrays()[0].tolist() == [0, 2]  # at the start and after the call
    exp.set_data(your_data.empty())
    assert exp.test_log.arrays()[0].tolist() == []  # the old test points' curve is gone with them
    assert exp.train(epochs=5) == 0 and exp.epoch == 2
    exp.step_batch()
    assert exp.batch == 0
    m = exp.metrics()
    assert np.isnan(m.train_loss) and np.isnan(m.test_loss)
    assert exp.frame(8, 4).grid.shape == (8, 8)
    exp.set_data(your_data.with_point(exp.dataset, 1.0, 1.0, 0))
    assert exp.train(epochs=1) == 1


def test_a_model_download_carries_hand_made_data_and_reopens_with_it_bit_for_bit():
    source = Experiment(Settings(points=40))
    own = clicked([(0.1, 0.2, 0), (np.pi, -1 / 3, 1), (5.5, 5.25, 1), (-2.0, 1e-300, 0)])
    source.set_data(own)
    source.train(epochs=4)
    data = source.model_bytes()
    assert Network.from_bytes(data).dataset is not None
    other = Experiment(Settings())
    other.load_model(data)
    assert other.settings.dataset == CUSTOM and same_data(other.dataset, own)
    assert other.dataset.box == own.box and other.epoch == 4
    assert other.nn.to_bytes() == Network.from_bytes(data).to_bytes()


def test_a_model_of_a_built_in_dataset_reopens_on_its_settings_and_without_data_as_before():
    source = Experiment(Settings(dataset="circle", points=60))
    source.train(epochs=2)
    other = Experiment(Settings())
    other.load_model(source.model_bytes())
    assert other.settings.dataset == "circle" and same_data(other.dataset, source.dataset)
    nn = Network.from_bytes(source.model_bytes())
    nn.dataset = None
    other.load_model(nn.to_bytes())  # a file without data (format 1): the settings make the data
    assert other.settings.dataset == "circle"


def test_a_save_and_load_round_trip_keeps_the_loss_curve_as_it_was():
    source = Experiment(Settings(points=40))
    source.train(epochs=7)
    curve = (source.train_log.arrays(), source.test_log.arrays())
    other = Experiment(Settings())
    for _ in range(3):  # each round trip used to add the last point again
        other.load_model(source.model_bytes())
        source = other
    for (e1, v1), (e2, v2) in zip(curve, (other.train_log.arrays(), other.test_log.arrays())):
        assert e1.tolist() == e2.tolist() and v1.tolist() == v2.tolist()


def test_a_data_file_error_names_the_problem_in_one_message():
    with pytest.raises(DataFileError) as info:
        data_csv.loads(b"x1,x2,label\n1,2,0\n1,2\n")
    assert str(info.value).startswith("line 3")


def test_a_model_of_three_hand_made_classes_reopens_in_a_session_whose_data_has_two():
    own = clicked([(0, 0, 0), (1, 1, 1), (2, 0, 2), (0, 2, 0)])
    softmax = LayerSettings(1, True, "softmax")
    source = Experiment(replace(Settings(), dataset=CUSTOM, loss="cce", output=softmax), own=own)
    assert source.nn.outputs == 3
    source.train(epochs=2)
    other = Experiment(Settings())  # two classes: a softmax output would not fit its own data
    other.load_model(source.model_bytes())
    assert same_data(other.dataset, own) and other.nn.outputs == 3 and other.epoch == 2
