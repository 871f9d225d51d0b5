"""From raw wide exports to the long table: one row per respondent x open question.

Survey tools export one row per respondent and one column per question. Themes live in
answers, so the pipeline works on answers: this module melts the wide table, gives every
answer a stable ``quote_id`` (from wave, respondent and question, never from row order, so
re-runs and reviews line up), and sends every answer that cannot be used to quarantine with a
reason. Nothing is dropped: each answer cell ends up in exactly one of the two tables.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from cls_text import schema as S
from cls_text.config import ColumnMap, PipelineConfig
from cls_text.errors import InputFileError
from cls_text.ingest.columns import (
    detect_column_map,
    norm_header,
    prepare_export,
    resolve_columns,
)
from cls_text.ingest.text import normalize_text
from cls_text.io.readers import Formula, RawTable

_CANONICAL_TYPES = {
    "staff": "staff",
    "member of staff": "staff",
    "staff member": "staff",
    "employee": "staff",
    "worker": "staff",
    "practitioner": "staff",
    "community member": "community member",
    "community": "community member",
    "resident": "community member",
    "local resident": "community member",
    "citizen": "community member",
    "member of the public": "community member",
    "person who uses services": "community member",
    "carer": "community member",
    "partner": "partner",
    "partner organisation": "partner",
    "partner organization": "partner",
    "other": "other",
}

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


@dataclass
class IngestResult:
    """The long table and quarantine of one input file, with its counts."""

    long: pd.DataFrame
    quarantine: pd.DataFrame
    column_map: ColumnMap
    detected: list[str] = field(default_factory=list)
    respondents_in: int = 0
    answers_in: int = 0


def make_quote_id(wave: str, respondent_id: str, question: str) -> str:
    """Return a stable 16-hex-digit id for one answer (independent of row order).

    Examples:
        >>> make_quote_id("2026-W1", "R001", "What worked well?")
        'b7f0a2f3c6b4d1a9'  # doctest: +SKIP
    """
    key = f"{wave}\x1f{respondent_id}\x1f{question}".encode()
    return hashlib.sha1(key, usedforsecurity=False).hexdigest()[:16]


_SURROGATE = re.compile("[\ud800-\udfff]")


def _mark_surrogates(value: object) -> object:
    """Replace lone surrogates (undecodable bytes) with U+FFFD so the row can be written."""
    return _SURROGATE.sub("\ufffd", value) if isinstance(value, str) else value


def _as_text(value: object) -> str:
    """Metadata cell -> text (12.0 -> '12')."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Formula):
        return value.text
    return "" if value is None else str(value).strip()


def _respondent_type(raw_value: str, mapping: Mapping[str, str]) -> tuple[str, bool]:
    if not raw_value:
        return "other", False
    folded = {norm_header(k): v for k, v in mapping.items()}
    key = norm_header(raw_value)
    if key in folded:
        return folded[key], False
    if key in _CANONICAL_TYPES:
        return _CANONICAL_TYPES[key], False
    return "other", True


def _answer_problem(value: object, max_chars: int, column: str) -> str | None:
    if isinstance(value, Formula):
        return f"cell in column '{column}' holds a spreadsheet formula, not an answer"
    if isinstance(value, bool) or not isinstance(value, str):
        kind = type(value).__name__
        return f"expected text in column '{column}', got {kind} {str(value)[:40]!r}"
    if len(value) > max_chars:
        return (
            f"answer in column '{column}' is {len(value):,} characters long, over the limit of "
            f"{max_chars:,} (max_text_chars)"
        )
    return None


