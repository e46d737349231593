"""Why XOR needs a hidden layer: a perceptron's line on AND, OR and XOR, then a hidden layer that bends it."""

import numpy as np
import streamlit as st

from nnviz.core import NNVizError
from nnviz.core.grid import decision_grid
from nnviz.drawing.boundary import BoundaryView, boundary_svg
from nnviz.drawing.figures import figure_data_uri, perceptron_figure
from nnviz.drawing.loss_curve import loss_curve_svg
from nnviz.drawing.svg import svg_data_uri
from nnviz.lessons import why_xor_needs_a_hidden_layer as pc
from nnviz.playground import session
from nnviz.user_text import code, escape, out_of_range

st.set_page_config(page_title="Why XOR needs a hidden layer · nnviz", page_icon="✖️", layout="wide")
session.page_state(
    {
        "xor.gate": "XOR",
        "xor.w1": 1.0,
        "xor.w2": 1.0,
        "xor.b": -0.5,
        "xor.typed": "",
        "xor.hidden": 4,
        "xor.seed": 0,
    }
)
#: The trained networks of this session, one per gate (each gate's result belongs to it alone).
RESULTS = "xor.results"
#: The seed's allowed values: the number input has no bounds of its own (Streamlit would keep a number
#: typed outside them in the box while the page silently used the old value).
SEEDS = (0, 2**31 - 1)
st.markdown("### Why XOR needs a hidden layer")
st.caption(
    "A single perceptron answers 1 on one side of a straight line w₁x₁ + w₂x₂ + b = 0 and 0 on the other. "
    "Move the line with the sliders: AND and OR are easy; for XOR, no line gets all four corners."
)


def apply_typed() -> None:
    """Typed weights go onto the sliders (one source of truth) and the box empties; a text that is not
    three numbers in the sliders' range stays in the box, and the page says why."""
    try:
        weights = pc.parse_weights(st.session_state["xor.typed"])
    except NNVizError:
        return
    for key, value in zip(("xor.w1", "xor.w2", "xor.b"), weights):
        st.session_state[key] = value
    st.session_state["xor.typed"] = ""


lo, hi = pc.WEIGHT_RANGE
with st.sidebar:
    gate = st.radio("Gate", list(pc.GATES), key="xor.gate", horizontal=True)
    st.markdown("**Perceptron**")
    w1 = st.slider("w₁", lo, hi, step=0.1, key="xor.w1")
    w2 = st.slider("w₂", lo, hi, step=0.1, key="xor.w2")
    b = st.slider("b", lo, hi, step=0.1, key="xor.b")
    typed = st.text_input("…or type w₁, w₂, b (Enter sets the sliders)", key="xor.typed",
                          placeholder="1, 1, -1.5", on_change=apply_typed)  # fmt: skip
    st.markdown("**Hidden layer**")
    hidden = st.slider("Hidden units", 2, 8, key="xor.hidden")
    seed = st.number_input("Weight seed", step=1, key="xor.seed")

if typed.strip():
    try:
        pc.parse_weights(typed)
    except NNVizError as exc:
        st.error(f"Weights: {escape(str(exc))}; the sliders keep their values. You typed {code(typed)}.")

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
st.markdown(f"#### Add a hidden layer: {gate}")
st.caption(
    "Each hidden unit draws its own line; the output unit combines their sides, so the boundary can bend. "
    "The network: 2 inputs → hidden tanh units → 1 sigmoid output, cross-entropy, full-batch SGD."
)
problem = out_of_range("Weight seed", seed, *SEEDS)
if problem:
    st.error(escape(problem))
    st.stop()
results = st.session_state.setdefault(RESULTS, {})
if st.button(f"Add {hidden} hidden units and train on {gate}", type="primary", key="xor.train"):
    try:
        results[gate] = pc.train(gate, hidden=hidden, seed=int(seed))
    except NNVizError as exc:
        st.error(f"Training failed: {escape(str(exc))}")
        st.stop()

trained = results.get(gate)
if trained is None:
    st.info(f"Press the button to train a network with a hidden layer on {gate}.")
    st.stop()
if (trained.hidden, trained.seed) != (hidden, int(seed)):
    st.caption(
        f"Below: the network trained on {gate} with {trained.hidden} hidden units from seed {trained.seed}. "
        f"Press the button to train {hidden} units from seed {int(seed)}."
    )
outputs = trained.outputs
c1, c2, c3 = st.columns(3)
with c1:
    first = trained.nn.layers[0]
    lines = [(float(w[0]), float(w[1]), float(bb)) for w, bb in zip(first.weights, first.bias)]
    title = f"{gate}: the {trained.hidden} hidden units' lines"
    fig = perceptron_figure(pc.POINTS, labels, lines, pc.BOX, title)
    st.image(figure_data_uri(fig))
with c2:
    grid = decision_grid(trained.nn, pc.BOX, n=120)
    view = BoundaryView(pc.BOX, train=(pc.POINTS, labels[:, None]))
    st.image(svg_data_uri(boundary_svg(grid, view, size=330)))
    if trained.solved:
        st.caption(
            f"The network's output over the square (orange 0, blue 1): all four corners of {gate} lie on "
            "their own side of the boundary"
            + (", which bends around them: no straight line could do this." if best < 4 else ".")
        )
    else:
        st.caption(
            f"The network's output over the square (orange 0, blue 1): {4 - trained.right} of the 4 corners "
            f"of {gate} lie on the wrong side: training got stuck."
        )
with c3:
    epochs = np.arange(1, len(trained.history) + 1)
    curve = loss_curve_svg((epochs, np.asarray(trained.history)), log=True, width=360, height=260)
    st.image(svg_data_uri(curve))
    outs = ", ".join(f"{o:.2f}" for o in outputs)
    setup = f"{trained.hidden} hidden units, seed {trained.seed}"
    if trained.solved:
        st.success(f"{gate} solved ({setup}): outputs {outs}.")
    else:
        st.warning(
            f"{gate} not solved ({setup}; outputs {outs}): some starts get stuck. "
            "The seed-robustness lab counts how often."
        )
