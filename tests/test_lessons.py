"""Logic of the learning pages: the step-by-step numbers are right, the labs' helpers behave."""

import numpy as np
import pytest
from reference_backprop import LOSS_FORMULAS, reference_backprop

from nnviz.core import ACTIVATIONS, LayerSpecNBF, Network, SpecError, Trainer
from nnviz.lessons import activation_lab as la
from nnviz.lessons import backprop_step_by_step as bp
from nnviz.lessons import model_inspector as insp
from nnviz.lessons import seed_robustness_lab as sl
from nnviz.lessons import why_xor_needs_a_hidden_layer as pc

SAMPLES = [([0.0, 1.0], [1.0]), ([1.0, 1.0], [0.0]), ([0.3, -0.7], [1.0])]
NETWORKS = {
    "2-2-1 tanh/sigmoid": lambda: Network.from_sizes([2, 2, 1], "tanh", "sigmoid", seed=3),
    "2-3-3-1 relu": lambda: Network.from_sizes([2, 3, 3, 1], "relu", "sigmoid", seed=5),
    "000 (no output bias)": lambda: Network(
        2,
        [LayerSpecNBF(2, True, "tanh"), LayerSpecNBF(2, True, "tanh"), LayerSpecNBF(1, False, "sigmoid")],
        seed=1,
    ),
    "2-3-2 swish, 2 outputs": lambda: Network(2, [(3, True, "swish"), (2, True, "sigmoid")], seed=2),
}


def steps_of(walk, phase):
    return [s for s in walk.steps if s.phase == phase]


def finite_difference_grads(nn, x, y, loss, h=1e-6):
    """Central differences of the loss in every parameter (a third, independent check)."""
    value = LOSS_FORMULAS[loss][0]
    out = []
    for p in nn.parameters():
        g = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            keep = p[idx]
            p[idx] = keep + h
            up = value(nn.predict(np.asarray([x]))[0], y)
            p[idx] = keep - h
            down = value(nn.predict(np.asarray([x]))[0], y)
            p[idx] = keep
            g[idx] = (up - down) / (2 * h)
        out.append(g)
    return out


@pytest.mark.parametrize("make", NETWORKS.values(), ids=NETWORKS.keys())
@pytest.mark.parametrize("loss", ["mse", "sse", "bce"])
@pytest.mark.parametrize("x, y", SAMPLES)
def test_step_numbers_agree_with_a_second_implementation_and_finite_differences(make, loss, x, y):
    nn = make()
    y = np.resize(np.asarray(y, dtype=float), nn.outputs)
    before = [p.copy() for p in nn.parameters()]
    walk = bp.walkthrough(nn, x, y, loss=loss, lr=0.3)
    assert all(np.array_equal(p, q) for p, q in zip(before, nn.parameters())), "the network must not change"

    value, zs, acts, deltas, grads = reference_backprop(nn, x, y, loss)
    close = {"rtol": 1e-12, "atol": 1e-14}
    forward = steps_of(walk, "forward")
    for i, (z, a) in enumerate(zip(zs, acts)):
        np.testing.assert_allclose(forward[2 * i].values["z"], z, **close)
        np.testing.assert_allclose(forward[2 * i + 1].values["a"], a, **close)
    assert walk.loss == pytest.approx(value, rel=1e-12)
    for shown, mine in zip(walk.deltas, deltas):
        np.testing.assert_allclose(shown, mine, **close)
    shown = []
    for step in reversed(steps_of(walk, "gradient")):  # shown from the output back; parameters() goes forward
        shown.append(step.values["dW"])
        if "db" in step.values:
            shown.append(step.values["db"])
    assert len(shown) == len(grads)
    for mine, theirs, numeric in zip(shown, grads, finite_difference_grads(nn, x, y, loss)):
        np.testing.assert_allclose(mine, theirs, **close)
        np.testing.assert_allclose(mine, numeric, rtol=1e-5, atol=1e-7)
    # The update: every parameter takes a step of lr times its gradient.
    for new, old, g in zip(walk.updated.parameters(), before, grads):
        np.testing.assert_allclose(new, old - 0.3 * g, **close)
    for layer, step in zip(walk.updated.layers, steps_of(walk, "update")):
        np.testing.assert_array_equal(step.values["W"], layer.weights)


