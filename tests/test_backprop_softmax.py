"""The backprop page with a softmax output: its numbers against a second implementation written here.

The reference below is plain NumPy written from the equations (forward pass, softmax, −log a_y, the
deltas, the outer products), not the engine: the page's numbers come from the engine, and a test that
reused the engine could not disagree with it. Finite differences check the reference itself.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from nnviz.core import Network, SpecError
from nnviz.lessons import backprop_step_by_step as bp
from nnviz.playground.settings import N_HIDDEN_KEY, layer_key, widget_key

ROOT = Path(__file__).resolve().parents[1]
X = np.array([0.7, -1.2])


def net(seed: int = 3) -> Network:
    return Network(2, [(3, True, "tanh"), (3, True, "softmax")], init="xavier", seed=seed)


def reference(W1, b1, W2, b2, x, y, loss):
    """Forward and backward for one sample, from the equations; ``y`` one-hot of shape (3,)."""
    h = np.tanh(W1 @ x + b1)
    z = W2 @ h + b2
    e = np.exp(z - z.max())
    a = e / e.sum()
    if loss == "cce":
        value = -np.log(a[np.argmax(y)])
        d2 = a - y  # ∂(−Σ y log softmax(z))/∂z
    else:  # mse: ½Σ(a − y)²; through the Jacobian J[i, j] = a_i (δ_ij − a_j)
        value = 0.5 * np.sum((a - y) ** 2)
        jacobian = np.diag(a) - np.outer(a, a)
        d2 = jacobian.T @ (a - y)
    d1 = (W2.T @ d2) * (1 - h**2)
    return {"h": h, "a": a, "loss": value, "d1": d1, "d2": d2, "dW1": np.outer(d1, x), "dW2": np.outer(d2, h)}


def loss_of(W1, b1, W2, b2, x, y, loss):
    return reference(W1, b1, W2, b2, x, y, loss)["loss"]


@pytest.mark.parametrize("loss", ["cce", "mse"])
def test_the_walk_of_a_softmax_output_matches_a_second_implementation(loss):
    nn = net()
    (W1, b1), (W2, b2) = ((layer.weights.copy(), layer.bias.copy()) for layer in nn.layers)
    label = 2
    y = np.eye(3)[label]
    ref = reference(W1, b1, W2, b2, X, y, loss)
    target = [label] if loss == "cce" else y  # cce takes the class label, as the playground's data holds it
    walk = bp.walkthrough(nn, X, target, loss=loss, lr=0.5)
    np.testing.assert_allclose(walk.loss, ref["loss"], rtol=1e-12)
    np.testing.assert_allclose(walk.deltas[1], ref["d2"], rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(walk.deltas[0], ref["d1"], rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(walk.grads[2], ref["dW2"], rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(walk.grads[0], ref["dW1"], rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(walk.updated.layers[1].weights, W2 - 0.5 * ref["dW2"], rtol=1e-12)
    # the reference's gradient is right: central differences of its loss
    eps = 1e-6
    for i, j in [(0, 0), (1, 2), (2, 1)]:
        Wp, Wm = W2.copy(), W2.copy()
        Wp[i, j] += eps
        Wm[i, j] -= eps
        numeric = (loss_of(W1, b1, Wp, b2, X, y, loss) - loss_of(W1, b1, Wm, b2, X, y, loss)) / (2 * eps)
        assert numeric == pytest.approx(ref["dW2"][i, j], abs=1e-8)
    # what the page shows
    step = {(s.phase, s.layer): s for s in walk.steps}
    delta = step[("backward", 2)]
    activation = [s for s in walk.steps if s.phase == "forward" and s.layer == 2][1]
    assert "softmax" in activation.title and "add up to 1" in activation.note
    np.testing.assert_allclose(activation.values["a"], ref["a"], rtol=1e-12)
    np.testing.assert_allclose(step[("loss", 0)].values["y"], y)
    if loss == "cce":
        assert delta.formula == r"\delta^{[2]} = a^{[2]} - y" and "a - y" in delta.note
        for v in (*ref["a"], *ref["d2"]):  # a, y and a − y written out with the reference's numbers
            assert bp.number(v) in delta.numbers
    else:
        assert r"\odot" in delta.formula and "matrix" in delta.note
        for v in (*(ref["a"] - y), *ref["d2"]):  # g = a − y and the delta
            assert bp.number(v) in delta.numbers


def test_cce_needs_a_softmax_output():
    sigmoid = Network(2, [(3, True, "tanh"), (1, True, "sigmoid")], seed=0)
    with pytest.raises(SpecError, match="softmax"):
        bp.check_loss(sigmoid, "cce")
    with pytest.raises(SpecError, match="sigmoid"):
        bp.check_loss(net(), "bce")


def test_the_page_walks_the_playgrounds_softmax_network():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.selectbox(key=widget_key("dataset")).set_value("blobs3").run()
    at.slider(key=N_HIDDEN_KEY).set_value(1).run()
    at.number_input(key=layer_key(0, "size")).set_value(3).run()
    at.number_input(key=widget_key("lr")).set_value(0.1).run()
    exp = at.session_state["playground"].experiment
    assert exp.nn.sizes == [2, 3, 3] and (exp.settings.loss, exp.settings.lr) == ("cce", 0.1)
    at.switch_page("pages/backprop_step_by_step.py").run()
    at.radio(key="bp.source").set_value("The playground's network").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    shown = []
    while not at.button(key="bp.next").disabled:
        at.button(key="bp.next").click().run()
        shown.append(next(m.value for m in at.markdown if m.value.startswith("#### ")))
        if shown[-1] == "#### Layer 2: delta":
            assert any(r"a^{[2]} - y" in x.value for x in at.latex)
    assert "#### Loss (cce)" in shown and "#### Layer 2: activation softmax" in shown
    assert not at.exception
    at.text_input(key="bp.custom").set_value("0.5, -1 -> 7").run()  # no such class: one readable message
    assert not at.exception and len(at.error) == 1 and "from 0 to 2" in at.error[0].value
    at.text_input(key="bp.custom").set_value("0.5, -1 -> 2").run()  # a class number as the target
    assert not at.exception and not at.error
    # the walk's sample is the playground's second training point, its label one-hot
    state = at.session_state["bp.state"]
    nn = state["nn"]
    x, label = exp.X_train[1], int(exp.dataset.y_train[1, 0])
    (W1, b1), (W2, b2) = ((layer.weights, layer.bias) for layer in nn.layers)
    ref = reference(W1, b1, W2, b2, x, np.eye(3)[label], "cce")
    walk = bp.walkthrough(nn, x, [label], "cce", 0.1)
    np.testing.assert_allclose(walk.deltas[1], ref["d2"], rtol=1e-10, atol=1e-15)


def test_a_typed_sample_may_name_its_class():
    x, y = bp.parse_sample("0.5, -1 -> 2", 2, 3, label=True)
    assert x.tolist() == [0.5, -1.0] and y.tolist() == [2.0]
    assert bp.parse_sample("0.5, -1 -> 0, 0, 1", 2, 3, label=True)[1].tolist() == [0.0, 0.0, 1.0]
    with pytest.raises(ValueError, match="3 target\\(s\\) or a class 0 … 2"):
        bp.parse_sample("0.5, -1 -> 2, 1", 2, 3, label=True)
    with pytest.raises(ValueError, match="3 target\\(s\\); got 2 and 1"):
        bp.parse_sample("0.5, -1 -> 2", 2, 3)
    walk = bp.walkthrough(net(), [0.5, -1.0], [2.0], "cce", 0.1)
    np.testing.assert_array_equal(
        walk.steps[[s.phase for s in walk.steps].index("loss")].values["y"], [0, 0, 1]
    )
    with pytest.raises(SpecError, match="from 0 to 2"):
        bp.walkthrough(net(), [0.5, -1.0], [5.0], "cce", 0.1)
