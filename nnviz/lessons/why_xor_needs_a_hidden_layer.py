"""Why XOR needs a hidden layer: one perceptron on AND, OR and XOR, then a network with a hidden layer."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnviz.core.errors import SpecError
from nnviz.core.network import Network
from nnviz.core.trainer import Trainer

#: The four corners of the unit square, and each gate's labels on them.
POINTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
GATES: dict[str, np.ndarray] = {
    "AND": np.array([0.0, 0.0, 0.0, 1.0]),
    "OR": np.array([0.0, 1.0, 1.0, 1.0]),
    "XOR": np.array([0.0, 1.0, 1.0, 0.0]),
}
#: The picture's box: the square with a margin.
BOX = (-0.5, 1.5, -0.5, 1.5)


def labels(gate: str) -> np.ndarray:
    """The gate's targets, shape ``(4,)``."""
    try:
        return GATES[gate]
    except KeyError:
        raise SpecError(f"unknown gate {gate!r}; choose one of {list(GATES)}") from None


def perceptron(w1: float, w2: float, b: float, X: np.ndarray = POINTS) -> np.ndarray:
    """Step outputs ``1 if w1·x1 + w2·x2 + b > 0 else 0``, shape ``(n,)``."""
    return (X @ np.array([w1, w2]) + b > 0).astype(float)


def score(gate: str, w1: float, w2: float, b: float) -> int:
    """How many of the 4 corners the perceptron gets right."""
    return int((perceptron(w1, w2, b) == labels(gate)).sum())


def line_segment(
    w1: float, w2: float, b: float, box=BOX
) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """The part of the line ``w1·x + w2·y + b = 0`` inside ``box``, or None (no line, or outside)."""
    x0, x1, y0, y1 = box
    found: list[tuple[float, float]] = []
    if abs(w2) > 1e-12:
        for x in (x0, x1):
            y = -(w1 * x + b) / w2
            if y0 - 1e-9 <= y <= y1 + 1e-9:
                found.append((x, y))
    if abs(w1) > 1e-12:
        for y in (y0, y1):
            x = -(w2 * y + b) / w1
            if x0 - 1e-9 <= x <= x1 + 1e-9:
                found.append((x, y))
    unique = list(dict.fromkeys((round(px, 9) + 0.0, round(py, 9) + 0.0) for px, py in found))
    if len(unique) < 2:
        return None
    return unique[0], unique[-1]


def best_line_score(gate: str, steps: int = 720) -> int:
    """The most corners any straight line gets right (a search over directions and offsets).

    Every labelling a line makes is decided by the order of the corners along some direction, so
    trying many directions and every split between consecutive corners finds the best line.
    """
    y = labels(gate)
    best = 0
    for angle in np.linspace(0.0, 2 * np.pi, steps, endpoint=False):
        w = np.array([np.cos(angle), np.sin(angle)])
        proj = POINTS @ w
        cuts = np.concatenate(
            [[proj.min() - 1], (np.sort(proj)[:-1] + np.sort(proj)[1:]) / 2, [proj.max() + 1]]
        )
        for c in cuts:
            best = max(best, int(((proj > c).astype(float) == y).sum()))
    return best


@dataclass(frozen=True)
class RuleEpoch:
    """One epoch of the perceptron learning rule: the weights after it and the mistakes made in it."""

    w1: float
    w2: float
    b: float
    mistakes: int


def perceptron_rule(gate: str, epochs: int = 20, lr: float = 1.0) -> list[RuleEpoch]:
    """Rosenblatt's rule ``w += lr·(y − ŷ)·x`` from zero weights; it settles iff a line separates the gate."""
    y = labels(gate)
    w, b = np.zeros(2), 0.0
    out = []
    for _ in range(epochs):
        mistakes = 0
        for x, t in zip(POINTS, y):
            guess = float(w @ x + b > 0)
            if guess != t:
                mistakes += 1
                w = w + lr * (t - guess) * x
                b += lr * (t - guess)
        out.append(RuleEpoch(float(w[0]), float(w[1]), float(b), mistakes))
    return out


def train_hidden(gate: str, hidden: int = 4, seed: int = 0, epochs: int = 1000, lr: float = 1.0):
    """Train a 2-``hidden``-1 network (tanh, sigmoid output, cross-entropy, full batch) on the gate.

    With 4 hidden units this set-up solves XOR from about 99 % of seeds (see the seed lab).

    Returns
    -------
    nn : Network
    history : list of float
        Loss after each epoch.
    """
    if not 1 <= hidden <= 8:
        raise SpecError(f"the hidden layer may have 1 to 8 units, got {hidden}")
    nn = Network.from_sizes([2, hidden, 1], hidden="tanh", output="sigmoid", init="xavier", seed=seed)
    trainer = Trainer(nn, POINTS, labels(gate)[:, None], loss="bce", lr=lr, batch_size=4)
    return nn, trainer.run(epochs)


#: The sliders' range for w₁, w₂ and b.
WEIGHT_RANGE = (-3.0, 3.0)


def parse_weights(text: str) -> tuple[float, float, float]:
    """``"1, 1, -1.5"`` as ``(w1, w2, b)`` within :data:`WEIGHT_RANGE`; raises SpecError saying why not."""
    try:
        values = [float(v) for v in text.replace(";", ",").split(",") if v.strip()]
    except ValueError:
        values = []
    if len(values) != 3 or not np.all(np.isfinite(values)):
        raise SpecError("the text is not three numbers w₁, w₂, b (for example  1, 1, -1.5)")
    lo, hi = WEIGHT_RANGE
    for name, v in zip(("w₁", "w₂", "b"), values):
        if not lo <= v <= hi:
            raise SpecError(f"{name} = {v:g} is outside the sliders' range {lo:g} … {hi:g}")
    return values[0], values[1], values[2]


@dataclass(frozen=True)
class Trained:
    """A network trained on one gate by :func:`train_hidden`, and how it does on the four corners."""

    gate: str
    hidden: int
    seed: int
    nn: Network
    history: list

    @property
    def outputs(self) -> np.ndarray:
        return self.nn.predict(POINTS)[:, 0]

    @property
    def right(self) -> int:
        """How many corners the network puts on their side (output > 0.5 exactly for the 1s)."""
        return int(((self.outputs > 0.5) == (labels(self.gate) > 0.5)).sum())

    @property
    def solved(self) -> bool:
        return self.right == 4


def train(gate: str, hidden: int = 4, seed: int = 0) -> Trained:
    """:func:`train_hidden` on ``gate``, kept with the gate and set-up it was trained with."""
    nn, history = train_hidden(gate, hidden=hidden, seed=seed)
    return Trained(gate, hidden, seed, nn, list(history))
