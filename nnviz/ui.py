"""Streamlit widgets and the live view of the playground (the only non-page module importing Streamlit).

The live-update pattern (measured in ``docs/app-design.md``): the session's :class:`~nnviz.state.Playground`
trains in a background thread while playing, and the page shows frames made by a
:class:`~nnviz.frames.FrameView`. While playing, a component asks the session's frame stream
(:mod:`nnviz.live`) for one frame at a time, so the page is not rerun per frame and frames cannot queue
up ahead of what the browser shows; a page that stops asking (closed tab) stops the training. Where the
stream is not served (AppTest), a fragment rerun on a timer draws the frames instead. Play and Pause are
callbacks outside both.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import streamlit as st

from nnviz import live, render
from nnviz.core import ACTIVATIONS
from nnviz.core.datasets import DATASETS, FEATURES, make_dataset
from nnviz.core.errors import NNVizError
from nnviz.core.grid import decision_grid
from nnviz.frames import FrameView, ViewOptions, layer_labels, neuron_choices, output_range
from nnviz.presets import PRESETS
from nnviz.settings import (
    CUSTOM,
    FIELDS,
    MAX_HIDDEN,
    MAX_UNITS,
    N_HIDDEN_KEY,
    LayerSettings,
    Settings,
    SettingsError,
    default_layer,
    describe,
    from_widgets,
    hidden_activations,
    layer_key,
    to_widgets,
    widget_key,
)
from nnviz.state import Playground

PG_KEY = "playground"
#: Seconds between frames asked for by the browser while playing (at most ~22 frames a second).
TICK = 0.045
#: At most this many frames a second from the frame stream (the rest of the time trains).
MAX_FPS = 30
NO_PRESET = "Choose a preset…"


@st.cache_data(max_entries=64, show_spinner=False)
def cached_dataset(name: str, n: int, noise: float, test_ratio: float, seed: int):
    """Datasets are constant per setting: generated once per process, shared by all sessions."""
    return make_dataset(name, n, noise, test_ratio, seed)


def playground() -> Playground:
    """This session's playground, created on first use."""
    pg = st.session_state.get(PG_KEY)
    if not isinstance(pg, Playground):
        pg = Playground(make_data=cached_dataset)
        st.session_state[PG_KEY] = pg
        write_widgets(pg.settings)
    return pg


def restore_widgets(pg: Playground) -> None:
    """Give back widget values Streamlit dropped (it forgets a page's widgets while another page runs)."""
    for key, value in to_widgets(pg.settings).items():
        st.session_state.setdefault(key, value)


def write_widgets(settings: Settings) -> None:
    """Put settings into the sidebar widgets (call before they are drawn, or from a callback)."""
    st.session_state.update(to_widgets(settings))


def take_sent_activation(pg: Playground) -> None:
    """Apply an activation sent by the activation lab (``st.session_state["send_activation"]``)."""
    text = st.session_state.pop("send_activation", None)
    if not isinstance(text, str) or not text.strip():
        return
    text = text.strip()
    builtin = text.lower() in ACTIVATIONS
    hidden = pg.settings.hidden or (LayerSettings(4),)
    hidden = tuple(
        replace(h, activation=text.lower()) if builtin else replace(h, activation=CUSTOM, formula=text)
        for h in hidden
    )
    settings = replace(pg.settings, hidden=hidden)
    try:
        pg.apply(settings, rebuild=True)
    except SettingsError as exc:
        pg.notice = f"Could not use the activation {text!r}: {exc}"
        return
    write_widgets(settings)
    pg.notice = f"Hidden layers now use {text}."


def take_preset_from_url(pg: Playground) -> None:
    """``?preset=NAME`` in the address applies that preset once per session (links to set-ups)."""
    name = st.query_params.get("preset")
    if name and name in PRESETS and not st.session_state.get("url.preset.done"):
        st.session_state["url.preset.done"] = True
        settings = PRESETS[name].settings
        pg.apply(settings, rebuild=True)
        write_widgets(settings)
        pg.notice = f"Preset: {name}. {PRESETS[name].about}"


