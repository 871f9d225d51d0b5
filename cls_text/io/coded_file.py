"""Reading a coded CSV: quotes with the themes a person gave them.

Training and evaluation both start from such a file, so reading it is I/O of its own, apart
from the taggers. Codes come either as one 0/1 column per theme id, or as a ``themes`` column
of ``;``-separated theme ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from cls_text import schema as S
from cls_text.codebook.model import Codebook
from cls_text.errors import InputFileError


def read_coded(
    path: str | Path, codebook: Codebook | Sequence[str]
) -> tuple[pd.DataFrame, np.ndarray]:
    """Read a coded CSV: ``text`` (+ optional ``question``, ``quote_id``) and the codes.

    ``codebook`` is the codebook, or just its theme ids (e.g. a loaded model's ``classes_``).

    Codes come either as one 0/1 column per theme id, or as a ``themes`` column of
    ``;``-separated theme ids. Blank theme cells count as 0.

    Returns:
        (frame with ``text``/``question``/``quote_id``, indicator matrix in codebook order).

    Raises:
        InputFileError: if the file cannot be read, lacks ``text``, has no codes, a value is not
            0/1, or a theme id is not in the codebook (naming the row and column).
    """
    path = Path(path)
    df = _read_csv(path)
    ids = codebook.theme_ids() if isinstance(codebook, Codebook) else [str(c) for c in codebook]
    where = f"codebook '{codebook.id}'" if isinstance(codebook, Codebook) else "the model"
    theme_cols = [c for c in df.columns if c in ids]
    others = [c for c in df.columns if c not in (S.TEXT, S.QUESTION, S.QUOTE_ID)]
    if S.THEMES in df.columns:
        Y = _codes_from_themes_column(path, df, ids, where)
    elif theme_cols:
        Y = _codes_from_theme_columns(path, df, ids, theme_cols)
    else:
        raise InputFileError(
            path,
            f"has no codes: expected a '{S.THEMES}' column or 0/1 columns named by theme id"
            + (f" (other columns: {others})" if others else ""),
            f"theme ids are: {ids}",
        )
    frame = pd.DataFrame(
        {
            S.TEXT: df[S.TEXT],
            S.QUESTION: df[S.QUESTION] if S.QUESTION in df else "",
            S.QUOTE_ID: df[S.QUOTE_ID] if S.QUOTE_ID in df else [str(i) for i in range(len(df))],
        }
    )
    return frame, Y


def _read_csv(path: Path) -> pd.DataFrame:
    """The file as strings, with a ``text`` column, or an InputFileError saying why not."""
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputFileError(path, f"cannot be read as CSV ({exc})") from exc
    if S.TEXT not in df.columns:
        raise InputFileError(path, f"has no '{S.TEXT}' column (columns: {list(df.columns)})")
    return df


def _codes_from_themes_column(
    path: Path, df: pd.DataFrame, ids: list[str], where: str
) -> np.ndarray:
    """Indicator matrix from a ``themes`` column of ``;``-separated ids (errors name file rows)."""
    Y = np.zeros((len(df), len(ids)), dtype=np.int64)
    for r, cell in enumerate(df[S.THEMES].tolist(), start=2):
        for tid in (t.strip() for t in cell.split(S.THEME_SEP)):
            if not tid:
                continue
            if tid not in ids:
                raise InputFileError(
                    path,
                    f"row {r}, column '{S.THEMES}': unknown theme id '{tid}'",
                    f"use theme ids of {where}: {ids}",
                )
            Y[r - 2, ids.index(tid)] = 1
    return Y


def _codes_from_theme_columns(
    path: Path, df: pd.DataFrame, ids: list[str], theme_cols: list[str]
) -> np.ndarray:
    """Indicator matrix from one 0/1 column per theme id (blank cells count as 0)."""
    Y = np.zeros((len(df), len(ids)), dtype=np.int64)
    for c in theme_cols:
        for r, cell in enumerate(df[c].tolist(), start=2):
            v = cell.strip()
            if v in ("", "0", "0.0"):
                continue
            if v in ("1", "1.0"):
                Y[r - 2, ids.index(c)] = 1
            else:
                raise InputFileError(path, f"row {r}, column '{c}': value '{cell}' is not 0 or 1")
    return Y
