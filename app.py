"""nnviz: ``streamlit run app.py`` serves the playground (``playground.py``), the pages in ``pages/``,
and the live view's frame stream (:mod:`nnviz.live`) from one server."""

import os

# Tiny matrices: one BLAS thread is faster than several fighting over 2 shared cores (set before NumPy loads).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import streamlit as st  # noqa: E402

from nnviz import live  # noqa: E402

app = st.App("playground.py", routes=live.routes())
