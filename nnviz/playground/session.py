"""This browser session's own objects in ``st.session_state``, behind named accessors.

Every page reaches the playground through :func:`player` (the playground page, which creates it) or
:func:`open_experiment` (the learning pages, which only read it): the link between pages has a name in
code rather than a string key spread over files. :func:`page_state` keeps a page's settings for the
session while the learner visits other pages; :func:`lesson_hidden` names the controls that a lesson's
link hides for the whole session. :func:`read_upload` reads an uploaded file (one message if it cannot).
The playground's widgets hold its settings in ``st.session_state`` too: :func:`restore_widgets`,
:func:`write_widgets` and :func:`change_settings` keep them and the experiment in step.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import streamlit as st

from nnviz.core.datasets import Dataset, make_dataset
from nnviz.core.errors import NNVizError
from nnviz.playground.experiment import Experiment
from nnviz.playground.player import Player
from nnviz.playground.settings import Settings, SettingsError, to_widgets
from nnviz.user_text import error_text

T = TypeVar("T")

#: Where this session's player (and its experiment) is kept.
PLAYER_KEY = "playground"


@st.cache_data(max_entries=64, show_spinner=False)
def cached_dataset(name: str, n: int, noise: float, test_ratio: float, seed: int) -> Dataset:
    """Datasets are constant per setting: generated once per process, shared by all sessions."""
    return make_dataset(name, n, noise, test_ratio, seed)


def player() -> Player:
    """This session's player and its experiment, created on first use."""
    current = st.session_state.get(PLAYER_KEY)
    if not isinstance(current, Player):
        current = Player(Experiment(make_data=cached_dataset))
        st.session_state[PLAYER_KEY] = current
    return current


def open_experiment() -> Experiment | None:
    """The playground's experiment, up to date, if the playground has been opened in this session."""
    current = st.session_state.get(PLAYER_KEY)
    return current.sync() if isinstance(current, Player) else None


#: Where the controls a lesson's link hides are kept: (the lesson's choice, every control it hides).
LESSON_KEY = "lesson.hidden"


def set_lesson(chosen: Iterable[str], hidden: Iterable[str]) -> None:
    """Hide ``hidden`` for the rest of the session (``chosen``: what the teacher picked)."""
    st.session_state[LESSON_KEY] = (frozenset(chosen), frozenset(hidden))


def lesson_hidden() -> frozenset[str]:
    """Every control this session's lesson link hides (none without such a link)."""
    return st.session_state.get(LESSON_KEY, (frozenset(), frozenset()))[1]


def data_editable() -> bool:
    """Whether this session may change its data (a lesson's link may hide the data controls)."""
    return "dataset" not in lesson_hidden()


def lesson_choice() -> frozenset[str]:
    """What the teacher of this session's lesson link chose to hide (none without such a link)."""
    return st.session_state.get(LESSON_KEY, (frozenset(), frozenset()))[0]


#: Where the widget values of every page are kept for the session.
KEPT_KEY = "kept.widgets"


def page_state(defaults: Mapping[str, Any]) -> None:
    """Widget values of a page that last the session: from the learner's last visit, else ``defaults``.

    Streamlit forgets a widget's value when a run of another page does not draw it, so a page visited
    again would start from its defaults. Call this at the top of the page with every settable widget's
    key and default; the widgets are then drawn without a default of their own (their value comes from
    ``st.session_state``). Name only widgets that this run draws: a value set for a widget that is not
    drawn stays in ``st.session_state`` as plain data, and Streamlit would later hand that stale value to
    the widget (the pages call this again, for the widgets they draw only sometimes, where they draw them).
    """
    kept = st.session_state.setdefault(KEPT_KEY, {})
    for key, default in defaults.items():
        if key not in st.session_state:
            st.session_state[key] = kept.get(key, default)
        kept[key] = st.session_state[key]


def upload_limit(max_bytes: int) -> int:
    """The ``max_upload_size`` (whole megabytes) of a file uploader whose files have at most ``max_bytes``:
    every such file gets through (a megabyte is 10⁶ or 2²⁰ bytes depending on the browser's platform), a
    much larger one never reaches the server (Streamlit's own default would take 200 MB into memory)."""
    return math.ceil(max_bytes / 1e6)


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


# --- the playground's widgets ------------------------------------------------------------------------


def restore_widgets(exp: Experiment) -> None:
    """Give back widget values Streamlit dropped (it forgets a page's widgets while another page runs).

    On a session's first run this fills in every widget from the experiment's settings.
    """
    for key, value in to_widgets(exp.settings).items():
        st.session_state.setdefault(key, value)


def write_widgets(settings: Settings) -> None:
    """Put settings into the sidebar widgets (call before they are drawn, or from a callback)."""
    st.session_state.update(to_widgets(settings))


def change_settings(player: Player, change: Callable[[], object], refused: str) -> bool:
    """Make ``change`` (it applies settings, or raises :class:`SettingsError` changing nothing) while the
    player holds training, then show the experiment's settings in the widgets; False, with the notice
    ``"<refused>: <why>"``, when it is refused."""
    try:
        with player.changing():
            change()
    except SettingsError as exc:
        player.experiment.notice = f"{refused}: {exc}"
        return False
    write_widgets(player.experiment.settings)
    return True
