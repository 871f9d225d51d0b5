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
from dataclasses import dataclass, field, replace

import pandas as pd

from cls_text import schema as S
from cls_text.config import ColumnMap, PipelineConfig
from cls_text.errors import InputFileError
from cls_text.ingest.columns import (
    ROW_ID_COLUMN,
    detect_column_map,
    norm_header,
    prepare_export,
    resolve_columns,
)
from cls_text.ingest.text import normalize_text
from cls_text.io.readers import Formula, RawTable
from cls_text.pii import RedactionConfig, Redactor, redact_cell
from cls_text.pii.pseudonym import clean_id, key_file, load_key, pseudonymise_id

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
    #: Non-empty answer cells accounted for (long table and quarantine together).
    answers_filled: int = 0


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


def as_text(value: object) -> str:
    """Metadata cell -> text (12.0 -> '12')."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Formula):
        return value.text
    return "" if value is None else str(value).strip()


def _meta(value: object) -> object:
    """A metadata cell for redaction: numbers stay numbers (redacted as such), text trimmed."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return as_text(value)


def _respondent_type(raw_value: str, folded: Mapping[str, str]) -> tuple[str, bool]:
    if not raw_value:
        return "other", False
    key = norm_header(raw_value)
    if key in folded:
        return folded[key], False
    if key in _CANONICAL_TYPES:
        return _CANONICAL_TYPES[key], False
    return "other", True


#: Longer cells cannot be read as one answer (spaCy's limit on one text; a pasted document or
#: a broken export): the only length that is quarantined. ``max_text_chars`` only flags.
MAX_READABLE_CHARS = 1_000_000
#: Quarantined cell text is redacted, then cut to this many characters.
QUARANTINE_TEXT_CHARS = 200


def _answer_problem(value: object, column: str) -> str | None:
    """Why a cell cannot be an answer: its type, length and column, never its content."""
    if isinstance(value, Formula):
        return f"cell in column '{column}' holds a spreadsheet formula, not an answer"
    if isinstance(value, bool) or not isinstance(value, str):
        kind = type(value).__name__
        return f"expected text in column '{column}', got {kind} ({len(str(value))} characters)"
    if len(value) > MAX_READABLE_CHARS:
        return (
            f"answer in column '{column}' is {len(value):,} characters long, more than one "
            f"answer can hold ({MAX_READABLE_CHARS:,}); split it or export it again"
        )
    return None


@dataclass
class _Context:
    """What every row of one file needs: columns, config, redactor and id key."""

    raw: RawTable
    cfg: PipelineConfig
    cols: dict[str, str]
    answers: list[tuple[str, str]]  # (frame column, question label)
    wave: str | None
    redactor: Redactor | None
    id_key: bytes | None
    respondent_types: Mapping[str, str]  # the config's values, folded once per file, not per row
    # Site cell -> redacted text: a wave names a few dozen sites, each redacted once per file.
    sites: dict[tuple[type, object], str] = field(default_factory=dict)


def _make_context(
    raw: RawTable, cfg: PipelineConfig, cm: ColumnMap, cols: dict[str, str], wave: str | None
) -> _Context:
    rcfg = RedactionConfig.model_validate(cfg.redaction)
    redactor = Redactor(rcfg.model_copy(update={"pseudonymise": False})) if rcfg.enabled else None
    key = load_key(key_file(rcfg.id_key_file)) if rcfg.pseudonymise_ids else None
    types = {norm_header(k): v for k, v in cfg.respondent_type_values.items()}
    return _Context(raw, cfg, cols, answer_columns(raw, cm, cols), wave, redactor, key, types)


def answer_columns(raw: RawTable, cm: ColumnMap, cols: dict[str, str]) -> list[tuple[str, str]]:
    """Every ``(column, question label)`` to melt, in file order.

    A question whose header appears more than once (two columns with one header, or a merged
    header cell over several columns) melts every such column: the first keeps the question's
    label, each other one its own internal name (``What worked well? (2)``).
    """
    names = list(raw.frame.columns)
    headers = raw.source_headers
    if len(headers) != len(names):  # a table rebuilt without them: undo the reader's renaming
        headers = [_written_header(n, names) for n in names]
    mapped = {cols[f"question:{i}"]: q for i, q in enumerate(cm.questions)}
    wanted = {norm_header(q) for q in cm.questions}
    wanted |= {norm_header(headers[names.index(c)]) for c in mapped}
    out = []
    for name, header in zip(names, headers, strict=True):
        if name in mapped:
            out.append((name, mapped[name]))
        elif norm_header(header) in wanted and name not in cols.values():
            out.append((name, name))
    return out


