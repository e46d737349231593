"""Step 1 of reading a formula: text to a checked syntax tree, in pure Python (cheap, no SymPy).

A formula such as ``x*tanh(log(1+exp(x)))`` is read with Python's :mod:`ast` and checked against a
whitelist: numbers, the variable ``x``, ``+ - * / **``, unary minus, the constants ``pi`` and ``e``,
a fixed table of functions (:data:`FUNCTIONS`), and comparisons only as the condition of ``where`` or
``Piecewise``. The result is a tree of :class:`Node` s (plain data); nothing in the text is ever
evaluated, imported or looked up. Errors are :class:`~nnviz.core.errors.FormulaError`\\ s that name the
offending token and its 1-based column. :mod:`nnviz.core.formula` turns a checked tree into SymPy.
"""

from __future__ import annotations

import ast
import math
from typing import Any, NamedTuple

import numpy as np

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

#: Functions of one argument, of 2 to :data:`MAX_ARGS` arguments, and comparisons usable as conditions.
UNARY = (
    "exp", "log", "sqrt", "abs", "Abs", "sin", "cos", "tan", "tanh", "sinh", "cosh", "atan", "erf", "sign",
)  # fmt: skip
VARIADIC = ("max", "Max", "min", "Min")
CONDITION_FUNCTIONS = ("Eq", "Ne")
#: Every function name a formula may call (SymPy's printed spellings included).
FUNCTIONS = sorted([*UNARY, *VARIADIC, "Heaviside", "where", "piecewise", "Piecewise"])
#: The named constants.
CONSTANTS = ("pi", "e", "E")
#: Comparison operators allowed in conditions.
COMPARISONS = (ast.Gt, ast.GtE, ast.Lt, ast.LtE, ast.Eq, ast.NotEq)
_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
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


