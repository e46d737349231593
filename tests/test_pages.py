"""The learning pages driven through Streamlit's AppTest: each page's main path and its bad-input path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from reference_backprop import reference_backprop
from streamlit.testing.v1 import AppTest

from nnviz.core import Network

ROOT = Path(__file__).resolve().parents[1]
#: The learning pages by number, in the navigation's order.
PAGES = {
    "1": "activation_lab",
    "2": "backprop_step_by_step",
    "3": "model_inspector",
    "4": "seed_robustness_lab",
    "5": "why_xor_needs_a_hidden_layer",
}


def app() -> AppTest:
    """The whole app (its entry script), opened on the playground."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def page(number: str) -> AppTest:
    """A learning page opened first in its session (the playground not opened)."""
    at = AppTest.from_file(str(ROOT / "pages" / f"{PAGES[number]}.py"), default_timeout=60).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def model_bytes() -> bytes:
    nn = Network.from_sizes([2, 3, 1], "tanh", "sigmoid", seed=4)
    nn.metadata = {"dataset": "xor", "epoch": 3, "loss_history": [0.7, 0.6, 0.5]}
    return nn.to_bytes()


# --- 1. activation lab -----------------------------------------------------------------------------


def test_activation_lab_plots_builtins_and_formulas():
    at = page("1")
    assert not errors(at)
    assert len(at.latex) == 8  # f and f' of sigmoid, tanh, relu and the default formula
    assert any("Dead zone" in m.value for m in at.markdown)  # ReLU's x < 0
    assert any("Saturation" in m.value for m in at.markdown)  # sigmoid's tails


def test_activation_lab_reports_bad_formulas_and_ranges():
    at = page("1")
    at.text_area(key="act.formulas").input("x^2\nexp(\nfoo(x)\nsoftsign").run()
    assert not at.exception
    found = [e.replace("\\", "") for e in errors(at)]  # the messages' Markdown characters are escaped
    assert len(found) == 4
    assert "'^' is not a power" in found[0] and "never closed" in found[1] and "unknown function" in found[2]
    at.number_input(key="act.lo").set_value(5.0).run()
    at.number_input(key="act.hi").set_value(1.0).run()
    assert not at.exception
    assert any(e.startswith("Range:") for e in errors(at))


def test_activation_lab_sends_a_formula_to_the_playground():
    at = app()
    at.switch_page("pages/activation_lab.py").run()
    assert not at.exception
    at.multiselect(key="act.builtins").set_value([]).run()
    at.text_area(key="act.formulas").input("x/(1+abs(x))").run()
    at.button(key="act.send.0").click().run()
    assert not at.exception
    hidden = at.session_state["playground"].experiment.settings.hidden
    assert hidden and all(h.activation == "custom" and h.formula == "x/(1+abs(x))" for h in hidden)


# --- 2. backprop step by step ------------------------------------------------------------------------


def test_backprop_walks_the_steps_and_applies_the_engines_update():
    at = page("2")
    first = at.markdown
    titles = []
    for step in range(11):
        titles.append(next(m.value for m in at.markdown if m.value.startswith("#### ")))
        if step < 10:
            at.button(key="bp.next").click().run()
    assert titles[0] == "#### Layer 1: weighted sums" and titles[4] == "#### Loss (mse)"
    assert titles[-1].startswith("#### Layer 2: update")
    assert at.button(key="bp.next").disabled and first
    at.button(key="bp.sample").click().run()
    state = at.session_state["bp.state"]
    assert state["updates"] == 1 and state["step"] == 0
    # The page's default network, updated on XOR's second sample (0, 1) -> 1 with mse at lr 0.5, as a
    # second implementation of backpropagation computes it.
    nn = Network.from_sizes([2, 2, 1], hidden="tanh", output="sigmoid", init="xavier", seed=0)
    _, _, _, _, grads = reference_backprop(nn, [0.0, 1.0], np.array([1.0]), "mse")
    for mine, old, g in zip(state["nn"].parameters(), nn.parameters(), grads):
        np.testing.assert_allclose(mine, old - 0.5 * g, rtol=1e-12, atol=1e-14)


def test_backprop_rejects_a_bad_sample_and_falls_back_without_a_playground():
    at = page("2")
    at.text_input(key="bp.custom").input("1, two -> 1").run()
    assert not at.exception and "not a number" in errors(at)[0]
    at.text_input(key="bp.custom").input("1, 2, 3 -> 1").run()
    assert "takes 2 inputs" in errors(at)[0]
    at.text_input(key="bp.custom").input("0.5, -1 -> 1").run()
    assert not errors(at)
    at.radio(key="bp.source").set_value("The playground's network").run()
    assert not at.exception and "Using the small example" in at.warning[0].value


# --- 3. model inspector -------------------------------------------------------------------------------


