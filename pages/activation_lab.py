"""Activation lab: f and f' side by side, where the slope vanishes or explodes, and a button to use it."""

import streamlit as st

from nnviz.core import ACTIVATIONS, NNVizError
from nnviz.drawing.figures import activation_figure, figure_data_uri
from nnviz.lessons import activation_lab as la

st.set_page_config(page_title="Activation lab · nnviz", page_icon="📈", layout="wide")
st.markdown("### Activation lab")
st.caption(
    "An activation's slope f′ is what backpropagation multiplies by at every layer: where it is 0 a unit "
    "stops learning, where it is tiny gradients fade, where it is large they blow up."
)

with st.sidebar:
    st.markdown("**Activations**")
    builtins = st.multiselect(
        "Built-ins", list(ACTIVATIONS), default=["sigmoid", "tanh", "relu"], key="act.builtins"
    )
    formulas = st.text_area(
        "Your formulas (one per line, in x)",
        value="x / (1 + abs(x))",
        key="act.formulas",
        help="Parsed safely: numbers, x, + - * / ^, and functions such as exp, log, tanh, abs, max, min.",
    )
    st.markdown("**Range**")
    lo = st.number_input("x min", value=-6.0, step=1.0, key="act.lo")
    hi = st.number_input("x max", value=6.0, step=1.0, key="act.hi")
    st.markdown("**Flag f′ where**")
    vanish = st.number_input(
        "|f′| below (vanishing)", value=0.01, min_value=1e-9, format="%g", key="act.vanish"
    )
    explode = st.number_input(
        "|f′| above (exploding)", value=10.0, min_value=1e-6, format="%g", key="act.explode"
    )

choices = list(builtins) + [line.strip() for line in formulas.splitlines() if line.strip()]
try:
    la.check_range(lo, hi)
    if not vanish < explode:
        raise NNVizError(
            f"the vanishing threshold ({vanish:g}) must be below the exploding one ({explode:g})"
        )
except NNVizError as exc:
    st.error(f"Range: {exc}")
    st.stop()

if not choices:
    st.info("Pick a built-in or type a formula on the left.")

for index, choice in enumerate(choices):
    try:
        act = la.resolve(choice)
    except NNVizError as exc:
        st.error(f"Formula `{choice}`: {exc}")
        continue
    x, f, df = la.sample(act, lo, hi)
    found = la.regions(x, df, vanish, explode)
    st.divider()
    left, right = st.columns([3, 2])
    with left:
        st.image(figure_data_uri(activation_figure(x, f, df, found, act.label)))
    with right:
        f_tex, df_tex = la.latex_pair(act)
        st.latex(f_tex)
        st.latex(df_tex)
        facts = la.summary(x, f, df)
        st.markdown("  \n".join(f"**{k}:** {v}" for k, v in facts.items()))
        if found:
            st.markdown("\n".join(f"- {r.describe(vanish, explode)}" for r in found))
        else:
            st.success(f"On this range f′ neither vanishes (< {vanish:g}) nor explodes (> {explode:g}).")
        if st.button(
            "Use in the playground", key=f"act.send.{index}", help="Sets the hidden layers' activation"
        ):
            st.session_state["send_activation"] = la.send_value(choice)
            st.switch_page("pages/playground.py")
