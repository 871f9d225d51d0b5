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

_ID_NAME = re.compile(
    r"(^|\b)(respondent|response|participant|record|submission)?[ _-]*id$"
    r"|^respondent$|^unique response (number|id)$|^response (number|no\.?)$|^row number$",
    re.I,
)
_TYPE_NAME = re.compile(
    r"respondent.?type|\brole\b|describes you|capacity|are you a|type of|are you staff"
    r"|staff or a member|member of the public|responding as|in what capacity",
    re.I,
)
_SITE_NAME = re.compile(r"\bsite\b|\barea\b|locality|council|partnership|location|region", re.I)
#: Date columns, best first: when the answer was started, then when it was submitted.
_DATE_NAMES = (
    re.compile(r"^(start ?time|start ?date|started( on)?)$", re.I),
    re.compile(r"timestamp|^(completion time|end ?date|end time|ended|submitted( on)?)$", re.I),
    re.compile(r"date|submitted|completed|timestamp|end time", re.I),
)
_DATE_NAME = re.compile("|".join(p.pattern for p in _DATE_NAMES), re.I)
_WAVE_NAME = re.compile(r"^wave$|survey wave", re.I)
#: SurveyMonkey's second header row labels answer columns with these words.
_SUBHEADER_WORDS = frozenset({"response", "open-ended response", "other (please specify)"})
#: Name of the id column added when an export has none (e.g. Google Forms).
ROW_ID_COLUMN = "Row number"


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
    id_col = _find_id_column(df)
    texty = _free_text_columns(df, id_col)
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
            "no column looks like a respondent id (a column named like 'ID', 'Respondent', "
            "'Response ID' or 'Unique Response Number' with a unique value per row).",
            "write a config naming it under 'columns: id:' (see docs/user-guide.md).",
        )
    questions = [c for c in df.columns if c in set(texty)]
    why = header_notes(raw)
    why.append(f"respondent id column: '{id_col}'")
    why.append("open-question columns: " + ", ".join(f"'{q}'" for q in questions))
    meta = _find_metadata(df, {id_col, *questions}, why)
    cm = ColumnMap(id=id_col, questions=tuple(questions), **meta)
    return cm, why


def _find_id_column(df: pd.DataFrame) -> str | None:
    """The first column named like an id whose values are (nearly all) filled and unique."""
    for col in df.columns:
        if _ID_NAME.search(col.strip()):
            # object dtype: a cell may hold a lone surrogate (undecodable bytes), which the
            # Arrow-backed text dtype cannot store
            vals = pd.Series([str(v).strip() for v in df[col]], dtype=object)
            filled = vals[vals != ""]
            # Real exports hold the odd blank or duplicated id; those rows go to quarantine.
            if len(filled) >= 0.8 * len(vals) and (
                len(filled) - filled.nunique() <= max(1, 0.05 * len(filled))
            ):
                return col
    return None


def _free_text_columns(df: pd.DataFrame, id_col: str | None) -> list[str]:
    """Columns of long, mostly multi-word, varied text (never id or date ones), in file order."""
    texty: list[str] = []
    cells = df.to_numpy(dtype=object)
    for j, col in enumerate(df.columns):
        if col == id_col or _DATE_NAME.search(col) or _ID_NAME.search(col.strip()):
            continue
        if not _may_be_text(cells[:, j]):
            continue  # cheap necessary test first: exports can have 10,000 columns
        mean_len, spaced, filled = _text_stats(df[col])
        distinct = df[col].astype(str).nunique() / max(len(df), 1)
        if mean_len >= 25 and spaced >= 0.5 and distinct >= 0.3 and filled >= 0.2:
            texty.append(col)
    return texty


def _find_metadata(
    df: pd.DataFrame, taken: set[str | None], why: list[str]
) -> dict[str, str | None]:
    """The respondent type, site, date and wave columns found by name, noted in ``why``.

    Each role takes the first column not already taken (``taken`` grows as roles are filled),
    so one column never serves two roles.
    """
    meta: dict[str, str | None] = {
        "respondent_type": None,
        "site": None,
        "date": None,
        "wave": None,
    }
    for role, patterns in (
        ("respondent_type", (_TYPE_NAME,)),
        ("site", (_SITE_NAME,)),
        ("date", _DATE_NAMES),
        ("wave", (_WAVE_NAME,)),
    ):
        col = _first_match(df, patterns, taken, short=role == "respondent_type")
        if col is not None:
            meta[role] = col
            taken.add(col)
            why.append(f"{role.replace('_', ' ')} column: '{col}'")
    if meta["respondent_type"] is None:
        why.append(NO_RESPONDENT_TYPE)
    return meta


#: The detection note when no column says who answered.
NO_RESPONDENT_TYPE = (
    "no respondent-type column found: every respondent counts as 'other' (name it under "
    "'columns: respondent_type:' in a config to compare staff with the public)"
)


