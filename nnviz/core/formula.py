"""Safe parsing of activation formulas typed as text.

A formula such as ``x*tanh(log(1+exp(x)))`` is read with Python's :mod:`ast` and checked against a
whitelist: numbers, the variable ``x``, ``+ - * / **``, unary minus, the constants ``pi`` and ``e``,
a fixed table of functions (:data:`FUNCTIONS`), and comparisons only as the condition of ``where`` or
``Piecewise``. Nothing in the text is ever evaluated, imported or looked up: every node is mapped
through fixed tables to SymPy constructors. Errors are :class:`~nnviz.core.errors.FormulaError`\\ s that
name the offending token and its 1-based column.

SymPy itself can hang or exhaust memory on tiny inputs (towers of powers, ``exp(exp(exp(...)))``
compared inside ``Max``), and Streamlit runs scripts outside the main thread, where ``signal.alarm``
is unavailable. So the SymPy work (building, differentiating, compiling, checking finiteness) is first
done in a child process (:func:`nnviz.core.sandbox.run_in_child`: ``os.fork``, about 10 ms; a
``multiprocessing`` spawn process on macOS and Windows) that is killed after :data:`TIME_LIMIT` seconds
and may use at most :data:`CHILD_MEMORY` more bytes; only if it succeeds is the same work repeated in
this process. Results, including refusals, are cached per text, so a formula costs about 50 ms the
first time and nothing after.
"""

from __future__ import annotations

import ast
import math
import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache, partial
from typing import Any, NamedTuple

import numpy as np
import sympy as sp
from sympy.functions.elementary.piecewise import ExprCondPair
from sympy.printing.str import StrPrinter

from . import activations as _act
from . import sandbox
from .activations import Activation, X, activation_from_expr, compile_expr
from .errors import FormulaError

#: Longest formula accepted, in characters.
MAX_LENGTH = 500
#: Most syntax-tree nodes and deepest nesting a formula may have.
MAX_NODES = 200
MAX_DEPTH = 40
#: Largest magnitude of a number written in a formula, and of a constant exponent.
MAX_CONSTANT = 1e6
MAX_EXPONENT = 100
#: Most arguments of max/min and most (value, condition) pairs of a Piecewise.
MAX_ARGS = 8
#: Seconds the SymPy work on one formula may take (wall clock, in the child process).
TIME_LIMIT = 1.0
#: Bytes of address space the child process may add to what it inherits (Linux).
CHILD_MEMORY = 512 * 2**20
#: Seconds a spawned (not forked) checker may take to import nnviz before the clock starts.
STARTUP_LIMIT = 60.0

_UNARY: dict[str, Any] = {
    "exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt, "abs": sp.Abs, "Abs": sp.Abs,
    "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "tanh": sp.tanh, "sinh": sp.sinh,
    "cosh": sp.cosh, "atan": sp.atan, "erf": sp.erf, "sign": sp.sign,
}  # fmt: skip
_VARIADIC: dict[str, Any] = {"max": sp.Max, "Max": sp.Max, "min": sp.Min, "Min": sp.Min}
_CONDITION_FUNCS: dict[str, Any] = {"Eq": sp.Eq, "Ne": sp.Ne}
#: Every function name a formula may call (SymPy's printed spellings included).
FUNCTIONS = sorted([*_UNARY, *_VARIADIC, "Heaviside", "where", "piecewise", "Piecewise"])
_CONSTANTS: dict[str, Any] = {"pi": sp.pi, "e": sp.E, "E": sp.E}
_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_COMPARE = {ast.Gt: sp.Gt, ast.GtE: sp.Ge, ast.Lt: sp.Lt, ast.LtE: sp.Le, ast.Eq: sp.Eq, ast.NotEq: sp.Ne}
_OP_TEXT = {
    ast.Mod: "%", ast.FloorDiv: "//", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>",
    ast.BitXor: "^", ast.BitAnd: "&", ast.BitOr: "|",
}  # fmt: skip
_NOT_ALLOWED = {
    ast.Attribute: "attribute access", ast.Lambda: "a lambda", ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension", ast.DictComp: "a comprehension", ast.GeneratorExp: "a comprehension",
    ast.Subscript: "indexing", ast.JoinedStr: "an f-string", ast.List: "a list", ast.Tuple: "a tuple",
    ast.Set: "a set", ast.Dict: "a dict", ast.NamedExpr: "assignment", ast.Starred: "unpacking",
    ast.IfExp: "'a if c else b' (use where(c, a, b))", ast.Await: "await", ast.Yield: "yield",
}  # fmt: skip


class _Node(NamedTuple):
    """A checked formula node: plain data, no SymPy, no user code."""

    kind: str  # num, x, const, neg, bin, call, cmp, and, or, not, bool, pw
    value: Any  # number, name, operator or function name
    args: tuple[_Node, ...]
    col: int  # 1-based column
    token: str  # source text, for messages


