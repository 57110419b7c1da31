"""Errors that reach the user as one plain sentence (the CLI turns them into exit code 2)."""

from __future__ import annotations


class InputError(ValueError):
    """Bad or unusable input: a file, a column, a row or an argument.

    The message is one sentence that names the file, row or column and the cause;
    the command-line interface prints it and exits with status 2, never a traceback.
    """


class InstrumentError(InputError):
    """An instrument definition (``surveys/*.yaml``) is invalid."""


class ZeroVarianceError(InputError):
    """An analysed item has no variance (every respondent gave the same answer).

    ``columns`` names the item(s), so that a caller can say which without parsing the text.
    """

    def __init__(self, message: str, columns: list[str]) -> None:
        super().__init__(message)
        self.columns = list(columns)


class SingularMatrixError(InputError):
    """The correlation or covariance matrix of the items is singular (redundant items)."""


class NotIdentifiedError(InputError):
    """A model has more free parameters than the data have moments (negative df)."""
