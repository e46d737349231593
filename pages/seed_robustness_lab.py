"""Seed-robustness lab: train many copies that differ only in their initial weights, all at once.

A run is estimated before it starts and refused over the budget; it trains in a child process at lower
priority (:mod:`nnviz.lessons.jobs`) while this page shows its progress, and ends with this page's run:
Stop, a changed setting or the session ending interrupts the run, and the ``finally`` kills the child.
"""

import numpy as np
import streamlit as st

from nnviz.core import ACTIVATIONS, INITIALISERS, LOSSES, NNVizError
from nnviz.core.datasets import DATASETS
from nnviz.drawing.boundary import BoundaryView, boundary_svg
from nnviz.drawing.figures import figure_data_uri, histogram_figure, loss_curves_figure
from nnviz.drawing.svg import svg_data_uri
from nnviz.lessons import jobs
from nnviz.lessons import seed_lab_budget as budget
from nnviz.lessons import seed_robustness_lab as sl
from nnviz.playground import session
from nnviz.user_text import escape, out_of_range

BATCHES = ["full batch", "per sample", "2", "8", "32"]
#: Every settable widget and its default. A widget drawn only for some set-ups has its values kept from
#: the moment it is drawn (set before, its value would shadow the kept one once it is drawn no longer).
DEFAULTS = {"seed.preset": next(iter(sl.SETUPS)), "seed.copies": 200, "seed.first": 0, "seed.f32": True}
CUSTOM_DEFAULTS = {
    "seed.hidden": "2",
    "seed.act": "tanh",
    "seed.out": "sigmoid",
    "seed.bias": True,
    "seed.init": next(iter(INITIALISERS)),
    "seed.loss": next(iter(LOSSES)),
    "seed.batch": BATCHES[0],
    "seed.lr": 0.5,
    "seed.epochs": 2000,
    "seed.data": next(iter(DATASETS)),
}
PLAYGROUND_DEFAULTS = {"seed.pg_epochs": 500}

st.set_page_config(page_title="Seed-robustness lab · nnviz", page_icon="🎲", layout="wide")
session.page_state(DEFAULTS)
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
if st.session_state["seed.preset"] not in options:
    st.session_state["seed.preset"] = options[0]
problems: list[str] = []  # typed numbers out of range: the run is refused until they are fixed


def number(label: str, key: str, bounds: tuple[float, float], **kwargs) -> float:
    """A number input without bounds of its own: a number out of range is refused here, visibly (the
    browser would otherwise keep it in the box while the page silently used the old value)."""
    value = st.number_input(label, key=key, **kwargs)
    problem = out_of_range(label, value, *bounds)
    if problem:
        st.error(problem)
        problems.append(problem)
    return value


with st.sidebar:
    choice = st.selectbox("Set-up", options, format_func=labels.get, key="seed.preset")
    data = features = None
    if choice == "custom":
        session.page_state(CUSTOM_DEFAULTS)
        base = sl.SETUPS["tanh"]
        hidden_text = st.text_input("Hidden layer sizes", key="seed.hidden", help="e.g. 4  or  2, 2")
        acts = list(ACTIVATIONS)
        hidden_act = st.selectbox("Hidden activation", acts, key="seed.act")
        out_act = st.selectbox("Output activation", acts, key="seed.out")
        bias = st.toggle("Biases", key="seed.bias")
        init = st.selectbox("Initialiser", list(INITIALISERS), key="seed.init")
        loss = st.selectbox("Loss", list(LOSSES), key="seed.loss")
        batch = st.selectbox("Batches", BATCHES, key="seed.batch")
        lr = number("Learning rate", "seed.lr", sl.LR_RANGE, step=0.1, format="%g")
        epochs = number("Epochs", "seed.epochs", sl.EPOCH_RANGE, step=500)
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
            epochs=int(np.clip(epochs, *sl.EPOCH_RANGE)),
            init=init,
            dataset=dataset,
        )
    elif choice == "playground":
        session.page_state(PLAYGROUND_DEFAULTS)
        try:
            config, X, y, box, features = sl.playground_setup(exp)
        except NNVizError as exc:
            st.error(f"Cannot read the playground's set-up: {escape(str(exc))}")
            st.stop()
        epochs = number("Epochs", "seed.pg_epochs", sl.EPOCH_RANGE, step=100)
        config = sl.with_changes(config, epochs=int(np.clip(epochs, *sl.EPOCH_RANGE)))
        data = (X, y, box)
    else:
        config = sl.SETUPS[choice]
    copies = int(st.slider("Copies", 10, sl.LAB_MAX_COPIES, step=10, key="seed.copies"))
    first = int(number("First seed", "seed.first", sl.SEED_RANGE, step=1))
    fast = st.toggle(
        "float32 (faster)",
        key="seed.f32",
        help="Gave every copy the same verdict as float64 in the benchmark (bench/seed_lab.py).",
    )
    dtype = "float32" if fast else "float64"
    n_samples = len(data[0] if data is not None else sl.training_set(config)[0])
    plan = sl.plan_run(config, copies, n_samples, dtype)
    refused = sl.refusal(config, n_samples, plan)
    st.caption(
        f"Estimated training time: about {budget.describe_seconds(plan.seconds)} of one core "
        f"(longer while the server is busy; a run may take {budget.describe_seconds(plan.budget)})."
    )
    run = st.button("Train all copies", type="primary", key="seed.run", disabled=bool(refused or problems))

