"""The wave report: ``report.html``, ``report.xlsx`` and ``report.md`` from one set of figures.

:func:`build_report` is the entry point the flow calls. The pieces are importable on their
own: :func:`compute_report_data` (all numbers), :func:`theme_sentence` (generated summary
sentences), :func:`headline_markdown` / :func:`changes_table` (for Prefect artifacts).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from cls_text import io
from cls_text.codebook.model import Codebook
from cls_text.report.accuracy import accuracy_methods
from cls_text.report.examples import attribute_quotes, evidence_text, example_quotes
from cls_text.report.figures import report_figures, topic_table
from cls_text.report.html import render_html
from cls_text.report.markdown import changes_table, headline_markdown, render_markdown
from cls_text.report.summary import (
    MIN_BASE,
    ReportData,
    compute_report_data,
    pct,
    theme_sentence,
)
from cls_text.report.xlsx import write_report_xlsx
from cls_text.schema import EvidenceCells

__all__ = [
    "ReportData",
    "build_report",
    "changes_table",
    "compute_report_data",
    "evidence_text",
    "example_quotes",
    "headline_markdown",
    "pct",
    "render_markdown",
    "report_figures",
    "theme_sentence",
]


def build_report(
    tagged: pd.DataFrame,
    *,
    codebook: Codebook,
    manifest: dict[str, Any],
    history: pd.DataFrame | None = None,
    topics: object | None = None,
    candidates: pd.DataFrame | None = None,
    quotes: dict[str, pd.DataFrame] | None = None,
    out_dir: str | Path,
    title: str = "Community Led Support feedback",
    min_base: int = MIN_BASE,
    evidence: EvidenceCells | None = None,
) -> dict[str, Path]:
    """Write ``report.html``, ``report.xlsx`` and ``report.md`` for one wave.

    Args:
        tagged: This wave's tagged long table (exactly one wave; text already redacted).
        codebook: The codebook it was tagged with.
        manifest: The wave's manifest (codebook, tagger and its accuracy, conservation).
        history: Earlier waves, e.g. ``cls_text.io.store.read_store(store_dir)``; rows of this
            wave in it are ignored (``tagged`` wins). None for no trends.
        topics: A ``cls_text.topics.TopicResult`` or a topic table DataFrame, or None.
        candidates: Candidate new themes (``cls_text.topics.candidate_themes``), or None.
        quotes: Theme id -> example quotes (a frame with ``text``). Themes not in it use
            ``cls_text.report.quotes.select_quotes`` when that module exists.
        out_dir: Folder to write into (created if missing).
        title: Page title.
        min_base: Smallest group (respondents) for which a summary sentence states a
            percentage; smaller groups get "too few answered" instead.
        evidence: Where the evidence cells are read (None: the table's evidence columns).

    Returns:
        ``{"html": ..., "xlsx": ..., "md": ...}`` paths.

    Raises:
        ValueError: ``tagged`` holds no wave or several, or lacks a codebook theme column.

    Examples:
        >>> paths = build_report(tagged, codebook=cb, manifest=m, out_dir=d)  # doctest: +SKIP
    """
    data = compute_report_data(tagged, codebook, history, min_base=min_base)
    # The page and the workbook show the same run facts, topics and candidate themes.
    shared: dict[str, Any] = {
        "manifest": manifest,
        "topics": topic_table(topics),
        "candidates": candidates,
    }
    page = render_html(
        data,
        figures=report_figures(data, topics, candidates),
        definitions={t.id: t.definition for t in codebook.themes},
        quotes=_theme_examples(tagged, data, quotes, min_base, evidence),
        title=title,
        **shared,
    )
    out = Path(out_dir)
    accuracy = accuracy_methods(manifest)
    return {
        "html": io.write_text_atomic(out / "report.html", page),
        "xlsx": write_report_xlsx(out / "report.xlsx", data, tagged, evidence=evidence, **shared),
        "md": io.write_text_atomic(
            out / "report.md",
            render_markdown(data, title=title, accuracy=accuracy, manifest=manifest),
        ),
    }


def _theme_examples(
    tagged: pd.DataFrame,
    data: ReportData,
    quotes: dict[str, pd.DataFrame] | None,
    min_base: int,
    evidence: EvidenceCells | None,
) -> dict[str, pd.DataFrame]:
    """Example quotes per theme, each attributed only where its group is large enough."""
    return {
        t: attribute_quotes(
            example_quotes(tagged, t, quotes, evidence=evidence), tagged, min_base=min_base
        )
        for t in data.labels
    }