class Node(NamedTuple):
    """A checked formula node: plain data, no SymPy, no user code."""

    kind: str  # num, x, const, neg, bin, call, cmp, and, or, not, bool, pw
    value: Any  # number, name, operator or function name
    args: tuple[Node, ...]
    col: int  # 1-based column
    token: str  # source text, for messages


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

    def check(self, node: ast.AST, depth: int, cond: bool = False) -> Node:
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

    def check_Constant(self, node: ast.Constant, depth: int, cond: bool) -> Node:
        value = node.value
        if cond and isinstance(value, bool):
            return Node("bool", value, (), self.col(node), self.token(node))
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
        return Node("num", value, (), self.col(node), self.token(node))

    def check_Name(self, node: ast.Name, depth: int, cond: bool) -> Node:
        if cond:
            raise self.condition_expected(node)
        if node.id == "x":
            return Node("x", "x", (), self.col(node), "x")
        if node.id in CONSTANTS:
            return Node("const", node.id, (), self.col(node), node.id)
        hint = " (the variable is a lowercase x)" if node.id == "X" else ""
        if node.id in FUNCTIONS:
            hint = f" ({node.id} is a function: write {node.id}(...))"
        raise self.fail(
            f"unknown name {node.id!r}{hint}; use x, pi, e and the functions " + ", ".join(FUNCTIONS), node
        )

    def check_UnaryOp(self, node: ast.UnaryOp, depth: int, cond: bool) -> Node:
        negation = isinstance(node.op, (ast.Not, ast.Invert))
        if cond:
            if not negation:
                raise self.condition_expected(node)
            inner = self.check(node.operand, depth, True)
            return Node("not", None, (inner,), self.col(node), self.token(node))
        if negation:
            raise self.fail(
                "'not' and '~' may be used only in the condition of where(...) or Piecewise(...)", node
            )
        inner = self.check(node.operand, depth)
        if isinstance(node.op, ast.UAdd):
            return inner
        return Node("neg", "-", (inner,), self.col(node), self.token(node))

    def op_col(self, node: ast.BinOp, symbol: str) -> int:
        return self.lead + self.text.find(symbol, node.left.end_col_offset, node.right.col_offset) + 1

    def check_BinOp(self, node: ast.BinOp, depth: int, cond: bool) -> Node:
        if cond and isinstance(node.op, (ast.BitAnd, ast.BitOr)):
            kind = "and" if isinstance(node.op, ast.BitAnd) else "or"
            parts = (self.check(node.left, depth, True), self.check(node.right, depth, True))
            return Node(kind, None, parts, self.col(node), self.token(node))
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
        return Node("bin", symbol, (left, right), self.op_col(node, symbol), self.token(node))

    def check_exponent(self, node: ast.BinOp, exponent: Node) -> None:
        inner = find(exponent, lambda n: n.kind == "bin" and n.value == "**")
        if inner is not None:
            raise FormulaError(f"power towers like a**b**c are not allowed: {inner.token!r}", inner.col)
        value = constant_value(exponent)
        if value is not None and not abs(value) <= MAX_EXPONENT:
            raise self.fail(
                f"the exponent {exponent.token!r} is too large (at most {MAX_EXPONENT})", col=exponent.col
            )

    def check_Compare(self, node: ast.Compare, depth: int, cond: bool) -> Node:
        if not cond:
            raise self.fail(
                f"the comparison {self.token(node)!r} may be used only as the condition of where(...) "
                "or Piecewise(...)",
                node,
            )
        terms = [self.check(node.left, depth)] + [self.check(c, depth) for c in node.comparators]
        parts = []
        for op, left, right in zip(node.ops, terms, terms[1:]):
            if type(op) not in COMPARISONS:
                raise self.fail(
                    f"comparison {type(op).__name__} is not allowed in {self.token(node)!r}", node
                )
            parts.append(Node("cmp", type(op), (left, right), left.col, self.token(node)))
        return (
            parts[0] if len(parts) == 1 else Node("and", None, tuple(parts), self.col(node), self.token(node))
        )

    def check_BoolOp(self, node: ast.BoolOp, depth: int, cond: bool) -> Node:
        if not cond:
            raise self.condition_expected(node)
        kind = "and" if isinstance(node.op, ast.And) else "or"
        parts = tuple(self.check(v, depth, True) for v in node.values)
        return Node(kind, None, parts, self.col(node), self.token(node))

    def condition_expected(self, node: ast.AST) -> FormulaError:
        return self.fail(f"expected a condition such as x > 0, not {self.token(node)!r}", node)

    def check_Call(self, node: ast.Call, depth: int, cond: bool) -> Node:
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
        if cond and name in CONDITION_FUNCTIONS:
            self.arity(node, 2, 2)
            parts = tuple(self.check(a, depth) for a in args)
            return Node("cmp", name, parts, col, token)
        if name not in FUNCTIONS:
            raise self.fail(f"unknown function {name!r}; allowed: " + ", ".join(FUNCTIONS), node)
        if cond:
            raise self.condition_expected(node)
        if name in UNARY:
            self.arity(node, 1, 1)
            return Node("call", name, (self.check(args[0], depth),), col, token)
        if name in VARIADIC:
            self.arity(node, 2, MAX_ARGS)
            return Node("call", name, tuple(self.check(a, depth) for a in args), col, token)
        if name == "Heaviside":
            self.arity(node, 1, 2)
            parts = [self.check(args[0], depth)]
            if len(args) == 2:
                h0 = self.check(args[1], depth)
                if constant_value(h0) not in (0.0, 0.5, 1.0):
                    raise FormulaError("Heaviside's second argument must be 0, 0.5 or 1", h0.col)
                parts.append(h0)
            return Node("call", name, tuple(parts), col, token)
        if name == "where":
            self.arity(node, 3, 3)
            c, a, b = self.check(args[0], depth, True), self.check(args[1], depth), self.check(args[2], depth)
            true = Node("bool", True, (), col, "True")
            return Node("pw", None, ((a, c), (b, true)), col, token)  # type: ignore[arg-type]
        self.arity(node, 1, MAX_ARGS)  # Piecewise((value, condition), ...)
        pairs = []
        for pair in args:
            if not isinstance(pair, ast.Tuple) or len(pair.elts) != 2:
                raise self.fail(
                    f"{name}'s arguments must be pairs (value, condition), not {self.token(pair)!r}", pair
                )
            self.nodes += 1
            pairs.append((self.check(pair.elts[0], depth + 1), self.check(pair.elts[1], depth + 1, True)))
        return Node("pw", None, tuple(pairs), col, token)  # type: ignore[arg-type]

    def arity(self, node: ast.Call, low: int, high: int) -> None:
        n, name = len(node.args), node.func.id  # type: ignore[attr-defined]
        if not low <= n <= high:
            want = str(low) if low == high else f"{low} to {high}"
            raise self.fail(f"{name}() takes {want} argument{'s' if high > 1 else ''}, got {n}", node)


def find(node: Node, pred) -> Node | None:
    if pred(node):
        return node
    for child in children(node):
        found = find(child, pred)
        if found is not None:
            return found
    return None


def children(node: Node) -> list[Node]:
    if node.kind == "pw":
        return [part for pair in node.args for part in pair]  # type: ignore[union-attr]
    return list(node.args)


def constant_value(node: Node) -> float | None:
    """Float value of an ``x``-free tree of numbers and arithmetic, else None (inf if it overflows)."""
    if node.kind == "num":
        return float(node.value)
    if node.kind == "const":
        return math.pi if node.value == "pi" else math.e
    if node.kind == "neg":
        inner = constant_value(node.args[0])
        return None if inner is None else -inner
    if node.kind != "bin" or node.value == "**":
        return None
    a, b = constant_value(node.args[0]), constant_value(node.args[1])
    if a is None or b is None:
        return None
    with np.errstate(all="ignore"):
        ops = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide}
        return float(ops[node.value](np.float64(a), np.float64(b)))


def check_text(text: object) -> Node:
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