# --- sidebar ------------------------------------------------------------------------------------


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
    """The widget of one scalar setting, from :data:`nnviz.settings.FIELDS`."""
    f, key = FIELDS[name], widget_key(name)
    common: dict[str, Any] = {"key": key, "help": f.help or None, "disabled": disabled}
    if f.kind == "select":
        options = list(f.options)
        if st.session_state.get(key) not in options:
            options.append(st.session_state.get(key, options[0]))
        container.selectbox(f.label, options, format_func=_format(name), **common)
    elif f.kind == "slider":
        container.slider(f.label, min_value=f.lo, max_value=f.hi, step=f.step, **common)
    elif f.kind == "number":
        container.number_input(f.label, min_value=f.lo, max_value=f.hi, step=f.step, format="%g", **common)
    elif f.kind == "int":
        container.number_input(f.label, min_value=int(f.lo), max_value=int(f.hi), step=1, **common)
    elif f.kind == "toggle":
        container.toggle(f.label, **common)
    elif f.kind == "features":
        container.multiselect(f.label, list(FEATURES), format_func=lambda v: FEATURES[v][0], **common)


def _activation_preview(container: Any, pg: Playground, layer: LayerSettings, where: str) -> bool:
    """Show a custom formula's f and f' as LaTeX, or its error inline; True when it is valid."""
    if layer.activation != CUSTOM:
        return True
    try:
        f_tex, df_tex = pg.activation(layer).latex()
    except NNVizError as exc:
        container.error(f"{where}: {exc}", icon=":material/error:")
        return False
    container.latex(rf"f(x) = {f_tex}")
    container.latex(rf"f'(x) = {df_tex}")
    return True


def _layer_widgets(container: Any, pg: Playground, index: int | str, title: str) -> bool:
    d = default_layer(pg.settings, index) if index != "out" else pg.settings.output
    for part in ("size", "bias", "activation", "formula"):
        key = layer_key(index, part)
        if key not in st.session_state and not (index == "out" and part == "size"):
            st.session_state[key] = getattr(d, part)
    cols = container.columns([1.0, 1.5, 0.75], vertical_alignment="bottom")
    if index == "out":
        cols[0].markdown(f"**{title}**")
    else:
        cols[0].number_input(title, 1, MAX_UNITS, step=1, key=layer_key(index, "size"))
    cols[1].selectbox("activation", hidden_activations(), key=layer_key(index, "activation"))
    cols[2].checkbox("bias", key=layer_key(index, "bias"))
    if st.session_state[layer_key(index, "activation")] != CUSTOM:
        return True
    container.text_input(
        "formula in x",
        key=layer_key(index, "formula"),
        help="e.g. x/(1+abs(x)), max(0, x), where(x > 0, x, 0.01*x), x*tanh(log(1+exp(x)))",
    )
    layer = LayerSettings(1, True, CUSTOM, st.session_state[layer_key(index, "formula")])
    return _activation_preview(container, pg, layer, title)


def _on_preset() -> None:
    name = st.session_state.get("preset")
    pg = playground()
    if name in PRESETS:
        settings = PRESETS[name].settings
        pg.apply(settings, rebuild=True)
        write_widgets(settings)
        pg.notice = f"Preset: {name}. {PRESETS[name].about}"
    st.session_state["preset"] = NO_PRESET


#: A wider sidebar, so that a layer's size, activation and bias fit on one row.
STYLE = """<style>
section[data-testid="stSidebar"] { width: 380px !important; }
.block-container { padding-top: 2rem; }
</style>"""


def sidebar(pg: Playground) -> None:
    """Draw the settings and apply them; an invalid formula leaves the network as it was."""
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
            ok &= _layer_widgets(st, pg, i, f"Layer {i + 1}")
        ok &= _layer_widgets(st, pg, "out", "Output")
        field_widget(st, "init")
        field_widget(st, "weight_seed")
    with sb.expander("Training", expanded=True):
        for name in ("loss", "optimizer", "lr", "batch_size", "shuffle", "regularization"):
            field_widget(st, name)
        field_widget(st, "reg_rate", disabled=st.session_state.get(widget_key("regularization")) == "none")
        field_widget(st, "epochs_per_frame")
    settings = from_widgets(st.session_state, pg.settings)
    if DATASETS[settings.dataset].kind == "regression" and settings.output.activation in ("sigmoid", "relu"):
        sb.info("Regression targets run from -1 to 1: a tanh or linear output with mse loss suits them.")
    if not ok:
        sb.warning("Fix the formula above: the network keeps its previous activations until then.")
        return
    try:
        pg.apply(settings)
    except SettingsError as exc:
        for field, message in exc.errors.items():
            sb.error(f"{field}: {message}")


