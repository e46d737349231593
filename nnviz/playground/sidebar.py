"""The playground's sidebar: every setting as a widget, from the table in :mod:`nnviz.playground.settings`.

Widget values live in ``st.session_state`` under the keys :func:`~nnviz.playground.settings.widget_key`
and :func:`~nnviz.playground.settings.layer_key` give; :func:`sidebar` turns them into
:class:`~nnviz.playground.settings.Settings` and applies them to the session's experiment. A formula
that does not parse leaves the network as it was.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import streamlit as st

from nnviz.core import ACTIVATIONS
from nnviz.core.datasets import DATASETS, FEATURES
from nnviz.core.errors import NNVizError
from nnviz.core.formula_syntax import MAX_LENGTH as MAX_FORMULA_LENGTH
from nnviz.playground import session
from nnviz.playground.experiment import Experiment
from nnviz.playground.player import Player
from nnviz.playground.presets import PRESETS
from nnviz.playground.settings import (
    CUSTOM,
    FIELDS,
    MAX_HIDDEN,
    N_HIDDEN_KEY,
    LayerSettings,
    Settings,
    SettingsError,
    default_layer,
    from_widgets,
    hidden_activations,
    layer_key,
    to_widgets,
    widget_key,
)
from nnviz.user_text import error_text, escape

NO_PRESET = "Choose a preset…"


def restore_widgets(exp: Experiment) -> None:
    """Give back widget values Streamlit dropped (it forgets a page's widgets while another page runs).

    On a session's first run this fills in every widget from the experiment's settings.
    """
    for key, value in to_widgets(exp.settings).items():
        st.session_state.setdefault(key, value)


def write_widgets(settings: Settings) -> None:
    """Put settings into the sidebar widgets (call before they are drawn, or from a callback)."""
    st.session_state.update(to_widgets(settings))


def take_sent_activation(player: Player) -> None:
    """Apply an activation sent by the activation lab (``st.session_state["send_activation"]``)."""
    text = st.session_state.pop("send_activation", None)
    if not isinstance(text, str) or not text.strip():
        return
    text = text.strip()
    builtin = text.lower() in ACTIVATIONS
    exp = player.experiment
    hidden = exp.settings.hidden or (LayerSettings(4),)
    hidden = tuple(
        replace(h, activation=text.lower()) if builtin else replace(h, activation=CUSTOM, formula=text)
        for h in hidden
    )
    settings = replace(exp.settings, hidden=hidden)
    try:
        with player.changing():
            exp.apply(settings, rebuild=True)
    except SettingsError as exc:
        exp.notice = f"Could not use the activation {text!r}: {exc}"
        return
    write_widgets(settings)
    exp.notice = f"Hidden layers now use {text}."


def take_preset_from_url(player: Player) -> None:
    """``?preset=NAME`` in the address applies that preset once per session (links to set-ups)."""
    name = st.query_params.get("preset")
    if name and name in PRESETS and not st.session_state.get("url.preset.done"):
        st.session_state["url.preset.done"] = True
        _apply_preset(player, name)


def _format(name: str):
    if name == "dataset":
        return lambda v: DATASETS[v].label
    if name == "batch_size":
        return lambda v: "full batch" if v == 0 else str(v)
    if name == "epochs_per_frame":
        return lambda v: "auto (fast)" if v == 0 else str(v)
    if name == "init":
        return lambda v: {"he": "He", "xavier": "Xavier / Glorot", "small_normal": "small normal (×0.1)"}.get(
            v, v
        )
    return str


def field_widget(container: Any, name: str, disabled: bool = False) -> None:
    """The widget of one scalar setting, from :data:`nnviz.playground.settings.FIELDS`."""
    f, key = FIELDS[name], widget_key(name)
    common: dict[str, Any] = {"key": key, "help": f.help or None, "disabled": disabled}
    if f.kind == "select":
        options = list(f.options)
        if st.session_state.get(key) not in options:
            options.append(st.session_state.get(key, options[0]))
        container.selectbox(f.label, options, format_func=_format(name), **common)
    elif f.kind == "slider":
        container.slider(f.label, min_value=f.lo, max_value=f.hi, step=f.step, **common)
    elif f.kind == "number":  # no bounds in the widget: a value out of range is refused visibly, by name
        container.number_input(f.label, step=f.step, format="%g", **common)
    elif f.kind == "int":
        container.number_input(f.label, step=1, **common)
    elif f.kind == "toggle":
        container.toggle(f.label, **common)
    elif f.kind == "features":
        container.multiselect(f.label, list(FEATURES), format_func=lambda v: FEATURES[v][0], **common)


def _activation_preview(container: Any, exp: Experiment, layer: LayerSettings, where: str) -> bool:
    """Show a custom formula's f and f' as LaTeX, or its error inline; True when it is valid."""
    if layer.activation != CUSTOM:
        return True
    try:
        f_tex, df_tex = exp.activation(layer).latex()
    except NNVizError as exc:
        container.error(f"{where}: {error_text(exc, layer.formula)}", icon=":material/error:")
        return False
    container.latex(rf"f(x) = {f_tex}")
    container.latex(rf"f'(x) = {df_tex}")
    return True


def _layer_widgets(container: Any, exp: Experiment, index: int | str, title: str) -> bool:
    d = default_layer(exp.settings, index) if index != "out" else exp.settings.output
    for part in ("size", "bias", "activation", "formula"):
        key = layer_key(index, part)
        if key not in st.session_state and not (index == "out" and part == "size"):
            st.session_state[key] = getattr(d, part)
    cols = container.columns([1.0, 1.5, 0.75], vertical_alignment="bottom")
    if index == "out":
        cols[0].markdown(f"**{title}**")
    else:
        cols[0].number_input(title, step=1, key=layer_key(index, "size"))  # out of range: refused by name
    cols[1].selectbox("activation", hidden_activations(), key=layer_key(index, "activation"))
    cols[2].checkbox("bias", key=layer_key(index, "bias"))
    if st.session_state[layer_key(index, "activation")] != CUSTOM:
        return True
    container.text_input(
        "formula in x",
        key=layer_key(index, "formula"),
        max_chars=MAX_FORMULA_LENGTH,
        help="e.g. x/(1+abs(x)), max(0, x), where(x > 0, x, 0.01*x), x*tanh(log(1+exp(x)))",
    )
    layer = LayerSettings(1, True, CUSTOM, st.session_state[layer_key(index, "formula")])
    return _activation_preview(container, exp, layer, title)


def _on_preset() -> None:
    name = st.session_state.get("preset")
    if name in PRESETS:
        _apply_preset(session.player(), name)
    st.session_state["preset"] = NO_PRESET


def _apply_preset(player: Player, name: str) -> None:
    settings = PRESETS[name].settings
    with player.changing() as exp:
        exp.apply(settings, rebuild=True)
    write_widgets(settings)
    exp.notice = f"Preset: {name}. {PRESETS[name].about}"


#: A wider sidebar, so that a layer's size, activation and bias fit on one row.
STYLE = """<style>
section[data-testid="stSidebar"] { width: 380px !important; }
.block-container { padding-top: 2rem; }
</style>"""


def sidebar(player: Player) -> None:
    """Draw the settings and apply them; an invalid formula leaves the network as it was."""
    exp = player.experiment
    sb = st.sidebar
    st.markdown(STYLE, unsafe_allow_html=True)
    sb.selectbox(
        "Preset",
        [NO_PRESET, *PRESETS],
        key="preset",
        on_change=_on_preset,
        help="Sets everything in one click",
    )
    ok = True
    with sb.expander("Data", expanded=True):
        for name in ("dataset", "noise", "points", "test_ratio", "data_seed", "features"):
            field_widget(st, name)
    with sb.expander("Network", expanded=True):
        st.slider("Hidden layers", 0, MAX_HIDDEN, key=N_HIDDEN_KEY)
        for i in range(st.session_state[N_HIDDEN_KEY]):
            ok &= _layer_widgets(st, exp, i, f"Layer {i + 1}")
        ok &= _layer_widgets(st, exp, "out", "Output")
        field_widget(st, "init")
        field_widget(st, "weight_seed")
    with sb.expander("Training", expanded=True):
        for name in ("loss", "optimizer", "lr", "batch_size", "shuffle", "regularization"):
            field_widget(st, name)
        field_widget(st, "reg_rate", disabled=st.session_state.get(widget_key("regularization")) == "none")
        field_widget(st, "epochs_per_frame")
    settings = from_widgets(st.session_state, exp.settings)
    if DATASETS[settings.dataset].kind == "regression" and settings.output.activation in ("sigmoid", "relu"):
        sb.info("Regression targets run from -1 to 1: a tanh or linear output with mse loss suits them.")
    if not ok:
        sb.warning("Fix the formula above: the network keeps its previous activations until then.")
        return
    if settings == exp.settings:
        return
    try:
        exp.check(settings)
        with player.changing():
            exp.apply(settings)
    except SettingsError as exc:
        for message in exc.errors.values():
            sb.error(escape(message))
