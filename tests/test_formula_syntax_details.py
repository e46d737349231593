"""The formula syntax in detail: conditions (not, and, or, chains, Eq/Ne, True/False), the limits on
constant exponents, and the message and column a learner sees for each kind of refused text."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from nnviz.core import FormulaError, formula_syntax, parse_activation
from nnviz.core.activations import X
from nnviz.core.formula import parse_expression
from nnviz.core.formula_syntax import MAX_DEPTH, MAX_NODES, Node, check_text, constant_value

POINTS = np.array([-3.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0])


def balanced(leaf: str, op: str, leaves: int) -> str:
    """``leaf op leaf op ...`` with ``leaves`` leaves as a balanced tree: 2·leaves − 1 parts, shallow."""
    half = leaves // 2
    return leaf if leaves == 1 else f"({balanced(leaf, op, half)}{op}{balanced(leaf, op, leaves - half)})"


def values(text: str) -> list[float]:
    return parse_activation(text).f(POINTS.copy()).tolist()


def indicator(mask) -> list[float]:
    return np.where(mask, 1.0, 0.0).tolist()


@pytest.mark.parametrize(
    "text, mask",
    [
        ("where(x > 0, 1, 0)", POINTS > 0),
        ("where(x >= 0, 1, 0)", POINTS >= 0),
        ("where(x < 0, 1, 0)", POINTS < 0),
        ("where(x <= 0, 1, 0)", POINTS <= 0),
        ("where(x == 1, 1, 0)", POINTS == 1),
        ("where(x != 1, 1, 0)", POINTS != 1),
        ("where(Eq(x, 1), 1, 0)", POINTS == 1),
        ("where(Ne(x, 1), 1, 0)", POINTS != 1),
        ("where(not (x > 0), 1, 0)", ~(POINTS > 0)),
        ("where(~(x > 0), 1, 0)", ~(POINTS > 0)),
        ("where(not (x > 0 and x < 2), 1, 0)", ~((POINTS > 0) & (POINTS < 2))),
        ("where(x > 0 and x < 2, 1, 0)", (POINTS > 0) & (POINTS < 2)),
        ("where(x < -1 or x > 1, 1, 0)", (POINTS < -1) | (POINTS > 1)),
        ("where((x > 0) & (x < 2), 1, 0)", (POINTS > 0) & (POINTS < 2)),
        ("where((x < -1) | (x > 1), 1, 0)", (POINTS < -1) | (POINTS > 1)),
        ("where(-1 < x <= 2, 1, 0)", (POINTS > -1) & (POINTS <= 2)),
        ("where(-1 < x < 1 < 2, 1, 0)", (POINTS > -1) & (POINTS < 1)),
        ("where(x > 1 or x < -1 and x > -2, 1, 0)", (POINTS > 1) | ((POINTS < -1) & (POINTS > -2))),
    ],
)
def test_conditions_select_the_points_they_say(text, mask):
    assert values(text) == indicator(mask)


def test_piecewise_takes_its_first_true_pair_and_literal_conditions():
    f = parse_activation("Piecewise((x, x >= 1), (-x, x <= -1), (0, True))").f
    assert f(POINTS.copy()).tolist() == [3.0, 1.5, 1.0, 0, 0, 0, 1.0, 1.5, 2.0, 3.0]
    assert parse_expression("Piecewise((x, False), (2*x, True))") == 2 * X
    assert parse_expression("piecewise((x, x > 0), (0, True))") == sp.Piecewise((X, X > 0), (0, True))
    assert parse_expression("where(True, x, 0)") == X
    assert parse_expression("where(Ne(x, 0) & Eq(x, x), 1, 0)") == sp.Piecewise((1, sp.Ne(X, 0)), (0, True))


def test_unary_signs():
    assert parse_expression("-x") == -X and parse_expression("+x") == X
    assert parse_expression("-(-x)") == X and parse_expression("- -+x") == X
    assert parse_expression("-exp(x)") == -sp.exp(X)
    node = check_text(" -x")
    assert node == Node("neg", "-", (Node("x", "x", (), 3, "x"),), 2, "-x")


def test_the_checked_tree_records_kinds_values_and_columns():
    node = check_text("where(not x > 1 or Eq(x, 0), x, -2.5)")
    assert node.kind == "pw" and node.col == 1 and node.token == "where(not x > 1 or Eq(x, 0), x, -2.5)"
    pieces = check_text("x + Piecewise((x, x > 0))").args[1]
    assert (pieces.kind, pieces.col, pieces.token) == ("pw", 5, "Piecewise((x, x > 0))")
    literal = check_text("pi*Piecewise((x, True))")
    assert literal.args[0] == Node("const", "pi", (), 1, "pi")
    assert literal.args[1].args == ((Node("x", "x", (), 15, "x"), Node("bool", True, (), 18, "True")),)
    assert check_text("x**where(False, 2, 3)").args[1].args[0][1] == Node("bool", False, (), 10, "False")
    (value, condition), (otherwise, true) = node.args
    assert value == Node("x", "x", (), 30, "x")
    assert otherwise == Node("neg", "-", (Node("num", 2.5, (), 34, "2.5"),), 33, "-2.5")
    assert true == Node("bool", True, (), 1, "True")
    assert condition.kind == "or" and condition.col == 7 and condition.token == "not x > 1 or Eq(x, 0)"
    negated, equal = condition.args
    assert (negated.kind, negated.col, negated.token) == ("not", 7, "not x > 1")
    assert negated.args[0].kind == "cmp" and negated.args[0].col == 11
    assert (equal.kind, equal.value, equal.col) == ("cmp", "Eq", 20)
    chain = check_text("where(0 < x <= 1, 1, 0)").args[0][1]
    assert chain.kind == "and" and chain.col == 7 and chain.token == "0 < x <= 1"
    assert [(part.kind, part.args[0].col, part.args[1].col) for part in chain.args] == [
        ("cmp", 7, 11),
        ("cmp", 11, 16),
    ]
    both = check_text("where(x > 0 and x < 1 and x != 0.5, 1, 0)").args[0][1]
    assert both.kind == "and" and len(both.args) == 3
    bits = check_text("where((x > 0) | (x < -1), 1, 0)").args[0][1]
    assert bits.kind == "or" and len(bits.args) == 2
    assert bits.col == 7 and bits.token == "(x > 0) | (x < -1)"  # the operator's node spans its parentheses
    bits = check_text("where(x == 1 or (x > 0) & (x < 2), 1, 0)").args[0][1].args[1]
    assert (bits.kind, bits.col, bits.token) == ("and", 17, "(x > 0) & (x < 2)")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("x**(2*50)", X**100),
        ("x**(1000/10)", X**100),
        ("x**(-100)", X**-100),
        ("x**(3-1)", X**2),
        ("x**(e*30)", X ** (30 * sp.E)),
        ("x**(pi*30)", X ** (30 * sp.pi)),
        ("x**-(-2)", X**2),
        ("(x**2)**3", X**6),
    ],
)
def test_constant_exponents_up_to_a_hundred_are_allowed(text, expected):
    assert parse_expression(text) == expected


@pytest.mark.parametrize(
    "text, shown, column",
    [
        ("x**(50+51)", "'50+51'", 7),
        ("x**(pi*40)", "'pi*40'", 7),
        ("x**(e*40)", "'e*40'", 6),
        ("x**(-101)", "'-101'", 5),
        ("x**(202/2)", "'202/2'", 8),
        ("x**(1e3-899)", "'1e3-899'", 8),
    ],
)  # fmt: skip  (the column of an operation is its operator's)
def test_constant_exponents_over_a_hundred_are_refused(text, shown, column):
    with pytest.raises(FormulaError) as info:
        parse_expression(text)
    assert str(info.value) == f"the exponent {shown} is too large (at most 100) (column {column})"
    assert info.value.column == column


def test_constant_value_folds_only_x_free_arithmetic():
    assert constant_value(check_text("2*3 - 4/8 + pi - e")) == pytest.approx(6 - 0.5 + np.pi - np.e)
    assert constant_value(check_text("-(1.5)")) == -1.5
    assert constant_value(check_text("E")) == pytest.approx(np.e)
    assert constant_value(check_text("x + 1")) is None
    assert constant_value(check_text("-x")) is None
    assert constant_value(check_text("1 + -x")) is None
    assert constant_value(check_text("2**3")) is None  # powers are not folded (no overflow to guard)
    assert constant_value(check_text("exp(1)")) is None
    assert constant_value(check_text(balanced("1e6", "*", 64))) == float("inf")  # 1e384 overflows


def test_power_towers_are_found_anywhere_in_the_exponent():
    for text, token in [
        ("x**(2+x**2)", "x**2"),
        ("x**where(x > 0, x**2, 1)", "x**2"),
        ("2**(1-x**3)", "x**3"),
    ]:
        with pytest.raises(FormulaError) as info:
            parse_expression(text)
        assert str(info.value).startswith(f"power towers like a**b**c are not allowed: '{token}'")


@pytest.mark.parametrize(
    "text, message, column",
    [
        ("where(-(x > 0), 1, 0)", "expected a condition such as x > 0, not '-(x > 0)'", 7),
        ("where(x, 1, 0)", "expected a condition such as x > 0, not 'x'", 7),
        ("where(x > 0 and 1, 1, 0)", "expected a condition such as x > 0, not '1'", 17),
        ("where(1 + (x > 0), 1, 0)", "expected a condition such as x > 0, not '1 + (x > 0)'", 7),
        ("where(exp(x), 1, 0)", "expected a condition such as x > 0, not 'exp(x)'", 7),
        ("x > 0 and x", "expected a condition such as x > 0, not 'x > 0 and x'", 1),
        ("not x", "'not' and '~' may be used only in the condition of where(...) or Piecewise(...)", 1),
        ("1 + ~x", "'not' and '~' may be used only in the condition of where(...) or Piecewise(...)", 5),
        (
            "x > 0",
            "the comparison 'x > 0' may be used only as the condition of where(...) or Piecewise(...)",
            1,
        ),
        ("where(x is 0, 1, 0)", "comparison Is is not allowed in 'x is 0'", 7),
        ("where(0 < x in 0, 1, 0)", "comparison In is not allowed in '0 < x in 0'", 7),
        ("Heaviside(x, x)", "Heaviside's second argument must be 0, 0.5 or 1", 14),
        ("Heaviside(x, 2)", "Heaviside's second argument must be 0, 0.5 or 1", 14),
        ("x + exp(x).real", "attribute access '.real' is not allowed", 11),
        ("x.__class__", "attribute access '.__class__' is not allowed", 2),
        # the column is the attribute's own dot, whatever other dots come before or after it
        ("1.5 + x.real", "attribute access '.real' is not allowed", 8),
        ("x.real*1.5", "attribute access '.real' is not allowed", 2),
        ("'abc'", "a string is not allowed: \"'abc'\"", 1),
        ("x + b'abc'", "a string is not allowed: \"b'abc'\"", 5),
        ("1j*x", "complex numbers are not allowed: '1j'", 1),
        ("True*x", "True may be used only as a condition of Piecewise", 1),
        ("x - False", "False may be used only as a condition of Piecewise", 5),
        ("1e7*x", "the number 1e7 is too large (at most 1e+06)", 1),
        ("x + 1000001", "the number 1000001 is too large (at most 1e+06)", 5),
        ("x % 2", "operator '%' is not allowed", 3),
        ("x ^ 2", "operator '^' is not allowed ('^' is not a power: use **)", 3),
        ("x >> 2", "operator '>>' is not allowed", 3),
        ("where((x > 0) ^ (x < 1), 1, 0)", "expected a condition such as x > 0, not '(x > 0) ^ (x < 1)'", 7),
        ("Piecewise(x)", "Piecewise's arguments must be pairs (value, condition), not 'x'", 11),
        (
            "Piecewise((x, x > 0), (1, 2, 3))",
            "Piecewise's arguments must be pairs (value, condition), not '(1, 2, 3)'",
            23,
        ),
        ("exp(x)(2)", "only the listed functions may be called, not 'exp(x)'", 1),
        ("max(*[1, 2])", "unpacking is not allowed: '*[1, 2]'", 5),
        ("exp(x=1)", "keyword arguments are not allowed in exp(...)", 7),
        ("exp(1, x)", "exp() takes 1 argument, got 2", 1),
        ("max(x)", "max() takes 2 to 8 arguments, got 1", 1),
        ("Heaviside(x, 0, 1)", "Heaviside() takes 1 to 2 arguments, got 3", 1),
        ("where(x > 0, 1)", "where() takes 3 arguments, got 2", 1),
        ("where(Eq(x), 1, 0)", "Eq() takes 2 arguments, got 1", 7),
        ("Piecewise(" + ", ".join(["(x, x > 0)"] * 9) + ")", "Piecewise() takes 1 to 8 arguments, got 9", 1),
        ("[x]", "a list is not allowed: '[x]'", 1),
        ("(x, 1)", "a tuple is not allowed: '(x, 1)'", 1),
        ("{x: 1}", "a dict is not allowed: '{x: 1}'", 1),
        ("x if x else 0", "'a if c else b' (use where(c, a, b)) is not allowed: 'x if x else 0'", 1),
        ("...", "this kind of expression is not allowed: '...'", 1),
        ("x + " + "a" * 50, "unknown name '" + "a" * 50 + "'", 5),
        ("x + [" + "1, " * 12 + "11]", "a list is not allowed: '[" + "1, " * 12 + "11]'", 5),  # 40 characters
        ("x + [" + "1, " * 12 + "111]", "a list is not allowed: '[" + "1, " * 12 + "...'", 5),  # 41: cut
    ],
)
def test_refusals_name_the_problem_and_its_column(text, message, column):
    with pytest.raises(FormulaError) as info:
        check_text(text)
    assert str(info.value).startswith(message)
    assert info.value.column == column


def test_the_checked_tree_records_each_calls_name_column_and_text():
    def x(col):
        return Node("x", "x", (), col, "x")

    def num(value, col):
        return Node("num", value, (), col, str(value))

    assert check_text("x + max(x, 2)").args[1] == Node("call", "max", (x(9), num(2, 12)), 5, "max(x, 2)")
    assert check_text("Heaviside(x, 1)") == Node(
        "call", "Heaviside", (x(11), num(1, 14)), 1, "Heaviside(x, 1)"
    )
    equal = check_text("where(Eq(x, 0), x, 0)").args[0][1]
    assert equal == Node("cmp", "Eq", (x(10), num(0, 13)), 7, "Eq(x, 0)")


@pytest.mark.parametrize("op", ["%", "//", "@", "<<", ">>", "&", "|"])
def test_an_operator_outside_the_list_is_named_and_only_a_caret_gets_a_hint(op):
    with pytest.raises(FormulaError) as info:
        check_text(f"x {op} 2")
    assert str(info.value) == f"operator {op!r} is not allowed (column 3)"


def test_unknown_names_get_a_hint_and_the_list_of_functions():
    listed = "use x, pi, e and the functions Abs, Heaviside, Max, Min, Piecewise, abs, atan, cos"
    with pytest.raises(FormulaError) as info:
        check_text("X")
    assert str(info.value).startswith(f"unknown name 'X' (the variable is a lowercase x); {listed}")
    with pytest.raises(FormulaError) as info:
        check_text("2*tanh")
    assert str(info.value).startswith(f"unknown name 'tanh' (tanh is a function: write tanh(...)); {listed}")
    assert info.value.column == 3
    with pytest.raises(FormulaError, match="^unknown function 'Eq'; allowed: Abs, Heaviside, Max"):
        check_text("Eq(x, 0)")  # a condition function, outside a condition
    with pytest.raises(FormulaError) as info:
        check_text("x + y")  # no hint for a plain unknown name
    assert str(info.value).startswith(f"unknown name 'y'; {listed}")


def test_size_and_depth_limits_name_themselves():
    assert check_text(balanced("x", "+", 100)).kind == "bin"  # 199 parts
    with pytest.raises(
        FormulaError, match=rf"^the formula is too long \(more than {MAX_NODES} parts\) at 'x'"
    ):
        check_text(balanced("x", "+", 101))
    with pytest.raises(
        FormulaError, match=rf"^the formula is nested too deeply \(more than {MAX_DEPTH} levels\)"
    ):
        check_text("exp(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1))
    check_text("exp(" * (MAX_DEPTH - 1) + "x" + ")" * (MAX_DEPTH - 1))
    with pytest.raises(
        FormulaError, match=r"^the formula is too long \(501 characters; at most 500\)"
    ) as info:
        check_text("x" + " " * 500)
    assert info.value.column == 501
    assert check_text("x" + " " * 499).kind == "x"  # 500 characters: the most allowed


def test_a_piecewise_pair_counts_as_one_part_and_one_level():
    value = balanced("x", "+", 96)  # 191 parts
    # the call, the pair, 191 parts, 'not x > 0' (4), the pair, 0, True: 200 parts, the most allowed
    assert check_text(f"Piecewise(({value}, not x > 0), (0, True))").kind == "pw"
    with pytest.raises(FormulaError, match=rf"^the formula is too long \(more than {MAX_NODES} parts\)"):
        check_text(f"Piecewise(({value}, not x > 0), (-0, True))")  # -0 is two parts: 201

    # The call is level 1 and the pair level 2: a value inside 38 calls has its x at level 40, the deepest
    # allowed; in a condition the comparison takes one level more.
    def exps(n):
        return "exp(" * n + "x" + ")" * n

    nested = rf"^the formula is nested too deeply \(more than {MAX_DEPTH} levels\)"
    check_text(f"Piecewise(({exps(38)}, x > 0), (0, True))")
    with pytest.raises(FormulaError, match=nested):
        check_text(f"Piecewise(({exps(39)}, x > 0), (0, True))")
    check_text(f"Piecewise((x, {exps(37)} > 0), (0, True))")
    with pytest.raises(FormulaError, match=nested):
        check_text(f"Piecewise((x, {exps(38)} > 0), (0, True))")


def test_text_level_refusals():
    with pytest.raises(FormulaError, match=r"^a formula must be text, not int$"):
        check_text(3)
    with pytest.raises(
        FormulaError, match=r"^only printable ASCII characters are allowed, not '\\t'"
    ) as info:
        check_text("x +\t1")
    assert info.value.column == 4
    with pytest.raises(FormulaError, match="^the formula is empty") as info:
        check_text("  ")
    assert info.value.column == 1
    with pytest.raises(FormulaError, match="^syntax error: '\\(' was never closed") as info:
        check_text("  x + (1")
    assert info.value.column == 7  # the leading spaces count


def test_when_pythons_parser_gives_up_or_names_no_position_the_refusal_still_has_a_column(monkeypatch):
    # Some Python versions raise these instead of a SyntaxError on deeply nested text; simulated here.
    for failure in (
        RecursionError("maximum recursion depth exceeded"),
        MemoryError(),
        ValueError("too deep"),
    ):

        def give_up(*args, failure=failure, **kwargs):
            raise failure

        monkeypatch.setattr(formula_syntax.ast, "parse", give_up)
        with pytest.raises(FormulaError) as info:
            check_text("  x + 1")
        assert str(info.value) == "the formula is nested too deeply (column 1)" and info.value.column == 1

    def no_position(*args, **kwargs):
        raise SyntaxError("invalid syntax")  # offset None

    monkeypatch.setattr(formula_syntax.ast, "parse", no_position)
    with pytest.raises(FormulaError) as info:
        check_text("  x + 1")
    assert (
        str(info.value) == "syntax error: invalid syntax (column 3)"
    )  # the first character after the spaces


@pytest.mark.parametrize("leaf", ["x.real", "x[0]"])
def test_an_attribute_or_index_on_a_too_deep_value_reports_the_depth_first(leaf):
    def exps(n):
        return "exp(" * n + "x" + ")" * n

    # The attribute or index is level 0 and its value level 1: x inside 39 calls is at level 40, allowed.
    with pytest.raises(FormulaError) as info:
        check_text(f"({exps(39)}){leaf[1:]}")
    assert str(info.value).startswith(("attribute access", "indexing"))
    with pytest.raises(
        FormulaError, match=rf"^the formula is nested too deeply \(more than {MAX_DEPTH} levels\)"
    ):
        check_text(f"({exps(40)}){leaf[1:]}")
