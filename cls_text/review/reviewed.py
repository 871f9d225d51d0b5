"""Importing filled-in review files: validating every row, then appending the decisions.

:func:`read_review` checks a ``review.xlsx`` or ``review.csv`` (as written by
:mod:`cls_text.review.queue`) against the codebook it was made with and reports every problem
at once, with the row number the reviewer sees in Excel; :func:`import_review` appends the
reviewed rows to :mod:`cls_text.io.coded` (idempotently). Both are re-exported from
:mod:`cls_text.review.queue`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cls_text import schema as S
from cls_text.codebook.model import Codebook
from cls_text.errors import ReviewImportError
from cls_text.io import coded as cs
from cls_text.io.writers import sha256_file
from cls_text.report.stance import normalize_stance
from cls_text.review.layout import AUDIT, CODEBOOK, MACHINE_THEMES, QUEUE, REASON, SHEET, STANCES

_TRUE, _FALSE = {"x", "1", "1.0", "true", "yes", "y"}, {"", "0", "0.0", "false", "no", "n"}
_MAX_ERRORS = 30


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import did."""

    path: Path
    sha256: str
    n_reviewed: int
    n_added: int
    already_imported: bool
    reviewers: tuple[str, ...]
    wave: str


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _unneutralise(text: str) -> str:
    if text.startswith("'") and text[1:].startswith(("=", "+", "-", "@", "\t", "\r")):
        return text[1:]
    return text


def _read_sheets(path: Path) -> dict[str, pd.DataFrame]:
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        book = pd.read_excel(path, sheet_name=None, dtype=object, keep_default_na=False)
        return {k: v for k, v in book.items() if k in (QUEUE, AUDIT)}
    if suffix == ".csv":
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        if SHEET not in df:
            raise ReviewImportError(f"'{path.name}': no '{SHEET}' column; is it a review.csv?")
        # Row numbers must stay those of the CSV file, so keep the original index.
        return {str(k): g.drop(columns=[SHEET]) for k, g in df.groupby(SHEET, sort=False)}
    raise ReviewImportError(f"'{path.name}': expected a .xlsx or .csv review file")


def _columns_ok(df: pd.DataFrame, codebook: Codebook, where: str, errors: list[str]) -> bool:
    """Report unknown and missing columns; False when a column the rows need is missing.

    An unknown column is usually a theme the codebook does not have (a file made for another
    version), so it is reported but the rows are still checked.
    """
    theme_ids = codebook.theme_ids()
    known = {
        S.QUOTE_ID, S.WAVE, S.RESPONDENT_TYPE, S.SITE, S.QUESTION, S.TEXT, MACHINE_THEMES,
        REASON, cs.STANCE, cs.NOTE, cs.REVIEWER, cs.TEXT_SHA, CODEBOOK, *theme_ids,
    }  # fmt: skip
    for col in df.columns:
        if str(col) not in known:
            errors.append(
                f"{where}: column '{col}' is not a theme id of codebook "
                f"{codebook.id}@{codebook.version} (valid: {', '.join(theme_ids)})"
            )
    missing = [c for c in (S.QUOTE_ID, S.TEXT, cs.TEXT_SHA, cs.REVIEWER, *theme_ids) if c not in df]
    if missing:
        errors.append(f"{where}: missing column(s) {missing}; was it made for this codebook?")
        return False
    return True


def _validate_sheet(
    name: str, df: pd.DataFrame, codebook: Codebook, fname: str, errors: list[str]
) -> list[dict[str, object]]:
    """The reviewed rows of one sheet as decision records; every problem goes to ``errors``."""
    where = f"'{fname}', sheet '{name}'"
    if not _columns_ok(df, codebook, where, errors):
        return []
    seen: dict[str, int] = {}
    records: list[dict[str, object]] = []
    for idx, row in df.iterrows():
        # Index 0 is the first data row: row 2 in Excel and line 2 of the CSV (header is 1).
        excel_row = int(idx) + 2  # type: ignore[call-overload]
        rec = _validate_row(name, row, excel_row, where, codebook, seen, errors)
        if rec is not None:
            records.append(rec)
    return records


def _validate_row(
    name: str,
    row: pd.Series,
    excel_row: int,
    where: str,
    codebook: Codebook,
    seen: dict[str, int],
    errors: list[str],
) -> dict[str, object] | None:
    """One row as a decision record, or None when nobody reviewed it; problems go to ``errors``.

    ``seen`` maps the sheet's quote ids so far to their rows, so a repeated quote is reported
    with the row it repeats.
    """
    theme_ids = codebook.theme_ids()
    qid = _cell(row[S.QUOTE_ID])
    at = f"{where}, row {excel_row}" + (f" (quote {qid})" if qid else "")
    ticks = {t: _cell(row[t]).lower() for t in theme_ids}
    stance = _cell(row.get(cs.STANCE, ""))
    note = _cell(row.get(cs.NOTE, ""))
    reviewer = _cell(row[cs.REVIEWER])
    if not reviewer and not note and not stance and all(v in _FALSE for v in ticks.values()):
        return None  # not reviewed: never counted, in particular never as agreement
    if not reviewer:
        errors.append(f"{at}: has ticks, a stance or a note but no reviewer name")
    if not qid:
        errors.append(f"{at}: quote_id is empty")
    elif qid in seen:
        errors.append(f"{at}: quote id also on row {seen[qid]}; keep one row per quote")
    else:
        seen[qid] = excel_row
    bad = {t: v for t, v in ticks.items() if v not in _TRUE | _FALSE}
    for t, v in bad.items():
        errors.append(f"{at}: column '{t}' has '{v}'; expected x, 1, 0 or blank")
    stance = _checked_stance(stance, at, errors)
    _check_codebook(row, codebook, at, errors)
    text = _original_text(row, at, errors)
    return {
        S.QUOTE_ID: qid,
        cs.REVIEWER: reviewer,
        S.THEMES: S.THEME_SEP.join(t for t in theme_ids if ticks[t] in _TRUE),
        cs.STANCE: stance,
        cs.NOTE: note,
        cs.ORIGIN: name,
        S.WAVE: _cell(row.get(S.WAVE, "")),
        cs.CODEBOOK_ID: codebook.id,
        cs.CODEBOOK_VERSION: codebook.version,
        S.TEXT: text,
        cs.TEXT_SHA: cs.text_sha256(text),
    }


