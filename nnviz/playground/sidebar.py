"""The playground's sidebar: every setting as a widget, from the table in :mod:`nnviz.playground.settings`.

Widget values live in ``st.session_state`` under the keys :func:`~nnviz.playground.settings.widget_key`
and :func:`~nnviz.playground.settings.layer_key` give; :func:`sidebar` turns them into
:class:`~nnviz.playground.settings.Settings` and applies them to the session's experiment. A formula
that does not parse leaves the network as it was. A shared link (``?x=``, :mod:`nnviz.playground.links`)
sets everything at once and may hide controls (a lesson's link); :func:`share` makes one.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import streamlit as st

from nnviz.core import ACTIVATIONS, data_csv
from nnviz.core.data_table import MAX_POINTS
from nnviz.core.datasets import CUSTOM as YOUR_DATA
from nnviz.core.datasets import DATASETS, FEATURES, Dataset
from nnviz.core.errors import NNVizError
from nnviz.core.formula_syntax import MAX_LENGTH as MAX_FORMULA_LENGTH
from nnviz.playground import data_edits, session, your_data
from nnviz.playground.classes import SOFTMAX, fitted_output, output_units
from nnviz.playground.experiment import Experiment
from nnviz.playground.links import (
    HIDEABLE,
    PARAM,
    SECTIONS,
    hidden_controls,
    keep_hidden,
    read_link,
    refusal_message,
    shared_link,
)
from nnviz.playground.player import Player
from nnviz.playground.presets import PRESETS
from nnviz.playground.session import change_settings, write_widgets
from nnviz.playground.settings import (
    CUSTOM,
    FIELDS,
    MAX_HIDDEN,
    N_HIDDEN_KEY,
    LayerSettings,
    SettingsError,
    default_layer,
    from_widgets,
    hidden_activations,
    layer_key,
    widget_key,
)
from nnviz.playground.wording import value_text
from nnviz.playground.your_data import UNUSED
from nnviz.user_text import code, error_text, escape

NO_PRESET = "Choose a preset…"


def take_sent_activation(player: Player) -> None:
    """Apply an activation sent by the activation lab (``st.session_state["send_activation"]``)."""
    text = st.session_state.pop("send_activation", None)
    if not isinstance(text, str) or not text.strip():
        return
    if "layers" in session.lesson_hidden():
        player.experiment.notice = "This lesson keeps its layers as they are: the activation was not used."
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
    refused = f"Could not use the activation {text!r}"
    if change_settings(player, partial(exp.apply, settings, rebuild=True), refused):
        exp.notice = f"Hidden layers now use {text}."


def take_preset_from_url(player: Player) -> None:
    """``?preset=NAME`` in the address applies that preset once per session (links to set-ups)."""
    name = st.query_params.get("preset")
    if "preset" in session.lesson_hidden():
        return
    if name and name in PRESETS and not st.session_state.get("url.preset.done"):
        st.session_state["url.preset.done"] = True
        _apply_preset(player, name)


def take_link(player: Player) -> None:
    """``?x=`` in the address (a shared link) sets the whole experiment, once per session, and hides what
    a lesson's link hides; a link that cannot be applied changes nothing and says why (one message)."""
    payloads = st.query_params.get_all(PARAM)
    if not payloads or st.session_state.get("link.taken") == payloads:
        return
    st.session_state["link.taken"] = payloads
    exp = player.experiment
    try:
        link = read_link(payloads[0] if len(payloads) == 1 else None)
        with player.changing():
            exp.check(link.settings, link.data)  # formulas are checked here, before anything changes
            exp.own = link.data or exp.own  # Your data's points, if the link holds them
            exp.apply(link.settings, rebuild=True)
    except SettingsError as exc:
        st.session_state["link.error"] = (refusal_message(exc), exp.start.number)
        return
    st.session_state.pop("link.error", None)
    session.set_lesson(link.hide, hidden_controls(link.hide))
    write_widgets(link.settings)
    exp.notice = f"Opened a shared set-up: {exp.notice.removeprefix('New network: ')}." + (
        " Some controls are hidden for this lesson." if link.hide else ""
    )
    if link.settings.dataset == YOUR_DATA and link.data is None:
        exp.notice += " The link does not hold its data's points (too many for a link): add your own."


