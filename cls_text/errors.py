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


class QdaError(ClsTextError):
    """A ``.qdpx`` file cannot be read or imported."""


class ReviewImportError(ClsTextError):
    """A filled-in review file cannot be imported; the message lists every problem found."""


class TopicModelError(ClsTextError):
    """A saved topic model is missing, incomplete or would need the network to load."""


class EmbeddingModelError(ClsTextError):
    """The local embedding model is missing or is not the file we expect."""


class StanceCueError(CodebookError):
    """A stance sidecar is missing, malformed or does not match its codebook."""


class WaveLockedError(ClsTextError):
    """Another live run holds the wave's lock."""


class ModelError(ClsTextError):
    """A saved model is missing, damaged, or does not fit the codebook in use."""


class StoreError(ClsTextError):
    """The store or a wave written to it is not usable (names the folder and the problem)."""
