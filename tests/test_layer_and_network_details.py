"""Details of the network classes (FeedForward, Network, Layer) the other test files leave open."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.core import Network


def test_calling_a_network_on_float32_inputs_computes_in_float64():
    nn = Network(2, [(3, True, "tanh"), (1, True, "sigmoid")], seed=0)
    x = np.array([0.1, 0.7], dtype=np.float32)
    out = nn(x)
    assert out.dtype == np.float64 and out.shape == (1, 1)
    np.testing.assert_array_equal(out, nn.predict(x.astype(np.float64).reshape(1, 2)).T)
    assert out[0, 0] != nn.predict(x.reshape(1, 2))[0, 0]  # float32 arithmetic would round differently


def test_targets_are_float64_columns_whatever_they_were_given_as():
    nn = Network(2, [(1, True, "sigmoid")], seed=0)
    for given in ([0, 1, 1], np.array([0, 1, 1], dtype=np.int8), np.array([0.0, 1.0, 1.0], dtype=np.float32)):
        Y = nn.as_targets(given)
        assert Y.dtype == np.float64 and Y.shape == (3, 1)
        np.testing.assert_array_equal(Y[:, 0], [0.0, 1.0, 1.0])


def test_inputs_given_as_whole_numbers_become_float64_and_float_arrays_are_kept():
    nn = Network(2, [(1, True, "sigmoid")], seed=0)
    for given in (
        [[1, 2], [3, 4]],
        np.array([[1, 2], [3, 4]], dtype=np.int32),
        [[True, False], [False, True]],
    ):
        X = nn.as_batch(given)
        assert X.dtype == np.float64 and X.shape == (2, 2)
    single = np.array([0.5, 0.25], dtype=np.float32)
    assert nn.as_batch(single).dtype == np.float32 and nn.as_batch(single).shape == (1, 2)
    floats = np.ones((3, 2))
    assert nn.as_batch(floats) is floats


def test_a_feed_forward_stack_says_what_is_wrong_with_it():
    from nnviz.core.errors import SpecError
    from nnviz.core.feedforward import FeedForward

    layer = Network(2, [(1, True, "linear")], seed=0).layers[0]
    with pytest.raises(SpecError, match=r"^the number of inputs must be between 1 and \d+ units, got 0$"):
        FeedForward(0, [layer])
    with pytest.raises(SpecError, match=r"^a network needs at least one layer$"):
        FeedForward(2, [])
    with pytest.raises(SpecError, match=r"^layer 0 expects 2 inputs but receives 3$"):
        FeedForward(3, [layer])


def test_a_feed_forward_stack_may_have_max_layers_and_no_more():
    from nnviz.core.errors import SpecError
    from nnviz.core.feedforward import FeedForward
    from nnviz.core.layer import MAX_LAYERS, Layer

    layers = [Layer(1, 1, False, "linear", [[1.0]]) for _ in range(MAX_LAYERS + 1)]
    assert len(FeedForward(1, layers[:MAX_LAYERS]).layers) == MAX_LAYERS
    with pytest.raises(
        SpecError, match=rf"^a network may have at most {MAX_LAYERS} layers, got {MAX_LAYERS + 1}$"
    ):
        FeedForward(1, layers)


def test_a_network_says_what_is_wrong_with_its_number_of_inputs():
    from nnviz.core.errors import SpecError

    with pytest.raises(SpecError, match=r"^the number of inputs must be between 1 and \d+ units, got 0$"):
        Network(0, [(1, True, "linear")])
    with pytest.raises(SpecError, match=r"^the number of inputs must be a whole number of units, got 2\.0$"):
        Network(2.0, [(1, True, "linear")])


def test_a_network_may_have_max_layers_and_no_more():
    from nnviz.core.errors import SpecError
    from nnviz.core.layer import MAX_LAYERS

    assert len(Network(1, [1] * MAX_LAYERS, seed=0).layers) == MAX_LAYERS
    with pytest.raises(
        SpecError, match=rf"^a network may have at most {MAX_LAYERS} layers, got {MAX_LAYERS + 1}$"
    ):
        Network(1, [1] * (MAX_LAYERS + 1), seed=0)


def test_a_copy_has_its_own_weights_and_metadata():
    nn = Network(2, [(3, True, "tanh"), (1, True, "sigmoid")], seed=0)
    nn.metadata = {"epoch": 3, "dataset": "xor"}
    twin = nn.copy()
    assert twin.metadata == {"epoch": 3, "dataset": "xor"} and twin.metadata is not nn.metadata
    twin.metadata["epoch"] = 4
    twin.layers[0].weights[0, 0] += 1.0
    assert nn.metadata["epoch"] == 3
    assert twin.layers[0].weights[0, 0] == nn.layers[0].weights[0, 0] + 1.0
    assert repr(twin) == repr(nn)


def test_a_float32_batch_of_columns_is_computed_in_float32_throughout():
    from nnviz.core.layer import Layer

    rng = np.random.default_rng(5)
    layer = Layer(3, 4, True, "linear", rng.normal(size=(4, 3)), rng.normal(size=4) / 3)
    a = rng.normal(size=(3, 200)).astype(np.float32)
    z = layer.columns_forward(a)
    assert z.dtype == np.float32
    expected = layer.weights.astype(np.float32) @ a
    expected += layer.bias.astype(np.float32)[:, None]
    np.testing.assert_array_equal(z, expected)


def test_layer_specs_in_every_form_and_their_defaults():
    from nnviz.core.errors import SpecError
    from nnviz.core.layer import LayerSpecNBF, normalise_spec

    fn = object()
    assert normalise_spec({"length": 3}, fn) == LayerSpecNBF(3, False, fn)
    assert normalise_spec({"length": 3, "bias": True, "fn": "tanh"}, fn) == LayerSpecNBF(3, True, "tanh")
    assert normalise_spec((4, 1), fn) == LayerSpecNBF(4, True, fn)
    assert normalise_spec((4, 0, "relu"), fn) == LayerSpecNBF(4, False, "relu")
    assert normalise_spec((4, np.bool_(True)), fn).bias is True
    for bad in (2, -1, "yes", None):
        with pytest.raises(SpecError, match=r"^a layer's bias flag must be True or False, got "):
            normalise_spec((4, bad), fn)
    with pytest.raises(SpecError, match=r"^layer size must be between 1 and 4096 units, got 0$"):
        normalise_spec(0, fn)


def test_a_layer_stores_float64_and_says_what_is_wrong_with_its_arrays():
    from nnviz.core.errors import SpecError
    from nnviz.core.layer import Layer

    layer = Layer(2, 1, True, "linear", [[1, 2]], [3])
    assert layer.weights.dtype == np.float64 and layer.bias.dtype == np.float64
    units = "between 1 and 4096 units"
    cases = [
        ((0, 1, False, "linear", np.ones((1, 0))), f"layer input size must be {units}, got 0"),
        ((2, 0, False, "linear", np.ones((0, 2))), f"layer size must be {units}, got 0"),
        ((2, 1, False, "linear", np.ones((2, 1))), "weights must have shape (1, 2), got (2, 1)"),
        ((2, 1, True, "linear", np.ones((1, 2)), [1.0, 2.0]), "bias must have shape (1,), got (2,)"),
        (
            (2, 1, False, "linear", np.ones((1, 2)), [1.0]),
            "bias values given for a layer whose bias flag is off",
        ),
    ]
    for args, message in cases:
        with pytest.raises(SpecError) as refused:
            Layer(*args)
        assert str(refused.value) == message


def test_the_largest_layer_allowed_and_the_default_activation_kept():
    from nnviz.core.layer import MAX_UNITS, check_size

    assert MAX_UNITS == 4096 and check_size(4096, "layer size") == 4096
    nn = Network(2, [3, 1], fn="tanh", seed=0)
    assert nn.fn == "tanh" and [layer.activation.name for layer in nn.layers] == ["tanh", "tanh"]


def test_backprop_refuses_a_loss_that_does_not_fit_the_output_layer_in_these_words():
    from nnviz.core.errors import SpecError

    nn = Network.from_sizes([2, 3, 1], seed=0)  # a sigmoid output
    message = (
        "categorical cross-entropy needs a softmax output layer, not sigmoid: its outputs must be class "
        "probabilities that sum to 1 (for one sigmoid output use 'bce')"
    )
    with pytest.raises(SpecError) as info:
        nn.backprop(np.zeros((2, 2)), np.zeros((2, 1)), "cce")
    assert str(info.value) == message
    with pytest.raises(SpecError) as info:  # the loss of a set refuses it alike
        nn.loss(np.zeros((2, 2)), np.zeros((2, 1)), "cce")
    assert str(info.value) == message
