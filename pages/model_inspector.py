"""Model inspector: what a .nn file holds — architecture, activations, history, weights, boundary, outputs.

Everything shown of a model is computed once (:class:`nnviz.lessons.model_inspector.Inspection`) and kept
for the session with the file's hash, so reruns only draw; the uploaded model stays when the learner visits
another page and comes back.
"""

import streamlit as st

from nnviz.core import NNVizError
from nnviz.core.nnfile import MAX_FILE_BYTES
from nnviz.lessons import model_inspector as insp
from nnviz.model_file import ModelRecord
from nnviz.playground import session
from nnviz.user_text import code, escape

UPLOAD, PLAYGROUND = "Upload a .nn file", "The playground's network"
#: Where the session keeps the uploaded model, the playground snapshot and the typed inputs.
KEPT, SNAPSHOT, ROWS = "insp.kept", "insp.snapshot", "insp.rows"

st.set_page_config(page_title="Model inspector · nnviz", page_icon="🔍", layout="wide")
session.page_state({"insp.source": UPLOAD})
st.markdown("### Model inspector")


def forget_upload() -> None:
    st.session_state.pop(KEPT, None)


with st.sidebar:
    source = st.radio("Model", [UPLOAD, PLAYGROUND], key="insp.source")
    upload = None
    if source == UPLOAD:
        upload = st.file_uploader(
            "Model file (.nn)",
            key="insp.file",
            help="Saved from the playground",
            max_upload_size=session.upload_limit(MAX_FILE_BYTES),
        )

if source == UPLOAD:
    kept = st.session_state.get(KEPT)
    if upload is not None and (kept is None or kept["file_id"] != upload.file_id):
        data = upload.getvalue()  # read and parsed once per uploaded file, not on every rerun
        key = insp.model_key(data)
        if kept is None or kept["key"] != key:
            try:
                kept = {"key": key, "inspection": insp.inspect(insp.load(data)), "error": ""}
            except NNVizError as exc:
                kept = {"key": key, "inspection": None, "error": escape(str(exc))}
        kept = {**kept, "file_id": upload.file_id, "name": upload.name, "size": upload.size}
        st.session_state[KEPT] = kept
    if kept is None:
        st.info(
            "Upload a `.nn` file on the left (the playground saves one), or inspect the playground's network."
        )
        st.stop()
    if kept["error"]:
        st.error(f"This file cannot be read: {kept['error']} (file {code(kept['name'])}).")
        st.stop()
    ins = kept["inspection"]
    model_key = kept["key"]
    earlier = "" if upload is not None else ", uploaded earlier in this session"
    st.caption(f"File {code(kept['name'])}, {kept['size']:,} bytes{earlier}.")
    if upload is None:
        st.button("Forget this file", key="insp.forget", on_click=forget_upload)
else:
    exp = session.open_experiment()
    if exp is None:
        st.warning("The playground has not been opened in this session: open it first, or upload a file.")
        st.stop()
    nn = exp.nn.copy()
    nn.metadata = ModelRecord(dataset=exp.settings.dataset, features=tuple(exp.features)).to_metadata()
    model_key = insp.network_key(nn)
    snapshot = st.session_state.get(SNAPSHOT)
    if snapshot is None or snapshot[0] != model_key:
        snapshot = (model_key, insp.inspect(nn))
        st.session_state[SNAPSHOT] = snapshot
    ins = snapshot[1]
    st.caption("The playground's current network (a snapshot taken when this page ran).")

nn = ins.nn
st.markdown(f"**{escape(ins.summary)}**")
left, right = st.columns([3, 2])
with left:
    st.markdown("##### Architecture")
    st.dataframe(ins.architecture, hide_index=True)
    st.markdown("##### Activations")
    for where, equation in ins.activations:
        st.markdown(escape(where))
        st.latex(equation)
with right:
    st.markdown("##### Metadata")
    if ins.metadata:
        st.dataframe(ins.metadata, hide_index=True)
    else:
        st.caption("No metadata in this file.")
    if ins.history is not None:
        st.markdown("##### Loss history")
        st.image(ins.history)

st.markdown("##### Weights")
st.dataframe(ins.stats, hide_index=True)
groups = -(-len(nn.layers) // insp.LAYERS_PER_GROUP)
first = 0
if groups > 1:  # its value is kept from when it is drawn (set before, it would shadow the kept one)
    session.page_state({"insp.group": 0})
    if st.session_state["insp.group"] not in range(groups):
        st.session_state["insp.group"] = 0
    size = insp.LAYERS_PER_GROUP
    group = st.selectbox(
        "Layers drawn",
        range(groups),
        format_func=lambda g: f"layers {g * size + 1}–{min(len(nn.layers), (g + 1) * size)}",
        key="insp.group",
    )
    first = group * size
shown = range(first, min(len(nn.layers), first + insp.LAYERS_PER_GROUP))
narrow = [i for i in shown if not ins.picture(i).wide]
columns = st.columns(3) if narrow else []
for n, i in enumerate(narrow):
    with columns[n % 3]:
        picture = ins.picture(i)
        st.image(picture.heatmap)
        if picture.histogram:
            st.image(picture.histogram)
        if picture.caption:
            st.caption(picture.caption)
for i in (i for i in shown if ins.picture(i).wide):
    picture = ins.picture(i)
    st.image(picture.heatmap)
    if picture.histogram:
        st.image(picture.histogram, width=600)
    if picture.caption:
        st.caption(picture.caption)

st.markdown("##### Decision boundary and outputs")
left, right = st.columns(2)
with left:
    if ins.boundary is not None:
        st.image(ins.boundary)
    st.caption(ins.boundary_note)
with right:
    st.caption("Type inputs (add rows at the bottom); the outputs follow.")
    # The editor starts from the rows typed last time for this model (kept when the learner left the
    # page); within a visit it keeps its own edits, so its starting rows must not change.
    if "insp.inputs" not in st.session_state or st.session_state.get(ROWS, {}).get("base_key") != model_key:
        st.session_state.pop("insp.inputs", None)
        kept_rows = st.session_state.get(ROWS, {})
        start = kept_rows["rows"] if kept_rows.get("key") == model_key else insp.default_inputs(nn)
        st.session_state[ROWS] = {**kept_rows, "base": start, "base_key": model_key}
    edited = st.data_editor(st.session_state[ROWS]["base"], num_rows="dynamic", key="insp.inputs")
    rows = edited.to_dict("records") if hasattr(edited, "to_dict") else list(edited)
    st.session_state[ROWS].update(key=model_key, rows=rows)
    table, problems, notes = insp.outputs_table(nn, rows)
    for problem in problems:
        st.error(problem)
    st.dataframe(table, hide_index=True)
    for note in notes:
        st.caption(note)
