"""This browser session's own objects in ``st.session_state``, behind named accessors.

Every page reaches the playground through :func:`player` (the playground page, which creates it) or
:func:`open_experiment` (the learning pages, which only read it): the link between pages has a name in
code rather than a string key spread over files.
"""

from __future__ import annotations

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
