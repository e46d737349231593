"""Hand-built ``.nn`` files and their parts, for the file-format tests (the layout: docs/nn-format.md)."""

from __future__ import annotations

import json
import struct
import zlib

from nnviz.core.nnfile import MAGIC


def preamble(header_length: int, version: int = 1, magic: bytes = MAGIC) -> bytes:
    """The fixed 16 bytes: magic, format version, header length."""
    return struct.pack("<8sII", magic, version, header_length)


def with_crc(body: bytes) -> bytes:
    """``body`` followed by its CRC-32, as a file ends."""
    return body + struct.pack("<I", zlib.crc32(body))


def build(header: object, blobs: bytes = b"", version: int = 1, magic: bytes = MAGIC) -> bytes:
    """A file with a correct header length and checksum, so that the content itself is what is tested."""
    text = header if isinstance(header, bytes) else json.dumps(header).encode()
    return with_crc(preamble(len(text), version, magic) + text + blobs)


def header_bytes(data: bytes) -> bytes:
    """A file's header (padding included) as its header length field counts it."""
    (length,) = struct.unpack_from("<I", data, 12)
    return data[16 : 16 + length]


def split(data: bytes) -> tuple[dict, bytes]:
    """A file's header, parsed, and its arrays."""
    header = header_bytes(data)
    return json.loads(header), data[16 + len(header) : -4]


def linear_layer(inputs: int, units: int, offset: int = 0) -> dict:
    """The header entry of ``units`` linear units without bias on ``inputs`` inputs, whose float64
    weights (``units`` x ``inputs``) start at byte ``offset`` of the arrays."""
    weights = {"dtype": "<f8", "shape": [units, inputs], "offset": offset}
    linear = {"builtin": "linear"}
    return {"units": units, "bias": False, "activation": linear, "weights": weights, "biases": None}
