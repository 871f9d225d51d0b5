"""Review files: an uncertainty-ranked queue and a blind audit sample, and importing them back.

Each wave writes ``review.xlsx`` (sheets ``queue``, ``audit``, ``instructions``) and
``review.csv`` (both sheets, with a ``sheet`` column). Two different jobs:

- The **queue** spends reviewers' time where it teaches the model most: quotes whose theme
  scores sit nearest their thresholds, quotes where two taggers disagree, quotes in candidate
  new themes and quotes whose earlier coding a codebook split made ambiguous. It shows the
  machine's tags, because reviewers are correcting them.
- The **audit** is a seeded random sample, stratified by respondent type and site, shown
  *without* the machine's tags, so the agreement figures are not inflated by anchoring and
  not biased towards hard cases. Audit quotes are kept out of the queue for the same reason.

Reviewers tick theme columns (``x`` or ``1``), pick a stance and write their name. A hidden,
locked column holds the sha256 of each quote's text, so :func:`import_review` can tell when a
quote was edited. Import validates everything first and reports every problem with the row
number the reviewer sees in Excel, then appends to :mod:`cls_text.io.coded` (idempotently);
it lives in :mod:`cls_text.review.reviewed` and is re-exported here.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cls_text import schema as S
from cls_text.codebook.model import Codebook
from cls_text.errors import ReviewImportError  # noqa: F401 - re-exported with the import
from cls_text.ingest.text import untagged_non_english
from cls_text.io import coded as cs
from cls_text.io.writers import atomic_path, fixed_properties, neutralise_formula, write_csv
from cls_text.review.layout import (
    AUDIT,
    CODEBOOK,
    INSTRUCTIONS,
    MACHINE_THEMES,
    QUEUE,
    REASON,
    SHEET,
    STANCES,
    TICKS,
)
from cls_text.review.reviewed import (  # noqa: F401 - re-exported: importing lives there
    ImportResult,
    import_review,
    read_review,
)

# --- selection -----------------------------------------------------------------------------


_ROW = "_row"  # position of a pool row in the tagged table


def _substantive(tagged: pd.DataFrame) -> pd.DataFrame:
    """The answers a reviewer can code, by quote id: the columns that choose them, and ``_row``.

    Choosing needs ids, groups, tags and scores only: rows in quote-id order, columns taken
    before rows, nothing copied twice; the chosen rows get the rest from :func:`_full_rows`.
    """
    text = tagged[S.TEXT].fillna("").astype(str)  # blank: no strip(), which copies every text
    keep = ~((text.str.len() == 0) | text.str.isspace())
    if S.NON_SUBSTANTIVE in tagged:
        keep &= ~tagged[S.NON_SUBSTANTIVE].fillna(False).astype(bool)
    keep &= ~untagged_non_english(tagged)  # no tagger saw them: nothing to agree or disagree on
    wanted = [S.QUOTE_ID, S.RESPONDENT_TYPE, S.SITE]
    wanted += [c for c in tagged.columns if c + S.SCORE_SUFFIX in tagged.columns]
    wanted += [c for c in tagged.columns if c.endswith(S.SCORE_SUFFIX)]
    cols = [c for c in dict.fromkeys(wanted) if c in tagged.columns]
    rows = np.flatnonzero(keep.to_numpy())
    rows = rows[np.argsort(tagged[S.QUOTE_ID].to_numpy(dtype=object)[rows], kind="stable")]
    pool = tagged.iloc[rows, [tagged.columns.get_loc(c) for c in cols]].assign(**{_ROW: rows})
    return pool.reset_index(drop=True)


def _full_rows(tagged: pd.DataFrame, chosen: pd.DataFrame) -> pd.DataFrame:
    """The chosen pool rows with the tagged table's columns (evidence and stance left out)."""
    skip = {c for c in tagged.columns if c.endswith((S.EVIDENCE_SUFFIX, S.STANCE_SUFFIX))}
    cols = [c for c in tagged.columns if c not in skip]
    out = tagged.iloc[chosen[_ROW].to_numpy()][cols].reset_index(drop=True)
    for c in chosen.columns:
        if c not in out.columns and c != _ROW:
            out[c] = chosen[c].to_numpy()
    return out


def sample_audit(tagged: pd.DataFrame, size: int = 100, *, seed: int = 0) -> pd.DataFrame:
    """Draw a seeded random sample stratified by respondent type x site (proportional).

    Allocation is proportional with largest remainders, so a stratum with a tenth of the
    quotes gets about a tenth of the sample. Non-substantive and blank answers are excluded:
    they are never tagged, and agreement on them would be agreement on nothing.
    """
    return _full_rows(tagged, _audit_rows(_substantive(tagged), size, seed))


