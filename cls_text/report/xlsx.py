"""``report.xlsx``: the report as sheets, for writers who work in Excel.

Sheets: Summary (headline table with the generated sentences), one sheet per theme (every
answer tagged with it, with its evidence), By group, Trends, Changes, Stance, Co-occurrence,
Topics, Candidates and Methods. Written through :func:`cls_text.io.writers.write_xlsx`, so every
text cell is formula-neutralised (an answer starting with "=" stays text).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from cls_text import io
from cls_text.io.background import defer
from cls_text.report.accuracy import accuracy_rows
from cls_text.report.comparison import column_notes, comparison_sentence, untested_sentence
from cls_text.report.counts import non_english_sentence
from cls_text.report.examples import evidence_text
from cls_text.report.quotes import best_scoring
from cls_text.report.stance import normalize_stance_series
from cls_text.report.summary import ReportData, significance_word
from cls_text.report.trends import substantive_mask
from cls_text.schema import (
    QUESTION,
    QUOTE_ID,
    RESPONDENT_TYPE,
    SITE,
    TEXT,
    EvidenceCells,
    evidence_cells,
    score_col,
    stance_col,
)

FIXED_SHEETS = (
    "Summary",
    "By group",
    "Trends",
    "Changes",
    "Stance",
    "Co-occurrence",
    "Topics",
    "Candidates",
    "Methods",
)


def _cellify(frame: pd.DataFrame) -> pd.DataFrame:
    """Lists, tuples, dicts and arrays become JSON text (Excel cells hold scalars only)."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object:
            out[col] = out[col].map(
                lambda v: (
                    json.dumps(list(v) if not isinstance(v, dict) else v, default=str)
                    if isinstance(v, list | tuple | dict | set) or hasattr(v, "tolist")
                    else v
                )
            )
    return out


def theme_sheet_names(theme_ids: list[str]) -> dict[str, str]:
    """Theme id -> sheet name: <= 31 characters, unique ignoring case, never a fixed sheet."""
    taken = {s.lower() for s in FIXED_SHEETS}
    names = {}
    for t in theme_ids:
        base = t[:31]
        name, i = base, 2
        while name.lower() in taken:
            suffix = f"~{i}"
            name, i = base[: 31 - len(suffix)] + suffix, i + 1
        taken.add(name.lower())
        names[t] = name
    return names


#: A theme's sheet in ``report.xlsx`` lists at most this many answers. Writers browse a sheet
#: for quotes; past ten thousand rows nobody reads on, and a million-answer wave would write
#: sheets of half a million rows cell by cell. Every answer stays in ``tagged.csv``.
THEME_SHEET_MAX_ROWS = 10_000


def theme_quotes(
    tagged: pd.DataFrame,
    theme_id: str,
    max_rows: int = THEME_SHEET_MAX_ROWS,
    evidence: EvidenceCells | None = None,
) -> pd.DataFrame:
    """The substantive answers tagged with a theme, with score, stance and readable evidence.

    Above ``max_rows`` answers the sheet keeps the ``max_rows`` highest-scoring ones (ties by
    input order), still in input order, so a large wave's sheet holds its clearest quotes.
    """
    # The rows first, then only those rows and this sheet's columns are copied: a copy of the
    # whole table per theme cost a table's worth of memory each time.
    tagged_here = pd.to_numeric(tagged[theme_id]).fillna(0).astype(int) == 1
    mask = (substantive_mask(tagged) & tagged_here).to_numpy()
    positions = best_scoring(tagged[score_col(theme_id)], mask, max_rows)
    cols = [c for c in (QUOTE_ID, RESPONDENT_TYPE, SITE, QUESTION, TEXT) if c in tagged.columns]
    rows = tagged.iloc[positions][[*cols, score_col(theme_id), stance_col(theme_id)]]
    out = rows[cols].copy()
    out["score"] = pd.to_numeric(rows[score_col(theme_id)])
    out["stance"] = normalize_stance_series(rows[stance_col(theme_id)])
    cells = evidence_cells(tagged, theme_id, positions, evidence)
    out["evidence"] = [evidence_text(c) for c in cells]
    return out.reset_index(drop=True)


