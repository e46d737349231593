"""Reading ``.nn`` files from paths: the size limit at its edge, streams that report no size (pipes), files
larger than one read, and the messages about the metadata as a whole."""

from __future__ import annotations

import os
import struct
import threading

import numpy as np
import pytest
from nnfile_headers import build, linear_layer, preamble, split, with_crc

from nnviz.core import Network, NNFormatError
from nnviz.core.nnfile import MAGIC, MAX_FILE_BYTES


def test_a_file_of_exactly_the_largest_size_is_read_and_judged_by_its_content(tmp_path):
    path = tmp_path / "edge.nn"
    with open(path, "wb") as fh:
        fh.write(MAGIC)
        fh.truncate(MAX_FILE_BYTES)  # sparse
    with pytest.raises(NNFormatError, match=r"^unknown format version 0; the file is damaged"):
        Network.load(path)
    path.write_bytes(b"")
    with open(path, "wb") as fh:
        fh.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(
        NNFormatError, match=rf"^edge.nn has {MAX_FILE_BYTES + 1} bytes; an nnviz model file has"
    ):
        Network.load(path)


def test_a_stream_without_a_size_is_read_only_up_to_one_byte_past_the_limit():
    read_end, write_end = os.pipe()
    sent = MAX_FILE_BYTES + 3 * 2**20

    def feed() -> None:
        block = b"\0" * 2**20
        with open(write_end, "wb") as pipe:
            try:
                for _ in range(sent // len(block)):
                    pipe.write(block)
            except BrokenPipeError:
                pass

    writer = threading.Thread(target=feed)
    writer.start()
    try:
        with pytest.raises(NNFormatError) as info:
            Network.load(f"/dev/fd/{read_end}")
    finally:
        os.close(read_end)
        writer.join()
    assert str(info.value) == (
        f"the file has {MAX_FILE_BYTES + 1} bytes; an nnviz model file has at most {MAX_FILE_BYTES}"
    )


def test_a_model_larger_than_one_read_loads_whole(tmp_path):
    nn = Network.from_sizes([2, 400, 400, 1], hidden="tanh", seed=0)  # about 1.3 MB of parameters
    path = tmp_path / "big.nn"
    nn.export(path)
    assert path.stat().st_size > 2**20
    back = Network.load(path)
    X = np.random.default_rng(0).normal(size=(20, 2))
    assert np.array_equal(back.predict(X), nn.predict(X))


@pytest.mark.parametrize(
    "metadata, message",
    [
        ({"loss": float("nan")}, "metadata field 'loss' is nan, which a model file cannot store"),
        ({"a": {"b": [1, float("inf")]}}, "metadata field 'a.b[1]' is inf, which a model file cannot store"),
        ({1: "x"}, "the metadata has keys that are not strings"),
        ({"when": object}, "metadata field 'when' is a type, which a model file cannot store"),
        ({"a": {1: "x"}}, "metadata field 'a' has keys that are not strings"),
        (
            {"n": 10_000_000_000_000_000_000},  # 20 digits: the reader would refuse the file
            "metadata field 'n' is an integer of 20 digits; a model file stores integers of at most 19",
        ),
        (
            {"a": [0, -99_999_999_999_999_999_999]},  # 20 digits after the minus sign
            "metadata field 'a[1]' is an integer of 20 digits; a model file stores integers of at most 19",
        ),
        (
            {"a": [[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]},  # 16 lists inside the metadata object: 17 levels
            "metadata field 'a" + "[0]" * 14 + "' is nested too deeply to save (at most 16 levels)",
        ),
    ],
)
def test_metadata_problems_name_the_field_or_the_metadata_as_a_whole(metadata, message):
    assert refusal_of(metadata) == message


def refusal_of(metadata) -> str:
    """The message of a network with this metadata refused on saving."""
    nn = Network.from_sizes([2, 1], seed=0)
    nn.metadata = metadata
    with pytest.raises(NNFormatError) as info:
        nn.to_bytes()
    return str(info.value)


@pytest.mark.parametrize(
    "metadata, message",
    [
        ({"epoch": "3"}, "metadata field 'epoch' must be an integer"),
        ({"epoch": -1}, "metadata field 'epoch' must not be negative"),
        ({"dataset": 3}, "metadata field 'dataset' must be a string"),
        ({"loss_history": 0.5}, "metadata field 'loss_history' must be a list"),
        ({"loss_history": [0.5, "x"]}, "metadata field 'loss_history' must be a list of numbers"),
        ({"training": [1]}, "metadata field 'training' must be an object"),
    ],
)
def test_fields_with_a_fixed_meaning_must_have_their_type(metadata, message):
    assert refusal_of(metadata) == message


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda h: h.update(inputs=2.5), "the number of inputs must be an integer, not a number"),
        (lambda h: h.update(inputs=None), "the number of inputs must be an integer, not null"),
        (lambda h: h.update(inputs=True), "the number of inputs must be an integer, not a boolean"),
        (lambda h: h.update(inputs="2"), "the number of inputs must be an integer, not a string"),
        (lambda h: h.update(inputs=[2]), "the number of inputs must be an integer, not a list"),
        (lambda h: h.update(inputs={}), "the number of inputs must be an integer, not an object"),
        (lambda h: h.update(metadata=[]), "the metadata must be a JSON object, not a list"),
        (lambda h: h["layers"].__setitem__(0, True), "layer 1 must be a JSON object, not a boolean"),
    ],
)
def test_values_of_the_wrong_json_type_are_named_in_plain_words(change, message):
    header, blobs = split(Network.from_sizes([2, 1], seed=0).to_bytes())
    change(header)
    assert refusal(build(header, blobs)) == message