def _audit_rows(pool: pd.DataFrame, size: int, seed: int) -> pd.DataFrame:
    """The audit's rows of the pool (see :func:`sample_audit`)."""
    if size <= 0 or pool.empty:
        return pool.iloc[0:0]
    if size >= len(pool):
        return pool
    keys = [c for c in (S.RESPONDENT_TYPE, S.SITE) if c in pool]
    groups = (
        list(pool.groupby(keys, sort=True, dropna=False).indices.values())
        if keys
        else [np.arange(len(pool))]
    )
    exact = np.array([len(g) * size / len(pool) for g in groups])
    alloc = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - alloc), kind="stable")[: size - alloc.sum()]:
        alloc[i] += 1
    rng = np.random.default_rng(seed)
    chosen = [rng.choice(g, size=k, replace=False) for g, k in zip(groups, alloc, strict=True)]
    picked = np.sort(np.concatenate(chosen)) if chosen else np.array([], dtype=int)
    return pool.iloc[picked]


def rank_queue(
    tagged: pd.DataFrame,
    codebook: Codebook,
    *,
    size: int = 200,
    thresholds: Mapping[str, float] | None = None,
    second_opinion: pd.DataFrame | None = None,
    candidates: pd.DataFrame | None = None,
    rereview: pd.DataFrame | None = None,
    exclude: set[str] | None = None,
) -> pd.DataFrame:
    """Rank quotes for review; return the top ``size`` with a ``reason`` column.

    Order: quotes to re-review after a codebook split, then tagger disagreements, then
    candidate new themes (at most a quarter of the queue), then the smallest distance between
    any theme score and its threshold (default 0.5).

    Args:
        tagged: The tagged long table.
        codebook: The codebook the table was tagged with.
        size: Queue length.
        thresholds: Per-theme decision thresholds published by the tagger.
        second_opinion: Another tagger's tagged table (same quote ids); differing 0/1 tags
            count as disagreement.
        candidates: Frame with ``quote_id`` and ``candidate`` (a candidate theme's label).
        rereview: Frame with ``quote_id`` and ``reason`` (e.g. from a codebook split).
        exclude: Quote ids to leave out (the audit sample).
    """
    pool = _substantive(tagged)
    rows = _queue_rows(
        pool, codebook, size, thresholds, second_opinion, candidates, rereview, exclude
    )
    return _full_rows(tagged, rows)


