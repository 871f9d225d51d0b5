"""``report.md`` and the Markdown tables the flow publishes as Prefect artifacts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from cls_text.report.comparison import column_notes, comparison_sentence, untested_sentence
from cls_text.report.counts import lede
from cls_text.report.summary import ReportData, pct, significance_word
from cls_text.report.tables import frame_to_markdown


def headline_markdown(data: ReportData) -> str:
    """The headline table (one row per theme) as a Markdown table."""
    if data.headline.empty:
        return "_No themes to report._"
    return frame_to_markdown(data.headline.drop(columns=["theme"]))


def changes_table(data: ReportData) -> pd.DataFrame:
    """Changes since the previous wave in readable form (empty for a first wave)."""
    if data.changes.empty:
        return pd.DataFrame(columns=["theme", "before", "now", "change", "p (FDR)", "significant"])
    ch = data.changes
    return pd.DataFrame(
        {
            "theme": [data.labels.get(t, t) for t in ch["theme"]],
            "before": [
                f"{pct(s)} ({w})"
                for s, w in zip(ch["previous_share"], ch["previous_wave"], strict=True)
            ],
            "now": ch["share"].map(pct),
            "change": [f"{100 * c:+.0f} pts" for c in ch["change"]],
            "p (FDR)": ch["p_adjusted"].map(lambda p: "" if pd.isna(p) else f"{p:.3f}"),
            "significant": [significance_word(row) for _, row in ch.iterrows()],
        }
    )


def render_markdown(
    data: ReportData,
    *,
    title: str = "Community Led Support feedback",
    html_name: str = "report.html",
    methods: str = "",
    manifest: Mapping[str, Any] | None = None,
    accuracy: str = "",
) -> str:
    """The report as Markdown for pasting into a document: headline, sentences, changes.

    With the run's ``manifest``, it ends with the agreement with reviewers (unless
    ``methods`` is given) and how each input file's columns were read.
    """
    c = data.counts
    methods = methods or str((manifest or {}).get("agreement_methods", "") or "")
    lines = [
        f"# {title}: {data.wave}",
        "",
        f"{lede(c, {})} Ranges are 95% intervals. Interactive charts: [{html_name}]({html_name}).",
        "",
        comparison_sentence(data),
        "",
        "## Headline findings",
        "",
        headline_markdown(data),
        "",
        "## Change since the previous wave",
        "",
    ]
    if data.changes.empty:
        lines.append("This is the first wave, so there is no change to report.")
    else:
        lines += [
            frame_to_markdown(changes_table(data)),
            "",
            "Significant = passes a two-proportion z-test after Benjamini–Hochberg "
            "correction (5%).",
        ]
        if untested := untested_sentence(data):
            lines += ["", untested]
    lines += ["", "## Each theme", ""]
    for t, sentences in data.sentences.items():
        lines += [f"### {data.labels[t]}", ""] + [f"- {s}" for s in sentences] + [""]
    if accuracy:
        lines += ["## Accuracy on real quotes", "", accuracy, ""]
    if methods:
        lines += ["## Agreement with reviewers", "", methods, ""]
    if notes := column_notes(manifest or {}):
        lines += ["## Columns read", ""] + [f"- {name}: {note}" for name, note in notes] + [""]
    return "\n".join(lines).rstrip() + "\n"
