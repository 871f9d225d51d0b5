"""The raw wide table that every reader returns, and the header naming they share.

Used by :mod:`cls_text.io.readers` (CSV, JSON) and :mod:`cls_text.io.xlsx`, and kept apart so
that neither imports the other for it; :mod:`cls_text.io.readers` re-exports these names, so
callers keep importing them from there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

NUL_MARK = "\ufffe"  # a noncharacter standing in for NUL while parsing


@dataclass(frozen=True, slots=True)
class Formula:
    """A spreadsheet cell that holds a formula rather than a value."""

    text: str


@dataclass
class RawTable:
    """A file's rows as read, before any mapping.

    Attributes:
        path: The file.
        frame: One row per data row, one column per header (object dtype, values as read).
        row_numbers: Row number a person would look up (spreadsheet row, header = 1; for JSON
            the 1-based record number).
        row_problems: Data-row position -> reason the whole row cannot be used.
        encoding: The text encoding used (CSV/JSON only).
        source_headers: The header of each column of ``frame`` as the file writes it (two
            columns may share one; ``frame`` names the second ``X (2)``).
    """

    path: Path
    frame: pd.DataFrame
    row_numbers: list[int]
    row_problems: dict[int, str] = field(default_factory=dict)
    encoding: str | None = None
    source_headers: list[str] = field(default_factory=list)


def unique_headers(headers: Sequence[object]) -> list[str]:
    """Column names for a header row: blanks become ``column_N``, repeats ``X (2)``."""
    out: list[str] = []
    seen: dict[str, int] = {}
    for i, h in enumerate(headers):
        name = str(h).strip() if h is not None else ""
        name = name.replace(NUL_MARK, "") or f"column_{i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name} ({seen[name]})"
        else:
            seen[name] = 1
        out.append(name)
    return out
