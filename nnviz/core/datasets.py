"""2-D toy datasets in the style of TensorFlow Playground, each from a seeded function, and your own points.

Every generator has the signature ``fn(n, noise, rng) -> (X, y)`` with ``X`` of shape ``(n, 2)`` and
``y`` of shape ``(n, 1)``: class numbers 0 … k−1 (as float64) for classification, targets in [-1, 1] for
regression. ``noise`` runs from 0 (clean) to 1 (very noisy). :func:`make_dataset` adds the seed and the
train/test split; :data:`FEATURES` are the input transforms TensorFlow Playground offers.

Points that come from a person (clicked in, or read from a file) are a
:class:`~nnviz.core.data_table.DataTable`, which splits into a :class:`Dataset` too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np

from .errors import SpecError

Generator = Callable[[int, float, np.random.Generator], tuple[np.ndarray, np.ndarray]]
#: A view box: ``(x_min, x_max, y_min, y_max)`` (the type of ``nnviz.core.grid.Box``).
Box = tuple[float, float, float, float]

#: Half-width of the input box of the continuous datasets.
RADIUS = 6.0
#: Most classes of a classification dataset.
MAX_CLASSES = 6
#: The name of a data set that is not a built-in one (points clicked in or read from a file).
CUSTOM = "custom"


def xor_table(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The 4-point XOR truth table of the articles (``n`` and ``noise`` are ignored)."""
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    return X, np.array([[0.0], [1.0], [1.0], [0.0]])


