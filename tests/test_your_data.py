"""Your data (issue 13): points clicked in or uploaded, in the session's experiment and its files.

The rules of :mod:`nnviz.playground.your_data` and what :class:`Experiment` does with them: a click keeps
the weights and the epoch count, Reset and New weights keep the data, an empty canvas trains nothing, a
``.nn`` download carries the data and an upload restores it bit for bit, a CSV download reads back the same.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pytest
from test_player import watch

from nnviz.core import Network, data_csv
from nnviz.core.data_table import MAX_POINTS, DataTable
from nnviz.core.datasets import CUSTOM, Dataset, make_dataset
from nnviz.core.errors import DataFileError, SpecError
from nnviz.playground import data_edits, frames, workers, your_data
from nnviz.playground.experiment import Experiment
from nnviz.playground.player import Player
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


def test_a_removal_measures_the_distance_in_both_coordinates():
    data = clicked([(1.0, 0.0, 0), (-3.0, 4.0, 1)])
    fewer = your_data.without_point(data, 1.0, 0.0)  # exactly on the first point
    assert fewer.X_train.tolist() == [[-3.0, 4.0]]
    assert your_data.without_point(data, 0.0, 1.0) is None  # x and y swapped: nothing near


def test_a_removal_reaches_exactly_three_hundredths_of_the_boxs_width():
    data = replace(clicked([(0.0, 0.0, 0), (40.0, 40.0, 1)]), box=(-50.0, 50.0, -50.0, 50.0))
    assert your_data.without_point(data, 3.0, 0.0).X_train.tolist() == [[40.0, 40.0]]  # 0.03 * 100: in reach
    assert your_data.without_point(data, 0.0, -3.0).X_train.tolist() == [[40.0, 40.0]]
    assert your_data.without_point(data, 3.0000001, 0.0) is None


def test_a_removal_keeps_the_class_names_and_the_split():
    content = b"x1,x2,label,split\n0,0,cat,train\n1,1,dog,train\n2,2,bird,test\n3,3,dog,test\n"
    data = your_data.from_csv(content, standardised=False, test_ratio=0.5, seed=0)
    assert data.class_names == ("bird", "cat", "dog")
    fewer = your_data.without_point(data, 1.0, 1.0)
    assert fewer.class_names == ("bird", "cat", "dog") and fewer.name == CUSTOM and fewer.box == data.box
    assert fewer.X_train.tolist() == [[0.0, 0.0]] and fewer.X_test.tolist() == [[2.0, 2.0], [3.0, 3.0]]
    assert fewer.y_test[:, 0].tolist() == [0.0, 2.0]


def test_an_uploaded_csv_is_your_data():
    content = b"x1,x2,label\n0,0,0\n1,1,1\n"
    assert your_data.from_csv(content, standardised=False, test_ratio=0.0, seed=0).name == CUSTOM


def test_carried_data_of_another_name_or_box_is_your_data_even_with_the_same_points():
    xor = make_dataset("xor", 60, 0.0, 0.5, 0)
    renamed = replace(xor, name="circle")  # the same points and class names under another name
    assert your_data.carried(renamed, xor).name == CUSTOM
    wider = replace(xor, box=(-7.0, 7.0, -7.0, 7.0))  # the same name, points and classes, another box
    carried = your_data.carried(wider, xor)
    assert carried.name == CUSTOM and carried.box == (-7.0, 7.0, -7.0, 7.0)
    named = replace(xor, class_names=("no", "yes"))
    assert your_data.carried(named, xor).class_names == ("no", "yes")


@pytest.mark.parametrize(
    "plain, has",
    [
        ({"kind": "classification", "points": []}, "it has ['kind', 'points']"),
        ([1, 2], "it has list"),
        (None, "it has NoneType"),
        ("abc", "it has str"),
    ],
    ids=["dict", "list", "None", "str"],
)
def test_plain_data_without_its_keys_is_refused_naming_what_it_has(plain, has):
    with pytest.raises(SpecError) as refused:
        your_data.from_plain(plain)
    assert (
        str(refused.value) == f"the data must have exactly the keys kind, classes, box, points, train; {has}"
    )


def test_the_summary_counts_points_of_each_class_in_both_parts():
    content = b"x1,x2,label,split\n0,0,a,train\n1,1,b,train\n2,2,b,train\n3,3,c,test\n4,4,b,test\n"
    data = your_data.from_csv(content, standardised=False, test_ratio=0.5, seed=0)
    assert your_data.summary(data) == "5 points (classes a: 1, b: 3, c: 1); 3 train, 2 test"
    one = clicked([(0.0, 0.0, 1), (1.0, 1.0, 1)])
    assert your_data.summary(one) == (
        "2 points (classes 0: 0, 1: 2) — only one class has points: the network can only learn to say that"
        " class everywhere; 2 train, 0 test"
    )
    assert your_data.summary(your_data.empty()) == "0 points; 0 train, 0 test"


def test_the_summary_of_regression_data_counts_points_only():
    values = clicked([(0.0, 0.0, 0.5), (1.0, 1.0, 0.5)], "regression")
    assert your_data.summary(values) == "2 points; 2 train, 0 test"
    assert (
        your_data.summary(your_data.of(make_dataset("bumps", 10, 0.0, 0.3, 0)))
        == "10 points; 7 train, 3 test"
    )


def test_plain_data_writes_labels_as_whole_numbers_and_targets_as_they_are():
    labels = your_data.to_plain(clicked([(0.5, -1.0, 1), (2.0, 3.0, 0)]))
    assert json.dumps(labels["points"]) == "[[0.5, -1.0, 1], [2.0, 3.0, 0]]"
    targets = your_data.to_plain(clicked([(0.5, -1.0, 0.75), (2.0, 3.0, -2.0)], "regression"))
    assert json.dumps(targets["points"]) == "[[0.5, -1.0, 0.75], [2.0, 3.0, -2.0]]"


def plain(**changes) -> dict:
    """Three points of two classes as plain data, the first for training."""
    base = {"kind": "classification", "classes": ["0", "1"], "box": [-6, 6, -6, 6], "train": 1}
    return {**base, "points": [[0, 0, 0], [1, 1, 1], [2, 2, 1]], **changes}


def test_plain_data_trains_on_its_first_train_points_and_tests_on_the_rest():
    data = your_data.from_plain(plain())
    assert data.name == CUSTOM and data.box == (-6.0, 6.0, -6.0, 6.0)
    assert data.X_train.tolist() == [[0.0, 0.0]] and data.X_test.tolist() == [[1.0, 1.0], [2.0, 2.0]]
    none_to_train = your_data.from_plain(plain(train=0))
    assert len(none_to_train.X_train) == 0 and len(none_to_train.X_test) == 3
    values = your_data.from_plain(plain(kind="regression", classes=[], points=[[0, 0, 0.5]]))
    assert values.kind == "regression" and values.y_train.tolist() == [[0.5]]


POINTS_REFUSED = "the points must be a list of at most 10,000 [x1, x2, label or y] numbers"


def test_plain_data_holds_at_most_10000_points_in_a_list():
    full = [[i / 1000, 0, i % 2] for i in range(MAX_POINTS)]
    assert len(your_data.from_plain(plain(points=full, train=MAX_POINTS)).X_train) == MAX_POINTS == 10_000
    for points in ([*full, [0, 0, 1]], 5, {"0": [0, 0, 1]}):
        with pytest.raises(SpecError) as refused:
            your_data.from_plain(plain(points=points))
        assert str(refused.value) == POINTS_REFUSED


def test_plain_data_whose_classes_are_not_a_list_is_refused_naming_their_type():
    with pytest.raises(SpecError) as refused:
        your_data.from_plain(plain(classes="01"))
    assert str(refused.value) == "the classes must be a list of names, not str"


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


# --- a click on the picture (data_edits.click) --------------------------------------------------------

#: Three points of Your data: class 0 at (1, 1), class 1 at (2, 2) and (-4, 3); the box is 12 wide.
THREE = [(1.0, 1.0, 0), (2.0, 2.0, 1), (-4.0, 3.0, 1)]


def own_player(points=THREE, pool: workers.WorkerPool | None = None, box=None) -> Player:
    """A player whose experiment trains on Your data made of ``points`` (all training points)."""
    own = clicked(points)
    if box is not None:
        own = replace(own, box=box)
    exp = Experiment(replace(Settings(), dataset=CUSTOM), own=own)
    return Player(exp) if pool is None else Player(exp, pool=lambda: pool)


def rows(data: Dataset) -> list[list[float]]:
    """The training points as ``[x1, x2, label]``; Your data made by clicking has no test points."""
    assert len(data.X_test) == 0
    return np.column_stack([data.X_train, data.y_train]).tolist()


def weights_of(exp: Experiment) -> list[np.ndarray]:
    return [p.copy() for p in exp.nn.parameters()]


def same_weights(exp: Experiment, weights: list[np.ndarray]) -> bool:
    return all(np.array_equal(a, b) for a, b in zip(weights, exp.nn.parameters(), strict=True))


def played_to(player: Player, epoch: int) -> int:
    """Ask for frames as the page does until the run on the worker reaches ``epoch``; returns its epoch."""
    frame = watch(player, lambda f: f["epoch"] >= epoch)
    assert frame["epoch"] >= epoch, "the run stopped before the epoch"
    return frame["epoch"]


def test_a_click_adds_a_point_of_the_chosen_class_at_the_clicked_place_keeping_weights_and_epoch():
    player = own_player()
    exp = player.experiment
    exp.train(epochs=3)
    weights = weights_of(exp)
    assert data_edits.click(player, {"x": 1.25, "y": -3.5}, 1.0) is True  # no eraser (the default)
    assert rows(exp.dataset) == [[1.0, 1.0, 0.0], [2.0, 2.0, 1.0], [-4.0, 3.0, 1.0], [1.25, -3.5, 1.0]]
    assert exp.dataset.class_names == ("0", "1") and exp.settings.dataset == CUSTOM and exp.own is exp.dataset
    assert exp.epoch == 3 and same_weights(exp, weights) and exp.trainer.X.shape[0] == 4
    assert not player.playing and player.run == 0  # paused, it stays paused
    assert exp.notice is None
    # "remove": False is a plain click; whole numbers are coordinates too
    assert data_edits.click(player, {"x": -5, "y": 4, "remove": False}, 0.0, erase=False) is True
    assert rows(exp.dataset)[-1] == [-5.0, 4.0, 0.0] and len(exp.dataset.X_train) == 5
    assert exp.epoch == 3 and same_weights(exp, weights) and not player.playing


def test_a_clicked_value_is_a_regression_target():
    player = Player(Experiment())
    assert data_edits.use(player, clicked([(0.5, 0.5, 0.7)], "regression"))
    assert data_edits.click(player, {"x": -1.5, "y": 2.0}, 0.25) is True
    assert rows(player.experiment.dataset) == [[0.5, 0.5, 0.7], [-1.5, 2.0, 0.25]]


def test_a_click_is_rounded_to_a_thousandth_of_the_boxs_width_and_height():
    player = own_player()  # a box 12 wide and 12 high: two decimals
    assert data_edits.click(player, {"x": 1.23456, "y": -0.98765}, 0.0)
    assert rows(player.experiment.dataset)[-1] == [1.23, -0.99, 0.0]
    player = own_player(box=(0.0, 5.0, 0.0, 50.0))  # 5 wide: three decimals; 50 high: two
    assert data_edits.click(player, {"x": 1.23456, "y": 12.3456}, 1.0)
    assert rows(player.experiment.dataset)[-1] == [1.235, 12.35, 1.0]
    player = own_player(box=(-60.0, 60.0, 0.0, 0.5))  # 120 wide: one decimal; 0.5 high: four
    assert data_edits.click(player, {"x": 1.23456, "y": 0.123456}, 1.0)
    assert rows(player.experiment.dataset)[-1] == [1.2, 0.1235, 1.0]


def test_a_shift_click_or_the_eraser_removes_the_nearest_point_and_only_it():
    player = own_player()
    exp = player.experiment
    exp.train(epochs=2)
    weights = weights_of(exp)
    assert data_edits.click(player, {"x": 1.9, "y": 2.1, "remove": True}, 0.0) is True
    assert rows(exp.dataset) == [[1.0, 1.0, 0.0], [-4.0, 3.0, 1.0]]  # (2, 2) went, not (1, 1)
    assert exp.epoch == 2 and same_weights(exp, weights) and not player.playing and player.run == 0
    assert data_edits.click(player, {"x": -3.9, "y": 3.1}, 1.0, erase=True) is True  # the eraser
    assert rows(exp.dataset) == [[1.0, 1.0, 0.0]]
    assert data_edits.click(player, {"x": 1.1, "y": 0.9, "remove": False}, 1.0, erase=True) is True
    assert rows(exp.dataset) == [] and exp.epoch == 2 and same_weights(exp, weights)
    assert exp.notice is None


def test_a_removal_with_nothing_near_changes_nothing_and_says_so():
    player = own_player()
    exp = player.experiment
    exp.train(epochs=2)
    before, weights = exp.dataset, weights_of(exp)
    assert data_edits.click(player, {"x": 5.0, "y": -5.0, "remove": True}, 0.0) is False
    assert exp.notice == "No point near there to remove."
    assert exp.dataset is before and exp.own is before and exp.epoch == 2 and same_weights(exp, weights)
    exp.notice = None
    assert data_edits.click(player, {"x": 5.0, "y": -5.0}, 1.0, erase=True) is False
    assert exp.notice == "No point near there to remove." and exp.dataset is before


@pytest.mark.parametrize(
    "event, value",
    [
        ({"x": 0.5, "y": 0.5}, 5.0),  # not the next class number
        ({"x": 1e300, "y": 0.5}, 0.0),  # a number, but too far for a data table
    ],
    ids=["class beyond the next", "too far"],
)
def test_a_click_the_data_refuses_changes_nothing_and_says_why(event, value):
    player = own_player()
    exp = player.experiment
    exp.train(epochs=1)
    before, weights = exp.dataset, weights_of(exp)
    with pytest.raises(SpecError) as refused:
        your_data.with_point(before, event["x"], event["y"], value)
    assert data_edits.click(player, event, value) is False
    assert exp.notice == f"The point was not added: {refused.value}."
    assert exp.dataset is before and exp.epoch == 1 and same_weights(exp, weights) and not player.playing


@pytest.mark.parametrize(
    "event",
    [
        None,
        [1.0, 2.0],
        "x",
        {},
        {"y": 1.0},
        {"x": 1.0},
        {"x": 1.0, "remove": True},
        {"X": 1.0, "Y": 2.0},
        {"x": "1", "y": 2.0},
        {"x": 1.0, "y": None},
        {"x": [1.0], "y": 2.0},
        {"x": 1j, "y": 2.0},
        {"x": True, "y": 1.0},
        {"x": 1.0, "y": False},
        {"x": math.nan, "y": 1.0},
        {"x": 1.0, "y": math.inf},
        {"x": -math.inf, "y": 1.0, "remove": True},
        {"x": math.nan, "y": math.nan},
    ],
)
@pytest.mark.parametrize("erase", [False, True], ids=["add", "erase"])
def test_a_malformed_click_is_ignored(event, erase):
    player = own_player()
    exp = player.experiment
    before = exp.dataset
    assert data_edits.click(player, event, 1.0, erase=erase) is False
    assert exp.dataset is before and exp.notice is None and not player.playing and player.run == 0


def test_a_click_while_playing_plays_on_with_the_new_point_and_the_epoch_kept(threaded):
    player = own_player(pool=threaded)
    exp = player.experiment
    player.play()
    played_to(player, 3)
    assert data_edits.click(player, {"x": 1.0, "y": math.nan}, 0.0) is False  # ignored: not even paused
    assert data_edits.click(player, {"x": 5.0, "y": -5.0, "remove": True}, 0.0) is False  # nothing near
    assert player.playing and player.run == 1
    assert data_edits.click(player, {"x": 0.5, "y": -2.0}, 0.0) is True
    assert player.playing and player.run == 2  # paused for the change, playing on afterwards
    assert rows(exp.dataset)[-1] == [0.5, -2.0, 0.0] and len(exp.dataset.X_train) == 4
    epoch = exp.epoch
    assert epoch >= 3  # brought back from the worker and kept: not a new run
    assert played_to(player, epoch + 2) >= epoch + 2
    assert data_edits.click(player, {"x": -4.1, "y": 2.9, "remove": True}, 0.0) is True
    assert player.playing and player.run == 3 and exp.epoch >= epoch + 2
    player.pause()
    assert rows(exp.dataset) == [[1.0, 1.0, 0.0], [2.0, 2.0, 1.0], [0.5, -2.0, 0.0]]
    assert not player.playing and exp.trainer.X.shape[0] == 3


# --- new data for the session (data_edits.use) ------------------------------------------------------

#: Three classes of Your data, one point each (a third class needs three outputs: softmax and cce).
THREE_CLASSES = [(1.0, 1.0, 0), (2.0, 2.0, 1), (-4.0, 3.0, 2)]


def three_class_player() -> Player:
    """A player on three classes of Your data, with the softmax output and cce loss they need."""
    s = replace(Settings(), dataset=CUSTOM, output=LayerSettings(1, True, "softmax"), loss="cce")
    return Player(Experiment(s, own=clicked(THREE_CLASSES)))


def test_data_with_a_third_class_starts_a_network_of_three_softmax_outputs_on_your_data():
    player = Player(Experiment(Settings(points=40)))  # the built-in xor, one sigmoid output with bce
    exp = player.experiment
    exp.train(epochs=2)
    three = clicked(THREE_CLASSES)
    assert data_edits.use(player, three) is True
    assert exp.settings.dataset == CUSTOM and exp.own is three and exp.dataset is three
    assert (exp.settings.output.activation, exp.settings.loss) == ("softmax", "cce")
    assert exp.nn.outputs == 3 and exp.epoch == 0 and exp.notice.startswith("New network")
    assert [r.number for r in exp.ledger.records] == [1] and exp.start.number == 2  # a new run


def test_data_with_a_fourth_class_starts_a_network_of_four_outputs():
    player = three_class_player()
    exp = player.experiment
    exp.train(epochs=2)
    four = clicked([*THREE_CLASSES, (0.0, -3.0, 3)])
    assert data_edits.use(player, four) is True
    assert (exp.settings.output.activation, exp.settings.loss) == ("softmax", "cce")
    assert exp.nn.outputs == 4 and exp.epoch == 0 and exp.dataset is four


def test_a_click_in_three_classes_keeps_the_three_outputs_weights_and_epoch():
    player = three_class_player()
    exp = player.experiment
    exp.train(epochs=2)
    weights = weights_of(exp)
    assert data_edits.click(player, {"x": 0.5, "y": -1.0}, 2.0) is True
    assert rows(exp.dataset)[-1] == [0.5, -1.0, 2.0] and exp.dataset.class_names == ("0", "1", "2")
    assert exp.nn.outputs == 3 and exp.epoch == 2 and same_weights(exp, weights)
    assert exp.start.number == 1 and exp.ledger.records == []


def test_regression_data_after_three_classes_is_checked_against_the_new_data_not_the_old():
    player = three_class_player()
    exp = player.experiment
    values = clicked([(0.5, 0.5, 0.7), (-1.0, 2.0, -0.3)], "regression")
    assert data_edits.use(player, values) is True and exp.notice.startswith("New network")
    assert (exp.settings.output.activation, exp.settings.loss) == ("linear", "mse")
    assert exp.nn.outputs == 1 and exp.dataset is values and exp.own is values


def test_a_new_run_for_data_that_fits_the_network_starts_afresh_all_the_same():
    player = own_player()
    exp = player.experiment
    exp.train(epochs=3)
    other = clicked([(0.0, 0.0, 1), (3.0, -3.0, 0)])
    assert data_edits.use(player, other, new_run=True) is True
    assert exp.dataset is other and exp.epoch == 0 and exp.start.number == 2
    assert [(r.number, r.epochs) for r in exp.ledger.records] == [(1, 3)]
    assert (exp.settings.output.activation, exp.settings.loss) == ("sigmoid", "bce")


def test_data_whose_settings_are_refused_is_not_used_and_says_why():
    player = own_player()
    exp = player.experiment
    exp.train(epochs=1)
    # settings that no longer pass the checks (set directly: the page never gets here with valid ones)
    exp.settings = replace(exp.settings, lr=-1.0)
    before, weights = exp.dataset, weights_of(exp)
    assert data_edits.use(player, clicked(THREE_CLASSES)) is False
    assert exp.notice.startswith("Your data was not used: ") and "Learning rate" in exp.notice
    assert exp.dataset is before and exp.own is before and exp.epoch == 1 and same_weights(exp, weights)
    assert exp.settings.loss == "bce" and exp.nn.outputs == 1


# --- the live view's scene of Your data (frames.scene) ----------------------------------------------


def test_the_scene_holds_your_datas_points_rounded_to_thousandths_and_what_the_browser_draws():
    own = your_data.from_plain(
        plain(points=[[1.23456, -2.34567, 0], [0.0004, 5.9996, 1], [-3.14159, 2.71828, 1]], train=2)
    )
    exp = Experiment(replace(Settings(), dataset=CUSTOM), own=own)
    scene = frames.scene(exp)
    assert scene["box"] == [-6.0, 6.0, -6.0, 6.0] and scene["range"] == [0.0, 1.0]
    assert scene["classify"] is True and scene["grid"] == 64 and scene["inputs"] == ["x₁", "x₂"]
    assert scene["train"] == [[1.235, -2.346, 0.0], [0.0, 6.0, 1.0]]
    assert scene["test"] == [[-3.142, 2.718, 1.0]]
    assert "classes" not in scene and "palette" not in scene  # two classes: the binary picture


def test_the_scene_of_regression_targets_rounds_them_and_does_not_classify():
    values = your_data.from_plain(
        plain(kind="regression", classes=[], points=[[0.5, 0.5, 0.12345], [1.0, 1.0, -0.98765]], train=1)
    )
    exp = Experiment(
        replace(Settings(), dataset=CUSTOM, output=LayerSettings(1, True, "tanh"), loss="mse"), own=values
    )
    scene = frames.scene(exp)
    assert scene["classify"] is False and scene["range"] == [-1.0, 1.0]
    assert scene["train"] == [[0.5, 0.5, 0.123]] and scene["test"] == [[1.0, 1.0, -0.988]]


def test_the_scene_of_three_classes_brings_their_count_palette_and_levels():
    exp = three_class_player().experiment
    scene = frames.scene(exp)
    assert scene["classes"] == 3 and scene["levels"] == 42
    assert scene["palette"] == [[230, 159, 0], [0, 114, 178], [0, 158, 115]]  # orange, blue, green
