"""The .nn model file: exact round trips, fresh-process loading, and a hostile-file corpus and fuzz loop."""

import dataclasses
import datetime
import hashlib
import io
import json
import marshal
import os
import pickle
import random
import struct
import subprocess
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from nnfile_headers import build, header_bytes, split

from nnviz.core import ACTIVATIONS, LayerSpecNBF, Network, NNFormatError, NNVizError
from nnviz.core.datasets import make_dataset
from nnviz.core.nnfile import MAGIC, MAX_FILE_BYTES

# The format through the public API: a network's bytes, and a network from bytes or a path.
dumps = Network.to_bytes
loads = Network.from_bytes
load_path = Network.load

ROOT = Path(__file__).resolve().parent.parent
INPUTS = np.random.default_rng(123).normal(size=(64, 2)) * 4
FORMULAS = [
    "x*tanh(log(1+exp(x)))",
    "x/(1+abs(x))",
    "where(x > 0, x, 0.01*x)",
    "max(0, x)",
    "x*exp(-x**2/2) + 0.1*sin(3*x)",
    "Piecewise((x, x > 1), (x**3/3 + 2/3, True))",
]
LAMBDAS = {
    "mish_lambda": lambda x: x * sp.tanh(sp.log(1 + sp.exp(x))),
    "sympy_tanh": sp.tanh,
    "mixed_lambda": lambda x: 0.5 * x + 0.25 * sp.sin(x) + sp.Rational(1, 3) * sp.atan(x),
}


def net(hidden="tanh", output="sigmoid", seed=0, bias_out=False):
    layers = [
        LayerSpecNBF(3, True, hidden),
        LayerSpecNBF(2, False, hidden),
        LayerSpecNBF(1, bias_out, output),
    ]
    return Network(2, layers, seed=seed)


def same_predictions(a: Network, b: Network) -> bool:
    return np.array_equal(a.predict(INPUTS), b.predict(INPUTS))


# --- round trips -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_round_trip_of_every_builtin_is_bit_identical(name):
    nn = net(name, name, bias_out=True)
    nn.metadata = {"dataset": "xor", "epoch": 7, "loss_history": [0.5, 0.25], "training": {"lr": 0.1}}
    back = Network.from_bytes(nn.to_bytes())
    assert same_predictions(nn, back)
    assert [layer.activation.name for layer in back.layers] == [name, name, name]
    assert [layer.has_bias for layer in back.layers] == [True, False, True]
    assert {k: back.metadata[k] for k in nn.metadata} == nn.metadata
    assert back.metadata["nnviz_version"] and back.metadata["created"]
    for mine, theirs in zip(nn.parameters(), back.parameters()):
        assert mine.tobytes() == theirs.tobytes()


@pytest.mark.parametrize("fn", FORMULAS + list(LAMBDAS), ids=str)
def test_round_trip_of_formula_and_sympy_function_activations(fn):
    fn = LAMBDAS.get(fn, fn)
    nn = net(fn, "sigmoid", seed=3)
    back = loads(dumps(nn))
    assert same_predictions(nn, back)
    assert back.layers[0].activation.f_expr == nn.layers[0].activation.f_expr
    if isinstance(fn, str):
        assert back.layers[0].activation.text == fn


def test_export_and_load_through_files(tmp_path):
    nn = net("x/(1+abs(x))", "sigmoid")
    nn.metadata = {"epoch": np.int64(3), "loss_history": np.array([0.3, 0.2]), "note": ("a", 1)}
    nn.export(tmp_path / "m.nn")
    back = Network.load(tmp_path / "m.nn")
    assert same_predictions(nn, back)
    assert back.metadata["epoch"] == 3 and back.metadata["loss_history"] == [0.3, 0.2]
    assert back.metadata["note"] == ["a", 1]
    assert load_path(str(tmp_path / "m.nn")).sizes == nn.sizes


