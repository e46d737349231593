"""Losses and initialisers: the formulas written out by hand, the names, the messages."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.core import Network, Trainer
from nnviz.core.activations import ACTIVATIONS
from nnviz.core.errors import SpecError
from nnviz.core.formula import parse_activation
from nnviz.core.losses import LOSSES, BinaryCrossEntropy, get_loss

#: A sigmoid of slope 2 at 0: not the built-in sigmoid, so BCE takes its general formulas.
STEEP = "1/(1+exp(-2*x))"


def test_bce_for_an_output_that_is_not_the_sigmoid_uses_the_outputs():
    act = parse_activation(STEEP)
    assert act.name is None
    z = np.array([[0.3], [-1.2], [2.0]])
    a = act.f(z)
    y = np.array([[1.0], [0.0], [1.0]])
    bce = get_loss("bce")
    expected = -(y * np.log(a) + (1 - y) * np.log(1 - a))[:, 0]
    np.testing.assert_allclose(bce.per_sample(a, y, z, act), expected, rtol=1e-13)
    assert bce.value(a, y, z, act) == pytest.approx(expected.mean(), rel=1e-13)
    dloss_da = (a - y) / (a * (1 - a))
    np.testing.assert_allclose(bce.dloss_da(a, y), dloss_da, rtol=1e-13)
    slope = 2 * a * (1 - a)  # f'(z) of the steep sigmoid
    np.testing.assert_allclose(bce.sample_delta(a, y, z, act), dloss_da * slope, rtol=1e-12)
    np.testing.assert_allclose(bce.delta(a, y, z, act), dloss_da * slope / 3, rtol=1e-12)


def test_bce_of_outputs_at_zero_or_one_is_infinite_without_a_warning():
    act = parse_activation(STEEP)
    a = np.array([[0.0], [1.0]])
    y = np.array([[1.0], [0.0]])
    with np.errstate(all="raise"):  # the loss silences what it expects
        losses = BinaryCrossEntropy().per_sample(a, y, a, act)
        slopes = BinaryCrossEntropy().dloss_da(a, y)
    assert np.all(np.isinf(losses)) and np.all(np.isinf(slopes))


def test_bce_with_the_sigmoid_works_from_the_logits():
    sigmoid = ACTIVATIONS["sigmoid"]
    z = np.array([[800.0, -800.0]])
    a = sigmoid.f(z)
    y = np.array([[0.0, 1.0]])
    bce = get_loss("bce")
    assert bce.per_sample(a, y, z, sigmoid).tolist() == [1600.0]
    np.testing.assert_array_equal(bce.sample_delta(a, y, z, sigmoid), a - y)


def test_losses_by_name_in_any_case_and_the_refusal():
    assert {"bce", "mse", "sse"} <= set(LOSSES)
    assert get_loss("MSE") is LOSSES["mse"] and get_loss("Bce") is LOSSES["bce"]
    assert get_loss(LOSSES["sse"]) is LOSSES["sse"]
    assert [LOSSES[n].reduction for n in ("mse", "sse", "bce")] == ["mean", "sum", "mean"]
    with pytest.raises(SpecError) as refused:
        get_loss("nope")
    assert str(refused.value) == f"unknown loss 'nope'; choose one of {sorted(LOSSES)}"
    assert repr(LOSSES["mse"]) == "MeanSquaredError()"


def test_mse_and_sse_written_out():
    linear = ACTIVATIONS["linear"]
    a = np.array([[1.0, 2.0], [0.5, -1.0]])
    y = np.array([[0.0, 0.0], [1.0, 1.0]])
    mse, sse = get_loss("mse"), get_loss("sse")
    assert mse.per_sample(a, y, a, linear).tolist() == [2.5, 2.125]
    assert mse.value(a, y, a, linear) == 2.3125
    assert sse.per_sample(a, y, a, linear).tolist() == [5.0, 4.25]
    assert sse.value(a, y, a, linear) == 9.25
    np.testing.assert_array_equal(mse.delta(a, y, a, linear), (a - y) / 2)
    np.testing.assert_array_equal(sse.delta(a, y, a, linear), (a - y))


@pytest.mark.parametrize("bad", [-1.0, 1.5, np.nan])
def test_bce_refuses_targets_outside_0_and_1_for_which_its_loss_has_no_minimum(bad):
    nn = Network.from_sizes([2, 3, 1], hidden="tanh", output="sigmoid", seed=0)
    X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([[0.0], [bad], [1.0]])
    # -(y log a + (1 - y) log(1 - a)) at y = -1 is log a - 2 log(1 - a): it falls without end as a -> 0.
    message = (
        f"binary cross-entropy needs targets between 0 and 1 (0/1 labels or probabilities), got {bad:g}: "
        "below 0 or above 1 its loss has no minimum; for regression targets use 'mse'"
    )
    with pytest.raises(SpecError) as info:
        Trainer(nn, X, y, loss="bce")
    assert str(info.value) == message
    with pytest.raises(SpecError) as info:
        nn.loss(X, y, "bce")
    assert str(info.value) == message
    assert np.isfinite(Trainer(nn, X, np.array([[0.0], [0.5], [1.0]]), loss="bce").epoch())  # edges and soft
    Trainer(nn, X, y, loss="mse")  # the same targets are fine for mse


def test_cce_targets_turn_a_column_of_labels_into_one_hot_rows_even_for_two_outputs():
    cce = LOSSES["cce"]
    labels = np.array([[0.0], [1.0], [1.0]])
    expected = [[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]]
    assert cce.targets(labels, 2).tolist() == expected
    assert cce.targets(labels[:, 0], 2).tolist() == expected


def test_cce_targets_refusal_shows_a_row_of_more_than_8_values_shortened():
    with pytest.raises(SpecError) as info:
        LOSSES["cce"].targets(np.full((2, 9), 0.2), 9)
    assert str(info.value) == (
        "categorical cross-entropy targets must be one-hot rows (or class probabilities that sum to 1), "
        "but row 0 is [0.2 0.2 0.2 ... 0.2 0.2 0.2]"
    )
    with pytest.raises(SpecError) as info:
        LOSSES["cce"].targets(np.full((2, 8), 0.2), 8)
    assert str(info.value).endswith("but row 0 is [0.2 0.2 0.2 0.2 0.2 0.2 0.2 0.2]")


def test_loss_names_read_hyphens_and_spaces_as_underscores():
    # As the docstring of get_loss promises: "binary cross entropy" is the alias binary_cross_entropy.
    assert get_loss(" Binary Cross Entropy ") is LOSSES["bce"]
    assert get_loss("categorical cross-entropy") is LOSSES["cce"]
    assert get_loss("Cross-Entropy") is LOSSES["cce"]