# --- step 1: text -> checked tree (pure Python, cheap, no SymPy) --------------------------------


class _Checker:
    def __init__(self, text: str, lead: int) -> None:
        self.text, self.lead, self.nodes = text, lead, 0

    def token(self, node: ast.AST) -> str:
        seg = ast.get_source_segment(self.text, node) or type(node).__name__
        return seg if len(seg) <= 40 else seg[:37] + "..."

    def col(self, node: ast.AST) -> int:
        return self.lead + node.col_offset + 1

    def fail(self, message: str, node: ast.AST | None = None, col: int | None = None) -> FormulaError:
        return FormulaError(message, col if col is not None else self.col(node))

    def check(self, node: ast.AST, depth: int, cond: bool = False) -> _Node:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.fail(
                f"the formula is too long (more than {MAX_NODES} parts) at {self.token(node)!r}", node
            )
        if depth > MAX_DEPTH:
            raise self.fail(f"the formula is nested too deeply (more than {MAX_DEPTH} levels)", node)
        method = getattr(self, "check_" + type(node).__name__, None)
        if method is None:
            if isinstance(node, (ast.Attribute, ast.Subscript)):
                self.check(node.value, depth + 1)  # report the leftmost offending token first
            raise self.not_allowed(node)
        return method(node, depth + 1, cond)

    def not_allowed(self, node: ast.AST) -> FormulaError:
        if isinstance(node, ast.Attribute):
            start = self.text.rfind(".", 0, node.end_col_offset - len(node.attr))
            return self.fail(f"attribute access '.{node.attr}' is not allowed", col=self.lead + start + 1)
        what = _NOT_ALLOWED.get(type(node), "this kind of expression")
        if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
            what = "a string"
        return self.fail(f"{what} is not allowed: {self.token(node)!r}", node)

    def check_Constant(self, node: ast.Constant, depth: int, cond: bool) -> _Node:
        value = node.value
        if cond and isinstance(value, bool):
            return _Node("bool", value, (), self.col(node), self.token(node))
        if isinstance(value, bool) or not isinstance(value, (int, float, complex)):
            if isinstance(value, bool):
                raise self.fail(f"{value} may be used only as a condition of Piecewise", node)
            raise self.not_allowed(node)
        if isinstance(value, complex):
            raise self.fail(f"complex numbers are not allowed: {self.token(node)!r}", node)
        if cond:
            raise self.condition_expected(node)
        if not abs(value) <= MAX_CONSTANT:
            raise self.fail(f"the number {self.token(node)} is too large (at most {MAX_CONSTANT:g})", node)
        return _Node("num", value, (), self.col(node), self.token(node))

    def check_Name(self, node: ast.Name, depth: int, cond: bool) -> _Node:
        if cond:
            raise self.condition_expected(node)
        if node.id == "x":
            return _Node("x", "x", (), self.col(node), "x")
        if node.id in _CONSTANTS:
            return _Node("const", node.id, (), self.col(node), node.id)
        hint = " (the variable is a lowercase x)" if node.id == "X" else ""
        if node.id in FUNCTIONS:
            hint = f" ({node.id} is a function: write {node.id}(...))"
        raise self.fail(
            f"unknown name {node.id!r}{hint}; use x, pi, e and the functions " + ", ".join(FUNCTIONS), node
        )

    def check_UnaryOp(self, node: ast.UnaryOp, depth: int, cond: bool) -> _Node:
        negation = isinstance(node.op, (ast.Not, ast.Invert))
        if cond:
            if not negation:
                raise self.condition_expected(node)
            inner = self.check(node.operand, depth, True)
            return _Node("not", None, (inner,), self.col(node), self.token(node))
        if negation:
            raise self.fail(
                "'not' and '~' may be used only in the condition of where(...) or Piecewise(...)", node
            )
        inner = self.check(node.operand, depth)
        if isinstance(node.op, ast.UAdd):
            return inner
        return _Node("neg", "-", (inner,), self.col(node), self.token(node))

    def op_col(self, node: ast.BinOp, symbol: str) -> int:
        return self.lead + self.text.find(symbol, node.left.end_col_offset, node.right.col_offset) + 1

    def check_BinOp(self, node: ast.BinOp, depth: int, cond: bool) -> _Node:
        if cond and isinstance(node.op, (ast.BitAnd, ast.BitOr)):
            kind = "and" if isinstance(node.op, ast.BitAnd) else "or"
            parts = (self.check(node.left, depth, True), self.check(node.right, depth, True))
            return _Node(kind, None, parts, self.col(node), self.token(node))
        if cond:
            raise self.condition_expected(node)
        symbol = _BINARY.get(type(node.op))
        if symbol is None:
            text = _OP_TEXT.get(type(node.op), "?")
            hint = " ('^' is not a power: use **)" if text == "^" else ""
            raise self.fail(f"operator {text!r} is not allowed{hint}", col=self.op_col(node, text))
        left, right = self.check(node.left, depth), self.check(node.right, depth)
        if symbol == "**":
            self.check_exponent(node, right)
        return _Node("bin", symbol, (left, right), self.op_col(node, symbol), self.token(node))

    def check_exponent(self, node: ast.BinOp, exponent: _Node) -> None:
        inner = _find(exponent, lambda n: n.kind == "bin" and n.value == "**")
        if inner is not None:
            raise FormulaError(f"power towers like a**b**c are not allowed: {inner.token!r}", inner.col)
        value = _constant_value(exponent)
        if value is not None and not abs(value) <= MAX_EXPONENT:
            raise self.fail(
                f"the exponent {exponent.token!r} is too large (at most {MAX_EXPONENT})", col=exponent.col
            )

    def check_Compare(self, node: ast.Compare, depth: int, cond: bool) -> _Node:
        if not cond:
            raise self.fail(
                f"the comparison {self.token(node)!r} may be used only as the condition of where(...) "
                "or Piecewise(...)",
                node,
            )
        terms = [self.check(node.left, depth)] + [self.check(c, depth) for c in node.comparators]
        parts = []
        for op, left, right in zip(node.ops, terms, terms[1:]):
            if type(op) not in _COMPARE:
                raise self.fail(
                    f"comparison {type(op).__name__} is not allowed in {self.token(node)!r}", node
                )
            parts.append(_Node("cmp", type(op), (left, right), left.col, self.token(node)))
        return (
            parts[0]
            if len(parts) == 1
            else _Node("and", None, tuple(parts), self.col(node), self.token(node))
        )

    def check_BoolOp(self, node: ast.BoolOp, depth: int, cond: bool) -> _Node:
        if not cond:
            raise self.condition_expected(node)
        kind = "and" if isinstance(node.op, ast.And) else "or"
        parts = tuple(self.check(v, depth, True) for v in node.values)
        return _Node(kind, None, parts, self.col(node), self.token(node))

    def condition_expected(self, node: ast.AST) -> FormulaError:
        return self.fail(f"expected a condition such as x > 0, not {self.token(node)!r}", node)

    def check_Call(self, node: ast.Call, depth: int, cond: bool) -> _Node:
        if not isinstance(node.func, ast.Name):
            self.check(node.func, depth)  # raises for attributes, lambdas, calls of unknown names...
            raise self.fail(f"only the listed functions may be called, not {self.token(node.func)!r}", node)
        name = node.func.id
        if node.keywords:
            raise self.fail(
                f"keyword arguments are not allowed in {name}(...)", col=self.col(node.keywords[0].value)
            )
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.not_allowed(arg)
        args, col, token = node.args, self.col(node), self.token(node)
        if cond and name in _CONDITION_FUNCS:
            self.arity(node, 2, 2)
            parts = tuple(self.check(a, depth) for a in args)
            return _Node("cmp", name, parts, col, token)
        if name not in FUNCTIONS:
            raise self.fail(f"unknown function {name!r}; allowed: " + ", ".join(FUNCTIONS), node)
        if cond:
            raise self.condition_expected(node)
        if name in _UNARY:
            self.arity(node, 1, 1)
            return _Node("call", name, (self.check(args[0], depth),), col, token)
        if name in _VARIADIC:
            self.arity(node, 2, MAX_ARGS)
            return _Node("call", name, tuple(self.check(a, depth) for a in args), col, token)
        if name == "Heaviside":
            self.arity(node, 1, 2)
            parts = [self.check(args[0], depth)]
            if len(args) == 2:
                h0 = self.check(args[1], depth)
                if _constant_value(h0) not in (0.0, 0.5, 1.0):
                    raise FormulaError("Heaviside's second argument must be 0, 0.5 or 1", h0.col)
                parts.append(h0)
            return _Node("call", name, tuple(parts), col, token)
        if name == "where":
            self.arity(node, 3, 3)
            c, a, b = self.check(args[0], depth, True), self.check(args[1], depth), self.check(args[2], depth)
            true = _Node("bool", True, (), col, "True")
            return _Node("pw", None, ((a, c), (b, true)), col, token)  # type: ignore[arg-type]
        self.arity(node, 1, MAX_ARGS)  # Piecewise((value, condition), ...)
        pairs = []
        for pair in args:
            if not isinstance(pair, ast.Tuple) or len(pair.elts) != 2:
                raise self.fail(
                    f"{name}'s arguments must be pairs (value, condition), not {self.token(pair)!r}", pair
                )
            self.nodes += 1
            pairs.append((self.check(pair.elts[0], depth + 1), self.check(pair.elts[1], depth + 1, True)))
        return _Node("pw", None, tuple(pairs), col, token)  # type: ignore[arg-type]

    def arity(self, node: ast.Call, low: int, high: int) -> None:
        n, name = len(node.args), node.func.id  # type: ignore[attr-defined]
        if not low <= n <= high:
            want = str(low) if low == high else f"{low} to {high}"
            raise self.fail(f"{name}() takes {want} argument{'s' if high > 1 else ''}, got {n}", node)


