"""Backprop, step by step: one sample through a small network, forward, loss, backward, update."""

import numpy as np
import streamlit as st

from nnviz.core import ACTIVATIONS, LOSSES, NNVizError
from nnviz.drawing.svg import svg_data_uri
from nnviz.lessons import backprop_step_by_step as bp
from nnviz.playground import session

st.set_page_config(page_title="Backprop step by step · nnviz", page_icon="🔁", layout="wide")
st.markdown("### Backpropagation, step by step")
st.caption(
    "One training sample, one click at a time: the forward pass, the loss, the error flowing back, the "
    "gradients and the update. Every number is the engine's own."
)

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([[0.0], [1.0], [1.0], [0.0]])


def playground_network():
    """The playground's network and training data, if it is open and small enough."""
    exp = session.open_experiment()
    if exp is None:
        return None, "the playground has not been opened in this session"
    try:
        bp.check_small(exp.nn)
    except NNVizError as exc:
        return None, str(exc)
    if len(exp.X_train) == 0:
        return None, "the playground has no training data"
    return (exp.nn.copy(), exp.X_train[:8], exp.dataset.y_train[:8], exp.settings.loss), ""


with st.sidebar:
    source = st.radio("Network", ["Small example", "The playground's network"], key="bp.source")
    if source == "Small example":
        hidden = st.slider("Hidden units", 1, 3, 2, key="bp.hidden")
        act = st.selectbox(
            "Hidden activation", list(ACTIVATIONS), index=list(ACTIVATIONS).index("tanh"), key="bp.act"
        )
        out = st.selectbox(
            "Output activation", list(ACTIVATIONS), index=list(ACTIVATIONS).index("sigmoid"), key="bp.out"
        )
        seed = st.number_input("Weight seed", 0, 2**31 - 1, 0, key="bp.seed")
    loss = st.selectbox("Loss", list(LOSSES), key="bp.loss")
    lr = st.number_input("Learning rate η", 1e-4, 10.0, 0.5, step=0.1, format="%g", key="bp.lr")
    custom = st.text_input(
        "Or your own sample (inputs -> target)", key="bp.custom", placeholder="0.5, -1 -> 1"
    )

if source == "Small example":
    config = ("example", hidden, act, out, int(seed))
    data = (bp.small_network(int(seed), hidden, act, out), XOR_X, XOR_Y, None)
else:
    data, why = playground_network()
    if data is None:
        st.warning(f"Using the small example instead: {why}.")
        config = ("example", 2, "tanh", "sigmoid", 0)
        data = (bp.small_network(), XOR_X, XOR_Y, None)
    else:
        config = ("playground", id(session.open_experiment()))

# The walk's state: the network (updated after each sample), the sample index and the step index.
state = st.session_state.get("bp.state")
if state is None or state["config"] != config:
    # Start at the second sample: with zero biases, XOR's (0, 0) gives all-zero sums and gradients.
    state = {"config": config, "nn": data[0], "sample": 1, "step": 0, "updates": 0}
    st.session_state["bp.state"] = state
nn, X, Y = state["nn"], data[1], data[2]

if custom.strip():
    try:
        x, y = bp.parse_sample(custom, nn.inputs, nn.outputs)
    except ValueError as exc:
        st.error(f"Sample: {exc}")
        st.stop()
else:
    x, y = X[state["sample"] % len(X)], Y[state["sample"] % len(Y)]

try:
    walk = bp.walkthrough(nn, x, y, loss=loss, lr=float(lr))
except NNVizError as exc:
    st.error(f"Cannot walk through this sample: {exc}")
    st.stop()

steps = walk.steps
state["step"] = min(state["step"], len(steps) - 1)


def go(delta: int) -> None:
    s = st.session_state["bp.state"]
    s["step"] = max(0, min(len(steps) - 1, s["step"] + delta))


def next_sample() -> None:
    s = st.session_state["bp.state"]
    s["nn"] = walk.updated
    s["sample"] += 1
    s["step"] = 0
    s["updates"] += 1


c1, c2, c3, c4 = st.columns([1, 1, 2, 3])
c1.button("◀ Back", key="bp.prev", on_click=go, args=(-1,), disabled=state["step"] == 0)
c2.button("Next ▶", key="bp.next", on_click=go, args=(1,), disabled=state["step"] == len(steps) - 1)
c3.button("Apply the update, next sample", key="bp.sample", on_click=next_sample, type="primary")
shown_x, shown_y = (np.array2string(np.asarray(v), precision=3) for v in (x, y))
c4.markdown(
    f"Sample **x = {shown_x}**, target **{shown_y}** · "
    f"step **{state['step'] + 1} / {len(steps)}** · updates applied: {state['updates']}"
)

step = steps[state["step"]]
left, right = st.columns([2, 3])
with left:
    st.image(svg_data_uri(bp.diagram_svg(nn, step, bp.node_values(nn, x))))
    st.caption(
        "Blue: forward · purple: loss · orange: backward · green: update. Node numbers are activations."
    )
with right:
    st.markdown(f"#### {step.title}")
    st.latex(step.formula)
    st.latex(step.numbers)
    if step.note:
        st.markdown(step.note)

with st.expander("All steps so far"):
    for done in steps[: state["step"] + 1]:
        st.markdown(f"**{done.title}**")
        st.latex(done.numbers)
