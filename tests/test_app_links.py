"""Links and the run ledger through the playground page (Streamlit's AppTest): a shared link opens the same
run bit for bit, a hostile one changes nothing and says why, a lesson's link hides its controls, and the
Compare runs panel overlays earlier runs, starts again from the same weights and downloads the CSV."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from nnviz.playground import view
from nnviz.playground.experiment import Experiment
from nnviz.playground.links import PARAM, link_payload
from nnviz.playground.presets import PRESETS
from nnviz.playground.settings import CUSTOM, LayerSettings, Settings, widget_key
from nnviz.user_text import escape

APP = str(Path(__file__).resolve().parents[1] / "app.py")
#: A set-up a teacher might share: a formula, shuffled mini-batches, Adam, a weight seed of its own.
SHARED = replace(
    PRESETS[next(iter(PRESETS))].settings,
    dataset="circle",
    hidden=(LayerSettings(4, True, CUSTOM, "x/(1+abs(x))"), LayerSettings(3, False, "tanh")),
    optimizer="adam",
    lr=0.01,
    batch_size=16,
    shuffle=True,
    weight_seed=5,
    data_seed=9,
)


def opened(query: dict[str, str] | None = None) -> AppTest:
    """The playground as a browser opening its address with ``query``."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(query or {})
    at.run()
    assert not at.exception, at.exception
    return at


def pg(at: AppTest) -> Experiment:
    return at.session_state["playground"].experiment


def weights(exp: Experiment) -> list[np.ndarray]:
    return [p.copy() for p in exp.nn.parameters()]


def same(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))


def shared_link(at: AppTest) -> str:
    """The link the Share expander shows (what Copy link copies)."""
    (url,) = [c.value for c in at.code if f"?{PARAM}=" in c.value]
    return url


def payload(url: str) -> str:
    (value,) = parse_qs(urlsplit(url).query)[PARAM]
    return value


def live_data(at: AppTest) -> dict:
    (component,) = [c for c in at.get("bidi_component") if c.proto.component_name.endswith("nnviz_live")]
    return json.loads(component.proto.json)


def errors(at: AppTest) -> str:
    return " ".join(e.value for e in at.error)


def test_a_link_made_in_the_app_opens_the_same_run_bit_for_bit_after_100_epochs():
    teacher = opened({PARAM: link_payload(SHARED)})  # the teacher's set-up (itself opened from a link)
    assert pg(teacher).settings == SHARED
    start = weights(pg(teacher))
    url = shared_link(teacher)
    teacher.button(key="step").click().run()
    pg(teacher).train(epochs=99)

    learner = opened({PARAM: payload(url)})
    exp = pg(learner)
    assert exp.settings == SHARED and same(start, weights(exp))
    assert learner.number_input(key=widget_key("lr")).value == SHARED.lr  # the sidebar shows it too
    learner.button(key="step").click().run()
    exp.train(epochs=99)
    assert exp.epoch == pg(teacher).epoch == 100
    assert same(weights(pg(teacher)), weights(exp))
    assert exp.train_log.arrays()[1].tolist() == pg(teacher).train_log.arrays()[1].tolist()


def test_the_link_shown_follows_the_settings_and_is_short():
    at = opened()
    first = shared_link(at)
    at.number_input(key=widget_key("lr")).set_value(0.1).run()
    assert shared_link(at) != first and len(shared_link(at)) <= 2048
    (button,) = [c for c in at.get("bidi_component") if c.proto.component_name.endswith("nnviz_copy_link")]
    assert json.loads(button.proto.json)["text"] == shared_link(at)  # Copy link copies the link shown


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "x= value is empty"),
        ("%%%not-a-link", "characters that a link never has"),
        ("A" * 9000, "too long"),
        ("eJyrVkrOz0nJTVSyUqgFAB3xBIE", "cannot be unpacked"),
    ],
)
def test_a_hostile_link_changes_nothing_and_says_why_in_one_message(value, message):
    at = opened({PARAM: value})
    assert not at.exception
    assert pg(at).settings == Settings() and pg(at).epoch == 0
    text = errors(at)
    assert text.startswith("This link was not applied (nothing changed): ") and message in text
    assert len(at.error) == 1


def test_a_link_with_a_hostile_formula_is_refused_through_the_formula_checker():
    bad = replace(Settings(), hidden=(LayerSettings(2, True, CUSTOM, "__import__('os').system('ls')"),))
    at = opened({PARAM: link_payload(bad)})
    assert pg(at).settings == Settings()
    assert "This link was not applied" in errors(at) and "__import__" in errors(at)


