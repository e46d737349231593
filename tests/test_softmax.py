"""Softmax outputs and categorical cross-entropy: stable values, gradients (fused and through softmax's
Jacobian) against finite differences, class labels as targets, accuracy and the confusion matrix, where
softmax is refused, the ``.nn`` name, and seeded training reproducible bit for bit."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from test_gradients import assert_gradients_match

from nnviz.core import Layer, Network, nnfile, nnfile_reader
from nnviz.core.activation_forms import activation_from
from nnviz.core.activations import ACTIVATIONS
from nnviz.core.datasets import make_dataset
from nnviz.core.ensemble import Ensemble
from nnviz.core.errors import FormulaError, NNFormatError, SpecError
from nnviz.core.grid import class_grid, decision_grid, neuron_grids
from nnviz.core.losses import LOSSES, Loss, get_loss
from nnviz.core.metrics import accuracy, class_labels, confusion_matrix, one_hot, predicted_classes
from nnviz.core.softmax import SOFTMAX, log_softmax, softmax
from nnviz.core.trainer import Trainer

CCE = LOSSES["cce"]
logits = arrays(
    np.float64,
    st.tuples(st.integers(1, 5), st.integers(2, 6)),
    elements=st.floats(-1e308, 1e308, allow_nan=False, allow_infinity=False),
)


def net(sizes=(3, 5, 4), hidden="tanh", seed=0, **options):
    sizes = list(sizes)
    return Network.from_sizes(sizes, hidden=hidden, output="softmax", init="xavier", seed=seed, **options)


def labelled(n=12, k=4, inputs=3, seed=1):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, inputs)), rng.integers(0, k, n).astype(np.float64)


# --- the functions -------------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(logits)
def test_softmax_rows_are_probabilities_for_any_logits(z):
    p = softmax(z)
    assert np.isfinite(p).all() and (p >= 0).all() and (p <= 1).all()
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert (p[np.arange(len(z)), np.argmax(z, axis=1)] >= 1 / z.shape[1]).all()  # the largest wins


@settings(max_examples=200, deadline=None)
@given(logits, st.data())
def test_log_softmax_and_the_loss_are_finite_for_any_logits(z, data):
    labels = data.draw(arrays(np.intp, len(z), elements=st.integers(0, z.shape[1] - 1)))
    assert np.isfinite(log_softmax(z)).all() and (log_softmax(z) <= 0).all()
    y = one_hot(labels, z.shape[1])
    losses = CCE.per_sample(softmax(z), y, z, SOFTMAX)
    assert np.isfinite(losses).all() and (losses >= 0).all()
    assert np.isfinite(CCE.delta(softmax(z), y, z, SOFTMAX)).all()


def test_softmax_matches_its_definition_and_ignores_a_shift():
    z = np.array([[1.0, 2.0, 3.0], [-1.0, 0.0, 0.5]])
    want = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(softmax(z), want, rtol=1e-15)
    np.testing.assert_allclose(softmax(z + 1000.0), want, rtol=1e-14)  # exp(1003) alone overflows
    np.testing.assert_allclose(log_softmax(z), np.log(want), rtol=1e-14)
    np.testing.assert_allclose(softmax(z.T, axis=0), want.T, rtol=1e-15)  # samples in columns (grids)
    assert log_softmax(np.array([[0.0, -2000.0]]))[0, 1] == -2000.0  # log(softmax) would be -inf
    spread = np.array([[1e308, -1e308]])  # z − max z overflows
    assert np.isfinite(log_softmax(spread)).all()
    losses = CCE.per_sample(softmax(spread), one_hot([0], 2), spread, SOFTMAX)
    assert losses.tolist() == [0.0]  # not 0·(−inf) = NaN


def test_softmax_into_out_fills_and_returns_out_for_rows_and_for_columns():
    z = np.array([[1.0, 2.0, 3.0], [-1.0, 0.0, 0.5]])
    want = np.array([[math.exp(v) / sum(math.exp(u) for u in row) for v in row] for row in z.tolist()])
    out = np.full_like(z, 7.0)
    assert softmax(z, out=out) is out
    np.testing.assert_allclose(out, want, rtol=1e-15)
    rows = np.full_like(z, 7.0)
    assert SOFTMAX.f_into(z, rows) is rows
    np.testing.assert_allclose(rows, want, rtol=1e-15)
    columns = np.full_like(z.T, 7.0)
    assert SOFTMAX.columns_into(np.ascontiguousarray(z.T), columns) is columns  # samples in columns
    np.testing.assert_allclose(columns, want.T, rtol=1e-15)


def test_a_forward_pass_into_kept_arrays_returns_those_with_a_softmax_output():
    nn = net([3, 4, 3])
    X, _ = labelled(n=5, k=3)
    kept = [(np.empty((5, 4)), np.empty((5, 4))), (np.empty((5, 3)), np.empty((5, 3)))]
    cache = nn.forward(X, out=kept)
    assert all(z is kz and a is ka for (z, a), (kz, ka) in zip(cache, kept, strict=True))
    for (z, a), (z_fresh, a_fresh) in zip(cache, nn.forward(X), strict=True):
        assert np.array_equal(z, z_fresh) and np.array_equal(a, a_fresh)


def test_softmax_and_its_log_of_logits_far_apart_give_no_warning():
    spread = np.array([[1e308, -1e308, 0.0]])  # z − max z overflows to −inf: its exp is rightly 0
    with np.errstate(all="raise", under="ignore"):  # both silence what they expect (NumPy ignores underflow)
        p, log_p = softmax(spread), log_softmax(spread)
    assert p.tolist() == [[1.0, 0.0, 0.0]]
    assert log_p[0, 0] == 0.0 and log_p[0, 2] == -1e308 and log_p[0, 1] == -np.finfo(float).max


# --- gradients -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("loss", ["cce", "mse", "sse", "bce"])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("depth", [1, 2, 3])
def test_softmax_output_gradients_match_finite_differences(loss, bias, depth):
    # cce takes the fused a − y; the others go through softmax's Jacobian (Activation.backward).
    nn = net([3] + [4] * (depth - 1) + [3], bias=bias)
    X, labels = labelled(n=6, k=3)
    assert_gradients_match(nn, X, one_hot(labels, 3), loss)


def test_the_fused_gradient_equals_the_one_through_the_jacobian():
    rng = np.random.default_rng(3)
    z = rng.normal(0.0, 3.0, (50, 5))
    a, y = softmax(z), one_hot(rng.integers(0, 5, 50), 5)
    unfused = Loss.sample_delta(CCE, a, y, z, SOFTMAX)  # dL/da = −y/a, times the Jacobian
    np.testing.assert_allclose(CCE.sample_delta(a, y, z, SOFTMAX), unfused, rtol=1e-12, atol=1e-15)
    assert np.array_equal(CCE.sample_delta(a, y, z, SOFTMAX), a - y)  # one-hot rows: exactly a − y


def test_the_jacobian_product_is_the_jacobian_matrix():
    rng = np.random.default_rng(4)
    z, g = rng.normal(size=(1, 4)), rng.normal(size=(1, 4))
    a = softmax(z)
    jacobian = np.diag(a[0]) - np.outer(a[0], a[0])
    np.testing.assert_allclose(SOFTMAX.backward(z, a, g)[0], jacobian.T @ g[0], rtol=1e-13)


# --- targets, classes and metrics --------------------------------------------------------------------


def test_softmax_is_written_out_as_its_definition_and_its_jacobian():
    assert SOFTMAX.latex() == (r"\frac{e^{z_i}}{\sum_j e^{z_j}}", r"a_i\,(\delta_{ij} - a_j)")


def test_one_hot_and_back():
    labels = np.array([2.0, 0.0, 1.0, 2.0])
    Y = one_hot(labels, 3)
    assert Y.dtype == np.float64 and Y.tolist() == [[0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]]
    assert class_labels(Y).tolist() == class_labels(labels[:, None]).tolist() == [2, 0, 1, 2]
    for bad, message in ((3.0, "label 3.0 is in row 1"), (0.5, "label 0.5"), (-1.0, "label -1.0")):
        with pytest.raises(SpecError, match=message):
            one_hot([0.0, bad], 3)


def test_one_hot_takes_a_data_sets_column_of_labels_as_its_rows():
    column = np.array([[2.0], [0.0], [1.0]])  # a data set's y, shape (n, 1)
    assert one_hot(column, 3).tolist() == [[0, 0, 1], [1, 0, 0], [0, 1, 0]]
    with pytest.raises(SpecError) as info:
        one_hot(np.array([[0.0], [1.0], [3.0]]), 3)
    assert (
        str(info.value)
        == "class labels must be whole numbers from 0 to 2 (3 classes), but label 3.0 is in row 2"
    )


def test_categorical_cross_entropy_on_another_output_says_what_it_needs():
    with pytest.raises(SpecError) as info:
        Trainer(
            Network.from_sizes([2, 3], hidden="tanh", output="sigmoid", seed=0),
            np.zeros((2, 2)),
            [0, 1],
            loss="cce",
        )
    assert str(info.value) == (
        "categorical cross-entropy needs a softmax output layer, not sigmoid: its outputs must be class "
        "probabilities that sum to 1 (for one sigmoid output use 'bce')"
    )


def test_accuracy_and_confusion_for_several_classes_and_for_one_sigmoid_output():
    probabilities = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.2, 0.3, 0.5], [0.6, 0.3, 0.1]])
    labels = np.array([0.0, 1.0, 1.0, 2.0])
    assert predicted_classes(probabilities).tolist() == [0, 1, 2, 0]
    assert accuracy(probabilities, labels) == 0.5
    assert accuracy(probabilities, one_hot(labels, 3)) == 0.5
    assert confusion_matrix(probabilities, labels).tolist() == [[1, 0, 0], [0, 1, 1], [1, 0, 0]]
    sigmoid_out, targets = np.array([[0.9], [0.4], [0.6], [0.2]]), np.array([[1.0], [1.0], [0.0], [0.0]])
    assert accuracy(sigmoid_out, targets) == 0.5
    assert confusion_matrix(sigmoid_out, targets).tolist() == [[1, 1], [1, 1]]
    assert np.isnan(accuracy(np.zeros((0, 3)), np.zeros((0, 1))))


def test_confusion_matrix_counts_are_integers_in_the_number_of_classes_asked_for():
    probabilities = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.2, 0.3, 0.5], [0.6, 0.3, 0.1]])
    labels = np.array([0.0, 1.0, 1.0, 2.0])
    matrix = confusion_matrix(probabilities, labels, classes=5)  # two classes no sample has
    expected = np.zeros((5, 5), dtype=int)
    for true, predicted in ((0, 0), (1, 1), (1, 2), (2, 0)):  # worked out from the rows above
        expected[true, predicted] += 1
    assert matrix.shape == (5, 5) and matrix.tolist() == expected.tolist()
    assert matrix.dtype == np.int64  # counts, not floats
    assert confusion_matrix(probabilities, labels).dtype == np.int64


def test_confusion_matrix_refuses_mismatched_lengths_and_class_numbers_beyond_the_classes():
    probabilities = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.2, 0.3, 0.5]])
    with pytest.raises(SpecError, match="^3 outputs but 2 targets$"):
        confusion_matrix(probabilities, np.array([0.0, 1.0]))
    # class k itself is beyond classes 0 … k − 1 (a target, then a prediction, the larger one named)
    with pytest.raises(SpecError, match="^a class number is 3, beyond the 3 classes$"):
        confusion_matrix(probabilities, np.array([0.0, 3.0, 1.0]))
    with pytest.raises(SpecError, match="^a class number is 2, beyond the 2 classes$"):
        confusion_matrix(probabilities, np.array([0.0, 1.0, 1.0]), classes=2)
    with pytest.raises(SpecError, match="^a class number is 4, beyond the 3 classes$"):
        confusion_matrix(probabilities, np.array([0.0, 4.0, 1.0]), classes=3)


def test_the_trainer_takes_labels_as_a_column_a_vector_or_one_hot_rows_alike():
    X, labels = labelled()
    runs = []
    for y in (labels, labels[:, None], one_hot(labels, 4)):
        nn = net()
        trainer = Trainer(nn, X, y, loss="cce", lr=0.1, batch_size=4, shuffle=True, seed=5)
        assert np.array_equal(trainer.Y, one_hot(labels, 4))
        runs.append((trainer.run(5), [p.copy() for p in nn.parameters()]))
    for history, params in runs[1:]:
        assert history == runs[0][0]
        assert all(np.array_equal(p, q) for p, q in zip(params, runs[0][1]))


def test_targets_that_are_not_classes_are_refused():
    X, labels = labelled()
    with pytest.raises(SpecError, match="label 4.0"):
        Trainer(net(), X, labels + 1, loss="cce")
    with pytest.raises(SpecError, match="one-hot rows .* row 0 is"):
        Trainer(net(), X, np.full((len(X), 4), 0.5), loss="cce")


@pytest.mark.parametrize(
    "name", ["cce", "CCE", "categorical_crossentropy", "categorical-crossentropy", "CrossEntropyLoss"]
)
def test_the_names_a_keras_sklearn_or_pytorch_user_types(name):
    assert get_loss(name) is CCE


# --- training -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("batch_size", [1, 7, 150])
def test_seeded_runs_are_bit_for_bit_and_the_fused_epoch_equals_step_by_step(batch_size):
    data = make_dataset("spiral3", n=300, noise=0.1, seed=0)
    X, y = data.X_train, data.y_train
    results = []
    for stepwise in (False, False, True):
        nn = net([2, 8, 8, 3], seed=2)
        trainer = Trainer(nn, X, y, loss="cce", lr=0.05, batch_size=batch_size, shuffle=True, seed=9)
        for _ in range(3):
            if stepwise:  # Network.backprop and SGD.update, one batch at a time
                for _ in range(trainer.batches_per_epoch):
                    trainer.step()
            else:  # the fused SGD loop
                trainer.epoch()
        params = [p.tobytes() for layer in nn.layers for p in layer.parameters()]
        results.append((list(trainer.history), params))
    assert results[0] == results[1] == results[2]


def test_a_three_class_spiral_is_learned_in_full_batch_and_in_mini_batches():
    data = make_dataset("spiral3", n=300, noise=0.05, seed=0)
    for batch_size in (len(data.X_train), 16):
        nn = net([2, 16, 16, 3], seed=0)
        history = nn.train(
            data.X_train, data.y_train, 300, 0.02, loss="categorical_crossentropy", optimizer="adam",
            batch_size=batch_size, verbose=False,
        )  # fmt: skip
        assert history[-1] < 0.3 * history[0]
        probabilities = nn.predict(data.X_train)
        assert probabilities.shape == (len(data.X_train), 3)
        np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-12)
        assert accuracy(probabilities, data.y_train) > 0.9
        assert np.array_equal(nn.predict_classes(data.X_train), np.argmax(probabilities, axis=1))


# --- where softmax is refused -------------------------------------------------------------------------


def test_softmax_is_refused_where_it_makes_no_sense():
    with pytest.raises(SpecError, match="layer 1 of 2 uses softmax, which only an output layer may use"):
        Network.from_sizes([2, 4, 3], hidden="softmax", output="softmax")
    with pytest.raises(SpecError, match="needs at least 2 units, one per class, got 1"):
        Network.from_sizes([2, 4, 1], output="softmax")
    with pytest.raises(FormulaError, match="softmax cannot be part of a formula"):
        activation_from("2*softmax(x)")
    with pytest.raises(SpecError, match="no element-wise derivative"):
        SOFTMAX.derivative(np.zeros((1, 2)), np.zeros((1, 2)))
    with pytest.raises(SpecError, match="cross-entropy needs a softmax output layer, not sigmoid"):
        Trainer(Network.from_sizes([2, 3, 2], output="sigmoid"), np.zeros((2, 2)), [0, 1], loss="cce")
    with pytest.raises(SpecError, match="ensemble cannot use softmax"):
        Ensemble.like(net(), seeds=[1, 2])
    assert "softmax" not in ACTIVATIONS  # not a choice for hidden layers


# --- grids and files ------------------------------------------------------------------------------------


def test_grids_give_the_class_and_its_probability_at_every_point():
    nn = net([2, 6, 3])
    box = (-3.0, 3.0, -2.0, 2.0)
    classes, confidence = class_grid(nn, box, 30, dtype=np.float64)
    maps = neuron_grids(nn, box, 30, dtype=np.float64)
    out = maps[-1].reshape(3, -1).T  # (points, classes)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, atol=1e-12)
    assert np.array_equal(classes.ravel(), np.argmax(out, axis=1))
    np.testing.assert_allclose(confidence.ravel(), out.max(axis=1), rtol=1e-12)
    assert len(np.unique(classes)) > 1 and (confidence >= 1 / 3).all()
    binary = Network.from_sizes([2, 4, 1], hidden="tanh", output="sigmoid", seed=1)
    classes, confidence = class_grid(binary, box, 30, dtype=np.float64)
    p = decision_grid(binary, box, 30, dtype=np.float64)
    assert np.array_equal(classes, (p > 0.5).astype(classes.dtype))
    np.testing.assert_allclose(confidence, np.maximum(p, 1 - p), rtol=1e-12)


def test_class_grid_defaults_to_200_by_200_float32_and_takes_the_networks_features():
    nn = net([3, 4, 3])
    box = (-2.0, 2.0, -1.0, 1.0)
    features = ["x1", "x2", "x1*x2"]
    classes, confidence = class_grid(nn, box, features=features)
    assert classes.shape == confidence.shape == (200, 200)
    assert confidence.dtype == np.float32  # the default dtype: drawing needs no more
    # A second computation: the grid's centres by hand, their features, float32 through the network.
    step_x, step_y = 4.0 / 200, 2.0 / 200
    xs = -2.0 + step_x * (np.arange(200) + 0.5)
    ys = 1.0 - step_y * (np.arange(200) + 0.5)  # row 0 is the top of the box
    x1, x2 = np.meshgrid(xs, ys)
    inputs = np.column_stack([x1.ravel(), x2.ravel(), (x1 * x2).ravel()]).astype(np.float32)
    out = nn.predict(inputs)
    assert np.array_equal(classes.ravel(), np.argmax(out, axis=1))
    np.testing.assert_allclose(confidence.ravel(), out.max(axis=1), rtol=1e-6)


def test_the_elementwise_derivative_of_softmax_refuses_with_the_whole_reason():
    with pytest.raises(SpecError) as refused:
        SOFTMAX.df(np.zeros((1, 2)))
    assert str(refused.value) == (
        "softmax has no element-wise derivative (each output depends on the whole row): it can only be "
        "an output layer, where the loss takes its Jacobian (Activation.backward)"
    )


def test_cce_dloss_da_is_minus_y_over_a_and_infinite_or_nan_at_zero_without_a_warning():
    a = np.array([[0.0, 1.0, 0.0], [0.25, 0.75, 0.0]])
    y = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    with np.errstate(all="raise"):  # the loss silences what it expects: 1/0 and 0/0
        slopes = CCE.dloss_da(a, y)
    assert np.isneginf(slopes[0, 0]) and np.isnan(slopes[0, 2]) and np.isnan(slopes[1, 2])
    assert slopes[0, 1] == 0.0 and slopes[1, 0] == 0.0 and slopes[1, 1] == -1.0 / 0.75


def test_the_file_names_it_softmax_and_an_older_reader_refuses_it_clearly(monkeypatch):
    nn = net()
    again = Network.from_bytes(nn.to_bytes())
    assert repr(again) == repr(nn) == "<Network 3 -> 5 tanh -> 4 softmax>"
    assert b'{"builtin":"softmax"}' in nn.to_bytes()
    X, _ = labelled()
    assert np.array_equal(again.predict(X), nn.predict(X))
    monkeypatch.setattr(nnfile_reader, "BUILTINS", ACTIVATIONS)  # a reader from before softmax
    with pytest.raises(NNFormatError, match="layer 2 uses an unknown built-in activation 'softmax'"):
        Network.from_bytes(nn.to_bytes())


def test_a_file_with_softmax_on_a_hidden_layer_or_one_unit_is_refused():
    for sizes, message in (
        ([3, 4, 4], "layer 1 of 2 uses softmax"),
        ([3, 1], "softmax output needs at least 2 units"),
    ):
        layers = [Layer(n_in, n_out, True, SOFTMAX, np.ones((n_out, n_in)), np.zeros(n_out))
                  for n_in, n_out in zip(sizes, sizes[1:])]  # fmt: skip
        data = nnfile.dumps(nnfile.ModelParts(sizes[0], layers, {}))  # the writer does not check
        with pytest.raises(NNFormatError, match=f"invalid network: .*{message}"):
            Network.from_bytes(data)


def test_a_softmax_output_of_one_unit_is_refused_saying_why_and_what_instead():
    with pytest.raises(SpecError) as info:
        Network(2, [(1, True, "softmax")])
    assert str(info.value) == (
        "a softmax output needs at least 2 units, one per class, got 1 (softmax of one unit is always 1); "
        "for two classes use 1 sigmoid unit, or 2 softmax units"
    )
