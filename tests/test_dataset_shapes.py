"""Each playground dataset has the shape its name promises, its noise knob spreads it as documented, and
``make_dataset`` splits and validates as the sidebar relies on."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.core import SpecError
from nnviz.core.datasets import DATASETS, RADIUS, make_dataset

N = 2000


def generate(name: str, noise: float = 0.0, n: int = N, seed: int = 1):
    X, y = DATASETS[name].generate(n, noise, np.random.default_rng(seed))
    assert X.shape == (len(X), 2) and y.shape == (len(X), 1)
    assert len(X) == (4 if name == "xor_table" else n)
    return X, y[:, 0]


def noise_of(name: str, noise: float) -> np.ndarray:
    """The noise added to each clean point (the same seed draws the same clean points)."""
    return generate(name, noise)[0] - generate(name, 0.0)[0]


def test_xor_cloud_labels_the_quadrants_and_keeps_points_off_the_axes():
    X, y = generate("xor")
    assert np.all(np.abs(X) >= 0.3) and np.all(np.abs(X) <= 5.3)
    np.testing.assert_array_equal(y, (np.sign(X[:, 0]) != np.sign(X[:, 1])).astype(float))
    assert 0.45 < y.mean() < 0.55
    for quadrant in ([1, 1], [1, -1], [-1, 1], [-1, -1]):  # every quadrant is used
        assert np.all(np.sign(X) == quadrant, axis=1).sum() > N / 5
    assert noise_of("xor", 1.0).std() == pytest.approx(1.5, rel=0.05)


def test_circle_is_a_disc_inside_a_ring():
    X, y = generate("circle", n=N + 1)
    r = np.hypot(X[:, 0], X[:, 1])
    assert y.sum() == N // 2  # the first half (rounded down) is the disc
    assert np.all(y[: N // 2] == 1) and np.all(y[N // 2 :] == 0)
    assert r[y == 1].max() <= 2.5 and r[y == 1].min() < 0.2
    assert r[y == 0].min() >= 3.5 and r[y == 0].max() <= 5.0
    assert np.abs(X[y == 0].mean(axis=0)).max() < 0.3  # all the way round
    assert np.abs(X[y == 0]).max(axis=0).min() > 4.9
    assert noise_of("circle", 0.5).std() == pytest.approx(0.5, rel=0.05)


def test_two_gaussians_are_centred_at_plus_and_minus_two():
    assert generate("gaussians", n=N + 1)[1].sum() == N // 2  # an odd count: the smaller half is label 1
    X, y = generate("gaussians")
    assert y.sum() == N // 2 and np.all(y[: N // 2] == 1)
    np.testing.assert_allclose(X[y == 1].mean(axis=0), [2, 2], atol=0.06)
    np.testing.assert_allclose(X[y == 0].mean(axis=0), [-2, -2], atol=0.06)
    np.testing.assert_allclose(X[y == 1].std(axis=0), [0.5, 0.5], rtol=0.06)
    noisy, labels = generate("gaussians", noise=1.0)
    np.testing.assert_allclose(noisy[labels == 0].std(axis=0), [2.5, 2.5], rtol=0.06)


def test_spiral_arms_are_one_curve_turned_by_half_a_turn():
    m = 500
    X, y = generate("spiral", n=2 * m)
    assert np.all(y[:m] == 1) and np.all(y[m:] == 0)
    np.testing.assert_allclose(X[m:], -X[:m], atol=1e-12)
    r = np.hypot(X[:m, 0], X[:m, 1])
    np.testing.assert_allclose(r, 5.0 * np.arange(m) / m, atol=1e-12)  # out from the centre to 5
    # 1.75 turns, clockwise from twelve o'clock: x = r sin(angle), y = r cos(angle).
    angle = np.unwrap(np.arctan2(X[1:m, 0], X[1:m, 1]))
    np.testing.assert_allclose(angle, 1.75 * 2 * np.pi * np.arange(1, m) / m, atol=1e-9)
    assert noise_of("spiral", 1.0).std() == pytest.approx(0.8, rel=0.05)


def test_moons_are_two_interleaved_half_circles():
    assert generate("moons", n=N + 1)[1].sum() == N // 2
    X, y = generate("moons")
    assert np.all(y[: N // 2] == 1) and np.all(y[N // 2 :] == 0)
    upper, lower = X[y == 1] / 3.5, X[y == 0] / 3.5
    np.testing.assert_allclose(np.hypot(upper[:, 0] + 0.5, upper[:, 1] + 0.25), 1.0, atol=1e-12)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 0.5, lower[:, 1] - 0.25), 1.0, atol=1e-12)
    assert upper[:, 1].min() >= -0.25 - 1e-12 and lower[:, 1].max() <= 0.25 + 1e-12
    assert upper[:, 0].min() < -1.49 and upper[:, 0].max() > 0.49
    assert lower[:, 0].min() < -0.49 and lower[:, 0].max() > 1.49
    assert noise_of("moons", 0.5).std() == pytest.approx(0.5, rel=0.05)


def test_regression_plane_target_is_the_scaled_sum_of_the_inputs():
    X, y = generate("plane")
    assert np.all(np.abs(X) <= 5.0) and np.abs(X).max() > 4.99
    np.testing.assert_allclose(y, (X[:, 0] + X[:, 1]) / 10, atol=1e-15)
    Xn, yn = generate("plane", noise=1.0)
    np.testing.assert_array_equal(Xn, X)  # noise goes into the target, not the inputs
    residual = yn - (X[:, 0] + X[:, 1]) / 10
    assert residual.std() == pytest.approx(0.2, rel=0.06)
    big = generate("plane", noise=1.0, n=20000)[1]
    assert big.max() == 1.0 and big.min() == -1.0  # clipped to [-1, 1]


@pytest.mark.parametrize(
    "centre, sign",
    [((-4, 2.5), 1), ((0, 2.5), -1), ((4, 2.5), 1), ((-4, -2.5), -1), ((0, -2.5), 1), ((4, -2.5), -1)],
)
def test_regression_bumps_peak_at_their_centres_with_their_signs(centre, sign):
    X, y = generate("bumps", n=20000)
    assert np.all(np.abs(X) <= 5.0) and np.abs(y).max() <= 1.0
    near = np.hypot(X[:, 0] - centre[0], X[:, 1] - centre[1]) < 0.15
    assert near.sum() > 3
    assert np.all(np.sign(y[near]) == sign) and np.all(np.abs(y[near]) > 0.97)
    far = np.hypot(X[:, 0] - centre[0], X[:, 1] - centre[1])
    ring = (far > 1.1) & (far < 1.3) & (np.abs(X[:, 0] - centre[0]) < 0.3)  # straight above or below
    assert np.all(np.abs(y[ring]) < 0.6)  # a bump of width 1: exp(-1.2²/2) ≈ 0.49


def test_regression_bumps_noise_goes_into_the_target():
    big = generate("bumps", noise=1.0, n=20000)[1]
    assert big.max() == 1.0 and big.min() == -1.0  # clipped to [-1, 1]
    X, y = generate("bumps")
    Xn, yn = generate("bumps", noise=0.5)
    np.testing.assert_array_equal(Xn, X)
    inside = np.abs(y) < 0.5  # away from the clipping
    assert (yn - y)[inside].std() == pytest.approx(0.1, rel=0.08)


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_clean_points_lie_in_the_plotted_box(name):
    x0, x1, y0, y1 = DATASETS[name].box
    X, _ = generate(name)
    assert np.all((x0 <= X[:, 0]) & (X[:, 0] <= x1) & (y0 <= X[:, 1]) & (X[:, 1] <= y1))
    if name == "xor_table":
        assert DATASETS[name].box == (-0.5, 1.5, -0.5, 1.5)
    else:
        assert DATASETS[name].box == (-RADIUS, RADIUS, -RADIUS, RADIUS) and RADIUS == 6.0


def test_dataset_kinds():
    regression = {name for name, info in DATASETS.items() if info.kind == "regression"}
    assert regression == {"plane", "bumps"}
    assert {info.kind for info in DATASETS.values()} == {"classification", "regression"}


def test_make_dataset_splits_every_point_once():
    d = make_dataset("circle", n=10, test_ratio=0.25, seed=3)
    assert (len(d.X_train), len(d.X_test)) == (8, 2)  # round(2.5) = 2
    assert (d.name, d.kind, d.box) == ("circle", "classification", DATASETS["circle"].box)
    X, y = DATASETS["circle"].generate(10, 0.0, np.random.default_rng(3))
    both = np.concatenate([d.X_train, d.X_test])
    assert sorted(map(tuple, both)) == sorted(map(tuple, X))
    labels = dict(zip(map(tuple, X), y[:, 0]))
    assert [labels[tuple(p)] for p in d.X_test] == d.y_test[:, 0].tolist()
    assert [labels[tuple(p)] for p in d.X_train] == d.y_train[:, 0].tolist()
    no_test = make_dataset("spiral", n=10, test_ratio=0.0)
    assert len(no_test.X_train) == 10 and len(no_test.X_test) == 0
    assert len(make_dataset("spiral", n=10, test_ratio=0.99).X_train) == 0  # allowed, if useless


def test_the_xor_table_trains_and_tests_on_its_four_points():
    d = make_dataset("xor_table", n=500, noise=1.0, test_ratio=0.5, seed=9)
    np.testing.assert_array_equal(d.X_train, d.X_test)
    np.testing.assert_array_equal(d.y_train, d.y_test)
    assert d.X_test is not d.X_train and d.kind == "classification"


@pytest.mark.parametrize(
    "settings, words",
    [
        ({"n": 3}, "between 4 and 100000, got 3"),
        ({"n": 100_001}, "between 4 and 100000, got 100001"),
        ({"noise": -0.1}, "noise must be in [0, 1]"),
        ({"noise": 1.5}, "noise must be in [0, 1]"),
        ({"test_ratio": 1.0}, "test_ratio in [0, 1)"),
        ({"test_ratio": -0.5}, "test_ratio in [0, 1)"),
    ],
)
def test_out_of_range_settings_are_refused(settings, words):
    with pytest.raises(SpecError) as info:
        make_dataset("gaussians", **settings)
    assert words in str(info.value)


def test_the_edges_of_the_ranges_are_accepted():
    assert len(make_dataset("gaussians", n=4, test_ratio=0.0).X_train) == 4
    assert len(make_dataset("plane", n=100_000, noise=1.0).X_train) == 50_000
    with pytest.raises(
        SpecError,
        match=r"unknown dataset 'mnist'; choose one of \['blobs3', 'blobs4', 'blobs5', 'blobs6', 'bumps', "
        r"'circle'",
    ):
        make_dataset("mnist")


def test_odd_counts_split_the_arms_and_clouds_as_documented():
    X, y = generate("spiral", n=9)
    assert y.tolist() == [1.0] * 4 + [0.0] * 5  # the first n // 2 points are label 1
    np.testing.assert_allclose(X[4], [0.0, 0.0], atol=1e-12)  # each arm starts at the centre
    np.testing.assert_allclose(np.hypot(*X[:4].T), 5.0 * np.arange(4) / 4, atol=1e-12)
    np.testing.assert_allclose(np.hypot(*X[5:].T), 5.0 * np.arange(1, 5) / 4, atol=1e-12)
    assert generate("spiral", n=N + 1)[1].sum() == N // 2


def test_xor_cloud_and_circle_fill_their_ranges():
    X, y = generate("xor")
    assert np.abs(X).max() > 5.2 and np.abs(X).min() < 0.31  # from just off the axes out to 5.3
    assert len(np.unique(np.round(X[:, 0], 6))) > N / 2  # spread, not a few points
    r = np.hypot(*generate("circle")[0].T)
    ring = r[generate("circle")[1] == 0]
    assert ring.min() < 3.6 and ring.max() > 4.9


def test_make_dataset_defaults_and_names():
    d = make_dataset("circle")
    assert (len(d.X_train), len(d.X_test)) == (100, 100)  # 200 points, half for testing
    same = make_dataset("circle", n=200, noise=0.0, test_ratio=0.5, seed=0)
    np.testing.assert_array_equal(d.X_train, same.X_train)
    assert make_dataset("xor_table").name == "xor_table" and d.name == "circle"


def test_features_keep_the_points_float_type():
    from nnviz.core.datasets import apply_features

    points = np.array([[1.0, 2.0], [3.0, -1.0]], dtype=np.float32)
    features = apply_features(points, ["x1", "x1*x2", "sin(x2)"])
    assert features.dtype == np.float32 and features.shape == (2, 3)
    assert apply_features(points.astype(np.float64), ["x2"]).dtype == np.float64
