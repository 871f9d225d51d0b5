"""The wave-level steps of a run (topics, report, review, store) as plain functions.

:func:`cls_text.run.wave.run_wave` calls them on the staged partition, and the Prefect flow
passes task-wrapped versions of the same functions (``flows/tasks.py``). The heavy modules
(BERTopic, plotly) are imported inside the functions so that a run without topics or report
never pays for them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from cls_text import schema as S
from cls_text.codebook.model import Codebook
from cls_text.config import PipelineConfig


def find_topics(
    tagged: pd.DataFrame,
    cb: Codebook,
    cfg: PipelineConfig,
    tagger: object,
    evidence: S.EvidenceCells | None = None,
) -> Any:
    """Emergent topics and candidate new themes, sharing the tagger's embedding cache."""
    from cls_text.topics import TopicConfig, tagger_embedder, wave_topics

    topic_cfg, embedder = TopicConfig(**cfg.topics), tagger_embedder(tagger)
    return wave_topics(tagged, cb, cfg=topic_cfg, embedder=embedder, evidence=evidence)


def write_topics(result: Any, out_dir: Path) -> dict[str, Path]:
    """Write ``topics/`` (tables, candidates, model with its card)."""
    from cls_text.topics import write_topic_outputs

    return write_topic_outputs(result, out_dir)


def candidate_quotes(topics: Any) -> pd.DataFrame | None:
    """Quote ids of candidate new themes' examples, for the review queue."""
    cands = getattr(topics, "candidates", None)
    if cands is None or cands.empty:
        return None
    rows = [
        {S.QUOTE_ID: qid, "candidate": str(label)}
        for label, ids in zip(cands["candidate"], cands["example_quote_ids"], strict=True)
        for qid in str(ids).split(";")
        if qid
    ]
    return pd.DataFrame(rows) if rows else None


def write_review_files(
    tagged: pd.DataFrame,
    cb: Codebook,
    cfg: PipelineConfig,
    topics: Any,
    out_dir: Path,
    coded_dir: str | Path | None = None,
) -> dict[str, Path]:
    """Write ``review.xlsx``/``review.csv``: the uncertainty queue and the blind audit sample.

    Quotes of this wave whose earlier coding a codebook split made ambiguous (in the
    coded-examples store at ``coded_dir``) head the queue, rather than being guessed.
    """
    from cls_text.review.queue import write_review

    return write_review(
        tagged,
        cb,
        out_dir,
        candidates=candidate_quotes(topics),
        rereview=rereview_quotes(coded_dir, tagged, cb),
        **cfg.review,
    )


def rereview_quotes(
    coded_dir: str | Path | None, tagged: pd.DataFrame, cb: Codebook
) -> pd.DataFrame | None:
    """This wave's quotes to re-review after a codebook split (None when there are none)."""
    from cls_text.codebook.versions import rereview_queue

    decisions = _wave_decisions(coded_dir, tagged)
    queue = rereview_queue(decisions, cb) if not decisions.empty else None
    return queue if queue is not None and not queue.empty else None


def _wave_decisions(coded_dir: str | Path | None, tagged: pd.DataFrame) -> pd.DataFrame:
    """Reviewers' latest decisions on this wave's quotes (empty without a store)."""
    if not coded_dir or not Path(coded_dir).exists():
        return pd.DataFrame(columns=[S.QUOTE_ID])
    from cls_text.io.coded import latest_decisions

    decisions = latest_decisions(coded_dir)
    if decisions.empty:
        return decisions
    return decisions[decisions[S.QUOTE_ID].isin(set(tagged[S.QUOTE_ID]))]


def agreement(coded_dir: str | Path | None, tagged: pd.DataFrame, cb: Codebook) -> dict[str, Any]:
    """Tagger-vs-reviewer (and reviewer-vs-reviewer) agreement on this wave's audited quotes.

    Only quotes a reviewer actually coded count; unreviewed quotes are never agreement.
    Returns ``{}`` when no reviewed quote of this wave is in the coded-examples store.
    """
    decisions = _wave_decisions(coded_dir, tagged)
    if decisions.empty:
        return {}
    from cls_text.review.agreement import agreement_summary, format_methods

    summary = agreement_summary(decisions, tagged, cb)
    return {"agreement": summary, "agreement_methods": format_methods(summary)}


def write_report(
    tagged: pd.DataFrame,
    cb: Codebook,
    manifest: dict[str, Any],
    history: pd.DataFrame | None,
    topics: Any,
    out_dir: Path,
    evidence: S.EvidenceCells | None = None,
) -> dict[str, Path]:
    """Write ``report.html``, ``report.xlsx`` and ``report.md``."""
    from cls_text.report import build_report

    paths = build_report(
        tagged,
        codebook=cb,
        manifest=manifest,
        history=history,
        topics=getattr(topics, "topics", None),
        candidates=getattr(topics, "candidates", None),
        out_dir=out_dir,
        evidence=evidence,
    )
    return {f"report_{k}": v for k, v in paths.items()}


def update_store(tagged_parquet: Path, store_dir: str | Path, wave: str, cb: Codebook) -> Path:
    """Replace this wave's partition of the cumulative store with the published table."""
    from cls_text.io.store import append_wave_file

    return append_wave_file(tagged_parquet, store_dir, wave=wave, codebook_summary=cb.summary())


def manifest_extras(topics: Any) -> dict[str, Any]:
    """What the manifest says about the topics step."""
    if topics is None:
        return {}
    res = topics.topics
    return {
        "topics": {
            "n_topics": int(len(res.topics)),
            "too_little_text": bool(res.too_little_text),
            "message": res.message,
            "n_candidates": int(len(topics.candidates)),
            "params": topics.params,
        }
    }


def relative_output(path: str | Path, staging: Path, final: Path) -> str:
    """Where an output written into the staging folder lands once published."""
    p = Path(path)
    try:
        return str(final / p.relative_to(staging))
    except ValueError:
        return str(p)
