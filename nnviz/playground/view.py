"""The playground's main area: controls, the live view, the neuron inspector, the weight editor, files.

The live view is one component (``live_view.js``) that draws from data (:mod:`nnviz.playground.frames`):
on every page run it gets the scene, the view options and the current frame. While playing, the
session's run trains on a worker (:mod:`nnviz.playground.player`) and the component asks the session's
frame stream (:mod:`nnviz.playground.live`) for one frame at a time, so the page is not rerun per frame
and frames cannot queue up ahead of what the browser shows; a page that stops asking (closed or hidden
tab) stops the training. Where the stream is not served (AppTest, or a page started without ``app.py``),
a fragment rerun on a timer hands the component its frames instead. Play and Pause are callbacks.
:func:`runs_panel` compares the session's runs (:mod:`nnviz.playground.ledger`): their table and CSV, loss
curves over the live chart (page data, not frames), two boundaries side by side, and Same start.
"""

from __future__ import annotations

import importlib.util
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import streamlit as st

from nnviz.core.datasets import FEATURES
from nnviz.core.errors import NNVizError
from nnviz.core.nnfile import MAX_FILE_BYTES
from nnviz.drawing.figures import boundary_png as boundary_figure_png
from nnviz.drawing.svg import svg_data_uri
from nnviz.export import onnx_bytes
from nnviz.playground import data_edits, frames, live, session
from nnviz.playground.classes import boundary_grid, boundary_view
from nnviz.playground.experiment import Experiment
from nnviz.playground.frames import MAX_OVERLAYS, layer_labels, neuron_choices
from nnviz.playground.ledger import boundary_picture, ledger_csv, summary_rows
from nnviz.playground.links import keep_hidden
from nnviz.playground.player import Player
from nnviz.playground.session import change_settings, write_widgets
from nnviz.playground.settings import FIELDS, Settings, describe
from nnviz.playground.sidebar import click_tool, field_widget
from nnviz.playground.your_data import nothing_to_train
from nnviz.user_text import escape

#: Seconds between frames of the fallback (a fragment rerun) while playing.
TICK = 0.045
#: At most this many frames a second from the frame stream (the rest of the time trains).
MAX_FPS = 30
#: The live view's component key (its click events arrive under it).
VIEW_KEY = "live.view"


# --- buttons ------------------------------------------------------------------------------------


def _play() -> None:
    exp = session.player().experiment
    exp.notice = nothing_to_train(exp.dataset) or exp.notice  # an empty canvas does not play: say why
    try:
        session.player().play()
    except Exception as exc:  # no worker to play on: say why, keep the page
        session.player().experiment.error = f"Could not start playing: {exc}"


def _pause() -> None:
    session.player().pause()


def _step() -> None:
    player = session.player()
    player.pause()
    player.experiment.train(epochs=1)


def _step_batch() -> None:
    player = session.player()
    player.pause()
    player.experiment.step_batch()


def _reset() -> None:
    with session.player().changing() as exp:
        exp.reset()


def _new_weights() -> None:
    with session.player().changing() as exp:
        write_widgets(exp.new_weights())


def controls(player: Player) -> None:
    cols = st.columns(6)
    playing = player.playing
    cols[0].button(
        "Play", key="play", icon=":material/play_arrow:", type="primary", on_click=_play, disabled=playing
    )
    cols[1].button("Pause", key="pause", icon=":material/pause:", on_click=_pause, disabled=not playing)
    cols[2].button("Step", key="step", icon=":material/skip_next:", on_click=_step, help="Train one epoch")
    cols[3].button("Step batch", key="step_batch", on_click=_step_batch, help="Train on one batch")
    cols[4].button(
        "Reset", key="reset", icon=":material/replay:", on_click=_reset, help="Same initial weights"
    )
    if "new_weights" not in session.lesson_hidden():
        cols[5].button("New weights", key="new_weights", icon=":material/casino:", on_click=_new_weights)


# --- the view -----------------------------------------------------------------------------------

_live_component = st.components.v2.component(
    "nnviz_live",
    html="<div class='nnviz-live'><div class='nnviz-status'></div><div class='nnviz-row'>"
    "<canvas class='nnviz-boundary'></canvas><canvas class='nnviz-curve'></canvas></div>"
    "<canvas class='nnviz-network'></canvas><div class='nnviz-detail'><canvas class='nnviz-detail-map'>"
    "</canvas><div class='nnviz-detail-table'></div></div></div>",
    css=".nnviz-row { display: flex; gap: 24px; align-items: flex-start; }"
    ".nnviz-live canvas { display: block; }"
    ".nnviz-detail { display: none; gap: 2rem; align-items: flex-start; margin-top: 0.5rem; }",
    js=(Path(__file__).with_name("live_view.js")).read_text(encoding="utf-8"),
    isolate_styles=False,
)


