"""What the app keeps in a ``.nn`` file's metadata, written and read in one place.

The engine stores any JSON object as a model's metadata and checks the types of its fixed fields
(``docs/nn-format.md``). The app fills it in a fixed layout::

    {"dataset": "xor", "epoch": 120, "loss_history": [...],
     "training": {"app": "nnviz playground", "settings": {...}, "features": ["x1", "x2"],
                  "loss_epochs": [...], "test_loss": {"epochs": [...], "values": [...]}}}

:class:`ModelRecord` is that layout as typed fields. Reading never fails: a file may come from a script, an
older nnviz or anyone, so a field that is missing or malformed reads as absent (None).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: The ``training.app`` value the playground writes.
APP = "nnviz playground"
#: Most points of a loss curve read from a file.
MAX_CURVE = 4096


@dataclass(frozen=True)
class Curve:
    """A loss curve: the epochs and the loss after each, of equal length."""

    epochs: tuple[int, ...]
    values: tuple[float, ...]

    def to_dict(self) -> dict[str, list]:
        return {"epochs": list(self.epochs), "values": list(self.values)}


@dataclass(frozen=True)
class ModelRecord:
    """The app's fields of a model file's metadata (every field may be absent: None).

    Attributes
    ----------
    dataset : str or None
        Name of the dataset the model was trained on.
    epoch : int or None
        Epochs trained.
    train_loss, test_loss : Curve or None
        Loss curves.
    settings : dict or None
        The playground's settings as plain data (:func:`nnviz.playground.settings.settings_to_dict`);
        still untrusted: read it with :func:`nnviz.playground.settings.settings_from_dict`.
    features : tuple of str or None
        Names of the input features the network takes.
    """

    dataset: str | None = None
    epoch: int | None = None
    train_loss: Curve | None = None
    test_loss: Curve | None = None
    settings: dict[str, Any] | None = None
    features: tuple[str, ...] | None = None

    def to_metadata(self) -> dict[str, Any]:
        """The record in the metadata layout above (absent fields left out)."""
        training: dict[str, Any] = {"app": APP}
        meta: dict[str, Any] = {}
        if self.dataset is not None:
            meta["dataset"] = self.dataset
        if self.epoch is not None:
            meta["epoch"] = self.epoch
        if self.train_loss is not None:
            meta["loss_history"] = list(self.train_loss.values)
            training["loss_epochs"] = list(self.train_loss.epochs)
        if self.settings is not None:
            training["settings"] = self.settings
        if self.features is not None:
            training["features"] = list(self.features)
        if self.test_loss is not None:
            training["test_loss"] = self.test_loss.to_dict()
        meta["training"] = training
        return meta

    @classmethod
    def from_metadata(cls, meta: Any) -> ModelRecord:
        """Read the app's fields from a model's metadata; anything malformed reads as absent."""
        meta = meta if isinstance(meta, Mapping) else {}
        training = meta.get("training")
        training = training if isinstance(training, Mapping) else {}
        values = meta.get("loss_history")
        epochs = training.get("loss_epochs")
        if not _is_list(epochs) or not _is_list(values) or len(epochs) != len(values):
            epochs = list(range(1, len(values) + 1)) if _is_list(values) else None
        test = training.get("test_loss")
        test = test if isinstance(test, Mapping) else {}
        settings = training.get("settings")
        return cls(
            dataset=_text(meta.get("dataset")),
            epoch=_count(meta.get("epoch")),
            train_loss=_curve(epochs, values),
            test_loss=_curve(test.get("epochs"), test.get("values")),
            settings=dict(settings) if isinstance(settings, Mapping) else None,
            features=_names(training.get("features")),
        )


def _is_list(value: Any) -> bool:
    return isinstance(value, list)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _names(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def _curve(epochs: Any, values: Any) -> Curve | None:
    """A curve from two untrusted lists: pairs of a whole epoch and a finite loss, the last MAX_CURVE."""
    if not (_is_list(epochs) and _is_list(values)) or len(epochs) != len(values) or not values:
        return None
    pairs = [
        (e, float(v))
        for e, v in zip(epochs[-MAX_CURVE:], values[-MAX_CURVE:])
        if _count(e) is not None
        and isinstance(v, int | float)
        and not isinstance(v, bool)
        and math.isfinite(v)
    ]
    if not pairs:
        return None
    return Curve(tuple(e for e, _ in pairs), tuple(v for _, v in pairs))
