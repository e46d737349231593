"""Safe parsing of activation formulas typed as text (being written: see issue 4)."""

from __future__ import annotations

from .errors import FormulaError


def parse_activation(text: str):
    raise FormulaError("formula activations are not available yet")
