"""The presets: each does what it promises when trained, and the article presets match the articles."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.articles import ARTICLES
from nnviz.lessons.seed_robustness_lab import SETUPS
from nnviz.playground.experiment import Experiment
from nnviz.playground.presets import PRESETS
from nnviz.playground.settings import LayerSettings


@pytest.mark.parametrize("name", list(PRESETS))
def test_presets_do_what_they_promise(name):
    preset = PRESETS[name]
    pg = Experiment(preset.settings)
    best = 0.0
    while pg.epoch < preset.epochs:
        before = pg.epoch
        pg.train(epochs=min(200, preset.epochs - pg.epoch))
        if preset.expect == "diverges":
            if pg.error is not None:
                break
            assert pg.epoch > before
            continue
        m = pg.metrics()
        best = max(best, m.train_accuracy)
        if preset.expect == "solves" and m.train_accuracy >= preset.accuracy:
            break
    if preset.expect == "diverges":
        assert "diverged" in pg.error and pg.epoch < preset.epochs
        assert all(np.all(np.isfinite(p)) for p in pg.nn.parameters())  # the last good weights
        return
    assert pg.error is None
    if preset.expect == "solves":
        assert m.train_accuracy >= preset.accuracy, f"{name} reached only {m.train_accuracy:.3f}"
    elif preset.expect == "fails":
        assert best < preset.accuracy, f"{name} was meant to fail but reached {best:.3f}"


def article_preset(key: str):
    (preset,) = [p for name, p in PRESETS.items() if name.startswith("Article") and name.endswith(f"({key})")]
    return preset


def test_the_article_presets_match_the_articles():
    s000 = article_preset("000").settings
    assert [h.size for h in s000.hidden] == [2, 2] and {h.activation for h in s000.hidden} == {"tanh"}
    assert s000.output == LayerSettings(1, False, "sigmoid") and (s000.loss, s000.batch_size) == ("mse", 1)
    s001 = article_preset("001").settings
    assert (s001.loss, s001.lr, s001.init, s001.batch_size) == ("sse", 0.05, "small_normal", 1)
    s002 = article_preset("002").settings
    assert (s002.loss, s002.lr, s002.init, s002.batch_size) == ("bce", 0.5, "he", 0)
    assert all(p.settings.dataset == "xor_table" for n, p in PRESETS.items() if n.startswith("Article"))


@pytest.mark.parametrize("key", list(ARTICLES))
def test_presets_and_the_seed_lab_read_the_one_table_of_article_set_ups(key):
    """Both are made from nnviz.articles: the preset and the lab set-up of an article agree with it."""
    article, preset, lab = ARTICLES[key], article_preset(key).settings, SETUPS[key]
    layers = tuple((h.size, h.bias, h.activation) for h in (*preset.hidden, preset.output))
    assert layers == lab.layers == article.layers
    assert (
        (preset.loss, preset.lr, preset.init)
        == (lab.loss, lab.lr, lab.init)
        == (article.loss, article.lr, article.init)
    )
    assert (preset.batch_size or None) == lab.batch_size == article.batch_size
    assert lab.epochs == article.epochs and lab.reference == article.solve_rate


#: Each preset's network as its name or description writes it (hidden layers, then the output), with the
#: numbers the description promises; written out by hand from the texts the app shows.
DESCRIBED = {
    "TensorFlow Playground default": ("circle", "4-2 tanh", "1 sigmoid", "bce", 0.03, 10),
    "Article: 2-2-2-1 tanh, sigmoid output without bias (000)": (
        "xor_table",
        "2-2 tanh",
        "1 sigmoid",
        "mse",
        0.1,
        1,
    ),
    "Article: 2-4-1 sigmoid, sum of squared errors (001)": (
        "xor_table",
        "4 sigmoid",
        "1 sigmoid",
        "sse",
        0.05,
        1,
    ),
    "Article: 2-4-1 ReLU/sigmoid, cross-entropy, full batch (002)": (
        "xor_table",
        "4 relu",
        "1 sigmoid",
        "bce",
        0.5,
        0,
    ),
    "Single perceptron on XOR (fails)": ("xor", "", "1 sigmoid", "bce", 0.03, 10),
    "Perceptron + x1·x2 feature (solves XOR)": ("xor", "", "1 sigmoid", "bce", 0.03, 10),
    "Deep narrow net (6×2 sigmoid)": ("circle", "2-2-2-2-2-2 sigmoid", "1 sigmoid", "bce", 0.03, 10),
    "Spiral: 8-8-8 tanh, Adam": ("spiral", "8-8-8 tanh", "1 sigmoid", "bce", 0.01, 10),
    "3-class spiral: 12-12 tanh, softmax": ("spiral3", "12-12 tanh", "1 softmax", "cce", 0.01, 10),
    "5 Gaussian blobs: one hidden layer, softmax": ("blobs5", "6 tanh", "1 softmax", "cce", 0.03, 10),
    "Learning rate too high (diverges)": ("plane", "4-2 tanh", "1 linear", "mse", 3.0, 10),
}


def test_every_preset_is_the_network_its_name_and_description_say():
    def written(layers):
        if not layers:
            return ""
        (kind,) = {layer.activation for layer in layers}  # one activation in every hidden layer
        return f"{'-'.join(str(layer.size) for layer in layers)} {kind}"

    assert list(PRESETS) == list(DESCRIBED)
    for name, (dataset, hidden, output, loss, lr, batch) in DESCRIBED.items():
        s = PRESETS[name].settings
        assert (s.dataset, written(s.hidden), written([s.output]), s.loss, s.lr, s.batch_size) == (
            dataset,
            hidden,
            output,
            loss,
            lr,
            batch,
        ), name
        # Only the first article leaves a bias out (its output), as its name says.
        assert all(layer.bias is True for layer in s.hidden), name
        assert s.output.bias is ("without bias" not in name), name
        assert PRESETS[name].about.strip(), name


def test_the_article_presets_start_from_seeds_that_solve_xor_and_train_long_enough():
    """bench/solve_rates.py: not every weight seed solves an article's XOR; these do, within these epochs."""
    chosen = {key: (article_preset(key).settings.weight_seed, article_preset(key).epochs) for key in ARTICLES}
    assert chosen == {"000": (4, 3000), "001": (0, 20000), "002": (0, 2000)}