def test_a_pipe_past_a_limit_of_whole_read_chunks_is_read_to_one_byte_past_it(tmp_path):
    # Reads go a mebibyte at a time: with a limit of exactly one, the first read ends at the limit and only
    # a second read finds the byte past it, which the caller's size check then refuses.
    from nnviz.core.bounded_read import read_bounded

    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    limit = 2**20

    def write():
        try:
            with open(pipe, "wb") as fh:
                fh.write(b"x" * (limit + 5))
        except BrokenPipeError:  # the reader stops one byte past the limit and closes its end
            pass

    writer = threading.Thread(target=write)
    writer.start()
    data = read_bounded(pipe, limit, lambda name, size: NNFormatError(f"{name} is {size} bytes"))
    writer.join(timeout=30)
    assert len(data) == limit + 1 and not writer.is_alive()


ARTICLE_FORMAT = (
    "this is a model file in the original article's format (big-endian counts followed by marshalled Python "
    "code objects); loading it would execute the code stored in it, so it is refused. Re-create the network "
    "and export it again with this version of nnviz"
)
NOT_NN = "not an nnviz model file (it does not start with the .nn magic bytes)"
PICKLE = "this looks like a Python pickle, which could run code when loaded; nnviz never loads pickles"


def _article_header(count=1, inputs=2, length=4, bias=1, elementwise=1, code=b"c"):
    """The article's file: five big-endian unsigned counts, then a marshalled code object (type 'c')."""
    return struct.pack(">5I", count, inputs, length, bias, elementwise) + code


