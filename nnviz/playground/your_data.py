"""Your data: points a person clicked in or uploaded, the playground's data set "Your data".

A session's own points are a :class:`~nnviz.core.datasets.Dataset` named
:data:`~nnviz.core.datasets.CUSTOM` whose split is fixed: each point stays a training or a test point
while points are added or removed, so the picture does not reshuffle under the learner's clicks. The
experiment trains on it when the setting ``dataset`` is ``"custom"`` (:attr:`Experiment.own`). Made
from an empty canvas (:func:`empty`), from any dataset (:func:`of`), from a CSV file (:func:`from_csv`),
or from a ``.nn`` file that carries its data (:func:`carried`); edited one click at a time
(:func:`with_point`, :func:`without_point`). Pure Python over :mod:`nnviz.core`: no Streamlit.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np

from nnviz.core import data_csv
from nnviz.core.data_table import MAX_POINTS, DataTable, check_box, fit_box, standardise
from nnviz.core.datasets import CUSTOM, MAX_CLASSES, RADIUS, Dataset, random_split
from nnviz.core.errors import SpecError

#: How the dataset choice "custom" is named on screen.
LABEL = "Your data"
#: Settings that Your data does not use (it has its own points): their widgets are disabled.
UNUSED = ("noise", "points")
#: A shift-click removes the nearest point within this share of the box's width.
REMOVE_REACH = 0.03


def empty(kind: str = "classification") -> Dataset:
    """A canvas without points (classes "0" and "1" for classification) in the built-in datasets' box."""
    none, targets = np.zeros((0, 2)), np.zeros((0, 1))
    names = ("0", "1") if kind == "classification" else ()
    return Dataset(CUSTOM, kind, (-RADIUS, RADIUS, -RADIUS, RADIUS), none, targets, none, targets, names)


def of(dataset: Dataset) -> Dataset:
    """``dataset``'s points, split and box as Your data (to edit a built-in dataset by clicking)."""
    return replace(dataset, name=CUSTOM)


def _with(data: Dataset, table: DataTable) -> Dataset:
    """``table`` (split fixed) as Your data in ``data``'s box."""
    return table.split(name=CUSTOM, box=data.box)


def with_point(data: Dataset, x: float, y: float, value: float) -> Dataset:
    """``data`` with a training point at ``(x, y)`` of class ``value`` (a class number; the next number
    adds a class, named by its number) or with target ``value`` (regression).

    Raises
    ------
    SpecError
        At :data:`~nnviz.core.data_table.MAX_POINTS` points, for a class beyond the next one or beyond
        :data:`~nnviz.core.datasets.MAX_CLASSES`, or a value a data table refuses.
    """
    table = DataTable.of(data)
    if len(table) >= MAX_POINTS:
        raise SpecError(f"Your data holds at most {MAX_POINTS:,} points: remove some (shift-click) first")
    names = table.class_names
    if data.kind == "classification" and value == len(names):
        name = new_class_name(names)
        if name is None:
            raise SpecError(f"Your data cannot have another class (at most {MAX_CLASSES})")
        names = (*names, name)
    X = np.concatenate([table.X, [[x, y]]])
    targets = np.concatenate([table.y, [[value]]])
    return _with(data, DataTable(X, targets, data.kind, names, np.append(table.test, False)))


def new_class_name(names: tuple[str, ...]) -> str | None:
    """The name of a class added by clicking: its number (``"2"`` after ``"0", "1"``); None when there can
    be no other class (at :data:`~nnviz.core.datasets.MAX_CLASSES`, or when a data file would number it
    elsewhere, as after word names: see :func:`nnviz.core.data_csv.class_names_for`)."""
    extended = (*names, str(len(names)))
    if len(names) >= MAX_CLASSES or data_csv.class_names_for(extended) != extended:
        return None
    return extended[-1]


def without_point(data: Dataset, x: float, y: float) -> Dataset | None:
    """``data`` without the point nearest to ``(x, y)``, if one is within :data:`REMOVE_REACH` of the box's
    width; None if none is."""
    table = DataTable.of(data)
    if not len(table):
        return None
    distance = np.hypot(table.X[:, 0] - x, table.X[:, 1] - y)
    nearest = int(np.argmin(distance))
    if distance[nearest] > REMOVE_REACH * (data.box[1] - data.box[0]):
        return None
    keep = np.arange(len(table)) != nearest
    names = table.class_names
    return _with(data, DataTable(table.X[keep], table.y[keep], data.kind, names, table.test[keep]))


def from_csv(content: bytes, *, standardised: bool, test_ratio: float, seed: int) -> Dataset:
    """Your data from a data file's bytes (:func:`nnviz.core.data_csv.loads`), in a box that fits it.

    A file without a ``split`` column is split with ``test_ratio`` and ``seed`` (as a built-in dataset);
    ``standardised`` shifts and scales each feature to mean 0 and standard deviation 1.

    Raises
    ------
    DataFileError
        The file's first problem (naming its line and column).
    """
    table = data_csv.loads(content)
    X = standardise(table.X)[0] if standardised else table.X
    test = table.test
    if test is None:
        test = np.zeros(len(table), bool)
        test[random_split(len(table), test_ratio, np.random.default_rng(seed))[1]] = True
    table = DataTable(X, table.y, table.kind, table.class_names, test)
    return table.split(name=CUSTOM, box=fit_box(X))


