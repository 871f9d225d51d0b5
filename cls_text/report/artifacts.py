"""What a wave run publishes in Prefect's UI, as plain values (the flow only hands them over).

:func:`run_artifacts` returns a markdown summary (counts that say what they count, the
conservation line, prevalence with 95% intervals and change), a prevalence-by-group table and
one link per output file. Nothing here imports Prefect: a flow passes the payload to
``create_markdown_artifact``, ``create_table_artifact`` and ``create_link_artifact``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from cls_text.codebook.model import Codebook
from cls_text.report.counts import conservation_line, lede
from cls_text.report.summary import MIN_BASE, ReportData, compute_report_data, pct
from cls_text.schema import RESPONDENT_TYPE, SITE, TEXT, evidence_col

#: What each output is, for the link artifacts' descriptions.
OUTPUT_DESCRIPTIONS = {
    "tagged_parquet": "Tagged answers (Parquet: exact text, for duckdb/polars)",
    "tagged_csv": "Tagged answers (CSV)",
    "tagged_xlsx": "Tagged answers (Excel)",
    "quarantine_csv": "Rows set aside, with the reason",
    "manifest": "Run manifest: inputs, codebook, tagger, counts, conservation",
    "report_html": "The report (opens in any browser, no network needed)",
    "report_xlsx": "The report's tables (Excel)",
    "report_md": "The report (Markdown)",
    "review_xlsx": "Review queue and blind audit sample (Excel)",
    "review_csv": "Review queue and blind audit sample (CSV)",
    "topics_csv": "Emergent topics in the sentences no theme explains",
    "quote_topics_csv": "Topic of each residual sentence",
    "candidates_csv": "Candidate new themes, with example sentences",
    "topics_json": "Topic step settings and counts",
    "model": "Saved topic model (safetensors)",
}


@dataclass(frozen=True, slots=True)
class Link:
    """One link artifact: ``key`` is kebab-case, as Prefect's artifact keys must be."""

    key: str
    url: str
    text: str
    description: str


@dataclass(frozen=True, slots=True)
class ArtifactPayload:
    """The artifacts of one wave run.

    Attributes:
        markdown: Summary for ``create_markdown_artifact``.
        prevalence: Rows for ``create_table_artifact`` (prevalence by respondent type and
            site, shares and interval bounds in percent, one decimal).
        links: One per output file, for ``create_link_artifact``.
    """

    markdown: str
    prevalence: list[dict[str, Any]]
    links: list[Link]


def artifact_key(name: str) -> str:
    """A valid Prefect artifact key from any name ("tagged_xlsx" -> "tagged-xlsx")."""
    key = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return key or "output"


def summary_markdown(data: ReportData, manifest: Mapping[str, Any]) -> str:
    """Counts, the conservation line and every theme's prevalence with its interval."""
    totals = (manifest.get("conservation", {}) or {}).get("total", {}) or {}
    changes = data.changes.set_index("theme") if not data.changes.empty else None
    lines = [f"# Wave {data.wave}", "", lede(data.counts, totals)]
    if cons := conservation_line(totals, non_english=data.counts.get("non_english_untagged", 0)):
        holds = (manifest.get("conservation", {}) or {}).get("holds")
        lines += ["", f"**Conservation:** {cons}" + (" Holds." if holds else "")]
    lines += [
        "",
        "| Theme | Share of respondents | 95% CI | Respondents | Change |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in data.overall.itertuples(index=False):
        ch = "" if changes is None or r.theme not in changes.index else changes.loc[r.theme]
        change = "" if isinstance(ch, str) else f"{100 * float(ch['change']):+.1f} pts"
        if not isinstance(ch, str) and bool(ch["significant"]):
            change += " (significant)"
        lines.append(
            f"| {data.labels.get(r.theme, r.theme)} | {pct(r.share_resp)} | "
            f"{pct(r.ci_low)}–{pct(r.ci_high)} | {r.k_resp} of {r.n_resp} | {change} |"
        )
    lines += ["", "Shares are of respondents with at least one substantive answer."]
    return "\n".join(lines) + "\n"


def prevalence_rows(data: ReportData, *, min_base: int = MIN_BASE) -> list[dict[str, Any]]:
    """Prevalence by respondent type and site; groups below ``min_base`` show counts only."""
    rows = []
    for by, frame in ((RESPONDENT_TYPE, data.by_type), (SITE, data.by_site)):
        if frame.empty or by not in frame.columns:
            continue
        for r in frame.to_dict("records"):
            small = int(r["n_resp"]) < min_base
            rows.append(
                {
                    "theme": data.labels.get(r["theme"], r["theme"]),
                    "by": by.replace("_", " "),
                    "group": str(r[by]),
                    "respondents raising it": int(r["k_resp"]),
                    "respondents answering": int(r["n_resp"]),
                    "share %": None if small else round(100 * float(r["share_resp"]), 1),
                    "95% CI low %": None if small else round(100 * float(r["ci_low"]), 1),
                    "95% CI high %": None if small else round(100 * float(r["ci_high"]), 1),
                }
            )
    return rows


def output_links(outputs: Mapping[str, str | Path]) -> list[Link]:
    """One link per output file that exists (``file://`` URLs, as the files are local)."""
    links = []
    for name, path in sorted(outputs.items()):
        p = Path(path)
        if not p.exists():
            continue
        links.append(
            Link(
                key=artifact_key(name),
                url=p.resolve().as_uri(),
                text=p.name,
                description=OUTPUT_DESCRIPTIONS.get(name, name.replace("_", " ")),
            )
        )
    return links


def artifact_columns(columns: list[str], codebook: Codebook) -> list[str]:
    """The tagged table's columns the run's artifacts read: all but the text and the evidence.

    The figures come from the theme, stance, group and flag columns; the answers' words and
    their evidence (two thirds of a tagged table's bytes in memory) are not read back for them.
    """
    skip = {TEXT} | {evidence_col(t) for t in codebook.theme_ids()}
    return [c for c in columns if c not in skip]


def run_artifacts(
    tagged: pd.DataFrame,
    codebook: Codebook,
    manifest: Mapping[str, Any],
    outputs: Mapping[str, str | Path],
    *,
    history: pd.DataFrame | None = None,
    min_base: int = MIN_BASE,
) -> ArtifactPayload:
    """Build everything a wave run publishes: summary, prevalence by group, output links.

    Args:
        tagged: The wave's tagged long table.
        codebook: The codebook it was tagged with.
        manifest: The wave's manifest (``conservation`` gives the conservation line).
        outputs: Output name -> path (e.g. the manifest's ``outputs``).
        history: Earlier waves, for the change column (None: no change shown).
        min_base: Groups with fewer respondents show counts but no percentages.

    Examples:
        >>> payload = run_artifacts(tagged, cb, manifest, manifest["outputs"])  # doctest: +SKIP
        >>> create_markdown_artifact(payload.markdown, key="wave-summary")  # doctest: +SKIP
    """
    data = compute_report_data(tagged, codebook, history, min_base=min_base)
    return ArtifactPayload(
        markdown=summary_markdown(data, manifest),
        prevalence=prevalence_rows(data, min_base=min_base),
        links=output_links(outputs),
    )