def live_data(player: Player, options: dict[str, Any], token: str | None) -> dict[str, Any]:
    """What the component draws from: the scene, the options, the current frame (its curves complete),
    and the stream to ask for more (``token`` None: none)."""
    exp = player.experiment
    with exp.lock:
        return {
            "token": token,
            "editable": session.data_editable(),  # clicks on the picture add points (Your data)
            "path": live.PATH,
            "interval_ms": 1000 / MAX_FPS,
            "run": player.run,
            "scene": frames.scene(exp),
            "frame": frames.frame(exp, -1, frames.SCENE_CURVE_POINTS),
            "options": options,
            "overlays": frames.overlays(overlaid(exp), exp.settings),
        }


def on_click() -> None:
    """The live view's ``click`` event: a point added or removed (:mod:`.data_edits`) as the sidebar's Your
    data tools say (:func:`~nnviz.playground.sidebar.click_tool`)."""
    state = st.session_state.get(VIEW_KEY)
    event = state.get("click") if hasattr(state, "get") else None
    if event is None or not session.data_editable():
        return
    player = session.player()
    if data_edits.click(player, event, *click_tool(player.experiment.dataset.kind)):
        write_widgets(player.experiment.settings)


def _draw(player: Player, options: dict[str, Any], token: str | None) -> None:
    _live_component(
        key=VIEW_KEY,
        data=live_data(player, options, token),
        on_stopped_change=lambda: None,  # the run stopped by itself (diverged): rerun the page
        on_click_change=on_click,  # a click on the picture adds or removes a point
    )


def _fallback_frame(player: Player, options: dict[str, Any]) -> None:
    """One frame of the fallback: the run brought up to date, then drawn (a rerun every :data:`TICK`)."""
    was_playing = player.playing
    player.sync()
    _draw(player, options, None)
    if was_playing and not player.playing:
        st.rerun()  # the run stopped by itself: redraw the page with its message and buttons


def show_live(player: Player, options: dict[str, Any]) -> None:
    """The live view: drawn from data; while playing, streamed at the browser's pace.

    ``options``: ``show_test``, ``discretize``, ``log`` (booleans) and ``selected`` (a neuron, or None).
    """
    token = st.session_state.get("live.token")
    if player.playing and live.serving():
        token = token or st.session_state.setdefault("live.token", live.new_token())
        live.register(token, player.frame_maker(), owner=player)
        _draw(player, options, token)
        return
    if token is not None:
        live.unregister(token)
    if player.playing:
        st.caption("The live view is slower here: start nnviz with `streamlit run app.py` for the fast one.")
        st.fragment(_fallback_frame, run_every=TICK)(player, options)
    else:
        _draw(player, options, None)


def neuron_picker(exp: Experiment) -> tuple[int, int] | None:
    """Which neuron to show large (its map and weights appear under the picture)."""
    choices = neuron_choices(exp)
    if st.session_state.get("inspect.neuron") not in choices:
        st.session_state["inspect.neuron"] = "none"
    name = st.selectbox("Show a neuron's map and weights", list(choices), key="inspect.neuron")
    return choices[name]


def weight_editor(exp: Experiment) -> None:
    layers = layer_labels(exp)
    if st.session_state.get("edit.layer") not in range(len(layers)):
        st.session_state["edit.layer"] = 0
    li = st.selectbox("layer", range(len(layers)), format_func=lambda i: layers[i], key="edit.layer")
    layer = exp.nn.layers[li]
    if not 1 <= st.session_state.get("edit.neuron", 1) <= layer.n_out:
        st.session_state["edit.neuron"] = 1
    neuron = st.number_input("neuron", 1, layer.n_out, step=1, key="edit.neuron") - 1
    sources = (
        [FEATURES[f][0] for f in exp.features] if li == 0 else [f"neuron {i + 1}" for i in range(layer.n_in)]
    )
    sources = [f"from {s}" for s in sources] + (["bias"] if layer.has_bias else [])
    if st.session_state.get("edit.source") not in range(len(sources)):
        st.session_state["edit.source"] = 0
    si = st.selectbox("weight", range(len(sources)), format_func=lambda i: sources[i], key="edit.source")
    source = None if sources[si] == "bias" else si
    current = float(layer.bias[neuron] if source is None else layer.weights[neuron, source])
    target = (id(exp.nn), li, neuron, source)
    if st.session_state.get("edit.target") != target:
        st.session_state["edit.target"] = target
        st.session_state["edit.value"] = current
    st.number_input("value", step=0.1, format="%.4f", key="edit.value")
    st.button("Set weight", key="edit.set", on_click=_set_weight, args=(li, neuron, source))