def _queue_rows(
    pool: pd.DataFrame,
    codebook: Codebook,
    size: int,
    thresholds: Mapping[str, float] | None,
    second_opinion: pd.DataFrame | None,
    candidates: pd.DataFrame | None,
    rereview: pd.DataFrame | None,
    exclude: set[str] | None,
) -> pd.DataFrame:
    """The queue's rows of the pool, with their reason (see :func:`rank_queue`)."""
    why = _Reasons(pool, exclude or set())
    if rereview is not None and not rereview.empty:
        why.rereview(rereview)
    if second_opinion is not None:
        why.disagreements(second_opinion, codebook)
    if candidates is not None and not candidates.empty:
        why.candidates(candidates, max(size // 4, 1))
    return why.ranked(codebook, thresholds or {}, size)


class _Reasons:
    """Why each pool row is worth reviewing: a tier (lower first) and a reason per row.

    Plain arrays over the pool, so a million-answer wave costs a few bytes per answer; only
    the queue's rows ever become a frame. Each reason is written only where no stronger one
    (lower tier) applies: re-review (0), taggers disagree (1), candidate theme (2), near
    threshold (3, the default).
    """

    def __init__(self, pool: pd.DataFrame, exclude: set[str]) -> None:
        self.pool = pool
        self.eligible = ~pool[S.QUOTE_ID].isin(exclude).to_numpy()
        self.tier = np.full(len(pool), 3, dtype=np.int8)
        self.reason = np.full(len(pool), None, dtype=object)

    def _mark(self, rows: np.ndarray, tier: int, reason: Any) -> None:
        rows = rows & (self.tier > tier)
        self.tier[rows] = tier
        self.reason[rows] = reason[rows] if isinstance(reason, np.ndarray) else reason

    def rereview(self, rereview: pd.DataFrame) -> None:
        by_id = rereview.drop_duplicates(S.QUOTE_ID).set_index(S.QUOTE_ID)[REASON]
        why = self.pool[S.QUOTE_ID].map(by_id)
        self._mark(why.notna().to_numpy(), 0, why.astype(str).to_numpy(dtype=object))

    def disagreements(self, second_opinion: pd.DataFrame, codebook: Codebook) -> None:
        pool = self.pool
        ids = [t for t in codebook.theme_ids() if S.score_col(t) in pool]
        other = pool[[S.QUOTE_ID]].merge(second_opinion, on=S.QUOTE_ID, how="left")
        differ = [
            pool[t].astype(int).to_numpy() != other[t].fillna(pool[t]).astype(int).to_numpy()
            for t in ids
            if t in other
        ]
        if differ:
            self._mark(np.any(np.vstack(differ), axis=0), 1, "taggers disagree")

    def candidates(self, candidates: pd.DataFrame, most: int) -> None:
        """At most ``most`` rows, taken round-robin so every candidate gets examples."""
        first = candidates.drop_duplicates(S.QUOTE_ID)  # a quote in two candidates: first
        label = self.pool[S.QUOTE_ID].map(first.set_index(S.QUOTE_ID)["candidate"])
        label = label.where(self.eligible).dropna()
        turn = label.groupby(label).cumcount()
        keep = turn.sort_values(kind="stable").index[:most]
        rows = np.zeros(len(self.pool), dtype=bool)
        rows[keep] = True
        text = np.full(len(self.pool), None, dtype=object)
        text[keep] = ("candidate theme: " + label[keep].astype(str)).to_numpy(dtype=object)
        self._mark(rows, 2, text)

    def ranked(self, codebook: Codebook, thr: Mapping[str, float], size: int) -> pd.DataFrame:
        """The first ``size`` eligible rows by tier, then margin, then quote id."""
        ids = [t for t in codebook.theme_ids() if S.score_col(t) in self.pool]
        margin, nearest = _nearest_threshold(self.pool, ids, thr)
        order = np.lexsort((np.arange(len(self.pool)), margin, self.tier))  # pool: by quote id
        head = order[self.eligible[order]][:size]
        out = self.pool.iloc[head]
        near = "near threshold: " + pd.Series(nearest[head], index=out.index).astype(str)
        near += " (" + pd.Series(margin[head], index=out.index).round(3).astype(str) + ")"
        near = near.where(~np.isnan(margin[head]), "no theme score")
        reason = pd.Series(self.reason[head], index=out.index, dtype=object)
        return out.assign(**{REASON: reason.where(reason.notna(), near).astype(near.dtype)})


def _nearest_threshold(
    pool: pd.DataFrame, ids: list[str], thr: Mapping[str, float]
) -> tuple[np.ndarray, np.ndarray]:
    """Per row: the smallest |score - threshold| over the themes, and that theme's id."""
    if not ids:
        return np.ones(len(pool)), np.full(len(pool), "", dtype=object)
    # Theme by theme (a rows x themes matrix is 128 MB at 1M); "<": first theme on ties, no NaN.
    margin = np.full(len(pool), np.inf)
    pos = np.zeros(len(pool), dtype=np.intp)
    scored = np.zeros(len(pool), dtype=bool)
    for j, t in enumerate(ids):
        dist = np.abs(pool[S.score_col(t)].to_numpy(dtype=float) - thr.get(t, 0.5))
        better = dist < margin
        margin[better] = dist[better]
        pos[better] = j
        scored |= ~np.isnan(dist)
    nearest = np.asarray(ids, dtype=object)[pos]
    margin[~scored] = np.nan  # no score at all: sorted last, said so in the reason
    nearest[~scored] = ""
    return margin, nearest


# --- writing -------------------------------------------------------------------------------


def _sheet_frame(rows: pd.DataFrame, codebook: Codebook, *, blind: bool) -> pd.DataFrame:
    def col(name: str) -> pd.Series:
        return rows[name] if name in rows else pd.Series("", index=rows.index)

    out = pd.DataFrame({c: col(c) for c in (S.QUOTE_ID, S.WAVE, S.RESPONDENT_TYPE, S.SITE)})
    out[S.QUESTION] = col(S.QUESTION)
    out[S.TEXT] = col(S.TEXT).fillna("").astype(str)
    if not blind:
        out[MACHINE_THEMES] = col(S.THEMES).fillna("").astype(str)
        out[REASON] = col(REASON)
    for t in codebook.theme_ids():
        out[t] = ""
    out[cs.STANCE] = ""
    out[cs.NOTE] = ""
    out[cs.REVIEWER] = ""
    out[cs.TEXT_SHA] = out[S.TEXT].map(cs.text_sha256)
    out[CODEBOOK] = f"{codebook.id}@{codebook.version}"
    return out.fillna("").astype(str)


_INSTRUCTIONS = [
    "How to review",
    "queue: quotes the machine was least sure about. Its tags are in 'machine_themes'.",
    "audit: a random sample shown WITHOUT machine tags. Code it on your own judgement; it "
    "measures how well the machine agrees with people.",
    "Tick every theme that applies with x (or 1). Leave blank when it does not apply.",
    "stance: positive, negative, neutral or mixed. note: anything the codebook missed.",
    "Write your name in 'reviewer' on every row you reviewed. Rows without a name and "
    "without ticks are treated as not reviewed.",
    "Do not edit the quote text, the quote id or the hidden columns: edited rows are "
    "rejected on import.",
    "Import with: cls-text review import review.xlsx",
]


def _column_width(col: str, theme_ids: set[str]) -> float:
    """Text is wide; theme tick columns are as wide as their id (never cut to "bure"), capped."""
    if col == S.TEXT:
        return 60
    if col in theme_ids:
        return min(max(len(col) + 2, 6), 24)  # longer ids wrap in the (wrapped) header
    return max(14, min(len(col) + 2, 30))


def _write_xlsx(sheets: dict[str, pd.DataFrame], codebook: Codebook, path: Path) -> None:
    import xlsxwriter

    theme_ids = set(codebook.theme_ids())
    with atomic_path(path) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False})
        fixed_properties(wb)
        header = wb.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        unlocked = wb.add_format({"locked": False, "valign": "top", "bg_color": "#FFF9E0"})
        for name, frame in sheets.items():
            ws = wb.add_worksheet(name)
            n = len(frame)
            for j, col in enumerate(frame.columns):
                ws.write_string(0, j, col, header)
                editable = col in theme_ids or col in (cs.STANCE, cs.NOTE, cs.REVIEWER)
                width = _column_width(col, theme_ids)
                hidden = col in (cs.TEXT_SHA, CODEBOOK)
                ws.set_column(j, j, width, unlocked if editable else wrap, {"hidden": hidden})
                for i, value in enumerate(frame[col]):
                    ws.write_string(i + 1, j, str(neutralise_formula(value)))
                if n and col in theme_ids:
                    ws.data_validation(1, j, n, j, {"validate": "list", "source": list(TICKS)})
                elif n and col == cs.STANCE:
                    ws.data_validation(1, j, n, j, {"validate": "list", "source": list(STANCES)})
            ws.freeze_panes(1, 1)
            ws.autofilter(0, 0, max(n, 1), len(frame.columns) - 1)
            ws.protect("", {"format_columns": True, "format_rows": True, "autofilter": True})
        ws = wb.add_worksheet(INSTRUCTIONS)
        lines = [*_INSTRUCTIONS, f"Codebook: {codebook.id} version {codebook.version}"]
        for t in codebook.themes:
            lines.append(f"{t.id}: {t.label}. {t.definition}")
        for i, line in enumerate(lines):
            ws.write_string(i, 0, line, header if i == 0 else wrap)
        ws.set_column(0, 0, 120)
        wb.close()


