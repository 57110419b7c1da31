"""Errors that reach the user as one plain sentence (the CLI turns them into exit code 2)."""

from __future__ import annotations


class InputError(ValueError):
    """Bad or unusable input: a file, a column, a row or an argument.

    The message is one sentence that names the file, row or column and the cause;
    the command-line interface prints it and exits with status 2, never a traceback.
    """


class InstrumentError(InputError):
    """An instrument definition (``surveys/*.yaml``) is invalid."""
