"""Safe activation formulas: correct f and f', hostile text refused with a column, SymPy work bounded."""

import os
import re
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

import nnviz.core.formula as formula
from nnviz.core import ACTIVATIONS, FormulaError, parse_activation
from nnviz.core.activations import X
from nnviz.core.formula import formula_text, parse_activations, parse_expression

POINTS = np.array([-4.0, -1.5, -0.3, 0.2, 0.7, 2.5, 5.0])  # away from kinks


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


KNOWN = [
    ("1/(1+exp(-x))", _sigmoid),
    ("max(0, x)", lambda z: np.maximum(z, 0)),
    ("x*tanh(log(1+exp(x)))", lambda z: z * np.tanh(np.log1p(np.exp(z)))),
    ("where(x > 0, x, 0.01*x)", lambda z: np.where(z > 0, z, 0.01 * z)),
    ("x/(1+abs(x))", lambda z: z / (1 + np.abs(z))),
]


@pytest.mark.parametrize("text, reference", KNOWN)
def test_known_formulas_give_correct_f_and_finite_difference_derivative(text, reference):
    act = parse_activation(text)
    assert act.text == text
    np.testing.assert_allclose(act.f(POINTS), reference(POINTS), rtol=1e-12, atol=1e-12)
    h = 1e-6
    numeric = (reference(POINTS + h) - reference(POINTS - h)) / (2 * h)
    np.testing.assert_allclose(act.df(POINTS), numeric, rtol=1e-6, atol=1e-8)
    assert act.df(np.zeros((2, 3))).shape == (2, 3)


def test_known_values_and_builtin_matches():
    sig = parse_activation("1/(1+exp(-x))")
    assert sig.name == "sigmoid" and sig.f(np.array([0.0]))[0] == 0.5 and sig.df(np.array([0.0]))[0] == 0.25
    assert parse_activation("max(0, x)").name == "relu"
    assert parse_activation("where(x > 0, x, 0.01*x)").name == "leaky_relu"
    mish = parse_activation("x*tanh(log(1+exp(x)))")
    assert mish.name is None and mish.f(np.array([0.0]))[0] == 0.0
    assert mish.df(np.array([0.0]))[0] == pytest.approx(np.tanh(np.log(2.0)), rel=1e-12)
    softsign = parse_activation("x/(1+abs(x))")
    np.testing.assert_allclose(softsign.f(np.array([1.0, -3.0])), [0.5, -0.75])
    np.testing.assert_allclose(softsign.df(np.array([0.0, 1.0])), [1.0, 0.25])


@pytest.mark.parametrize(
    "text", ["max(0, x)", "max(x, 0)", "where(x > 0, x, 0)", "x*Heaviside(x)", "Max(0, x)"]
)
def test_relu_like_derivatives_are_zero_at_the_kink(text):
    assert parse_activation(text).df(np.array([0.0]))[0] == 0.0


def test_expressions_and_sympy_spellings():
    assert parse_expression("1/(1+exp(-x))") == 1 / (1 + sp.exp(-X))
    assert parse_expression("Piecewise((x, x > 0), (x/100, True))") == ACTIVATIONS["leaky_relu"].f_expr
    assert parse_expression("where(x >= 0, x, exp(x) - 1)") == sp.Piecewise(
        (X, X >= 0), (sp.exp(X) - 1, True)
    )
    assert parse_expression("Abs(x) + abs(x)") == 2 * sp.Abs(X)
    assert parse_expression("E**x - exp(x) + pi*e") == sp.pi * sp.E
    assert parse_expression("where(0 < x < 1, x, 0)") == sp.Piecewise((X, (X > 0) & (X < 1)), (0, True))
    assert parse_expression("where((x > 1) | ~(x > -1), 1, 0)") == parse_expression(
        "where(x > 1 or x <= -1, 1, 0)"
    )
    assert parse_expression("  atan(x) + erf(x) + sign(x) + sinh(x) + cosh(x) ").has(sp.erf, sp.atan, sp.sign)
    assert parse_expression("Heaviside(x, 0)") == sp.Heaviside(X, 0)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_formula_text_round_trips_every_builtin(name):
    expr = ACTIVATIONS[name].f_expr
    assert parse_expression(formula_text(expr)) == expr