def _first_match(
    df: pd.DataFrame, patterns: Iterable[re.Pattern[str]], taken: set[str | None], *, short: bool
) -> str | None:
    """The first column matching the earliest pattern; ``short``: at most 12 distinct values."""
    for pattern in patterns:
        for col in df.columns:
            if col in taken or not pattern.search(col.strip()):
                continue
            if not short or df[col].nunique() <= 12:
                return str(col)
    return None


_BLANK_HEADER = re.compile(r"^column_\d+$")
_QUALTRICS_CODE = re.compile(r"^(Q|QID)\d+([_.]\w+)?$")


def _is_import_id_row(values: Iterable[object]) -> bool:
    cells = [str(v) for v in values if isinstance(v, str) and v.strip()]
    return bool(cells) and sum(c.startswith('{"ImportId"') for c in cells) >= 0.5 * len(cells)


def _is_subheader_row(values: list[object]) -> bool:
    """SurveyMonkey's second header row: 'Response' / 'Open-Ended Response' labels, no id."""
    words = {norm_header(v) for v in values if isinstance(v, str) and v.strip()}
    return bool(words & _SUBHEADER_WORDS) and not (isinstance(values[0], str) and values[0].strip())


def _drop_rows(raw: RawTable, n: int, headers: list[str]) -> RawTable:
    frame = raw.frame.iloc[n:].reset_index(drop=True)
    frame.columns = pd.Index(headers)
    problems = {pos - n: why for pos, why in raw.row_problems.items() if pos >= n}
    return RawTable(raw.path, frame, raw.row_numbers[n:], problems, raw.encoding)


def _merge_header_rows(raw: RawTable) -> RawTable:
    """Fold the extra header rows of Qualtrics (3 rows) and SurveyMonkey (2 rows) exports."""
    frame = raw.frame
    headers = [str(c) for c in frame.columns]
    if len(frame) >= 2 and _is_import_id_row(frame.iloc[1].tolist()):
        # Qualtrics: names, question text, ImportId JSON. Question codes (Q1, QID4) give way to
        # their text, so detection and reports see the question; other names stay as exported.
        texts = frame.iloc[0].tolist()
        named = [
            str(t).strip() if _QUALTRICS_CODE.match(h) and isinstance(t, str) and t.strip() else h
            for h, t in zip(headers, texts, strict=True)
        ]
        return _drop_rows(raw, 2, _unique(named))
    if len(frame) >= 1 and _is_subheader_row(frame.iloc[0].tolist()):
        merged, last = [], ""
        for h, sub in zip(headers, frame.iloc[0].tolist(), strict=True):
            sub = str(sub).strip() if isinstance(sub, str) else ""
            if not _BLANK_HEADER.match(h):
                last = h
                merged.append(
                    h if not sub or norm_header(sub) in _SUBHEADER_WORDS else f"{h} - {sub}"
                )
            else:
                merged.append(f"{last} - {sub}" if last and sub else h)
        return _drop_rows(raw, 1, _unique(merged))
    return raw


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def prepare_export(raw: RawTable) -> RawTable:
    """Put a survey tool's export into one-header-row form, with an id column.

    Qualtrics' and SurveyMonkey's extra header rows are folded into the header. An export with
    no id column at all (Google Forms) gets ``Row number``: each row's number in the file, so
    every answer can still be traced to its row. Returns ``raw`` itself when nothing changes,
    so a prepared table passes through unchanged.
    """
    out = _merge_header_rows(raw)
    columns = out.frame.columns
    if ROW_ID_COLUMN not in columns and not any(_ID_NAME.search(str(c).strip()) for c in columns):
        frame = out.frame.copy()
        frame.insert(0, ROW_ID_COLUMN, [str(n) for n in out.row_numbers])
        out = RawTable(out.path, frame, list(out.row_numbers), dict(out.row_problems), out.encoding)
    return out


def header_notes(raw: RawTable) -> list[str]:
    """Detection notes about the header: folded header rows, an added row-number id."""
    notes = []
    first = raw.row_numbers[0] if raw.row_numbers else 2
    if raw.path.suffix.lower() not in (".json", ".jsonl", ".ndjson") and first > 2:
        notes.append(f"{first - 1} header rows folded into one (first answer on row {first})")
    if ROW_ID_COLUMN in raw.frame.columns:
        notes.append(
            f"no respondent id column: each row's number in the file is its id ('{ROW_ID_COLUMN}')"
        )
    return notes


def configured_notes(raw: RawTable, cm: ColumnMap) -> list[str]:
    """The notes of a configured column map: the header, the map's source, a missing type.

    A configured map without a respondent-type column puts everyone under 'other' just as
    detection does, so it is said just as loudly.
    """
    notes = [*header_notes(raw), "column map from the config"]
    if cm.respondent_type is None:
        notes.append(NO_RESPONDENT_TYPE)
    return notes
