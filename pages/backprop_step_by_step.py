"""Backprop, step by step: one sample through a small network, forward, loss, backward, update."""

import numpy as np
import streamlit as st

from nnviz.core import ACTIVATIONS, LOSSES, NNVizError
from nnviz.drawing.svg import svg_data_uri
from nnviz.lessons import backprop_step_by_step as bp
from nnviz.playground import session
from nnviz.user_text import escape, out_of_range

SMALL, PLAYGROUND = "Small example", "The playground's network"
st.set_page_config(page_title="Backprop step by step · nnviz", page_icon="🔁", layout="wide")
session.page_state(
    {
        "bp.source": SMALL,
        "bp.hidden": 2,
        "bp.act": "tanh",
        "bp.out": "sigmoid",
        "bp.seed": 0,
        "bp.loss": "mse",
        "bp.lr": 0.5,
        "bp.custom": "",
    }
)
#: The typed numbers' allowed values. The number inputs have no bounds of their own: Streamlit would keep
#: a number typed outside them in the box while the page silently used the old value.
SEEDS, RATES = (0, 2**31 - 1), (1e-4, 10.0)
st.markdown("### Backpropagation, step by step")
st.caption(
    "One training sample, one click at a time: the forward pass, the loss, the error flowing back, the "
    "gradients and the update. Every number is the engine's own."
)

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([[0.0], [1.0], [1.0], [0.0]])


def playground_network():
    """The playground's experiment, if it is open and its network small enough, else None and why."""
    exp = session.open_experiment()
    if exp is None:
        return None, "the playground has not been opened in this session"
    try:
        bp.check_small(exp.nn)
    except NNVizError as exc:
        return None, str(exc)
    if len(exp.X_train) == 0:
        return None, "the playground has no training data"
    return exp, ""


def start_again() -> None:
    """Forget the walk: it starts again from the first weights (the playground's current ones)."""
    st.session_state.pop("bp.state", None)


with st.sidebar:
    source = st.radio("Network", [SMALL, PLAYGROUND], key="bp.source")
    exp, why = playground_network() if source == PLAYGROUND else (None, "")
    problems = []
    if exp is None:
        hidden = st.slider("Hidden units", 1, 3, key="bp.hidden")
        act = st.selectbox("Hidden activation", list(ACTIVATIONS), key="bp.act")
        out = st.selectbox("Output activation", list(ACTIVATIONS), key="bp.out")
        seed = st.number_input("Weight seed", step=1, key="bp.seed")
        loss = st.selectbox("Loss", list(LOSSES), key="bp.loss")
        lr = st.number_input("Learning rate η", step=0.1, format="%g", key="bp.lr")
        problems = [out_of_range("Weight seed", seed, *SEEDS), out_of_range("Learning rate η", lr, *RATES)]
    else:
        loss, lr = exp.settings.loss, exp.settings.lr
        st.markdown(f"**Loss** {loss} · **learning rate η** {lr:g}: the playground's (change them there).")
        st.caption(
            "The walk takes one plain gradient step per sample; the playground's optimizer "
            f"({exp.settings.optimizer}), batch size and regularization do not apply here."
        )
    custom = st.text_input(
        "Or your own sample (inputs -> target)", key="bp.custom", placeholder="0.5, -1 -> 1"
    )
    st.button("Start the walk again", key="bp.reset", on_click=start_again,
              help="Back to the first weights, the first sample and step 1")  # fmt: skip

for problem in filter(None, problems):
    st.error(escape(problem))
if any(problems):
    st.stop()
if why:
    st.warning(f"Using the small example instead: {escape(why)}.")

if exp is None:
    config = ("example", hidden, act, out, int(seed))
    start, X, Y = (lambda: bp.small_network(int(seed), hidden, act, out)), XOR_X, XOR_Y
else:
    config = ("playground", id(exp), tuple(exp.nn.sizes), tuple(exp.features))
    start, X, Y = exp.nn.copy, exp.X_train[:8], exp.dataset.y_train[:8]
    st.caption(
        "A copy of the playground's network, taken when this walk started: the updates here do not "
        "change the playground. *Start the walk again* takes its current weights."
    )

# The walk's state: the network (updated after each sample), the sample index and the step index. It is
# kept for the session, so the walk goes on where it was after a visit to another page.
state = st.session_state.get("bp.state")
if state is None or state["config"] != config:
    # Start at the second sample: with zero biases, XOR's (0, 0) gives all-zero sums and gradients.
    state = {"config": config, "nn": start(), "sample": 1, "step": 0, "updates": 0}
    st.session_state["bp.state"] = state
nn = state["nn"]

try:
    bp.check_loss(nn, loss)
except NNVizError as exc:
    st.error(f"This combination cannot work: {escape(str(exc))}.")
    st.stop()

if custom.strip():
    try:
        x, y = bp.parse_sample(custom, nn.inputs, nn.outputs, label=loss == "cce")
    except ValueError as exc:
        st.error(f"Sample: {escape(str(exc))}")
        st.stop()
else:
    x, y = X[state["sample"] % len(X)], Y[state["sample"] % len(Y)]

try:
    walk = bp.walkthrough(nn, x, y, loss=loss, lr=float(lr))
except NNVizError as exc:
    st.error(f"Cannot walk through this sample: {escape(str(exc))}")
    st.stop()

steps = walk.steps
state["step"] = min(state["step"], len(steps) - 1)
level, trouble = walk.trouble()


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
c3.button("Apply the update, next sample", key="bp.sample", on_click=next_sample, type="primary",
          disabled=level == "error")  # fmt: skip
shown_x, shown_y = (np.array2string(np.asarray(v), precision=3) for v in (x, y))
c4.markdown(
    f"Sample **x = {shown_x}**, target **{shown_y}** · "
    f"step **{state['step'] + 1} / {len(steps)}** · updates applied: {state['updates']}"
)
if level == "error":
    st.error(
        f"The walk cannot go on: {trouble}. *Start the walk again* (on the left), with a smaller learning "
        f"rate than η = {lr:g} if the updates made the weights grow."
    )
elif level == "warning":
    st.warning(f"Diverging: {trouble}. *Start the walk again* (on the left) with a smaller η.")

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
