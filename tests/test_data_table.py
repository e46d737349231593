"""A data table (points from a person) is checked once when made, splits like a built-in dataset, turns
back from a dataset unchanged; the view box fits its points; standardisation is reversible."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from nnviz.core.data_table import (
    MAX_CLASS_NAME,
    MAX_POINTS,
    DataTable,
    check_box,
    check_class_names,
    fit_box,
    quoted,
    standardise,
)
from nnviz.core.datasets import CUSTOM, RADIUS, make_dataset, random_split
from nnviz.core.errors import SpecError

X4 = [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0], [6.0, 7.0]]


def test_a_table_stores_read_only_float64_copies_with_targets_as_a_column():
    X = np.array(X4)
    t = DataTable(X, [0, 1, 1, 0], "classification", ("no", "yes"))
    X[0, 0] = 99.0  # the caller's array is not the table's
    assert t.X[0, 0] == 0.0 and t.y.shape == (4, 1) and t.y.dtype == np.float64
    assert not t.X.flags.writeable and not t.y.flags.writeable
    assert (len(t), t.classes, t.test) == (4, 2, None)
    assert DataTable(X4, [0, 1, 1, 0], "classification").class_names == ("0", "1")
    assert DataTable(X4, [[0.5]] * 4, "regression").classes is None
    assert DataTable(X4, [[0.5]] * 4, "regression", []).class_names == ()  # a tuple, as a Dataset's


@pytest.mark.parametrize(
    "args, message",
    [
        ((X4, [0, 1, 1, 0], "ranking"), "a data set's kind must be 'classification' or 'regression'"),
        ((X4, [0, 1, 1, 0], "regression", ("a", "b")), "a regression data set has no class names"),
        ((X4, [0, 1, 1, 0], "classification", ("a",)), "a classification data set has 2 to 6 classes, not 1"),
        ((X4, [0, 1, 1, 0], "classification", tuple("abcdefg")), "has 2 to 6 classes, not 7"),
        ((X4, [0, 1, 1, 0], "classification", ("a", "a")), "the class name 'a' is used twice"),
        ((X4, [0, 1, 1, 0], "classification", ("a", "")), "a class name has 1 to 40 characters; '' has 0"),
        ((X4, [0, 1, 1, 0], "classification", ("a", " b")), "a class name is printable characters"),
        ((X4, [0, 1, 1, 0], "classification", ("a", "b\n")), "a class name is printable characters"),
        ((X4, [0, 1, 1, 0], "classification", ("a", 1)), "a class name must be a string, not int"),
        ((X4, [0, 1, 1, 0], "classification", "ab"), "class names must be a tuple of strings, not str"),
        ((X4, [0, 1, 2, 0], "classification"), r"the targets must be class numbers 0 to 1; y\[2\] is 2.0"),
        ((X4, [0, 1, 0.5, 0], "classification"), r"class numbers 0 to 1; y\[2\] is 0.5"),
        ((X4, [0, -1, 1, 0], "classification"), r"y\[1\] is -1.0"),
        ((X4, [0, 1, np.nan, 0], "regression"), r"the targets must be finite .*; y\[2\] is nan"),
        ((X4, [0, 1, 2e15, 0], "regression"), r"at most 1e\+15 in size; y\[2\] is 2000000000000000.0"),
        ((X4, [0, 1, 1], "regression"), r"the targets must have shape \(4, 1\), not \(3,\)"),
        (([[0, 1, 2]], [0], "regression"), r"the points must have shape \(n, 2\), not \(1, 3\)"),
        (
            ([[0, np.inf], [1, 2]], [0, 1], "regression"),
            r"coordinates must be finite .*; X\[0\] is \[0.0, inf\]",
        ),
        (([["a", "b"]], [0], "regression"), "the points must be numbers"),
        ((X4, [0, 1, 1, 0], "regression", (), [True] * 3), r"test must be a bool array of shape \(4,\)"),
        ((X4, [0, 1, 1, 0], "regression", (), [0, 1, 0, 1]), "test must be a bool array"),
    ],
)
def test_a_bad_table_is_refused_naming_what_is_wrong(args, message):
    with pytest.raises(SpecError, match=message):
        DataTable(*args)


def test_a_table_holds_at_most_max_points():
    X = np.zeros((MAX_POINTS + 1, 2))
    with pytest.raises(SpecError, match=f"at most {MAX_POINTS} points, not {MAX_POINTS + 1}"):
        DataTable(X, np.zeros(MAX_POINTS + 1), "regression")
    assert len(DataTable(X[:-1], np.zeros(MAX_POINTS), "regression")) == MAX_POINTS


def test_a_class_name_of_the_longest_length_is_accepted_and_one_more_refused():
    assert check_class_names(["a", "é" * MAX_CLASS_NAME]) == ("a", "é" * MAX_CLASS_NAME)
    with pytest.raises(SpecError, match="'é+'… has 41"):
        check_class_names(["a", "é" * (MAX_CLASS_NAME + 1)])


def test_a_random_split_draws_with_random_split_and_the_seed():
    d = make_dataset("blobs4", n=200, test_ratio=0.3, seed=7)
    X = np.concatenate([d.X_train, d.X_test])
    y = np.concatenate([d.y_train, d.y_test])
    again = DataTable(X, y, "classification", d.class_names).split(0.3, seed=7, name="blobs4", box=d.box)
    train, test = random_split(200, 0.3, np.random.default_rng(7))
    assert len(train) == len(again.X_train) == 140 and len(again.X_test) == 60
    for part, index in ((again.X_train, train), (again.X_test, test)):
        np.testing.assert_array_equal(part, X[index])
    np.testing.assert_array_equal(again.y_train, y[train])
    assert again.name == "blobs4" and again.box == d.box and again.class_names == d.class_names


def test_a_split_defaults_to_a_custom_name_and_a_fitted_box_and_refuses_a_bad_ratio():
    t = DataTable(X4, [0, 1, 1, 0], "classification")
    d = t.split(0.5, seed=1)
    assert d.name == CUSTOM and d.box == fit_box(t.X) and len(d.X_train) == len(d.X_test) == 2
    for ratio in (-0.1, 1.0):
        with pytest.raises(SpecError, match="test_ratio must be in"):
            t.split(ratio)
    with pytest.raises(SpecError, match="a view box is four finite numbers"):
        t.split(box=(0, 1, 2))


def test_a_dataset_turns_into_a_table_with_its_split_and_back_unchanged():
    d = make_dataset("spiral3", n=90, noise=0.2, test_ratio=0.2, seed=3)
    t = DataTable.of(d)
    assert t.test.sum() == len(d.X_test) and not t.test[: len(d.X_train)].any()
    back = t.split(0.9, seed=99, name=d.name, box=d.box)  # the fixed split wins over ratio and seed
    for key in ("X_train", "y_train", "X_test", "y_test"):
        assert np.array_equal(getattr(back, key), getattr(d, key)), key
    assert (back.kind, back.class_names, back.box) == (d.kind, d.class_names, d.box)


@pytest.mark.parametrize(
    "box",
    [(0, 1, 0), (0, 1, 0, 1, 2), (1, 0, 0, 1), (0, 1, 1, 1), (0, np.nan, 0, 1), (0, 1, 0, True), "abcd"],
)
def test_a_bad_box_is_refused(box):
    with pytest.raises(SpecError, match="a view box"):
        check_box(box)


def test_fit_box_pads_each_axis_by_a_tenth_and_handles_flat_and_empty_data():
    assert fit_box(np.array([[0.0, -1.0], [10.0, 1.0]])) == (-1.0, 11.0, -1.2, 1.2)
    assert fit_box(np.array([[5.0, 100.0], [5.0, 100.0]])) == (4.0, 6.0, 90.0, 110.0)
    assert fit_box(np.zeros((0, 2))) == (-RADIUS, RADIUS, -RADIUS, RADIUS)


def test_a_box_around_a_range_tiny_beside_its_values_still_holds_every_point_strictly_inside():
    # 10 % of 0.125 is lost in rounding at 1e15 (floats there are 0.125 apart): the box goes one float out.
    X = np.array([[1e15, 0.0], [1e15 + 0.125, 1.0]])
    assert fit_box(X) == (1e15 - 0.125, 1e15 + 0.25, -0.1, 1.1)


FINITE = st.floats(-1e15, 1e15, allow_nan=False, allow_infinity=False)


@settings(max_examples=100, deadline=None, database=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 30), st.just(2)), elements=FINITE))
def test_the_fitted_box_holds_every_point_strictly_inside(X):
    x_min, x_max, y_min, y_max = fit_box(X)
    assert np.all((x_min < X[:, 0]) & (X[:, 0] < x_max) & (y_min < X[:, 1]) & (X[:, 1] < y_max))


@settings(max_examples=100, deadline=None, database=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 30), st.integers(1, 3)), elements=FINITE))
def test_standardise_gives_mean_0_and_std_1_and_is_undone_by_std_and_mean(X):
    Z, mean, std = standardise(X)
    assert Z.shape == X.shape and mean.shape == std.shape == (X.shape[1],) and np.all(std > 0)
    np.testing.assert_allclose(Z * std + mean, X, rtol=1e-9, atol=1e-9 * (1 + np.abs(X).max()))
    scale = np.abs(X).max(axis=0) / std  # rounding errors of X, in units of std
    assert np.all(np.abs(Z.mean(axis=0)) <= 1e-12 * len(X) * (1 + scale))
    spread = X.std(axis=0) > 1e-6 * np.abs(X).max(axis=0)  # columns whose spread rounding leaves intact
    np.testing.assert_allclose(Z.std(axis=0)[spread], 1.0, rtol=1e-6)


def test_standardise_keeps_a_flat_column_at_zero_and_refuses_no_points():
    Z, mean, std = standardise(np.array([[1.0, 3.0], [2.0, 3.0], [3.0, 3.0]]))
    assert mean.tolist() == [2.0, 3.0] and std[1] == 1.0 and Z[:, 1].tolist() == [0.0, 0.0, 0.0]
    np.testing.assert_allclose(Z[:, 0], [-np.sqrt(1.5), 0.0, np.sqrt(1.5)])
    with pytest.raises(SpecError, match=r"standardise needs points of shape \(n, d\) with n >= 1"):
        standardise(np.zeros((0, 2)))


def test_standardise_computes_in_float64_whatever_the_points_dtype():
    """Single-precision points are standardised in double precision (float32 would round the deviation
    sqrt(1.25) and each point to 24 bits)."""
    s = math.sqrt(1.25)  # the population deviation of 1, 2, 3, 4 about their mean 2.5
    for X in (np.array([[1.0], [2.0], [3.0], [4.0]], dtype=np.float32), [[1], [2], [3], [4]]):
        Z, mean, std = standardise(X)
        assert Z.dtype == mean.dtype == std.dtype == np.float64
        assert mean.tolist() == [2.5] and std.tolist() == [s]
        assert Z[:, 0].tolist() == [(v - 2.5) / s for v in (1.0, 2.0, 3.0, 4.0)]


def test_a_text_is_quoted_whole_up_to_its_limit_and_cut_after_it():
    assert quoted("a" * 40) == "'" + "a" * 40 + "'"
    assert quoted("a" * 41) == "'" + "a" * 40 + "'…"
    assert quoted("abc", limit=3) == "'abc'" and quoted("abcd", limit=3) == "'abc'…"


def test_a_split_without_a_seed_is_the_split_of_seed_0():
    table = DataTable(np.arange(40.0).reshape(20, 2), np.arange(20) % 2, "classification", ("a", "b"))
    default, zero, one = table.split(0.5), table.split(0.5, 0), table.split(0.5, 1)
    assert np.array_equal(default.X_train, zero.X_train) and np.array_equal(default.X_test, zero.X_test)
    assert not np.array_equal(zero.X_train, one.X_train)  # the seed matters, so the default is seed 0


def test_a_tables_refusals_in_these_words():
    for make, message in (
        (lambda: check_class_names(("b", "a", "a")), "the class name 'a' is used twice"),
        (
            lambda: DataTable([[0, 1], [2, 3]], [0.5, 0.2], "regression", ("a", "b")),
            "a regression data set has no class names",
        ),
        (
            lambda: DataTable([[0, 1], [2, 3]], [["a"], ["b"]], "classification"),
            "the targets must be numbers",
        ),
        (lambda: DataTable([[0, 1], [2, 3]], ["a", "b"], "classification"), "the targets must be numbers"),
        (
            lambda: DataTable([[0, 1], [2, 3], [1e300, 0]], [0, 1, 0], "classification"),
            "coordinates must be finite and at most 1e+15 in size; X[2] is [1e+300, 0.0]",
        ),
    ):
        with pytest.raises(SpecError) as info:
            make()
        assert str(info.value) == message


def test_a_tables_split_flags_are_a_read_only_boolean_array():
    table = DataTable([[0, 1], [2, 3]], [0, 1], "classification", test=[True, False])
    assert (
        isinstance(table.test, np.ndarray)
        and table.test.dtype == bool
        and table.test.tolist() == [True, False]
    )
    with pytest.raises(ValueError):
        table.test[0] = False
