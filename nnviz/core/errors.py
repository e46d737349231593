"""Exception classes raised by the engine.

Every error the engine raises on purpose subclasses :class:`NNVizError`, so an application can catch
one class and show its message. Errors about bad values also subclass :class:`ValueError`.
"""

from __future__ import annotations


class NNVizError(Exception):
    """Base class of every error nnviz raises on purpose."""


class SpecError(NNVizError, ValueError):
    """A layer specification, architecture or training setting is invalid."""


class FormulaError(NNVizError, ValueError):
    """An activation formula typed as text is malformed, unsafe or not finite.

    Attributes
    ----------
    column : int or None
        1-based column of the offending token in the formula text, when known.
    """

    def __init__(self, message: str, column: int | None = None) -> None:
        if column is not None:
            message = f"{message} (column {column})"
        super().__init__(message)
        self.column = column


class NNFormatError(NNVizError, ValueError):
    """A ``.nn`` model file is malformed, corrupt, unsafe or from an unsupported version."""


class DivergedError(NNVizError, ArithmeticError):
    """Training produced a NaN or infinite loss or weight.

    The network is left at its last finite weights.

    Attributes
    ----------
    epoch : int
        Number of completed epochs (the trainer's history length) when training diverged.
    """

    def __init__(self, message: str, epoch: int = 0) -> None:
        super().__init__(message)
        self.epoch = epoch


class ExportError(NNVizError, ValueError):
    """A network cannot be exported as code or ONNX (an activation or value the export cannot express)."""


class DataFileError(NNVizError, ValueError):
    """A data file (CSV) cannot be read or written: its bytes, layout, values or size.

    The message names the line and the column when the problem is in one, e.g. ``line 4, column x2:
    'abc' is not a number``; nothing is returned when one is raised.

    Attributes
    ----------
    line : int or None
        1-based line of the file where the problem is, when it is in one line.
    """

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line
