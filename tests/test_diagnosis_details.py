"""What the seed-robustness lab tells a learner about each failed copy: verdicts, counts and sentences.

The ensemble tests check that the verdicts exist; these check the thresholds that decide them (peak
slope, plateau window and tolerance, the targets' midpoint) and the sentences shown for each.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from nnviz.core import Ensemble, EnsembleTrainer, Layer, Network, Thresholds, diagnose
from nnviz.core.diagnosis import _wrong_samples

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([[0.0], [1.0], [1.0], [0.0]])


def net(*layers: tuple[list, list, str]) -> Network:
    """A network of hand-set layers ``(weights, bias, activation)`` on two inputs."""
    built, n_in = [], 2
    for w, b, act in layers:
        w = np.asarray(w, dtype=float)
        built.append(Layer(n_in, w.shape[0], True, act, w, b))
        n_in = w.shape[0]
    return Network(2, built)


def report_of(*networks: Network, X=XOR_X, y=XOR_Y, **thresholds):
    trainer = EnsembleTrainer(Ensemble.from_networks(list(networks)), X, y)
    return diagnose(trainer, Thresholds(**thresholds))


OUT = ([[1.0, 1.0]], [0.0], "sigmoid")


def test_saturation_is_measured_against_the_activations_peak_slope():
    # Sigmoid's peak slope is 1/4: at z = 6 its slope (0.0025) is below 1 % of that, at z = 5 (0.0066)
    # it is not, though both are below 1 % of tanh's peak of 1.
    report = report_of(net(([[0, 0], [0, 0]], [6.0, 5.0], "sigmoid"), OUT))
    assert report.verdict.tolist() == ["saturated units"]
    assert report.saturated.tolist() == [1] and report.dead.tolist() == [0]
    assert report.details == ["layer 1 unit 1 saturated: slope below 1% of the peak on all 4 samples"]
    wider = report_of(net(([[0, 0], [0, 0]], [6.0, 5.0], "sigmoid"), OUT), saturation=0.05)
    assert wider.saturated.tolist() == [2]
    assert wider.details == ["layer 1 units 1, 2 saturated: slope below 5% of the peak on all 4 samples"]


def test_a_sigmoid_whose_slope_rounds_to_zero_is_saturated_not_dead():
    report = report_of(net(([[0, 0], [0, 0]], [800.0, -800.0], "sigmoid"), OUT))
    assert report.verdict.tolist() == ["saturated units"]
    assert report.saturated.tolist() == [2] and report.dead.tolist() == [0]
    tanh = report_of(net(([[0, 0], [0, 0]], [-3.5, 2.5], "tanh"), OUT))
    assert tanh.saturated.tolist() == [1] and tanh.details[0].startswith("layer 1 unit 1 saturated")
    flat_tanh = report_of(net(([[0, 0], [0, 0]], [800.0, -800.0], "tanh"), OUT))  # slope exactly 0
    assert flat_tanh.saturated.tolist() == [2] and flat_tanh.dead.tolist() == [0]
    assert flat_tanh.dead.dtype.kind == "i" and flat_tanh.saturated.dtype.kind == "i"


def test_dead_units_are_named_in_one_sentence_with_any_saturated_ones():
    all_dead = net(
        ([[-1, -1], [-1, -1]], [-0.5, -0.5], "relu"), ([[1, 1]], [0.0], "tanh"), ([[1]], [0.0], "sigmoid")
    )
    one_dead = net(
        ([[-1, -1], [0, 0]], [-0.5, 1.0], "relu"), ([[0, 9]], [0.0], "tanh"), ([[1]], [0.0], "sigmoid")
    )
    one_dead_only = net(
        ([[-1, -1], [0, 0]], [-0.5, 1.0], "relu"), ([[0, 1]], [0.0], "tanh"), ([[1]], [0], "sigmoid")
    )
    report = report_of(all_dead, one_dead, one_dead_only)
    assert report.verdict.tolist() == ["dead units"] * 3
    assert report.dead.tolist() == [2, 1, 1] and report.saturated.tolist() == [0, 1, 0]
    assert report.details[0] == (
        "layer 1 units 1, 2 dead: f'(z) = 0 on all 4 samples, so no gradient reaches their weights"
    )
    assert report.details[1] == (
        "layer 1 unit 1 dead: f'(z) = 0 on all 4 samples, so no gradient reaches its weights; "
        "layer 2 unit 1 saturated: slope below 1% of the peak on all 4 samples"
    )
    assert report.details[2].endswith("reaches its weights")
    assert report.counts() == {"dead units": 3}
    two_layers = net(([[0, 0]], [9.0], "tanh"), ([[0]], [-9.0], "tanh"), ([[1]], [0.0], "sigmoid"))
    both = report_of(two_layers)
    assert both.saturated.tolist() == [2]  # counted over every hidden layer
    assert both.details[0] == (
        "layer 1 unit 1 saturated: slope below 1% of the peak on all 4 samples; "
        "layer 2 unit 1 saturated: slope below 1% of the peak on all 4 samples"
    )


def test_solved_copies_and_accuracy_use_the_targets_midpoint():
    # Targets -1 and 1: the midpoint is 0, so an output of 0.2 counts as the class 1.
    y = np.array([[-1.0], [1.0], [1.0], [-1.0]])
    right = net(([[1.0, 1.0]], [-0.8], "linear"))  # 2 in 4 right: -0.8, 0.2, 0.2, 1.2
    exact = net(([[20, 20], [20, 20]], [-10, -30], "sigmoid"), ([[20, -20]], [-10], "tanh"))
    report = report_of(right.copy(), right, X=XOR_X, y=y)
    assert report.accuracy.tolist() == [0.75, 0.75]
    assert report.solved.tolist() == [False, False]
    solved = diagnose(EnsembleTrainer(Ensemble.from_networks([exact]), XOR_X, y))
    assert solved.solved.tolist() == [True] and solved.accuracy.tolist() == [1.0]
    assert solved.verdict.tolist() == ["solved"] and solved.details == [""]
    assert solved.counts() == {"solved": 1} and solved.solve_rate == 1.0
    np.testing.assert_allclose(solved.final_loss, [exact.loss(XOR_X, y)], rtol=1e-12)


def test_an_output_exactly_at_the_midpoint_counts_as_the_lower_class():
    half = net(([[0.0, 0.0]], [0.5], "linear"))  # 0.5 everywhere, targets 0 and 1
    report = report_of(half, half.copy())
    assert report.accuracy.tolist() == [0.5, 0.5]
    assert report.details[0].endswith("wrong on (0, 1) → 0.50, (1, 0) → 0.50")


def test_a_copy_whose_loss_is_already_infinite_is_diverged():
    broken = net(([[1e300, 1e300]], [0.0], "linear"))
    report = report_of(broken, net(([[0.0, 0.0]], [0.5], "linear")))
    assert report.verdict.tolist()[0] == "diverged" and not report.solved[0]


def trained_linear(epochs: int, record_every: int, n_copies: int = 2, X=XOR_X, y=XOR_Y) -> EnsembleTrainer:
    """Linear copies on XOR: they settle at the plateau of loss 1/8 (every output 1/2)."""
    ens = Ensemble.like(Network.from_sizes([2, 1], "linear", "linear"), seeds=range(n_copies))
    trainer = EnsembleTrainer(ens, X, y, lr=0.1, batch_size=None, record_every=record_every)
    trainer.run(epochs)
    return trainer


def test_plateau_is_judged_over_the_last_window_of_recorded_epochs():
    trainer = trained_linear(400, record_every=10)  # 40 records, after epochs 10, 20, ..., 400
    report = diagnose(trainer)
    assert report.verdict.tolist() == ["plateau", "plateau"]
    first = report.details[0]
    assert first.startswith("stuck at a plateau: loss 0.125 fell by 0.00% over the last 90 epochs")
    assert first.endswith("; wrong on (0, 1) → 0.50, (1, 0) → 0.50, (1, 1) → 0.50")
    assert "over the last 190 epochs" in diagnose(trainer, Thresholds(plateau_window=0.5)).details[0]
    assert (
        "over the last 10 epochs" in diagnose(trainer, Thresholds(plateau_window=0.01)).details[0]
    )  # 2 records at least
    # The loss still falls a little (by ~1e-6 relative): with no tolerance that is learning.
    learning = diagnose(trainer, Thresholds(plateau_tol=0.0))
    assert learning.verdict.tolist() == ["still learning", "still learning"]
    assert learning.details[0] == (
        "loss 0.125 is still falling: more epochs may solve it; "
        "wrong on (0, 1) → 0.50, (1, 0) → 0.50, (1, 1) → 0.50"
    )
    assert learning.counts() == {"still learning": 2}


def test_the_plateau_sentence_says_how_much_the_loss_fell():
    trainer = trained_linear(40, record_every=1)
    history, epochs = trainer.history[:, 0], trainer.history_epochs
    start = 30  # round(40 * 0.75)
    fell = (history[start] - history[-1]) / history[start]
    report = diagnose(trainer, Thresholds(plateau_tol=1.0))  # every relative fall is under 100 %
    assert report.verdict[0] == "plateau"
    assert f"fell by {fell:.2%} over the last {epochs[-1] - epochs[start]} epochs" in report.details[0]
    assert 0.005 < fell < 0.01  # a real fall, under the default tolerance of 1 %
    assert diagnose(trainer).verdict[0] == "plateau"
    assert diagnose(trainer, Thresholds(plateau_tol=0.005)).verdict[0] == "still learning"


def test_the_default_tolerance_is_a_one_percent_fall():
    trainer = trained_linear(10, record_every=1)
    history = trainer.history[:, 0]
    fell = (history[8] - history[-1]) / history[8]  # round(10 * 0.75) = 8 (a window of a quarter)
    assert 0.01 < fell < 0.02
    assert diagnose(trainer).verdict[0] == "still learning"
    assert diagnose(trainer, Thresholds(plateau_tol=0.02)).verdict[0] == "plateau"


def test_too_few_records_are_never_a_plateau():
    trainer = trained_linear(3, record_every=1)  # 3 records
    assert diagnose(trainer, Thresholds(plateau_tol=1.0)).verdict.tolist() == ["still learning"] * 2
    trainer.run(1)  # 4 records: now the window is judged
    assert diagnose(trainer, Thresholds(plateau_tol=1.0)).verdict.tolist() == ["plateau"] * 2


def test_large_sets_count_the_wrong_samples_instead_of_listing_them():
    rng = np.random.default_rng(3)
    X = rng.uniform(-1, 1, size=(9, 2))
    y = (X[:, :1] * X[:, 1:] > 0).astype(float)
    trainer = trained_linear(50, record_every=1, X=X, y=y)
    report = diagnose(trainer)
    wrong = int(round((1 - report.accuracy[0]) * 9))
    assert 0 < wrong < 9
    assert report.details[0].endswith(f"; {wrong} of 9 samples wrong")
    small = diagnose(trained_linear(50, record_every=1, X=X[:8], y=y[:8]))
    assert "wrong on (" in small.details[0] and "samples wrong" not in small.details[0]


def test_diverged_copies_say_so_and_count_as_unsolved():
    ens = Ensemble.like(Network.from_sizes([2, 3, 1], "linear", "linear"), seeds=[0, 1])
    trainer = EnsembleTrainer(ens, XOR_X * 100, XOR_Y, lr=10.0, batch_size=None)
    trainer.run(30)
    report = diagnose(trainer)
    assert report.verdict.tolist() == ["diverged", "diverged"]
    assert report.details == ["the loss or a weight became NaN or infinite: the step was too large"] * 2
    assert not report.solved.any() and report.solve_rate == 0.0


def test_counts_follow_the_verdict_order_and_leave_out_zeros():
    saturated = net(([[0, 0], [0, 0]], [800.0, -800.0], "sigmoid"), OUT)
    solved = net(([[20, 20], [20, 20]], [-10, -30], "sigmoid"), ([[20, -20]], [-10], "sigmoid"))
    report = report_of(saturated, solved, saturated)
    assert list(report.counts().items()) == [("solved", 1), ("saturated units", 2)]
    assert report.solve_rate == pytest.approx(1 / 3)


def test_wrong_samples_list_every_output_of_a_copy_with_several():
    # One layer, two sigmoid outputs, no weights: every sample gets σ(−1) = 0.27 and σ(1) = 0.73, so
    # the rows whose targets are (1, 0) are wrong and those with (0, 1) right.
    two = net(([[0.0, 0.0], [0.0, 0.0]], [-1.0, 1.0], "sigmoid"))
    y = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    report = report_of(two, y=y)
    assert report.verdict.tolist() == ["still learning"]
    assert report.details[0].endswith("; wrong on (0, 1) → 0.27, 0.73, (1, 0) → 0.27, 0.73")


def test_wrong_samples_of_a_copy_right_everywhere_say_so():
    # diagnose asks only about unsolved copies, which have a wrong sample; the helper still says it.
    X = np.array([[0.0, 1.0], [2.5, -1.0]])
    out = np.array([[0.9], [0.1]])
    assert _wrong_samples(X, out, np.array([[True], [True]])) == "every sample right"
    assert _wrong_samples(X, out, np.array([[True], [False]])) == "wrong on (2.5, -1) → 0.10"


def test_a_slope_exactly_at_the_saturation_line_is_not_saturated():
    # leaky_relu's slope for z < 0 is 0.01, exactly 1 % of its peak slope 1: not *below* 1 %.
    leaky = net(([[-1, -1]], [-0.5], "leaky_relu"), ([[1]], [0.0], "sigmoid"))  # z = -0.5 ... -2.5
    report = report_of(leaky)
    assert report.saturated.tolist() == [0] and report.dead.tolist() == [0]
    wider = report_of(leaky, saturation=0.0101)
    assert wider.saturated.tolist() == [1]
    assert wider.details == ["layer 1 unit 1 saturated: slope below 1% of the peak on all 4 samples"]


def test_a_flat_region_narrower_than_a_hundredth_is_found_at_zero():
    # A dead zone |z| < 0.003: f' is 0 there, and the slope profile's grid (-10, -9.99, ..., 10) holds
    # z = 0, so a unit sitting in it (z = 0.001 on every sample) is dead, not saturated.
    zone = net(([[0, 0]], [0.001], "where(abs(x) < 0.003, 0, x)"), ([[1]], [0.0], "sigmoid"))
    report = report_of(zone)
    assert report.dead.tolist() == [1] and report.saturated.tolist() == [0]
    assert report.verdict.tolist() == ["dead units"]


def test_a_slope_zero_on_all_of_minus_ten_to_ten_is_measured_against_a_peak_of_one():
    # f' is 0 on [-10, 10] (a flat region), 0.005 on (10.5, 12) and 0.015 beyond 12: with no positive
    # peak on the grid, the saturation line is 1 % of 1.
    ramp = "0.005*max(x - 10.5, 0) + 0.01*max(x - 12, 0)"
    report = report_of(net(([[0, 0], [0, 0]], [11.0, 13.0], ramp), OUT))
    assert report.saturated.tolist() == [1] and report.dead.tolist() == [0]
    assert report.details == ["layer 1 unit 1 saturated: slope below 1% of the peak on all 4 samples"]


def test_a_numpy_pair_with_no_finite_slope_on_the_grid_is_measured_against_a_peak_of_one():
    def df(z):
        return np.where(np.abs(z) <= 10, np.inf, np.where(z > 0, 0.015, 0.005))

    pair = (lambda z: z, df)  # f' infinite on [-10, 10]; 0.015 at z = 20, 0.005 at z = -20
    report = report_of(net(([[0, 0], [0, 0]], [20.0, -20.0], pair), OUT))
    assert report.saturated.tolist() == [1] and report.dead.tolist() == [0]
    assert report.details == ["layer 1 unit 2 saturated: slope below 1% of the peak on all 4 samples"]


def test_diagnosing_an_activation_that_computes_nan_on_a_branch_not_taken_warns_nothing():
    # sqrt(x) is computed for negative x too and then discarded: NumPy's RuntimeWarnings stay silent in the
    # forward pass, the slopes and the slope profile.
    root = net(
        ([[-1, -1]], [0.5], "where(x > 0, sqrt(x), x)"), ([[1]], [0.0], "sigmoid")
    )  # z = 0.5, -0.5, -0.5, -1.5
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = report_of(root)
    assert report.saturated.tolist() == [0] and report.dead.tolist() == [0]


def test_targets_exactly_at_the_midpoint_count_as_the_lower_class():
    # Targets 0, 0.5, 0.5, 1: the midpoint 0.5 is itself a target, on the low side like the output 0.4.
    y = np.array([[0.0], [0.5], [0.5], [1.0]])
    report = report_of(net(([[0.0, 0.0]], [0.4], "linear")), y=y)
    assert report.accuracy.tolist() == [0.75]
    assert report.details[0].endswith("wrong on (1, 1) → 0.40")
