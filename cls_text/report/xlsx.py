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
from cls_text.report.examples import evidence_text
from cls_text.report.summary import ReportData
from cls_text.report.trends import substantive_rows
from cls_text.schema import (
    QUESTION,
    QUOTE_ID,
    RESPONDENT_TYPE,
    SITE,
    TEXT,
    evidence_col,
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


def theme_quotes(tagged: pd.DataFrame, theme_id: str) -> pd.DataFrame:
    """Every substantive answer tagged with a theme, with score, stance and readable evidence."""
    sub = substantive_rows(tagged)
    rows = sub.loc[pd.to_numeric(sub[theme_id]).fillna(0).astype(int) == 1]
    cols = [c for c in (QUOTE_ID, RESPONDENT_TYPE, SITE, QUESTION, TEXT) if c in rows.columns]
    out = rows[cols].copy()
    out["score"] = rows[score_col(theme_id)].round(3)
    out["stance"] = rows[stance_col(theme_id)]
    out["evidence"] = rows[evidence_col(theme_id)].map(evidence_text)
    return out.reset_index(drop=True)


def methods_table(data: ReportData, manifest: dict[str, Any]) -> pd.DataFrame:
    """Key/value rows: codebook, tagger (with its measured accuracy), counts, conservation."""
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
    rows += [(f"conservation {k}", v) for k, v in (cons.get("total", {}) or {}).items()]
    rows.append(("conservation holds", cons.get("holds", "")))
    rows += [(f"codebook version of wave {w}", v) for w, v in data.codebook_by_wave.items()]
    rows.append(("run at (UTC)", manifest.get("created_utc", "")))
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


def write_report_xlsx(
    path: str | Path,
    data: ReportData,
    tagged: pd.DataFrame,
    *,
    manifest: dict[str, Any],
    topics: pd.DataFrame,
    candidates: pd.DataFrame | None,
) -> Path:
    """Write ``report.xlsx`` atomically and return its path."""
    summary = data.headline.copy()
    if not summary.empty:
        summary["summary"] = [data.sentences[t][0] for t in summary["theme"]]
    groups = pd.concat(
        [
            data.by_type.rename(columns={RESPONDENT_TYPE: "group"}).assign(by=RESPONDENT_TYPE),
            data.by_site.rename(columns={SITE: "group"}).assign(by=SITE),
        ],
        ignore_index=True,
    )
    sheets: dict[str, pd.DataFrame] = {"Summary": summary}
    names = theme_sheet_names(list(data.labels))
    for t, name in names.items():
        sheets[name] = theme_quotes(tagged, t)
    sheets |= {
        "By group": groups,
        "Trends": data.trend,
        "Changes": pd.concat([data.changes, data.changes_by_type], ignore_index=True),
        "Stance": data.stance,
        "Co-occurrence": data.cooccurrence,
        "Topics": topics,
        "Candidates": candidates if candidates is not None else pd.DataFrame(),
        "Methods": methods_table(data, manifest),
    }
    return io.write_xlsx({k: _cellify(v) for k, v in sheets.items()}, path)
