"""Property tests (Hypothesis): ``.nn`` round trips of random networks, the formula parser on random
text, and corrupted model files.

Examples are bounded and ``deadline=None``: the first use of each formula forks a checker process
(about 50 ms), later uses hit the parser's cache. ``database=None`` keeps Hypothesis from writing a
``.hypothesis/`` folder into the clone; a failure prints the smallest example it found.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nnviz.core import FormulaError, LayerSpecNBF, Network, NNFormatError, Trainer
from nnviz.core.formula import parse_expression

#: The built-in activation names: ``docs/nn-format.md`` lists them as the keys of
#: ``nnviz.core.ACTIVATIONS``. Spelled out here, as the file format fixes them.
BUILTINS = [
    "linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "swish", "gelu", "sin", "gaussian",
]  # fmt: skip
#: Formula activations: their own text, one the parser recognises as a built-in (leaky ReLU, ReLU).
FORMULAS = [
    "x/(1+abs(x))",
    "where(x > 0, x, 0.01*x)",
    "max(0, x)",
    "sin(x) + x/2",
    "x*tanh(log(1+exp(x)))",
    "Piecewise((x**2, x < 1), (2*x - 1, True))",
]
PROPERTY = settings(max_examples=50, deadline=None, database=None)


def bits(a: np.ndarray) -> bytes:
    """The exact float64 bit pattern (tells -0.0 from 0.0), whatever the array's byte order."""
    return np.ascontiguousarray(a, dtype="<f8").tobytes()


# --- (a) .nn round trips -----------------------------------------------------------------------------

#: Any finite float64: subnormals, ±0.0, values near ±1.8e308; plus a few edge values drawn more often.
FINITE = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.sampled_from([0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, -1e300]),
)


@st.composite
def networks(draw) -> Network:
    inputs = draw(st.integers(1, 6))
    specs = [
        LayerSpecNBF(draw(st.integers(1, 8)), draw(st.booleans()), draw(st.sampled_from(BUILTINS + FORMULAS)))
        for _ in range(draw(st.integers(1, 4)))
    ]
    nn = Network(inputs, specs, seed=draw(st.integers(0, 2**32 - 1)))
    for layer in nn.layers:
        layer.weights[...] = draw(hnp.arrays(np.float64, layer.weights.shape, elements=FINITE))
        if layer.bias is not None:
            layer.bias[...] = draw(hnp.arrays(np.float64, layer.bias.shape, elements=FINITE))
    return nn


def one_sgd_step(nn: Network, X: np.ndarray, y: np.ndarray):
    """The weights after one SGD step (this uses each activation's derivative), or the error type."""
    nn = nn.copy()
    try:
        with np.errstate(all="ignore"):
            Trainer(nn, X, y, lr=0.01, batch_size=len(X)).step()
    except Exception as exc:  # a huge weight overflows: both copies must fail the same way
        return type(exc).__name__
    return [bits(p) for p in nn.parameters()]


@settings(PROPERTY, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(nn=networks(), data=st.data())
def test_nn_file_round_trip_is_exact(nn, data):
    again = Network.from_bytes(nn.to_bytes())
    assert again.sizes == nn.sizes
    assert len(again.layers) == len(nn.layers)
    for i, (a, b) in enumerate(zip(again.layers, nn.layers, strict=True), 1):
        assert (a.bias is None) == (b.bias is None), f"layer {i} bias flag"
        assert a.activation.label == b.activation.label, f"layer {i} activation"
        assert a.weights.shape == b.weights.shape and bits(a.weights) == bits(b.weights), f"layer {i} weights"
        if b.bias is not None:
            assert bits(a.bias) == bits(b.bias), f"layer {i} biases"
            assert np.array_equal(np.signbit(a.bias), np.signbit(b.bias))
        assert np.array_equal(np.signbit(a.weights), np.signbit(b.weights))
    X = data.draw(hnp.arrays(np.float64, (3, nn.inputs), elements=st.floats(-10, 10)), label="X")
    with np.errstate(all="ignore"):  # huge weights overflow to inf/NaN: the same in both
        expected, got = nn.predict(X), again.predict(X)
    np.testing.assert_array_equal(got, expected)  # NaN where NaN, bit-for-bit otherwise
    assert bits(got) == bits(expected)
    y = np.zeros((3, nn.outputs))
    assert one_sgd_step(again, X, y) == one_sgd_step(nn, X, y)


def test_round_trip_keeps_negative_zero_and_subnormals():
    """The fixed example the property is about, so it is checked on every run however Hypothesis draws."""
    nn = Network(2, [LayerSpecNBF(2, True, "x/(1+abs(x))"), LayerSpecNBF(1, False, "tanh")], seed=0)
    nn.layers[0].weights[...] = [[-0.0, 5e-324], [1.7976931348623157e308, -2.2250738585072014e-308]]
    nn.layers[0].bias[...] = [-0.0, 0.0]
    again = Network.from_bytes(nn.to_bytes())
    for a, b in zip(again.parameters(), nn.parameters(), strict=True):
        assert bits(a) == bits(b)
    assert np.signbit(again.layers[0].weights[0, 0]) and np.signbit(again.layers[0].bias[0])
    assert not np.signbit(again.layers[0].bias[1])


# --- (b) the formula parser refuses only with FormulaError ---------------------------------------------


#: Python's own ``ast.parse`` warns about some texts (``"1if"``: "invalid decimal literal") before it
#: raises SyntaxError; the parser lets that warning through. A warning is not an exception, so the
#: properties below ignore it.
no_syntax_warnings = pytest.mark.filterwarnings("ignore::SyntaxWarning")


def parse_or_refuse(text: str) -> None:
    """``parse_expression`` returns a SymPy expression or raises FormulaError: anything else fails."""
    try:
        result = parse_expression(text)
    except FormulaError:
        return
    assert isinstance(result, sp.Expr), f"{text!r} gave {result!r} ({type(result).__name__})"


@no_syntax_warnings
@settings(max_examples=150, deadline=None, database=None)
@given(st.text(max_size=80))
def test_parser_on_random_text_raises_only_formula_error(text):
    parse_or_refuse(text)


@no_syntax_warnings
@settings(max_examples=150, deadline=None, database=None)
@given(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=60))
def test_parser_on_random_printable_ascii_raises_only_formula_error(text):
    parse_or_refuse(text)


