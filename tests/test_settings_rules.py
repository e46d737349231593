"""The settings' rules one by one: which values each kind of field accepts, what the sidebar is told when
one is refused, how untrusted file data and widget values become settings, and how a loaded network is
described."""

from __future__ import annotations

from dataclasses import replace

import pytest

from nnviz.core import ACTIVATIONS, Network
from nnviz.core.datasets import FEATURES
from nnviz.core.errors import SpecError
from nnviz.playground.settings import (
    CUSTOM,
    FIELDS,
    MAX_HIDDEN,
    N_HIDDEN_KEY,
    SIDEBAR_MAX_UNITS,
    LayerSettings,
    Settings,
    SettingsError,
    changed_groups,
    default_layer,
    describe,
    field_errors,
    from_widgets,
    hidden_activations,
    layer_key,
    layer_paths,
    refusal,
    settings_from_dict,
    settings_from_network,
    settings_to_dict,
    to_widgets,
    valid_value,
    widget_key,
)

# --- which values a field accepts --------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, value, ok",
    [
        ("shuffle", True, True), ("shuffle", 1, False), ("shuffle", "yes", False),
        ("features", ["x1"], True), ("features", ("x1", "x1*x2"), True), ("features", list(FEATURES), True),
        ("features", [], False), ("features", ["x1", "x1"], False), ("features", ["x3"], False),
        ("features", "x1", False), ("features", [1], False), ("features", list(FEATURES) + ["x1"], False),
        ("batch_size", 0, True), ("batch_size", 7, True), ("batch_size", 100_000, True),
        ("batch_size", 100_001, False), ("batch_size", -1, False), ("batch_size", True, False),
        ("batch_size", 10.0, False),
        ("dataset", "spiral", True), ("dataset", "mnist", False), ("dataset", 3, False),
        ("loss", "mse", True), ("optimizer", "adam", True), ("init", "he", True),
        ("regularization", "l1", True),
        ("epochs_per_frame", 5, True), ("epochs_per_frame", 7, False), ("epochs_per_frame", 5.0, False),
        ("lr", 1e-6, True), ("lr", 10.0, True), ("lr", 10, True), ("lr", 10.5, False), ("lr", 0.0, False),
        ("lr", float("nan"), False), ("lr", float("inf"), False), ("lr", True, False), ("lr", "0.1", False),
        ("noise", 0.0, True), ("noise", 1.0, True), ("noise", -0.01, False),
        ("points", 20, True), ("points", 2000, True), ("points", 19, False), ("points", 2001, False),
        ("points", 100.0, False),
        ("test_ratio", 0.9, True), ("test_ratio", 0.95, False),
        ("data_seed", 0, True), ("data_seed", 2**31 - 1, True), ("data_seed", 2**31, False),
        ("data_seed", -1, False),
        ("weight_seed", 3.5, False), ("reg_rate", 1.0, True), ("reg_rate", 1.5, False),
    ],
)  # fmt: skip
def test_valid_values(name, value, ok):
    assert valid_value(name, value) is ok


@pytest.mark.parametrize(
    "name, value, words",
    [
        ("lr", 20, ["Learning rate", "20", "1e-06", "10", "last valid value is kept"]),
        ("points", 5, ["Points", "5", "20", "2,000", "last valid value is kept"]),
        ("data_seed", -1, ["Data seed", "-1", "last valid value is kept"]),
        ("features", (), ["Input features: pick at least one input feature"]),
        ("features", ["x9"], ["['x9'] is not allowed for Input features"]),
        ("dataset", "nope", ["'nope' is not allowed for Dataset"]),
        ("shuffle", 3, ["3 is not allowed for Shuffle every epoch"]),
    ],
)
def test_refusals_tell_the_sidebar_what_to_do(name, value, words):
    message = refusal(name, value)
    assert all(word in message for word in words), message


