"""What a learner is told when a typed formula is refused after it parsed: the culprit inside it, values that
are not finite real numbers, and expressions that cannot be written back as text."""

from __future__ import annotations

import pytest
import sympy as sp

import nnviz.core.formula as formula
from nnviz.core import FormulaError, parse_activation
from nnviz.core.activations import X
from nnviz.core.formula import TIME_LIMIT, formula_text, parse_activations, parse_expression


@pytest.mark.parametrize(
    "text, start, culprit, column",
    [
        ("x + log(x)", "f(x) is not finite everywhere on [-10, 10] (for example at x = -10): x + log(x)",
         "log(x)", 5),
        ("x + 1/(x-1)", "f(x) is not finite everywhere on [-10, 10] (for example at x = 1): ", "1/(x-1)", 6),
        ("x + exp(exp(x))", "f(x) is not finite everywhere on [-10, 10] (for example at x = 6.57): ",
         "exp(exp(x))", 5),
        ("sqrt(abs(x)) + x", "f'(x) is not finite everywhere on [-10, 10] (for example at x = 0): ",
         "sqrt(abs(x))", 1),
        ("abs(x)**0.5", "f'(x) is not finite everywhere on [-10, 10] (for example at x = 0): ",
         "abs(x)**0.5", 7),
        # inside where(...): its values are parts like any other
        ("where(x > 0, 1/(x-1), x)", "f(x) is not finite everywhere on [-10, 10] (for example at x = 1): ",
         "1/(x-1)", 15),
        # no pair holds where log(x) is undefined, so f is undefined there: the condition's log(x) is to blame
        ("Piecewise((x, log(x) > -100))",
         "f(x) is not finite everywhere on [-10, 10] (for example at x = -10): ", "log(x)", 15),
        # a Piecewise without a True pair is itself undefined where none holds
        ("x + Piecewise((x, x > 0))", "f(x) is not finite everywhere on [-10, 10] (for example at x = -10): ",
         "Piecewise((x, x > 0))", 5),
    ],
)  # fmt: skip
def test_a_non_finite_activation_points_at_the_innermost_culprit(text, start, culprit, column):
    with pytest.raises(FormulaError) as info:
        parse_activation(text)
    message = str(info.value)
    assert message.startswith(start)
    assert message.endswith(f"; the problem starts at {culprit!r} (column {column})")
    assert info.value.column == column


def test_when_f_is_not_finite_the_culprit_is_the_first_part_not_finite_itself_not_one_with_a_bad_slope():
    # sqrt(abs(x)) comes first and has an infinite slope at 0, but f fails at x = 1, where 1/(x-1) does.
    with pytest.raises(FormulaError) as info:
        parse_activation("sqrt(abs(x)) + 1/(x-1)")
    assert str(info.value).endswith("; the problem starts at '1/(x-1)' (column 17)")
    assert info.value.column == 17


def test_the_culprit_is_looked_for_among_the_first_40_parts_only():
    # Each x*x*x*x*x is 4 parts and each + one more: eight terms are 39 parts, then x-1, then 1/(x-1),
    # the first part that is not finite: the 41st, one past the search.
    eight = " + ".join(["x*x*x*x*x"] * 8)
    with pytest.raises(FormulaError) as info:
        parse_activation(eight + " + 1/(x-1)")
    start = "f(x) is not finite everywhere on [-10, 10] (for example at x = 1): "
    assert str(info.value) == start + str(8 * X**5 + 1 / (X - 1))
    assert info.value.column is None
    # One part fewer (x*x*x*x first) and 1/(x-1) is the 40th: it is found.
    shorter = "x*x*x*x + " + eight.split(" + ", 1)[1] + " + 1/(x-1)"
    with pytest.raises(FormulaError) as info:
        parse_activation(shorter)
    column = shorter.index("/") + 1
    assert str(info.value) == (
        start + str(X**4 + 7 * X**5 + 1 / (X - 1)) + f"; the problem starts at '1/(x-1)' (column {column})"
    )
    assert info.value.column == column
    # Negations count as parts too: -x*x*x*x is four, like x*x*x*x*x, and keeps 1/(x-1) the 41st.
    with pytest.raises(FormulaError) as info:
        parse_activation("-x*x*x*x + " + eight.split(" + ", 1)[1] + " + 1/(x-1)")
    assert "the problem starts" not in str(info.value) and info.value.column is None


