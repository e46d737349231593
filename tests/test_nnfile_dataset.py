"""The dataset inside a ``.nn`` file (format 2): exact round trips, the version rules, one message for each
hostile value of each new field, and properties (a random dataset reads back bit for bit; random values
in the data's fields raise nothing but ``NNFormatError``)."""

from __future__ import annotations

import json
import struct
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nnfile_headers import linear_layer

from nnviz.core import LayerSpecNBF, Network, NNFormatError, nnfile_reader
from nnviz.core.data_table import MAX_POINTS, DataTable
from nnviz.core.datasets import DATASETS, Dataset, make_dataset
from nnviz.core.nnfile import FORMAT_VERSION, MAGIC

PROPERTY = settings(
    max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
PARTS = ("X_train", "y_train", "X_test", "y_test")


def model(data: Dataset | None = None) -> Network:
    nn = Network.from_sizes([2, 3, 1], seed=0)
    nn.dataset = data
    return nn


def split(data: bytes) -> tuple[int, dict, bytes]:
    """The version, the header and the arrays of a file."""
    version, length = struct.unpack_from("<II", data, 8)
    return version, json.loads(data[16 : 16 + length]), data[16 + length : -4]


def build(header: object, blobs: bytes, version: int = 2) -> bytes:
    """A file with a correct header length and checksum, so that the content itself is what is tested."""
    text = json.dumps(header).encode()
    body = struct.pack("<8sII", MAGIC, version, len(text)) + text + blobs
    return body + struct.pack("<I", zlib.crc32(body))


def bits(a: np.ndarray) -> bytes:
    return np.ascontiguousarray(a, dtype="<f8").tobytes()


def same_data(a: Dataset, b: Dataset) -> bool:
    arrays = all(bits(getattr(a, key)) == bits(getattr(b, key)) for key in PARTS)
    return arrays and (a.name, a.kind, a.box, a.class_names) == (b.name, b.kind, b.box, b.class_names)


BLOBS4 = make_dataset("blobs4", n=40, noise=0.3, test_ratio=0.25, seed=1)  # 30 training points first
PLANE = make_dataset("plane", n=12, test_ratio=0.5, seed=2)


# --- round trips and versions ------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_every_built_in_dataset_reads_back_bit_for_bit(name):
    d = make_dataset(name, n=200, noise=0.5, test_ratio=0.3, seed=4)
    back = Network.from_bytes(model(d).to_bytes())
    assert same_data(back.dataset, d) and back.dataset.classes == d.classes


def test_hand_made_points_with_named_classes_read_back_through_a_file(tmp_path):
    X = [[0.1, -0.0], [5e-324, 1e15], [1 / 3, 2.5], [-7.0, 0.2], [3.0, 3.0]]
    table = DataTable(X, [2, 0, 1, 2, 0], "classification", ("zebra", "ant", "big, red é"))
    d = table.split(test_ratio=0.4, seed=3)
    path = tmp_path / "mine.nn"
    model(d).export(path)
    back = Network.load(path)
    assert same_data(back.dataset, d) and back.dataset.name == "custom"
    assert back.dataset.class_names == ("zebra", "ant", "big, red é")  # any order, unlike a CSV file
    assert np.array_equal(back.predict(np.array(X)), model().predict(np.array(X)))
    assert back.copy().dataset is back.dataset  # datasets are never changed, so a copy shares it


def test_a_softmax_network_with_its_data_round_trips_bit_for_bit():
    d = make_dataset("spiral3", n=90, noise=0.1, test_ratio=0.3, seed=5)
    nn = Network(2, [LayerSpecNBF(6, True, "tanh"), LayerSpecNBF(3, True, "softmax")], seed=1)
    nn.dataset = d
    data = nn.to_bytes()
    back = Network.from_bytes(data)
    assert back.to_bytes() == data and same_data(back.dataset, d) and back.dataset.classes == 3
    X = np.concatenate([d.X_train, d.X_test])
    assert bits(back.predict(X)) == bits(nn.predict(X))


def test_a_model_without_data_is_still_written_as_format_1_which_old_readers_read():
    version, header, _ = split(model().to_bytes())
    assert version == 1 and "data" not in header
    version, header, blobs = split(model(BLOBS4).to_bytes())
    assert version == FORMAT_VERSION == 2 and header["data"]["points"] == 40
    params = header["data"]["X"]["offset"]  # the parameters' bytes, then the data's
    assert header["data"]["train"] == 30 and len(blobs) == params + 8 * 40 * 3
    del header["data"]
    assert Network.from_bytes(build(header, blobs[:params], version=2)).dataset is None  # format 2, no data


def test_a_format_1_reader_refuses_a_file_with_data_as_written_by_a_newer_nnviz(monkeypatch):
    data = model(BLOBS4).to_bytes()
    monkeypatch.setattr(nnfile_reader, "FORMAT_VERSION", 1)
    with pytest.raises(NNFormatError, match=r"^written by a newer nnviz \(format 2\)"):
        Network.from_bytes(data)
    assert Network.from_bytes(model().to_bytes()).dataset is None  # no data: format 1, still read


def test_data_in_a_file_marked_format_1_and_format_3_are_refused():
    _, header, blobs = split(model(BLOBS4).to_bytes())
    with pytest.raises(NNFormatError, match="^the header has an unknown field 'data' \\(written by a newer"):
        Network.from_bytes(build(header, blobs, version=1))
    message = "^written by a newer nnviz \\(format 3\\); this nnviz reads formats 1 to 2$"
    with pytest.raises(NNFormatError, match=message):
        Network.from_bytes(build(header, blobs, version=3))


def test_every_truncation_of_a_file_with_data_is_refused():
    data = model(PLANE).to_bytes()
    for cut in range(len(data)):
        with pytest.raises(NNFormatError):
            Network.from_bytes(data[:cut])


# --- writing what cannot be written ---------------------------------------------------------------------


def renamed(d: Dataset, name: str) -> Dataset:
    return Dataset(name, d.kind, d.box, d.X_train, d.y_train, d.X_test, d.y_test, d.class_names)


@pytest.mark.parametrize(
    "data, message",
    [
        (
            make_dataset("circle", n=MAX_POINTS + 1),
            "the data cannot be saved: a data table holds at most 10000 p",
        ),
        (renamed(BLOBS4, "mine"), "the data's name 'mine' is not a built-in dataset .* nor 'custom'"),
        (renamed(BLOBS4, "circle"), "named 'circle', a built-in dataset of 2 classes, but holds 4 classes"),
        (renamed(PLANE, "circle"), "a built-in dataset of 2 classes, but holds regression targets"),
        (renamed(BLOBS4, "plane"), "a built-in dataset of regression targets, but holds 4 classes"),
        (
            Dataset("custom", "classification", (0, 1, 1, 0), *(np.zeros((2, 2)), np.zeros((2, 1))) * 2),
            "the data cannot be saved: a view box needs x_min < x_max and y_min < y_max",
        ),
    ],
    ids=[
        "too many points",
        "unknown name",
        "wrong class count",
        "regression as circle",
        "classes as plane",
        "bad box",
    ],  # fmt: skip
)
def test_data_that_a_file_cannot_hold_is_refused_on_writing(data, message):
    with pytest.raises(NNFormatError, match=message):
        model(data).to_bytes()


# --- hostile files: one message for each bad value of each field ------------------------------------------


def data_header(change) -> tuple[dict, bytes]:
    _, header, blobs = split(model(BLOBS4).to_bytes())
    change(header["data"])
    return header, blobs


def setting(key, value):
    return lambda data: data.__setitem__(key, value)


HOSTILE = {
    "no fields": (lambda d: d.clear(), "the data lacks the field 'X'"),
    "missing field": (lambda d: d.pop("train"), "the data lacks the field 'train'"),
    "unknown field": (setting("seed", 3), r"the data has an unknown field 'seed' \(written by a newer"),
    "name type": (setting("name", 5), "the data's name must be a string, not an integer"),
    "huge name": (setting("name", "n" * 10**5), "the data's name is longer than 64 characters"),
    "unknown name": (setting("name", "blobs9"), "the data's name 'blobs9' is not a built-in dataset"),
    "name of another kind": (setting("name", "moons"), "the data is named 'moons', a built-in dataset of 2"),
    "kind type": (setting("kind", None), "the data's kind must be a string, not null"),
    "unknown kind": (setting("kind", "ranking" * 99), "the data's kind is 'rankingranking"),
    "classes type": (setting("classes", "0123"), "the data's classes must be a list of names, not a string"),
    "one class": (setting("classes", ["a"]), "the data lists 1 classes; classification data has 2 to 6"),
    "seven classes": (setting("classes", list("abcdefg")), "the data lists 7 classes; classification data"),
    "class name type": (setting("classes", ["a", 1, "c", "d"]), "the data's classes: a class name must be a"),
    "huge class name": (
        setting("classes", ["a", "b" * 10**5, "c", "d"]),
        "the data's classes: a class name has 1 to 40 characters; 'bbbbbbbbbb",
    ),
    "empty class name": (setting("classes", ["a", "", "c", "d"]), "the data's classes: a class name has 1"),
    "control character": (
        setting("classes", ["a", "b\x1b[2J", "c", "d"]),
        "the data's classes: a class name is printable",
    ),
    "class twice": (
        setting("classes", ["a", "b", "a", "d"]),
        "the data's classes: the class name 'a' is used",
    ),
    "box type": (setting("box", {"x": 1}), "the data's box: a view box is four finite numbers"),
    "box of three": (setting("box", [0, 1, 2]), "the data's box: a view box is four finite numbers"),
    "box with a boolean": (setting("box", [0, 1, 0, True]), "the data's box: a view box is four finite"),
    "box upside down": (setting("box", [1, 0, 0, 1]), "the data's box: a view box needs x_min < x_max"),
    "points type": (setting("points", 40.0), "the data's number of points must be an integer, not a number"),
    "negative points": (setting("points", -1), "the data's number of points is -1; it must be between 0 and"),
    "too many points": (
        setting("points", 10**6),
        "the data's number of points is 1000000; it must be between",
    ),
    "points not matching": (setting("points", 39), r"the data's points \(X\) have shape \[40, 2\]; its 39"),
    "train type": (setting("train", True), "the data's number of training points must be an integer, not a"),
    "train over points": (
        setting("train", 41),
        "the data's number of training points is 41; it must be betw",
    ),
    "X type": (setting("X", [1, 2]), r"the data's points \(X\) must be a JSON object, not a list"),
    "X dtype": (
        lambda d: d["X"].update(dtype="<f4"),
        r"the data's points \(X\) have dtype '<f4'; a .nn file stores only '<f8'",
    ),
    "X shape": (
        lambda d: d["X"].update(shape=[40, 3]),
        r"the data's points \(X\) have shape \[40, 3\]; its 40 points",
    ),
    "X offset": (lambda d: d["X"].update(offset=0), r"the data's points \(X\) start at byte 0 of the param"),
    "y shape": (
        lambda d: d["y"].update(shape=[40]),
        r"the data's targets \(y\) have shape \[40\]; its 40 po",
    ),
    "y unknown field": (lambda d: d["y"].update(order="F"), r"the data's targets \(y\) has an unknown field"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_each_bad_value_of_each_data_field_gets_one_message(name):
    change, message = HOSTILE[name]
    header, blobs = data_header(change)
    with pytest.raises(NNFormatError, match=f"^{message}") as info:
        Network.from_bytes(build(header, blobs))
    assert len(str(info.value)) < 300  # a huge value is never repeated in full


@pytest.mark.parametrize("value, what", [([1], "a list"), (None, "null"), ("data", "a string")])
def test_data_that_is_not_an_object_is_refused(value, what):
    _, header, blobs = split(model(BLOBS4).to_bytes())
    header["data"] = value
    with pytest.raises(NNFormatError, match=f"^the data must be a JSON object, not {what}$"):
        Network.from_bytes(build(header, blobs))


def with_values(points: np.ndarray | None = None, targets: np.ndarray | None = None) -> bytes:
    """The blobs4 model's file with its data's arrays replaced (same shapes)."""
    _, header, blobs = split(model(BLOBS4).to_bytes())
    start = header["data"]["X"]["offset"]
    X = np.concatenate([BLOBS4.X_train, BLOBS4.X_test]) if points is None else points
    y = np.concatenate([BLOBS4.y_train, BLOBS4.y_test]) if targets is None else targets
    return build(header, blobs[:start] + bits(X) + bits(y))


def changed(array: np.ndarray, index: tuple[int, int], value: float) -> np.ndarray:
    array = array.copy()
    array[index] = value
    return array


X0, Y0 = np.concatenate([BLOBS4.X_train, BLOBS4.X_test]), np.concatenate([BLOBS4.y_train, BLOBS4.y_test])


INVALID = "the data is invalid: the targets must be class numbers 0 to 3; "


@pytest.mark.parametrize(
    "data, message",
    [
        (with_values(points=changed(X0, (3, 1), np.nan)), r"the data's points \(X\) contain NaN or infinite"),
        (with_values(targets=changed(Y0, (5, 0), -np.inf)), r"the data's targets \(y\) contain NaN or"),
        (with_values(points=changed(X0, (3, 1), 1e16)), "the data is invalid: coordinates must be finite"),
        (with_values(targets=changed(Y0, (5, 0), 4.0)), INVALID + r"y\[5\] is 4.0"),
        (with_values(targets=changed(Y0, (7, 0), -1.0)), INVALID + r"y\[7\] is -1.0"),
        (with_values(targets=changed(Y0, (0, 0), 0.5)), INVALID + r"y\[0\] is 0.5"),
    ],
    ids=["NaN point", "infinite target", "huge point", "label past the classes", "negative label",
         "half label"],
)  # fmt: skip
def test_bad_values_in_the_data_arrays_are_refused(data, message):
    with pytest.raises(NNFormatError, match=f"^{message}"):
        Network.from_bytes(data)
    assert Network.from_bytes(with_values()).dataset is not None  # the unchanged arrays are fine


def test_huge_regression_targets_are_refused():
    _, header, blobs = split(model(PLANE).to_bytes())
    start = header["data"]["y"]["offset"]
    y = np.concatenate([PLANE.y_train, PLANE.y_test])
    data = build(header, blobs[:start] + bits(changed(y, (2, 0), -1e300)))
    with pytest.raises(NNFormatError, match=r"^the data is invalid: the targets must be finite and at most"):
        Network.from_bytes(data)


def test_regression_data_lists_no_classes():
    _, header, blobs = split(model(PLANE).to_bytes())
    header["data"]["classes"] = ["a", "b"]
    with pytest.raises(NNFormatError, match="^the data lists 2 classes; regression data has 0 to 0"):
        Network.from_bytes(build(header, blobs))


# --- properties -----------------------------------------------------------------------------------------

FINITE = st.floats(min_value=-1e15, max_value=1e15, allow_nan=False, allow_infinity=False)
NAME = st.text(st.characters(codec="utf-8", categories=["L", "N", "P", "S"]), min_size=1, max_size=40)


@st.composite
def datasets(draw) -> Dataset:
    n = draw(st.integers(1, 30))
    X = np.array(draw(st.lists(st.tuples(FINITE, FINITE), min_size=n, max_size=n)), dtype=float)
    ratio = draw(st.sampled_from([0.0, 0.3, 0.5]))
    if draw(st.booleans()):
        table = DataTable(X, draw(st.lists(FINITE, min_size=n, max_size=n)), "regression")
    else:
        names = draw(st.lists(NAME, min_size=2, max_size=6, unique=True))
        labels = draw(st.lists(st.integers(0, len(names) - 1), min_size=n, max_size=n))
        table = DataTable(X, labels, "classification", tuple(names))
    return table.split(ratio, seed=draw(st.integers(0, 2**32 - 1)))


@PROPERTY
@given(datasets())
def test_a_random_dataset_reads_back_bit_for_bit(d):
    assert same_data(Network.from_bytes(model(d).to_bytes()).dataset, d)


SCALARS = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False)
JSON = st.recursive(
    SCALARS | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
    max_leaves=20,
)
FIELDS = ["name", "kind", "classes", "box", "points", "train", "X", "y", "extra"]


@PROPERTY
@given(st.dictionaries(st.sampled_from(FIELDS), JSON, min_size=1, max_size=3))
def test_random_values_in_the_data_fields_raise_nothing_but_nnformaterror(values):
    header, blobs = data_header(lambda data: data.update(values))
    try:
        back = Network.from_bytes(build(header, blobs))
    except NNFormatError:
        return
    assert back.dataset is not None and len(back.dataset.X_train) + len(back.dataset.X_test) == 40


@pytest.mark.parametrize("name, shown", [(5, "'5'"), (2.5, "'2.5'"), (("a",), "\"('a',)\"")])
def test_a_dataset_whose_name_is_not_text_is_refused_under_its_repr(name, shown):
    with pytest.raises(NNFormatError) as info:
        model(renamed(BLOBS4, name)).to_bytes()
    assert str(info.value) == (
        f"the data's name {shown} is not a built-in dataset (written by a newer nnviz?) nor 'custom'"
    )


@pytest.mark.parametrize("length", [63, 64])
def test_a_data_name_of_up_to_64_characters_is_judged_by_its_value_not_its_length(length):
    header, blobs = data_header(setting("name", "n" * length))
    with pytest.raises(NNFormatError) as info:
        Network.from_bytes(build(header, blobs))
    shown = "'" + "n" * length + "'"
    assert str(info.value) == (
        f"the data's name {shown} is not a built-in dataset (written by a newer nnviz?) nor 'custom'"
    )


def test_a_data_name_of_65_characters_is_too_long():
    header, blobs = data_header(setting("name", "n" * 65))
    with pytest.raises(NNFormatError) as info:
        Network.from_bytes(build(header, blobs))
    assert str(info.value) == "the data's name is longer than 64 characters"


@pytest.mark.parametrize("length", [40, 41, 42])
def test_an_unknown_data_kind_is_shown_by_its_first_40_characters(length):
    header, blobs = data_header(setting("kind", "k" * length))
    with pytest.raises(NNFormatError) as info:
        Network.from_bytes(build(header, blobs))
    shown = "'" + "k" * 40 + "'"
    assert str(info.value) == f"the data's kind is {shown}; it must be 'classification' or 'regression'"


def test_a_file_whose_data_has_no_training_points_reads_back_as_all_test_points():
    header, blobs = data_header(setting("train", 0))
    back = Network.from_bytes(build(header, blobs)).dataset
    X = np.concatenate([BLOBS4.X_train, BLOBS4.X_test])
    y = np.concatenate([BLOBS4.y_train, BLOBS4.y_test])
    assert back.X_train.shape == (0, 2) and back.y_train.shape == (0, 1)
    assert bits(back.X_test) == bits(X) and bits(back.y_test) == bits(y)


# --- the 64 MiB array limit counts the parameters and the data together ---------------------------------


def points(n: int) -> Dataset:
    """``n`` regression points (24 bytes each in a file: x1, x2 and the target)."""
    X = np.column_stack([np.arange(n) % 7, np.arange(n) % 5]).astype(float)
    return DataTable(X, X[:, 0] - X[:, 1], "regression").split(test_ratio=0.25, seed=0)


def test_a_network_and_data_of_exactly_64_mib_are_written_and_read_and_24_bytes_more_are_refused():
    # 2045 inputs x 4096 units x 8 bytes of weights + 4096 points x 24 bytes = 2**26 bytes exactly.
    nn = Network(2045, [LayerSpecNBF(4096, False, "linear")], seed=0)
    nn.dataset = points(4096)
    back = Network.from_bytes(nn.to_bytes())
    assert np.array_equal(back.layers[0].weights, nn.layers[0].weights)
    assert same_data(back.dataset, nn.dataset)
    back = None
    nn.dataset = points(4097)
    with pytest.raises(NNFormatError) as info:
        nn.to_bytes()
    assert str(info.value) == (
        "the network and its data take 67108888 bytes of arrays; a model file holds at most 67108864"
    )


def limit_header(n: int) -> dict:
    """A file's header for 2045 x 4096 weights (67 010 560 bytes) and ``n`` regression points after them."""
    params = 8 * 2045 * 4096
    layer = linear_layer(2045, 4096)
    data = {
        "name": "custom", "kind": "regression", "classes": [], "box": [-1, 1, -1, 1], "points": n, "train": n,
        "X": {"dtype": "<f8", "shape": [n, 2], "offset": params},
        "y": {"dtype": "<f8", "shape": [n, 1], "offset": params + 16 * n},
    }  # fmt: skip
    return {"inputs": 2045, "layers": [layer], "data": data}


def test_a_files_arrays_may_end_exactly_at_64_mib_but_not_past_it():
    # The limit is checked on the header, before any array is read: a header within it leads on to the
    # length check (only the 4 CRC bytes follow the header here); one past it is refused as too large.
    with pytest.raises(NNFormatError) as info:
        Network.from_bytes(build(limit_header(4096), b""))
    assert str(info.value) == "file is truncated: layer 1 weights need 67010560 bytes, 4 remain"
    with pytest.raises(NNFormatError) as info:
        Network.from_bytes(build(limit_header(4097), b""))
    assert str(info.value) == "the arrays exceed 67108864 bytes (at the data's targets (y))"
