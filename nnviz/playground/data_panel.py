"""The playground's "Your data" controls: points clicked on the picture, a CSV file up and down.

How a click travels: the live view (``live_view.js``) turns a click on the boundary picture into data
coordinates and sends them to Python as the component event ``click`` (``{x, y, remove}``; ``remove``
for a shift-click), which reruns the page with :func:`on_click` first. :func:`on_click` checks the
browser's numbers, then adds a training point of the chosen class or value (:mod:`.your_data`), or
removes the nearest one, through :meth:`Player.changing` (paused meanwhile, playing on afterwards);
:meth:`Experiment.set_data` keeps the weights and the epoch count, so training goes on with the new point.
The points live in the session's experiment (:attr:`Experiment.own`) and stay when the network is reset
or rebuilt. An uploaded CSV replaces them and starts a new run; a file that cannot be read changes nothing
and says why (one message naming the line and column).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

import streamlit as st

from nnviz.core.datasets import CUSTOM as YOUR_DATA
from nnviz.core.datasets import Dataset
from nnviz.core.errors import NNVizError, SpecError
from nnviz.playground import session, your_data
from nnviz.playground.classes import fitted_output, output_units
from nnviz.playground.player import Player
from nnviz.playground.settings import SettingsError
from nnviz.playground.sidebar import write_widgets
from nnviz.user_text import code, error_text, escape

T = TypeVar("T")

#: The live view's component key (its click events arrive under it).
VIEW_KEY = "live.view"
#: What a click does, by the ``data.tool`` choice: add a point, or remove the nearest (the eraser).
ADD, ERASE = "add", "erase"


def editable() -> bool:
    """Whether this session may change its data (a lesson's link may hide the data controls)."""
    return "dataset" not in session.lesson_hidden()


def _value(kind: str) -> float:
    """The class number (classification) or target value (regression) a click adds."""
    return float(st.session_state.get("data.class" if kind == "classification" else "data.value") or 0)


def click(player: Player, event: Any, value: float, erase: bool = False) -> None:
    """Add a training point of ``value`` where ``event`` (``{"x", "y", "remove"}`` from the browser) says,
    or remove the nearest point (``remove`` or ``erase``); the data becomes Your data. A refused click (the
    limit of points or classes, nothing near to remove, malformed numbers) changes nothing and says why."""
    exp = player.experiment
    x, y = (event.get(k) if isinstance(event, dict) else None for k in ("x", "y"))
    if not all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in (x, y)):
        return  # not a click the live view sends: ignored
    remove = erase or event.get("remove") is True
    data = exp.dataset  # the points do not change while a worker trains: no pause needed to read them
    x, y = your_data.snapped(x, data.box[1] - data.box[0]), your_data.snapped(y, data.box[3] - data.box[2])
    try:
        changed = your_data.without_point(data, x, y) if remove else your_data.with_point(data, x, y, value)
    except SpecError as exc:
        exp.notice = f"The point was not added: {exc}."
        return
    if changed is None:
        exp.notice = "No point near there to remove."
        return
    use(player, changed)


def use(player: Player, own: Dataset, *, new_run: bool = False) -> bool:
    """Make ``own`` the session's data (Your data). The weights and the epoch count stay (a click), unless
    ``new_run`` (a file) or the data needs another output (a third class, values instead of classes): then a
    new network starts, with the output and loss its classes need (:func:`.classes.fitted_output`). False
    (with a notice, nothing changed) when the settings that data needs are refused."""
    exp = player.experiment
    s = exp.settings
    activation, loss = fitted_output(own.classes, s.output.activation, s.loss)
    keep = (activation, loss) == (s.output.activation, s.loss) and output_units(own.classes) == exp.nn.outputs
    settings = replace(s, dataset=YOUR_DATA, loss=loss, output=replace(s.output, activation=activation))
    try:
        with player.changing():
            if keep and not new_run:
                exp.set_data(own)
            else:  # checked first: nothing changes if the settings do not fit (a lesson's hidden output)
                exp.check(settings, own)
                exp.own = own
                exp.apply(settings, rebuild=True)
    except SettingsError as exc:
        exp.notice = f"{your_data.LABEL} was not used: {exc}"
        return False
    write_widgets(exp.settings)
    return True


def on_click() -> None:
    """The live view's ``click`` event (see the module docstring)."""
    state = st.session_state.get(VIEW_KEY)
    event = state.get("click") if hasattr(state, "get") else None
    if event is None or not editable():
        return
    player = session.player()
    value = _value(player.experiment.dataset.kind)
    click(player, event, value, st.session_state.get("data.tool") == ERASE)


def _start(kind: str | None) -> None:
    """Your data from an empty canvas of ``kind``, or (None) from the points shown now."""
    player = session.player()
    exp = player.experiment
    use(player, your_data.empty(kind) if kind else your_data.of(exp.dataset))


def read_upload(key: str, failure: str, read: Callable[[bytes], T]) -> T | None:
    """``read`` the file uploaded with widget ``key``; None if there is none or it cannot be read, which
    puts one message under ``"<key>.error"`` (``"<failure>: <why> — in `<file name>`"``): a file never
    crashes the page, whatever is wrong with it."""
    uploaded = st.session_state.get(key)
    if uploaded is None:
        return None
    try:
        value = read(uploaded.getvalue())
    except Exception as exc:
        expected = isinstance(exc, NNVizError)  # an NNVizError says what is wrong in its own words
        reason = f"{failure}: {exc}" if expected else f"{failure}: unexpected {type(exc).__name__}: {exc}"
        st.session_state[f"{key}.error"] = error_text(reason, uploaded.name)
        return None
    st.session_state.pop(f"{key}.error", None)
    return value


def _on_upload() -> None:
    """Read the uploaded CSV; a file that cannot be read changes nothing and says why."""
    player = session.player()
    exp = player.experiment
    s = exp.settings
    standardised = bool(st.session_state.get("data.standardise"))
    own = read_upload(
        "data.upload",
        "Could not read the data",
        lambda content: your_data.from_csv(
            content, standardised=standardised, test_ratio=s.test_ratio, seed=s.data_seed
        ),
    )
    if own is not None and use(player, own, new_run=True):
        name = st.session_state["data.upload"].name
        exp.notice = f"Your data from {code(name)}: {escape(your_data.summary(own))}."


def _tools(kind: str, names: tuple[str, ...]) -> None:
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
        [ADD, ERASE],
        format_func={ADD: "adds a point", ERASE: "removes a point"}.get,
        key="data.tool",
        default=ADD,
        help="Shift-click removes the nearest point too",
    )


def panel(player: Player) -> None:
    """The sidebar's "Your data" section: click tools, empty canvases, the CSV upload and download."""
    if not editable():
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
        _tools(data.kind, data.class_names)
        cols = st.columns(2)
        cols[0].button("Empty: classes", key="data.empty", on_click=_start, args=("classification",))
        cols[1].button("Empty: values", key="data.empty_values", on_click=_start, args=("regression",))
        if not own:
            st.button("Edit the points shown", key="data.these", on_click=_start, args=(None,))
        st.toggle("Standardise features of an upload", key="data.standardise", help="Mean 0, deviation 1")
        st.file_uploader(
            "Upload a CSV (x1, x2, label or y)", type=None, key="data.upload", on_change=_on_upload
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


__all__ = ["click", "editable", "on_click", "panel", "read_upload", "use"]