def link_error(exp: Experiment) -> str | None:
    """Why the address's link was refused, until the learner starts another run or trains this one."""
    message, run = st.session_state.get("link.error", (None, None))
    return message if run == exp.start.number and exp.epoch == 0 else None


def field_widget(container: Any, name: str, disabled: bool = False, key: str | None = None) -> None:
    """The widget of one scalar setting, from :data:`nnviz.playground.settings.FIELDS` (``key``: another
    widget of the same setting, such as the Same start form's)."""
    f, key = FIELDS[name], key or widget_key(name)
    common: dict[str, Any] = {"key": key, "help": f.help or None, "disabled": disabled}
    if f.kind == "select":
        options = list(f.options)
        if st.session_state.get(key) not in options:
            options.append(st.session_state.get(key, options[0]))
        container.selectbox(f.label, options, format_func=partial(value_text, name), **common)
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
    choices = hidden_activations() if index != "out" else output_choices(exp)
    if st.session_state[layer_key(index, "activation")] not in choices:  # the data's classes changed
        st.session_state[layer_key(index, "activation")] = choices[0]
    cols[1].selectbox("activation", choices, key=layer_key(index, "activation"))
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


def _layers(exp: Experiment) -> bool:
    """The hidden layers and the output layer; False while a formula does not parse."""
    ok = True
    st.slider("Hidden layers", 0, MAX_HIDDEN, key=N_HIDDEN_KEY)
    for i in range(st.session_state[N_HIDDEN_KEY]):
        ok &= _layer_widgets(st, exp, i, f"Layer {i + 1}")
    classes = widget_classes(exp)
    title = f"Output · {classes} units, one a class" if output_units(classes) > 1 else "Output"
    return _layer_widgets(st, exp, "out", title) and ok


def widget_classes(exp: Experiment) -> int | None:
    """The classes of the data set chosen in the sidebar (None: regression targets)."""
    name = st.session_state.get(widget_key("dataset"), exp.settings.dataset)
    info = DATASETS.get(name)
    return info.classes if info is not None else exp.data_of(replace(exp.settings, dataset=name)).classes


def output_choices(exp: Experiment) -> list[str]:
    """The output layer's activations: softmax alone for k > 2 classes (k units), else the hidden layers'
    choices (a softmax output needs 3 or more classes)."""
    return [SOFTMAX] if output_units(widget_classes(exp)) > 1 else hidden_activations()


def fit_output_to_data(exp: Experiment) -> None:
    """When another data set is chosen, switch the output and loss widgets to what its classes need
    (softmax and cce for k > 2 classes; sigmoid and bce, or linear and mse, after them), before they are
    drawn. A loss that does not fit the data, chosen afterwards, is refused with one message."""
    if st.session_state.get(widget_key("dataset"), exp.settings.dataset) == exp.settings.dataset:
        return
    act_key, loss_key = layer_key("out", "activation"), widget_key("loss")
    act = st.session_state.get(act_key, exp.settings.output.activation)
    loss = st.session_state.get(loss_key, exp.settings.loss)
    st.session_state[act_key], st.session_state[loss_key] = fitted_output(widget_classes(exp), act, loss)


#: A wider sidebar, so that a layer's size, activation and bias fit on one row.
STYLE = """<style>
section[data-testid="stSidebar"] { width: 380px !important; }
.block-container { padding-top: 2rem; }
</style>"""


