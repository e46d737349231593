"""Optimizers: each owns only its state and updates parameter arrays in place."""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import SpecError


class Optimizer:
    """Base class. ``update(params, grads)`` changes every array in ``params`` in place.

    Parameters
    ----------
    lr : float
        Learning rate; may be changed between steps without losing state.
    """

    name = ""

    def __init__(self, lr: float = 0.01) -> None:
        self.lr = lr

    def update(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        raise NotImplementedError

    def state(self) -> dict[str, Any]:
        """Everything the next update depends on, as copies (plain data: numbers and arrays)."""
        return {"lr": self.lr}

    def load_state(self, state: dict[str, Any]) -> None:
        """Continue from :meth:`state` of an optimizer of the same kind (copies are taken)."""
        self.lr = state["lr"]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lr={self.lr})"


class SGD(Optimizer):
    """Plain gradient descent: ``p -= lr * g``."""

    name = "sgd"

    def update(self, params, grads):
        lr = self.lr
        for p, g in zip(params, grads):
            p -= lr * g


class Momentum(Optimizer):
    """Heavy-ball momentum: ``v = beta*v - lr*g; p += v``."""

    name = "momentum"

    def __init__(self, lr: float = 0.01, beta: float = 0.9) -> None:
        super().__init__(lr)
        self.beta = beta
        self.velocity: list[np.ndarray] = []

    def state(self) -> dict[str, Any]:
        return {**super().state(), "beta": self.beta, "velocity": [v.copy() for v in self.velocity]}

    def load_state(self, state: dict[str, Any]) -> None:
        super().load_state(state)
        self.beta = state["beta"]
        self.velocity = [np.array(v) for v in state["velocity"]]

    def update(self, params, grads):
        if len(self.velocity) != len(params):
            self.velocity = [np.zeros_like(p) for p in params]
        for p, g, v in zip(params, grads, self.velocity):
            v *= self.beta
            v -= self.lr * g
            p += v


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) with bias correction."""

    name = "adam"

    def __init__(self, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        super().__init__(lr)
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.t = 0
        self.m: list[np.ndarray] = []
        self.v: list[np.ndarray] = []

    def state(self) -> dict[str, Any]:
        moments = {"m": [m.copy() for m in self.m], "v": [v.copy() for v in self.v]}
        return {**super().state(), "betas": (self.beta1, self.beta2), "eps": self.eps, "t": self.t, **moments}

    def load_state(self, state: dict[str, Any]) -> None:
        super().load_state(state)
        (self.beta1, self.beta2), self.eps, self.t = state["betas"], state["eps"], state["t"]
        self.m = [np.array(m) for m in state["m"]]
        self.v = [np.array(v) for v in state["v"]]

    def update(self, params, grads):
        if len(self.m) != len(params):
            self.m = [np.zeros_like(p) for p in params]
            self.v = [np.zeros_like(p) for p in params]
            self.t = 0
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        step = self.lr * np.sqrt(1.0 - b2**self.t) / (1.0 - b1**self.t)
        for p, g, m, v in zip(params, grads, self.m, self.v):
            m *= b1
            m += (1.0 - b1) * g
            v *= b2
            v += (1.0 - b2) * (g * g)
            p -= step * m / (np.sqrt(v) + self.eps)


#: Optimizer classes by name.
OPTIMIZERS: dict[str, type[Optimizer]] = {cls.name: cls for cls in (SGD, Momentum, Adam)}


def make_optimizer(optimizer: str | Optimizer, lr: float) -> Optimizer:
    """An optimizer object from a name (with learning rate ``lr``), or the object itself."""
    if isinstance(optimizer, Optimizer):
        return optimizer
    try:
        cls = OPTIMIZERS[str(optimizer).lower()]
    except KeyError:
        raise SpecError(f"unknown optimizer {optimizer!r}; choose one of {sorted(OPTIMIZERS)}") from None
    return cls(lr=lr)
