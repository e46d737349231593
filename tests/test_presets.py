"""The presets: each does what it promises when trained, and the article presets match the articles."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.presets import PRESETS
from nnviz.settings import LayerSettings
from nnviz.state import Playground


@pytest.mark.parametrize("name", list(PRESETS))
def test_presets_do_what_they_promise(name):
    preset = PRESETS[name]
    pg = Playground(preset.settings)
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


def test_the_article_presets_match_the_articles():
    s000 = PRESETS["Article: tanh 2-2-1 (000)"].settings
    assert [h.size for h in s000.hidden] == [2, 2] and {h.activation for h in s000.hidden} == {"tanh"}
    assert s000.output == LayerSettings(1, False, "sigmoid") and (s000.loss, s000.batch_size) == ("mse", 1)
    s001 = PRESETS["Article: sigmoid 2-4-1 SSE (001)"].settings
    assert (s001.loss, s001.lr, s001.init, s001.batch_size) == ("sse", 0.05, "small_normal", 1)
    s002 = PRESETS["Article: ReLU 2-4-1 BCE (002)"].settings
    assert (s002.loss, s002.lr, s002.init, s002.batch_size) == ("bce", 0.5, "he", 0)
    assert all(p.settings.dataset == "xor_table" for n, p in PRESETS.items() if n.startswith("Article"))