@pytest.mark.parametrize(
    "expr",
    [0.1 * X, X * 1e-05 + 1 / 3 * X**2, sp.Float(0.1234567890123456789) * sp.tanh(X), sp.sqrt(X**2 + 1) - 1,
     sp.Piecewise((X, (X > 0) & (X < 2)), (0, True)), sp.Max(X, X**3 / 7), sp.exp(-sp.Abs(X)) * sp.sin(X)],
)  # fmt: skip
def test_formula_text_reads_back_exactly(expr):
    assert parse_expression(formula_text(expr)) == expr


@pytest.mark.parametrize("expr", [sp.gamma(X), sp.Symbol("y") * X, sp.asinh(X), sp.EulerGamma * X, X + sp.I])
def test_formula_text_refuses_what_the_whitelist_cannot_express(expr):
    with pytest.raises(FormulaError):
        formula_text(expr)


def _marker_formulas(marker: Path) -> list[str]:
    m = str(marker)
    return [
        f"__import__('os').system('touch {m}')",
        f"open('{m}', 'w')",
        f"exp(x).func.__globals__['__builtins__']['__import__']('os').system('touch {m}')",
        f"x; __import__('os').system('touch {m}')",
        f"[c for c in ().__class__.__base__.__subclasses__()]; open('{m}','w')",
        f"lambda: __import__('os').system('touch {m}')",
        f"Function('open')('{m}', 'w')",
        f"Symbol('x')*open('{m}','w')",
    ]


HOSTILE = [
    "__import__('os').system('echo hi')",
    "().__class__",
    "x.__class__",
    "lambda: 0",
    "x**9**9**9",
    "x**10**10",
    "(" * 10_000 + "x" + ")" * 10_000,
    "x" * 1_000_000,
    "(" * 240 + "x" + ")" * 240,
    "-" * 400 + "x",
    "+".join(["x"] * 230),
    "[x for x in (1,)]",
    "{x: 1}",
    "'x'",
    "b'x'",
    "f'{x}'",
    "x[0]",
    "x if x else 0",
    "(y := 1)",
    "*x",
    "exp(x=1)",
    "max(*[1, 2])",
    "getattr(x, 'y')",
    "eval('1')",
    "sympify('x')",
    "Symbol('y')",
    "y",
    "X",
    "tanh",
    "x > 0",
    "x % 2",
    "x // 2",
    "x ^ 2",
    "x @ x",
    "not x",
    "1j * x",
    "True * x",
    "None",
    "...",
    "1e400 * x",
    "1000001 * x",
    "2**(999*999*999)",
    "exp(x)**1000",
    "x \u00d7 2",
    "\uff58 + 1",  # fullwidth x, which Python would fold into an identifier
    "x\u00a0+ 1",
    "x\n+ 1",
    "",
    "   ",
    "x +",
    "exp(x, 2)",
    "where(x, 1, 0)",
    "Heaviside(x, 7)",
    "Piecewise(x)",
    "x/0",
    "log(-1)",
    "0/0 * x",
    "sqrt(-1) * x",
    "log(x)",
    "1/x",
    "exp(exp(exp(exp(x))))",
]


@pytest.mark.timeout(120)
@pytest.mark.parametrize("text", HOSTILE, ids=lambda t: repr(t[:30]))
def test_hostile_formulas_raise_formula_error(text):
    with pytest.raises(FormulaError) as info:
        parse_activation(text)
    assert len(str(info.value)) < 1200


@pytest.mark.parametrize(
    "text, column, token",
    [("x + foo(x)", 5, "foo"), ("x.__class__", 2, "__class__"), ("1 % x", 3, "%"), ("exp(x) ^ 2", 8, "^"),
     ("__import__('os')", 1, "__import__"), ("x**2**3", 5, "2**3"), ("2*x + y", 7, "y"),
     ("  lambda: 0", 3, "lambda"),
     ("x \u00d7 2", 3, "\u00d7"), ("x/0", 2, "x/0"), ("3 + log(x)", 5, "log(x)"), ("x*1e9", 3, "1e9")],
)  # fmt: skip
def test_errors_name_the_token_and_its_column(text, column, token):
    with pytest.raises(FormulaError) as info:
        parse_activation(text)
    assert info.value.column == column
    assert token in str(info.value)