def xor_cloud(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Points in the four quadrants; label 1 where the signs of x1 and x2 differ."""
    X = rng.uniform(-5.0, 5.0, size=(n, 2))
    X += np.where(X > 0, 0.3, -0.3)  # keep points off the axes, as the playground does
    y = (X[:, 0] * X[:, 1] < 0).astype(float)
    return X + rng.normal(0.0, 1.5 * noise, size=X.shape), y[:, None]


def circle(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A disc of label 1 inside a ring of label 0."""
    inner = np.arange(n) < n // 2
    r = np.where(inner, rng.uniform(0.0, 2.5, n), rng.uniform(3.5, 5.0, n))
    angle = rng.uniform(0.0, 2 * np.pi, n)
    X = np.column_stack([r * np.cos(angle), r * np.sin(angle)])
    return X + rng.normal(0.0, 1.0 * noise, size=X.shape), inner.astype(float)[:, None]


def gaussians(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussian blobs centred at (2, 2) (label 1) and (-2, -2) (label 0)."""
    positive = np.arange(n) < n // 2
    centre = np.where(positive[:, None], 2.0, -2.0)
    X = centre + rng.normal(0.0, 0.5 + 2.0 * noise, size=(n, 2))
    return X, positive.astype(float)[:, None]


def spiral(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved spirals."""
    positive = np.arange(n) < n // 2
    t = np.where(positive, np.arange(n), np.arange(n) - n // 2) / max(1, n // 2)
    r = 5.0 * t
    angle = 1.75 * t * 2 * np.pi + np.where(positive, 0.0, np.pi)
    X = np.column_stack([r * np.sin(angle), r * np.cos(angle)])
    return X + rng.normal(0.0, 0.8 * noise, size=X.shape), positive.astype(float)[:, None]


def moons(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles, scaled to the playground's box."""
    upper = np.arange(n) < n // 2
    angle = rng.uniform(0.0, np.pi, n)
    x = np.where(upper, np.cos(angle), 1.0 - np.cos(angle))
    y = np.where(upper, np.sin(angle), 0.5 - np.sin(angle))
    X = np.column_stack([x - 0.5, y - 0.25]) * 3.5
    return X + rng.normal(0.0, 1.0 * noise, size=X.shape), upper.astype(float)[:, None]


def regression_plane(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Target ``(x1 + x2) / 10`` in [-1, 1]: a tilted plane."""
    X = rng.uniform(-5.0, 5.0, size=(n, 2))
    y = (X[:, 0] + X[:, 1]) / 10.0 + rng.normal(0.0, 0.2 * noise, n)
    return X, np.clip(y, -1.0, 1.0)[:, None]


_BUMPS = np.array(
    [
        [-4.0, 2.5, 1.0],
        [0.0, 2.5, -1.0],
        [4.0, 2.5, 1.0],
        [-4.0, -2.5, -1.0],
        [0.0, -2.5, 1.0],
        [4.0, -2.5, -1.0],
    ]
)


def regression_gaussians(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Target made of six Gaussian bumps of sign ±1 (the playground's multi-Gaussian)."""
    X = rng.uniform(-5.0, 5.0, size=(n, 2))
    d2 = ((X[:, None, :] - _BUMPS[None, :, :2]) ** 2).sum(axis=2)
    y = (_BUMPS[:, 2] * np.exp(-d2 / 2.0)).sum(axis=1) + rng.normal(0.0, 0.2 * noise, n)
    return X, np.clip(y, -1.0, 1.0)[:, None]


def _blocks(n: int, k: int) -> np.ndarray:
    """Labels 0 … k−1 in k consecutive blocks whose sizes differ by at most one, shape ``(n,)``."""
    return np.arange(n) * k // n


def spiral3(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Three interleaved spiral arms (labels 0, 1, 2), each 1.25 turns from the centre out to radius 5.

    Arm ``j`` is arm 0 turned by ``j`` thirds of a turn; its points run outwards at equal steps.
    """
    label = _blocks(n, 3)
    start = np.searchsorted(label, label)  # index of the first point of each point's arm
    size = np.bincount(label, minlength=3)[label]
    t = (np.arange(n) - start) / size
    angle = 1.25 * 2 * np.pi * t + 2 * np.pi * label / 3
    X = 5.0 * t[:, None] * np.column_stack([np.sin(angle), np.cos(angle)])
    return X + rng.normal(0.0, 0.8 * noise, size=X.shape), label.astype(float)[:, None]


def blobs(n: int, noise: float, rng: np.random.Generator, k: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """``k`` round Gaussian blobs (labels 0 … k−1) centred on a circle of radius 3.5.

    Blob ``j`` is centred at angle ``2πj/k`` from twelve o'clock, clockwise; its spread (standard
    deviation) is ``0.5 + 1.5 * noise``. The table offers ``blobs3`` … ``blobs6``.
    """
    label = _blocks(n, k)
    angle = 2 * np.pi * label / k
    centre = 3.5 * np.column_stack([np.sin(angle), np.cos(angle)])
    X = centre + rng.normal(0.0, 0.5 + 1.5 * noise, size=(n, 2))
    return X, label.astype(float)[:, None]


@dataclass(frozen=True)
class DatasetInfo:
    """A dataset generator with what the app needs to know about it.

    ``classes`` is the number of classes (labels 0 … classes−1) of a classification dataset, 2 for the
    binary ones, and None for a regression dataset.
    """

    label: str
    generate: Generator
    kind: str  # "classification" or "regression"
    box: Box
    classes: int | None = 2

    def __post_init__(self) -> None:
        check_classes(self.kind, self.classes)


def check_classes(kind: str, classes: int | None) -> None:
    """Refuse a kind that is neither classification nor regression, or a class count that does not fit it.

    Raises
    ------
    SpecError
        Unless ``kind`` is "classification" with 2 … :data:`MAX_CLASSES` classes, or "regression" with None.
    """
    if kind == "regression":
        if classes is not None:
            raise SpecError(f"a regression data set has no classes (None), not {classes!r}")
        return
    if kind != "classification":
        raise SpecError(f"a data set's kind must be 'classification' or 'regression', not {kind!r}")
    if isinstance(classes, bool) or not isinstance(classes, int) or not 2 <= classes <= MAX_CLASSES:
        raise SpecError(f"a classification data set has 2 to {MAX_CLASSES} classes, not {classes!r}")


_WIDE = (-RADIUS, RADIUS, -RADIUS, RADIUS)

#: Datasets by name.
DATASETS: dict[str, DatasetInfo] = {
    "xor_table": DatasetInfo("XOR truth table", xor_table, "classification", (-0.5, 1.5, -0.5, 1.5)),
    "xor": DatasetInfo("XOR cloud", xor_cloud, "classification", _WIDE),
    "circle": DatasetInfo("Circle", circle, "classification", _WIDE),
    "gaussians": DatasetInfo("Two Gaussians", gaussians, "classification", _WIDE),
    "spiral": DatasetInfo("Spiral", spiral, "classification", _WIDE),
    "moons": DatasetInfo("Moons", moons, "classification", _WIDE),
    "plane": DatasetInfo("Regression: plane", regression_plane, "regression", _WIDE, None),
    "bumps": DatasetInfo("Regression: Gaussian bumps", regression_gaussians, "regression", _WIDE, None),
    "spiral3": DatasetInfo("Spiral, 3 arms", spiral3, "classification", _WIDE, 3),
    **{
        f"blobs{k}": DatasetInfo(f"{k} Gaussian blobs", partial(blobs, k=k), "classification", _WIDE, k)
        for k in range(3, MAX_CLASSES + 1)
    },
}


def default_class_names(classes: int | None) -> tuple[str, ...]:
    """The names of classes 0 … classes−1 when nobody named them: ``("0", "1", …)``; () for regression."""
    return tuple(str(i) for i in range(classes or 0))


@dataclass(frozen=True)
class Dataset:
    """A dataset split into train and test parts (raw x1, x2 coordinates).

    Attributes
    ----------
    name : str
        A key of :data:`DATASETS`, or :data:`CUSTOM` for points that are not a built-in dataset.
    kind : str
        "classification" or "regression".
    box : Box
        The view box ``(x_min, x_max, y_min, y_max)`` the app draws.
    X_train, X_test : arrays of shape (n_train, 2) and (n_test, 2)
    y_train, y_test : arrays of shape (n_train, 1) and (n_test, 1)
        Class numbers 0 … k−1 as float64, or regression targets.
    class_names : tuple of str
        The names of classes 0 … k−1 (classification; left empty, ``("0", "1")``); () for regression.
    """

    name: str
    kind: str
    box: Box
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind == "classification" and not self.class_names:
            object.__setattr__(self, "class_names", default_class_names(2))

    @property
    def classes(self) -> int | None:
        """The number of classes; None for regression."""
        return len(self.class_names) if self.kind == "classification" else None


def random_split(n: int, test_ratio: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the training and test points: a random ``round(test_ratio * n)`` of them for testing."""
    order = rng.permutation(n)
    n_test = int(round(test_ratio * n))
    return order[n_test:], order[:n_test]


def make_dataset(
    name: str, n: int = 200, noise: float = 0.0, test_ratio: float = 0.5, seed: int = 0
) -> Dataset:
    """Generate dataset ``name`` with ``n`` points and split off ``test_ratio`` of them for testing.

    The XOR truth table always has its 4 points, all used for training and for testing.
    """
    try:
        info = DATASETS[name]
    except KeyError:
        raise SpecError(f"unknown dataset {name!r}; choose one of {sorted(DATASETS)}") from None
    if not 4 <= n <= 100_000:
        raise SpecError(f"the number of points must be between 4 and 100000, got {n}")
    if not 0.0 <= noise <= 1.0 or not 0.0 <= test_ratio < 1.0:
        raise SpecError(f"noise must be in [0, 1] and test_ratio in [0, 1), got {noise}, {test_ratio}")
    rng = np.random.default_rng(seed)
    X, y = info.generate(n, noise, rng)
    names = default_class_names(info.classes)
    if name == "xor_table":
        return Dataset(name, info.kind, info.box, X, y, X.copy(), y.copy(), names)
    train, test = random_split(len(X), test_ratio, rng)
    return Dataset(name, info.kind, info.box, X[train], y[train], X[test], y[test], names)


#: Input features by name: ``(display label, fn(x1, x2))``, as in TensorFlow Playground.
FEATURES: dict[str, tuple[str, Callable[[np.ndarray, np.ndarray], np.ndarray]]] = {
    "x1": ("x₁", lambda x1, x2: x1),
    "x2": ("x₂", lambda x1, x2: x2),
    "x1^2": ("x₁²", lambda x1, x2: x1 * x1),
    "x2^2": ("x₂²", lambda x1, x2: x2 * x2),
    "x1*x2": ("x₁x₂", lambda x1, x2: x1 * x2),
    "sin(x1)": ("sin x₁", lambda x1, x2: np.sin(x1)),
    "sin(x2)": ("sin x₂", lambda x1, x2: np.sin(x2)),
}


def apply_features(X: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """Map raw points ``X`` of shape ``(n, 2)`` to features, shape ``(n, len(names))``."""
    if not names:
        raise SpecError("choose at least one input feature")
    unknown = [name for name in names if name not in FEATURES]
    if unknown:
        raise SpecError(f"unknown features {unknown}; choose from {list(FEATURES)}")
    x1, x2 = X[:, 0], X[:, 1]
    return np.column_stack([FEATURES[name][1](x1, x2) for name in names]).astype(X.dtype, copy=False)