_RENAMED = re.compile(r"^(?P<base>.*) \((?P<n>\d+)\)$")


def _written_header(name: str, names: list[str]) -> str:
    """``X (2)`` -> ``X`` when ``X`` is a column too (the reader's name for a repeated header)."""
    m = _RENAMED.match(name)
    return m.group("base") if m and m.group("base") in names else name


def _row_id(ctx: _Context, value: object) -> tuple[str, str, str | None]:
    """``(raw id, output id, problem)``: the output id is the pseudonym when that is on."""
    id_col = ctx.cols["id"]
    if isinstance(value, Formula):
        return "", "", f"respondent id in column '{id_col}' is a spreadsheet formula, not an id"
    rid = clean_id(as_text(value))
    if not rid:
        return "", "", f"missing respondent id in column '{id_col}'"
    out = pseudonymise_id(rid, ctx.id_key) if ctx.id_key is not None else rid
    return rid, out, None


def _site(ctx: _Context, value: object) -> str:
    """The redacted site of a row; each distinct cell is redacted once (the redactor is pure)."""
    if not isinstance(value, str | int | float) or value != value:  # a JSON list, NaN: not kept
        return _redacted(ctx, _meta(value))
    key = (type(value), value)
    if key not in ctx.sites:
        ctx.sites[key] = _redacted(ctx, _meta(value))
    return ctx.sites[key]


def _redacted(ctx: _Context, value: object, max_chars: int | None = None) -> str:
    if ctx.redactor is None:
        text = as_text(value) if not isinstance(value, str) else value
        return text[:max_chars] if max_chars is not None else text
    return redact_cell(value, ctx.redactor, max_chars=max_chars)


def to_long(
    raw: RawTable,
    cfg: PipelineConfig,
    *,
    wave: str | None,
    column_map: ColumnMap | None = None,
) -> IngestResult:
    """Melt one raw wide table into the long table and its quarantine.

    Respondent ids leave as pseudonyms (:mod:`cls_text.pii.pseudonym`) and free-text metadata
    (site) and quarantined cells leave redacted, so nothing downstream sees them raw.

    Args:
        raw: The file as read.
        cfg: Pipeline config (column map, respondent-type values, text limit, redaction).
        wave: Wave label; used when the map names no wave column (or a row's wave cell is blank).
        column_map: Overrides ``cfg.columns``; when both are None the map is detected.

    Raises:
        InputFileError: mapped columns are missing, or no wave is known.
    """
    detected: list[str] = []
    raw = _keep_source_headers(raw, prepare_export(raw))
    cm = column_map or cfg.columns
    if cm is None:
        cm, detected = detect_column_map(raw)
    cols = resolve_columns(raw, cm)
    if not wave and "wave" not in cols:
        raise InputFileError(
            raw.path, "no wave is known.", "pass --wave (e.g. --wave 2026-W1) or map a wave column."
        )
    ctx = _make_context(raw, cfg, cm, cols, wave)
    long_rows: list[dict[str, object]] = []
    quarantine: list[dict[str, object]] = []
    seen_ids: dict[str, int] = {}
    position = {name: i for i, name in enumerate(raw.frame.columns)}
    for pos, values in enumerate(raw.frame.to_numpy(dtype=object)):
        if pos in raw.row_problems:  # undecodable bytes arrive as lone surrogates: mark them
            values = [_mark_surrogates(v) for v in values]
        row = {name: values[i] for name, i in position.items()}
        base, row_reason, row_column = _row_base(ctx, pos, row, seen_ids)
        for qcol, question in ctx.answers:
            rec = _melt_cell(ctx, dict(base, **{S.QUESTION: question}), row[qcol], qcol)
            if row_reason is not None:  # the whole row is unusable: every answer goes
                rec[S.TEXT] = _redacted(ctx, row[qcol], QUARANTINE_TEXT_CHARS)
                rec[S.REASON], rec[S.COLUMN] = row_reason, row_column
            (quarantine if S.REASON in rec else long_rows).append(rec)
    long = _normalise_dates(pd.DataFrame(long_rows, columns=_LONG_INGEST_COLUMNS))
    long[S.LONG_ANSWER] = long[S.LONG_ANSWER].astype(bool)
    q = pd.DataFrame(quarantine, columns=QUARANTINE_COLUMNS)
    n_filled = int(long[S.TEXT].ne("").sum() + q[S.TEXT].ne("").sum())
    return IngestResult(
        long=long,
        quarantine=q,
        column_map=cm,
        detected=detected,
        respondents_in=len(raw.frame),
        answers_in=len(raw.frame) * len(ctx.answers),
        answers_filled=n_filled,
    )