def test_field_errors_name_every_bad_field_and_layer_by_path():
    s = replace(
        Settings(lr=20.0, features=()),
        hidden=(LayerSettings(65), LayerSettings(0), LayerSettings(64), LayerSettings(1, True, "nope")),
        output=LayerSettings(1, True, "nope"),
    )
    assert field_errors(s) == {
        "lr": refusal("lr", 20.0),
        "features": "Input features: pick at least one input feature",
        "hidden.0.size": "A layer has 1 to 64 units, not 65: the last valid network stays",
        "hidden.1.size": "A layer has 1 to 64 units, not 0: the last valid network stays",
        "hidden.3.activation": "unknown activation 'nope'",
        "output.activation": "unknown activation 'nope'",
    }
    assert field_errors(replace(Settings(), hidden=(LayerSettings(),) * 7)) == {
        "hidden": "at most 6 hidden layers, got 7"
    }
    assert field_errors(replace(Settings(), hidden=(LayerSettings(1, True, CUSTOM, "nonsense"),) * 6)) == {}
    assert field_errors(Settings()) == {}


def test_an_output_that_does_not_fit_the_datas_classes_is_one_error_on_the_loss_unless_it_is_unknown():
    three = Settings(dataset="spiral3", output=LayerSettings(1, True, "softmax"), loss="cce")
    assert field_errors(three) == {}
    assert field_errors(replace(three, loss="bce")) == {
        "loss": "This data has 3 classes: its output is 3 softmax units with the loss cce (categorical "
        "cross-entropy), not the loss bce. The network stays as it was."
    }
    # An unknown output activation is said once, on the output: not again as an output that does not fit.
    assert field_errors(replace(three, output=LayerSettings(1, True, "nope"))) == {
        "output.activation": "unknown activation 'nope'"
    }


def test_settings_errors_keep_every_message():
    error = SettingsError({"lr": "too big", "hidden.0.size": "too wide"})
    assert error.errors == {"lr": "too big", "hidden.0.size": "too wide"}
    assert str(error) == "lr: too big; hidden.0.size: too wide"
    assert isinstance(error, SpecError)


def test_layers_and_their_paths():
    s = replace(Settings(), hidden=(LayerSettings(3), LayerSettings(5)))
    assert layer_paths(s) == [
        ("hidden.0", LayerSettings(3)),
        ("hidden.1", LayerSettings(5)),
        ("output", s.output),
    ]
    assert layer_paths(replace(s, hidden=())) == [("output", s.output)]
    assert hidden_activations() == [*ACTIVATIONS, CUSTOM] and hidden_activations()[-1] == "custom"
    assert LayerSettings(activation="relu", formula="x*x").fn == "relu"
    assert LayerSettings(activation=CUSTOM, formula="x*x").fn == "x*x"
    assert LayerSettings() == LayerSettings(4, True, "tanh", "x/(1+abs(x))")


def test_changed_groups_of_every_field():
    s = Settings()
    changes = {
        "dataset": "circle", "noise": 0.5, "points": 100, "test_ratio": 0.2, "data_seed": 3,
        "features": ("x1",), "init": "he", "weight_seed": 4,
        "loss": "mse", "optimizer": "adam", "lr": 0.5, "batch_size": 1, "shuffle": True,
        "regularization": "l2", "reg_rate": 0.01, "epochs_per_frame": 5,
    }  # fmt: skip
    for name, value in changes.items():
        assert changed_groups(s, replace(s, **{name: value})) == {FIELDS[name].group}
    assert changed_groups(s, replace(s, lr=0.5, dataset="circle")) == {"training", "data"}


# --- files: untrusted data -----------------------------------------------------------------------------


def test_settings_to_dict_is_plain_json_data():
    d = settings_to_dict(replace(Settings(), features=("x1", "x1*x2")))
    assert d["features"] == ["x1", "x1*x2"]
    assert d["hidden"] == [
        {"size": 4, "bias": True, "activation": "tanh", "formula": "x/(1+abs(x))"},
        {"size": 2, "bias": True, "activation": "tanh", "formula": "x/(1+abs(x))"},
    ]
    assert d["output"] == {"size": 1, "bias": True, "activation": "sigmoid", "formula": "x/(1+abs(x))"}
    assert d["lr"] == 0.03 and d["batch_size"] == 10