def test_a_hand_worked_step():
    """2-1-1 linear network, worked out on paper: x = (1, 2), y = 1, mse, lr 0.1.

    z1 = 0.5·1 − 0.25·2 + 0.1 = 0.1; z2 = 2·0.1 − 0.3 = −0.1; L = ½(−0.1 − 1)² = 0.605;
    δ2 = a − y = −1.1; δ1 = 2·δ2 = −2.2; ∂L/∂W2 = δ2·a1 = −0.11; ∂L/∂W1 = δ1·x = (−2.2, −4.4).
    """
    nn = Network(2, [(1, True, "linear"), (1, True, "linear")], seed=0)
    nn.layers[0].weights[:] = [[0.5, -0.25]]
    nn.layers[0].bias[:] = [0.1]
    nn.layers[1].weights[:] = [[2.0]]
    nn.layers[1].bias[:] = [-0.3]
    walk = bp.walkthrough(nn, [1.0, 2.0], [1.0], loss="mse", lr=0.1)
    assert walk.loss == pytest.approx(0.605)
    np.testing.assert_allclose([d[0] for d in walk.deltas], [-2.2, -1.1])
    grads = {(s.layer, k): v for s in steps_of(walk, "gradient") for k, v in s.values.items()}
    np.testing.assert_allclose(grads[(2, "dW")], [[-0.11]])
    np.testing.assert_allclose(grads[(1, "dW")], [[-2.2, -4.4]])
    np.testing.assert_allclose(grads[(1, "db")], [-2.2])
    np.testing.assert_allclose(walk.updated.layers[0].weights, [[0.72, 0.19]])
    np.testing.assert_allclose(walk.updated.layers[1].bias, [-0.19])


def test_step_order_and_latex():
    nn = NETWORKS["2-2-1 tanh/sigmoid"]()
    walk = bp.walkthrough(nn, [1, 0], [1], loss="bce", lr=0.5)
    phases = [(s.phase, s.layer) for s in walk.steps]
    assert phases == [
        ("forward", 1), ("forward", 1), ("forward", 2), ("forward", 2), ("loss", 0),
        ("backward", 2), ("gradient", 2), ("backward", 1), ("gradient", 1), ("update", 1), ("update", 2),
    ]  # fmt: skip
    assert walk.steps[5].formula.endswith("a^{[2]} - y")  # sigmoid + cross-entropy: the output delta is a - y
    assert r"\begin{bmatrix}" in walk.steps[0].numbers
    assert bp.matrix([[1, 2], [3, 4]]) == r"\begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}"
    assert bp.number(2.5e-6) == r"2.50 \cdot 10^{-6}"
    svg = bp.diagram_svg(nn, walk.steps[6], bp.node_values(nn, [1, 0]))
    assert svg.startswith("<svg") and "#d95f02" in svg


def test_walkthrough_refuses_big_networks_and_bad_input():
    with pytest.raises(SpecError, match="up to 3 layers"):
        bp.check_small(Network.from_sizes([2, 8, 1], seed=0))
    bp.check_small(Network.from_sizes([3, 3, 3, 1], seed=0))
    nn = NETWORKS["2-2-1 tanh/sigmoid"]()
    with pytest.raises(SpecError):
        bp.walkthrough(nn, [1, 2, 3], [1])
    with pytest.raises(SpecError):
        bp.walkthrough(nn, [1, 2], [1], lr=-1)
    with pytest.raises(SpecError):
        bp.walkthrough(nn, [1, 2], [1], loss="hinge")


# --- activation lab ---------------------------------------------------------------------------------


def test_activation_regions():
    x, f, df = la.sample(ACTIVATIONS["relu"], -5, 5)
    found = la.regions(x, df)
    assert [r.kind for r in found] == ["dead"]
    assert found[0].start == -5 and found[0].end == 0  # the kink counts as dead (f'(0) = 0)
    x, f, df = la.sample(ACTIVATIONS["sigmoid"], -10, 10)
    kinds = [(r.kind, round(r.start), round(r.end)) for r in la.regions(x, df)]
    assert kinds == [("vanishing", -10, -5), ("vanishing", 5, 10)]  # σ' < 0.01 beyond |x| ≈ 4.6
    x, f, df = la.sample(ACTIVATIONS["linear"], -3, 3)
    assert la.regions(x, df) == []
    assert "Dead zone" in found[0].describe(0.01, 10)
    assert la.summary(x, f, df)["f′(0)"] == "1"


def test_activation_lab_validates_range_and_choice():
    with pytest.raises(SpecError):
        la.check_range(1, 1)
    with pytest.raises(SpecError):
        la.check_range(-1e9, 0)
    with pytest.raises(SpecError):
        la.resolve("   ")
    with pytest.raises(SpecError):
        la.regions(np.zeros(3), np.zeros(3), vanish=1, explode=0.5)
    assert la.resolve("TANH") is ACTIVATIONS["tanh"]
    assert la.send_value(" Tanh ") == "tanh" and la.send_value("x/(1+abs(x))") == "x/(1+abs(x))"
    assert la.latex_pair(ACTIVATIONS["tanh"])[1].startswith("f'(x) = ")


# --- perceptron --------------------------------------------------------------------------------------


def test_no_line_separates_xor():
    assert pc.best_line_score("AND") == 4
    assert pc.best_line_score("OR") == 4
    assert pc.best_line_score("XOR") == 3
    assert pc.score("AND", 1, 1, -1.5) == 4 and pc.score("XOR", 1, 1, -0.5) == 3
    assert pc.perceptron_rule("OR")[-1].mistakes == 0
    assert all(e.mistakes > 0 for e in pc.perceptron_rule("XOR", epochs=50))
    assert pc.line_segment(1, 1, -1.5) == ((1.5, 0.0), (0.0, 1.5))
    assert pc.line_segment(0, 0, 1) is None
    nn, history = pc.train_hidden("XOR", hidden=4, seed=0)
    assert ((nn.predict(pc.POINTS)[:, 0] > 0.5) == pc.GATES["XOR"].astype(bool)).all()
    assert history[-1] < history[0]
    with pytest.raises(SpecError):
        pc.labels("NAND")