# --- buttons ------------------------------------------------------------------------------------


def _play() -> None:
    playground().play()


def _pause() -> None:
    playground().pause()


def _step() -> None:
    pg = playground()
    pg.pause()
    pg.train(epochs=1)


def _step_batch() -> None:
    pg = playground()
    pg.pause()
    pg.step_batch()


def _reset() -> None:
    playground().reset()


def _new_weights() -> None:
    pg = playground()
    write_widgets(pg.new_weights())


def controls(pg: Playground) -> None:
    cols = st.columns(6)
    cols[0].button(
        "Play", key="play", icon=":material/play_arrow:", type="primary", on_click=_play, disabled=pg.playing
    )
    cols[1].button("Pause", key="pause", icon=":material/pause:", on_click=_pause, disabled=not pg.playing)
    cols[2].button("Step", key="step", icon=":material/skip_next:", on_click=_step, help="Train one epoch")
    cols[3].button("Step batch", key="step_batch", on_click=_step_batch, help="Train on one batch")
    cols[4].button(
        "Reset", key="reset", icon=":material/replay:", on_click=_reset, help="Same initial weights"
    )
    cols[5].button("New weights", key="new_weights", icon=":material/casino:", on_click=_new_weights)


# --- the view -----------------------------------------------------------------------------------


def frame_view(pg: Playground) -> FrameView:
    """This session's frame view (its overlay cache and pace meter), made again for a new playground."""
    view = st.session_state.get("live.view")
    if view is None or view.playground is not pg:
        view = st.session_state["live.view"] = FrameView(pg)
    return view


def draw(pg: Playground, view: FrameView) -> None:
    """One frame as Streamlit elements: the status line, one picture, and the inspected neuron if any."""
    status, svg, detail = view.parts(pg)
    st.markdown(status, unsafe_allow_html=True)
    st.image(render.svg_data_uri(svg), width="stretch")
    if detail is not None:
        left, right = st.columns([1, 1])
        left.image(render.svg_data_uri(detail.svg), caption=detail.name, width="content")
        right.markdown(detail.weights_html, unsafe_allow_html=True)


def live_fragment(pg: Playground, view: FrameView) -> None:
    """One frame; while playing, the fragment reruns every :data:`TICK` seconds (used where the frame
    stream is not served: AppTest, or ``streamlit run playground.py`` directly)."""
    view.advance(pg)
    was_playing = pg.playing
    draw(pg, view)
    if was_playing and not pg.playing and pg.error:
        st.rerun()  # training stopped by itself (divergence): redraw the page with its message and buttons


_stream_component = st.components.v2.component(
    "nnviz_live",
    html="<div class='nnviz-live'><div class='nnviz-status'></div><div class='nnviz-picture'></div>"
    "<div class='nnviz-detail'></div></div>",
    css=".nnviz-picture svg { width: 100%; height: auto; display: block; }",
    js=(Path(__file__).with_name("live_view.js")).read_text(encoding="utf-8"),
    isolate_styles=False,
)


def stream(pg: Playground, view: FrameView) -> None:
    """While playing: a component that shows frames from this session's stream (:mod:`nnviz.live`)."""
    token = st.session_state.setdefault("live.token", live.new_token())
    live.register(token, view.next_frame, owner=pg)
    first = view.payload()
    _stream_component(
        key="live.stream",
        data={"token": token, "path": live.PATH, "interval_ms": 1000 / MAX_FPS, "frame": first},
        on_stopped_change=lambda: None,  # the stream ended by itself: rerun the page
    )


def show_live(pg: Playground, opts: ViewOptions) -> None:
    """The live view: still while paused; while playing, frames streamed at the browser's pace."""
    view = frame_view(pg)
    view.opts = opts
    if pg.playing and live.serving():
        stream(pg, view)
        return
    if "live.token" in st.session_state:
        live.unregister(st.session_state["live.token"])
    st.fragment(live_fragment, run_every=TICK if pg.playing else None)(pg, view)


def neuron_picker(pg: Playground) -> tuple[int, int] | None:
    """Which neuron to show large (its map and weights appear under the picture)."""
    choices = neuron_choices(pg)
    if st.session_state.get("inspect.neuron") not in choices:
        st.session_state["inspect.neuron"] = "none"
    name = st.selectbox("Show a neuron's map and weights", list(choices), key="inspect.neuron")
    return choices[name]


