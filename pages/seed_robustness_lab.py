"""Seed-robustness lab: train many copies that differ only in their initial weights, all at once."""

import numpy as np
import streamlit as st

from nnviz.core import ACTIVATIONS, INITIALISERS, LOSSES, NNVizError
from nnviz.core.datasets import DATASETS
from nnviz.drawing.boundary import boundary_svg
from nnviz.drawing.figures import figure_data_uri, histogram_figure, loss_curves_figure
from nnviz.drawing.svg import svg_data_uri
from nnviz.lessons import seed_robustness_lab as sl
from nnviz.playground import session

st.set_page_config(page_title="Seed-robustness lab · nnviz", page_icon="🎲", layout="wide")
st.markdown("### Seed-robustness lab")
st.caption(
    "How often does this architecture solve this data? N copies that differ only in the seed of their "
    "initial weights train together, as stacked weight tensors in one batched pass per step."
)

exp = session.open_experiment()
options = [*sl.SETUPS, "custom"] + (["playground"] if exp is not None else [])
labels = {
    **{k: c.label for k, c in sl.SETUPS.items()},
    "custom": "Custom",
    "playground": "The playground's set-up",
}

with st.sidebar:
    choice = st.selectbox("Set-up", options, format_func=labels.get, key="seed.preset")
    data = features = None
    if choice == "custom":
        base = sl.SETUPS["tanh"]
        hidden_text = st.text_input("Hidden layer sizes", "2", key="seed.hidden", help="e.g. 4  or  2, 2")
        acts = list(ACTIVATIONS)
        hidden_act = st.selectbox("Hidden activation", acts, index=acts.index("tanh"), key="seed.act")
        out_act = st.selectbox("Output activation", acts, index=acts.index("sigmoid"), key="seed.out")
        bias = st.toggle("Biases", True, key="seed.bias")
        init = st.selectbox("Initialiser", list(INITIALISERS), key="seed.init")
        loss = st.selectbox("Loss", list(LOSSES), key="seed.loss")
        batch = st.selectbox("Batches", ["full batch", "per sample", "2", "8", "32"], key="seed.batch")
        lr = st.number_input("Learning rate", 1e-4, 10.0, 0.5, step=0.1, format="%g", key="seed.lr")
        epochs = st.number_input("Epochs", 1, sl.LAB_MAX_EPOCHS, 2000, step=500, key="seed.epochs")
        dataset = st.selectbox(
            "Data", list(DATASETS), format_func=lambda k: DATASETS[k].label, key="seed.data"
        )
        try:
            sizes = sl.parse_hidden(hidden_text)
        except NNVizError as exc:
            st.error(f"Hidden layer sizes: {exc}")
            st.stop()
        layers = tuple((n, bias, hidden_act) for n in sizes) + ((1, bias, out_act),)
        config = sl.with_changes(
            base,
            label="custom",
            layers=layers,
            loss=loss,
            lr=float(lr),
            batch_size=None if batch == "full batch" else 1 if batch == "per sample" else int(batch),
            epochs=int(epochs),
            init=init,
            dataset=dataset,
        )
    elif choice == "playground":
        try:
            config, X, y, box, features = sl.playground_setup(exp)
        except NNVizError as exc:
            st.error(f"Cannot read the playground's set-up: {exc}")
            st.stop()
        epochs = st.number_input(
            "Epochs", 1, sl.LAB_MAX_EPOCHS, config.epochs, step=100, key="seed.pg_epochs"
        )
        config = sl.with_changes(config, epochs=int(epochs))
        data = (X, y, box)
    else:
        config = sl.SETUPS[choice]
    copies = st.slider("Copies", 10, sl.LAB_MAX_COPIES, 200, step=10, key="seed.copies")
    first = st.number_input("First seed", 0, 2**31 - 1 - sl.LAB_MAX_COPIES, 0, key="seed.first")
    fast = st.toggle(
        "float32 (faster)",
        True,
        key="seed.f32",
        help="Gave every copy the same verdict as float64 in the benchmark (bench/seed_lab.py).",
    )
    run = st.button("Train all copies", type="primary", key="seed.run")

reported = f" · reported: {config.reference}" if config.reference else ""
st.markdown(f"**{config.label}** — {config.describe()}{reported}")
if config.note:
    st.caption(config.note)
if config.batch_size == 1:
    st.caption(
        "Per-sample SGD runs one step per sample, each vectorised across copies: 1000 copies take ~15–20 s."
    )

if run:
    bar = st.progress(0.0, text="training…")
    try:
        result = sl.run_lab(
            config,
            int(copies),
            int(first),
            dtype=np.float32 if fast else np.float64,
            progress=lambda share: bar.progress(share, text=f"training… {share:.0%}"),
            data=data,
            features=features,
        )
    except NNVizError as exc:
        bar.empty()
        st.error(f"Cannot train this set-up: {exc}")
        st.stop()
    bar.empty()
    st.session_state["seed.result"] = result

result = st.session_state.get("seed.result")
if result is None:
    st.info("Choose a set-up on the left and press **Train all copies**.")
    st.stop()
if result.config != config or len(result.seeds) != copies:
    st.caption("Showing the last run; the settings on the left have changed since.")

report = result.report
m1, m2, m3, m4 = st.columns(4)
m1.metric("Solve rate", f"{report.solve_rate:.1%}", help="every training sample on the right side of 0.5")
m2.metric("Copies", f"{len(result.seeds)}", help=f"seeds {result.seeds[0]}–{result.seeds[-1]}")
m3.metric("Training time", f"{result.seconds:.2f} s")
m4.metric("Reported", result.config.reference or "—")

left, right = st.columns([2, 3])
with left:
    st.markdown("##### Outcomes")
    st.dataframe(sl.summary_rows(result), hide_index=True)
    st.image(figure_data_uri(histogram_figure(report.final_loss, report.solved)))
with right:
    st.markdown("##### Loss of every copy")
    history = sl.downsample_curves(result.trainer.history, 300)
    solved = sl.downsample_curves(report.solved[None, :], 300)[0]
    st.image(figure_data_uri(loss_curves_figure(result.trainer.history_epochs, history, solved)))

failed = sl.failed_copies(result, limit=12)
st.markdown(f"##### Failed copies ({int((~report.solved).sum())}), and why")
if not failed:
    st.success("Every copy solved the task.")
cols = st.columns(4)
lo, hi = (0.0, 1.0) if float(np.min(result.trainer.Y)) >= 0 else (-1.0, 1.0)
X, Y = result.trainer.X, result.trainer.Y
raw_inputs = X.shape[1] == 2 and result.features in (None, ["x1", "x2"])
train = (X.astype(float), Y.astype(float)) if raw_inputs else None  # feature inputs are not points
for n, k in enumerate(failed):
    with cols[n % 4]:
        grid = sl.boundary(result, k, n=60)
        st.image(svg_data_uri(boundary_svg(grid, result.box, lo, hi, train=train, size=220)))
        st.markdown(f"**seed {result.seeds[k]}** — {report.verdict[k]}")
        st.caption(report.details[k])