def methods_table(
    data: ReportData, manifest: dict[str, Any], cut_sheets: list[str] | None = None
) -> pd.DataFrame:
    """Key/value rows: codebook, tagger (with its measured accuracy), counts, conservation.

    ``cut_sheets`` names the theme sheets that show only their highest-scoring answers.
    """
    cb = manifest.get("codebook", {}) or {}
    tagger = manifest.get("tagger", {}) or {}
    cons = manifest.get("conservation", {}) or {}
    rows: list[tuple[str, object]] = [
        ("wave", data.wave),
        ("codebook id", cb.get("id", "")),
        ("codebook name", cb.get("name", "")),
        ("codebook version", cb.get("version", "")),
        ("codebook hash", cb.get("hash", "")),
    ]
    rows += [
        (f"tagger {k}", json.dumps(v) if isinstance(v, dict | list) else v)
        for k, v in tagger.items()
    ]
    rows += [(f"count {k}", v) for k, v in data.counts.items()]
    if foreign := non_english_sentence(data.counts):
        rows.append(("answers not in English", foreign))
    rows += [(f"conservation {k}", v) for k, v in (cons.get("total", {}) or {}).items()]
    rows.append(("conservation holds", cons.get("holds", "")))
    rows += [(f"codebook version of wave {w}", v) for w, v in data.codebook_by_wave.items()]
    rows.append(("waves compared", comparison_sentence(data)))
    if untested := untested_sentence(data):
        rows.append(("not tested for change", untested))
    rows += [(f"columns of {name}", note) for name, note in column_notes(manifest)]
    if cut_sheets:
        rows.append(
            (
                "theme sheets shortened",
                "highest-scoring answers only (all are in tagged.csv): " + "; ".join(cut_sheets),
            )
        )
    rows.append(("run at (UTC)", manifest.get("created_utc", "")))
    rows += accuracy_rows(manifest)
    if manifest.get("agreement_methods"):
        rows.append(("agreement with reviewers", manifest["agreement_methods"]))
    rows.append(
        (
            "definitions",
            "Share of respondents = respondents with >= 1 substantive answer tagged with the "
            "theme / respondents with >= 1 substantive answer. 95% Wilson intervals. Change: "
            "two-proportion z-test, Benjamini-Hochberg FDR 5%.",
        )
    )
    return pd.DataFrame(rows, columns=["item", "value"]).astype({"value": str})


#: Display formats: numbers stay numbers (a filter or a formula sees 0.37, Excel shows 37.0%).
PERCENT, POINTS, DECIMAL3, DECIMAL2 = "0.0%", '+0.0" pts";-0.0" pts";0.0" pts"', "0.000", "0.00"
_PERCENT_PREFIXES = ("share", "ci_", "previous_share", "jaccard", "net")


def _column_format(col: str) -> str:
    if col.startswith(_PERCENT_PREFIXES) or col in ("share of respondents", "share of answers"):
        return PERCENT
    if col.startswith("95% CI") or col == "change":
        return PERCENT
    if col.startswith("change (percentage points)"):
        return POINTS
    if col in ("p_value", "p_adjusted", "score", "similarity", "z"):
        return DECIMAL3
    if col == "lift":
        return DECIMAL2
    return ""


def sheet_number_formats(sheets: dict[str, pd.DataFrame]) -> dict[str, dict[str, str]]:
    """Sheet -> column -> number format for every numeric column that needs one."""
    out: dict[str, dict[str, str]] = {}
    for name, frame in sheets.items():
        cols = {
            str(c): f
            for c in frame.columns
            if pd.api.types.is_numeric_dtype(frame[c]) and (f := _column_format(str(c)))
        }
        if cols:
            out[name] = cols
    return out