def write_review(
    tagged: pd.DataFrame,
    codebook: Codebook,
    out_dir: str | Path,
    *,
    queue_size: int = 200,
    audit_size: int = 100,
    seed: int = 0,
    candidates: pd.DataFrame | None = None,
    thresholds: Mapping[str, float] | None = None,
    second_opinion: pd.DataFrame | None = None,
    rereview: pd.DataFrame | None = None,
) -> dict[str, Path]:
    """Write ``review.xlsx`` and ``review.csv`` for one wave.

    Args:
        tagged: The wave's tagged long table (redacted text).
        codebook: The codebook it was tagged with.
        out_dir: The wave's output folder.
        queue_size: Rows in the uncertainty-ranked queue.
        audit_size: Rows in the blind audit sample.
        seed: Seed of the audit sample.
        candidates: Candidate-theme quotes (``quote_id``, ``candidate``), see :func:`rank_queue`.
        thresholds: Per-theme thresholds (default 0.5).
        second_opinion: Another tagger's table, for disagreements.
        rereview: Quotes to re-review (``quote_id``, ``reason``), e.g. after a codebook split.

    Returns:
        ``{"review_xlsx": path, "review_csv": path}``.

    Examples:
        >>> paths = write_review(tagged, load_codebook(), "out/2026-W1")  # doctest: +SKIP
    """
    out = Path(out_dir)
    pool = _substantive(tagged)  # once for both sheets: a million-answer wave's pool is big
    audit = _audit_rows(pool, audit_size, seed)
    exclude = set(audit[S.QUOTE_ID])
    queue = _queue_rows(
        pool, codebook, queue_size, thresholds, second_opinion, candidates, rereview, exclude
    )
    audit, queue = _full_rows(tagged, audit), _full_rows(tagged, queue)
    sheets = {
        QUEUE: _sheet_frame(queue, codebook, blind=False),
        AUDIT: _sheet_frame(audit, codebook, blind=True),
    }
    xlsx = out / "review.xlsx"
    _write_xlsx(sheets, codebook, xlsx)
    both = pd.concat([f.assign(**{SHEET: k}) for k, f in sheets.items()], ignore_index=True)
    both = both[[SHEET, *[c for c in both.columns if c != SHEET]]].fillna("")
    csv = write_csv(both, out / "review.csv")
    return {"review_xlsx": xlsx, "review_csv": csv}
