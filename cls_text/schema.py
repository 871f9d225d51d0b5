"""Column names and small records shared by every step.

Bulk rows travel as pandas DataFrames; their column names are defined here once so that
ingest, tagging, reports and reviews agree without string literals scattered around.

The *long table* has one row per respondent x open question. Ingest produces it; tagging
adds theme columns to it. For a codebook with theme ``trust`` the tagged table has:

- ``trust``           0/1 tag
- ``trust_score``     float in [0, 1], the tagger's confidence
- ``trust_stance``    "positive", "negative", "neutral" or "" (no tag)
- ``trust_evidence``  JSON list of evidence objects (see :class:`Evidence`)
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

# --- identity and provenance -------------------------------------------------------------
QUOTE_ID = "quote_id"
RESPONDENT_ID = "respondent_id"
RESPONDENT_TYPE = "respondent_type"
SITE = "site"
WAVE = "wave"
DATE = "date"
QUESTION = "question"
TEXT = "text"
SOURCE_FILE = "source_file"
SOURCE_ROW = "source_row"

# --- flags (kept, never dropped) -----------------------------------------------------------
NON_SUBSTANTIVE = "non_substantive"
DUPLICATE_ANSWER = "duplicate_answer"
#: Longer than ``max_text_chars``: kept and tagged like any answer, flagged for readers.
LONG_ANSWER = "long_answer"
FLAGS = "flags"
#: A flag (in ``flags``), not a column: an answer that is, with confidence, not in English.
#: Kept in the tagged table, with no themes unless the codebook sets ``tag_non_english``.
NON_ENGLISH = "non_english"

# --- tagging -------------------------------------------------------------------------------
THEMES = "themes"
TAGGER = "tagger"
THEME_SEP = ";"

# --- quarantine ----------------------------------------------------------------------------
REASON = "reason"
COLUMN = "column"

RESPONDENT_TYPES = ("staff", "community member", "partner", "other")

#: Columns of the long table, in output order, before theme columns.
LONG_COLUMNS = (
    QUOTE_ID,
    RESPONDENT_ID,
    RESPONDENT_TYPE,
    SITE,
    WAVE,
    DATE,
    QUESTION,
    TEXT,
    SOURCE_FILE,
    SOURCE_ROW,
    NON_SUBSTANTIVE,
    DUPLICATE_ANSWER,
    LONG_ANSWER,
    FLAGS,
)

#: Suffixes of the per-theme columns; theme ids may not end with them.
SCORE_SUFFIX = "_score"
STANCE_SUFFIX = "_stance"
EVIDENCE_SUFFIX = "_evidence"
THEME_COLUMN_SUFFIXES = (SCORE_SUFFIX, STANCE_SUFFIX, EVIDENCE_SUFFIX)

#: Names no theme id may take, because the tagged table already uses them.
RESERVED_NAMES = frozenset(LONG_COLUMNS) | {THEMES, TAGGER, REASON, COLUMN}


def score_col(theme_id: str) -> str:
    """Name of the confidence column of a theme."""
    return theme_id + SCORE_SUFFIX


def stance_col(theme_id: str) -> str:
    """Name of the stance column of a theme."""
    return theme_id + STANCE_SUFFIX


def evidence_col(theme_id: str) -> str:
    """Name of the evidence column of a theme."""
    return theme_id + EVIDENCE_SUFFIX


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why a theme was tagged: a matched term inside one sentence of the quote.

    Offsets are character offsets into the quote's ``text`` as written to the outputs
    (that is, after redaction), so ``text[start:end] == matched`` always holds.
    """

    term: str
    matched: str
    start: int
    end: int
    sentence: str
    sent_start: int
    sent_end: int
    score: float
    source: str = "rules"
    #: True when a negation cue governs the match ("no trust", "not bureaucratic at all").
    negated: bool = False

    @classmethod
    def at(
        cls,
        text: str,
        span: tuple[int, int],
        *,
        sentence: tuple[int, int] | None = None,
        term: str,
        score: float,
        source: str,
        negated: bool = False,
    ) -> Evidence:
        """The evidence at ``span`` of ``text``, in the sentence at ``sentence`` (None: ``span``).

        Every tagger builds its evidence here, so ``matched`` and ``sentence`` are always sliced
        from the offsets they are stored with and ``text[start:end] == matched`` cannot drift.
        """
        start, end = span
        sent_start, sent_end = span if sentence is None else sentence
        return cls(
            term=term,
            matched=text[start:end],
            start=start,
            end=end,
            sentence=text[sent_start:sent_end],
            sent_start=sent_start,
            sent_end=sent_end,
            score=score,
            source=source,
            negated=negated,
        )

    def to_dict(self) -> dict[str, object]:
        """Return a JSON-ready dict, keys in field order.

        Built by hand: ``dataclasses.asdict`` deep-copies every value, and every tagged theme
        of every answer is serialised once.
        """
        return {name: getattr(self, name) for name in _EVIDENCE_FIELDS}


_EVIDENCE_FIELDS = tuple(f.name for f in fields(Evidence))


def evidence_to_json(items: list[Evidence]) -> str:
    """Serialise evidence deterministically (stable key order, no whitespace)."""
    return json.dumps([e.to_dict() for e in items], ensure_ascii=False, separators=(",", ":"))


def evidence_from_json(value: str) -> list[Evidence]:
    """Inverse of :func:`evidence_to_json`; an empty cell gives an empty list."""
    if not value:
        return []
    return [Evidence(**item) for item in json.loads(value)]


def evidence_sentence_spans(value: str) -> list[tuple[int, int]]:
    """The ``(sent_start, sent_end)`` of each item of an evidence cell, without building them.

    For callers that read millions of cells (topics' residual sentences) and need only where
    the evidence sentences are: :class:`Evidence` objects would cost far more.
    """
    if not value:
        return []
    return [(item["sent_start"], item["sent_end"]) for item in json.loads(value)]


#: Reads one theme's evidence cells at the given row positions. The wave runner passes one
#: that reads them from the staged Parquet file (:class:`cls_text.run.partition.EvidenceFile`),
#: so a large wave's evidence (most of its bytes) is never held in memory as a whole.
EvidenceCells = Callable[[str, "np.ndarray"], list[object]]


def evidence_cells(
    tagged: pd.DataFrame, theme_id: str, rows: np.ndarray, source: EvidenceCells | None = None
) -> list[object]:
    """The evidence cells of ``theme_id`` at row positions ``rows``, from ``source`` when given.

    Without a source they come from the table's ``<theme>_evidence`` column (None where the
    table has none), so every step works on a whole in-memory table as well.
    """
    if source is not None:
        return source(theme_id, rows)
    col = evidence_col(theme_id)
    if col not in tagged.columns:
        return [None] * len(rows)
    return tagged[col].iloc[rows].tolist()