def sidebar(player: Player) -> None:
    """Draw the settings and apply them; an invalid formula leaves the network as it was."""
    exp, hidden = player.experiment, session.lesson_hidden()
    sb = st.sidebar
    st.markdown(STYLE, unsafe_allow_html=True)
    fit_output_to_data(exp)
    if "preset" not in hidden:
        sb.selectbox(
            "Preset",
            [NO_PRESET, *PRESETS],
            key="preset",
            on_change=_on_preset,
            help="Sets everything in one click",
        )
    ok = True
    for title, members in SECTIONS.values():  # a lesson's link may hide sections or single controls
        shown = [name for name in members if name not in hidden]
        if not shown:
            continue
        with sb.expander(title, expanded=True):
            for name in shown:
                if name == "layers":
                    ok &= _layers(exp)
                else:
                    off = name == "reg_rate" and st.session_state.get(widget_key("regularization")) == "none"
                    off |= name in UNUSED and st.session_state.get(widget_key("dataset")) == YOUR_DATA
                    field_widget(st, name, disabled=off)
    if hidden:
        sb.caption("This lesson's link hides some controls.")
    settings = keep_hidden(from_widgets(st.session_state, exp.settings), exp.settings, hidden)
    kind = DATASETS.get(settings.dataset, exp.own).kind  # Your data ("custom") is the session's own
    if kind == "regression" and settings.output.activation in ("sigmoid", "relu"):
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


# --- sharing the experiment as a link -------------------------------------------------------------

_copy_button = st.components.v2.component(
    "nnviz_copy_link",
    html="<button class='nnviz-copy' type='button'></button> <span class='nnviz-copied'></span>",
    css=".nnviz-copy { padding: 0.3rem 0.8rem; border: 1px solid #ccc; border-radius: 0.5rem;"
    " background: white; cursor: pointer; } .nnviz-copy:hover { border-color: #ff4b4b; }"
    ".nnviz-copied { font-size: 0.85rem; color: #2e7d32; margin-left: 0.4rem; }",
    js=Path(__file__).with_name("copy_link.js").read_text(encoding="utf-8"),
    isolate_styles=False,
)
#: The address a link starts with when the browser's is unknown (AppTest).
DEFAULT_URL = "http://localhost:8501/"


def share(player: Player) -> None:
    """The link to this experiment (a lesson's link if controls are picked to hide), with a Copy button."""
    exp = player.experiment
    if "share.hide" not in st.session_state:
        st.session_state["share.hide"] = sorted(session.lesson_choice())
    with st.sidebar.expander("Share this experiment / for a lesson", key="share.open", on_change="rerun"):
        hide = st.multiselect(
            "Hide from the learner (a lesson's link)",
            list(HIDEABLE),
            format_func=HIDEABLE.get,
            key="share.hide",
            help="The learner who opens the link does not see these controls and cannot change them",
        )
        url, left_out = shared_link(st.context.url or DEFAULT_URL, exp.settings, hide, exp.dataset)
        _copy_button(key="share.copy", data={"text": url, "label": "Copy link"})
        st.code(url, language=None, wrap_lines=True)
        st.caption(
            f"{len(url):,} characters. Opening it rebuilds this set-up: the same data, initial weights and "
            "shuffling, so training it gives the same network epoch for epoch."
        )
        if left_out:  # Your data too large for a link
            st.warning(left_out, icon=":material/scatter_plot:")
        if not exp.start.reproducible:
            why = "its weights came from a file" if exp.start.origin == "file" else "; ".join(exp.start.notes)
            st.warning(
                f"This run differs from its settings ({why}): the link starts from the weight seed instead.",
                icon=":material/info:",
            )


# --- Your data --------------------------------------------------------------------------------------


def click_tool(kind: str) -> tuple[float, bool]:
    """What a click on the picture does now: the class number (classification) or target value
    (regression) it adds, and whether the eraser is on (it removes the nearest point instead)."""
    value = st.session_state.get("data.class" if kind == "classification" else "data.value") or 0
    return float(value), st.session_state.get("data.tool") == data_edits.ERASE


def _use(own: Dataset, new_run: bool = False) -> bool:
    """:func:`.data_edits.use` for this session, the widgets then showing the settings it needed."""
    player = session.player()
    used = data_edits.use(player, own, new_run=new_run)
    if used:
        write_widgets(player.experiment.settings)
    return used


