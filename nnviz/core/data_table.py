"""Points that come from a person, clicked in or read from a file, checked once: :class:`DataTable`.

A table holds the points, their labels or targets, the class names and, when it is fixed (a file's
``split`` column), the train/test split; :meth:`DataTable.split` makes the
:class:`~nnviz.core.datasets.Dataset` a network trains on, and :meth:`DataTable.of` turns a dataset back
into a table (for writing it to a file). Also here: the view box that fits points (:func:`fit_box`) and
the standardisation of features (:func:`standardise`). CSV files are :mod:`nnviz.core.data_csv`'s.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .datasets import CUSTOM, RADIUS, Box, Dataset, check_classes, default_class_names, random_split
from .errors import SpecError

#: Most points of a data table (so of a data file, and of the data in a ``.nn`` file), longest class
#: name, and largest coordinate or target magnitude a table may hold.
MAX_POINTS = 10_000
MAX_CLASS_NAME = 40
MAX_VALUE = 1e15


def class_name_problem(name: object) -> str | None:
    """What is wrong with a class name, or None: a string of 1 … :data:`MAX_CLASS_NAME` printable
    characters, without spaces at either end."""
    if not isinstance(name, str):
        return f"a class name must be a string, not {type(name).__name__}"
    if not 1 <= len(name) <= MAX_CLASS_NAME:
        return f"a class name has 1 to {MAX_CLASS_NAME} characters; {quoted(name)} has {len(name)}"
    if not name.isprintable() or name != name.strip():
        return f"a class name is printable characters without spaces at either end, not {quoted(name)}"
    return None


def quoted(text: str, limit: int = 40) -> str:
    """``repr`` of a text for a message, cut to its first ``limit`` characters and ``…`` if longer."""
    return repr(text) if len(text) <= limit else repr(text[:limit]) + "…"


def check_class_names(names: object) -> tuple[str, ...]:
    """The names as a tuple, if each passes :func:`class_name_problem` and no two are equal.

    Raises
    ------
    SpecError
        Naming the first bad or repeated name.
    """
    if not isinstance(names, tuple | list):
        raise SpecError(f"class names must be a tuple of strings, not {type(names).__name__}")
    for name in names:
        problem = class_name_problem(name)
        if problem:
            raise SpecError(problem)
    if len(set(names)) != len(names):
        twice = next(name for i, name in enumerate(names) if name in names[:i])
        raise SpecError(f"the class name {quoted(twice)} is used twice")
    return tuple(names)


def check_box(box: object) -> Box:
    """A view box as four floats ``(x_min, x_max, y_min, y_max)``, finite, with each min below its max.

    Raises
    ------
    SpecError
        For anything else.
    """
    values = tuple(box) if isinstance(box, tuple | list) else ()
    numbers = [v for v in values if isinstance(v, int | float | np.floating) and not isinstance(v, bool)]
    if len(numbers) != 4 or len(values) != 4 or not np.all(np.isfinite(numbers)):
        raise SpecError(f"a view box is four finite numbers (x_min, x_max, y_min, y_max), not {box!r}")
    x_min, x_max, y_min, y_max = map(float, numbers)
    if not (x_min < x_max and y_min < y_max):
        raise SpecError(f"a view box needs x_min < x_max and y_min < y_max, not {box!r}")
    return x_min, x_max, y_min, y_max


def fit_box(X: np.ndarray) -> Box:
    """A view box around points ``X`` of shape ``(n, 2)``: each axis's range and 10 % of it on both sides.

    An axis on which every point has the same value gets ±max(1, 10 % of that value) around it; every
    point is strictly inside, even where the padding is lost in rounding (at least one float beyond). No
    points at all give the built-in datasets' box ``(-RADIUS, RADIUS, -RADIUS, RADIUS)``.
    """
    if len(X) == 0:
        return (-RADIUS, RADIUS, -RADIUS, RADIUS)
    box = []
    for lo, hi in zip(np.min(X, axis=0), np.max(X, axis=0)):
        pad = 0.1 * (hi - lo) if hi > lo else max(1.0, 0.1 * abs(lo))
        # Where the range is tiny beside the values, lo - pad can round back to lo: a float further out.
        box += [
            float(min(lo - pad, np.nextafter(lo, -np.inf))),
            float(max(hi + pad, np.nextafter(hi, np.inf))),
        ]
    return check_box(tuple(box))


def standardise(X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features shifted to mean 0 and scaled to standard deviation 1, column by column.

    Parameters
    ----------
    X : array of shape (n, d), n ≥ 1

    Returns
    -------
    (X_std, mean, std) : arrays of shapes (n, d), (d,), (d,)
        ``X_std = (X - mean) / std``; ``std`` is the population standard deviation, replaced by 1 for a
        column whose values are all equal (which becomes 0), so ``X = X_std * std + mean``.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or len(X) == 0:
        raise SpecError(f"standardise needs points of shape (n, d) with n >= 1, not {X.shape}")
    mean = X.mean(axis=0)
    std = X.std(axis=0)
    std[std == 0] = 1.0
    return (X - mean) / std, mean, std


@dataclass(frozen=True, eq=False)
class DataTable:
    """Points of a dataset before any train/test split, checked once when made.

    Parameters
    ----------
    X : array-like of shape (n, 2)
        The points, n ≤ :data:`MAX_POINTS`, every coordinate finite and at most :data:`MAX_VALUE` in size.
    y : array-like of shape (n, 1) or (n,)
        Classification: class numbers 0 … k−1 (whole numbers, stored as float64); regression: targets,
        finite and at most :data:`MAX_VALUE` in size. Stored with shape (n, 1).
    kind : str
        "classification" or "regression".
    class_names : tuple of str
        Classification: the names of classes 0 … k−1, 2 ≤ k ≤ ``datasets.MAX_CLASSES`` (6; see
        :func:`check_class_names`); empty means ``("0", "1")``. Regression: empty.
    test : bool array of shape (n,), optional
        Which points are test points, when the split is fixed (a file's ``split`` column); None leaves the
        split to :meth:`split`'s seed.

    The arrays are stored as read-only float64 (and bool) copies.

    Raises
    ------
    SpecError
        Naming the first thing that is wrong.
    """

    X: np.ndarray
    y: np.ndarray
    kind: str
    class_names: tuple[str, ...] = ()
    test: np.ndarray | None = field(default=None)

    def __post_init__(self) -> None:
        names = self.class_names
        if self.kind == "classification":
            names = check_class_names(names or default_class_names(2))
        elif names:
            raise SpecError("a regression data set has no class names")
        else:
            names = ()  # also for an empty list
        check_classes(self.kind, len(names) if self.kind == "classification" else None)
        X, y = _readonly(self.X, "the points"), _readonly(self.y, "the targets")
        if X.ndim != 2 or X.shape[1] != 2:
            raise SpecError(f"the points must have shape (n, 2), not {X.shape}")
        if len(X) > MAX_POINTS:
            raise SpecError(f"a data table holds at most {MAX_POINTS} points, not {len(X)}")
        if y.shape == (len(X),):
            y = _readonly(y[:, None], "the targets")
        if y.shape != (len(X), 1):
            raise SpecError(f"the targets must have shape ({len(X)}, 1), not {y.shape}")
        bad = np.flatnonzero(~(np.abs(X) <= MAX_VALUE).all(axis=1))
        if len(bad):
            where = f"X[{bad[0]}] is {X[bad[0]].tolist()}"
            raise SpecError(f"coordinates must be finite and at most {MAX_VALUE:g} in size; {where}")
        if self.kind == "classification":
            ok = (y == np.round(y)) & (y >= 0) & (y < len(names))
            what = f"class numbers 0 to {len(names) - 1}"
        else:
            ok = np.abs(y) <= MAX_VALUE
            what = f"finite and at most {MAX_VALUE:g} in size"
        bad = np.flatnonzero(~ok[:, 0])
        if len(bad):
            raise SpecError(f"the targets must be {what}; y[{bad[0]}] is {float(y[bad[0], 0])!r}")
        test = self.test
        if test is not None:
            test = np.array(test)
            if test.dtype != bool or test.shape != (len(X),):
                raise SpecError(
                    f"test must be a bool array of shape ({len(X)},), not {test.dtype} {test.shape}"
                )
            test.flags.writeable = False
        for name, value in (("X", X), ("y", y), ("class_names", names), ("test", test)):
            object.__setattr__(self, name, value)

    @classmethod
    def of(cls, dataset: Dataset) -> DataTable:
        """All points of ``dataset``, its training points first, with its split fixed.

        Raises ``SpecError`` past a table's limits (more than :data:`MAX_POINTS` points, ...).
        """
        X = np.concatenate([dataset.X_train, dataset.X_test])
        y = np.concatenate([dataset.y_train, dataset.y_test])
        test = np.arange(len(X)) >= len(dataset.X_train)
        return cls(X, y, dataset.kind, dataset.class_names, test)

    def __len__(self) -> int:
        return len(self.X)

    @property
    def classes(self) -> int | None:
        """The number of classes; None for regression."""
        return len(self.class_names) if self.kind == "classification" else None

    def split(
        self, test_ratio: float = 0.5, seed: int = 0, *, name: str = CUSTOM, box: Box | None = None
    ) -> Dataset:
        """The points as a :class:`~nnviz.core.datasets.Dataset` named ``name``.

        With a fixed split (``test``) each part keeps the table's order, and ``test_ratio`` and ``seed``
        are not used; otherwise ``round(test_ratio * n)`` points, drawn with ``seed`` as
        :func:`~nnviz.core.datasets.make_dataset` draws them, are for testing, in a random order like the
        training points. ``box`` defaults to :func:`fit_box` of the points.
        """
        if self.test is not None:
            train, test = np.flatnonzero(~self.test), np.flatnonzero(self.test)
        elif 0.0 <= test_ratio < 1.0:
            train, test = random_split(len(self), test_ratio, np.random.default_rng(seed))
        else:
            raise SpecError(f"test_ratio must be in [0, 1), got {test_ratio}")
        box = fit_box(self.X) if box is None else check_box(box)
        X, y = self.X, self.y
        return Dataset(name, self.kind, box, X[train], y[train], X[test], y[test], self.class_names)


def _readonly(values: object, what: str) -> np.ndarray:
    try:
        array = np.array(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise SpecError(f"{what} must be numbers") from None
    array.flags.writeable = False
    return array
