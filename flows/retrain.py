"""The retrain flow: a new model version from reviewers' decisions, promoted only if not worse."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from cls_text.codebook.model import Codebook, load_codebook
from cls_text.review.retrain import (
    PromotionRule,
    RetrainResult,
    adapted_candidate,
    in_use_tagger,
    retrain_and_save,
)


@task(cache_policy=NO_CACHE)
def train_and_compare(
    coded_dir: str, cb: Codebook, models_dir: str, name: str, rule: PromotionRule
) -> tuple[RetrainResult, Path]:
    """The candidate learns on top of the tagger in use and is compared with the current one."""
    base, base_name = in_use_tagger(cb)
    return retrain_and_save(
        coded_dir, cb, models_dir, name, adapted_candidate(base), rule=rule, in_use=base,
        in_use_name=base_name,
    )  # fmt: skip


@flow(name="retrain")
def retrain_model(
    name: str,
    codebook: str | None = None,
    models_dir: str = "models",
    coded_dir: str = "data/coded",
    max_drop: float = 0.02,
) -> dict[str, Any]:
    """Train a candidate from the coded-examples store, compare, promote or refuse."""
    logger = get_run_logger()
    cb = load_codebook(codebook)
    rule = PromotionRule(max_drop=max_drop)
    result, vdir = train_and_compare(coded_dir, cb, models_dir, name, rule)
    decision = result.decision
    summary = {
        "model": name,
        "version": vdir.name,
        "promoted": decision.promote,
        "reason": decision.reason,
        "current_metric": decision.current,
        "candidate_metric": decision.candidate,
        "themes_adapted": _adapted(result.candidate),
    }
    logger.info(
        "retrain %s: %s (%s)", name, "promoted" if decision.promote else "refused", decision.reason
    )
    create_markdown_artifact(
        key="retrain-decision",
        markdown=f"# Retrain {name} {vdir.name}\n\n"
        + "\n".join(f"- **{k}**: {v}" for k, v in summary.items()),
    )
    return summary


def _adapted(candidate: Any) -> dict[str, str]:
    """Per theme: whether the candidate learned it or kept the tagger in use, and why."""
    report = getattr(candidate, "report_", {}) or {}
    return {t: str(v.get("decision", "")) for t, v in report.items()}