reported = f" · reported: {config.reference}" if config.reference else ""
st.markdown(f"**{escape(config.label)}** — {escape(config.describe())}{escape(reported)}")
if config.note:
    st.caption(config.note)
if problems:
    st.error("A number on the left is out of its range: fix it to train.")
elif refused:
    st.error(refused)
    if plan.copies_that_fit and plan.copies_that_fit < copies:
        st.button(
            f"Use {plan.copies_that_fit} copies",
            key="seed.shrink",
            on_click=lambda fit=plan.copies_that_fit: st.session_state.update({"seed.copies": fit}),
        )

# What a run leaves while it is being interrupted goes into this dict: writing st.session_state is itself
# a point where Streamlit interrupts a run again.
job_notes = st.session_state.setdefault("seed.job", {})
if "result" in job_notes:  # a run that finished as it was interrupted
    st.session_state["seed.result"] = job_notes["result"]
    del job_notes["result"]
stopped = job_notes.pop("stopped", None)
if stopped is not None:
    st.info(
        f"The last run was stopped at {stopped[0]:.0%} after {budget.describe_seconds(stopped[1])}: Stop, a "
        "changed setting or leaving the page ends a run."
    )

if run and not (refused or problems):
    job = None
    try:
        job = jobs.Job(
            sl.train_job,
            (config, copies, first, dtype, data, features),
            cpu_seconds=2 * budget.BUDGET_SECONDS + 10,
        )
        job_notes["pid"] = job.pid
        slot = st.empty()
        with slot.container():
            bar = st.progress(0.0, text="starting…")
            st.button("Stop", key="seed.stop")  # a click reruns the page, which ends this run and the job
        # A Streamlit call every 0.2 s: there Streamlit interrupts this run when the session ends or a
        # button is pressed, and the finally below kills the child.
        while not job.poll(0.2):
            bar.progress(job.progress, text=budget.progress_text(job.progress, job.elapsed, plan.seconds))
    except jobs.TooManyJobsError as exc:
        st.error(f"Cannot start the run: {escape(str(exc))}")
        st.stop()
    finally:
        if job is not None:
            job.stop()
            if job.state == "stopped":
                job_notes["stopped"] = (job.progress, job.elapsed)
            elif job.state == "done":
                job_notes["result"] = job.result
    slot.empty()
    if job.state == "error":
        st.error(f"Cannot train this set-up: {escape(job.error)}")
        st.stop()
    st.session_state["seed.result"] = job_notes["result"]
    del job_notes["result"]

result = st.session_state.get("seed.result")
if result is None:
    st.info("Choose a set-up on the left and press **Train all copies**.")
    st.stop()
if (result.config, len(result.seeds), result.seeds[0], result.dtype) != (config, copies, first, dtype):
    st.caption("Showing the last run; the settings on the left have changed since.")

report = result.report
m1, m2, m3, m4 = st.columns(4)
m1.metric("Solve rate", f"{report.solve_rate:.1%}", help="every training sample on the right side of 0.5")
m2.metric("Copies", f"{len(result.seeds)}", help=f"seeds {result.seeds[0]}–{result.seeds[-1]}")
m3.metric("Training time", f"{result.seconds:.2f} s")
m4.metric("Reported", result.config.reference or "—")

pictures = st.session_state.get("seed.pictures")
if pictures is None or pictures[0] is not result:  # Matplotlib once per run, not on every rerun
    drawn = sl.curves_to_draw(report.solved, 300)
    totals = (int(report.solved.sum()), int((~report.solved).sum()))
    curves = loss_curves_figure(
        result.trainer.history_epochs, result.trainer.history[:, drawn], report.solved[drawn], totals=totals
    )
    pictures = (
        result,
        figure_data_uri(histogram_figure(report.final_loss, report.solved)),
        figure_data_uri(curves),
    )
    st.session_state["seed.pictures"] = pictures
left, right = st.columns([2, 3])
with left:
    st.markdown("##### Outcomes")
    st.dataframe(sl.summary_rows(result), hide_index=True)
    st.image(pictures[1])
with right:
    st.markdown("##### Loss of every copy")
    st.image(pictures[2])

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
        st.image(svg_data_uri(boundary_svg(grid, BoundaryView(result.box, lo, hi, train=train), size=220)))
        st.markdown(f"**seed {result.seeds[k]}** — {escape(report.verdict[k])}")
        st.caption(escape(report.details[k]))
