"""The activation lab (issue 12): zones have a width, float64 trouble is told apart from the function's own
behaviour, settings last the session, user text is shown literally, out-of-range numbers are refused
visibly, and an activation already drawn is not drawn again."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from nnviz.core import ACTIVATIONS
from nnviz.lessons import activation_lab as la

ROOT = Path(__file__).resolve().parents[1]
MISH = "x*tanh(log(1+exp(x)))"


def lab(act, lo=-6.0, hi=6.0):
    x, f, df, notes = la.probe(la.resolve(act) if isinstance(act, str) else act, lo, hi)
    return x, f, df, notes, la.regions(x, df)


# --- zero crossings are points, not zones --------------------------------------------------------------


@pytest.mark.parametrize(
    "name, lo, hi",
    [("sin", -6, 6), ("swish", -6, 6), ("gelu", -6, 6), (MISH, -6, 6), ("gaussian", -6, 6),
     ("sin", 1.5, 1.65), ("gaussian", -0.01, 0.01)],  # zoomed in: the band around the crossing is wide
)  # fmt: skip
def test_a_zero_crossing_of_the_slope_is_not_a_zone(name, lo, hi):
    x, f, df, _, found = lab(name, lo, hi)
    assert all(r.end > r.start for r in found), found  # a zone has a width
    crossing = la.crossings(x, df)
    assert crossing, "f' changes sign on [-6, 6]"
    for x0, _ in crossing:  # no zone around the point where f' passes through 0
        assert not any(r.start - 0.1 <= x0 <= r.end + 0.1 for r in found), (x0, found)
    assert "crossing" in " ".join(la.summary(x, f, df))


def test_a_zone_needs_a_width():
    *_, found = lab("x*abs(x)/2")  # f' = |x| touches 0 at x = 0 alone (no sign change): a point
    assert found == []
    *_, found = lab("x*abs(x)/2", -0.005, 0.005)  # zoomed in, |f'| < 0.01 all along: zones, wide ones
    assert {r.kind for r in found} == {"vanishing"} and all(r.end - r.start > 0.004 for r in found)


def test_real_zones_are_still_found():
    *_, found = lab("gaussian")
    assert [(r.kind, round(r.start), round(r.end)) for r in found] == [
        ("vanishing", -6, -3),
        ("vanishing", 3, 6),
    ]  # the tails saturate; x = 0, where f' crosses 0, is no dead zone
    *_, found = lab("relu")
    assert [(r.kind, r.start, r.end) for r in found] == [("dead", -6.0, 0.0)]
    *_, found = lab("swish", -20, 6)
    assert [(r.kind, round(r.start)) for r in found] == [("vanishing", -20)]  # its left tail, for real


# --- float64 overflow and underflow are told apart from the function ------------------------------------


def test_overflow_inside_a_formula_is_not_an_exploding_slope():
    x, f, df, notes, found = lab(MISH, -1000, 1000)
    assert not [r for r in found if r.kind == "exploding"]  # mish' → 1; float64 overflows beyond 710
    assert np.isfinite(df).all() and df[-1] == pytest.approx(1.0) and f[-1] == pytest.approx(1000.0)
    overflow = [n for n in notes if n.kind == "overflow"]
    assert len(overflow) == 1 and 705 < overflow[0].start < 715 and overflow[0].end == 1000
    assert "Overflow" in overflow[0].describe()


def test_an_underflowed_slope_is_saturation_not_a_dead_zone():
    for name in ("sigmoid", "tanh", "gelu", "elu"):
        x, f, df, notes, found = lab(name, -1000, 1000)
        assert "dead" not in [r.kind for r in found], (name, found)  # f' rounds to 0 but is not 0
        assert found[0].kind == "vanishing" and found[0].start == -1000
        assert any(n.kind == "underflow" and n.start == -1000 for n in notes), (name, notes)
    *_, notes, found = lab("relu", -1000, 1000)
    assert [r.kind for r in found] == ["dead"] and notes == []  # ReLU's zero is real


def test_real_growth_beyond_float64_is_exploding_and_said_so():
    x, f, df, notes, found = lab("exp(x)", -1000, 1000)
    assert found[-1].kind == "exploding" and found[-1].end == 1000
    assert any(n.kind == "beyond" for n in notes) and np.isinf(df[-1])


def test_f_prime_at_zero_is_never_minus_zero():
    x, f, df, *_ = lab("gaussian")
    assert la.summary(x, f, df)["f′(0)"] == "0"
    assert la.num(-0.0) == "0"


def test_long_equations_are_split_to_fit():
    f_tex, df_tex = la.latex_pair(la.resolve(MISH))
    assert r"\begin{aligned}" in df_tex and df_tex.count(r"\\") == 1  # two lines: the sum's two terms
    assert "aligned" not in la.latex_pair(ACTIVATIONS["sigmoid"])[1]  # short ones stay on one line


# --- the page ----------------------------------------------------------------------------------------


def page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "activation_lab.py"), default_timeout=60).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def errors(at) -> list[str]:
    return [e.value for e in at.error]


def test_settings_last_when_the_learner_visits_another_page():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page("pages/activation_lab.py").run()
    at.multiselect(key="act.builtins").set_value(["gelu"]).run()
    at.text_area(key="act.formulas").input(MISH).run()
    at.number_input(key="act.lo").set_value(-20.0).run()
    at.number_input(key="act.vanish").set_value(0.001).run()
    at.switch_page("pages/playground.py").run()
    at.switch_page("pages/activation_lab.py").run()
    assert not at.exception
    assert at.multiselect(key="act.builtins").value == ["gelu"]
    assert at.text_area(key="act.formulas").value == MISH
    assert at.number_input(key="act.lo").value == -20.0 and at.number_input(key="act.vanish").value == 0.001


def test_user_text_is_shown_literally_and_short_with_the_reason_first():
    at = page()
    at.multiselect(key="act.builtins").set_value([]).run()
    at.text_area(key="act.formulas").input("__import__('os')\n" + "x+" * 2500 + "x").run()
    first, second = errors(at)
    assert first.startswith("Formula refused: ") and r"\_\_import\_\_" in first  # escaped: not bold
    assert first.endswith("`__import__('os')`")  # the text as typed, in code formatting, last
    assert "too long" in second and len(second) < 300 and second.index("too long") < second.index("`")


def test_a_threshold_typed_out_of_range_is_refused_visibly():
    at = page()
    for value, side in ((0.0, "below"), (-1.0, "below"), (1e20, "above")):
        key = "act.vanish" if side == "below" else "act.explode"
        at.number_input(key=key).set_value(value).run()
        assert not at.exception
        assert at.number_input(key=key).value == value  # what was typed is what the page reports on
        assert any(side in e and "allowed" in e for e in errors(at)), errors(at)
        assert not at.latex  # nothing is drawn from a refused value
    at.number_input(key="act.explode").set_value(10.0).run()
    at.number_input(key="act.vanish").set_value(0.01).run()
    assert not errors(at) and len(at.latex) == 8


def test_the_help_offers_only_what_the_parser_accepts():
    help_text = page().text_area(key="act.formulas").help
    assert "**" in help_text and "+ - * / ^" not in help_text
    assert "^ is not a power" in help_text
    la.resolve("x**2 - 1")  # the help's power works


def test_an_activation_already_drawn_is_not_drawn_again(monkeypatch):
    calls = []
    real = la.study
    monkeypatch.setattr(la, "study", lambda *a: calls.append(a[0]) or real(*a))
    st.cache_data.clear()
    at = page()
    assert sorted(calls) == sorted(["sigmoid", "tanh", "relu", "x / (1 + abs(x))"])
    calls.clear()
    at.multiselect(key="act.builtins").set_value(["sigmoid", "tanh", "relu", "gelu"]).run()
    assert calls == ["gelu"]  # the other three come from the cache: one new figure, not five
    assert len(at.latex) == 10 and not at.exception