@pytest.mark.parametrize(
    "text, message, column",
    [
        ("exp(x)*0 + x/0", "'x/0' is not a finite real value: it gives zoo*x", 13),
        ("log(-1)", "'log(-1)' is not a finite real value: it gives I*pi", 1),
        ("x*sqrt(-1)", "'sqrt(-1)' is not a finite real value: it gives I", 3),
        ("where(x > 0, x, 1/0)", "'1/0' is not a finite real value: it gives zoo", 18),  # at the operator
        ("x + 0/0", "'0/0' is not a finite real value: it gives nan", 6),  # SymPy's 0/0: not a number
    ],
)
def test_values_that_are_not_finite_real_numbers_are_named(text, message, column):
    with pytest.raises(FormulaError) as info:
        parse_expression(text)
    assert str(info.value) == f"{message} (column {column})"


def test_a_refusal_is_the_same_the_second_time():
    with pytest.raises(FormulaError) as first:
        parse_activation("x + log(x)")
    with pytest.raises(FormulaError) as second:
        parse_activation("x + log(x)")
    assert str(second.value) == str(first.value) and second.value.column == first.value.column
    assert "(column 5) (column 5)" not in str(second.value)


def test_batches_report_the_first_bad_formula_in_order():
    with pytest.raises(FormulaError, match=r"^f\(x\) is not finite .*log\(x\)'? ?") as info:
        parse_activations(["x*cos(x) + 3", "log(x) + 3", "x/0 + 3"])
    assert "the problem starts at 'log(x)'" in str(info.value)
    acts = parse_activations(["x*cos(x) + 3", "tanh(x) + 3"])
    assert [a.text for a in acts] == ["x*cos(x) + 3", "tanh(x) + 3"]


def test_a_batch_shares_one_time_budget_of_one_second_per_formula_at_most_three(monkeypatch):
    budgets = []
    real = formula._guarded

    def spy(job, texts, budget):
        budgets.append((len(texts), budget))
        return real(job, texts, budget)

    monkeypatch.setattr(formula, "_guarded", spy)
    parse_activations(["x + 11", "x + 12", "x + 11"])
    parse_activations([f"x + {20 + i}" for i in range(5)])
    parse_activations(["x + 31"], budget=0.5 + TIME_LIMIT)
    parse_activation("x + 41")
    parse_activations(["x + 51", "x + 51"])  # one distinct formula: one second, not more
    assert budgets == [(2, 2 * TIME_LIMIT), (5, 3 * TIME_LIMIT), (1, 1.5), (1, TIME_LIMIT), (1, TIME_LIMIT)]
    assert TIME_LIMIT == 1.0


@pytest.mark.parametrize(
    "expr, message",
    [
        (sp.gamma(X), "gamma (gamma(x)) cannot be written as a formula"),
        (sp.Symbol("y") * X, "the symbol y is not the variable x (a real symbol)"),
        (sp.Symbol("x") * 2, "the symbol x is not the variable x (a real symbol)"),
        (3, "not a SymPy expression: int"),
        (sum(sp.Float(1 / (k + 3)) * X**k for k in range(1, 40)),
         "the expression cannot be written as a formula: "
         "the formula is too long (959 characters; at most 500)"),
        (sp.Float(1e7) * X,
         "the expression cannot be written as a formula: the number 10000000.0 is too large (at most 1e+06)"),
        # the part is quoted by its first 60 characters
        (sp.LambertW(X + sp.Integer(10**70)),
         "LambertW (LambertW(x + 1" + "0" * 46 + ") cannot be written as a formula"),
        # 30 digits print as 0.1, which reads back as a float of 15 digits: not the same number
        (sp.Float("0.1", 30) * X, "the expression does not read back unchanged from its text '0.1*x'"),
        # the text is quoted by its first 80 characters
        (sp.Float("0.1", 30) * X + sp.tanh(X) + sp.atan(X) + sp.sin(X) + sp.cos(X) + sp.sinh(X) + sp.cosh(X)
         + sp.exp(X) + sp.erf(X) + sp.Abs(X),
         "the expression does not read back unchanged from its text "
         "'0.1*x + exp(x) + sin(x) + cos(x) + sinh(x) + cosh(x) + tanh(x) + Abs(x) + atan(x'"),
    ],
)  # fmt: skip
def test_expressions_that_cannot_be_written_as_text_say_why(expr, message):
    with pytest.raises(FormulaError) as info:
        formula_text(expr)
    assert str(info.value) == message


def test_expressions_written_as_text_read_back_the_same():
    for expr in (
        sp.Integer(3) + 0 * X,
        sp.exp(X) ** sp.Rational(1, 3),
        sp.Piecewise((X, X > 0), (0, True)),
        sp.pi * X,
    ):
        text = formula_text(expr)
        assert parse_expression(text) == expr
    assert formula_text(sp.Float(0.1) * X) == "0.1*x"


def test_every_part_of_an_expression_is_checked_before_it_is_written():
    with pytest.raises(FormulaError, match=r"^gamma \(gamma\(x\)\) cannot be written as a formula$"):
        formula_text(sp.exp(X) + sp.gamma(X))  # exp(x) first: fine, and the rest is still looked at
