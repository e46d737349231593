"""The backprop page's equations with numbers: numbers, vectors and matrices as LaTeX, broken into lines
that fit the page's equation column (:mod:`nnviz.lessons.backprop_step_by_step` lays out its steps with
these).
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: Widest line of an equation with numbers, in ems of KaTeX (the page's equation column is about 600 px
#: wide in a 1500 px window, at 19 px per em): longer equations are broken before an operator.
LINE_EMS = 26.0


def number(v: float, digits: int = 4) -> str:
    """A number for LaTeX: ``0.7311``, ``-12.5``, ``3.2 \\cdot 10^{-5}``."""
    v = float(v)
    if not np.isfinite(v):
        return r"\mathrm{NaN}" if np.isnan(v) else (r"\infty" if v > 0 else r"-\infty")
    if v == 0:
        return "0"
    if 1e-3 <= abs(v) < 1e5:
        text = f"{v:.{digits}g}"
        return text
    mantissa, exponent = f"{v:.{max(1, digits - 2)}e}".split("e")
    return rf"{mantissa} \cdot 10^{{{int(exponent)}}}"


def matrix(values: Any, digits: int = 4) -> str:
    """A LaTeX ``bmatrix`` of a scalar, vector (shown as a column) or matrix."""
    arr = np.asarray(values, dtype=float)
    if arr.ndim == 0:
        return number(arr, digits)
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    rows = [" & ".join(number(v, digits) for v in row) for row in arr]
    return r"\begin{bmatrix} " + r" \\ ".join(rows) + r" \end{bmatrix}"


def sup(layer: int) -> str:
    """The superscript of layer ``layer``: ``^{[2]}``."""
    return f"^{{[{layer}]}}"


def ems(text: str) -> float:
    """Typeset width of a :func:`number` in ems: digits ½ em, the point and exponent digits narrower."""
    if text.startswith("\\"):
        return 1.8  # infinity, NaN
    head, _, power = text.partition(r" \cdot 10^")
    width = 0.5 * sum(c.isdigit() for c in head) + 0.28 * head.count(".") + 0.78 * head.count("-")
    return width + (1.8 + 0.4 * len(power.strip("{}")) if power else 0.0)


def term(values: Any, before: str = "", before_ems: float = 0.0) -> tuple[str, float]:
    """``before`` followed by :func:`matrix` of ``values``, and its typeset width in ems."""
    arr = np.asarray(values, dtype=float)
    if arr.ndim == 0:
        return f"{before}{number(arr)}".strip(), before_ems + ems(number(arr))
    cells = arr.reshape(-1, 1) if arr.ndim == 1 else arr
    columns = [max(ems(number(v)) for v in column) for column in cells.T]
    width = sum(columns) + 1.0 * (len(columns) - 1) + 1.2
    return f"{before}{matrix(arr)}".strip(), before_ems + width


def lines(*terms: tuple[str, float], budget: float = LINE_EMS) -> str:
    """Terms (LaTeX, width in ems) on one line, or broken into left-aligned lines of at most ``budget``."""
    rows: list[list[str]] = [[]]
    used = 0.0
    for text, width in terms:
        if rows[-1] and used + width > budget:
            rows.append([])
            used = 1.0  # the \quad that indents a continued line
        rows[-1].append(text)
        used += width
    if len(rows) == 1:
        return " ".join(rows[0])
    return r"\begin{aligned} & " + r" \\ & \quad ".join(" ".join(r) for r in rows) + r" \end{aligned}"


def stacked(*equations: str) -> str:
    """Several equations, one under the other, aligned on the left."""
    if len(equations) == 1:
        return equations[0]
    return r"\begin{aligned} & " + r" \\[6pt] & ".join(equations) + r" \end{aligned}"
