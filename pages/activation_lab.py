"""Activation lab: f and f' side by side, where the slope vanishes or explodes, and a button to use it."""

import streamlit as st

from nnviz.core import ACTIVATIONS, NNVizError
from nnviz.lessons import activation_lab as la
from nnviz.playground import session
from nnviz.user_text import code, escape, out_of_range

st.set_page_config(page_title="Activation lab · nnviz", page_icon="📈", layout="wide")
session.page_state(
    {
        "act.builtins": ["sigmoid", "tanh", "relu"],
        "act.formulas": "x / (1 + abs(x))",
        "act.lo": -6.0,
        "act.hi": 6.0,
        "act.vanish": 0.01,
        "act.explode": 10.0,
    }
)
#: The thresholds' allowed values (the range is checked by la.check_range). The number inputs have no
#: bounds of their own: Streamlit would keep a number typed outside them in the box while the page
#: silently used the old value; here it is used, or refused with the reason.
LIMITS = {"vanish": (1e-9, 1e6), "explode": (1e-6, 1e12)}


@st.cache_data(max_entries=512, show_spinner=False)
def studied(choice: str, lo: float, hi: float, vanish: float, explode: float) -> la.Study:
    """One activation's picture, equations and findings, drawn once per input (Matplotlib is the cost)."""
    return la.study(choice, lo, hi, vanish, explode)


st.markdown("### Activation lab")
st.caption(
    "An activation's slope f′ is what backpropagation multiplies by at every layer: where it is 0 a unit "
    "stops learning, where it is tiny gradients fade, where it is large they blow up."
)

with st.sidebar:
    st.markdown("**Activations**")
    builtins = st.multiselect("Built-ins", list(ACTIVATIONS), key="act.builtins")
    formulas = st.text_area(
        "Your formulas (one per line, in x)",
        key="act.formulas",
        help="Parsed safely: numbers, x, pi, e, + - * /, ** for powers (x**2; ^ is not a power), and "
        "functions such as exp, log, tanh, abs, max, min, where(x > 0, x, 0).",
    )
    st.markdown("**Range**")
    lo = st.number_input("x min", step=1.0, key="act.lo")
    hi = st.number_input("x max", step=1.0, key="act.hi")
    st.markdown("**Flag f′ where**")
    vanish = st.number_input("|f′| below (vanishing)", step=0.01, format="%g", key="act.vanish")
    explode = st.number_input("|f′| above (exploding)", step=1.0, format="%g", key="act.explode")

choices = list(builtins) + [line.strip() for line in formulas.splitlines() if line.strip()]
problems = [out_of_range("|f′| below", vanish, *LIMITS["vanish"]),
            out_of_range("|f′| above", explode, *LIMITS["explode"])]  # fmt: skip
if not any(problems) and not vanish < explode:
    problems.append(f"the vanishing threshold ({vanish:g}) must be below the exploding one ({explode:g})")
problems = [f"Thresholds: {escape(p)}" for p in problems if p]
try:
    la.check_range(lo, hi)
except NNVizError as exc:
    problems.insert(0, f"Range: {escape(str(exc))}")
for problem in problems:
    st.error(problem)
if problems:
    st.stop()

if not choices:
    st.info("Pick a built-in or type a formula on the left.")

progress = st.progress(0.0) if len(choices) > 3 else None
for index, choice in enumerate(choices):
    if progress is not None:
        progress.progress(index / len(choices), text=f"Drawing {index + 1} of {len(choices)}…")
    try:
        found = studied(choice, float(lo), float(hi), float(vanish), float(explode))
    except NNVizError as exc:
        st.error(f"Formula refused: {escape(str(exc))} — in {code(choice)}")
        continue
    st.divider()
    left, right = st.columns([3, 2])
    with left:
        st.image(found.picture)
    with right:
        for equation in found.equations:
            st.latex(equation)
        st.markdown("  \n".join(f"**{k}:** {v}" for k, v in found.facts.items()))
        if found.zones:
            st.markdown("\n".join(f"- {zone}" for zone in found.zones))
        else:
            st.success(f"On this range f′ neither vanishes (< {vanish:g}) nor explodes (> {explode:g}).")
        for note in found.notes:
            st.info(note)
        if st.button(
            "Use in the playground", key=f"act.send.{index}", help="Sets the hidden layers' activation"
        ):
            st.session_state["send_activation"] = found.send
            st.switch_page("pages/playground.py")
if progress is not None:
    progress.empty()