def test_layers_from_untrusted_data_keep_each_valid_part():
    base = Settings()
    data = {
        "hidden": [
            {"size": 64, "bias": False, "activation": CUSTOM, "formula": "x*x"},
            {"size": 65, "bias": 1, "activation": "nope", "formula": "x" * 501},
            {"size": 0, "bias": None, "formula": 5},
            {"size": True},
            {"size": 1, "formula": "x" * 500},
            7,
        ]
    }
    hidden = settings_from_dict(data, base).hidden
    assert hidden[0] == LayerSettings(64, False, CUSTOM, "x*x")
    assert hidden[1] == LayerSettings() == hidden[2] == hidden[3] == hidden[5]
    assert hidden[4] == LayerSettings(1, True, "tanh", "x" * 500)
    too_many = settings_from_dict({"hidden": [{"size": 3}] * (MAX_HIDDEN + 1)}, base)
    assert too_many.hidden == base.hidden
    assert settings_from_dict({"hidden": [{"size": 3}] * MAX_HIDDEN}, base).hidden == (LayerSettings(3),) * 6
    assert settings_from_dict({"hidden": []}, base).hidden == ()
    assert settings_from_dict({"hidden": "junk"}, base).hidden == base.hidden


def test_softmax_is_read_from_untrusted_data_only_for_the_output_layer():
    data = {"hidden": [{"size": 3, "activation": "softmax"}], "output": {"activation": "softmax"}}
    s = settings_from_dict(data, Settings())
    assert s.hidden == (LayerSettings(3, True, "tanh"),)  # not a hidden layer's choice: the default's
    assert s.output == LayerSettings(1, True, "softmax")


def test_the_output_layer_from_untrusted_data_has_one_unit_and_falls_back_to_the_base():
    base = replace(Settings(), output=LayerSettings(1, False, "linear", "x"))
    out = settings_from_dict({"output": {"size": 9, "activation": "tanh"}}, base).output
    assert out == LayerSettings(1, False, "tanh", "x")
    assert settings_from_dict({"output": "junk"}, base).output == base.output
    assert settings_from_dict({}, base).output == base.output
    assert settings_from_dict({"features": ["x2", "x1"]}, base).features == ("x2", "x1")
    assert settings_from_dict(None) == Settings()


# --- widgets ---------------------------------------------------------------------------------------------


def test_widget_values_by_key():
    s = replace(Settings(), hidden=(LayerSettings(3, False, "relu"),), features=("x1", "x2", "x1^2"))
    widgets = to_widgets(s)
    assert (
        widget_key("lr") == "s.lr"
        and layer_key(0, "size") == "s.h0.size"
        and layer_key("out", "bias") == "s.out.bias"
    )
    assert widgets[widget_key("features")] == ["x1", "x2", "x1^2"]
    assert widgets[N_HIDDEN_KEY] == 1
    assert [widgets[layer_key(0, part)] for part in ("size", "bias", "activation")] == [3, False, "relu"]
    assert layer_key("out", "size") not in widgets  # the output always has one unit
    assert widgets[layer_key("out", "activation")] == "sigmoid"
    assert all(widgets[widget_key(name)] == getattr(s, name) for name in FIELDS if name != "features")


def test_new_hidden_layers_start_like_the_last_one():
    s = replace(
        Settings(),
        hidden=(
            LayerSettings(3, False, "relu"),
            LayerSettings(7, True, "elu"),
            LayerSettings(5, True, "sin"),
        ),
    )
    assert default_layer(s, 3) == LayerSettings(5, True, "sin")
    s = replace(Settings(), hidden=(LayerSettings(3, False, "relu"), LayerSettings(5, True, "sin")))
    assert default_layer(s, 0) == LayerSettings(3, False, "relu")
    assert default_layer(s, 1) == LayerSettings(5, True, "sin")
    assert default_layer(s, 2) == default_layer(s, 5) == LayerSettings(5, True, "sin")
    assert default_layer(replace(s, hidden=()), 0) == LayerSettings()
    grown = from_widgets({N_HIDDEN_KEY: 4, layer_key(2, "size"): "7"}, s)
    assert grown.hidden == (
        s.hidden[0],
        s.hidden[1],
        LayerSettings(7, True, "sin"),
        LayerSettings(5, True, "sin"),
    )
    assert from_widgets({N_HIDDEN_KEY: 0}, s).hidden == ()


