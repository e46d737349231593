"""How the playground words things for people: a setting's value as the sidebar shows it, a network in a
few words, what differs between two set-ups (a run's label on the loss chart: "learning rate 0.1"), and
what went wrong with a run (divergence, an exploding loss).

Pure Python over :data:`nnviz.playground.settings.FIELDS`, so every setting is worded from the one table.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnviz.core.datasets import CUSTOM as YOUR_DATA
from nnviz.core.datasets import DATASETS, FEATURES
from nnviz.playground.settings import CUSTOM, FIELDS, LayerSettings, Settings
from nnviz.user_text import number, shorten

#: How the initialisers are named on screen.
INIT_NAMES = {"he": "He", "xavier": "Xavier / Glorot", "small_normal": "small normal (×0.1)"}


def value_text(name: str, value: Any) -> str:
    """A scalar setting's value as the sidebar shows it: ``"full batch"``, ``"Circle"``, ``"0.03"``."""
    if name == "dataset" and value in DATASETS:
        return DATASETS[value].label
    if name == "dataset" and value == YOUR_DATA:
        return "Your data (click or upload)"
    if name == "batch_size" and value == 0:
        return "full batch"
    if name == "epochs_per_frame" and value == 0:
        return "auto (fast)"
    if name == "init":
        return INIT_NAMES.get(value, str(value))
    if name == "features" and isinstance(value, tuple | list):
        return ", ".join(FEATURES[v][0] if v in FEATURES else str(v) for v in value)
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, int | float):
        return number(value)
    return str(value)


def layer_text(layer: LayerSettings, size: bool = True) -> str:
    """One layer in a few words: ``"4 tanh"``, ``"2 [x/(1+abs(x))] no bias"`` (a formula shortened)."""
    act = f"[{shorten(layer.formula, 40)}]" if layer.activation == CUSTOM else layer.activation
    return " ".join([*([str(layer.size)] if size else []), act, *([] if layer.bias else ["no bias"])])


def network_text(settings: Settings) -> str:
    """The layers in a few words: ``"4 tanh, 2 tanh → sigmoid"`` (``"→ sigmoid"`` with no hidden layer)."""
    hidden = ", ".join(layer_text(layer) for layer in settings.hidden)
    return f"{hidden} → {layer_text(settings.output, size=False)}".strip()


def difference(settings: Settings, current: Settings) -> str:
    """What ``settings`` set differently from ``current``, each as ``"label value"``, in table order;
    ``"same settings"`` when nothing does."""
    parts = [
        f"{spec.label.lower()} {value_text(name, getattr(settings, name))}"
        for name, spec in FIELDS.items()
        if getattr(settings, name) != getattr(current, name)
    ]
    if (settings.hidden, settings.output) != (current.hidden, current.output):
        parts.append(network_text(settings))
    return ", ".join(parts) or "same settings"


# --- what the learner is told about a run in trouble ---------------------------------------------


def divergence_message(epoch: int, last: tuple[int, float] | None) -> str:
    """Why training stopped in epoch ``epoch + 1``, with the last finite loss ``(epoch, loss)`` kept."""
    loss = f" (loss {last[1]:.3g})" if last is not None else ""
    return (
        f"Training diverged in epoch {epoch + 1}: a loss or weight became NaN or infinite. "
        f"The network is back at its weights after epoch {epoch}{loss}; lower the learning rate "
        "or change the set-up."
    )


def explosion_warning(epochs: np.ndarray, values: np.ndarray) -> str | None:
    """A warning when a loss curve has grown over a thousandfold (before it overflows), else None."""
    if len(values) < 2 or not (values[0] > 0 and values[-1] > 1000 * values[0]):
        return None
    return (
        f"The loss is exploding: {values[-1]:.3g} after epoch {int(epochs[-1])}, from {values[0]:.3g} at "
        f"epoch {int(epochs[0])}. The steps overshoot: lower the learning rate."
    )


__all__ = [
    "difference",
    "divergence_message",
    "explosion_warning",
    "layer_text",
    "network_text",
    "value_text",
]