# --- inspector ---------------------------------------------------------------------------------------


def test_inspector_helpers():
    nn = Network.from_sizes([2, 3, 1], "tanh", "sigmoid", seed=0)
    nn.metadata = {
        "dataset": "circle",
        "epoch": 3,
        "loss_history": [0.7, 0.5, 0.4],
        "training": {"features": ["x1", "x2"], "loss_epochs": [1, 2, 3]},
    }
    nn = insp.load(nn.to_bytes())
    assert [r["parameters"] for r in insp.architecture(nn)] == [9, 4]
    assert insp.activations(nn)[0][0] == "layer 1: tanh"
    epochs, losses = insp.loss_history(nn)
    assert epochs.tolist() == [1, 2, 3] and losses.tolist() == [0.7, 0.5, 0.4]
    names, box = insp.input_setup(nn)
    assert names == ["x1", "x2"] and box == (-6.0, 6.0, -6.0, 6.0)
    rows = insp.default_inputs(nn)
    np.testing.assert_allclose(insp.evaluate(nn, rows), nn.predict(pc.POINTS))
    with pytest.raises(SpecError, match="row 2, column x2"):
        insp.evaluate(nn, [{"x1": 0, "x2": 0}, {"x1": 1, "x2": "abc"}])
    assert any(
        r["field"] == "loss_history" and r["value"].startswith("3 values") for r in insp.metadata_rows(nn)
    )
    three = Network.from_sizes([3, 1], seed=0)
    assert insp.input_setup(three)[0] is None and insp.input_columns(three) == ["in1", "in2", "in3"]


# --- seed lab ----------------------------------------------------------------------------------------


def test_seed_lab_runs_and_summarises():
    config = sl.with_changes(sl.SETUPS["002"], epochs=300)
    seen = []
    result = sl.run_lab(config, copies=40, progress=seen.append, chunks=4)
    assert seen == [0.25, 0.5, 0.75, 1.0]
    report = result.report
    assert len(report.verdict) == 40 and result.seeds == list(range(40))
    assert sum(r["copies"] for r in sl.summary_rows(result)) == 40
    failed = sl.failed_copies(result, limit=6)
    assert len(failed) <= 6 and all(not report.solved[k] for k in failed)
    if failed:
        assert sl.boundary(result, failed[0], n=20).shape == (20, 20)
    counts, edges = sl.loss_histogram(report.final_loss)
    assert counts.sum() == 40 and len(edges) == len(counts) + 1
    assert sl.downsample_curves(result.trainer.history, 10).shape[1] <= 10
    # Copy k of the lab is the network Network(..., seed=k) trained alone.
    k = 7
    nn = Network(2, list(config.layers), init=config.init, seed=k)
    Trainer(nn, pc.POINTS, pc.GATES["XOR"][:, None], loss=config.loss, lr=config.lr, batch_size=4).run(300)
    np.testing.assert_allclose(
        result.ensemble.network(k).predict(pc.POINTS), nn.predict(pc.POINTS), atol=1e-10
    )


def test_parse_hidden():
    assert sl.parse_hidden("2, 2") == [2, 2] and sl.parse_hidden("4") == [4] and sl.parse_hidden("") == []
    for bad in ("0", "x", "2,,99", "1 1 1 1 1"):
        with pytest.raises(SpecError):
            sl.parse_hidden(bad)


def test_article_000_initialisation():
    config = sl.SETUPS["000a"]
    nn = sl.article_network(config, 5)
    draw = np.random.default_rng(5).standard_normal((2, 3)) * np.sqrt(2 / 3)
    np.testing.assert_array_equal(nn.layers[0].weights, draw[:, :2])
    np.testing.assert_array_equal(nn.layers[0].bias, draw[:, 2])
    assert nn.layers[2].bias is None
    ens = sl.make_ensemble(config, [5, 6])
    assert ens.seeds == (5, 6)
    np.testing.assert_array_equal(ens.weights[0][0], nn.layers[0].weights)


def test_parse_sample_reads_inputs_and_target_and_explains_mistakes():
    from nnviz.lessons.backprop_step_by_step import parse_sample

    x, y = parse_sample("0.5, -1 -> 1", 2, 1)
    assert x.tolist() == [0.5, -1.0] and y.tolist() == [1.0]
    for bad, message in [
        ("0.5, -1", "inputs -> target"),
        ("a, 1 -> 0", "not a number"),
        ("1 -> 0", "takes 2 inputs"),
        ("inf, 1 -> 0", "finite"),
    ]:
        with pytest.raises(ValueError, match=message):
            parse_sample(bad, 2, 1)
