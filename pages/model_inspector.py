"""Model inspector: what a .nn file holds — architecture, activations, history, weights, boundary, outputs."""

import numpy as np
import streamlit as st

from nnviz.core import NNVizError
from nnviz.core.grid import decision_grid
from nnviz.drawing.boundary import boundary_svg
from nnviz.drawing.figures import figure_data_uri, heatmap_figure
from nnviz.drawing.loss_curve import loss_curve_svg
from nnviz.drawing.svg import svg_data_uri
from nnviz.lessons import model_inspector as insp
from nnviz.model_file import ModelRecord
from nnviz.playground import session

st.set_page_config(page_title="Model inspector · nnviz", page_icon="🔍", layout="wide")
st.markdown("### Model inspector")

with st.sidebar:
    source = st.radio("Model", ["Upload a .nn file", "The playground's network"], key="insp.source")
    upload = None
    if source == "Upload a .nn file":
        upload = st.file_uploader("Model file (.nn)", key="insp.file", help="Saved from the playground")

nn = None
if source == "Upload a .nn file":
    if upload is None:
        st.info(
            "Upload a `.nn` file on the left (the playground saves one), or inspect the playground's network."
        )
        st.stop()
    try:
        nn = insp.load(upload.getvalue())
    except NNVizError as exc:
        st.error(f"`{upload.name}` cannot be read: {exc}")
        st.stop()
    st.caption(f"File `{upload.name}`, {upload.size:,} bytes.")
else:
    exp = session.open_experiment()
    if exp is None:
        st.warning("The playground has not been opened in this session: open it first, or upload a file.")
        st.stop()
    nn = exp.nn.copy()
    nn.metadata = ModelRecord(dataset=exp.settings.dataset, features=tuple(exp.features)).to_metadata()
    st.caption("The playground's current network (a snapshot taken when this page ran).")

st.markdown(f"**{insp.summary_line(nn)}**")
left, right = st.columns([3, 2])
with left:
    st.markdown("##### Architecture")
    st.dataframe(insp.architecture(nn), hide_index=True)
    st.markdown("##### Activations")
    for where, f_tex, df_tex in insp.activations(nn):
        st.markdown(where)
        st.latex(rf"f(x) = {f_tex} \qquad f'(x) = {df_tex}")
with right:
    st.markdown("##### Metadata")
    rows = insp.metadata_rows(nn)
    if rows:
        st.dataframe(rows, hide_index=True)
    else:
        st.caption("No metadata in this file.")
    history = insp.loss_history(nn)
    if history is not None:
        st.markdown("##### Loss history")
        st.image(svg_data_uri(loss_curve_svg(history, width=420, height=240)))

st.markdown("##### Weights")
columns = st.columns(min(3, len(nn.layers)))
for i, layer in enumerate(nn.layers):
    with columns[i % len(columns)]:
        if layer.weights.size > insp.MAX_HEATMAP:
            st.caption(f"Layer {i + 1}: {layer.weights.shape} weights, too many to draw.")
            continue
        title = f"layer {i + 1} ({layer.activation.label}): W of shape {layer.weights.shape}"
        fig = heatmap_figure(layer.weights, title, annotate=layer.weights.size <= insp.MAX_ANNOTATED)
        st.image(figure_data_uri(fig))
        if layer.bias is not None:
            st.caption("bias: " + ", ".join(f"{b:.3g}" for b in layer.bias))

features, box = insp.input_setup(nn)
st.markdown("##### Decision boundary and outputs")
left, right = st.columns(2)
with left:
    if features is None:
        st.caption(f"This network takes {nn.inputs} inputs the file does not describe: no boundary to draw.")
    else:
        try:
            grid = decision_grid(nn, box, n=120, features=features)
            lo, hi = (0.0, 1.0) if np.nanmin(grid) >= 0 else (-1.0, 1.0)
            st.image(svg_data_uri(boundary_svg(grid, box, lo, hi, size=380)))
            st.caption(f"Output 1 over the input box, inputs {', '.join(features)}.")
        except NNVizError as exc:
            st.error(f"Cannot draw the boundary: {exc}")
with right:
    st.caption("Type inputs (add rows at the bottom); the outputs follow.")
    edited = st.data_editor(insp.default_inputs(nn), num_rows="dynamic", key="insp.inputs")
    try:
        rows = edited.to_dict("records") if hasattr(edited, "to_dict") else list(edited)
        outputs = insp.evaluate(nn, rows)
        table = [
            {**row, **{f"output {j + 1}": float(v) for j, v in enumerate(out)}}
            for row, out in zip(rows, outputs)
        ]
        st.dataframe(table, hide_index=True)
    except NNVizError as exc:
        st.error(f"Inputs: {exc}")
