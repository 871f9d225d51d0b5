"""The coded-examples store: every human coding decision, append-only, with its provenance.

Reviewers' decisions are the ground truth that agreement figures and retraining rest on, so the
store never edits or deletes anything. Each import becomes one immutable *segment* file
(JSON Lines) named by the sha256 of the file it came from, and a ledger lists the segments in
the order they were added. Importing the same file twice finds its segment already there and
adds nothing. A later decision on the same quote by the same reviewer *supersedes* the earlier
one in :func:`latest_decisions`, while :func:`read_history` still shows both.

Layout of ``store_dir``::

    ledger.jsonl               one line per segment, in import order
    segments/<sha256>.jsonl    the decisions from one imported file

One decision (one line of a segment) has the fields in :data:`DECISION_FIELDS`: which quote,
who, when, which wave, which codebook (id and version), which themes the reviewer ticked
(``;``-joined ids of that codebook version; every other theme of that version counts as "does
not apply"), stance, note, the quote text as reviewed and its sha256, and the source file.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from cls_text import schema as S
from cls_text.io.writers import write_text_atomic

LEDGER = "ledger.jsonl"
SEGMENTS = "segments"

#: Columns of a decision record, in storage order.
REVIEWER = "reviewer"
STANCE = "stance"
NOTE = "note"
TEXT_SHA = "text_sha256"
CODEBOOK_ID = "codebook_id"
CODEBOOK_VERSION = "codebook_version"
ORIGIN = "origin"  # "queue", "audit", "qdpx", ...
IMPORTED_AT = "imported_at"
SOURCE_SHA = "source_sha256"
SEQ = "seq"  # order of the decision across the whole store (ledger position, row)

DECISION_FIELDS = (
    S.QUOTE_ID,
    REVIEWER,
    S.THEMES,
    STANCE,
    NOTE,
    ORIGIN,
    S.WAVE,
    CODEBOOK_ID,
    CODEBOOK_VERSION,
    S.TEXT,
    TEXT_SHA,
    S.SOURCE_FILE,
    SOURCE_SHA,
    IMPORTED_AT,
)


def text_sha256(text: str) -> str:
    """Return the sha256 of a quote's text (how tampering with a review file is detected)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class AppendResult:
    """What one append did: how many decisions it added, or that the file was already in."""

    n_added: int
    segment: Path
    already_present: bool


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _ledger(store_dir: Path) -> list[dict[str, Any]]:
    path = store_dir / LEDGER
    return _read_jsonl(path) if path.is_file() else []


def is_imported(store_dir: str | Path, source_sha256: str) -> bool:
    """Return True when a file with this sha256 has already been appended to the store."""
    return (Path(store_dir) / SEGMENTS / f"{source_sha256}.jsonl").is_file()


def append_decisions(
    store_dir: str | Path,
    decisions: Iterable[Mapping[str, Any]],
    *,
    source_file: str,
    source_sha256: str,
    imported_at: str | None = None,
) -> AppendResult:
    """Append the decisions read from one file; a file already imported adds nothing.

    The segment is written atomically before the ledger line, and the ledger is rewritten
    atomically with the new line at the end, so a crash leaves either the old store or the
    new one. A segment present on disk without a ledger line (crash between the two writes)
    is re-listed rather than duplicated.

    Args:
        store_dir: The store folder (created if missing).
        decisions: Records with the keys of :data:`DECISION_FIELDS` except the provenance
            ones filled here (``source_file``, ``source_sha256``, ``imported_at``).
        source_file: File name the decisions came from (a name, not a full path).
        source_sha256: sha256 of that file's bytes: the idempotence key.
        imported_at: ISO timestamp; defaults to now (UTC).

    Returns:
        An :class:`AppendResult`.

    Raises:
        ValueError: A decision lacks ``quote_id`` or ``reviewer``.
    """
    store = Path(store_dir)
    segment = store / SEGMENTS / f"{source_sha256}.jsonl"
    ledger = _ledger(store)
    listed = {entry["segment"] for entry in ledger}
    if segment.is_file():
        if segment.name not in listed:  # crashed after the segment, before the ledger line
            _write_ledger(store, ledger, segment, source_file, source_sha256, imported_at, None)
        return AppendResult(n_added=0, segment=segment, already_present=True)
    when = imported_at or datetime.now(UTC).isoformat(timespec="seconds")
    rows: list[dict[str, Any]] = []
    for i, rec in enumerate(decisions):
        for key in (S.QUOTE_ID, REVIEWER):
            if not str(rec.get(key, "") or "").strip():
                raise ValueError(f"decision #{i + 1} from '{source_file}' has no '{key}'")
        row = {f: rec.get(f, "") for f in DECISION_FIELDS}
        row[S.SOURCE_FILE] = source_file
        row[SOURCE_SHA] = source_sha256
        row[IMPORTED_AT] = when
        rows.append(row)
    body = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows)
    write_text_atomic(segment, body)
    _write_ledger(store, ledger, segment, source_file, source_sha256, when, len(rows))
    return AppendResult(n_added=len(rows), segment=segment, already_present=False)


def _write_ledger(
    store: Path,
    ledger: list[dict[str, Any]],
    segment: Path,
    source_file: str,
    source_sha256: str,
    when: str | None,
    n: int | None,
) -> None:
    if n is None:
        n = len(_read_jsonl(segment))
    entry = {
        "segment": segment.name,
        "source_file": source_file,
        "source_sha256": source_sha256,
        "imported_at": when or "",
        "n": n,
    }
    lines = [json.dumps(e, sort_keys=True) for e in [*ledger, entry]]
    write_text_atomic(store / LEDGER, "\n".join(lines) + "\n")


def read_history(store_dir: str | Path) -> pd.DataFrame:
    """Return every decision ever appended, oldest first, with a ``seq`` order column.

    An empty or missing store gives an empty frame with the decision columns.
    """
    store = Path(store_dir)
    rows: list[dict[str, Any]] = []
    for entry in _ledger(store):
        for rec in _read_jsonl(store / SEGMENTS / entry["segment"]):
            rec[SEQ] = len(rows)
            rows.append(rec)
    cols = [*DECISION_FIELDS, SEQ]
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    return pd.DataFrame(rows)[cols]


def latest_decisions(store_dir: str | Path) -> pd.DataFrame:
    """Return the current decision per (quote, reviewer): later imports supersede earlier ones.

    Earlier decisions stay in the store (see :func:`read_history`); they are only hidden here.
    """
    hist = read_history(store_dir)
    if hist.empty:
        return hist
    latest = hist.sort_values(SEQ).drop_duplicates([S.QUOTE_ID, REVIEWER], keep="last")
    return latest.sort_values(SEQ).reset_index(drop=True)


def split_themes(value: object) -> list[str]:
    """Split a ``;``-joined theme cell into ids (blank or missing gives an empty list)."""
    if not isinstance(value, str) or not value.strip():
        return []
    return [t for t in value.split(S.THEME_SEP) if t]
