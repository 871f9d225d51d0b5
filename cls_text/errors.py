"""Errors a user can act on.

Every error that reaches a user names the file (and row or column where there is one), says what
was expected, and suggests the fix. The CLI prints ``str(error)`` and exits non-zero without a
traceback; anything else is a bug in cls-text.
"""

from __future__ import annotations


class ClsTextError(ValueError):
    """Base class of errors caused by the user's input, not by cls-text."""


class InputFileError(ClsTextError):
    """A whole input file cannot be used (wrong format, empty, missing mapped columns)."""

    def __init__(self, path: object, problem: str, fix: str = "") -> None:
        self.path = str(path)
        self.problem = problem
        self.fix = fix
        msg = f"Cannot use input file '{self.path}': {problem}"
        if fix:
            msg += f" Fix: {fix}"
        super().__init__(msg)


class CodebookError(ClsTextError):
    """A codebook file does not validate."""


class ConfigError(ClsTextError):
    """A pipeline config / column map does not validate."""


class ConservationError(RuntimeError):
    """Rows in != rows out: a bug, never a user error. Raised loudly so nothing is lost silently."""
