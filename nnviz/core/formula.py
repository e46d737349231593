"""Activation formulas typed as text, made safe: checked, built in SymPy under a time and memory guard.

Reading a formula has three steps. :mod:`nnviz.core.formula_syntax` checks the text against a whitelist
and gives a tree of plain data (step 1). Here the tree is mapped through fixed tables to SymPy
constructors (step 2): nothing in the text is ever evaluated, imported or looked up.

SymPy itself can hang or exhaust memory on tiny inputs (towers of powers, ``exp(exp(exp(...)))``
compared inside ``Max``), and Streamlit runs scripts outside the main thread, where ``signal.alarm``
is unavailable. So the SymPy work (building, differentiating, compiling, checking finiteness) is first
done in a child process (:func:`nnviz.core.sandbox.run_in_child`: ``os.fork``, about 10 ms; a
``multiprocessing`` spawn process on macOS and Windows) that is killed after :data:`TIME_LIMIT` seconds
and may use at most :data:`CHILD_MEMORY` more bytes; only if it succeeds is the same work repeated in
this process (step 3). Results, including refusals, are cached per text, so a formula costs about 50 ms
the first time and nothing after.
"""

from __future__ import annotations

import ast
import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache, partial
from typing import Any

import numpy as np
import sympy as sp
from sympy.functions.elementary.piecewise import ExprCondPair
from sympy.printing.str import StrPrinter

from . import sandbox
from .activations import (
    FINITE_POINTS,
    Activation,
    X,
    activation_from_expr,
    compile_expr,
    normalise_derivative,
)
from .errors import FormulaError
from .formula_syntax import Node, check_text

#: Seconds the SymPy work on one formula may take (wall clock, in the child process).
TIME_LIMIT = 1.0
#: Bytes of address space the child process may add to what it inherits (Linux).
CHILD_MEMORY = 512 * 2**20
#: Seconds a spawned (not forked) checker may take to import nnviz before the clock starts.
STARTUP_LIMIT = 60.0

# The SymPy constructor of every name the syntax allows (formula_syntax.UNARY, VARIADIC, ...).
_UNARY: dict[str, Any] = {
    "exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt, "abs": sp.Abs, "Abs": sp.Abs,
    "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "tanh": sp.tanh, "sinh": sp.sinh,
    "cosh": sp.cosh, "atan": sp.atan, "erf": sp.erf, "sign": sp.sign,
}  # fmt: skip
_VARIADIC: dict[str, Any] = {"max": sp.Max, "Max": sp.Max, "min": sp.Min, "Min": sp.Min}
_CONDITION_FUNCS: dict[str, Any] = {"Eq": sp.Eq, "Ne": sp.Ne}
_CONSTANTS: dict[str, Any] = {"pi": sp.pi, "e": sp.E, "E": sp.E}
_COMPARE = {ast.Gt: sp.Gt, ast.GtE: sp.Ge, ast.Lt: sp.Lt, ast.LtE: sp.Le, ast.Eq: sp.Eq, ast.NotEq: sp.Ne}


# --- step 2: checked tree -> SymPy (may be slow: run under the guard) --------------------------


def _bad(expr: sp.Basic) -> bool:
    return expr.has(sp.zoo, sp.oo, sp.S.NegativeInfinity, sp.nan, sp.I)


def _to_sympy(node: Node, trail: list[tuple[sp.Expr, Node]] | None = None) -> sp.Basic:
    """Map a checked tree to SymPy through fixed tables; ``trail`` collects (value, node) innermost first."""
    kind, args = node.kind, node.args
    if kind == "num":
        return sp.Integer(node.value) if isinstance(node.value, int) else sp.Float(node.value)
    if kind == "x":
        return X
    if kind == "const":
        return _CONSTANTS[node.value]
    if kind == "bool":
        return sp.true if node.value else sp.false
    if kind == "pw":
        pairs = [(_to_sympy(v, trail), _to_sympy(c, trail)) for v, c in args]  # type: ignore[misc]
        result = sp.Piecewise(*pairs)
    else:
        parts = [_to_sympy(a, trail) for a in args]
        if kind == "neg":
            result = -parts[0]
        elif kind == "bin":
            a, b, op = *parts, node.value
            if op == "+":
                result = a + b
            elif op == "-":
                result = a - b
            elif op == "*":
                result = a * b
            elif op == "/":
                result = a / b
            else:
                result = a**b
        elif kind == "call":
            fn = _UNARY.get(node.value) or _VARIADIC.get(node.value) or sp.Heaviside
            result = fn(*parts)
        elif kind == "cmp":
            fn = _CONDITION_FUNCS.get(node.value) or _COMPARE[node.value]
            result = fn(*parts)
        elif kind == "not":
            result = sp.Not(parts[0])
        else:
            result = (sp.And if kind == "and" else sp.Or)(*parts)
    if _bad(result):
        raise FormulaError(f"{node.token!r} is not a finite real value: it gives {result}", node.col)
    if trail is not None and isinstance(result, sp.Expr) and kind in ("neg", "bin", "call", "pw"):
        trail.append((result, node))
    return result