#: Pieces of formulas, valid and not: whitelisted names, operators, numbers at and beyond the limits,
#: and things the whitelist must refuse (imports, lambdas, attributes, indexing, strings).
TOKENS = [
    "x", "x", "x", "exp(", "log(", "sqrt(", "tanh(", "sin(", "abs(", "erf(", "sign(", "Heaviside(",
    "**", "**", "(", "(", ")", ")", ")", "+", "-", "*", "/", "1e308", "1e6", "1e-320", "100", "101", "0",
    "0.5", "2", "-1", "where(", "max(", "min(", "Piecewise((", ",", ",", ">", "<=", "==", "!=", "and",
    "not", "&", "|", "~", "True", "pi", "e", "E", "__import__", "lambda", "[", "]", "{", "}", ".", ":",
    "'os'", "x.real", "__class__", "%", "//", "@", " ", " ", "\\", "#", "if", "else", "0x1f", "1_000",
    "Eq(", "Ne(",
]  # fmt: skip


@no_syntax_warnings
@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=14).map("".join))
def test_parser_on_token_soup_raises_only_formula_error(text):
    parse_or_refuse(text)


@pytest.mark.parametrize(
    "text",
    ["x/(1+abs(x))", "where(x > 0, x, 0.01*x)", "exp(exp(exp(x)))", "x**x**x", "1e308*x", "log(0*x)"],
)
def test_parser_examples_return_an_expression_or_formula_error(text):
    parse_or_refuse(text)


# --- (c) corrupted files ---------------------------------------------------------------------------


def model_bytes() -> bytes:
    nn = Network(2, [LayerSpecNBF(3, True, "x/(1+abs(x))"), LayerSpecNBF(2, False, "sigmoid")], seed=3)
    nn.metadata = {"epoch": 7, "loss_history": [0.5, 0.25]}
    return nn.to_bytes()


VALID = model_bytes()


def test_the_model_bytes_are_valid():
    assert Network.from_bytes(VALID).sizes == [2, 3, 2]


def test_every_single_byte_change_raises_nn_format_error():
    """Exhaustive over positions: CRC32 detects every error burst of up to 32 bits, so a change in any
    one byte before the checksum is caught, and a change in the checksum itself no longer matches."""
    for position in range(len(VALID)):
        for mask in (0x01, 0x80, 0xFF):
            damaged = bytearray(VALID)
            damaged[position] ^= mask
            with pytest.raises(NNFormatError):
                Network.from_bytes(bytes(damaged))


@settings(max_examples=100, deadline=None, database=None)
@given(data=st.data())
def test_a_changed_byte_raises_nn_format_error(data):
    position = data.draw(st.integers(0, len(VALID) - 1), label="position")
    value = data.draw(st.integers(0, 255).filter(lambda v: v != VALID[position]), label="value")
    damaged = bytearray(VALID)
    damaged[position] = value
    with pytest.raises(NNFormatError):
        Network.from_bytes(bytes(damaged))


@settings(max_examples=100, deadline=None, database=None)
@given(length=st.integers(0, len(VALID) - 1), extra=st.binary(min_size=1, max_size=64))
def test_truncated_or_extended_files_raise_nn_format_error(length, extra):
    with pytest.raises(NNFormatError):
        Network.from_bytes(VALID[:length])
    with pytest.raises(NNFormatError):
        Network.from_bytes(VALID + extra)


def with_fixed_checksum(data: bytes) -> bytes:
    """``data`` with its last 4 bytes replaced by the CRC32 of the rest: damage the checksum misses."""
    return data[:-4] + struct.pack("<I", zlib.crc32(data[:-4]))


@settings(max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_damage_behind_a_valid_checksum_loads_or_raises_nn_format_error(data):
    """The header's own validation, past the checksum: changed bytes with a recomputed CRC32 give a
    network or an NNFormatError, never another exception."""
    damaged = bytearray(VALID)
    for _ in range(data.draw(st.integers(1, 4), label="changes")):
        position = data.draw(st.integers(0, len(VALID) - 5), label="position")
        damaged[position] = data.draw(st.integers(0, 255), label="value")
    damaged = with_fixed_checksum(bytes(damaged))
    assume(damaged != VALID)
    try:
        nn = Network.from_bytes(damaged)
    except NNFormatError:
        return
    assert isinstance(nn, Network)