def _start(kind: str | None) -> None:
    """Your data from an empty canvas of ``kind``, or (None) from the points shown now."""
    _use(your_data.empty(kind) if kind else your_data.of(session.player().experiment.dataset))


def _on_data_upload() -> None:
    """Read the uploaded CSV; a file that cannot be read changes nothing and says why."""
    exp = session.player().experiment
    s, standardised = exp.settings, bool(st.session_state.get("data.standardise"))
    own = session.read_upload(
        "data.upload",
        "Could not read the data",
        lambda content: your_data.from_csv(
            content, standardised=standardised, test_ratio=s.test_ratio, seed=s.data_seed
        ),
    )
    if own is not None and _use(own, new_run=True):
        name = st.session_state["data.upload"].name
        exp.notice = f"Your data from {code(name)}: {escape(your_data.summary(own))}."


def _click_tools(kind: str, names: tuple[str, ...]) -> None:
    """What a click adds: a class (or a new one) or a value; or the eraser."""
    if kind == "classification":
        new = your_data.new_class_name(names)
        options = list(range(len(names) + (new is not None)))
        if st.session_state.get("data.class") not in options:
            st.session_state["data.class"] = 0
        label = [escape(name, 20) for name in names] + [f"new class {new}"]  # names from a file: literal
        st.segmented_control(
            "Class of a click", options, format_func=lambda i: label[i], key="data.class", width="stretch"
        )
    else:
        st.session_state.setdefault("data.value", 0.5)
        st.slider("Value of a click", -1.0, 1.0, step=0.1, key="data.value")
    st.segmented_control(
        "A click on the picture",
        [data_edits.ADD, data_edits.ERASE],
        format_func={data_edits.ADD: "adds a point", data_edits.ERASE: "removes a point"}.get,
        key="data.tool",
        default=data_edits.ADD,
        help="Shift-click removes the nearest point too",
    )


def your_data_section(player: Player) -> None:
    """The sidebar's "Your data" section: click tools, empty canvases, the CSV upload and download."""
    if not session.data_editable():
        return
    exp = player.experiment
    data, own = exp.dataset, exp.settings.dataset == YOUR_DATA
    with st.sidebar.expander(your_data.LABEL, expanded=own):
        st.caption(
            "Click on the picture to add a point, shift-click to remove one"
            + (f". Now: {escape(your_data.summary(data))}." if own else " (the data becomes Your data).")
        )
        why = your_data.nothing_to_train(data)
        if why:
            st.info(why, icon=":material/touch_app:")
        _click_tools(data.kind, data.class_names)
        cols = st.columns(2)
        cols[0].button("Empty: classes", key="data.empty", on_click=_start, args=("classification",))
        cols[1].button("Empty: values", key="data.empty_values", on_click=_start, args=("regression",))
        if not own:
            st.button("Edit the points shown", key="data.these", on_click=_start, args=(None,))
        st.toggle("Standardise features of an upload", key="data.standardise", help="Mean 0, deviation 1")
        st.file_uploader(
            "Upload a CSV (x1, x2, label or y)",
            type=None,
            key="data.upload",
            on_change=_on_data_upload,
            max_upload_size=session.upload_limit(data_csv.MAX_FILE_BYTES),
            help=f"At most {MAX_POINTS:,} rows and 1 MB; comma, semicolon or tab; header optional",
        )
        if st.session_state.get("data.upload.error"):
            st.error(st.session_state["data.upload.error"], icon=":material/error:")
        st.download_button(
            "Download the data (.csv)",
            data=lambda: your_data.to_csv(player.sync().dataset),
            file_name="nnviz-data.csv",
            mime="text/csv",
            key="data.download",
            on_click="ignore",
            icon=":material/download:",
            disabled=len(data.X_train) + len(data.X_test) == 0,
            help="With a split column: uploaded again, it gives the same data",
        )
