"""nnviz playground: train a network step by step in the browser and watch it learn.

This page only wires widgets to the session's experiment: :mod:`nnviz.playground.sidebar` (settings),
:mod:`nnviz.playground.view` (controls, the live view, files) and :mod:`nnviz.playground.session`
(this session's player and experiment).
"""

import streamlit as st

from nnviz.playground import session, sidebar, view
from nnviz.playground.classes import class_results

st.set_page_config(page_title="nnviz playground", page_icon="🧠", layout="wide")

player = session.player()
exp = player.sync()  # while playing, the run lives on a worker: bring it up to date first
session.restore_widgets(exp)
sidebar.take_sent_activation(player)
sidebar.take_preset_from_url(player)
sidebar.take_link(player)  # ?x=: a shared link, after ?preset= (the link wins)
sidebar.sidebar(player)
sidebar.your_data_section(player)  # Your data: click tools, CSV upload and download
sidebar.share(player)

st.markdown("### nnviz playground")
st.caption(
    "Pick data and a network on the left, press **Play**, and watch the decision boundary bend. "
    "Everything here is your own session: a page reload starts afresh (download the model to keep it)."
)
view.controls(player)
if sidebar.link_error(exp):
    st.error(sidebar.link_error(exp), icon=":material/link_off:")
if exp.error:
    st.error(exp.error, icon=":material/warning:")
elif exp.warning:
    st.warning(exp.warning, icon=":material/trending_up:")
if exp.notice and not exp.error:
    st.info(exp.notice, icon=":material/info:")
    exp.notice = None

live_area = st.container()  # status line, then boundary | loss curve with the network below
toggles = st.columns([1, 1, 1, 2])
options = {
    "show_test": toggles[0].toggle("Show test data", key="view.test"),
    "discretize": toggles[1].toggle("Discretize output", key="view.discretize"),
    "log": toggles[2].toggle("Log-scale loss", key="view.log"),
}
with toggles[3]:
    options["selected"] = view.neuron_picker(exp)
if "edit" not in session.lesson_hidden():
    with st.expander("Edit a weight", key="edit.open", on_change="rerun"):  # stays open across reruns
        view.weight_editor(exp)
if exp.dataset.kind == "classification":
    classes = st.expander("Accuracy and confusion matrix", key="classes.open", on_change="rerun")
    with classes:  # made only while open
        st.caption("Rows: the true class; columns: the class the network predicts (as of the last pause).")
        with exp.lock:
            results = class_results(exp.nn, exp.dataset, exp.X_train, exp.X_test) if classes.open else []
        for name, accuracy, rows in results:
            st.markdown(f"**{name.capitalize()} set**: accuracy {accuracy:.1%}")
            st.dataframe(rows, hide_index=True, key=f"classes.{name}")
with st.expander("Save or load the model", expanded=True):
    view.files(player, options)
view.runs_panel(player)
view.earlier_runs(exp)

with live_area:  # last, so that every widget above is drawn before the first frame
    view.show_live(player, options)