def test_hostile_formulas_run_nothing(tmp_path):
    marker = tmp_path / "pwned"
    for text in _marker_formulas(marker):
        with pytest.raises(FormulaError):
            parse_activation(text)
        with pytest.raises(FormulaError):
            parse_expression(text)
    assert not marker.exists()
    assert sorted(tmp_path.iterdir()) == []


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "text",
    ["Max(exp(exp(exp(exp(exp(100))))), 2)*x", "where(exp(exp(exp(exp(exp(99))))) > 1, x, 0)"],
)
def test_sympy_hangs_are_cut_off_by_the_time_limit_and_cached(text, monkeypatch):
    with pytest.raises(FormulaError, match="too long"):
        parse_activation(text)

    def no_second_process(*args):
        raise AssertionError("the refusal should have been cached")

    monkeypatch.setattr(formula, "_guarded", no_second_process)
    with pytest.raises(FormulaError, match="too long"):
        parse_activation(text)


@pytest.mark.timeout(60)
def test_the_time_limit_works_outside_the_main_thread():
    outcome = {}

    def run():
        try:
            parse_activation("Max(exp(exp(exp(exp(exp(101))))), 3)*x")
        except FormulaError as exc:
            outcome["error"] = str(exc)
        outcome["ok"] = parse_activation("x*tanh(x) + 0.5*x").f(np.array([1.0]))[0]

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(50)
    assert "too long" in outcome["error"]
    assert outcome["ok"] == pytest.approx(np.tanh(1.0) + 0.5)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the memory cap uses RLIMIT_AS (Linux)")
@pytest.mark.timeout(60)
def test_the_child_memory_cap_turns_exhaustion_into_formula_error(monkeypatch):
    def greedy(text, trail=None):  # stands in for SymPy blowing up; forked children inherit the patch
        return bytearray(formula.CHILD_MEMORY + 2**26)

    monkeypatch.setattr(formula, "_expression", greedy)
    [error] = formula._guarded("expression", ["x"], 30.0)
    assert isinstance(error, FormulaError) and "memory" in str(error)


def test_sympy_work_happens_in_this_process_only_after_the_child_succeeded(monkeypatch):
    def refuse(job, texts, budget):
        return [FormulaError("refused by the checker")] * len(texts)

    def never(text, trail=None):
        raise AssertionError("SymPy work ran in-process before the checker succeeded")

    monkeypatch.setattr(formula, "_guarded", refuse)
    monkeypatch.setattr(formula, "_activation", never)
    monkeypatch.setattr(formula, "_expression", never)
    with pytest.raises(FormulaError, match="refused by the checker"):
        parse_activation("x*tanh(x) + 0.125*x")
    with pytest.raises(FormulaError, match="refused by the checker"):
        parse_expression("x*tanh(x) + 0.125*x")


def test_results_are_cached_per_text():
    assert parse_activation("x*tanh(x) + 0.75*x") is parse_activation("x*tanh(x) + 0.75*x")


@pytest.mark.timeout(60)
def test_batch_parsing_shares_one_checker_and_reports_the_failing_formula():
    acts = parse_activations(["x*cos(x)", "x*sin(x)", "x*cos(x)"])
    assert acts[0] is acts[2] and acts[1].f(np.array([1.0]))[0] == pytest.approx(np.sin(1.0))
    with pytest.raises(FormulaError, match="finite"):
        parse_activations(["x*cos(x) + 1", "log(x) + 1"])
    with pytest.raises(FormulaError, match="too long"):
        parse_activations(["Max(exp(exp(exp(exp(exp(104))))), 2)*x", "x*cos(x) + 2"])
    assert parse_activation("x*cos(x) + 2").f(np.array([0.0]))[0] == 2.0  # not cached as a failure


def test_non_text_is_refused():
    with pytest.raises(FormulaError):
        parse_activation(123)  # type: ignore[arg-type]