def test_widgets_missing_from_the_page_keep_the_base_values():
    base = replace(Settings(lr=0.5), output=LayerSettings(1, False, CUSTOM, "x*x"))
    s = from_widgets({widget_key("features"): ["x1"], layer_key("out", "bias"): 1}, base)
    assert s.features == ("x1",) and s.lr == 0.5 and s.hidden == base.hidden
    assert s.output == LayerSettings(1, True, CUSTOM, "x*x")
    biased = replace(
        base, output=LayerSettings(1, True, "tanh"), hidden=(LayerSettings(2, True, CUSTOM, "x*x"),)
    )
    kept = from_widgets({layer_key(0, "size"): 3}, biased)
    assert kept.output == LayerSettings(1, True, "tanh") and kept.hidden == (
        LayerSettings(3, True, CUSTOM, "x*x"),
    )
    assert from_widgets({layer_key(0, "bias"): 0, layer_key(0, "size"): 2.0}, base).hidden[
        0
    ] == LayerSettings(2, False, "tanh")


def test_describe_names_the_data_sizes_and_activations():
    s = Settings()
    assert describe(s) == "xor · 2-4-2-1 tanh"
    assert describe(replace(s, hidden=())) == "xor · 2-1 no hidden layer"
    mixed = replace(s, dataset="spiral", features=("x1", "x2", "sin(x1)"), hidden=(
        LayerSettings(3, True, "tanh"), LayerSettings(2, True, CUSTOM, "x*x"), LayerSettings(2, True, "relu")
    ))  # fmt: skip
    assert describe(mixed) == "spiral · 3-3-2-2-1 relu, tanh, x*x"


def test_describe_counts_one_output_unit_a_class_for_more_than_two_classes():
    four = replace(Settings(), dataset="blobs4", output=LayerSettings(1, True, "softmax"))
    assert describe(four) == "blobs4 · 2-4-2-4 tanh"  # blobs4 has 4 classes: 4 softmax units
    assert describe(replace(four, dataset="spiral3", hidden=())) == "spiral3 · 2-3 no hidden layer"
    assert describe(replace(Settings(), dataset="plane")) == "plane · 2-4-2-1 tanh"  # regression: one unit


# --- settings that describe a loaded network --------------------------------------------------------------


def test_settings_from_a_network_read_its_activations():
    layers = [(3, True, "tanh"), (2, False, "x*x + 1"), (2, True, "sigmoid"), (1, True, "relu")]
    nn = Network.from_bytes(Network(2, layers, seed=0).to_bytes())
    s = settings_from_network(nn, Settings(dataset="circle"))
    assert s.hidden == (
        LayerSettings(3, True, "tanh"),
        LayerSettings(2, False, CUSTOM, "x*x + 1"),
        LayerSettings(2, True, "sigmoid"),
    )
    assert s.output == LayerSettings(1, True, "relu") and s.dataset == "circle"
    typed = Network(2, [(2, True, "1/(1+exp(-x))"), (1, True, " Tanh ")], seed=0)
    s = settings_from_network(typed, Settings())  # formula text equal to a built-in keeps the text
    assert s.hidden == (LayerSettings(2, True, CUSTOM, "1/(1+exp(-x))"),)
    assert s.output == LayerSettings(1, True, "tanh")


def test_a_built_in_activation_keeps_its_name_when_its_text_is_its_name_or_empty():
    """An activation made in Python from an expression that matches a built-in, with text naming it (in any
    case, with spaces) or with empty text, is that built-in, not a typed formula."""
    import sympy as sp

    from nnviz.core.activations import X, activation_from_expr

    named = activation_from_expr(sp.tanh(X), " TANH ")
    blank_tanh = activation_from_expr(sp.tanh(X), "")
    blank_relu = activation_from_expr(sp.Max(0, X), "")
    assert (named.name, named.text, blank_relu.name, blank_relu.text) == ("tanh", " TANH ", "relu", "")
    layers = [(3, False, named), (2, True, blank_tanh), (5, True, blank_relu), (4, False, blank_relu)]
    nn = Network(2, [*layers, (1, True, "sigmoid")], seed=0)
    assert settings_from_network(nn, Settings()).hidden == (
        LayerSettings(3, False, "tanh"),
        LayerSettings(2, True, "tanh"),
        LayerSettings(5, True, "relu"),
        LayerSettings(4, False, "relu"),
    )