def _keep_source_headers(before: RawTable, after: RawTable) -> RawTable:
    """Carry the headers as written across :func:`prepare_export` (an added row-number id)."""
    cols = list(after.frame.columns)
    if len(after.source_headers) == len(cols) or not before.source_headers:
        return after
    if cols[:1] == [ROW_ID_COLUMN] and len(before.source_headers) + 1 == len(cols):
        return replace(after, source_headers=[ROW_ID_COLUMN, *before.source_headers])
    return after  # folded header rows: the folded names stand


def duplicate_id_reason(first_row: int) -> str:
    """The quarantine reason of a repeated respondent (the id itself is never in a reason)."""
    return (
        f"respondent id already appears at row {first_row} of this file "
        "(duplicated respondent; the first row is kept)"
    )


def _melt_cell(
    ctx: _Context, rec: dict[str, object], value: object, column: str
) -> dict[str, object]:
    """One answer record: kept (flagged ``long_answer`` when long) or quarantined with a reason."""
    rec[S.QUOTE_ID] = _quote_id(rec, str(rec[S.QUESTION]))
    reason = _answer_problem(value, column)
    if reason is not None:
        rec[S.TEXT] = _redacted(ctx, value, QUARANTINE_TEXT_CHARS)
        rec[S.REASON], rec[S.COLUMN] = reason, column
        return rec
    text = normalize_text(str(value))
    rec[S.TEXT] = text
    rec[S.LONG_ANSWER] = len(text) > ctx.cfg.max_text_chars
    if rec[S.LONG_ANSWER]:
        rec[S.FLAGS] = ";".join(filter(None, [str(rec[S.FLAGS]), "long_answer"]))
    return rec


def _quote_id(rec: dict[str, object], question: str) -> str:
    rid = str(rec[S.RESPONDENT_ID])
    return make_quote_id(str(rec[S.WAVE]), rid, question) if rid else ""


def _row_base(
    ctx: _Context, pos: int, row: dict[str, object], seen_ids: dict[str, int]
) -> tuple[dict[str, object], str | None, str]:
    """The metadata every answer of one row shares, and why the whole row is quarantined."""
    cols, raw = ctx.cols, ctx.raw
    row_no = raw.row_numbers[pos]
    rid, out_id, id_problem = _row_id(ctx, row[cols["id"]])
    rtype_raw = as_text(row[cols["respondent_type"]]) if "respondent_type" in cols else ""
    rtype, unmapped = _respondent_type(rtype_raw, ctx.respondent_types)
    row_wave = as_text(row[cols["wave"]]) if "wave" in cols else ""
    base: dict[str, object] = {
        S.RESPONDENT_ID: out_id,
        S.RESPONDENT_TYPE: rtype,
        S.SITE: _site(ctx, row[cols["site"]]) if "site" in cols else "",
        S.WAVE: row_wave or ctx.wave or "",
        S.DATE: as_text(row[cols["date"]]) if "date" in cols else "",
        S.SOURCE_FILE: raw.path.name,
        S.SOURCE_ROW: row_no,
        S.FLAGS: "unmapped_respondent_type" if unmapped else "",
    }
    row_reason, row_column = raw.row_problems.get(pos), ""
    if row_reason is None and id_problem is not None:
        row_reason, row_column = id_problem, cols["id"]
    if row_reason is None and rid in seen_ids:
        row_reason, row_column = duplicate_id_reason(seen_ids[rid]), cols["id"]
    if row_reason is None:
        seen_ids[rid] = row_no
    return base, row_reason, row_column


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


_BASE_COLUMNS = [
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
_LONG_INGEST_COLUMNS = [*_BASE_COLUMNS, S.LONG_ANSWER]
QUARANTINE_COLUMNS = [*_BASE_COLUMNS, S.REASON, S.COLUMN]
