"""The experiment's settings: the table, round trips through files and widgets, what changed."""

from __future__ import annotations

from dataclasses import replace

import pytest

from nnviz.core import Network
from nnviz.core.errors import NNVizError
from nnviz.playground.experiment import Experiment
from nnviz.playground.presets import PRESETS
from nnviz.playground.settings import (
    FIELDS,
    LayerSettings,
    Settings,
    changed_groups,
    from_widgets,
    settings_from_dict,
    settings_from_network,
    settings_to_dict,
    to_widgets,
)

# --- settings tables ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(PRESETS))
def test_settings_round_trip_through_dict_and_widgets(name):
    s = PRESETS[name].settings
    assert settings_from_dict(settings_to_dict(s)) == s
    assert from_widgets(to_widgets(s), Settings()) == s


def test_every_field_default_is_valid_and_in_the_table():
    Experiment().check(Settings())  # no error
    for name, field in FIELDS.items():
        assert field.group in {"data", "architecture", "training", "speed"}
        assert hasattr(Settings(), name)


def test_settings_from_untrusted_dict_keeps_only_valid_fields():
    base = Settings()
    bad = {
        "dataset": "nope",
        "noise": 7,
        "points": True,  # a bool is not an int
        "lr": float("nan"),
        "features": ["x1", "rm -rf"],
        "hidden": [{"size": 3, "bias": "yes", "activation": "relu"}, "junk"],
        "batch_size": 7,
        "weight_seed": 3.5,
    }
    s = settings_from_dict(bad, base)
    assert (s.dataset, s.noise, s.points, s.lr, s.features) == (
        base.dataset,
        base.noise,
        base.points,
        base.lr,
        base.features,
    )
    assert s.hidden == (LayerSettings(3, True, "relu"), LayerSettings())
    assert s.batch_size == 7 and s.weight_seed == base.weight_seed
    assert settings_from_dict("not a dict", base) == base


def test_changed_groups():
    s = Settings()
    assert changed_groups(s, replace(s, lr=0.1)) == {"training"}
    assert changed_groups(s, replace(s, dataset="circle")) == {"data"}
    assert changed_groups(s, replace(s, hidden=(LayerSettings(3),))) == {"architecture"}
    assert changed_groups(s, replace(s, output=LayerSettings(1, False, "sigmoid"))) == {"architecture"}
    assert changed_groups(s, replace(s, epochs_per_frame=5)) == {"speed"}
    assert changed_groups(s, s) == set()


# --- settings from a network -----------------------------------------------------------------------


def test_settings_from_a_network_without_metadata():
    nn = Network(3, [(5, True, "relu"), (1, False, "sigmoid")], seed=0)
    s = settings_from_network(Network.from_bytes(nn.to_bytes()), Settings())
    assert s.features == ("x1", "x2", "x1^2") and s.hidden == (LayerSettings(5, True, "relu"),)
    assert s.output.bias is False


def test_networks_the_page_cannot_show_are_refused():
    with pytest.raises(NNVizError, match="1 output"):
        settings_from_network(Network(2, [(2, True, "tanh")], seed=0), Settings())
    with pytest.raises(NNVizError, match="hidden layers"):
        settings_from_network(
            Network(2, [(2, True, "tanh")] * 7 + [(1, True, "sigmoid")], seed=0), Settings()
        )