def summary_table(data: ReportData) -> pd.DataFrame:
    """The Summary sheet: one row per theme, every figure a number in its own column.

    Counts say what they count (respondents, not answers); shares and interval bounds are
    fractions shown as percentages; the change is in percentage points.
    """
    rows = []
    changes = data.changes.set_index("theme") if not data.changes.empty else None
    stance = data.stance.set_index("theme") if not data.stance.empty else None
    for r in data.overall.itertuples(index=False):
        t = str(r.theme)
        ch = changes.loc[t] if changes is not None and t in changes.index else None
        st = stance.loc[t] if stance is not None and t in stance.index else None
        rows.append(
            {
                "theme": t,
                "label": data.labels.get(t, t),
                "respondents raising it": int(r.k_resp),
                "respondents answering": int(r.n_resp),
                "share of respondents": float(r.share_resp),
                "95% CI low": float(r.ci_low),
                "95% CI high": float(r.ci_high),
                "answers raising it": int(r.k_quotes),
                "substantive answers": int(r.n_quotes),
                "share of answers": float(r.share_quotes),
                "previous wave": "" if ch is None else str(ch["previous_wave"]),
                "change (percentage points)": (
                    float("nan") if ch is None else round(100 * float(ch["change"]), 1)
                ),
                "significant": significance_word(ch),
                "positive": 0 if st is None else int(st["n_positive"]),
                "negative": 0 if st is None else int(st["n_negative"]),
                "neutral": 0 if st is None else int(st["n_neutral"]),
                "mixed or unclear": 0 if st is None else int(st["n_mixed"]),
                "summary": (data.sentences.get(t) or [""])[0],
            }
        )
    return pd.DataFrame(rows)


def write_report_xlsx(
    path: str | Path,
    data: ReportData,
    tagged: pd.DataFrame,
    *,
    manifest: dict[str, Any],
    topics: pd.DataFrame,
    candidates: pd.DataFrame | None,
    evidence: EvidenceCells | None = None,
) -> Path:
    """Write ``report.xlsx`` atomically (maybe in the background writer); return its path."""
    groups = pd.concat(
        [
            data.by_type.rename(columns={RESPONDENT_TYPE: "group"}).assign(by=RESPONDENT_TYPE),
            data.by_site.rename(columns={SITE: "group"}).assign(by=SITE),
        ],
        ignore_index=True,
    )
    sheets: dict[str, pd.DataFrame] = {"Summary": summary_table(data)}
    names = theme_sheet_names(list(data.labels))
    for t, name in names.items():
        sheets[name] = theme_quotes(tagged, t, THEME_SHEET_MAX_ROWS, evidence)
    tagged_answers = dict(zip(data.overall["theme"], data.overall["k_quotes"], strict=True))
    cut = [
        f"{name}: {len(sheets[name]):,} of {int(tagged_answers[t]):,}"
        for t, name in names.items()
        if len(sheets[name]) >= THEME_SHEET_MAX_ROWS
        and int(tagged_answers.get(t, 0)) > len(sheets[name])
    ]
    sheets |= {
        "By group": groups,
        "Trends": data.trend,
        "Changes": pd.concat([data.changes, data.changes_by_type], ignore_index=True),
        "Stance": data.stance,
        "Co-occurrence": data.cooccurrence,
        "Topics": topics,
        "Candidates": candidates if candidates is not None else pd.DataFrame(),
        "Methods": methods_table(data, manifest, cut_sheets=cut),
    }
    cells = {k: _cellify(v) for k, v in sheets.items()}
    # Written in the background writer when the run has one and it is free: the report is
    # the run's last step, so queueing it behind a large wave's tagged.xlsx would only wait.
    formats = sheet_number_formats(cells)
    defer(io.write_xlsx, cells, path, number_formats=formats, inline_if_busy=True)
    return Path(path)