def _find(node: _Node, pred) -> _Node | None:
    if pred(node):
        return node
    for child in _children(node):
        found = _find(child, pred)
        if found is not None:
            return found
    return None


def _children(node: _Node) -> list[_Node]:
    if node.kind == "pw":
        return [part for pair in node.args for part in pair]  # type: ignore[union-attr]
    return list(node.args)


def _constant_value(node: _Node) -> float | None:
    """Float value of an ``x``-free tree of numbers and arithmetic, else None (inf if it overflows)."""
    if node.kind == "num":
        return float(node.value)
    if node.kind == "const":
        return math.pi if node.value == "pi" else math.e
    if node.kind == "neg":
        inner = _constant_value(node.args[0])
        return None if inner is None else -inner
    if node.kind != "bin" or node.value == "**":
        return None
    a, b = _constant_value(node.args[0]), _constant_value(node.args[1])
    if a is None or b is None:
        return None
    with np.errstate(all="ignore"):
        ops = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide}
        return float(ops[node.value](np.float64(a), np.float64(b)))


def _check_text(text: object) -> _Node:
    """Validate formula text and return its checked tree; raises :class:`FormulaError`."""
    if not isinstance(text, str):
        raise FormulaError(f"a formula must be text, not {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise FormulaError(
            f"the formula is too long ({len(text)} characters; at most {MAX_LENGTH})", MAX_LENGTH + 1
        )
    for i, ch in enumerate(text):
        if not " " <= ch <= "~":
            raise FormulaError(f"only printable ASCII characters are allowed, not {ch!r}", i + 1)
    stripped = text.strip()
    if not stripped:
        raise FormulaError("the formula is empty", 1)
    lead = len(text) - len(text.lstrip())
    try:
        tree = ast.parse(stripped, mode="eval")
    except SyntaxError as exc:
        raise FormulaError(f"syntax error: {exc.msg}", lead + (exc.offset or 1)) from None
    except (RecursionError, MemoryError, ValueError):
        raise FormulaError("the formula is nested too deeply", 1) from None
    return _Checker(stripped, lead).check(tree.body, 0)