def to_long(
    raw: RawTable,
    cfg: PipelineConfig,
    *,
    wave: str | None,
    column_map: ColumnMap | None = None,
) -> IngestResult:
    """Melt one raw wide table into the long table and its quarantine.

    Args:
        raw: The file as read.
        cfg: Pipeline config (column map, respondent-type values, text limit).
        wave: Wave label; used when the map names no wave column (or a row's wave cell is blank).
        column_map: Overrides ``cfg.columns``; when both are None the map is detected.

    Raises:
        InputFileError: mapped columns are missing, or no wave is known.
    """
    detected: list[str] = []
    raw = prepare_export(raw)
    cm = column_map or cfg.columns
    if cm is None:
        cm, detected = detect_column_map(raw)
    cols = resolve_columns(raw, cm)
    if not wave and "wave" not in cols:
        raise InputFileError(
            raw.path, "no wave is known.", "pass --wave (e.g. --wave 2026-W1) or map a wave column."
        )
    frame = raw.frame
    questions = [cols[f"question:{i}"] for i in range(len(cm.questions))]
    long_rows: list[dict[str, object]] = []
    quarantine: list[dict[str, object]] = []
    seen_ids: dict[str, int] = {}
    file_name = raw.path.name
    position = {name: i for i, name in enumerate(frame.columns)}
    for pos, values in enumerate(frame.to_numpy(dtype=object)):
        if pos in raw.row_problems:  # undecodable bytes arrive as lone surrogates: mark them
            values = [_mark_surrogates(v) for v in values]
        row = {name: values[i] for name, i in position.items() if name in cols.values()}
        row_no = raw.row_numbers[pos]
        rid = _as_text(row[cols["id"]])
        rtype_raw = _as_text(row[cols["respondent_type"]]) if "respondent_type" in cols else ""
        rtype, unmapped = _respondent_type(rtype_raw, cfg.respondent_type_values)
        row_wave = _as_text(row[cols["wave"]]) if "wave" in cols else ""
        base = {
            S.RESPONDENT_ID: rid,
            S.RESPONDENT_TYPE: rtype,
            S.SITE: _as_text(row[cols["site"]]) if "site" in cols else "",
            S.WAVE: row_wave or wave or "",
            S.DATE: _as_text(row[cols["date"]]) if "date" in cols else "",
            S.SOURCE_FILE: file_name,
            S.SOURCE_ROW: row_no,
            S.FLAGS: "unmapped_respondent_type" if unmapped else "",
        }
        row_reason, row_column = raw.row_problems.get(pos), ""
        if row_reason is None and not rid:
            row_reason, row_column = f"missing respondent id in column '{cols['id']}'", cols["id"]
        if row_reason is None and rid in seen_ids:
            row_reason = (
                f"respondent id '{rid}' already appears at row {seen_ids[rid]} of this file "
                "(duplicated respondent; the first row is kept)"
            )
            row_column = cols["id"]
        if row_reason is None:
            seen_ids[rid] = row_no
        for qcol, question in zip(questions, cm.questions, strict=True):
            value = row[qcol]
            rec = dict(base, **{S.QUESTION: question})
            reason, column = row_reason, row_column
            if reason is None:
                reason = _answer_problem(value, cfg.max_text_chars, qcol)
                column = qcol
            if reason is not None:
                text = value.text if isinstance(value, Formula) else value
                rec[S.TEXT] = str(text)[:200] if text is not None else ""
                rec[S.QUOTE_ID] = make_quote_id(str(rec[S.WAVE]), rid, question) if rid else ""
                rec[S.REASON] = reason
                rec[S.COLUMN] = column
                quarantine.append(rec)
                continue
            rec[S.TEXT] = normalize_text(str(value))
            rec[S.QUOTE_ID] = make_quote_id(str(rec[S.WAVE]), rid, question)
            long_rows.append(rec)
    long = _normalise_dates(pd.DataFrame(long_rows, columns=_LONG_INGEST_COLUMNS))
    q = pd.DataFrame(quarantine, columns=QUARANTINE_COLUMNS)
    return IngestResult(
        long=long,
        quarantine=q,
        column_map=cm,
        detected=detected,
        respondents_in=len(frame),
        answers_in=len(frame) * len(questions),
    )


def _normalise_dates(long: pd.DataFrame) -> pd.DataFrame:
    """Dates to ISO ``YYYY-MM-DD`` (UK day-first when ambiguous); unreadable ones flagged."""
    if long.empty:
        return long
    raw = long[S.DATE].astype(str).str.strip()
    cache: dict[str, str | None] = {}
    for value in raw.unique():
        if not value:
            cache[value] = ""
            continue
        if _ISO_DATE.match(value):  # ISO is year-first: never read it day-first
            parsed = pd.to_datetime(value[:10], errors="coerce", format="%Y-%m-%d")
        else:
            parsed = pd.to_datetime(value, dayfirst=True, errors="coerce", format="mixed")
        cache[value] = None if pd.isna(parsed) else parsed.date().isoformat()
    iso = raw.map(cache)
    bad = iso.isna()
    out = long.copy()
    out[S.DATE] = iso.fillna("")
    out.loc[bad, S.FLAGS] = out.loc[bad, S.FLAGS].map(
        lambda f: ";".join(filter(None, [f, "bad_date"]))
    )
    return out


_LONG_INGEST_COLUMNS = [
    S.QUOTE_ID,
    S.RESPONDENT_ID,
    S.RESPONDENT_TYPE,
    S.SITE,
    S.WAVE,
    S.DATE,
    S.QUESTION,
    S.TEXT,
    S.SOURCE_FILE,
    S.SOURCE_ROW,
    S.FLAGS,
]
QUARANTINE_COLUMNS = [*_LONG_INGEST_COLUMNS, S.REASON, S.COLUMN]
