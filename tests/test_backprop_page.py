"""Backprop step by step (issue 12): the playground's loss and learning rate, combinations that cannot
work refused, divergence warned about with a way back, the walk kept across pages, typed numbers and text
shown as typed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from nnviz.core import Network, SpecError
from nnviz.lessons import backprop_step_by_step as bp

ROOT = Path(__file__).resolve().parents[1]
PAGE = "pages/backprop_step_by_step.py"


def page() -> AppTest:
    at = AppTest.from_file(str(ROOT / PAGE), default_timeout=60).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def app_on_the_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def errors(at) -> list[str]:
    return [e.value for e in at.error]


def title(at) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("#### "))


def test_the_playgrounds_network_walks_with_the_playgrounds_loss_and_learning_rate():
    at = app_on_the_page()
    settings = at.session_state["playground"].experiment.settings
    assert (settings.loss, settings.lr) == ("bce", 0.03)  # the playground's defaults
    at.radio(key="bp.source").set_value("The playground's network").run()
    assert not at.exception and not errors(at)
    titles = [title(at)]
    while not at.button(key="bp.next").disabled:
        at.button(key="bp.next").click().run()
        titles.append(title(at))
    assert "#### Loss (bce)" in titles and titles[-1] == "#### Layer 3: update (η = 0.03)"
    shown = " ".join(m.value for m in at.sidebar.markdown)
    assert "bce" in shown and "0.03" in shown and "the playground's" in shown  # said plainly
    # The update is the engine's with η = 0.03.
    before = at.session_state["bp.state"]["nn"]
    at.button(key="bp.sample").click().run()
    pg = at.session_state["playground"].experiment
    walk = bp.walkthrough(before, pg.X_train[1], pg.dataset.y_train[1], "bce", 0.03)
    for mine, expected in zip(at.session_state["bp.state"]["nn"].parameters(), walk.updated.parameters()):
        np.testing.assert_array_equal(mine, expected)


@pytest.mark.parametrize("output", ["tanh", "relu", "linear", "gaussian"])
def test_cross_entropy_without_a_sigmoid_output_is_refused(output):
    at = page()
    at.selectbox(key="bp.loss").set_value("bce").run()
    at.selectbox(key="bp.out").set_value(output).run()
    assert not at.exception
    assert "cannot work" in errors(at)[0] and "sigmoid" in errors(at)[0]
    assert not any("NaN" in x.value or "infty" in x.value for x in at.latex)
    with pytest.raises(SpecError, match="sigmoid"):
        bp.walkthrough(bp.small_network(0, 2, "tanh", output), [0, 1], [1], loss="bce")


def test_an_overshooting_learning_rate_is_warned_about_and_the_walk_can_start_again():
    at = page()
    at.selectbox(key="bp.act").set_value("relu").run()
    at.selectbox(key="bp.out").set_value("linear").run()
    at.number_input(key="bp.lr").set_value(10.0).run()
    at.button(key="bp.sample").click().run()
    assert "Diverging" in at.warning[0].value and "larger" in at.warning[0].value
    at.button(key="bp.sample").click().run()
    assert at.session_state["bp.state"]["updates"] == 2
    at.button(key="bp.reset").click().run()
    state = at.session_state["bp.state"]
    assert state["updates"] == 0 and state["step"] == 0
    first = bp.small_network(0, 2, "relu", "linear")
    assert all(np.array_equal(p, q) for p, q in zip(state["nn"].parameters(), first.parameters()))


def test_numbers_that_are_not_finite_stop_the_walk_with_the_reason():
    at = page()
    at.selectbox(key="bp.act").set_value("linear").run()
    at.selectbox(key="bp.out").set_value("linear").run()
    at.text_input(key="bp.custom").input("1e300, 1e300 -> 0").run()
    assert not at.exception
    assert "cannot go on" in errors(at)[0] and "Start the walk again" in errors(at)[0]
    assert at.button(key="bp.sample").disabled  # no update made of infinities
    big = bp.walkthrough(Network.from_sizes([1, 1], "linear", "linear", seed=0), [1e300], [0.0], lr=1.0)
    assert big.trouble()[0] == "error"


def test_the_walk_and_the_settings_last_when_the_learner_visits_another_page():
    at = app_on_the_page()
    at.slider(key="bp.hidden").set_value(3).run()
    at.number_input(key="bp.lr").set_value(0.25).run()
    for _ in range(3):
        at.button(key="bp.next").click().run()
    at.button(key="bp.sample").click().run()
    at.button(key="bp.next").click().run()
    before = dict(at.session_state["bp.state"])
    at.switch_page("pages/activation_lab.py").run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert at.slider(key="bp.hidden").value == 3 and at.number_input(key="bp.lr").value == 0.25
    state = at.session_state["bp.state"]
    assert (state["step"], state["updates"], state["sample"]) == (1, 1, 2)
    assert state["nn"] is before["nn"]


@pytest.mark.parametrize(
    "key, value, side", [("bp.lr", 0.0, "below"), ("bp.lr", 100.0, "above"), ("bp.lr", -1.0, "below"),
                         ("bp.seed", -1, "below")]
)  # fmt: skip
def test_a_number_typed_out_of_range_is_refused_visibly(key, value, side):
    at = page()
    at.number_input(key=key).set_value(value).run()
    assert not at.exception
    assert at.number_input(key=key).value == value  # kept as typed, and the page says why it is not used
    assert side in errors(at)[0] and "allowed" in errors(at)[0]
    assert not at.latex


def test_a_bad_sample_is_quoted_literally():
    at = page()
    at.text_input(key="bp.custom").input("__a__, 1 -> 1").run()
    assert not at.exception
    assert r"\_\_a\_\_" in errors(at)[0] and "not a number" in errors(at)[0]


def test_wide_equations_are_broken_into_lines():
    nn = Network.from_sizes([2, 4, 4, 1], "tanh", "sigmoid", seed=1)
    walk = bp.walkthrough(nn, [0.25, -1.0], [1.0], "mse", 0.5)
    updates = [s for s in walk.steps if s.phase == "update"]
    assert r"\begin{aligned}" in updates[1].numbers  # 4x4 weights: old - η·grad = new, over lines
    assert updates[0].numbers.count(r"\begin{bmatrix}") == 6  # W and b: old, gradient, new each
    assert bp.lines(("a", 20.0), ("b", 10.0)) == r"\begin{aligned} & a \\ & \quad b \end{aligned}"
    assert bp.lines(("a", 10.0), ("b", 10.0)) == "a b"
