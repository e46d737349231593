"""Why XOR needs a hidden layer: a perceptron's line on AND, OR and XOR, then a hidden layer that bends it."""

import numpy as np
import streamlit as st

from nnviz.core import NNVizError
from nnviz.core.grid import decision_grid
from nnviz.drawing.boundary import boundary_svg
from nnviz.drawing.figures import figure_data_uri, perceptron_figure
from nnviz.drawing.loss_curve import loss_curve_svg
from nnviz.drawing.svg import svg_data_uri
from nnviz.lessons import why_xor_needs_a_hidden_layer as pc

st.set_page_config(page_title="Why XOR needs a hidden layer · nnviz", page_icon="✖️", layout="wide")
st.markdown("### Why XOR needs a hidden layer")
st.caption(
    "A single perceptron answers 1 on one side of a straight line w₁x₁ + w₂x₂ + b = 0 and 0 on the other. "
    "Move the line with the sliders: AND and OR are easy; for XOR, no line gets all four corners."
)

with st.sidebar:
    gate = st.radio("Gate", list(pc.GATES), index=2, key="xor.gate", horizontal=True)
    st.markdown("**Perceptron**")
    w1 = st.slider("w₁", -3.0, 3.0, 1.0, 0.1, key="xor.w1")
    w2 = st.slider("w₂", -3.0, 3.0, 1.0, 0.1, key="xor.w2")
    b = st.slider("b", -3.0, 3.0, -0.5, 0.1, key="xor.b")
    typed = st.text_input("…or type w₁, w₂, b", key="xor.typed", placeholder="1, 1, -1.5")
    st.markdown("**Hidden layer**")
    hidden = st.slider("Hidden units", 2, 8, 4, key="xor.hidden")
    seed = st.number_input("Weight seed", 0, 2**31 - 1, 0, key="xor.seed")

if typed.strip():
    try:
        values = [float(v) for v in typed.replace(";", ",").split(",") if v.strip()]
        if len(values) != 3 or not np.all(np.isfinite(values)):
            raise ValueError
    except ValueError:
        st.error(f"Weights: {typed!r} is not three numbers w₁, w₂, b (for example  1, 1, -1.5).")
        st.stop()
    w1, w2, b = values

labels = pc.labels(gate)
right = pc.score(gate, w1, w2, b)
best = pc.best_line_score(gate)
left, middle = st.columns([1, 1])
with left:
    title = f"{gate}: w₁ = {w1:g}, w₂ = {w2:g}, b = {b:g}"
    st.image(
        figure_data_uri(perceptron_figure(pc.POINTS, labels, [(w1, w2, b)], pc.BOX, title, shade=(w1, w2, b)))
    )
with middle:
    st.metric("Corners right", f"{right} of 4")
    if best == 4:
        st.success(
            f"A line separates {gate}: {'you found one!' if right == 4 else 'keep moving the sliders.'}"
        )
    else:
        st.warning(
            f"No line gets more than {best} of 4 corners of {gate}. The two 1s sit on one diagonal and the "
            "two 0s on the other: any line that puts both 1s on one side puts at least one 0 there too."
        )
    rule = pc.perceptron_rule(gate, epochs=12)
    mistakes = [e.mistakes for e in rule]
    settled = next((i + 1 for i, m in enumerate(mistakes) if m == 0), None)
    st.markdown(
        "**Rosenblatt's learning rule** (w ← w + (y − ŷ)·x), mistakes per epoch: "
        + ", ".join(map(str, mistakes))
        + (
            f" — settles after {settled} epochs."
            if settled
            else " — never settles: there is no line to find."
        )
    )

st.divider()
st.markdown("#### Add a hidden layer")
st.caption(
    "Each hidden unit draws its own line; the output unit combines their sides, so the boundary can bend. "
    "The network: 2 inputs → hidden tanh units → 1 sigmoid output, cross-entropy, full-batch SGD."
)
if st.button(f"Add {hidden} hidden units and train", type="primary", key="xor.train"):
    try:
        nn, history = pc.train_hidden(gate, hidden=hidden, seed=int(seed))
    except NNVizError as exc:
        st.error(f"Training failed: {exc}")
        st.stop()
    st.session_state["xor.trained"] = (gate, hidden, int(seed), nn, history)

trained = st.session_state.get("xor.trained")
if trained is not None:
    t_gate, t_hidden, t_seed, nn, history = trained
    outputs = nn.predict(pc.POINTS)[:, 0]
    solved = bool(((outputs > 0.5) == (pc.labels(t_gate) > 0.5)).all())
    c1, c2, c3 = st.columns(3)
    with c1:
        lines = [
            (float(w[0]), float(w[1]), float(bb)) for w, bb in zip(nn.layers[0].weights, nn.layers[0].bias)
        ]
        fig = perceptron_figure(
            pc.POINTS, pc.labels(t_gate), lines, pc.BOX, f"{t_hidden} hidden units' lines"
        )
        st.image(figure_data_uri(fig))
    with c2:
        grid = decision_grid(nn, pc.BOX, n=120)
        points = (pc.POINTS, pc.labels(t_gate)[:, None])
        st.image(svg_data_uri(boundary_svg(grid, pc.BOX, train=points, size=330)))
        st.caption("The network's output over the square: the boundary bends around the corners.")
    with c3:
        epochs = np.arange(1, len(history) + 1)
        st.image(svg_data_uri(loss_curve_svg((epochs, np.asarray(history)), log=True, width=360, height=260)))
        outs = ", ".join(f"{o:.2f}" for o in outputs)
        if solved:
            st.success(f"{t_gate} solved (seed {t_seed}): outputs {outs}.")
        else:
            st.warning(
                f"Not solved from seed {t_seed} (outputs {outs}): some starts get stuck. "
                "The seed-robustness lab counts how often."
            )