def test_numpy_pair_activations_cannot_be_exported():
    pair = (np.tanh, lambda z: 1 - np.tanh(z) ** 2)
    nn = Network(2, [LayerSpecNBF(3, True, "relu"), LayerSpecNBF(1, True, pair)], seed=0)
    with pytest.raises(NNFormatError, match=r"layer 2.*NumPy \(f, df\) pair"):
        nn.to_bytes()


@pytest.mark.parametrize(
    "metadata, match",
    [
        ({"loss_history": [1.0, float("nan")]}, "nan"),
        ({1: "a"}, "not strings"),
        ({"f": print}, "builtin"),
        ({"epoch": 2.5}, "epoch"),
        ({"epoch": -1}, "negative"),
        ({"dataset": 5}, "dataset"),
        ({"deep": json.loads("[" * 15 + "]" * 15)}, "nested too deeply"),
    ],
)
def test_metadata_that_json_cannot_hold_is_refused_on_export(metadata, match):
    nn = net()
    nn.metadata = metadata
    with pytest.raises(NNFormatError, match=match):
        dumps(nn)


def test_metadata_nested_to_the_limit_round_trips():
    nn = net()
    nn.metadata = {
        "deep": json.loads("[" * 14 + "1" + "]" * 14),
        "training": {"optimizer": {"beta": [0.9, 0.99]}},
    }
    assert loads(dumps(nn)).metadata["deep"] == nn.metadata["deep"]


def test_non_finite_weights_are_refused_on_export():
    nn = net()
    nn.layers[1].weights[0, 0] = np.inf
    with pytest.raises(NNFormatError, match="layer 2 weights"):
        dumps(nn)


@pytest.mark.timeout(300)
def test_a_model_loaded_in_a_fresh_process_gives_the_same_numbers(tmp_path):
    models = {f"builtin_{name}": net(name, name, bias_out=True) for name in ACTIVATIONS}
    models.update({f"formula_{i}": net(text, "sigmoid", seed=i) for i, text in enumerate(FORMULAS)})
    models.update({name: net(fn, "tanh", seed=9) for name, fn in LAMBDAS.items()})
    expected = {}
    for name, nn in models.items():
        nn.export(tmp_path / f"{name}.nn")
        expected[str(tmp_path / f"{name}.nn")] = [v.hex() for v in nn.predict(INPUTS).ravel().tolist()]
    script = (
        "import json, sys\n"
        "import numpy as np\n"
        "from nnviz.core import Network\n"
        "X = np.random.default_rng(123).normal(size=(64, 2)) * 4\n"
        "print(json.dumps({p: [v.hex() for v in Network.load(p).predict(X).ravel().tolist()]"
        " for p in sys.argv[1:]}))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", script, *expected],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=280,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == expected


# --- hostile files ---------------------------------------------------------------------------------