def test_inspector_shows_an_uploaded_model():
    at = page("3")
    at.file_uploader(key="insp.file").set_value(("xor.nn", model_bytes(), "application/octet-stream")).run()
    assert not at.exception and not errors(at)
    assert "2 inputs → 3 tanh → 1 sigmoid · 13 parameters" in " ".join(m.value for m in at.markdown)
    assert len(at.latex) == 2
    assert len(at.image) == 4  # loss history, two weight heatmaps, decision boundary
    outputs = at.dataframe[-1].value
    assert list(outputs.columns) == ["x1", "x2", "output 1"] and len(outputs) == 4


def test_inspector_reports_corrupt_files_and_bad_inputs():
    at = page("3")
    at.file_uploader(key="insp.file").set_value(("junk.nn", b"this is not a model", "text/plain")).run()
    assert not at.exception and "cannot be read" in errors(at)[0]
    damaged = bytearray(model_bytes())
    damaged[-20] ^= 0xFF
    at.file_uploader(key="insp.file").set_value(
        ("damaged.nn", bytes(damaged), "application/octet-stream")
    ).run()
    assert not at.exception and "cannot be read" in errors(at)[0]
    at.file_uploader(key="insp.file").set_value(("xor.nn", model_bytes(), "application/octet-stream")).run()
    at.session_state["insp.inputs"] = {"edited_rows": {1: {"x2": None}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception and any("row 2, column x2" in e for e in errors(at))
    at.radio(key="insp.source").set_value("The playground's network").run()
    assert not at.exception and "has not been opened" in at.warning[0].value


# --- 4. seed-robustness lab -------------------------------------------------------------------------


def test_seed_lab_trains_copies_and_explains_failures():
    at = page("4")
    at.selectbox(key="seed.preset").set_value("002").run()
    at.slider(key="seed.copies").set_value(30).run()
    at.button(key="seed.run").click().run()
    assert not at.exception and not errors(at)
    result = at.session_state["seed.result"]
    assert len(result.seeds) == 30 and 0 < result.report.solve_rate < 1
    assert at.metric[0].value == f"{result.report.solve_rate:.1%}"
    failures = int((~result.report.solved).sum())
    assert len(at.image) == 2 + min(12, failures)  # two Matplotlib figures, then the gallery
    assert any("dead" in c.value for c in at.caption)  # ReLU copies die: the failure is named


def test_seed_lab_rejects_bad_custom_setups():
    at = page("4")
    at.selectbox(key="seed.preset").set_value("custom").run()
    at.text_input(key="seed.hidden").input("2, x").run()
    assert not at.exception and "Hidden layer sizes" in errors(at)[0]
    at.text_input(key="seed.hidden").input("4").run()
    at.selectbox(key="seed.data").set_value("xor").run()
    at.selectbox(key="seed.batch").set_value("per sample").run()
    at.number_input(key="seed.epochs").set_value(20000).run()
    # Refused before it starts: the reason is shown and the button cannot start the run.
    assert not at.exception and "sequential steps" in errors(at)[0]
    assert at.button(key="seed.run").disabled


# --- 5. why XOR needs a hidden layer ----------------------------------------------------------------


def test_xor_page_line_then_hidden_layer():
    at = page("5")
    assert at.metric[0].value == "3 of 4" and "No line" in at.warning[0].value
    at.button(key="xor.train").click().run()
    assert not at.exception
    assert "XOR solved" in at.success[0].value
    at.radio(key="xor.gate").set_value("AND").run()
    at.text_input(key="xor.typed").input("1, 1, -1.5").run()
    assert at.metric[0].value == "4 of 4" and "you found one" in at.success[0].value


def test_xor_page_rejects_bad_typed_weights():
    at = page("5")
    for typed in ("1, two, 3", "1, 2", "1, 2, inf"):
        at.text_input(key="xor.typed").input(typed).run()
        assert not at.exception and "is not three numbers" in errors(at)[0]


def test_pages_use_the_playgrounds_network_when_it_is_open():
    at = app()
    pg = at.session_state["playground"].experiment
    at.switch_page("pages/model_inspector.py").run()
    at.radio(key="insp.source").set_value("The playground's network").run()
    assert not at.exception and not errors(at)
    assert f"{pg.nn.inputs} inputs → " in " ".join(m.value for m in at.markdown)
    at.switch_page("pages/backprop_step_by_step.py").run()
    at.radio(key="bp.source").set_value("The playground's network").run()
    assert not at.exception and not errors(at) and not at.warning
    state = at.session_state["bp.state"]
    assert state["config"][0] == "playground" and state["nn"].sizes == pg.nn.sizes
    at.switch_page("pages/seed_robustness_lab.py").run()
    at.selectbox(key="seed.preset").set_value("playground").run()
    at.number_input(key="seed.pg_epochs").set_value(20).run()
    at.slider(key="seed.copies").set_value(10).run()
    at.button(key="seed.run").click().run()
    assert not at.exception and not errors(at)
    result = at.session_state["seed.result"]
    assert result.ensemble.sizes == pg.nn.sizes and result.trainer.epochs_done == 20