def _set_weight(layer: int, neuron: int, source: int | None) -> None:
    with session.player().changing() as exp:
        try:
            exp.set_weight(layer, neuron, source, float(st.session_state["edit.value"]))
            exp.notice = "Weight set."
        except (NNVizError, IndexError) as exc:
            exp.notice = f"Could not set the weight: {exc}"


def _load_model(content: bytes) -> Settings:
    with session.player().changing() as exp:
        return exp.load_model(content)


def _on_upload() -> None:
    settings = session.read_upload("upload", "Could not load the model", _load_model)
    if settings is not None:
        write_widgets(settings)


def boundary_png(exp: Experiment, show_test: bool, discretize: bool) -> bytes:
    """The downloadable boundary picture (Matplotlib), made when the button is clicked."""
    with exp.lock:
        grid = boundary_grid(exp.nn, exp.dataset.box, 300, exp.features)
        title = f"{describe(exp.settings)} · epoch {exp.epoch}"
    return boundary_figure_png(grid, boundary_view(exp.dataset, test=show_test, discretize=discretize), title)


def files(player: Player, options: dict[str, Any]) -> None:
    exp = player.experiment
    cols = st.columns([1, 1, 2])
    cols[0].download_button(
        "Download .nn",
        data=lambda: player.sync().model_bytes(),
        file_name=f"nnviz-{exp.settings.dataset}.nn",
        mime="application/octet-stream",
        key="download_nn",
        on_click="ignore",
        icon=":material/download:",
    )
    cols[1].download_button(
        "Download boundary PNG",
        data=lambda: boundary_png(player.sync(), options["show_test"], options["discretize"]),
        file_name=f"nnviz-{exp.settings.dataset}-boundary.png",
        mime="image/png",
        key="download_png",
        on_click="ignore",
        icon=":material/image:",
    )
    if "upload" not in session.lesson_hidden():
        cols[2].file_uploader(
            "Upload a .nn model",
            type=None,
            key="upload",
            on_change=_on_upload,
            max_upload_size=session.upload_limit(MAX_FILE_BYTES),
        )
    if st.session_state.get("upload.error"):
        cols[2].error(st.session_state["upload.error"])
    exports(player)


#: The trained network as code to use elsewhere: (label, file name ending, MIME type, widget key, icon,
#: help, how to make the file from the network). ONNX needs the optional ``onnx`` package on the server.
EXPORTS = (
    ("NumPy code (.py)", "_numpy.py", "text/x-python", "download_numpy", ":material/code:",
     "predict(X) with the weights inline; needs only NumPy", lambda nn: nn.to_numpy_code().encode()),
    ("PyTorch code (.py)", "_torch.py", "text/x-python", "download_torch", ":material/code:",
     "an nn.Module with the weights inline", lambda nn: nn.to_torch_code().encode()),
    ("ONNX model (.onnx)", ".onnx", "application/octet-stream", "download_onnx", ":material/deployed_code:",
     None, onnx_bytes),
)  # fmt: skip


def exports(player: Player) -> None:
    """Download buttons for :data:`EXPORTS` (a caption instead of ONNX's when ``onnx`` is missing)."""
    name = f"nnviz-{player.experiment.settings.dataset}"
    for col, (label, ending, mime, key, icon, help_text, make) in zip(st.columns(3), EXPORTS):
        if key == "download_onnx" and importlib.util.find_spec("onnx") is None:
            col.caption("ONNX export: `pip install onnx` on the server")
            continue
        col.download_button(
            label,
            data=lambda make=make: make(player.sync().nn),
            file_name=f"{name}{ending}",
            mime=mime,
            key=key,
            on_click="ignore",
            icon=icon,
            help=help_text,
        )


def _restore(index: int) -> None:
    with session.player().changing() as exp:
        write_widgets(exp.restore(index))


def earlier_runs(exp: Experiment) -> None:
    if not exp.runs:
        return
    with st.expander(f"Earlier runs ({len(exp.runs)}), kept when the set-up changed"):
        for i, run in enumerate(exp.runs):
            c1, c2 = st.columns([5, 1])
            c1.write(run.label)
            c2.button("Restore", key=f"restore.{i}", on_click=_restore, args=(i,))


