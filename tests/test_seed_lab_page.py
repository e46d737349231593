"""The seed-robustness lab page (issue 12): settings kept for the session, typed numbers out of range refused
visibly, user text shown literally, the estimate instead of a fixed claim, and pictures that agree with the
outcome table and can be read."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from figure_checks import overlapping_tick_labels
from streamlit.testing.v1 import AppTest

import nnviz.drawing.figures as figures
from nnviz.lessons import seed_lab_budget as budget
from nnviz.lessons import seed_robustness_lab as sl

ROOT = Path(__file__).resolve().parents[1]


def page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "seed_robustness_lab.py"), default_timeout=120).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def captions(at: AppTest) -> str:
    return " | ".join(c.value for c in at.caption)


def test_settings_and_result_last_while_the_learner_visits_other_pages():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page("pages/seed_robustness_lab.py").run()
    at.selectbox(key="seed.preset").set_value("custom").run()
    at.text_input(key="seed.hidden").input("3").run()
    at.number_input(key="seed.lr").set_value(0.7).run()
    at.number_input(key="seed.epochs").set_value(300).run()
    at.slider(key="seed.copies").set_value(30).run()
    at.toggle(key="seed.f32").set_value(False).run()
    at.button(key="seed.run").click().run()
    assert not at.exception and not errors(at)
    at.switch_page("pages/why_xor_needs_a_hidden_layer.py").run()
    at.switch_page("pages/seed_robustness_lab.py").run()
    assert not at.exception
    assert at.selectbox(key="seed.preset").value == "custom"
    assert at.text_input(key="seed.hidden").value == "3"
    assert at.number_input(key="seed.lr").value == 0.7
    assert at.number_input(key="seed.epochs").value == 300
    assert at.slider(key="seed.copies").value == 30
    assert at.toggle(key="seed.f32").value is False
    assert "settings on the left have changed" not in captions(at)
    assert at.metric[1].value == "30"


@pytest.mark.parametrize(
    "key, typed, words",
    [
        ("seed.lr", 0.0, "Learning rate: 0 is below"),
        ("seed.lr", 100.0, "Learning rate: 100 is above"),
        ("seed.lr", -1.0, "Learning rate: -1 is below"),
        ("seed.epochs", 0, "Epochs: 0 is below"),
        ("seed.first", -1, "First seed: -1 is below"),
    ],
)
def test_numbers_typed_outside_their_range_are_refused_visibly(key, typed, words):
    at = page()
    if key != "seed.first":
        at.selectbox(key="seed.preset").set_value("custom").run()
    at.number_input(key=key).set_value(typed).run()
    assert not at.exception
    assert any(words in e for e in errors(at)), errors(at)
    assert at.button(key="seed.run").disabled  # the old value is not used silently


def test_typed_hidden_sizes_are_shown_literally():
    at = page()
    at.selectbox(key="seed.preset").set_value("custom").run()
    at.text_input(key="seed.hidden").input("[x](http://a)").run()
    assert not at.exception
    shown = errors(at)[0]
    assert shown.startswith("Hidden layer sizes: each size must be a whole number")  # the reason first
    assert "`[x](http://a)`" in shown  # in code formatting: no link


def test_the_page_shows_the_estimate_of_the_run_not_a_fixed_claim():
    at = page()
    at.selectbox(key="seed.preset").set_value("000").run()  # per-sample SGD: the old caption's set-up
    at.slider(key="seed.copies").set_value(1000).run()
    config = sl.SETUPS["000"]
    plan = sl.plan_run(config, 1000, len(sl.training_set(config)[0]), "float32")
    estimate = budget.describe_seconds(plan.seconds)
    assert f"Estimated training time: about {estimate} of one core" in captions(at)
    assert "15–20 s" not in captions(at)


def test_a_run_trains_in_a_child_process_and_its_result_comes_back():
    at = page()
    at.selectbox(key="seed.preset").set_value("002").run()
    at.slider(key="seed.copies").set_value(20).run()
    at.button(key="seed.run").click().run()
    assert not at.exception and not errors(at)
    assert at.session_state["seed.job"]["pid"] != os.getpid()
    result = at.session_state["seed.result"]
    assert len(result.seeds) == 20 and result.ensemble.sizes == [2, 4, 1]
    # the trained weights came back: the copies' outputs are those of the lab run in this process
    here = sl.run_lab(sl.SETUPS["002"], 20, dtype=np.float32)
    np.testing.assert_allclose(result.ensemble.predict(here.trainer.X), here.ensemble.predict(here.trainer.X))


def test_the_loss_legend_counts_every_copy_as_the_table_does(monkeypatch):
    legends = []

    def spy(*args, **kwargs):
        fig = loss_curves(*args, **kwargs)
        ax = fig.axes[0]
        legends.append(([t.get_text() for t in ax.get_legend().get_texts()], ax.get_title()))
        return fig

    loss_curves = figures.loss_curves_figure
    monkeypatch.setattr(figures, "loss_curves_figure", spy)
    at = page()
    at.selectbox(key="seed.preset").set_value("002").run()
    at.slider(key="seed.copies").set_value(400).run()
    at.button(key="seed.run").click().run()
    assert not at.exception and not errors(at)
    table = at.dataframe[0].value
    solved = int(table.loc[table["outcome"] == "solved", "copies"].sum())
    failed = int(table.loc[table["outcome"] != "solved", "copies"].sum())
    assert 0 < failed and solved + failed == 400
    texts, title = legends[-1]
    assert texts == [f"solved ({solved})", f"failed ({failed})"]
    assert "showing 300 of 400 copies" in title


def test_drawn_curves_keep_the_failed_copies():
    solved = np.ones(1000, dtype=bool)
    solved[[3, 500, 997]] = False
    drawn = sl.curves_to_draw(solved, 300)
    assert len(drawn) == 300 and {3, 500, 997} <= set(drawn.tolist())


@pytest.mark.parametrize(
    "losses",
    [
        np.geomspace(1.2e-3, 2.9e-3, 200),  # less than a decade: minor ticks were labelled and overlapped
        np.geomspace(1e-3, 5e-2, 200),
        np.concatenate([np.geomspace(1e-30, 1e-1, 990), np.full(10, 0.25)]),  # thirty decades
        np.full(50, 0.125),  # one value
    ],
)
def test_the_histograms_tick_labels_do_not_overlap(losses):
    solved = losses < 0.2
    fig = figures.histogram_figure(losses, solved)
    assert overlapping_tick_labels(fig) == []
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert f"solved ({int(solved.sum())})" in legend  # the histogram counts all copies too
