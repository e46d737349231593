"""The multi-class built-in datasets (a 3-arm spiral, 3 to 6 Gaussian blobs) have the shape their names
promise, and every dataset says how many classes it has."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from nnviz.core import SpecError
from nnviz.core.datasets import DATASETS, MAX_CLASSES, Dataset, DatasetInfo, make_dataset, spiral3
from nnviz.core.metrics import accuracy, class_labels, predicted_classes

N = 3000


def generate(name: str, noise: float = 0.0, n: int = N, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    X, y = DATASETS[name].generate(n, noise, np.random.default_rng(seed))
    assert X.shape == (n, 2) and y.shape == (n, 1) and y.dtype == np.float64 and X.dtype == np.float64
    return X, y[:, 0]


def test_every_dataset_says_how_many_classes_it_has():
    classes = {name: info.classes for name, info in DATASETS.items()}
    assert classes == {
        "xor_table": 2, "xor": 2, "circle": 2, "gaussians": 2, "spiral": 2, "moons": 2,
        "plane": None, "bumps": None,
        "spiral3": 3, "blobs3": 3, "blobs4": 4, "blobs5": 5, "blobs6": 6,
    }  # fmt: skip
    assert all((info.kind == "regression") == (info.classes is None) for info in DATASETS.values())
    assert MAX_CLASSES == 6


@pytest.mark.parametrize("name", [name for name, info in DATASETS.items() if (info.classes or 0) > 2])
def test_labels_are_whole_class_numbers_in_blocks_of_nearly_equal_size(name):
    k = DATASETS[name].classes
    for n in (N, N + 1, 7 * k + 3):
        _, y = generate(name, n=n)
        assert set(np.unique(y)) == set(map(float, range(k)))
        counts = np.bincount(y.astype(int))
        assert counts.max() - counts.min() <= 1, counts  # as balanced as n allows
        assert np.all(np.diff(y) >= 0)  # class 0's points first, then class 1's, ...


@pytest.mark.parametrize("k", range(3, MAX_CLASSES + 1))
def test_blobs_sit_on_a_circle_of_radius_3_5_clockwise_from_twelve(k):
    X, y = generate(f"blobs{k}", n=600 * k)
    for j in range(k):
        angle = 2 * np.pi * j / k
        centre = 3.5 * np.array([np.sin(angle), np.cos(angle)])
        np.testing.assert_allclose(X[y == j].mean(axis=0), centre, atol=0.06)
        np.testing.assert_allclose(X[y == j].std(axis=0), [0.5, 0.5], rtol=0.08)
    noisy, labels = generate(f"blobs{k}", noise=1.0, n=5000 * k)
    np.testing.assert_allclose(noisy[labels == 0].std(axis=0), [2.0, 2.0], rtol=0.03)  # 0.5 + 1.5 * noise
    assert DATASETS[f"blobs{k}"].label == f"{k} Gaussian blobs"


def test_the_three_spiral_arms_are_one_curve_turned_by_thirds():
    m = 400
    X, y = generate("spiral3", n=3 * m)
    assert np.all(y == np.repeat([0.0, 1.0, 2.0], m))
    arms = X.reshape(3, m, 2)
    for j in (1, 2):
        turn = 2 * np.pi * j / 3  # clockwise: x = r sin(angle), y = r cos(angle)
        rotation = np.array([[np.cos(turn), np.sin(turn)], [-np.sin(turn), np.cos(turn)]])
        np.testing.assert_allclose(arms[j], arms[0] @ rotation.T, atol=1e-12)
    t = np.arange(m) / m
    np.testing.assert_allclose(np.hypot(*arms[0].T), 5.0 * t, atol=1e-12)  # out from the centre to 5
    angle = np.unwrap(np.arctan2(arms[0, 1:, 0], arms[0, 1:, 1]))
    np.testing.assert_allclose(angle, 1.25 * 2 * np.pi * t[1:], atol=1e-9)  # 1.25 turns
    noise = generate("spiral3", noise=1.0)[0] - generate("spiral3")[0]
    assert noise.std() == pytest.approx(0.8, rel=0.05)
    # the generator's normal draws (x, y of each point in turn), times 0.8 * noise, added to the points
    draws = np.random.default_rng(1).normal(0.0, 1.0, size=(N, 2))
    np.testing.assert_allclose(noise, 0.8 * draws, atol=1e-12)


def test_spiral3_arms_of_unequal_length_each_run_from_the_centre_to_radius_5():
    X, y = spiral3(3 * 5 + 2, 0.0, np.random.default_rng(0))  # arms of 6, 6 and 5 points
    assert np.bincount(y[:, 0].astype(int)).tolist() == [6, 6, 5]
    for j, size in enumerate([6, 6, 5]):
        r = np.hypot(*X[y[:, 0] == j].T)
        np.testing.assert_allclose(r, 5.0 * np.arange(size) / size, atol=1e-12)


@pytest.mark.parametrize("name", ["spiral3", "blobs4"])
def test_multiclass_datasets_are_seeded_and_split_like_the_others(name):
    a = make_dataset(name, n=120, noise=0.3, test_ratio=0.25, seed=7)
    b = make_dataset(name, n=120, noise=0.3, test_ratio=0.25, seed=7)
    assert np.array_equal(a.X_train, b.X_train) and np.array_equal(a.y_test, b.y_test)
    assert (len(a.X_train), len(a.X_test)) == (90, 30)
    assert a.classes == DATASETS[name].classes and a.class_names == tuple(map(str, range(a.classes)))
    assert not np.array_equal(
        a.X_train, make_dataset(name, n=120, noise=0.3, test_ratio=0.25, seed=8).X_train
    )


def test_binary_and_regression_datasets_name_their_classes():
    assert make_dataset("circle").class_names == ("0", "1") and make_dataset("circle").classes == 2
    assert make_dataset("plane").class_names == () and make_dataset("plane").classes is None


@pytest.mark.parametrize(
    "kind, classes, words",
    [
        ("classification", 1, "2 to 6 classes, not 1"),
        ("classification", 7, "2 to 6 classes, not 7"),
        ("classification", None, "2 to 6 classes, not None"),
        ("classification", True, "2 to 6 classes, not True"),
        ("regression", 2, "a regression data set has no classes (None), not 2"),
        ("ranking", 2, "must be 'classification' or 'regression', not 'ranking'"),
    ],
)
def test_a_dataset_table_entry_must_have_a_class_count_that_fits_its_kind(kind, classes, words):
    with pytest.raises(SpecError) as info:
        DatasetInfo("x", spiral3, kind, (-1.0, 1.0, -1.0, 1.0), classes)
    assert words in str(info.value)


def test_a_classification_dataset_built_without_class_names_has_two_classes_named_0_and_1():
    X, y = np.zeros((2, 2)), np.array([[0.0], [1.0]])
    binary = Dataset("custom", "classification", (-1.0, 1.0, -1.0, 1.0), X, y, X, y)
    assert binary.class_names == ("0", "1") and binary.classes == 2
    plane = Dataset("custom", "regression", (-1.0, 1.0, -1.0, 1.0), X, y, X, y)
    assert plane.class_names == () and plane.classes is None


def test_two_target_columns_are_one_hot_rows_not_a_column_of_labels():
    assert class_labels([[0.0, 1.0], [1.0, 0.0], [0.0, 1.0]]).tolist() == [1, 0, 1]
    assert class_labels([[0.3, 0.7], [0.6, 0.4]]).tolist() == [1, 0]  # probabilities: the larger wins


def test_a_column_of_probabilities_is_class_1_only_strictly_above_one_half():
    labels = class_labels([[0.7], [0.2], [0.5], [0.9], [0.51]])
    assert labels.tolist() == [1, 0, 0, 1, 1]
    assert np.issubdtype(labels.dtype, np.integer)
    assert class_labels([[-1.0], [2.0]]).tolist() == [0, 1]  # a negative value is no class number


def test_one_output_predicts_class_1_only_strictly_above_one_half():
    assert predicted_classes([[0.5], [0.51], [0.49]]).tolist() == [0, 1, 0]


def test_outputs_that_are_not_a_table_are_refused_in_these_words():
    with pytest.raises(SpecError) as info:
        predicted_classes(np.zeros(3))
    assert str(info.value) == "outputs must have shape (n, k), got (3,)"


def test_accuracy_refuses_more_outputs_than_targets_in_these_words():
    with pytest.raises(SpecError) as info:
        accuracy(np.zeros((3, 1)), np.zeros((2, 1)))
    assert str(info.value) == "3 outputs but 2 targets"


def test_the_accuracy_of_an_empty_set_is_nan_without_a_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(accuracy(np.zeros((0, 1)), np.zeros((0, 1))))
