"""Data files (CSV): what is read and how, every bad file's one message, the limits at their edges, exact
round trips of every built-in dataset, and properties: random bytes raise nothing but ``DataFileError``, a
random valid dataset reads back bit for bit."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnviz.core.data_csv import MAX_FILE_BYTES, MAX_LINE, class_names_for, dumps, load_path, loads
from nnviz.core.data_table import MAX_POINTS, DataTable
from nnviz.core.datasets import DATASETS, make_dataset
from nnviz.core.errors import DataFileError, NNVizError

PROPERTY = settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


def read(text: str) -> DataTable:
    return loads(text.encode())


def bits(a: np.ndarray) -> bytes:
    return np.ascontiguousarray(a, dtype="<f8").tobytes()


# --- what is read ----------------------------------------------------------------------------------


def test_a_headed_file_of_words_numbers_the_classes_in_sorted_order():
    t = read("x1,x2,species\n1,2,virginica\n3.5,-4e-1,setosa\n5,6,versicolor\n7,8,setosa\n")
    assert t.kind == "classification" and t.class_names == ("setosa", "versicolor", "virginica")
    np.testing.assert_array_equal(t.X, [[1, 2], [3.5, -0.4], [5, 6], [7, 8]])
    assert t.y[:, 0].tolist() == [2, 0, 1, 0] and t.y.shape == (4, 1) and t.test is None
    assert t.X.dtype == np.float64 and not t.X.flags.writeable


def test_whole_number_labels_are_numbered_in_increasing_order_and_named_plainly():
    t = read("1,2,-1\n3,4,+01\n5,6,-1\n7,8,10\n9,10,2\n")
    assert t.class_names == ("-1", "1", "2", "10")  # numbers, not text: 2 before 10
    assert t.y[:, 0].tolist() == [0, 1, 0, 3, 2]
    assert class_names_for(["b", "a", "b"]) == ("a", "b")
    assert class_names_for(["10", "9", "a"]) == ("10", "9", "a")  # one word: all are words, text order


@pytest.mark.parametrize(
    "text, kind",
    [
        ("1,2,0.5\n3,4,1\n", "regression"),  # a number that is not whole
        ("1,2,1.0\n3,4,0.0\n", "regression"),  # written as decimals: targets, not labels
        ("1,2,1e3\n3,4,2\n", "regression"),
        ("x1,x2,y\n1,2,0\n3,4,1\n", "regression"),  # the header decides
        ("a,b,Target\n1,2,0\n3,4,1\n", "regression"),
        ("x1,x2,VALUE\n1,2,0\n3,4,1\n", "regression"),
        ("x1,x2,label\n1,2,0.5\n3,4,1.5\n", "classification"),  # the header decides: words '0.5', '1.5'
        ("x1,x2,class\n1,2,0\n3,4,1\n", "classification"),
        ("x1,x2,z\n1,2,0\n3,4,1\n", "classification"),  # another name: the values decide
        ("1,2,0\n3,4,1\n", "classification"),
        ("1,2,cat\n3,4,1\n", "classification"),  # a word and a whole number: words
    ],
)
def test_the_kind_comes_from_the_header_name_or_else_the_values(text, kind):
    assert read(text).kind == kind


def test_regression_targets_are_read_as_numbers():
    t = read("x1,x2,y\n1,2,0.25\n3,4,-7\n")
    assert t.kind == "regression" and t.class_names == () and t.y[:, 0].tolist() == [0.25, -7.0]


@pytest.mark.parametrize(
    "text",
    [
        "1,2,a\n3,4,b\n",
        "1;2;a\n3;4;b\n",
        "1\t2\ta\n3\t4\tb\n",
        "1,2,a\r\n3,4,b\r\n",
        "1,2,a\r3,4,b\r",
        "\n\n1,2,a\n   \n3,4,b\n\n",
        ' 1 , "2",a\n3, 4 , "b"\n',
        "\ufeff1,2,a\n3,4,b",  # a UTF-8 byte-order mark (Excel's "CSV UTF-8")
        "X1;X2;Label\n1;2;a\n3;4;b\n",
    ],
    ids=["comma", "semicolon", "tab", "crlf", "cr", "blank lines", "spaces and quotes", "bom", "header"],
)
def test_separators_line_ends_blank_lines_quotes_and_spaces(text):
    t = read(text)
    np.testing.assert_array_equal(t.X, [[1, 2], [3, 4]])
    assert t.class_names == ("a", "b") and t.y[:, 0].tolist() == [0, 1]


def test_a_separator_inside_quotes_and_a_comma_file_with_a_semicolon_label():
    t = read('1,2,"big, red"\n3,4,small\n')
    assert t.class_names == ("big, red", "small")
    assert read("1,2,a;b\n3,4,c\n").class_names == ("a;b", "c")  # ';' gives 2 columns, ',' gives 3


def test_the_split_column_fixes_the_split_and_the_split_keeps_the_file_order():
    t = read("x1,x2,label,split\n1,1,a,train\n2,2,b,TEST\n3,3,a,Train\n4,4,b,test\n")
    assert t.test.tolist() == [False, True, False, True]
    d = t.split(test_ratio=0.9, seed=5)  # a fixed split ignores the ratio and the seed
    np.testing.assert_array_equal(d.X_train, [[1, 1], [3, 3]])
    np.testing.assert_array_equal(d.X_test, [[2, 2], [4, 4]])
    assert read("1,1,a,train\n2,2,b,test\n").test.tolist() == [False, True]  # no header


# --- bad files: one message each, naming the line and the column -------------------------------------

BAD = {
    "empty": (b"", "the file is empty", None),
    "blank": (b"\n \r\n\t\n", "the file has only blank lines", None),
    "bom only": (b"\xef\xbb\xbf", "the file has only blank lines", None),
    "xlsx": (b"PK\x03\x04\x14\x00\x06\x00" + bytes(50), "this is an Excel workbook (.xlsx)", None),
    "xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(50), "this is an old Excel workbook (.xls)", None),
    "utf16": ("x1,x2,label\n1,2,a\n".encode("utf-16"), "this text is UTF-16, not UTF-8", None),
    "nul": (b"1,2,a\n3,4\x00,b\n", "line 2: this is a binary file, not CSV text (it has a NUL byte)", 2),
    "latin1": (
        "1,2,a\n3,4,caf\xe9\n".encode("latin-1"),
        "line 2: the file is not UTF-8 text (the byte 0xE9)",
        2,
    ),
    "header only": (b"x1,x2,label\n", "the file has a header but no rows of data", None),
    "header twice": (
        b"x1,x2,label\n\nX1,x2,Label\n",
        "line 3: the header of line 1 is repeated: a data file has one header line",
        3,
    ),
    "header again": (b"x1,x2,y\n1,2,3\nx1,x2,y\n", "line 3: the header of line 1 is repeated", 3),
    "fourth header late": (b"\n\nx1,x2,label,w\n", "line 3: the fourth column is named 'w'", 3),
    "two columns": (
        b"1,2\n3,4\n",
        "line 1: the line has 2 columns; a data file has 3 (x1, x2 and a label",
        1,
    ),
    "five columns": (b"1,2,3,4,5\n", "line 1: the line has 5 columns", 1),
    "column count changes": (b"1,2,a\n3,4,b\n5,6,a,b\n", "line 3: the line has 4 columns, expected 3", 3),
    "not a number": (b"1,2,a\n3,abc,b\n", "line 2, column x2: 'abc' is not a number", 2),
    "decimal comma": (b"1,5;2;a\n3;4;b\n", "line 1, column x1: '1,5' is not a number (use a point as the", 1),
    "underscore": (b"1_000,2,a\n3,4,b\n", "line 1, column x1: '1_000' is not a number", 1),
    "unicode digit": ("1,\u0663,a\n3,4,b\n".encode(), "line 1, column x2: '\u0663' is not a number", 1),
    "empty value": (b"1,2,a\n,4,b\n", "line 2, column x1: the value is empty", 2),
    "nan": (b"1,2,a\n3,NaN,b\n", "line 2, column x2: 'NaN' is not a finite number (NaN and infinity", 2),
    "inf": (b"1,2,a\n-inf,4,b\n", "line 2, column x1: '-inf' is not a finite number", 2),
    "overflow": (b"1,2,a\n1e400,4,b\n", "line 2, column x1: '1e400' is too large (at most 1e+15 in size)", 2),
    "too large": (b"1,2,a\n3,-2e15,b\n", "line 2, column x2: '-2e15' is too large", 2),
    "nan target": (b"x1,x2,y\n1,2,0.5\n3,4,nan\n", "line 3, column y: 'nan' is not a finite number", 3),
    "word target": (b"1,2,0.5\n3,4,abc\n", "line 2, column y: 'abc' is not a number", 2),
    "one class": (
        b"1,2,a\n3,4,a\n",
        "every row has the label 'a': a classifier needs at least two classes",
        None,
    ),
    "seven classes": (
        b"".join(b"%d,%d,%d\n" % (i, i, i) for i in range(7)),
        "the labels name 7 classes ('0', '1', '2', '3', \u2026); at most 6 are allowed",
        None,
    ),
    "empty label": (b"1,2,a\n3,4,\n", "line 2, column label: the label is empty", 2),
    "long label": (b"1,2,a\n3,4," + b"b" * 41 + b"\n", "line 2, column label: a class name has 1 to 40", 2),
    "control character": (b"1,2,a\n3,4,b\x07c\n", "line 2, column label: a class name is printable", 2),
    "bad split": (b"1,2,a,train\n3,4,b,later\n", "line 2, column split: 'later' must be train or test", 2),
    "all test": (
        b"1,2,a,test\n3,4,b,TEST\n",
        "every row is a test row: at least one must be a train row",
        None,
    ),
    "fourth header": (b"x1,x2,label,weight\n1,2,a,1\n", "line 1: the fourth column is named 'weight'", 1),
    "quote": (b'1,2,"a\n3,4,b\n', "line 1: the line cannot be split into columns", 1),
    "quote inside": (b'1,2,"a"b\n3,4,b\n', "line 1: the line cannot be split into columns", 1),
    "huge line": (
        b"1,2,a\n" + b"9" * 5000 + b"\n",
        "line 2: the line has 5000 characters; a data file's lines",
        2,
    ),
    "huge only line": (b"1" * (MAX_FILE_BYTES - 10), "line 1: the line has 1048566 characters", 1),
    "too many rows": (
        b"1,2,a\n3,4,b\n" * 5001,
        "line 10001: the file has more than 10000 rows of data",
        10001,
    ),
    "over 1 MB": (
        b"1,2,a\n" * (MAX_FILE_BYTES // 6 + 1),
        "the file has 1048578 bytes; a data file has at",
        None,
    ),
}


@pytest.mark.parametrize("name", list(BAD))
def test_each_bad_file_gets_one_message_naming_the_line(name):
    data, message, line = BAD[name]
    with pytest.raises(DataFileError) as info:
        loads(data)
    assert str(info.value).startswith(message), str(info.value)
    assert info.value.line == line
    assert isinstance(info.value, NNVizError) and isinstance(info.value, ValueError)


def test_loads_takes_only_bytes():
    with pytest.raises(DataFileError, match="a data file must be bytes, not str"):
        loads("1,2,a\n3,4,b\n")  # type: ignore[arg-type]
    assert len(loads(bytearray(b"1,2,a\n3,4,b\n"))) == len(loads(memoryview(b"1,2,a\n3,4,b\n"))) == 2


# --- limits at their edges -------------------------------------------------------------------------


def test_the_most_rows_and_the_longest_line_are_accepted():
    rows = b"1,2,a\n3,4,b\n" * (MAX_POINTS // 2)
    assert len(loads(b"x1,x2,label\n" + rows)) == MAX_POINTS  # a header is not a row
    long_label = "b" * 40
    line = f"{'0' * (MAX_LINE - 44)}1,2,{long_label}"  # a long way to write 1
    assert len(line) == MAX_LINE
    assert read(f"1,2,a\n{line}\n").class_names == ("a", long_label)
    with pytest.raises(DataFileError, match=f"^line 2: the line has {MAX_LINE + 1} characters"):
        read(f"1,2,a\n0{line}\n")


def test_a_file_of_exactly_1_mb_is_read_and_one_byte_more_is_refused_unread(tmp_path):
    data = b"1,2,a\n3,4,b\n" * (MAX_POINTS // 2)
    padded = data + b"\n" * (MAX_FILE_BYTES - len(data))  # blank lines up to the limit
    assert len(padded) == MAX_FILE_BYTES and len(loads(padded)) == MAX_POINTS
    path = tmp_path / "big.csv"
    with open(path, "wb") as fh:
        fh.write(b"1,2,a\n")
        fh.truncate(10 * MAX_FILE_BYTES)  # sparse: no disk space used
    tracemalloc.start()
    try:
        with pytest.raises(DataFileError) as info:
            load_path(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (
        str(info.value) == f"big.csv has {10 * MAX_FILE_BYTES} bytes; a data file has at most 1048576 (1 MB)"
    )
    assert peak < MAX_FILE_BYTES // 4  # refused before it was read
    path.write_bytes(b"x1,x2,y\n1,2,0.5\n3,4,1\n")
    assert load_path(path).kind == "regression"


# --- writing and reading back ----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_every_built_in_dataset_reads_back_bit_for_bit(name):
    d = make_dataset(name, n=300, noise=0.4, test_ratio=0.3, seed=2)
    text = dumps(d)
    back = loads(text).split(name=name, box=d.box)
    for key in ("X_train", "y_train", "X_test", "y_test"):
        assert bits(getattr(back, key)) == bits(getattr(d, key)), key
    assert (back.kind, back.class_names, back.classes) == (d.kind, d.class_names, d.classes)
    header = "x1,x2,label,split\n" if d.kind == "classification" else "x1,x2,y,split\n"
    assert text.decode().startswith(header) and text.count(b"\n") == 1 + len(d.X_train) + len(d.X_test)


def test_awkward_floats_and_words_are_written_exactly():
    X = np.array([[-0.0, 5e-324], [1e15, -1e-300], [0.1 + 0.2, 1 / 3], [2.0**-1074 * 3, -1e15]])
    table = DataTable(X, [0, 1, 2, 1], "classification", ("big, red", 'say "hi"', "\u00e9t\u00e9"))
    text = dumps(table)
    back = loads(text)
    assert bits(back.X) == bits(X) and bits(back.y) == bits(table.y)
    assert back.class_names == table.class_names and back.test is None  # no split: no split column
    assert text.decode().splitlines()[0] == "x1,x2,label"
    assert '"big, red"' in text.decode() and '"say ""hi"""' in text.decode()


