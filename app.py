"""nnviz: ``streamlit run app.py`` is the one way to start the app.

Started by ``streamlit run``, this file is read once: it sets up the process (before NumPy loads) and
builds the server, Streamlit's own plus the live view's frame stream (:mod:`nnviz.playground.live`), with
the worker processes that train for playing sessions (:mod:`nnviz.playground.workers`).
Streamlit then runs it again for every page view of every session, as the app's entry script: there it
lists the pages (the scripts in ``pages/``) and runs the one asked for.
"""

import asyncio
import contextlib
import os

# Tiny matrices: one BLAS thread is faster than several fighting over 2 shared cores (set before NumPy loads).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import streamlit as st  # noqa: E402
from streamlit.runtime.scriptrunner import get_script_run_ctx  # noqa: E402

from nnviz.playground import live, workers  # noqa: E402

#: The pages in the order of the navigation: (script in pages/, title, icon); the first is the home page.
PAGES = (
    ("playground", "Playground", "🧠"),
    ("activation_lab", "Activation lab", "📈"),
    ("backprop_step_by_step", "Backprop step by step", "🔁"),
    ("model_inspector", "Model inspector", "🔍"),
    ("seed_robustness_lab", "Seed robustness lab", "🎲"),
    ("why_xor_needs_a_hidden_layer", "Why XOR needs a hidden layer", "✖️"),
)


def navigation() -> list:
    """The pages for ``st.navigation``; URL paths keep the first releases' links (``/Activation_lab``)."""
    home, *rest = PAGES
    pages = [st.Page(f"pages/{home[0]}.py", title=home[1], icon=home[2], default=True)]
    for name, title, icon in rest:
        url = name[0].upper() + name[1:].replace("xor", "XOR")
        pages.append(st.Page(f"pages/{name}.py", title=title, icon=icon, url_path=url))
    return pages


#: On every page: a long equation scrolls inside its own box instead of being cut off at its column's edge.
STYLE = "<style>.katex-display { overflow-x: auto; overflow-y: hidden; padding-bottom: 2px; }</style>"


@contextlib.asynccontextmanager
async def lifespan(app: st.App):
    """The worker processes that train and draw for playing sessions live as long as the server."""
    await asyncio.to_thread(workers.pool)
    yield
    await asyncio.to_thread(workers.shutdown)


if get_script_run_ctx(suppress_warning=True) is None:  # read by `streamlit run`: build the server
    app = st.App(__file__, routes=live.routes(), lifespan=lifespan)
else:  # a session's run: the page asked for
    page = st.navigation(navigation())
    st.html(STYLE)
    page.run()
