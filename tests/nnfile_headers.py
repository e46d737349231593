"""Pieces of hand-built ``.nn`` headers for the file-format tests (the layout: docs/nn-format.md)."""

from __future__ import annotations


def linear_layer(inputs: int, units: int, offset: int = 0) -> dict:
    """The header entry of ``units`` linear units without bias on ``inputs`` inputs, whose float64
    weights (``units`` x ``inputs``) start at byte ``offset`` of the arrays."""
    weights = {"dtype": "<f8", "shape": [units, inputs], "offset": offset}
    linear = {"builtin": "linear"}
    return {"units": units, "bias": False, "activation": linear, "weights": weights, "biases": None}
