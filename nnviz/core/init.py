"""Weight initialisers, by name. Biases always start at zero."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .errors import SpecError

#: Anything with ``standard_normal`` and ``uniform``: a ``np.random.Generator`` or the ``np.random``
#: module itself (NumPy's global generator, so that ``np.random.seed(...)`` works as in the articles).
Rng = np.random.Generator


def he(rng: Rng, n_out: int, n_in: int) -> np.ndarray:
    """He / Kaiming normal: N(0, 2 / fan_in); suits ReLU-like units (``002_*``, ``000_*``)."""
    return rng.standard_normal((n_out, n_in)) * np.sqrt(2.0 / n_in)


def xavier(rng: Rng, n_out: int, n_in: int) -> np.ndarray:
    """Glorot / Xavier normal: N(0, 2 / (fan_in + fan_out)); suits tanh and sigmoid."""
    return rng.standard_normal((n_out, n_in)) * np.sqrt(2.0 / (n_in + n_out))


def small_normal(rng: Rng, n_out: int, n_in: int) -> np.ndarray:
    """N(0, 0.1²), as in ``001_*``."""
    return rng.standard_normal((n_out, n_in)) * 0.1


def uniform(rng: Rng, n_out: int, n_in: int) -> np.ndarray:
    """U(-0.5, 0.5), as in TensorFlow Playground."""
    return rng.uniform(-0.5, 0.5, size=(n_out, n_in))


#: Initialisers by name: ``fn(rng, n_out, n_in) -> weights of shape (n_out, n_in)``.
INITIALISERS: dict[str, Callable[[Rng, int, int], np.ndarray]] = {
    "he": he,
    "xavier": xavier,
    "small_normal": small_normal,
    "uniform": uniform,
}


def make_rng(seed: int | None):
    """A private generator for ``seed``; NumPy's global one when ``seed`` is None."""
    if seed is None:
        return np.random
    return np.random.default_rng(seed)


def initialiser(name: str) -> Callable[[Rng, int, int], np.ndarray]:
    """Look up an initialiser by name, with a clear error for an unknown one."""
    key = {"glorot": "xavier", "kaiming": "he"}.get(name, name)
    try:
        return INITIALISERS[key]
    except KeyError:
        raise SpecError(f"unknown initialiser {name!r}; choose one of {sorted(INITIALISERS)}") from None