def to_csv(data: Dataset) -> bytes:
    """The data as a data file with a ``split`` column (:func:`nnviz.core.data_csv.dumps`): uploaded
    again, it gives the same points, labels and split, bit for bit."""
    return data_csv.dumps(data)


def carried(data: Dataset | None, made: Dataset) -> Dataset | None:
    """The data a ``.nn`` file carried, as Your data, unless it is exactly ``made`` (the dataset its
    settings make, as for a built-in dataset): None then, or when the file carries no data."""
    if data is None:
        return None
    same = data.name == made.name and data.box == made.box and data.class_names == made.class_names
    arrays = ("X_train", "y_train", "X_test", "y_test")
    if same and all(np.array_equal(getattr(data, a), getattr(made, a)) for a in arrays):
        return None
    return of(data)


def snapped(value: float, width: float) -> float:
    """A clicked coordinate rounded to about a thousandth of the box's ``width`` (``0.01`` in a box 12 wide):
    finer than a click can aim, and short in a link."""
    return round(value, max(0, 3 - math.floor(math.log10(width))))


#: The keys of Your data as plain data (a link's ``data``).
PLAIN_KEYS = ("kind", "classes", "box", "points", "train")


def to_plain(data: Dataset) -> dict[str, Any]:
    """Your data as JSON-ready plain data: ``{"kind", "classes", "box", "points": [[x1, x2, label or y],
    ...], "train": n}`` (training points first; numbers exact, as JSON writes floats)."""
    table = DataTable.of(data)
    rows = np.column_stack([table.X, table.y]).tolist()
    points = [[x1, x2, int(y) if data.kind == "classification" else y] for x1, x2, y in rows]
    return {
        "kind": data.kind,
        "classes": list(table.class_names),
        "box": list(data.box),
        "points": points,
        "train": len(data.X_train),
    }


def from_plain(plain: Any) -> Dataset:
    """Your data from untrusted plain data (:func:`to_plain`'s layout), checked like a data file.

    Raises
    ------
    SpecError
        Naming the first thing that is wrong (a key, a type, a limit of a data table, the box).
    """
    if not isinstance(plain, dict) or sorted(plain) != sorted(PLAIN_KEYS):
        keys = sorted(plain) if isinstance(plain, dict) else type(plain).__name__
        raise SpecError(f"the data must have exactly the keys {', '.join(PLAIN_KEYS)}; it has {keys}")
    points, train, kind = plain["points"], plain["train"], plain["kind"]
    if not isinstance(points, list) or len(points) > MAX_POINTS or not all(map(_is_row, points)):
        raise SpecError(f"the points must be a list of at most {MAX_POINTS:,} [x1, x2, label or y] numbers")
    if not isinstance(plain["classes"], list):
        raise SpecError(f"the classes must be a list of names, not {type(plain['classes']).__name__}")
    if not isinstance(train, int) or isinstance(train, bool) or not 0 <= train <= len(points):
        raise SpecError(f"train must be a whole number from 0 to {len(points)}, not {train!r}")
    if kind not in ("classification", "regression"):
        raise SpecError(f"the kind must be classification or regression, not {kind!r}")
    rows = np.array(points, dtype=float).reshape(-1, 3)
    test = np.arange(len(rows)) >= train
    table = DataTable(rows[:, :2], rows[:, 2:], kind, tuple(plain["classes"]), test)
    return table.split(name=CUSTOM, box=check_box(plain["box"]))


def _is_row(point: Any) -> bool:
    """Whether ``point`` is three JSON numbers (not booleans)."""
    return (
        isinstance(point, list)
        and len(point) == 3
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in point)
    )


def nothing_to_train(data: Dataset) -> str | None:
    """Why ``data`` cannot be trained on (it has no training points yet), or None."""
    if len(data.X_train):
        return None
    return f"{LABEL} has no training points yet: click on the picture to add some, or upload a CSV file."


def summary(data: Dataset) -> str:
    """The data in a few words: ``"37 points (class 0: 20, class 1: 17); 37 train, 0 test"``."""
    n_train, n_test = len(data.X_train), len(data.X_test)
    n = n_train + n_test
    if data.kind == "classification" and n:
        labels = np.concatenate([data.y_train, data.y_test])[:, 0]
        counts = ", ".join(f"{name}: {int(np.sum(labels == i))}" for i, name in enumerate(data.class_names))
        about = f" (classes {counts})"
        if len(np.unique(labels)) == 1:
            about += " — only one class has points: the network can only learn to say that class everywhere"
    else:
        about = ""
    return f"{n:,} point{'s' * (n != 1)}{about}; {n_train:,} train, {n_test:,} test"


__all__ = [
    "LABEL",
    "UNUSED",
    "carried",
    "empty",
    "from_csv",
    "from_plain",
    "new_class_name",
    "nothing_to_train",
    "of",
    "snapped",
    "summary",
    "to_csv",
    "to_plain",
    "with_point",
    "without_point",
]