def test_a_lessons_link_hides_its_controls_and_they_cannot_change_the_run():
    at = opened({PARAM: link_payload(SHARED, ["data", "lr", "layers"])})
    keys = {w.key for w in at.sidebar if getattr(w, "key", None)}
    assert widget_key("dataset") not in keys and widget_key("lr") not in keys and "preset" not in keys
    assert widget_key("optimizer") in keys  # what was not hidden stays
    assert "upload" not in {w.key for w in at.get("file_uploader")}
    # A widget value left in the session (a stale or forged one) does not reach the run.
    at.session_state[widget_key("lr")] = 0.9
    at.run()
    assert pg(at).settings.lr == SHARED.lr
    at.selectbox(key=widget_key("optimizer")).set_value("sgd").run()
    assert pg(at).settings.optimizer == "sgd" and pg(at).settings.lr == SHARED.lr
    assert "hides some controls" in " ".join(c.value for c in at.sidebar.caption)


def test_a_teacher_picks_what_to_hide_and_the_link_carries_it():
    at = opened()
    at.multiselect(key="share.hide").set_value(["training", "edit"]).run()
    learner = opened({PARAM: payload(shared_link(at))})
    keys = {w.key for w in learner.sidebar if getattr(w, "key", None)}
    assert widget_key("optimizer") not in keys and widget_key("dataset") in keys
    assert "edit.open" not in {e.key for e in learner.expander if getattr(e, "key", None)}
    assert learner.multiselect(key="share.hide").value == ["edit", "training"]  # passed on as chosen


# --- comparing runs ----------------------------------------------------------------------------------


def compare(at: AppTest) -> AppTest:
    """Open the Compare runs panel (its table, form and pictures are made only while it is open)."""
    at.session_state["runs.open"] = True
    return at.run()


def trained_runs(at: AppTest) -> AppTest:
    """Two ended runs (lr 0.03 then lr 0.3, each 2 epochs) and a current one at lr 0.1; the panel open."""
    for lr in (0.03, 0.3):
        at.number_input(key=widget_key("lr")).set_value(lr).run()
        at.button(key="step").click().run()
        at.button(key="step").click().run()
        at.button(key="reset").click().run()
    at.number_input(key=widget_key("lr")).set_value(0.1).run()
    return compare(at)


def test_chosen_runs_are_drawn_over_the_loss_chart_labelled_by_what_differed():
    at = trained_runs(opened())
    assert [r.number for r in pg(at).ledger.records] == [1, 2]
    assert live_data(at)["overlays"] == []
    at.multiselect(key="runs.overlay").set_value([1, 2]).run()
    overlays = live_data(at)["overlays"]
    assert [o["label"] for o in overlays] == ["#1 · learning rate 0.03", "#2 · learning rate 0.3"]
    assert [len(o["train"]) for o in overlays] == [3, 3]  # epochs 0, 1 and 2
    assert "overlays" not in live_data(at)["frame"]  # page data, not in every frame
    at.session_state["runs.open"] = False
    at.run()  # the panel closed: the choice stays, the table, form and pictures are not made
    assert [o["label"] for o in live_data(at)["overlays"]] == [o["label"] for o in overlays]
    assert not at.dataframe and "same.start" not in {b.key for b in at.button}


def test_same_start_trains_again_from_the_same_weights_with_other_training_settings():
    at = compare(opened())
    start = weights(pg(at))
    at.button(key="step").click().run()
    at.selectbox(key="same.optimizer").set_value("adam").run()
    at.number_input(key="same.lr").set_value(0.01).run()
    at.button(key="same.start").click().run()
    exp = pg(at)
    assert not at.exception and exp.epoch == 0 and same(start, weights(exp))
    assert (exp.settings.optimizer, exp.settings.lr, exp.start.same_as) == ("adam", 0.01, 1)
    assert at.selectbox(key=widget_key("optimizer")).value == "adam"  # the sidebar follows
    assert "same weights and data as run #1" in " ".join(i.value for i in at.info)


def test_two_runs_boundaries_side_by_side_and_the_csv():
    at = trained_runs(opened())
    at.toggle(key="runs.compare").set_value(True).run()
    assert not at.exception
    sides = [at.selectbox(key=f"runs.side.{side}").value for side in (0, 1)]
    assert sides == [3, 2]  # this run, and the newest earlier one
    pictures = [str(img.proto) for img in at.get("image")]
    assert len(pictures) == 2 and all("data:image/svg+xml" in p for p in pictures)
    assert pictures[0] != pictures[1]  # the initial weights, and after 2 epochs at lr 0.3
    at.selectbox(key="runs.side.1").set_value(1).run()
    shown = [escape("#3 · this run"), escape("#1 · learning rate 0.03")]  # the captions over the pictures
    assert [c.value for c in at.caption if c.value in shown] == shown
    (download,) = [d for d in at.get("download_button") if d.key == "runs.csv"]
    assert download.proto.label == "Download the runs (.csv)"
    rows = list(csv.DictReader(io.StringIO(view.runs_csv(at.session_state["playground"]))))
    assert [row["run"] for row in rows] == ["1", "2", "3"] and rows[2]["current"] == "yes"
    assert [row["lr"] for row in rows] == ["0.03", "0.3", "0.1"] and rows[0]["epochs"] == "2"