def _checked_stance(stance: str, at: str, errors: list[str]) -> str:
    """The stance in its standard word (the older +, - and 0 too); as written when invalid."""
    try:
        return normalize_stance(stance)
    except ValueError:
        errors.append(f"{at}: stance '{stance}'; expected one of {list(STANCES)} or blank")
        return stance


def _check_codebook(row: pd.Series, codebook: Codebook, at: str, errors: list[str]) -> None:
    """Report a row reviewed with another codebook version (a blank cell means this one)."""
    expected = f"{codebook.id}@{codebook.version}"
    cb = _cell(row.get(CODEBOOK, expected)) or expected
    if cb != expected:
        errors.append(
            f"{at}: reviewed with codebook {cb}, importing with {expected}; "
            "import with the codebook version the file was made with"
        )


def _original_text(row: pd.Series, at: str, errors: list[str]) -> str:
    """The quote text as written, reporting it when edited (its sha256 no longer matches).

    Formula-like text was written with a leading apostrophe (so no spreadsheet runs it), so the
    text also counts as unedited when it matches once that apostrophe is removed.
    """
    raw = _cell(row[S.TEXT]) if not isinstance(row[S.TEXT], str) else row[S.TEXT]
    text = raw if cs.text_sha256(raw) == _cell(row[cs.TEXT_SHA]) else _unneutralise(raw)
    if cs.text_sha256(text) != _cell(row[cs.TEXT_SHA]):
        errors.append(f"{at}: the quote text was edited; restore the original text")
    return text


def read_review(path: str | Path, codebook: Codebook) -> list[dict[str, object]]:
    """Validate a filled-in review file and return its reviewed rows as decision records.

    Raises:
        ReviewImportError: listing every problem (file, sheet, Excel row, quote id, fix).
    """
    p = Path(path)
    if not p.is_file():
        raise ReviewImportError(f"Review file '{p}' does not exist.")
    sheets = _read_sheets(p)
    if not sheets:
        raise ReviewImportError(f"'{p.name}': no '{QUEUE}' or '{AUDIT}' sheet found")
    errors: list[str] = []
    records: list[dict[str, object]] = []
    for name, df in sheets.items():
        records += _validate_sheet(name, df, codebook, p.name, errors)
    both: dict[tuple[object, object], str] = {}
    for rec in records:
        key = (rec[S.QUOTE_ID], rec[cs.REVIEWER])
        if key in both and both[key] != rec[cs.ORIGIN]:
            errors.append(
                f"'{p.name}': quote {key[0]} reviewed by {key[1]} on both sheets; keep one"
            )
        both[key] = str(rec[cs.ORIGIN])
    if errors:
        shown = errors[:_MAX_ERRORS]
        more = len(errors) - len(shown)
        tail = [f"... and {more} more"] if more else []
        raise ReviewImportError("Review file not imported:\n  - " + "\n  - ".join(shown + tail))
    return records


def import_review(
    path: str | Path, codebook: Codebook, store_dir: str | Path, *, wave: str | None = None
) -> ImportResult:
    """Validate a filled-in review and append its decisions to the coded-examples store.

    Importing the same file (same bytes) twice adds nothing. A re-edited file is a new file:
    its decisions supersede the earlier ones per (quote, reviewer), and history keeps both.

    Args:
        path: ``review.xlsx`` or ``review.csv``.
        codebook: The codebook version the review was made with.
        store_dir: The coded-examples store folder.
        wave: Wave label to record when the file's rows have none.

    Raises:
        ReviewImportError: see :func:`read_review`.
    """
    p = Path(path)
    records = read_review(p, codebook)
    for rec in records:
        if wave and not rec[S.WAVE]:
            rec[S.WAVE] = wave
    return record_import(p, records, store_dir, wave)


def record_import(
    path: Path, records: list[dict[str, Any]], store_dir: str | Path, wave: str | None
) -> ImportResult:
    """Append one file's decisions to the coded-examples store and say what that did.

    Shared by the review-file and the REFI-QDA imports, so both record provenance (the file's
    name and sha256) and report the same way.
    """
    digest = sha256_file(path)
    res = cs.append_decisions(store_dir, records, source_file=path.name, source_sha256=digest)
    waves = sorted({str(r[S.WAVE]) for r in records if r[S.WAVE]})
    return ImportResult(
        path=path,
        sha256=digest,
        n_reviewed=len(records),
        n_added=res.n_added,
        already_imported=res.already_present,
        reviewers=tuple(sorted({str(r[cs.REVIEWER]) for r in records})),
        wave=wave or ";".join(waves),
    )