class _Evil:
    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def seed000_file(marker: Path, elementwise: bool = True) -> bytes:
    """The byte layout of 000_*'s export: big-endian counts, marshalled code objects, np.save arrays."""
    code = compile(f"open({str(marker)!r}, 'w').write('this code ran')", "<layer>", "exec")
    out = struct.pack(">II", 1, 2) + struct.pack(">III", 1, 1, int(elementwise))
    out += marshal.dumps(code) * (1 if elementwise else 2) + struct.pack(">I", 2)
    return out + _npy(np.zeros((1, 3))) + _npy(np.zeros((1, 1)))


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def hostile_corpus(marker: Path) -> dict[str, tuple[bytes, str]]:
    """name -> (file bytes, a fragment the error message must contain)."""
    good = dumps(net(bias_out=True))
    header, blobs = split(good)
    rng = random.Random(4)
    corpus = {
        "empty": (b"", "empty"),
        "random": (bytes(rng.randrange(256) for _ in range(2000)), "not an nnviz model file"),
        "random_small": (bytes(rng.randrange(256) for _ in range(7)), "not an nnviz"),
        "text": (b"hello, this is not a model\n" * 10, "not an nnviz model file"),
        "json": (json.dumps(header).encode(), "not an nnviz model file"),
        "npy": (_npy(np.zeros((2, 2))), "NumPy"),
        "zip": (b"PK\x03\x04" + bytes(100), "zip"),
        "magic_only": (MAGIC, "truncated"),
        "seed000": (seed000_file(marker), "execute"),
        "seed000_pair": (seed000_file(marker, elementwise=False), "marshal"),
        "malicious_pickle": (pickle.dumps(_Evil(marker)), "pickle"),
        "newer_version": (build(header, blobs, version=3), "written by a newer nnviz (format 3)"),
        "version_zero": (build(header, blobs, version=0), "version 0"),
        "header_too_long": (good[:12] + struct.pack("<I", 2**32 - 1) + good[16:], "header length"),
        "header_len_zero": (good[:12] + struct.pack("<I", 0) + good[16:], "header length"),
        "header_past_end": (good[:12] + struct.pack("<I", 10**6) + good[16:], "truncated"),
        "bad_crc": (good[:-4] + bytes(4), "checksum"),
        "trailing_bytes": (build(header, blobs + bytes(8)), "longer than"),
        "not_utf8": (build(b'{"inputs": "\xff"}', b""), "UTF-8"),
        "not_json": (build(b"{inputs: 2}", b""), "not valid JSON"),
        "json_array": (build([1, 2], b""), "JSON object"),
        "nan_constant": (build(b'{"inputs": NaN, "layers": []}', b""), "NaN"),
        "huge_int": (build(b'{"inputs": 1' + b"0" * 5000 + b', "layers": []}', b""), "digits"),
        "duplicate_key": (build(b'{"inputs": 2, "inputs": 2, "layers": []}', b""), "twice"),
        "deep_nesting": (build(b'{"metadata": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", b""), "nested"),
        "nesting_17": (
            build({**header, "metadata": {"a": json.loads("[" * 16 + "]" * 16)}}, blobs),
            "nested",
        ),
        "huge_number": (
            build(
                json.dumps({**header, "metadata": {"a": 7}}).replace('"a": 7', '"a": 1e400').encode(), blobs
            ),
            "finite",
        ),
    }

    def variant(name, fragment, edit, data=blobs):
        h = json.loads(json.dumps(header))
        edit(h)
        corpus[name] = (build(h, data), fragment)

    def layer(i, key, value):
        return lambda h: h["layers"][i].__setitem__(key, value)

    variant("units_bool", "integer", layer(0, "units", True))
    variant("units_float", "integer", layer(0, "units", 3.0))
    variant("units_huge", "between", layer(0, "units", 10**9))
    variant("units_zero", "between", layer(0, "units", 0))
    variant("bias_int", "true or false", layer(0, "bias", 1))
    variant("inputs_bool", "integer", lambda h: h.__setitem__("inputs", True))
    variant("inputs_negative", "between", lambda h: h.__setitem__("inputs", -2))
    variant("no_layers", "1 to 64", lambda h: h.__setitem__("layers", []))
    variant("too_many_layers", "1 to 64", lambda h: h.__setitem__("layers", h["layers"] * 30))
    variant("layers_not_list", "1 to 64", lambda h: h.__setitem__("layers", {"0": 1}))
    variant("unknown_field", "unknown field", lambda h: h.__setitem__("python", "import os"))
    variant("missing_field", "lacks", lambda h: h["layers"][1].pop("weights"))
    variant("unknown_builtin", "unknown built-in", layer(0, "activation", {"builtin": "os.system"}))
    variant("two_activations", "activation", layer(0, "activation", {"builtin": "tanh", "formula": "x"}))
    variant("activation_str", "activation", layer(0, "activation", "tanh"))
    variant("formula_not_str", "string", layer(0, "activation", {"formula": ["x"]}))
    variant("formula_huge", "longer", layer(0, "activation", {"formula": "x+" * 400 + "x"}))
    evil = f"__import__('os').system('touch {marker}')"
    variant("formula_hostile", "refused", layer(0, "activation", {"formula": evil}))
    variant("formula_not_finite", "refused", layer(0, "activation", {"formula": "log(x)"}))
    slow = {"formula": "Max(exp(exp(exp(exp(exp(103))))), 2)*x"}
    variant("formula_hangs_sympy", "too long", layer(0, "activation", slow))
    variant("bias_values_without_flag", "bias flag is false", layer(0, "bias", False))
    variant("bias_flag_without_values", "JSON object", layer(1, "bias", True))
    for dtype in ("<f4", ">f8", "float64", "<i8", "|O", 8, None):
        variant(
            f"dtype_{dtype}", "dtype", lambda h, d=dtype: h["layers"][0]["weights"].__setitem__("dtype", d)
        )
    variant("shape_inflated", "shape", lambda h: h["layers"][0]["weights"].__setitem__("shape", [3, 2**40]))
    variant("shape_swapped", "shape", lambda h: h["layers"][0]["weights"].__setitem__("shape", [2, 3]))
    variant("shape_3d", "shape", lambda h: h["layers"][0]["weights"].__setitem__("shape", [3, 2, 1]))
    variant("shape_bools", "shape", lambda h: h["layers"][0]["weights"].__setitem__("shape", [3, True]))
    variant("chain_broken", "shape", layer(1, "units", 5))
    variant("offset_gap", "must start at", lambda h: h["layers"][0]["biases"].__setitem__("offset", 56))
    variant("offset_negative", "must start at", lambda h: h["layers"][0]["weights"].__setitem__("offset", -8))
    variant("offset_overlap", "must start at", lambda h: h["layers"][1]["weights"].__setitem__("offset", 0))
    big = {"units": 4096, "bias": False, "activation": {"builtin": "relu"}, "biases": None}
    big_layers = [
        {**big, "weights": {"dtype": "<f8", "shape": [4096, 2 if i == 0 else 4096], "offset": 0}}
        for i in range(2)
    ]
    big_layers[1]["weights"]["offset"] = 8 * 4096 * 2
    corpus["params_over_64MiB"] = (build({"inputs": 2, "layers": big_layers}, b""), "exceed")
    corpus["inflated_truncated"] = (
        build({"inputs": 2, "layers": big_layers[:1]}, b""),
        "layer 1 weights need 65536 bytes",
    )
    corpus["epoch_negative"] = (build({**header, "metadata": {"epoch": -1}}, blobs), "negative")
    corpus["epoch_str"] = (build({**header, "metadata": {"epoch": "3"}}, blobs), "epoch")
    corpus["loss_history_strs"] = (build({**header, "metadata": {"loss_history": ["a"]}}, blobs), "numbers")
    corpus["metadata_list"] = (build({**header, "metadata": [1]}, blobs), "metadata")
    nan_blobs = blobs[:8] + struct.pack("<d", float("nan")) + blobs[16:]
    corpus["nan_weight"] = (build(header, nan_blobs), "NaN or infinite")
    inf_blobs = blobs[:-8] + struct.pack("<d", float("-inf"))
    corpus["inf_weight"] = (build(header, inf_blobs), "NaN or infinite")
    with_data = net()
    with_data.dataset = make_dataset("blobs3", n=12, test_ratio=0.25, seed=1)
    d_header, d_blobs = split(dumps(with_data))
    params = d_header["data"]["X"]["offset"]

    def data_variant(name, fragment, change, version=2):
        h = json.loads(json.dumps(d_header))
        h["data"].update(change)
        corpus[name] = (build(h, d_blobs, version=version), fragment)

    data_variant("data_in_format_1", "unknown field 'data'", {}, version=1)
    data_variant("data_points_inflated", "between 0 and 10000", {"points": 2**40})
    arrays = {"X": {"dtype": "<f8", "shape": [10_000, 2], "offset": params},
              "y": {"dtype": "<f8", "shape": [10_000, 1], "offset": params + 160_000}}  # fmt: skip
    data_variant("data_inflated_truncated", "points (X) need 160000 bytes", {"points": 10_000, **arrays})
    data_variant("data_name_code", "not a built-in dataset", {"name": "__import__('os').system('ls')"})
    data_variant("data_class_name_huge", "1 to 40 characters", {"classes": ["a", "b" * 10**6, "c"]})
    data_variant("data_box_strings", "view box", {"box": ["0", "1", "0", "1"]})
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        corpus[f"pickle_{protocol}"] = (
            pickle.dumps({"inputs": 2, "layers": [1]}, protocol=protocol),
            "pickle",
        )
        corpus[f"pickled_arrays_{protocol}"] = (pickle.dumps(net().parameters(), protocol=protocol), "pickle")
    return corpus


def snapshot(folder: Path) -> dict[str, tuple[int, int, str]]:
    return {
        str(p.relative_to(folder)): (
            p.stat().st_size,
            p.stat().st_mtime_ns,
            hashlib.sha256(p.read_bytes()).hexdigest(),
        )
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.timeout(300)
def test_hostile_corpus_gives_nnformaterror_with_bounded_memory_and_no_side_effects(tmp_path):
    marker = tmp_path / "marker"
    corpus = hostile_corpus(marker)
    folder = tmp_path / "files"
    folder.mkdir()
    for name, (data, _) in corpus.items():
        (folder / f"{name}.nn").write_bytes(data)
    before, listing = snapshot(folder), sorted(os.listdir(tmp_path))
    for name, (data, fragment) in corpus.items():
        tracemalloc.start()
        try:
            with pytest.raises(NNFormatError) as info:
                load_path(folder / f"{name}.nn")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert fragment.lower() in str(info.value).lower(), (name, str(info.value))
        assert peak < 4 * len(data) + 8 * 2**20, (name, peak)
        with pytest.raises(NNFormatError):
            loads(data)
    assert snapshot(folder) == before and sorted(os.listdir(tmp_path)) == listing
    assert not marker.exists()


def test_specific_messages():
    good = dumps(net(bias_out=True))
    header, blobs = split(good)
    sizes = [(3, 2), (3,), (2, 3), (1, 2), (1,)]
    offsets = np.cumsum([0] + [8 * int(np.prod(s)) for s in sizes])
    cut = 16 + len(json.dumps(header)) + offsets[2] + 40  # 40 bytes into layer 2's weights (48 bytes)
    with pytest.raises(NNFormatError, match="file is truncated: layer 2 weights need 48 bytes, 40 remain"):
        loads(build(header, blobs)[:cut])
    with pytest.raises(NNFormatError, match=r"^not an nnviz model file"):
        loads(b"\x00" * 64)
    assert isinstance(NNFormatError("x"), ValueError) and isinstance(NNFormatError("x"), NNVizError)


def test_truncation_at_every_byte():
    data = dumps(net(bias_out=True))
    for cut in range(len(data)):
        with pytest.raises(NNFormatError) as info:
            loads(data[:cut])
        if cut:
            assert "truncated" in str(info.value), (cut, str(info.value))


def test_every_single_bit_flip_is_detected():
    data = bytearray(dumps(net("x/(1+abs(x))", bias_out=True)))
    for i in range(len(data)):
        for bit in range(8):
            data[i] ^= 1 << bit
            with pytest.raises(NNFormatError):
                loads(bytes(data))
            data[i] ^= 1 << bit
    assert same_predictions(loads(bytes(data)), net("x/(1+abs(x))", bias_out=True))


def test_oversized_files_are_refused_before_reading(tmp_path):
    path = tmp_path / "huge.nn"
    with open(path, "wb") as fh:
        fh.write(MAGIC)
        fh.truncate(MAX_FILE_BYTES + 1)  # sparse: no disk space used
    tracemalloc.start()
    try:
        with pytest.raises(NNFormatError, match="at most"):
            load_path(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2**20
    with pytest.raises(NNFormatError):
        loads(123)  # type: ignore[arg-type]


# --- fuzzing ---------------------------------------------------------------------------------------

_VALUES = [None, True, False, 0, 1, -1, 2, 3, 4097, 2**63, 1e308, -0.0, 0.5, "", "tanh", "<f8", "<f4",
           [], {}, [3, 2], [2], {"builtin": "relu"}, {"formula": "x*sin(x)"}, {"formula": "1/x"}, [[[]]],
           "x" * 50]  # fmt: skip


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from _paths(child, (*prefix, i))


def _mutate_header(rng: random.Random, header: dict) -> dict:
    header = json.loads(json.dumps(header))
    path = rng.choice(list(_paths(header))[1:])
    parent = header
    for key in path[:-1]:
        parent = parent[key]
    if isinstance(parent, dict) and rng.random() < 0.15:
        del parent[path[-1]]
    elif isinstance(parent, list) and rng.random() < 0.15:
        parent.append(parent[path[-1]])
    else:
        parent[path[-1]] = rng.choice(_VALUES)
    return header


def _mutate_bytes(rng: random.Random, data: bytes) -> bytes:
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(len(data))
        choice = rng.random()
        if choice < 0.4:
            data[i] ^= 1 << rng.randrange(8)
        elif choice < 0.6:
            data[i] = rng.choice([0, 0xFF, 0x7F, 0x80, ord("9"), ord("{")])
        elif choice < 0.75:
            del data[i : i + rng.randint(1, 16)]
        elif choice < 0.9:
            data[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        else:
            data = data[:i]
    return bytes(data)


@pytest.mark.timeout(600)
def test_mutation_fuzz_of_valid_files():
    rng = random.Random(20240611)
    with_data = net(seed=2)
    with_data.dataset = make_dataset("blobs3", n=12, test_ratio=0.25, seed=1)  # format 2
    originals = [dumps(net(bias_out=True)), dumps(net("x/(1+abs(x))", "relu", seed=5)), dumps(with_data)]
    loaded = 0
    for i in range(4000):
        data = rng.choice(originals)
        if i % 2:
            data = _mutate_bytes(rng, data)
        else:
            header, blobs = split(data)
            data = build(_mutate_header(rng, header), blobs, version=data[8])
        try:
            nn = loads(data)
        except NNFormatError:
            continue
        loaded += 1  # a mutation that is still a valid file (e.g. changed metadata) must load cleanly
        assert nn.predict(INPUTS).shape == (len(INPUTS), nn.outputs)
    assert loaded < 4000


# --- writing: the exact bytes and words the specification gives --------------------------------------


def test_the_specifications_example_file_has_its_documented_size():
    # docs/nn-format.md: the example network and metadata make a 580-byte file with H = 496 (f0 01 00 00).
    nn = Network(2, [LayerSpecNBF(2, True, "tanh"), LayerSpecNBF(1, False, "x/(1+abs(x))")], seed=0)
    nn.metadata = {
        "dataset": "xor", "epoch": 500, "loss_history": [0.25, 0.12],
        "training": {"lr": 0.1, "optimizer": "sgd", "loss": "mse"},
        "created": "2025-01-01T12:00:00+00:00", "nnviz_version": "0.1.0",
    }  # fmt: skip
    data = nn.to_bytes()
    assert len(data) == 580 and data[12:16] == bytes.fromhex("f0010000")


@pytest.mark.parametrize("extra", range(9))
def test_the_header_is_padded_with_fewer_than_8_spaces_so_the_arrays_start_8_byte_aligned(extra):
    nn = Network.from_sizes([2, 1], seed=0)
    nn.metadata = {"note": "n" * extra, "created": "2025-01-01T12:00:00+00:00", "nnviz_version": "0.1.0"}
    header = header_bytes(nn.to_bytes())
    text = header.rstrip(b" ")
    assert (16 + len(header)) % 8 == 0 and len(header) - len(text) < 8
    assert json.loads(text)["metadata"]["note"] == "n" * extra


def test_the_header_is_written_in_ascii_with_escapes_for_other_characters():
    nn = Network.from_sizes([2, 1], seed=0)
    nn.metadata = {"note": "café ∑"}
    header = header_bytes(nn.to_bytes())
    assert max(header) < 0x80 and b'"note":"caf\\u00e9 \\u2211"' in header
    assert loads(nn.to_bytes()).metadata["note"] == "café ∑"


def test_the_creation_time_is_written_with_its_utc_offset():
    nn = Network.from_sizes([2, 1], seed=0)
    created = json.loads(header_bytes(nn.to_bytes()))["metadata"]["created"]
    assert datetime.datetime.fromisoformat(created).utcoffset() == datetime.timedelta(0)


def test_a_header_of_exactly_4_mib_is_written_and_read_and_one_byte_more_is_refused():
    nn = Network.from_sizes([2, 1], seed=0)
    nn.metadata = {"note": "", "created": "2025-01-01T12:00:00+00:00", "nnviz_version": "0.1.0"}
    compact = json.dumps(json.loads(header_bytes(nn.to_bytes())), separators=(",", ":"))
    note = "n" * (4 * 2**20 - len(compact))  # 16 + 4 MiB is a multiple of 8: no padding
    nn.metadata["note"] = note
    data = nn.to_bytes()
    assert struct.unpack_from("<I", data, 12) == (4 * 2**20,)
    assert loads(data).metadata["note"] == note
    nn.metadata["note"] = note + "n"  # 4 MiB + 1, padded to the next multiple of 8: 4 MiB + 8
    with pytest.raises(NNFormatError) as info:
        nn.to_bytes()
    assert str(info.value) == "the header would take 4194312 bytes; at most 4194304 (trim the metadata)"


def test_float32_weights_are_written_as_float64():
    nn = Network.from_sizes([2, 1], seed=0)
    nn.layers[0].weights = np.array([[0.5, -1.25]], dtype=np.float32)
    back = loads(nn.to_bytes())
    assert back.layers[0].weights.dtype == np.float64
    assert back.layers[0].weights.tolist() == [[0.5, -1.25]]
    assert back.layers[0].bias.tolist() == nn.layers[0].bias.tolist()


def test_a_formula_of_500_characters_is_written_and_read():
    text = "x/(1 +" + " " * 487 + "abs(x))"  # spaces are printable characters too
    assert len(text) == 500
    back = loads(dumps(Network(2, [LayerSpecNBF(1, True, text)], seed=0)))
    assert back.layers[0].activation.text == text
    assert back.layers[0].activation.f(np.array([0.0, 1.0, -3.0])).tolist() == [0.0, 0.5, -0.75]


def test_an_activation_whose_text_is_not_its_formula_is_written_from_its_expression():
    from nnviz.core.formula import parse_activation

    renamed = dataclasses.replace(parse_activation("x/(1+abs(x))"), text="softsign")
    nn = Network(2, [LayerSpecNBF(1, True, renamed)], seed=0)
    back = loads(dumps(nn))
    assert back.layers[0].activation.f_expr == renamed.f_expr
    assert back.layers[0].activation.text != "softsign"
    assert same_predictions(nn, back)


def test_activations_that_cannot_be_written_as_text_are_refused_in_these_words():
    pair = (np.tanh, lambda z: 1 - np.tanh(z) ** 2)
    nn = Network(2, [LayerSpecNBF(3, True, "relu"), LayerSpecNBF(1, True, pair)], seed=0)
    with pytest.raises(NNFormatError) as info:
        nn.to_bytes()
    assert str(info.value) == (
        "layer 2's activation is a NumPy (f, df) pair, which cannot be saved as text: use a built-in name, "
        "a formula or a function of a SymPy symbol to export this network"
    )
    nn = Network(2, [LayerSpecNBF(1, True, sp.asinh)], seed=0)  # asinh is not in the formula grammar
    with pytest.raises(NNFormatError) as info:
        nn.to_bytes()
    assert str(info.value) == (
        "layer 1's activation 'asinh(x)' cannot be saved as a formula: asinh (asinh(x)) cannot be written "
        "as a formula"
    )
