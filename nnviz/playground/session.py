"""This browser session's own objects in ``st.session_state``, behind named accessors.

Every page reaches the playground through :func:`player` (the playground page, which creates it) or
:func:`open_experiment` (the learning pages, which only read it): the link between pages has a name in
code rather than a string key spread over files. :func:`page_state` keeps a page's settings for the
session while the learner visits other pages; :func:`lesson_hidden` names the controls that a lesson's
link hides for the whole session.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import streamlit as st

from nnviz.core.datasets import Dataset, make_dataset
from nnviz.playground.experiment import Experiment
from nnviz.playground.player import Player

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