def weight_editor(pg: Playground) -> None:
    layers = layer_labels(pg)
    if st.session_state.get("edit.layer") not in range(len(layers)):
        st.session_state["edit.layer"] = 0
    li = st.selectbox("layer", range(len(layers)), format_func=lambda i: layers[i], key="edit.layer")
    layer = pg.nn.layers[li]
    if not 1 <= st.session_state.get("edit.neuron", 1) <= layer.n_out:
        st.session_state["edit.neuron"] = 1
    neuron = st.number_input("neuron", 1, layer.n_out, step=1, key="edit.neuron") - 1
    sources = (
        [FEATURES[f][0] for f in pg.features] if li == 0 else [f"neuron {i + 1}" for i in range(layer.n_in)]
    )
    sources = [f"from {s}" for s in sources] + (["bias"] if layer.has_bias else [])
    if st.session_state.get("edit.source") not in range(len(sources)):
        st.session_state["edit.source"] = 0
    si = st.selectbox("weight", range(len(sources)), format_func=lambda i: sources[i], key="edit.source")
    source = None if sources[si] == "bias" else si
    current = float(layer.bias[neuron] if source is None else layer.weights[neuron, source])
    target = (id(pg.nn), li, neuron, source)
    if st.session_state.get("edit.target") != target:
        st.session_state["edit.target"] = target
        st.session_state["edit.value"] = current
    st.number_input("value", step=0.1, format="%.4f", key="edit.value")
    st.button("Set weight", key="edit.set", on_click=_set_weight, args=(li, neuron, source))


def _set_weight(layer: int, neuron: int, source: int | None) -> None:
    pg = playground()
    try:
        pg.set_weight(layer, neuron, source, float(st.session_state["edit.value"]))
        pg.notice = "Weight set."
    except (NNVizError, IndexError) as exc:
        pg.notice = f"Could not set the weight: {exc}"


def _on_upload() -> None:
    uploaded = st.session_state.get("upload")
    if uploaded is None:
        return
    pg = playground()
    try:
        settings = pg.load_model(uploaded.getvalue())
    except NNVizError as exc:
        st.session_state["upload.error"] = f"Could not load {uploaded.name}: {exc}"
        return
    except Exception as exc:  # a file must never crash the page, whatever is wrong with it
        st.session_state["upload.error"] = (
            f"Could not load {uploaded.name}: unexpected {type(exc).__name__}: {exc}"
        )
        return
    st.session_state.pop("upload.error", None)
    write_widgets(settings)


def boundary_png(pg: Playground, show_test: bool, discretize: bool) -> bytes:
    """The downloadable boundary picture (Matplotlib), made when the button is clicked."""
    with pg.lock:
        d = pg.dataset
        grid = decision_grid(pg.nn, d.box, 300, pg.features)
        title = f"{describe(pg.settings)} · epoch {pg.epoch}"
    return render.boundary_png(
        grid,
        d.box,
        *output_range(pg),
        train=(d.X_train, d.y_train),
        test=(d.X_test, d.y_test) if show_test else None,
        discretize=discretize,
        title=title,
    )


def files(pg: Playground, view: ViewOptions) -> None:
    cols = st.columns([1, 1, 2])
    cols[0].download_button(
        "Download .nn",
        data=pg.model_bytes,
        file_name=f"nnviz-{pg.settings.dataset}.nn",
        mime="application/octet-stream",
        key="download_nn",
        on_click="ignore",
        icon=":material/download:",
    )
    cols[1].download_button(
        "Download boundary PNG",
        data=lambda: boundary_png(pg, view.show_test, view.discretize),
        file_name=f"nnviz-{pg.settings.dataset}-boundary.png",
        mime="image/png",
        key="download_png",
        on_click="ignore",
        icon=":material/image:",
    )
    cols[2].file_uploader("Upload a .nn model", type=None, key="upload", on_change=_on_upload)
    if st.session_state.get("upload.error"):
        cols[2].error(st.session_state["upload.error"])


def _restore(index: int) -> None:
    pg = playground()
    write_widgets(pg.restore(index))


def earlier_runs(pg: Playground) -> None:
    if not pg.runs:
        return
    with st.expander(f"Earlier runs ({len(pg.runs)}), kept when the set-up changed"):
        for i, run in enumerate(pg.runs):
            c1, c2 = st.columns([5, 1])
            c1.write(run.label)
            c2.button("Restore", key=f"restore.{i}", on_click=_restore, args=(i,))
