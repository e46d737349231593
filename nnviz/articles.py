"""The XOR set-ups of the three articles nnviz grew from: one table, read by the playground's presets, the
seed-robustness lab and ``bench/solve_rates.py``.

Every set-up trains on the 4-point XOR truth table with plain SGD. ``solve_rate`` is how often it solves
XOR over initial-weight seeds, as ``bench/solve_rates.py`` measures it on the plain engine.
"""

from __future__ import annotations

from dataclasses import dataclass

#: A layer as ``(units, bias, activation)``: the form ``Network`` layer specs take.
LayerTriple = tuple[int, bool, str]


@dataclass(frozen=True)
class ArticleSetup:
    """One article's network and training, as the article describes them.

    Attributes
    ----------
    key : str
        The article's number, ``"000"``, ``"001"`` or ``"002"``.
    title : str
        What the set-up is, in a few words.
    layers : tuple of (units, bias, activation)
        Hidden and output layers; the inputs are the two coordinates.
    batch_size : int or None
        1 is per-sample SGD; None is full batch.
    solve_rate : str
        Share of seeds from which the set-up solves XOR (``bench/solve_rates.py``).
    about : str
        What a learner should notice about it.
    """

    key: str
    title: str
    layers: tuple[LayerTriple, ...]
    loss: str
    lr: float
    batch_size: int | None
    epochs: int
    init: str
    solve_rate: str
    about: str

    @property
    def sizes(self) -> list[int]:
        """``[2, units...]``: the layer sizes, inputs first."""
        return [2] + [units for units, _, _ in self.layers]


ARTICLES: dict[str, ArticleSetup] = {
    "000": ArticleSetup(
        "000",
        "2-2-2-1 tanh, sigmoid output without bias",
        ((2, True, "tanh"), (2, True, "tanh"), (1, False, "sigmoid")),
        loss="mse",
        lr=0.1,
        batch_size=1,
        epochs=20_000,
        init="he",
        solve_rate="≈ 69 %",
        about="The first article's network: 2-2-2-1 tanh, a sigmoid output without bias, per-sample SGD, "
        "on the XOR truth table. Such a tiny net solves XOR from about 2 starts in 3: try New weights.",
    ),
    "001": ArticleSetup(
        "001",
        "2-4-1 sigmoid, sum of squared errors",
        ((4, True, "sigmoid"), (1, True, "sigmoid")),
        loss="sse",
        lr=0.05,
        batch_size=1,
        epochs=20_000,
        init="small_normal",
        solve_rate="100 %",
        about="The second article: 2-4-1 sigmoid, sum of squared errors, per-sample SGD at 0.05 from small "
        "weights. Slow: a long plateau before XOR snaps into place.",
    ),
    "002": ArticleSetup(
        "002",
        "2-4-1 ReLU/sigmoid, cross-entropy, full batch",
        ((4, True, "relu"), (1, True, "sigmoid")),
        loss="bce",
        lr=0.5,
        batch_size=None,
        epochs=5000,
        init="he",
        solve_rate="≈ 65 %",
        about="The third article: 2-4-1 ReLU, sigmoid output, cross-entropy, full-batch gradient descent at "
        "0.5 with He initialisation. Some starts leave ReLUs dead: try New weights.",
    ),
}