def test_regression_targets_are_written_exactly():
    table = DataTable([[0, 1], [2, 3], [4, 5]], [[0.1], [-1e15], [-0.0]], "regression")
    back = loads(dumps(table))
    assert back.kind == "regression" and bits(back.y) == bits(table.y)


def test_a_class_without_points_is_not_in_the_file():
    table = DataTable([[0, 1], [2, 3]], [0, 2], "classification", ("0", "1", "2"))
    back = loads(dumps(table))
    assert back.class_names == ("0", "2") and back.y[:, 0].tolist() == [0, 1]  # documented


def test_class_names_that_would_read_back_in_another_order_are_refused():
    for names in (("dog", "cat"), ("10", "9"), ("01", "2")):
        table = DataTable([[0, 1], [2, 3]], [0, 1], "classification", names)
        with pytest.raises(DataFileError, match="would read back as"):
            dumps(table)
    with pytest.raises(DataFileError) as info:
        dumps(DataTable([[0, 1], [2, 3]], [0, 1], "classification", ("dog", "cat")))
    assert str(info.value) == (
        "the class names ('dog', 'cat') would read back as ('cat', 'dog'): a data file numbers its classes "
        "in sorted order, so name them in that order to write them"
    )


def test_data_past_the_limits_is_refused_on_writing():
    huge = make_dataset("circle", n=MAX_POINTS + 2, test_ratio=0.5)
    with pytest.raises(DataFileError, match="^the data cannot be written: a data table holds at most 10000"):
        dumps(huge)
    names = tuple('"' * 39 + str(i) for i in range(2))  # quoted, each quote doubled: rows of 132 bytes
    X = np.full((MAX_POINTS, 2), -1.2345678901234567e-100)
    table = DataTable(X, np.arange(MAX_POINTS) % 2, "classification", names)
    with pytest.raises(
        DataFileError, match=r"^the data takes \d+ bytes as CSV; a data file has at most 1048576"
    ):
        dumps(table)


