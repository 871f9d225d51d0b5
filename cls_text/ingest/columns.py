"""Which column of an export is what: the column map, configured or detected.

A configured map is resolved against the header (:func:`resolve_columns`); without one,
:func:`detect_column_map` guesses the id, the free-text questions and the metadata columns from
names and contents, and explains each choice so the run can print it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from cls_text.config import ColumnMap
from cls_text.errors import InputFileError
from cls_text.io.readers import RawTable

_ID_NAME = re.compile(r"(^|\b)(respondent|response|participant|record|submission)?[ _-]*id$", re.I)
_TYPE_NAME = re.compile(r"respondent.?type|\brole\b|describes you|capacity|are you a|type of", re.I)
_SITE_NAME = re.compile(r"\bsite\b|\barea\b|locality|council|partnership|location|region", re.I)
_DATE_NAME = re.compile(r"date|submitted|completed|timestamp|end time", re.I)
_WAVE_NAME = re.compile(r"^wave$|survey wave", re.I)


def norm_header(name: str) -> str:
    """A header or label folded for matching: case and runs of white space ignored."""
    return re.sub(r"\s+", " ", name).strip().casefold()


def resolve_columns(raw: RawTable, cm: ColumnMap) -> dict[str, str]:
    """Map each role of the column map to an actual header (exact, then case-insensitive).

    Raises:
        InputFileError: listing every mapped column that is missing and the columns that exist.
    """
    headers = list(raw.frame.columns)
    by_norm = {norm_header(h): h for h in headers}
    wanted: dict[str, str] = {"id": cm.id}
    for i, q in enumerate(cm.questions):
        wanted[f"question:{i}"] = q
    for role in ("respondent_type", "site", "date", "wave"):
        value = getattr(cm, role)
        if value:
            wanted[role] = value
    found: dict[str, str] = {}
    missing: list[str] = []
    for role, name in wanted.items():
        if name in headers:
            found[role] = name
        elif norm_header(name) in by_norm:
            found[role] = by_norm[norm_header(name)]
        else:
            missing.append(f"'{name}' ({role.split(':')[0]})")
    if missing:
        shown = ", ".join(f"'{h}'" for h in headers[:25]) + (" …" if len(headers) > 25 else "")
        raise InputFileError(
            raw.path,
            f"the column map names columns the file does not have: {', '.join(missing)}. "
            f"The file's columns are: {shown}.",
            "correct the names under 'columns:' in your config (they must match the header).",
        )
    return found


def _text_stats(values: pd.Series) -> tuple[float, float, float]:
    s = values[values.map(lambda v: isinstance(v, str) and v.strip() != "")]
    if len(values) == 0 or len(s) == 0:
        return 0.0, 0.0, 0.0
    lengths = s.str.len()
    return float(lengths.mean()), float(s.str.contains(" ").mean()), len(s) / len(values)


def _may_be_text(values: Iterable[object]) -> bool:
    """Necessary for a free-text column: some cell of 25+ characters and some with a space."""
    cells = [v for v in values if isinstance(v, str)]
    return any(len(v) >= 25 for v in cells) and any(" " in v for v in cells)


def detect_column_map(raw: RawTable) -> tuple[ColumnMap, list[str]]:
    """Guess the column map of an export and explain each choice.

    Free-text questions are the columns with long, mostly multi-word text; the id is a column
    named like an id whose values are unique; metadata columns are found by name.

    Raises:
        InputFileError: when no free-text column or no id column can be told apart.
    """
    df = raw.frame.iloc[:2000]
    why: list[str] = []
    id_col = None
    for col in df.columns:
        if _ID_NAME.search(col.strip()):
            vals = df[col].map(lambda v: str(v).strip())
            filled = vals[vals != ""]
            # Real exports hold the odd blank or duplicated id; those rows go to quarantine.
            if len(filled) >= 0.8 * len(vals) and (
                len(filled) - filled.nunique() <= max(1, 0.05 * len(filled))
            ):
                id_col = col
                break
    texty: list[tuple[float, str]] = []
    cells = df.to_numpy(dtype=object)
    for j, col in enumerate(df.columns):
        if col == id_col or _DATE_NAME.search(col) or _ID_NAME.search(col.strip()):
            continue
        if not _may_be_text(cells[:, j]):
            continue  # cheap necessary test first: exports can have 10,000 columns
        mean_len, spaced, filled = _text_stats(df[col])
        distinct = df[col].astype(str).nunique() / max(len(df), 1)
        if mean_len >= 25 and spaced >= 0.5 and distinct >= 0.3 and filled >= 0.2:
            texty.append((mean_len, col))
    if not texty:
        raise InputFileError(
            raw.path,
            "no column looks like free-text answers (long, multi-word text), so the open "
            "questions cannot be detected.",
            "write a config naming the question columns under 'columns: questions:' "
            "(see docs/user-guide.md).",
        )
    if id_col is None:
        raise InputFileError(
            raw.path,
            "no column looks like a respondent id (a column named like 'ID' or 'Respondent ID' "
            "with a unique value per row).",
            "write a config naming it under 'columns: id:' (see docs/user-guide.md).",
        )
    questions = [c for c in df.columns if c in {name for _, name in texty}]
    why.append(f"respondent id column: '{id_col}'")
    why.append("open-question columns: " + ", ".join(f"'{q}'" for q in questions))
    meta: dict[str, str | None] = {
        "respondent_type": None,
        "site": None,
        "date": None,
        "wave": None,
    }
    for role, pattern in (
        ("respondent_type", _TYPE_NAME),
        ("site", _SITE_NAME),
        ("date", _DATE_NAME),
        ("wave", _WAVE_NAME),
    ):
        for col in df.columns:
            if col == id_col or col in questions or col in meta.values():
                continue
            if pattern.search(col) and (role != "respondent_type" or df[col].nunique() <= 12):
                meta[role] = col
                why.append(f"{role.replace('_', ' ')} column: '{col}'")
                break
    cm = ColumnMap(id=id_col, questions=tuple(questions), **meta)
    return cm, why
