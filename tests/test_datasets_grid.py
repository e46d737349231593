"""Datasets are seeded and well formed; grids equal point-by-point evaluation."""

import numpy as np
import pytest

from nnviz.core import Network, SpecError
from nnviz.core.datasets import DATASETS, FEATURES, apply_features, make_dataset
from nnviz.core.grid import decision_grid, grid_points, neuron_grids


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_datasets_are_seeded_split_and_labelled(name):
    a = make_dataset(name, n=100, noise=0.2, test_ratio=0.3, seed=4)
    b = make_dataset(name, n=100, noise=0.2, test_ratio=0.3, seed=4)
    assert np.array_equal(a.X_train, b.X_train) and np.array_equal(a.y_test, b.y_test)
    assert a.X_train.shape[1] == 2 and a.y_train.shape == (len(a.X_train), 1)
    if name != "xor_table":
        assert len(a.X_train) == 70 and len(a.X_test) == 30
        c = make_dataset(name, n=100, noise=0.2, test_ratio=0.3, seed=5)
        assert not np.array_equal(a.X_train, c.X_train)
    y = np.concatenate([a.y_train, a.y_test])
    if a.kind == "classification":  # every class 0 … k−1 is there, and nothing else (k = 2 when binary)
        assert set(np.unique(y)) == set(map(float, range(DATASETS[name].classes)))
        assert a.classes == DATASETS[name].classes and len(a.class_names) == a.classes
    else:
        assert y.min() >= -1 and y.max() <= 1 and np.ptp(y) > 0.5


def test_xor_truth_table_is_the_articles():
    d = make_dataset("xor_table")
    np.testing.assert_array_equal(d.X_train, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(d.y_train[:, 0], [0, 1, 1, 0])


def test_bad_dataset_settings():
    with pytest.raises(SpecError, match="unknown dataset"):
        make_dataset("mnist")
    with pytest.raises(SpecError, match="noise"):
        make_dataset("circle", noise=3)


def test_features_transform_points():
    X = np.array([[1.0, 2.0], [-0.5, 0.25]])
    F = apply_features(X, list(FEATURES))
    np.testing.assert_allclose(F[0], [1, 2, 1, 4, 2, np.sin(1), np.sin(2)])
    with pytest.raises(SpecError):
        apply_features(X, ["x3"])


def test_features_are_refused_in_these_words_when_none_or_unknown_ones_are_chosen():
    X = np.zeros((1, 2))
    with pytest.raises(SpecError) as info:
        apply_features(X, [])
    assert str(info.value) == "choose at least one input feature"
    with pytest.raises(SpecError) as info:
        apply_features(X, ["x1", "x3", "cos(x1)"])
    assert str(info.value) == (
        "unknown features ['x3', 'cos(x1)']; "
        "choose from ['x1', 'x2', 'x1^2', 'x2^2', 'x1*x2', 'sin(x1)', 'sin(x2)']"
    )


def test_grid_points_are_row_major_from_the_top_left():
    p = grid_points((0, 4, 0, 2), n=4, dtype=np.float64)
    assert p.shape == (16, 2)
    np.testing.assert_allclose(p[0], [0.5, 1.75])  # top-left cell centre
    np.testing.assert_allclose(p[3], [3.5, 1.75])
    np.testing.assert_allclose(p[-1], [3.5, 0.25])


def test_decision_grid_equals_pointwise_evaluation():
    nn = Network.from_sizes([2, 5, 3, 1], hidden="tanh", output="sigmoid", seed=0)
    box = (-2.0, 3.0, -1.0, 1.0)
    grid = decision_grid(nn, box, n=12, dtype=np.float64)
    points = grid_points(box, 12, np.float64)
    expected = np.array([nn(p)[0, 0] for p in points]).reshape(12, 12)
    np.testing.assert_allclose(grid, expected, rtol=1e-12)
    np.testing.assert_allclose(decision_grid(nn, box, n=12), expected, atol=1e-5)  # float32 default


def test_decision_grid_with_features_and_neuron_maps():
    features = ["x1", "x2", "x1*x2"]
    nn = Network.from_sizes([3, 4, 1], hidden="relu", output="sigmoid", seed=0)
    box = (-1.0, 1.0, -1.0, 1.0)
    maps = neuron_grids(nn, box, n=8, features=features, dtype=np.float64)
    assert [m.shape for m in maps] == [(3, 8, 8), (4, 8, 8), (1, 8, 8)]
    np.testing.assert_allclose(maps[-1][0], decision_grid(nn, box, 8, features, np.float64))
    points = apply_features(grid_points(box, 8, np.float64), features)
    hidden = np.maximum(points @ nn.layers[0].weights.T + nn.layers[0].bias, 0)
    np.testing.assert_allclose(maps[1], hidden.T.reshape(4, 8, 8))
    np.testing.assert_allclose(maps[0][2], (points[:, 0] * points[:, 1]).reshape(8, 8))