def test_source_never_uses_eval_like_calls():
    root = Path(formula.__file__).parent
    for path in (root / "formula_syntax.py", root / "formula.py", root / "nnfile.py"):
        source = path.read_text()
        for token in ("Symbol(", "Function(", "__import__"):
            assert token not in source, f"{token} in {path.name}"
    # Nothing in the package may turn text or bytes into code or objects.
    dangerous = re.compile(r"\b(eval|exec|sympify|parse_expr)\(|^\s*(import|from)\s+(pickle|marshal)\b", re.M)
    for path in sorted(root.parent.rglob("*.py")):
        hit = dangerous.search(path.read_text())
        assert hit is None, f"{hit.group(0)!r} in {path.relative_to(root.parent)}"


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_the_spawn_fallback_for_platforms_without_fork(monkeypatch):
    monkeypatch.setattr(formula, "_use_fork", lambda: False)
    assert parse_activation("x*sin(x) + 0.375*x").f(np.array([0.0]))[0] == 0.0
    with pytest.raises(FormulaError, match="too long"):
        parse_activation("Max(exp(exp(exp(exp(exp(102))))), 2)*x")


def _parse_in_worker(text):
    try:
        return parse_activation(text).f(np.array([1.0]))[0]
    except FormulaError as exc:
        return str(exc)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
@pytest.mark.timeout(120)
def test_formulas_can_be_parsed_inside_daemonic_pool_workers():
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(1) as pool:
        ok, slow = pool.map(_parse_in_worker, ["x*sin(x) + 0.0625", "Max(exp(exp(exp(exp(exp(105))))), 2)*x"])
    assert ok == pytest.approx(np.sin(1.0) + 0.0625)
    assert "too long" in slow


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_a_spawned_checker_never_runs_the_parents_main_script(monkeypatch, tmp_path):
    """While a Streamlit page runs, ``__main__`` is the page's script: a spawned child must not re-run it."""
    import sys
    import types

    marker = tmp_path / "ran"
    script = tmp_path / "page.py"
    script.write_text(f"open({str(marker)!r}, 'w').write('the page ran')\n")
    page = types.ModuleType("__main__")
    page.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", page)
    monkeypatch.setattr(formula, "_use_fork", lambda: False)
    assert parse_activation("x*sin(x) + 0.4375*x").f(np.array([0.0]))[0] == 0.0
    assert not marker.exists() and sys.modules["__main__"] is page


def _failing(failure):
    def work(text, trail=None):
        raise failure

    return work


@pytest.mark.parametrize(
    "failure, message",
    [
        (MemoryError(), "the formula needs too much memory to evaluate"),
        (ValueError("no luck"), "SymPy cannot handle this formula (ValueError: no luck)"),
        (FormulaError("refused here", 3), "refused here (column 3)"),
        # Long texts are cut: a SymPy failure's at 300 characters, a refusal's at 1000.
        (ValueError("y" * 400), ("SymPy cannot handle this formula (ValueError: " + "y" * 400)[:300]),
        (FormulaError("z" * 1500), "z" * 1000),
    ],
    ids=["memory", "sympy", "refusal", "long sympy failure", "long refusal"],
)
def test_what_went_wrong_in_the_checkers_child_is_what_the_caller_reads(monkeypatch, failure, message):
    # The child is forked from this process, so it runs the patched SymPy step.
    monkeypatch.setattr(formula, "_activation", _failing(failure))
    with pytest.raises(FormulaError) as info:
        parse_activation(f"x + {len(message)}.625")  # a text of its own: results are cached by text
    assert str(info.value) == message and info.value.column == (3 if "column" in message else None)


def test_the_checkers_child_does_an_activations_work_or_an_expressions(monkeypatch):
    monkeypatch.setattr(formula, "_activation", _failing(FormulaError("an activation's work")))
    monkeypatch.setattr(formula, "_expression", _failing(FormulaError("an expression's work")))
    with pytest.raises(FormulaError, match="^an activation's work$"):
        parse_activation("x + 0.375")
    with pytest.raises(FormulaError, match="^an expression's work$"):
        parse_expression("x + 0.375")