# --- properties --------------------------------------------------------------------------------------


@PROPERTY
@given(st.binary(max_size=400))
def test_random_bytes_raise_nothing_but_data_file_error(data):
    try:
        table = loads(data)
    except DataFileError:
        return
    assert table.X.shape == (len(table), 2) and 2 <= (table.classes or 2) <= 6


TEXT_PIECES = ["1", "-2.5", "x1", ",", ";", "\t", "\n", "\r", '"', "a", "b", "nan", "1e400", " ", "train",
               "test", "0", "label", "y", "split", "\ufeff", "é", "\x00", "1,2"]  # fmt: skip


@PROPERTY
@given(st.lists(st.sampled_from(TEXT_PIECES), max_size=60))
def test_random_csv_like_text_raises_nothing_but_data_file_error(pieces):
    try:
        loads("".join(pieces).encode())
    except DataFileError:
        pass


FINITE = st.floats(min_value=-1e15, max_value=1e15, allow_nan=False, allow_infinity=False, width=64)
NAME = st.text(st.characters(codec="utf-8", categories=["L", "N", "P", "S", "Zs"]), min_size=1, max_size=40)


@st.composite
def tables(draw) -> DataTable:
    n = draw(st.integers(6, 40))
    X = np.array(draw(st.lists(st.tuples(FINITE, FINITE), min_size=n, max_size=n)), dtype=float)
    test = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    test[0] = False  # at least one training point
    if draw(st.booleans()):
        return DataTable(X, draw(st.lists(FINITE, min_size=n, max_size=n)), "regression", (), test)
    names = draw(st.lists(NAME.map(str.strip).filter(str.isprintable).filter(bool), min_size=2, max_size=6,
                          unique=True))  # fmt: skip
    names = class_names_for(names)
    labels = draw(st.lists(st.integers(0, len(names) - 1), min_size=n, max_size=n))
    labels[: len(names)] = range(len(names))  # every class has a point (else it is not in the file)
    return DataTable(X, labels, "classification", names, test)