def _expression(text: str, trail: list | None = None) -> sp.Expr:
    return _to_sympy(check_text(text), trail)  # type: ignore[return-value]


def _nonfinite(expr: sp.Expr) -> bool:
    with np.errstate(all="ignore"):
        values = np.asarray(compile_expr(expr)(FINITE_POINTS.copy()))
    return values.dtype.kind == "c" or not np.all(np.isfinite(values))


def _activation(text: str) -> Activation:
    """Build the activation; on a finiteness failure, point at the innermost culprit."""
    trail: list[tuple[sp.Expr, Node]] = []
    expr = _expression(text, trail)
    try:
        return activation_from_expr(expr, text=text)
    except FormulaError as exc:
        derivative = str(exc).startswith("f'")
        for sub, node in trail[:40]:
            candidate = normalise_derivative(sp.diff(sub, X)) if derivative else sub
            if _nonfinite(candidate):
                raise FormulaError(f"{exc}; the problem starts at {node.token!r}", node.col) from None
        raise


# --- step 3: the guard: the SymPy work first runs in a bounded child (see sandbox.py) ------------

#: Whether the checker forks (else it spawns); a module attribute so tests can force the spawn path.
_use_fork = sandbox.fork_is_safe


@lru_cache(maxsize=1)
def _warm_up() -> None:
    """Pay SymPy's and lambdify's one-time import costs here, not in every forked child."""
    activation_from_expr(X**3 / 7 + X)


def _bare_message(exc: FormulaError) -> str:
    message = str(exc)
    suffix = f" (column {exc.column})"
    return message[: -len(suffix)] if exc.column is not None and message.endswith(suffix) else message


def _outcome(job: str, text: str) -> list:
    """Do the SymPy work for one text (in the child) and describe the outcome as JSON-ready data.

    ``["ok"]``, or ``["error", message, column]`` for a refusal, memory exhaustion or a SymPy failure.
    """
    try:
        _activation(text) if job == "activation" else _expression(text)
        return ["ok"]
    except FormulaError as exc:
        return ["error", _bare_message(exc)[:1000], exc.column]
    except MemoryError:
        return ["error", "the formula needs too much memory to evaluate", None]
    except Exception as exc:  # SymPy failed in some other way: refuse, but say how
        return ["error", f"SymPy cannot handle this formula ({type(exc).__name__}: {exc})"[:300], None]


def _guarded(job: str, texts: Sequence[str], budget: float) -> list[FormulaError | None]:
    """Run the SymPy work for ``texts`` in a child; one FormulaError or None per text checked, in order.

    The child gets ``budget`` seconds of wall-clock time in all; a text still running when it runs out
    is reported as too slow, and the texts after it are left out (unchecked).
    """
    try:
        outcomes = sandbox.run_in_child(
            partial(_outcome, job),
            texts,
            seconds=budget,
            memory=CHILD_MEMORY,
            startup=STARTUP_LIMIT,
            fork=_use_fork(),
            prepare=_warm_up,
        )
    except sandbox.LaunchError as exc:
        raise FormulaError(
            f"cannot start the formula checker, so the formula was not checked: {exc}"
        ) from None
    except sandbox.StartupError:
        raise FormulaError(
            "the formula checker process could not start, so the formula was not checked"
        ) from None
    results: list[FormulaError | None] = []
    for outcome in outcomes:
        if isinstance(outcome, sandbox.TimeLimitError):
            results.append(FormulaError(f"the formula takes too long to evaluate (over {budget:g} s)"))
        elif isinstance(outcome, sandbox.ChildDiedError):  # out of memory or a crash inside SymPy
            results.append(FormulaError("evaluating the formula ran out of memory or crashed"))
        else:
            results.append(None if outcome[0] == "ok" else FormulaError(outcome[1], outcome[2]))
    return results


# --- cache and public API ------------------------------------------------------------------------

_CACHE: OrderedDict[tuple[str, str], Any] = OrderedDict()
_CACHE_SIZE = 512
_LOCK = threading.Lock()


def _cached(key: tuple[str, str]) -> Any:
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    return None


def _store(key: tuple[str, str], value: Any) -> None:
    with _LOCK:
        _CACHE[key] = value
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)


def _raise_copy(error: FormulaError) -> None:
    raise FormulaError(_bare_message(error), error.column)