def test_a_softmax_output_is_one_setting_whose_units_follow_the_data():
    for bias in (True, False):
        nn = Network(2, [(4, True, "tanh"), (3, bias, "softmax")], seed=0)
        s = settings_from_network(nn, Settings(dataset="spiral3"))
        assert s.output == LayerSettings(1, bias, "softmax") and s.hidden == (LayerSettings(4, True, "tanh"),)
        assert s.dataset == "spiral3"
    nn = Network(2, [(4, True, "tanh"), (4, True, "softmax")], seed=0)
    assert settings_from_network(nn, Settings(dataset="blobs4")).output == LayerSettings(1, True, "softmax")


def test_a_softmax_network_whose_outputs_do_not_match_its_datas_classes_is_refused():
    nn = Network(2, [(4, True, "tanh"), (3, True, "softmax")], seed=0)
    for dataset, label, classes in (("xor", "XOR cloud", 2), ("blobs4", "4 Gaussian blobs", 4)):
        with pytest.raises(SpecError) as info:
            settings_from_network(nn, Settings(dataset=dataset))
        assert (
            str(info.value) == f"the network has 3 softmax outputs; its data ({label}) has {classes} classes"
        )
    nn.metadata = {"training": {"settings": {"dataset": "moons"}}}  # the recorded data set is the one checked
    with pytest.raises(SpecError, match=r"its data \(Moons\) has 2 classes"):
        settings_from_network(nn, Settings(dataset="spiral3"))


def test_the_largest_network_the_playground_shows():
    deepest = Network(2, [(64, True, "tanh")] * 6 + [(1, True, "sigmoid")], seed=0)
    s = settings_from_network(deepest, Settings())
    assert len(s.hidden) == 6 and s.hidden[0].size == 64


def test_settings_from_a_network_take_its_recorded_settings_and_inputs():
    nn = Network(3, [(2, True, "tanh"), (1, True, "sigmoid")], seed=0)
    nn.metadata = {
        "training": {"settings": {"lr": 0.5, "features": ["x1", "x2", "x1*x2"], "dataset": "spiral"}}
    }
    s = settings_from_network(nn, Settings())
    assert (s.lr, s.features, s.dataset) == (0.5, ("x1", "x2", "x1*x2"), "spiral")
    nn.metadata = {"training": {"settings": {"features": ["x1"]}}}  # does not fit 3 inputs: the first three
    assert settings_from_network(nn, Settings()).features == ("x1", "x2", "x1^2")
    wide = Network(7, [(1, True, "sigmoid")], seed=0)
    assert settings_from_network(wide, Settings()).features == tuple(FEATURES)


@pytest.mark.parametrize(
    "network, message",
    [
        (lambda: Network(2, [(2, True, "tanh")], seed=0), "1 output; this one has 2"),
        (lambda: Network(2, [(1, True, "tanh")] * 8, seed=0), "up to 6 hidden layers; this network has 7"),
        (lambda: Network(2, [(65, True, "tanh"), (1, True, "tanh")], seed=0),
         "layer 1 has 65 units; the playground shows up to 64"),
        (lambda: Network(8, [(1, True, "sigmoid")], seed=0),
         "the network takes 8 inputs; the playground has 7 features"),
        (lambda: Network(2, [(1, True, (lambda z: z, lambda z: 1 + 0 * z))], seed=0),  # a NumPy (f, df) pair
         "layer 1's activation cannot be written as a formula"),
    ],
)  # fmt: skip
def test_networks_the_playground_cannot_show_say_why(network, message):
    with pytest.raises(SpecError) as info:
        settings_from_network(network(), Settings())
    assert message in str(info.value)
    assert SIDEBAR_MAX_UNITS == 64 and MAX_HIDDEN == 6


def test_typed_formulas_go_through_the_widgets_and_back():
    s = replace(
        Settings(),
        hidden=(LayerSettings(3, True, CUSTOM, "x*x + 1"), LayerSettings(2, False, CUSTOM, "sin(x)")),
        output=LayerSettings(1, True, CUSTOM, "1/(1+exp(-x))"),
    )
    widgets = to_widgets(s)
    assert (
        widgets[layer_key(0, "formula")] == "x*x + 1"
        and widgets[layer_key("out", "formula")] == "1/(1+exp(-x))"
    )
    assert from_widgets(widgets, Settings()) == s