@PROPERTY
@given(tables())
def test_a_random_valid_table_reads_back_bit_for_bit(table):
    back = loads(dumps(table))
    assert bits(back.X) == bits(table.X) and bits(back.y) == bits(table.y)
    assert back.test.tolist() == table.test.tolist()
    assert (back.kind, back.class_names) == (table.kind, table.class_names)


def test_a_value_that_is_not_a_number_is_quoted_and_a_decimal_comma_gets_a_hint():
    for content, message in (
        (
            b"x1;x2;label\n1;2,5;0\n1;3;1\n",
            "line 2, column x2: '2,5' is not a number (use a point as the decimal separator)",
        ),
        (b"x1,x2,label\n1,abc,0\n2,3,1\n", "line 2, column x2: 'abc' is not a number"),
    ):
        with pytest.raises(DataFileError) as info:
            loads(content)
        assert str(info.value) == message


@pytest.mark.parametrize(
    "content, message",
    [
        (b"\xfe\xff\x00x", "this text is UTF-16, not UTF-8: save it as CSV UTF-8"),  # big-endian
        (b"\x00abc", "line 1: this is a binary file, not CSV text (it has a NUL byte)"),
        (b"\nx1,x2,label\n1,2\x00,0\n", "line 3: this is a binary file, not CSV text (it has a NUL byte)"),
        (
            b"x1,x2,label\n1,2\x00,0\n3\x00,4,1\n",
            "line 2: this is a binary file, not CSV text (it has a NUL byte)",
        ),
        (
            b"\nx1,x2,label\n1,2,\xff\n",
            "line 3: the file is not UTF-8 text (the byte 0xFF): save it as CSV UTF-8",
        ),
        (
            b"x1,x2\n1,2\n",
            "line 1: the line has 2 columns; a data file has 3 (x1, x2 and a label or y) or 4 (and split), "
            "separated by commas, semicolons or tabs",
        ),
    ],
    ids=["utf-16 big-endian", "nul first", "nul after a blank line", "first nul", "bad byte", "two columns"],
)
def test_what_is_not_csv_text_is_refused_at_its_line_in_these_words(content, message):
    # A blank first line: the line count starts at the file's first byte.
    with pytest.raises(DataFileError) as info:
        loads(content)
    assert str(info.value) == message


def test_a_file_may_hold_a_header_and_exactly_the_most_rows():
    rows = b"".join(b"%d,1,%d\n" % (i, i % 2) for i in range(MAX_POINTS))
    assert len(loads(b"x1,x2,label\n" + rows).X) == MAX_POINTS
    with pytest.raises(DataFileError) as info:
        loads(b"x1,x2,label\n" + rows + b"7,1,0\n")
    assert str(info.value) == f"line {MAX_POINTS + 2}: the file has more than {MAX_POINTS} rows of data"
