"""The ensemble's smaller promises: defaults and options of its constructors, the limits and messages of
stacking networks, taking one copy out, and the shapes of a forward pass of every copy."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.core import Ensemble, EnsembleTrainer, Layer, Network, SpecError, Trainer, ensemble
from nnviz.core.ensemble import MAX_COPIES
from nnviz.core.losses import MeanSquaredError

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([[0.0], [1.0], [1.0], [0.0]])


def test_like_defaults_to_the_networks_default_initialiser():
    ens = Ensemble.like(Network.from_sizes([2, 3, 1], seed=5), seeds=[0])
    assert [s.activation.name for s in ens.shapes] == ["relu", "sigmoid"]
    assert [s.bias for s in ens.shapes] == [True, True] and ens.dtype == np.float64
    nn = Network.from_sizes([2, 3, 1], seed=0)
    assert all(np.array_equal(p[0], q) for p, q in zip(ens.parameters(), nn.parameters()))


def test_like_copies_an_architecture_with_its_own_initialiser_and_dtype():
    model = Network(2, [(5, False, "tanh"), (1, True, "x/(1+abs(x))")], seed=0)
    ens = Ensemble.like(model, seeds=[1, 2], init="uniform", dtype=np.float32)
    assert ens.sizes == [2, 5, 1] and [s.bias for s in ens.shapes] == [False, True]
    assert ens.shapes[1].activation.text == "x/(1+abs(x))"
    assert ens.dtype == np.float32 and all(p.dtype == np.float32 for p in ens.parameters())
    reference = Network(2, [(5, False, "tanh"), (1, True, "x/(1+abs(x))")], init="uniform", seed=2)
    np.testing.assert_allclose(ens.weights[0][1], reference.layers[0].weights, rtol=1e-7)
    he = Ensemble.like(model, seeds=[2])
    np.testing.assert_array_equal(
        he.weights[0][0], Network(2, [(5, False, "tanh"), (1, True, "tanh")], seed=2).layers[0].weights
    )


def test_stacking_networks_keeps_each_ones_weights_in_order():
    nets = [Network.from_sizes([2, 3, 1], hidden="tanh", seed=s) for s in (5, 6, 7)]
    ens = Ensemble.from_networks(nets, dtype=np.float32)
    assert ens.dtype == np.float32 and ens.n_copies == 3 and ens.seeds is None
    for k, nn in enumerate(nets):
        for mine, theirs in zip(ens.parameters(), nn.parameters(), strict=True):
            np.testing.assert_allclose(mine[k], theirs, rtol=1e-7)
    single = Ensemble.from_networks(nets[:1])
    assert single.n_copies == 1 and "seed" not in single.network(0).metadata
    no_bias = [Network.from_sizes([2, 3, 1], bias=False, seed=s) for s in (1, 2)]
    assert Ensemble.from_networks(no_bias).biases == [None, None]


def test_stacking_refuses_no_networks_and_mixed_architectures_with_a_reason():
    with pytest.raises(SpecError, match=rf"^an ensemble needs between 1 and {MAX_COPIES} networks, got 0$"):
        Ensemble.from_networks([])
    a = Network.from_sizes([2, 3, 1], hidden="tanh", seed=0)
    b = Network.from_sizes([2, 3, 1], hidden="relu", seed=0)
    with pytest.raises(
        SpecError, match="^network 2 has another architecture than network 0: <Network 2 -> 3 relu"
    ):
        Ensemble.from_networks([a, a, b])
    with pytest.raises(SpecError, match="^network 1 has another architecture"):
        Ensemble.from_networks([a, Network.from_sizes([2, 3, 1], hidden="tanh", bias=False, seed=0)])
    with pytest.raises(SpecError, match="^dtype must be float32 or float64, got int64"):
        Ensemble.from_networks([a], dtype=np.int64)


def test_stacking_takes_exactly_the_most_copies_and_refuses_one_more(monkeypatch):
    # MAX_COPIES (100 000) made small: the limit itself is allowed, one more is refused.
    monkeypatch.setattr(ensemble, "MAX_COPIES", 3)
    nets = [Network.from_sizes([2, 2, 1], seed=s) for s in range(4)]
    assert Ensemble.from_networks(nets[:3]).n_copies == 3
    with pytest.raises(SpecError, match="^an ensemble needs between 1 and 3 networks, got 4$"):
        Ensemble.from_networks(nets)


def test_one_copy_comes_out_as_an_independent_network():
    ens = Ensemble.like(Network.from_sizes([2, 3, 1], "tanh", "sigmoid"), seeds=[10, 11, 12])
    last = ens.network(-1)
    assert last.metadata == {"seed": 12}
    assert all(np.array_equal(p, q[2]) for p, q in zip(last.parameters(), ens.parameters()))
    assert ens.network(-3).metadata == {"seed": 10}
    last.layers[0].weights[0, 0] = 99.0
    assert ens.weights[0][2, 0, 0] != 99.0
    for k in (3, -4):
        with pytest.raises(SpecError, match=rf"^copy index must be in \[0, 3\), got {k}$"):
            ens.network(k)
    no_bias = Ensemble.like(Network.from_sizes([2, 3, 1], bias=False), seeds=[1])
    assert no_bias.network(0).layers[0].bias is None


def test_a_forward_pass_gives_every_copys_sums_and_activations():
    ens = Ensemble.like(Network.from_sizes([2, 4, 3, 2], "tanh", "sigmoid"), seeds=[3, 4])
    X = np.array([[0.5, -1.0], [2.0, 0.25], [-1.0, -1.0]])
    layers = ens.forward(X)
    assert [a.shape for _, a in layers] == [(2, 3, 4), (2, 3, 3), (2, 3, 2)]
    assert all(z.shape == a.shape for z, a in layers)
    for k in range(2):
        cache = ens.network(k).forward(X)
        for (z, a), (zk, ak) in zip(layers, cache, strict=True):
            np.testing.assert_allclose(z[k], zk, rtol=1e-12, atol=1e-15)
            np.testing.assert_allclose(a[k], ak, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(ens.predict(X), layers[-1][1])
    assert ens.predict(X[0]).shape == (2, 1, 2)  # one sample


def test_a_forward_pass_that_overflows_gives_infinities_without_a_warning():
    # A copy whose step was far too large: its sums overflow. The pass says nothing (the trainer and
    # the diagnosis report divergence themselves) and gives the limits by hand: tanh(±inf) = ±1.
    huge = Network(2, [Layer(2, 1, True, "tanh", np.array([[1e300, 1e300]]), np.array([0.0]))])
    ens = Ensemble.from_networks([huge, huge])
    X = np.array([[1e10, 1e10], [1.0, -1.0], [-1e10, -1e10]])
    with np.errstate(all="raise"):  # the pass silences what it expects
        ((z, a),) = ens.forward(X)
    assert z[:, :, 0].tolist() == [[np.inf, 0.0, -np.inf]] * 2
    assert a[:, :, 0].tolist() == [[1.0, 0.0, -1.0]] * 2


def test_epoch_trains_exactly_one_epoch():
    ens = Ensemble.like(Network.from_sizes([2, 3, 1], "tanh", "sigmoid"), seeds=[0, 1])
    trainer = EnsembleTrainer(ens, XOR_X, XOR_Y, lr=0.5, batch_size=2)
    final = trainer.epoch()
    assert trainer.epochs_done == 1 and final.shape == (2,)
    assert trainer.history_epochs.tolist() == [1]
    layer = Layer(2, 1, True, "sigmoid", [[1.0, 1.0]])
    assert EnsembleTrainer(Ensemble.from_networks([Network(2, [layer])]), XOR_X, XOR_Y).history.shape == (
        0,
        1,
    )


def test_layer_specs_without_an_activation_are_linear_and_one_layer_is_enough():
    ens = Ensemble(2, [3, 1], seeds=[0])
    assert [s.activation.name for s in ens.shapes] == ["linear", "linear"]
    assert [s.bias for s in ens.shapes] == [False, False]
    single = Ensemble(2, [(1, True, "sigmoid")], seeds=[0, 1])
    assert single.sizes == [2, 1] and single.predict(XOR_X).shape == (2, 4, 1)
    with pytest.raises(SpecError, match=r"^a network needs between 1 and 64 layers, got 0$"):
        Ensemble(2, [], seeds=[0])


def test_trainer_defaults_and_what_it_refuses():
    ens = Ensemble.like(Network.from_sizes([2, 3, 1], "tanh", "sigmoid"), seeds=[0, 1])
    trainer = EnsembleTrainer(ens, XOR_X, XOR_Y[:, 0])  # 1-D targets for one output
    assert (trainer.loss.name, trainer.lr, trainer.batch_size, trainer.record_every) == ("mse", 0.01, 1, 1)
    assert trainer.Y.shape == (4, 1) and trainer.Y.dtype == np.float64
    one = EnsembleTrainer(ens, XOR_X[:1], XOR_Y[:1])  # a single sample is a training set
    assert one.run(2).shape == (2,) and one.run(0).shape == (2,)
    bad = [
        ({"lr": 0.0}, "lr must be a positive number, got 0.0"),
        ({"lr": float("inf")}, "lr must be a positive number"),
        ({"batch_size": True}, "batch_size must be a whole number ≥ 1 or None, got True"),
        ({"batch_size": 1.5}, "batch_size must be a whole number ≥ 1 or None"),
        ({"record_every": 0}, "record_every must be a whole number ≥ 1, got 0"),
        ({"record_every": True}, "record_every must be a whole number ≥ 1, got True"),
        ({"record_every": 2.0}, "record_every must be a whole number ≥ 1"),
    ]
    for options, message in bad:
        with pytest.raises(SpecError) as info:
            EnsembleTrainer(ens, XOR_X, XOR_Y, **options)
        assert str(info.value).startswith(message), options
    with pytest.raises(SpecError, match=r"^targets must have shape \(n, 1\), got \(4, 2\)$"):
        EnsembleTrainer(ens, XOR_X, np.zeros((4, 2)))
    for epochs in (-1, 1.5, True):
        with pytest.raises(SpecError, match="^epochs must be a whole number ≥ 0"):
            trainer.run(epochs)


def test_reported_losses_of_deep_copies_match_each_network():
    ens = Ensemble.like(Network.from_sizes([2, 4, 3, 1], "relu", "sigmoid"), seeds=[0, 1, 2])
    trainer = EnsembleTrainer(ens, XOR_X, XOR_Y, loss="bce", lr=0.3, batch_size=None)
    final = trainer.run(5)
    _, evaluated = trainer.evaluate()
    for k in range(3):
        expected = ens.network(k).loss(XOR_X, XOR_Y, "bce")
        assert final[k] == pytest.approx(expected, rel=1e-12) and evaluated[k] == pytest.approx(
            expected, rel=1e-12
        )


def test_an_ensemble_trainer_on_samples_and_targets_of_different_counts_says_both():
    ens = Ensemble.like(Network.from_sizes([2, 1]), seeds=[0])
    with pytest.raises(SpecError) as info:
        EnsembleTrainer(ens, XOR_X, XOR_Y[:3])
    assert str(info.value) == "X has 4 samples but y has 3; need the same, at least 1"


def test_an_ensemble_refuses_inputs_of_the_wrong_width_saying_both_shapes():
    ens = Ensemble.like(Network.from_sizes([2, 1]), seeds=[0])
    with pytest.raises(SpecError) as info:
        ens.predict(np.zeros((4, 3)))
    assert str(info.value) == "inputs must have shape (n, 2), got (4, 3)"


def test_an_ensembles_refusals_in_these_words_and_its_largest_depth():
    for make, message in (
        (
            lambda: Ensemble(2, [(1, True, "tanh")], seeds=[]),
            "an ensemble needs between 1 and 100000 seeds, got 0",
        ),
        (
            lambda: Ensemble(2, [(1, True, "tanh")], seeds=[1.5]),
            "every seed must be a non-negative whole number, got 1.5",
        ),
        (lambda: Ensemble(2, [], seeds=[1]), "a network needs between 1 and 64 layers, got 0"),
        (
            lambda: Ensemble(2, [(1, True, "tanh")] * 65, seeds=[1]),
            "a network needs between 1 and 64 layers, got 65",
        ),
    ):
        with pytest.raises(SpecError) as info:
            make()
        assert str(info.value) == message
    with pytest.raises(SpecError, match="^the number of inputs"):
        Ensemble(0, [(1, True, "tanh")], seeds=[1])
    assert len(Ensemble(2, [(1, True, "tanh")] * 64, seeds=[1]).shapes) == 64  # as deep as a Network may be


def test_an_ensemble_trainer_refuses_bce_targets_outside_0_and_1_as_the_trainer_does():
    ens = Ensemble.like(Network.from_sizes([2, 1]), seeds=[0])
    y = np.array([[0.0], [1.0], [-1.0], [0.0]])
    with pytest.raises(SpecError) as theirs:
        Trainer(Network.from_sizes([2, 1], seed=0), XOR_X, y, loss="bce")
    with pytest.raises(SpecError) as mine:
        EnsembleTrainer(ens, XOR_X, y, loss="bce")
    assert str(mine.value) == str(theirs.value)
    EnsembleTrainer(ens, XOR_X, y, loss="mse")  # the same targets are fine for mse


def test_a_missing_target_is_nan_which_bce_refuses_in_an_ensemble_trainer_as_in_a_trainer():
    y = [[0.0], [1.0], [None], [0.0]]
    message = (
        "binary cross-entropy needs targets between 0 and 1 (0/1 labels or probabilities), got nan: below 0 "
        "or above 1 its loss has no minimum; for regression targets use 'mse'"
    )
    with pytest.raises(SpecError) as theirs:
        Trainer(Network.from_sizes([2, 1], seed=0), XOR_X, y, loss="bce")
    with pytest.raises(SpecError) as mine:
        EnsembleTrainer(Ensemble.like(Network.from_sizes([2, 1]), seeds=[0]), XOR_X, y, loss="bce")
    assert str(mine.value) == str(theirs.value) == message


def _one_linear_unit(w: float, b: float) -> Ensemble:
    nn = Network(1, [(1, True, "linear")], seed=0)
    nn.layers[0].weights[...] = w
    nn.layers[0].bias[...] = b
    return Ensemble.from_networks([nn], dtype=np.float32)


def test_a_float32_ensemble_reports_losses_computed_in_float32():
    # Outputs 0 for targets 0.1: in float64 the mse is ½·0.1² = 0.005; in float32, 0.1 and its square
    # are rounded to float32 first (float32(0.1)² = 0.0100000003 rounds up to 0.010000001).
    losses = EnsembleTrainer(_one_linear_unit(0.0, 0.0), [[0.0], [1.0]], [0.1, 0.1]).run(0)
    assert losses.dtype == np.float32
    assert losses[0] == np.float32(0.5) * np.square(np.float32(0.1)) and losses[0] != 0.005


def test_a_float32_ensemble_sums_a_batchs_gradients_in_float32():
    # w = 0.5, b = 0.75 on two samples x = 0.5: both outputs are exactly 1. Targets 0 and 1 − 2⁻²⁴ give
    # output deltas (with lr / batch = 2 / 2 = 1 folded in) 1 and 2⁻²⁴, so the weight's terms x·δ are 0.5
    # and 2⁻²⁵. Their float32 sums are ties that round to even: 0.5 and 1. The step lands exactly on
    # w = 0.5 − 0.5 = 0 and b = 0.75 − 1 = −0.25 (sums kept in float64 would give −2⁻²⁵ and −0.25 − 2⁻²⁴).
    ens = _one_linear_unit(0.5, 0.75)
    EnsembleTrainer(ens, [[0.5], [0.5]], [0.0, 1.0 - 2.0**-24], lr=2.0, batch_size=None).epoch()
    assert ens.weights[0].dtype == ens.biases[0].dtype == np.float32
    assert ens.weights[0].item() == 0.0 and ens.biases[0].item() == -0.25


def test_a_loss_object_gets_the_number_of_outputs_with_the_targets_as_from_a_trainer():
    seen = []

    class Recording(MeanSquaredError):  # noqa: N818 (a loss, not an exception)
        def targets(self, y, outputs):
            seen.append(outputs)
            return y

    Y = np.zeros((4, 3))
    Trainer(Network.from_sizes([2, 3], seed=0), XOR_X, Y, loss=Recording())
    EnsembleTrainer(Ensemble.like(Network.from_sizes([2, 3]), seeds=[0]), XOR_X, Y, loss=Recording())
    assert seen == [3, 3]


def test_an_ensemble_trainer_refuses_a_loss_that_does_not_fit_its_output_as_a_trainer_does():
    ens = Ensemble(2, [(3, True, "tanh"), (1, True, "sigmoid")], seeds=[0, 1])
    message = (
        "categorical cross-entropy needs a softmax output layer, not sigmoid: its outputs must be class "
        "probabilities that sum to 1 (for one sigmoid output use 'bce')"
    )
    with pytest.raises(SpecError) as info:
        EnsembleTrainer(ens, XOR_X, XOR_Y, loss="cce")
    assert str(info.value) == message
    with pytest.raises(SpecError) as info:
        Trainer(ens.network(0), XOR_X, XOR_Y, loss="cce")
    assert str(info.value) == message
    assert EnsembleTrainer(ens, XOR_X, XOR_Y, loss="bce").loss.name == "bce"