# --- comparing runs -------------------------------------------------------------------------------

#: The Same start form's settings: the training group of the settings table.
SAME_START = [name for name, field in FIELDS.items() if field.group == "training"]


def overlaid(exp: Experiment) -> list:
    """The ended runs chosen to be drawn over the live loss chart (that the ledger still keeps)."""
    chosen = st.session_state.get("runs.overlay", [])
    return [r for r in map(exp.ledger.get, chosen) if r is not None]


def _same_start() -> None:
    player = session.player()
    exp = player.experiment
    values = {
        name: st.session_state[f"same.{name}"] for name in SAME_START if f"same.{name}" in st.session_state
    }
    settings = keep_hidden(replace(exp.settings, **values), exp.settings, session.lesson_hidden())
    if change_settings(player, partial(exp.same_start, settings), "Could not start again"):
        start = exp.start
        exp.notice = f"Run #{start.number} starts from the same weights and data as run #{start.same_as}."


def _same_start_form(exp: Experiment) -> None:
    """Training settings for a new run from this run's initial weights and data (a fair comparison)."""
    new_run = st.session_state.get("same.for") != exp.start.number  # the form starts from its settings
    st.session_state["same.for"] = exp.start.number
    for name in SAME_START:  # (Streamlit forgets a widget's value while the closed panel leaves it out)
        if new_run or f"same.{name}" not in st.session_state:
            st.session_state[f"same.{name}"] = getattr(exp.settings, name)
    shown = [name for name in SAME_START if name not in session.lesson_hidden()]
    cols = st.columns(4)
    for i, name in enumerate(shown):
        field_widget(cols[i % 4], name, key=f"same.{name}")
    st.button(
        "Same start: train again from these initial weights",
        key="same.start",
        icon=":material/restart_alt:",
        on_click=_same_start,
        help="The current run is kept in the table; the new one starts at epoch 0 from the same weights",
    )


def runs_panel(player: Player) -> None:
    """The session's runs: a table, overlays on the loss chart, Same start, two boundaries, the CSV. Only
    the overlays' choice is drawn while the panel is closed (it must last); the rest costs server time."""
    exp = player.experiment
    records = exp.ledger.records
    panel = st.expander("Compare runs", key="runs.open", on_change="rerun")  # stays open across reruns
    with panel:
        if panel.open:
            st.caption(f"{len(records) + 1} runs this session, newest first; the current one at the top.")
            st.dataframe(summary_rows(records, exp.record()), hide_index=True, key="runs.table")
        chosen = [n for n in st.session_state.get("runs.overlay", []) if exp.ledger.get(n) is not None]
        st.session_state["runs.overlay"] = chosen  # runs the ledger has dropped are no longer offered
        st.multiselect(
            "Draw over the loss chart",
            [r.number for r in reversed(records)],
            format_func=lambda n: exp.ledger.get(n).label(exp.settings),
            key="runs.overlay",
            max_selections=MAX_OVERLAYS,
            placeholder="Earlier runs, labelled by what they set differently",
        )
        if not panel.open:
            return
        _same_start_form(exp)
        if st.toggle("Show two runs' boundaries side by side", key="runs.compare"):
            _boundaries(exp)
        st.download_button(
            "Download the runs (.csv)",
            data=partial(runs_csv, player),
            file_name="nnviz-runs.csv",
            mime="text/csv",
            key="runs.csv",
            on_click="ignore",
            icon=":material/table_view:",
        )


def runs_csv(player: Player) -> str:
    """The CSV of every run kept, the current one (brought up to date) last."""
    exp = player.sync()
    return ledger_csv([*exp.ledger.records, exp.record()], exp.start.number)


def _boundaries(exp: Experiment) -> None:
    drawn = {exp.start.number: (exp.nn, exp.settings, f"#{exp.start.number} · this run")}
    for r in reversed(exp.ledger.records):
        if r.nn is not None:
            drawn[r.number] = (r.nn, r.settings, r.label(exp.settings))
    numbers = list(drawn)
    cols = st.columns(2)
    for side, col in enumerate(cols):
        key = f"runs.side.{side}"
        if st.session_state.get(key) not in numbers:
            st.session_state[key] = numbers[min(side, len(numbers) - 1)]
        number = col.selectbox(
            "Run",
            numbers,
            format_func=lambda n: drawn[n][2],
            key=key,
            label_visibility="collapsed",
        )
        nn, settings, label = drawn[number]
        picture = boundary_picture(nn, exp.data_of(settings), settings.features)
        col.caption(escape(label))
        col.image(svg_data_uri(picture))