@pytest.mark.parametrize(
    "data, message",
    [
        (_article_header(), ARTICLE_FORMAT),  # exactly 21 bytes
        (_article_header(count=2**16, inputs=1, length=1, bias=0, elementwise=0) + b"\0", ARTICLE_FORMAT),
        (_article_header(code=bytes([ord("c") | 0x80])), ARTICLE_FORMAT),  # marshal's FLAG_REF set
        (_article_header(inputs=2**31), ARTICLE_FORMAT),  # unsigned: 2**31 inputs is still a count
        (_article_header(count=0), NOT_NN),
        (_article_header(count=2**16 + 1), NOT_NN),
        (_article_header(inputs=0), NOT_NN),
        (_article_header(length=0), NOT_NN),
        (_article_header(bias=2), NOT_NN),
        (_article_header(elementwise=2), NOT_NN),
        (_article_header(code=b"d"), NOT_NN),
        (_article_header()[:20], NOT_NN),  # one byte short of the header and its type byte
        (b"\x80\x02abc.", PICKLE),
        (b"\x80\x05abc", PICKLE),
        (b"\x80\x01abc", NOT_NN),  # protocol 1 starts otherwise
        (b"\x80\x06abc", NOT_NN),
        (b"x\x03abc", NOT_NN),
        (b"\x80", NOT_NN),  # one byte: no protocol number to read
        (b"\x80\x02", PICKLE),  # the shortest protocol-2 start
        (b"I42\n.", PICKLE),  # protocol 0: an opcode first, a STOP last
        (b"cos\nsystem\n.", PICKLE),
        (b"hello.", NOT_NN),  # a full stop alone is no pickle
        (b"(abc", NOT_NN),  # nor an opcode alone
        (b"\x93NUMPY\x01\x00", "this is a NumPy .npy array file, not an nnviz model file"),
        (b"PK\x03\x04", "this is a zip archive (such as a NumPy .npz file), not an nnviz model file"),
    ],
    ids=lambda value: value[:12].hex() if isinstance(value, bytes) else value[:12],
)
def test_a_file_of_another_known_kind_is_named_exactly_at_the_edges_of_its_signature(data, message):
    with pytest.raises(NNFormatError) as info:
        Network.from_bytes(data)
    assert str(info.value) == message


def test_a_files_formulas_are_checked_together_in_one_child_process(monkeypatch):
    # One checker process and one time budget for all of a file's formulas, however many layers use one.
    from nnviz.core import formula, sandbox

    texts = ["x/(1+abs(x)) + 0.03125", "x*tanh(x) + 0.03125"]
    data = Network(2, [(3, True, texts[0]), (2, True, texts[1]), (1, True, "sigmoid")], seed=0).to_bytes()
    with formula._LOCK:
        formula._CACHE.clear()  # as a fresh server would start: nothing parsed yet
    children = []
    real = sandbox.run_in_child
    monkeypatch.setattr(
        sandbox,
        "run_in_child",
        lambda work, items, **kw: children.append(list(items)) or real(work, items, **kw),
    )
    Network.from_bytes(data)
    assert children == [texts]


# --- each refusal in its exact words (docs/nn-format.md, "Reading" and "Messages") -----------------------

DAMAGED = "; the checksum does not match either, so the file is probably damaged"


def refusal(data) -> str:
    with pytest.raises(NNFormatError) as info:
        Network.from_bytes(data)
    return str(info.value)


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "the file is empty: not an nnviz model file"),
        (MAGIC, "file is truncated: the fixed header needs 16 bytes, 8 present"),
        (MAGIC[:4] + bytes(60), NOT_NN + "; its first bytes look damaged"),
        (MAGIC[:4] + b"\n\x1a\n" + bytes(57), NOT_NN + "; its first bytes look damaged"),  # \r\n to \n
        (bytes(64), NOT_NN),
        (MAGIC[:3] + bytes(61), NOT_NN),  # three bytes alike are not enough to call it damaged
        (preamble(2), "file is truncated: the header needs 2 bytes, 0 remain"),  # exactly the fixed 16
        (preamble(100) + b" " * 30, "file is truncated: the header needs 100 bytes, 30 remain"),
        (preamble(4 * 2**20) + b"{}", "file is truncated: the header needs 4194304 bytes, 2 remain"),
        (preamble(4 * 2**20 + 1) + b"{}", "the header length 4194305 is impossible (2 to 4194304 bytes)"),
        (preamble(1) + b"{}", "the header length 1 is impossible (2 to 4194304 bytes)"),
    ],
    ids=lambda value: value[:20].hex() if isinstance(value, bytes) else None,
)
def test_each_refusal_of_the_fixed_layout_is_worded_exactly(data, message):
    assert refusal(data) == message


def test_model_data_that_is_not_bytes_is_refused_naming_its_type():
    assert refusal(123) == "model data must be bytes, not int"
    assert refusal("\x89NNV") == "model data must be bytes, not str"


