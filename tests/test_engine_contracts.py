"""Small promises of the engine's public API that the bigger tests pass over: defaults, shapes, dtypes,
initialiser distributions, progress lines, warnings kept quiet, and how objects print in a REPL."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from nnviz.core import (
    ACTIVATIONS,
    INITIALISERS,
    LOSSES,
    DivergedError,
    Ensemble,
    EnsembleTrainer,
    Layer,
    Network,
    SpecError,
    Trainer,
    activation_from,
)
from nnviz.core.grid import decision_grid, grid_points, neuron_grids
from nnviz.core.init import initialiser, make_rng
from nnviz.core.optimizers import SGD, Adam, Momentum, make_optimizer

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([[0.0], [1.0], [1.0], [0.0]])


# --- grids -------------------------------------------------------------------------------------------


def test_grid_cells_span_a_box_that_is_not_at_the_origin():
    p = grid_points((1.0, 3.0, -2.0, 6.0), n=4, dtype=np.float64)
    np.testing.assert_allclose(p[0], [1.25, 5.0])  # cells 0.5 wide and 2 high, top-left first
    np.testing.assert_allclose(p[5], [1.75, 3.0])
    np.testing.assert_allclose(p[-1], [2.75, -1.0])
    assert grid_points((1.0, 3.0, -2.0, 6.0)).shape == (200 * 200, 2)
    assert grid_points((1.0, 3.0, -2.0, 6.0), n=3).dtype == np.float32


def test_grids_default_to_float32_and_their_documented_sizes():
    nn = Network.from_sizes([2, 3, 1], hidden="tanh", output="sigmoid", seed=0)
    box = (-1.0, 2.0, -3.0, 0.5)
    grid = decision_grid(nn, box)
    assert grid.shape == (200, 200) and grid.dtype == np.float32
    assert decision_grid(nn, box, n=5, dtype=np.float64).dtype == np.float64
    maps = neuron_grids(nn, box)
    assert [m.shape for m in maps] == [(2, 40, 40), (3, 40, 40), (1, 40, 40)]
    assert all(m.dtype == np.float32 for m in maps)
    assert all(m.dtype == np.float64 for m in neuron_grids(nn, box, n=4, dtype=np.float64))
    np.testing.assert_allclose(maps[-1][0], decision_grid(nn, box, n=40), rtol=1e-6)


# --- initialisers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, n_out, n_in, std",
    [
        ("he", 300, 200, np.sqrt(2 / 200)),
        ("xavier", 300, 200, np.sqrt(2 / 500)),
        ("small_normal", 300, 200, 0.1),
    ],
)
def test_normal_initialisers_have_their_documented_spread(name, n_out, n_in, std):
    w = INITIALISERS[name](np.random.default_rng(0), n_out, n_in)
    assert w.shape == (n_out, n_in)
    assert abs(w.mean()) < 0.02 * std * 10 and w.std() == pytest.approx(std, rel=0.02)


def test_uniform_initialiser_draws_from_minus_to_plus_a_half():
    w = INITIALISERS["uniform"](np.random.default_rng(0), 300, 200)
    assert w.shape == (300, 200)
    assert -0.5 <= w.min() < -0.499 and 0.499 < w.max() < 0.5
    assert w.std() == pytest.approx(1 / np.sqrt(12), rel=0.01)
    nn = Network.from_sizes([2, 50, 1], init="uniform", seed=0)
    assert np.abs(nn.layers[0].weights).max() < 0.5 and np.all(nn.layers[0].bias == 0)


def test_initialiser_aliases_and_unknown_names():
    assert initialiser("glorot") is INITIALISERS["xavier"] and initialiser("kaiming") is INITIALISERS["he"]
    with pytest.raises(SpecError, match=r"unknown initialiser 'lecun'; choose one of \['he', 'small_normal'"):
        initialiser("lecun")


def test_unseeded_initialisation_uses_numpys_global_generator():
    assert make_rng(None) is np.random
    np.random.seed(5)
    a = Network.from_sizes([2, 3, 1])
    np.random.seed(5)
    b = Network.from_sizes([2, 3, 1])
    assert all(np.array_equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


# --- the article API: calling a network, MSE, train ---------------------------------------------------


def test_calling_a_network_takes_one_sample_and_gives_a_column():
    nn = Network.from_sizes([3, 4, 2], hidden="tanh", output="linear", seed=0)
    out = nn([1, 2, 3])  # integers, as the articles write them
    assert out.shape == (2, 1) and out.dtype == np.float64
    np.testing.assert_allclose(out[:, 0], nn.predict(np.array([[1.0, 2.0, 3.0]]))[0])
    np.testing.assert_allclose(nn(np.array([[1], [2], [3]]))[:, 0], out[:, 0])  # a column vector too


def test_mse_is_the_articles_sum_of_squares_over_the_number_of_samples():
    nn = Network(2, [Layer(2, 1, True, "linear", [[1.0, 2.0]], [0.5])])
    X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, -1.0]])  # outputs 0.5, 3.5, 0.5
    y = np.array([1.0, 1.0, 1.0])
    assert nn.MSE(X, y) == pytest.approx((0.25 + 6.25 + 0.25) / 3, rel=1e-15)
    two = Network(2, [Layer(2, 2, False, "linear", [[1.0, 0.0], [0.0, 1.0]])])
    assert two.MSE([[1.0, 2.0]], [[0.0, 0.0]]) == pytest.approx(5.0)  # summed over outputs too


def test_train_defaults_are_100_epochs_of_per_sample_sgd_at_rate_one_hundredth():
    nn = Network.from_sizes([2, 3, 1], hidden="tanh", output="sigmoid", seed=1)
    twin = nn.copy()
    history = nn.train(XOR_X, XOR_Y, verbose=False)
    reference = Trainer(twin, XOR_X, XOR_Y, lr=0.01, batch_size=1).run(100)
    assert history == reference
    assert all(np.array_equal(p, q) for p, q in zip(nn.parameters(), twin.parameters()))


def test_train_prints_the_error_every_tenth_of_the_run(capsys):
    nn = Network.from_sizes([2, 3, 1], hidden="tanh", output="sigmoid", seed=1)
    nn.train(XOR_X, XOR_Y, epochs=25, lr=0.1)
    lines = capsys.readouterr().out.splitlines()
    assert [int(line.split()[1]) for line in lines] == list(range(0, 25, 2))  # every 25 // 10 = 2 epochs
    assert lines[-1] == f"Epoch 24 error {nn.MSE(XOR_X, XOR_Y)}"
    nn.train(XOR_X, XOR_Y, epochs=5, lr=0.1)
    assert len(capsys.readouterr().out.splitlines()) == 5  # short runs: every epoch


def test_diverged_error_defaults_to_epoch_zero():
    error = DivergedError("boom")
    assert error.epoch == 0 and str(error) == "boom" and isinstance(error, ArithmeticError)


def test_layer_sizes_need_an_input_and_an_output():
    with pytest.raises(SpecError, match=r"at least an input and an output size, got \[2\]"):
        Network.from_sizes([2])


# --- numerical warnings stay quiet -------------------------------------------------------------------


def test_cross_entropy_on_a_saturated_non_sigmoid_output_warns_nothing():
    bce, tanh = LOSSES["bce"], ACTIVATIONS["tanh"]  # log(0) and 0/0 are the caller's to judge
    a = np.array([[1.0], [0.0], [1.0]])
    y = np.array([[1.0], [0.0], [0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        grad = bce.dloss_da(a, y)
        bce.per_sample(a, y, a, tanh)
    assert np.isnan(grad[0, 0]) and np.isnan(grad[1, 0]) and np.isinf(grad[2, 0])


def test_ensemble_evaluation_of_diverged_copies_warns_nothing_and_reports_float64():
    ens = Ensemble.like(Network.from_sizes([2, 3, 1], "linear", "linear"), seeds=[0, 1], dtype=np.float32)
    trainer = EnsembleTrainer(ens, XOR_X * 100, XOR_Y, lr=10.0, batch_size=None)
    trainer.run(30)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        za, losses = trainer.evaluate()
        forward = ens.forward(XOR_X * 1e30)
    assert losses.dtype == np.float64 and not np.isfinite(losses).any()
    assert forward[-1][1].shape == (2, 4, 1)


# --- how things print ---------------------------------------------------------------------------------


def test_reprs_say_what_a_thing_is():
    nn = Network.from_sizes([2, 3, 1], hidden="tanh", output="sigmoid", bias=False, seed=0)
    assert repr(nn) == "<Network 2 -> 3 (no bias) tanh -> 1 (no bias) sigmoid>"
    assert repr(nn.layers[0]) == "<Layer 2->3 tanh, no bias>"
    assert repr(Network.from_sizes([2, 1], output="tanh").layers[0]) == "<Layer 2->1 tanh, bias>"
    assert [repr(loss) for loss in LOSSES.values()] == [
        "MeanSquaredError()",
        "SumSquaredError()",
        "BinaryCrossEntropy()",
        "CategoricalCrossEntropy()",
    ]
    assert repr(make_optimizer("adam", 0.1)) == "Adam(lr=0.1)"
    ens = Ensemble.like(Network.from_sizes([2, 3, 1], "tanh", "sigmoid", bias=False), seeds=[1, 2])
    assert repr(ens) == "<Ensemble of 2 × 2 -> 3 (no bias) tanh -> 1 (no bias) sigmoid, float64>"
    biased = Ensemble.like(Network.from_sizes([3, 1], "tanh", "tanh"), seeds=[1])
    assert repr(biased) == "<Ensemble of 1 × 3 -> 1 tanh, float64>"
    trainer = EnsembleTrainer(ens, XOR_X, XOR_Y[:, 0], loss="bce", lr=0.5, batch_size=2)
    assert repr(trainer) == f"EnsembleTrainer({ens!r}, loss=bce, lr=0.5, batch_size=2, epochs_done=0)"
    assert repr(Trainer(nn, XOR_X, XOR_Y, optimizer="momentum", lr=0.2, batch_size=3)) == (
        f"Trainer({nn!r}, loss=mse, optimizer=Momentum(lr=0.2), batch_size=3, epochs_done=0)"
    )


def test_activation_labels_and_formulas_for_display():
    pair = activation_from((np.tanh, lambda z: 1 - np.tanh(z) ** 2))
    assert pair.label == "custom (NumPy pair)" and pair.latex() == ("", "")
    cubic = activation_from(lambda x: x**3 / 7 + x)
    assert cubic.label == "x**3/7 + x" and cubic.text is None
    assert cubic.latex() == (r"\frac{x^{3}}{7} + x", r"\frac{3 x^{2}}{7} + 1")
    assert activation_from("x*x + 1").label == "x*x + 1"
    assert ACTIVATIONS["tanh"].latex() == (r"\tanh{\left(x \right)}", r"1 - \tanh^{2}{\left(x \right)}")
    assert repr(ACTIVATIONS["sigmoid"]) == "Activation(sigmoid)"


def test_optimizer_defaults():
    assert (Momentum().lr, Momentum().beta) == (0.01, 0.9)
    adam = Adam()
    assert (adam.lr, adam.beta1, adam.beta2, adam.eps) == (0.001, 0.9, 0.999, 1e-8)
    assert SGD().lr == 0.01