def _parse_many(job: str, texts: Sequence[str], budget: float) -> list[Any]:
    """Checked, cached results for ``texts``; raises FormulaError for the first bad one."""
    found, pending = {}, []  # this call's results: a batch larger than the cache keeps them all
    for text in dict.fromkeys(texts):
        found[text] = _cached((job, text))
        if found[text] is None:
            check_text(text)  # the cheap checks give immediate errors without a process
            pending.append(text)
    if pending:
        for text, error in zip(pending, _guarded(job, pending, budget)):
            if error is None:  # the child finished in time: now build it here
                value = _activation(text) if job == "activation" else _expression(text)
            else:
                value = error
            _store((job, text), value)
            found[text] = value
    results = []
    for text in texts:
        value = found[text]
        if value is None:  # left unchecked after an earlier formula used up the time
            raise FormulaError(f"{text!r} was not checked: an earlier formula ran out of time or memory")
        if isinstance(value, FormulaError):
            _raise_copy(value)
        results.append(value)
    return results


def parse_expression(text: str) -> sp.Expr:
    """Parse formula text into a SymPy expression in :data:`nnviz.core.activations.X`.

    Parameters
    ----------
    text : str
        At most :data:`~nnviz.core.formula_syntax.MAX_LENGTH` printable ASCII characters, e.g.
        ``"where(x > 0, x, 0.01*x)"``.

    Raises
    ------
    FormulaError
        For anything outside the whitelist, with the offending token and its column; for values that
        are infinite, NaN or complex (``x/0``, ``log(-1)``); or if SymPy needs more than
        :data:`TIME_LIMIT` seconds or :data:`CHILD_MEMORY` bytes to build it.
    """
    return _parse_many("expression", [text], TIME_LIMIT)[0]


def parse_activation(text: str) -> Activation:
    """Parse formula text into an :class:`~nnviz.core.activations.Activation` (f, f', NumPy code).

    Like :func:`parse_expression`, and also refuses formulas whose f or f' is not finite on
    [-10, 10]. A formula equal to a built-in (``max(0, x)``) gets the built-in's stable code and name;
    ``text`` is kept either way. Results and refusals are cached per text.

    >>> parse_activation("x/(1+abs(x))").f(np.array([1.0]))
    array([0.5])
    """
    return _parse_many("activation", [text], TIME_LIMIT)[0]


def parse_activations(texts: Sequence[str], budget: float | None = None) -> list[Activation]:
    """Parse several formulas in one checker process sharing one time budget.

    ``budget`` defaults to :data:`TIME_LIMIT` per distinct formula (checked before or not), at most
    three times :data:`TIME_LIMIT`. Raises :class:`FormulaError` for the first formula (in order) that fails.
    """
    if budget is None:
        budget = TIME_LIMIT * min(3, max(1, len(set(texts))))
    return _parse_many("activation", list(texts), budget)


class _FormulaPrinter(StrPrinter):
    """``str(expr)`` except floats, which print with all 17 significant digits' worth (``repr``)."""

    def _print_Float(self, expr: sp.Float) -> str:
        return repr(float(expr))


_PRINTABLE = (
    sp.Add, sp.Mul, sp.Pow, sp.Symbol, sp.Number, sp.Piecewise, sp.Max, sp.Min, sp.Heaviside,
    ExprCondPair, sp.core.relational.Relational, sp.And, sp.Or, sp.Not, sp.logic.boolalg.BooleanAtom,
    sp.Tuple,
)  # fmt: skip
_PRINTABLE_FUNCS = {type(f(X)).__name__ for f in _UNARY.values()} | {"exp", "sqrt"}


def formula_text(expr: sp.Expr) -> str:
    """Text that :func:`parse_expression` reads back to an expression equal to ``expr``.

    Used to store activations given as Python functions of a SymPy symbol as text.

    Raises
    ------
    FormulaError
        If ``expr`` uses a function, symbol or constant outside the whitelist, or its text is too
        long or does not read back to the same expression.
    """
    if not isinstance(expr, sp.Expr):
        raise FormulaError(f"not a SymPy expression: {type(expr).__name__}")
    for sub in sp.preorder_traversal(expr):
        if isinstance(sub, sp.Symbol) and sub != X:
            raise FormulaError(f"the symbol {sub} is not the variable x (a real symbol)")
        if sub in (sp.pi, sp.E) or isinstance(sub, _PRINTABLE):
            continue
        if isinstance(sub, sp.Function) and type(sub).__name__ in _PRINTABLE_FUNCS:
            continue
        raise FormulaError(f"{type(sub).__name__} ({str(sub)[:60]}) cannot be written as a formula")
    text = _FormulaPrinter().doprint(expr)
    try:
        back = parse_expression(text)
    except FormulaError as exc:
        raise FormulaError(f"the expression cannot be written as a formula: {_bare_message(exc)}") from None
    if back != expr:
        raise FormulaError(f"the expression does not read back unchanged from its text {text[:80]!r}")
    return text