def test_a_header_of_two_bytes_is_read_and_the_checksum_right_after_it_counts():
    # H = 2 is the smallest header; the file is then 16 + 2 + 4 bytes with no arrays, its CRC in the last 4.
    good = build(b"{}")
    assert len(good) == 22
    assert refusal(good) == "the header lacks the field 'inputs'"
    bad = good[:-4] + bytes(a ^ 0xFF for a in good[-4:])
    assert refusal(bad) == "the header lacks the field 'inputs'" + DAMAGED


def test_a_file_that_ends_inside_its_header_has_no_checksum_to_trust():
    # The last four bytes happen to be the CRC-32 of the bytes before them, but they are header bytes:
    # with the file ending right after the header, no checksum is there, so an error is called damage.
    data = with_crc(preamble(6) + b"{}")
    assert refusal(data).endswith(DAMAGED)


def test_the_end_of_a_file_is_judged_against_its_header_in_exact_words():
    data = Network.from_sizes([2, 3, 1], seed=0).to_bytes()
    (length,) = struct.unpack_from("<I", data, 12)
    start = 16 + length  # the first array: layer 1 weights, 3 x 2 float64 = 48 bytes
    assert refusal(data[:start]) == "file is truncated: layer 1 weights need 48 bytes, 0 remain"
    assert refusal(data[:-4]) == "file is truncated: only 0 of the 4 checksum bytes at the end remain"
    assert refusal(data[:-1]) == "file is truncated: only 3 of the 4 checksum bytes at the end remain"
    assert refusal(data + bytes(8)) == "the file is 8 bytes longer than its header describes"
    rotten = data[:-8] + bytes([data[-8] ^ 1]) + data[-7:]  # a bit of the last bias flipped
    assert (
        refusal(rotten) == "checksum mismatch: the file is corrupted (its CRC32 does not match its contents)"
    )


def small_header() -> tuple[dict, bytes]:
    """The header and arrays of a 2-3-2 network with biases (layer 1: 48 + 24 bytes, layer 2: 48 + 16)."""
    return split(Network.from_sizes([2, 3, 2], seed=0).to_bytes())


def _set(path, value):
    def change(header):
        target = header
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


@pytest.mark.parametrize(
    "change, message",
    [
        (_set(("layers",), []), "the header must list 1 to 64 layers, not 0"),
        (_set(("layers",), {"0": 1}), "the header must list 1 to 64 layers, not an object"),
        (_set(("layers",), "layers"), "the header must list 1 to 64 layers, not a string"),
        (_set(("layers", 0, "units"), True), "layer 1's number of units must be an integer, not a boolean"),
        (_set(("layers", 1, "units"), 0), "layer 2's number of units is 0; it must be between 1 and 4096"),
        (_set(("layers", 0, "bias"), 1), "layer 1's bias flag must be true or false, not an integer"),
        (
            _set(("layers", 1, "activation"), {"formula": ["x"]}),
            "layer 2's activation formula must be a string, not a list",
        ),
        (
            _set(("layers", 0, "weights", "dtype"), "<f4"),
            "layer 1 weights have dtype '<f4'; a .nn file stores only '<f8' (float64)",
        ),
        (
            _set(("layers", 1, "units"), 5),
            "layer 2 weights have shape [2, 3]; the layer sizes require [5, 3]",
        ),
        (
            _set(("layers", 0, "biases", "offset"), 56),
            "layer 1 biases start at byte 56 of the parameters, but must start at 48 "
            "(arrays are stored contiguously, in order)",
        ),
        (
            _set(("layers", 1, "activation"), {"formula": "x+" * 250 + "x"}),  # 501 characters
            "layer 2's activation formula is longer than 500 characters",
        ),
        (_set(("metadata", "epoch"), -1), "metadata field 'epoch' must not be negative"),
    ],
)
def test_each_refusal_of_the_header_is_worded_exactly(change, message):
    header, blobs = small_header()
    change(header)
    assert refusal(build(header, blobs)) == message


