"""Reading ``.nn`` files from paths: the size limit at its edge, streams that report no size (pipes), files
larger than one read, and the messages about the metadata as a whole."""

from __future__ import annotations

import json
import os
import struct
import threading
import zlib

import numpy as np
import pytest

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
    data = Network.from_sizes([2, 1], seed=0).to_bytes()
    (length,) = struct.unpack_from("<I", data, 12)
    header, blobs = json.loads(data[16 : 16 + length]), data[16 + length : -4]
    change(header)
    text = json.dumps(header).encode()
    body = struct.pack("<8sII", MAGIC, 1, len(text)) + text + blobs
    with pytest.raises(NNFormatError) as info:
        Network.from_bytes(body + struct.pack("<I", zlib.crc32(body)))
    assert str(info.value) == message


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
