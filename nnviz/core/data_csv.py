"""Data files: a :class:`~nnviz.core.data_table.DataTable` read from CSV text and written back exactly.

A data file has one point a line: ``x1, x2`` and then a label (classification) or a target ``y``
(regression), and optionally a fourth column ``split`` (``train`` or ``test``). The rules, the limits and
the messages are in ``docs/engine.md`` (*Data files*); in short:

- UTF-8 text (a byte-order mark is allowed), at most :data:`MAX_FILE_BYTES` bytes, lines of at most
  :data:`MAX_LINE` characters, at most ``MAX_POINTS`` (10 000) rows; blank lines are skipped.
- Columns separated by tabs, semicolons or commas: the first of these that splits the first line into 3 or 4
  columns. Spaces around a field are ignored; a field may be quoted (``"big, red"``), and a quoted field
  ends at its closing quote.
- A first line whose first two fields are not numbers is a header. The third column's name decides the
  kind: ``label`` or ``class`` is classification, ``y``, ``target`` or ``value`` regression; any other name,
  or no header, leaves it to the values: numbers that are not all whole (``0.5``, ``1.0``, ``1e3``) are
  regression targets; whole numbers and words are labels.
- Labels that are all whole numbers are numbered in increasing order (``-1, 1`` become classes 0 and 1,
  named ``"-1"`` and ``"1"``); otherwise every label is a word and the words are numbered in sorted order
  (Python's string order). 2 to 6 classes.

Every problem raises one :class:`~nnviz.core.errors.DataFileError` that names the line and the column, and
nothing is returned. :func:`dumps` writes a dataset with a header and a ``split`` column, numbers in
``repr`` form, so that :func:`loads` gives back the same points, labels and split, bit for bit.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Sequence

import numpy as np

from .bounded_read import read_bounded
from .data_table import MAX_POINTS, MAX_VALUE, DataTable, class_name_problem, quoted
from .datasets import MAX_CLASSES, Dataset
from .errors import DataFileError, SpecError

#: Largest data file (1 MB), longest line in characters.
MAX_FILE_BYTES = 2**20
MAX_LINE = 1000
#: Header names of the third column that decide the kind of data, and the values of the split column.
LABEL_NAMES = ("label", "class")
TARGET_NAMES = ("y", "target", "value")
SPLITS = ("train", "test")
#: Column separators, in the order they are tried on the first line.
DELIMITERS = ("\t", ";", ",")

_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_NOT_FINITE = re.compile(r"[+-]?(?:nan|inf|infinity)", re.IGNORECASE)
_DECIMAL_COMMA = re.compile(r"[+-]?[0-9]+,[0-9]+")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _fail(message: str, line: int | None = None, column: str | None = None) -> DataFileError:
    """The error for a problem, its message starting with where it is: ``line 4, column x2: ...``."""
    where = ", ".join(
        ([f"line {line}"] if line is not None else []) + ([f"column {column}"] if column else [])
    )
    return DataFileError(f"{where}: {message}" if where else message, line)


# --- bytes to lines ------------------------------------------------------------------------------


def _text(data: bytes) -> str:
    """The file's text, after refusing what is recognisably not CSV text."""
    if not data:
        raise _fail("the file is empty")
    if data.startswith(b"PK\x03\x04"):
        raise _fail(
            "this is an Excel workbook (.xlsx) or another zip archive, not a CSV file: save it as CSV first"
        )
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise _fail(
            "this is an old Excel workbook (.xls) or another Office file, not a CSV file: save it as CSV"
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _fail("this text is UTF-16, not UTF-8: save it as CSV UTF-8")
    nul = data.find(b"\0")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise _fail("this is a binary file, not CSV text (it has a NUL byte)", line)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        message = f"the file is not UTF-8 text (the byte 0x{data[exc.start]:02X}): save it as CSV UTF-8"
        raise _fail(message, line) from None


def _rows(text: str) -> list[tuple[int, list[str]]]:
    """The non-blank lines as ``(line number, stripped fields)``, all with the first line's column count."""
    rows: list[tuple[int, list[str]]] = []
    delimiter = None
    for number, line in enumerate(_LINE_BREAK.split(text), 1):
        if len(line) > MAX_LINE:
            raise _fail(
                f"the line has {len(line)} characters; a data file's lines have at most {MAX_LINE}", number
            )
        if not line.strip():
            continue
        if delimiter is None:
            delimiter = _delimiter(line, number)
        try:
            fields = [
                field.strip()
                for field in next(csv.reader([line], delimiter=delimiter, skipinitialspace=True, strict=True))
            ]
        except csv.Error as exc:
            raise _fail(f"the line cannot be split into columns ({exc})", number) from None
        if rows and len(fields) != len(rows[0][1]):
            raise _fail(f"the line has {len(fields)} columns, expected {len(rows[0][1])}", number)
        rows.append((number, fields))
        if len(rows) > MAX_POINTS + 1:  # one more than the most data rows, for a header
            break
    return rows


def _delimiter(line: str, number: int) -> str:
    for delimiter in DELIMITERS:
        if len(next(csv.reader([line], delimiter=delimiter))) in (3, 4):
            return delimiter
    count = len(line.split(","))
    raise _fail(
        f"the line has {count} column{'s' * (count != 1)}; a data file has 3 (x1, x2 and a label or y) or 4 "
        "(and split), separated by commas, semicolons or tabs",
        number,
    )


# --- fields to values ----------------------------------------------------------------------------


def _is_number(text: str) -> bool:
    """Whether a field is meant as a number (so a first line with one is not a header)."""
    return any(pattern.fullmatch(text) for pattern in (_NUMBER, _NOT_FINITE, _DECIMAL_COMMA))


def _number(text: str, line: int, column: str) -> float:
    """A field as a finite float no larger than ``MAX_VALUE``, or the error naming the line and column."""
    if not text:
        raise _fail("the value is empty", line, column)
    if not _NUMBER.fullmatch(text):
        if _NOT_FINITE.fullmatch(text):
            raise _fail(f"{text!r} is not a finite number (NaN and infinity are not allowed)", line, column)
        hint = " (use a point as the decimal separator)" if _DECIMAL_COMMA.fullmatch(text) else ""
        raise _fail(f"{quoted(text)} is not a number{hint}", line, column)
    value = float(text)
    if not abs(value) <= MAX_VALUE:
        raise _fail(f"{quoted(text)} is too large (at most {MAX_VALUE:g} in size)", line, column)
    return value


def _label_names(labels: Sequence[str]) -> list[str]:
    """Each label's class name: the label in its plain form if every label is a whole number, else itself."""
    if all(_INTEGER.fullmatch(label) for label in labels):
        return [str(int(label)) for label in labels]
    return list(labels)


def class_names_for(labels: Sequence[str]) -> tuple[str, ...]:
    """The class names that labels read from a file stand for, in class order (class 0 first).

    Whole numbers (when all labels are) are numbered in increasing order and named in their plain form
    (``"+01"`` is ``"1"``); otherwise the labels are words, numbered in sorted order.
    """
    names = set(_label_names(labels))
    integers = all(_INTEGER.fullmatch(name) for name in names)
    return tuple(sorted(names, key=int if integers else None))


# --- reading ----------------------------------------------------------------------------------


def loads(data: bytes | bytearray | memoryview) -> DataTable:
    """Read a data file's bytes.

    Returns
    -------
    DataTable
        ``X`` of shape (n, 2), ``y`` of shape (n, 1) (class numbers or targets), the kind, the class names,
        and the split if the file has a ``split`` column (else None: :meth:`DataTable.split` draws one).

    Raises
    ------
    DataFileError
        The first problem, naming its line and column; see the module's docstring for the rules.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise _fail(f"a data file must be bytes, not {type(data).__name__}")
    if len(data) > MAX_FILE_BYTES:
        raise _fail(f"the file has {len(data)} bytes; a data file has at most {MAX_FILE_BYTES} (1 MB)")
    rows = _rows(_text(bytes(data)))
    if not rows:
        raise _fail("the file has only blank lines")
    header = None
    if not _is_number(rows[0][1][0]) and not _is_number(rows[0][1][1]):
        first, fields = rows.pop(0)
        header = [name.lower() for name in fields]
        if len(header) == 4 and header[3] != "split":
            raise _fail(f"the fourth column is named {quoted(header[3])}; it can only be 'split'", first)
        again = next((line for line, f in rows if [name.lower() for name in f] == header), None)
        if again is not None:
            raise _fail(f"the header of line {first} is repeated: a data file has one header line", again)
    if not rows:
        raise _fail("the file has a header but no rows of data")
    if len(rows) > MAX_POINTS:
        raise _fail(f"the file has more than {MAX_POINTS} rows of data", rows[MAX_POINTS][0])
    lines = [line for line, _ in rows]
    X = np.array([[_number(f[0], line, "x1"), _number(f[1], line, "x2")] for line, f in rows])
    labels = [fields[2] for _, fields in rows]
    test = None
    if len(rows[0][1]) == 4:
        test = np.array([_split_value(fields[3], line) for line, fields in rows])
        if test.all():
            raise _fail("every row is a test row: at least one must be a train row")
    if _is_regression(header, labels):
        y = [_number(label, line, "y") for line, label in zip(lines, labels)]
        return _table(X, y, "regression", (), test)
    names = class_names_for(labels)
    if len(names) == 1:
        raise _fail(f"every row has the label {quoted(names[0])}: a classifier needs at least two classes")
    if len(names) > MAX_CLASSES:
        shown = ", ".join(quoted(name) for name in names[:4])
        raise _fail(f"the labels name {len(names)} classes ({shown}, …); at most {MAX_CLASSES} are allowed")
    named = _label_names(labels)
    for line, name in zip(lines, named):
        problem = "the label is empty" if not name else class_name_problem(name)
        if problem:
            raise _fail(problem, line, "label")
    index = {name: i for i, name in enumerate(names)}
    return _table(X, [index[name] for name in named], "classification", names, test)


def _is_regression(header: list[str] | None, labels: list[str]) -> bool:
    """The kind of the third column: by its header name, else by its values (see the module docstring)."""
    name = header[2] if header else None
    if name in LABEL_NAMES:
        return False
    return name in TARGET_NAMES or any(_NUMBER.fullmatch(v) and not _INTEGER.fullmatch(v) for v in labels)


def _split_value(text: str, line: int) -> bool:
    if text.lower() not in SPLITS:
        raise _fail(f"{quoted(text)} must be train or test", line, "split")
    return text.lower() == "test"


def _table(X: np.ndarray, y: list, kind: str, names: tuple[str, ...], test: np.ndarray | None) -> DataTable:
    try:
        return DataTable(X, np.array(y, dtype=float).reshape(-1, 1), kind, names, test)
    except SpecError as exc:  # everything was checked above; this keeps the one error class promised
        raise _fail(str(exc)) from None


def load_path(path: str | os.PathLike[str]) -> DataTable:
    """Read a data file, refusing a file over :data:`MAX_FILE_BYTES` before reading it.

    Raises
    ------
    DataFileError
        As :func:`loads`, or if the file is too large.
    OSError
        If the file cannot be opened or read.
    """

    def too_big(name: str, size: int) -> DataFileError:
        return _fail(f"{name} has {size} bytes; a data file has at most {MAX_FILE_BYTES} (1 MB)")

    return loads(read_bounded(path, MAX_FILE_BYTES, too_big))


# --- writing ----------------------------------------------------------------------------------


def dumps(data: Dataset | DataTable) -> bytes:
    """A dataset (training points first, then test points) or a data table as data-file bytes.

    The file has a header (``x1,x2,label`` or ``x1,x2,y``, and ``split`` when the split is known), commas,
    ``\\n`` line ends, numbers in ``repr`` form and labels as class names, so :func:`loads` reads back the
    same points, labels, class names and split. A class without points is not in the file, so reading it
    back gives one class fewer (and renumbers the classes after it).

    Raises
    ------
    DataFileError
        If the data is past a data table's limits, its class names are not in the order a reader gives
        them (:func:`class_names_for`), or the file would be larger than :data:`MAX_FILE_BYTES`.
    """
    try:
        table = data if isinstance(data, DataTable) else DataTable.of(data)
    except SpecError as exc:
        raise _fail(f"the data cannot be written: {exc}") from None
    names = table.class_names
    if class_names_for(names) != names:
        raise _fail(
            f"the class names {names} would read back as {class_names_for(names)}: a data file numbers "
            "its classes in sorted order, so name them in that order to write them"
        )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    third = "label" if table.kind == "classification" else "y"
    writer.writerow(["x1", "x2", third] + ["split"] * (table.test is not None))
    for i, ((x1, x2), (y,)) in enumerate(zip(table.X.tolist(), table.y.tolist())):
        row = [repr(x1), repr(x2), names[int(y)] if names else repr(y)]
        writer.writerow(row + ([SPLITS[int(table.test[i])]] if table.test is not None else []))
    encoded = out.getvalue().encode()
    if len(encoded) > MAX_FILE_BYTES:
        raise _fail(f"the data takes {len(encoded)} bytes as CSV; a data file has at most {MAX_FILE_BYTES}")
    return encoded