def test_65_layers_are_refused_and_64_are_read():
    header, blobs = small_header()
    header["layers"] = [header["layers"][1]] * 65
    assert refusal(build(header, blobs)) == "the header must list 1 to 64 layers, not 65"
    nn = Network.from_sizes([1] * 65, hidden="tanh", output="linear", seed=0)
    assert len(nn.layers) == 64
    back = Network.from_bytes(nn.to_bytes())
    X = np.linspace(-2, 2, 9).reshape(-1, 1)
    assert np.array_equal(back.predict(X), nn.predict(X))


@pytest.mark.parametrize(
    "text, message",
    [
        (b"[1, 2]", "the header must be a JSON object"),
        (b'"inputs"', "the header must be a JSON object"),
        (b'{"inputs": 1e400}', "the header contains a number too large to be finite"),
        (b'{"metadata": {"a": [-1e999]}}', "the header contains a number too large to be finite"),
        (b'{"inputs": 1' + b"0" * 19 + b"}", "the header contains an integer with 20 digits"),
        (b'{"inputs": -1' + b"0" * 19 + b"}", "the header contains an integer with 20 digits"),
    ],
    ids=lambda value: value[:24].hex() if isinstance(value, bytes) else None,  # ids are text (mutmut runs)
)
def test_each_refusal_of_the_headers_json_is_worded_exactly(text, message):
    assert refusal(build(text)) == message


def test_an_integer_of_19_digits_is_read():
    nn = Network.from_sizes([2, 1], seed=0)
    nn.metadata = {"largest": 9_999_999_999_999_999_999, "smallest": 10**18}  # both 19 digits
    back = Network.from_bytes(nn.to_bytes())
    assert back.metadata["largest"] == 9_999_999_999_999_999_999 and back.metadata["smallest"] == 10**18


def test_a_negative_integer_of_19_digits_is_saved_and_read_back():
    nn = Network.from_sizes([2, 1], seed=0)
    nn.metadata = {"lowest": -9_999_999_999_999_999_999, "n": [-(10**18)]}  # 19 digits and a minus sign
    back = Network.from_bytes(nn.to_bytes())
    assert back.metadata["lowest"] == -9_999_999_999_999_999_999 and back.metadata["n"] == [-(10**18)]


def one_unit_layers(formulas: list[str]) -> dict:
    """A header of 1-unit layers without bias, one per formula, whose weights (8 bytes each) follow on."""
    layers = [
        {"units": 1, "bias": False, "activation": {"formula": text}, "biases": None,
         "weights": {"dtype": "<f8", "shape": [1, 1], "offset": 8 * i}}
        for i, text in enumerate(formulas)
    ]  # fmt: skip
    return {"inputs": 1, "layers": layers}


def test_a_file_may_use_16_different_formulas_but_not_17():
    formulas = [f"x + {k}" for k in range(17)]
    # 16 pass the header's checks: what is judged next is the length (only the 4 CRC bytes follow the header)
    sixteen = build(one_unit_layers(formulas[:16]))
    assert refusal(sixteen) == "file is truncated: layer 1 weights need 8 bytes, 4 remain"
    seventeen = build(one_unit_layers(formulas))
    assert refusal(seventeen) == "the file uses 17 different formulas; at most 16"
    repeated = build(one_unit_layers(formulas[:16] + formulas[:1]))  # 17 layers, 16 different formulas
    assert refusal(repeated) == "file is truncated: layer 1 weights need 8 bytes, 4 remain"


def test_parameters_of_exactly_64_mib_are_allowed_and_one_array_more_is_not():
    # 2048 inputs x 4096 units x 8 bytes = 64 MiB exactly. The header is judged before the length, so
    # without the arrays (only the 4 CRC bytes follow the header) the file is refused as truncated: it
    # passed the limit.
    layer = linear_layer(2048, 4096)
    edge = {"inputs": 2048, "layers": [layer]}
    assert refusal(build(edge)) == "file is truncated: layer 1 weights need 67108864 bytes, 4 remain"
    over = linear_layer(4096, 1, offset=2**26)
    assert refusal(build({**edge, "layers": [layer, over]})) == (
        "the parameters exceed 67108864 bytes (at layer 2 weights)"
    )