# --- step 2: checked tree -> SymPy (may be slow: run under the guard) --------------------------


def _bad(expr: sp.Basic) -> bool:
    return expr.has(sp.zoo, sp.oo, sp.S.NegativeInfinity, sp.nan, sp.I)


def _to_sympy(node: _Node, trail: list[tuple[sp.Expr, _Node]] | None = None) -> sp.Basic:
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
    return _to_sympy(_check_text(text), trail)  # type: ignore[return-value]


def _nonfinite(expr: sp.Expr) -> bool:
    with np.errstate(all="ignore"):
        values = np.asarray(compile_expr(expr)(_act._FINITE_POINTS.copy()))
    return values.dtype.kind == "c" or not np.all(np.isfinite(values))


def _activation(text: str) -> Activation:
    """Build the activation; on a finiteness failure, point at the innermost culprit."""
    trail: list[tuple[sp.Expr, _Node]] = []
    expr = _expression(text, trail)
    try:
        return activation_from_expr(expr, text=text)
    except FormulaError as exc:
        derivative = str(exc).startswith("f'")
        for sub, node in trail[:40]:
            candidate = _act._normalise_derivative(sp.diff(sub, X)) if derivative else sub
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
    pending = []
    for text in dict.fromkeys(texts):
        if _cached((job, text)) is None:
            _check_text(text)  # the cheap checks give immediate errors without a process
            pending.append(text)
    if pending:
        for text, error in zip(pending, _guarded(job, pending, budget)):
            if error is None:  # the child finished in time: now build it here
                _store((job, text), _activation(text) if job == "activation" else _expression(text))
            else:
                _store((job, text), error)
    results = []
    for text in texts:
        value = _cached((job, text))
        if value is None:  # left unchecked after an earlier formula used up the time: not cached
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
        At most :data:`MAX_LENGTH` printable ASCII characters, e.g. ``"where(x > 0, x, 0.01*x)"``.

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

    ``budget`` defaults to :data:`TIME_LIMIT` per distinct unchecked formula, at most three times
    :data:`TIME_LIMIT`. Raises :class:`FormulaError` for the first formula (in order) that fails.
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
