"""The vectorised N-copy trainer equals N separate `Trainer` runs, and names why copies fail."""

import subprocess
import sys

import numpy as np
import pytest

from nnviz.core import Ensemble, EnsembleTrainer, Network, SpecError, Trainer, diagnose
from nnviz.core import stacked as stacked_module

SEEDS = [0, 1, 7, 42, 1234]
XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([[0.0], [1.0], [1.0], [0.0]])


def seven_points():
    """7 samples, so batches of 3 leave a remainder of 1."""
    rng = np.random.default_rng(3)
    X = rng.uniform(-1.5, 1.5, size=(7, 2))
    return X, (X[:, :1] * X[:, 1:] > 0).astype(float)


def specs(hidden, output, bias):
    return [(3, bias, hidden), (2, bias, hidden), (1, bias, output)]


def assert_same_as_trainers(ens_factory, net_factory, X, y, epochs, **train):
    """Train the ensemble and one Trainer per seed; compare weights and loss histories."""
    ens = ens_factory()
    trainer = EnsembleTrainer(ens, X, y, **train)
    final = trainer.run(epochs)
    for k, seed in enumerate(SEEDS):
        nn = net_factory(seed)
        full = {"batch_size": len(X)} if train.get("batch_size", 1) is None else {}
        reference = Trainer(nn, X, y, optimizer="sgd", **{**train, **full})
        reference.run(epochs)
        for theirs, mine in zip(nn.parameters(), ens.parameters(), strict=True):
            np.testing.assert_allclose(mine[k], theirs, rtol=0, atol=1e-10)
        np.testing.assert_allclose(trainer.history[:, k], reference.history, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(final[k], reference.history[-1], rtol=1e-10, atol=1e-12)
    assert trainer.epochs_done == epochs
    assert not trainer.diverged.any()


@pytest.mark.parametrize("bias", [True, False])
def test_copies_start_from_the_networks_seeded_weights(bias):
    ens = Ensemble(2, specs("tanh", "sigmoid", bias), seeds=SEEDS, init="xavier")
    sized = Ensemble.like(
        Network.from_sizes([2, 4, 3, 1], "relu", "sigmoid", bias), seeds=SEEDS, init="small_normal"
    )
    for k, seed in enumerate(SEEDS):
        nn = Network(2, specs("tanh", "sigmoid", bias), init="xavier", seed=seed)
        for theirs, mine in zip(nn.parameters(), ens.parameters(), strict=True):
            assert np.array_equal(mine[k], theirs)
        nn = Network.from_sizes([2, 4, 3, 1], "relu", "sigmoid", bias, "small_normal", seed=seed)
        for theirs, mine in zip(nn.parameters(), sized.parameters(), strict=True):
            assert np.array_equal(mine[k], theirs)
    assert [w.shape for w in ens.weights] == [(5, 3, 2), (5, 2, 3), (5, 1, 2)]


@pytest.mark.parametrize(
    "hidden, output, loss",
    [
        ("tanh", "sigmoid", "mse"),
        ("relu", "sigmoid", "bce"),
        ("sigmoid", "sigmoid", "sse"),
        ("swish", "linear", "mse"),  # swish's f is not a ufunc: the copy path
        ("leaky_relu", "tanh", "sse"),
        ("gelu", "sigmoid", "bce"),
    ],
)
@pytest.mark.parametrize("batch_size", [1, 3, None])
@pytest.mark.parametrize("bias", [True, False])
def test_matches_separate_trainer_runs(hidden, output, loss, batch_size, bias):
    X, y = seven_points()
    assert_same_as_trainers(
        lambda: Ensemble(2, specs(hidden, output, bias), seeds=SEEDS),
        lambda seed: Network(2, specs(hidden, output, bias), seed=seed),
        X,
        y,
        epochs=25,
        loss=loss,
        lr=0.2,
        batch_size=batch_size,
    )


@pytest.mark.parametrize("batch_size", [1, 2, 4])
def test_xor_article_000_setup_matches(batch_size):
    layers = [(2, True, "tanh"), (2, True, "tanh"), (1, False, "sigmoid")]
    assert_same_as_trainers(
        lambda: Ensemble(2, layers, seeds=SEEDS),
        lambda seed: Network(2, layers, seed=seed),
        XOR_X,
        XOR_Y,
        epochs=200,
        loss="mse",
        lr=0.1,
        batch_size=batch_size,
    )


def test_shuffled_batches_match_a_trainer_with_the_same_shuffle_seed():
    X, y = seven_points()
    assert_same_as_trainers(
        lambda: Ensemble.like(Network.from_sizes([2, 4, 1], "tanh", "sigmoid"), seeds=SEEDS),
        lambda seed: Network.from_sizes([2, 4, 1], "tanh", "sigmoid", seed=seed),
        X,
        y,
        epochs=20,
        loss="bce",
        lr=0.3,
        batch_size=2,
        shuffle=True,
        seed=99,
    )


def test_the_looped_path_for_large_batches_matches_too(monkeypatch):
    monkeypatch.setattr(stacked_module, "FUSED_LIMIT", 0)
    X, y = seven_points()
    for batch_size in (1, 3, None):
        assert_same_as_trainers(
            lambda: Ensemble(2, specs("tanh", "sigmoid", True), seeds=SEEDS),
            lambda seed: Network(2, specs("tanh", "sigmoid", True), seed=seed),
            X,
            y,
            epochs=15,
            loss="mse",
            lr=0.2,
            batch_size=batch_size,
        )


def test_float32_follows_float64_closely():
    seeds = range(50)
    results = {}
    for dtype in (np.float64, np.float32):
        ens = Ensemble.like(Network.from_sizes([2, 2, 1], "tanh", "tanh"), seeds=seeds, dtype=dtype)
        trainer = EnsembleTrainer(ens, XOR_X, XOR_Y, lr=0.1, batch_size=None)
        trainer.run(300)
        assert all(p.dtype == dtype for p in ens.parameters())
        results[dtype] = ens.parameters()
    for p32, p64 in zip(results[np.float32], results[np.float64]):
        np.testing.assert_allclose(p32, p64, atol=1e-4)


def test_record_every_and_epoch():
    ens = Ensemble.like(Network.from_sizes([2, 3, 1], "tanh", "sigmoid"), seeds=SEEDS)
    trainer = EnsembleTrainer(ens, XOR_X, XOR_Y, batch_size=None, record_every=4)
    trainer.run(10)
    trainer.epoch()
    trainer.run(1)
    assert trainer.history_epochs.tolist() == [4, 8, 12]
    assert trainer.history.shape == (3, len(SEEDS))


def test_views_networks_and_stacking_round_trip():
    ens = Ensemble.like(Network.from_sizes([2, 3, 1], "relu", "sigmoid"), seeds=SEEDS)
    EnsembleTrainer(ens, XOR_X, XOR_Y, lr=0.5).run(5)
    nets = [ens.network(k) for k in range(len(SEEDS))]
    assert nets[2].metadata["seed"] == SEEDS[2]
    np.testing.assert_allclose(ens.predict(XOR_X)[3], nets[3].predict(XOR_X), atol=1e-15)
    again = Ensemble.from_networks(nets)
    for p, q in zip(ens.parameters(), again.parameters()):
        assert np.array_equal(p, q)
    ens.weights[0][1, 2, 0] = 5.0  # the views write through
    assert ens.network(1).layers[0].weights[2, 0] == 5.0
    assert "Ensemble of 5" in repr(ens)
    like = Ensemble.like(nets[0], seeds=[3])
    assert like.sizes == [2, 3, 1] and like.shapes[0].activation.name == "relu"


def test_diverged_copies_are_flagged_not_raised():
    ens = Ensemble.like(Network.from_sizes([2, 3, 1], "linear", "linear"), seeds=SEEDS)
    trainer = EnsembleTrainer(ens, XOR_X * 100, XOR_Y, lr=10.0, batch_size=None)
    trainer.run(30)
    assert trainer.diverged.all()
    assert set(diagnose(trainer).verdict) == {"diverged"}


def hand_made(weights_list, bias_list, acts):
    from nnviz.core import Layer

    layers, n_in = [], 2
    for w, b, act in zip(weights_list, bias_list, acts):
        w = np.asarray(w, dtype=float)
        layers.append(Layer(n_in, w.shape[0], True, act, w, b))
        n_in = w.shape[0]
    return Network(2, layers)


def test_diagnosis_names_solved_dead_and_saturated_copies():
    solved = hand_made([[[20, 20], [20, 20]], [[20, -20]]], [[-10, -30], [-10]], ["sigmoid", "sigmoid"])
    half = hand_made([[[1, 0], [0, 1]], [[1, -1]]], [[0.0, 0.0], [0.0]], ["sigmoid", "sigmoid"])
    saturated = hand_made([[[0.1, 0.1], [0.1, 0.1]], [[1, 1]]], [[50, -50], [0.0]], ["sigmoid", "sigmoid"])
    ens = Ensemble.from_networks([solved, half, saturated])
    trainer = EnsembleTrainer(ens, XOR_X, XOR_Y, loss="bce")
    report = diagnose(trainer)
    assert report.solved.tolist() == [True, False, False]
    assert report.verdict[0] == "solved" and report.details[0] == ""
    assert report.verdict[2] == "saturated units" and report.saturated[2] == 2
    assert "layer 1 units 1, 2 saturated" in report.details[2]
    assert report.solve_rate == pytest.approx(1 / 3)

    relu = [
        hand_made([[[20, 20], [20, 20]], [[1, -2]]], [[-10, -30], [0.0]], ["relu", "sigmoid"]),
        hand_made([[[-1, -1], [1, 1]], [[1, 1]]], [[-0.5, 0.0], [0.0]], ["relu", "sigmoid"]),
    ]
    report = diagnose(EnsembleTrainer(Ensemble.from_networks(relu), XOR_X, XOR_Y, loss="bce"))
    assert report.verdict[1] == "dead units" and report.dead[1] == 1
    assert "layer 1 unit 1 dead" in report.details[1]


def test_plateau_and_still_learning():
    # 2-2-1 tanh from these seeds: some copies end at a plateau, some still improving, most solved.
    ens = Ensemble.like(Network.from_sizes([2, 2, 1], "tanh", "tanh"), seeds=range(60))
    trainer = EnsembleTrainer(ens, XOR_X, XOR_Y, lr=0.1, batch_size=None, record_every=10)
    trainer.run(2000)
    report = diagnose(trainer)
    counts = report.counts()
    assert counts["solved"] > 30
    assert set(counts) <= {"solved", "plateau", "still learning", "saturated units"}
    stuck = int(np.flatnonzero(report.verdict == "plateau")[0]) if "plateau" in counts else None
    if stuck is not None:
        assert "stuck at a plateau" in report.details[stuck]


@pytest.mark.parametrize(
    "make",
    [
        lambda: Ensemble.like(Network.from_sizes([2, 1]), seeds=[]),
        lambda: Ensemble.like(Network.from_sizes([2, 1]), seeds=[1.5]),
        lambda: Ensemble.like(Network.from_sizes([2, 1]), seeds=[-1]),
        lambda: Ensemble.like(Network.from_sizes([2, 1]), seeds=[1], dtype=np.int32),
        lambda: Ensemble(2, [], seeds=[1]),
        lambda: Ensemble.like(Network.from_sizes([2, 1]), seeds=[1], init="nope"),
        lambda: EnsembleTrainer(Ensemble.like(Network.from_sizes([2, 1]), seeds=[1]), XOR_X, XOR_Y[:3]),
        lambda: EnsembleTrainer(
            Ensemble.like(Network.from_sizes([2, 1]), seeds=[1]), XOR_X, XOR_Y, batch_size=0
        ),
        lambda: EnsembleTrainer(Ensemble.like(Network.from_sizes([2, 1]), seeds=[1]), XOR_X, XOR_Y, lr=-1),
        lambda: EnsembleTrainer(Ensemble.like(Network.from_sizes([2, 1]), seeds=[1]), XOR_X[:, :1], XOR_Y),
        lambda: Ensemble.from_networks([Network.from_sizes([2, 1]), Network.from_sizes([2, 2, 1])]),
    ],
)
def test_bad_settings_raise_spec_errors(make):
    with pytest.raises(SpecError):
        make()


def test_the_ensemble_imports_neither_streamlit_nor_matplotlib():
    code = (
        "import sys, nnviz.core.ensemble; "
        "print(sorted(m for m in ('streamlit', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
