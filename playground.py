"""nnviz playground: train a network step by step in the browser and watch it learn.

Run with ``streamlit run app.py``, which serves this page, the pages in ``pages/`` and the live view's
frame stream. This page only wires widgets to :mod:`nnviz.settings` and :mod:`nnviz.presets` (the
experiment), :mod:`nnviz.state` (the session's playground), :mod:`nnviz.frames` and :mod:`nnviz.render`
(pictures) and :mod:`nnviz.ui` (widgets and the live view).
"""

import os

# Tiny matrices: one BLAS thread is faster than several fighting over 2 shared cores (set before NumPy loads).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import streamlit as st  # noqa: E402

from nnviz import ui  # noqa: E402

st.set_page_config(page_title="nnviz playground", page_icon="🧠", layout="wide")

pg = ui.playground()
ui.restore_widgets(pg)
ui.take_sent_activation(pg)
ui.take_preset_from_url(pg)
ui.sidebar(pg)

st.markdown("### nnviz playground")
st.caption(
    "Pick data and a network on the left, press **Play**, and watch the decision boundary bend. "
    "Everything here is your own session: a page reload starts afresh (download the model to keep it)."
)
ui.controls(pg)
if pg.error:
    st.error(pg.error, icon=":material/warning:")
elif pg.notice:
    st.info(pg.notice, icon=":material/info:")
    pg.notice = None

live_area = st.container()  # status line, then boundary | loss curve with the network below: one picture
toggles = st.columns([1, 1, 1, 2])
opts = ui.ViewOptions(
    show_test=toggles[0].toggle("Show test data", key="view.test"),
    discretize=toggles[1].toggle("Discretize output", key="view.discretize"),
    log_scale=toggles[2].toggle("Log-scale loss", key="view.log"),
)
with toggles[3]:
    opts.selected = ui.neuron_picker(pg)
with st.expander("Edit a weight"):
    ui.weight_editor(pg)
with st.expander("Save or load the model", expanded=True):
    ui.files(pg, opts)
ui.earlier_runs(pg)

with live_area:  # last, so that every widget above is drawn before the first frame
    ui.show_live(pg, opts)