def test_the_checker_gets_the_documented_limits_and_forks_or_spawns_as_use_fork_says(monkeypatch):
    asked = []

    def checker(work, texts, **limits):  # stands in for the child: every text checks out
        asked.append((work.func, work.args, list(texts), limits))
        return [["ok"] for _ in texts]

    monkeypatch.setattr(formula.sandbox, "run_in_child", checker)
    for fork in (True, False):
        monkeypatch.setattr(formula, "_use_fork", lambda fork=fork: fork)
        parse_activation(f"x*tanh(x) + {fork:d}.8125*x")
    parse_activations(["x*tanh(x) + 2.8125*x", "x*tanh(x) + 3.8125*x"])
    limits = {"memory": formula.CHILD_MEMORY, "startup": formula.STARTUP_LIMIT, "prepare": formula._warm_up}
    assert asked == [
        (
            formula._outcome,
            ("activation",),
            ["x*tanh(x) + 1.8125*x"],
            {"seconds": 1.0, "fork": True, **limits},
        ),
        (
            formula._outcome,
            ("activation",),
            ["x*tanh(x) + 0.8125*x"],
            {"seconds": 1.0, "fork": False, **limits},
        ),
        (
            formula._outcome,
            ("activation",),
            ["x*tanh(x) + 2.8125*x", "x*tanh(x) + 3.8125*x"],
            {"seconds": 2.0, "fork": False, **limits},
        ),
    ]
    assert formula.STARTUP_LIMIT == 60.0 and formula.CHILD_MEMORY == 512 * 2**20


@pytest.mark.parametrize(
    "report, message, column",
    [
        (formula.sandbox.LaunchError("no processes"),
         "cannot start the formula checker, so the formula was not checked: no processes", None),
        (formula.sandbox.StartupError("the child process died or did not report ready"),
         "the formula checker process could not start, so the formula was not checked", None),
        ([formula.sandbox.TimeLimitError("over 1 s")],
         "the formula takes too long to evaluate (over 1 s)", None),
        ([formula.sandbox.ChildDiedError("the child process died")],
         "evaluating the formula ran out of memory or crashed", None),
        ([["error", "refused in the child", 4]], "refused in the child (column 4)", 4),
    ],
    ids=["launch", "startup", "time", "died", "refused"],
)  # fmt: skip
def test_what_the_checker_process_reports_is_the_refusal_the_caller_reads(
    monkeypatch, report, message, column
):
    def checker(work, texts, **limits):  # stands in for the child process
        if isinstance(report, Exception):
            raise report
        return report

    monkeypatch.setattr(formula.sandbox, "run_in_child", checker)
    with pytest.raises(FormulaError) as info:
        parse_activation(
            f"x*tanh(x) + {len(message)}.5625*x"
        )  # a text of its own: results are cached by text
    assert str(info.value) == message and info.value.column == column


def test_the_cache_keeps_the_most_recently_used_results(monkeypatch):
    checked = []

    def checker(work, texts, **limits):  # stands in for the child: every text checks out
        checked.extend(texts)
        return [["ok"] for _ in texts]

    monkeypatch.setattr(formula.sandbox, "run_in_child", checker)
    monkeypatch.setattr(formula, "_CACHE_SIZE", 2)
    a, b, c = (f"x*tanh(x) + {k}.4375*x" for k in (1, 2, 3))
    for text in (a, b, a, c):  # a is used again before c comes: b is the least recently used
        parse_activation(text)
    assert checked == [a, b, c]
    assert parse_activation(a).text == a and parse_activation(c).text == c
    assert checked == [a, b, c]  # both kept
    parse_activation(b)
    assert checked == [a, b, c, b]  # b was dropped, so it is checked again


def test_a_batch_of_more_new_formulas_than_the_cache_holds_is_parsed_whole(monkeypatch):
    monkeypatch.setattr(
        formula.sandbox, "run_in_child", lambda work, texts, **limits: [["ok"] for _ in texts]
    )
    monkeypatch.setattr(formula, "_CACHE_SIZE", 2)
    texts = [f"x*tanh(x) + {k}.5*x" for k in range(3)]  # the third result pushes the first out of the cache
    assert [act.text for act in formula.parse_activations(texts)] == texts
