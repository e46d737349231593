"""The presets: named settings, each with what it is meant to show (a test trains every one)."""

from __future__ import annotations

from dataclasses import dataclass

from nnviz.articles import ARTICLES, ArticleSetup
from nnviz.playground.settings import LayerSettings, Settings


@dataclass(frozen=True)
class Preset:
    """Named settings, with what they are meant to show.

    ``expect`` is "solves" (reaches ``accuracy`` within ``epochs`` epochs), "fails" (stays below it),
    "diverges" (stops with the divergence message within ``epochs`` epochs) or "shows" (instructive,
    no promise); the preset tests hold each one to it.
    """

    settings: Settings
    about: str
    expect: str = "solves"
    epochs: int = 2000
    accuracy: float = 1.0


#: The output of a data set with more than two classes: its units follow the data's classes.
_SOFTMAX = LayerSettings(1, True, "softmax")


def _tanh(n: int, bias: bool = True) -> LayerSettings:
    return LayerSettings(n, bias, "tanh")


def article_settings(article: ArticleSetup, weight_seed: int) -> Settings:
    """An article's set-up (:mod:`nnviz.articles`) as playground settings, on the XOR truth table."""
    layers = [LayerSettings(units, bias, fn) for units, bias, fn in article.layers]
    return Settings(
        dataset="xor_table",
        hidden=tuple(layers[:-1]),
        output=layers[-1],
        loss=article.loss,
        lr=article.lr,
        batch_size=article.batch_size or 0,  # 0: full batch
        init=article.init,
        weight_seed=weight_seed,
    )


def _article(key: str, weight_seed: int, epochs: int) -> tuple[str, Preset]:
    article = ARTICLES[key]
    name = f"Article: {article.title} ({key})"
    return name, Preset(article_settings(article, weight_seed), article.about, epochs=epochs)


PRESETS: dict[str, Preset] = {
    "TensorFlow Playground default": Preset(
        Settings(
            dataset="circle",
            hidden=(_tanh(4), _tanh(2)),
            output=LayerSettings(1, True, "sigmoid"),
            loss="bce",
            lr=0.03,
            batch_size=10,
            init="xavier",
            weight_seed=0,
        ),
        "Circle data, 4-2 tanh, learning rate 0.03, batch 10: TensorFlow Playground's start page, "
        "with a sigmoid output and cross-entropy for 0/1 labels.",
        epochs=300,
        accuracy=0.98,
    ),
    # The articles' set-ups, from weight seeds that solve XOR (bench/solve_rates.py: not every seed does).
    **dict(
        _article(key, seed, epochs)
        for key, seed, epochs in (("000", 4, 3000), ("001", 0, 20000), ("002", 0, 2000))
    ),
    "Single perceptron on XOR (fails)": Preset(
        Settings(dataset="xor", hidden=(), lr=0.03, batch_size=10, init="xavier"),
        "No hidden layer: one line cannot separate XOR, so accuracy stays near chance whatever you do.",
        expect="fails",
        epochs=300,
        accuracy=0.8,
    ),
    "Perceptron + x1·x2 feature (solves XOR)": Preset(
        Settings(dataset="xor", features=("x1", "x2", "x1*x2"), hidden=(), lr=0.03, batch_size=10),
        "The same single unit, given the product x1·x2 as an input: XOR becomes linearly separable.",
        epochs=200,
        accuracy=0.97,
    ),
    "Deep narrow net (6×2 sigmoid)": Preset(
        Settings(
            dataset="circle",
            hidden=tuple(LayerSettings(2, True, "sigmoid") for _ in range(6)),
            lr=0.03,
            batch_size=10,
            init="xavier",
        ),
        "Six hidden layers of two sigmoid units: gradients fade on the way down and two units per layer "
        "cannot bend a circle. Compare with the default preset.",
        expect="fails",
        epochs=300,
        accuracy=0.9,
    ),
    "Spiral: 8-8-8 tanh, Adam": Preset(
        Settings(
            dataset="spiral",
            features=("x1", "x2", "sin(x1)", "sin(x2)"),
            hidden=(_tanh(8), _tanh(8), _tanh(8)),
            optimizer="adam",
            lr=0.01,
            batch_size=10,
            init="xavier",
            weight_seed=0,
        ),
        "The hard one: two interleaved spirals. Three layers of 8 tanh units with Adam and sine features.",
        epochs=600,
        accuracy=0.95,
    ),
    "3-class spiral: 12-12 tanh, softmax": Preset(
        Settings(
            dataset="spiral3",
            hidden=(_tanh(12), _tanh(12)),
            output=_SOFTMAX,
            loss="cce",
            optimizer="adam",
            lr=0.01,
            batch_size=10,
        ),
        "Three spiral arms: an output of three softmax units, one per class, trained with categorical "
        "cross-entropy. The colour is the predicted class, paler where the network is unsure; watch the "
        "pale seams between the arms shrink.",
        epochs=300,
        accuracy=0.95,
    ),
    "5 Gaussian blobs: one hidden layer, softmax": Preset(
        Settings(dataset="blobs5", noise=0.3, hidden=(_tanh(6),), output=_SOFTMAX, loss="cce", lr=0.03),
        "Five overlapping clouds, five softmax outputs: six tanh units are enough to cut the plane into "
        "five regions; points where two clouds overlap stay in the pale borders.",
        epochs=200,
        accuracy=0.95,
    ),
    "Learning rate too high (diverges)": Preset(
        Settings(
            dataset="plane",
            hidden=(_tanh(4), _tanh(2)),
            output=LayerSettings(1, True, "linear"),
            loss="mse",
            lr=3.0,
            batch_size=10,
        ),
        "Regression on a tilted plane with a learning rate of 3: each step overshoots, the loss explodes "
        "and training stops after about ten epochs with the last good weights kept. Set the learning "
        "rate to 0.03 and press Play again.",
        expect="diverges",
        epochs=100,
    ),
}


__all__ = ["PRESETS", "Preset"]
