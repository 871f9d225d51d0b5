"""Retraining from the coded-examples store: train a candidate, compare, decide promotion.

The library side of the ``retrain`` flow. The flow (in ``flows/``) loads the current model,
calls :func:`retrain`, and saves the candidate as a new model version through
:mod:`cls_text.io.artifacts` with :func:`card_section` in its model card, whether or not it is
promoted: old versions stay loadable, and only the *promoted* pointer moves.

Honest comparison needs quotes neither model trained on. The held-out set is chosen by a
hash of the quote id (:func:`holdout_mask`), not at random per run, so a quote held out once
stays held out in every later retrain and never leaks into training. The promotion rule is
data (:class:`PromotionRule`, from config): by default the candidate is promoted when its
macro-F1 on the held-out reviewed quotes is not lower than the current model's by more than
``max_drop`` (0.02), a margin for noise; the paired bootstrap interval of the difference is
reported alongside so evaluators can see how noisy the comparison was.

A first model is compared with **the tagger in use** (the shipped default tagger, or zero-shot
for a user's own codebook) on the same held-out quotes: a first model worse than that is saved
but not promoted, and the decision's reason says so.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from cls_text import schema as S
from cls_text.codebook.model import Codebook
from cls_text.codebook.versions import NEEDS_REVIEW, map_decisions
from cls_text.io import coded as cs
from cls_text.io.model_versions import promoted_version
from cls_text.review.evaluate import evaluate_tags

Metric = Literal["macro_f1", "micro_f1", "samples_f1", "macro_f1_min", "mean_kappa"]


class PromotionRule(BaseModel):
    """When a candidate model replaces the current one (user config, validated)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    metric: Metric = "macro_f1"
    #: Largest drop of ``metric`` still treated as noise.
    max_drop: float = Field(default=0.02, ge=0.0, le=1.0)
    #: Fewer held-out reviewed quotes than this: no promotion (the comparison is too noisy).
    min_test_size: int = Field(default=30, ge=1)
    #: Share of reviewed quotes held out for the comparison.
    test_fraction: float = Field(default=0.25, gt=0.0, lt=1.0)
    #: Promote the first model when there is no current one.
    promote_if_no_current: bool = True


@dataclass(frozen=True, slots=True)
class Decision:
    """The promotion decision and the figures it rests on."""

    promote: bool
    reason: str
    metric: str
    current: float | None
    candidate: float
    delta: float | None
    delta_ci: tuple[float, float] | None
    n_test: int


def decide_promotion(
    current_metrics: dict[str, Any] | None,
    candidate_metrics: dict[str, Any],
    rule: PromotionRule,
    *,
    delta_ci: tuple[float, float] | None = None,
    baseline: str | None = None,
) -> Decision:
    """Apply the promotion rule to two sets of held-out figures (pure; no models involved).

    Args:
        current_metrics: :func:`cls_text.review.evaluate.evaluate_tags` output for the current
            model on the held-out quotes, or None when there is no current model.
        candidate_metrics: The same for the candidate.
        rule: The promotion rule.
        delta_ci: Bootstrap interval of candidate minus current, reported only.
        baseline: Name of the tagger in use that ``current_metrics`` come from when there is
            no current trained model (e.g. ``"default"``, ``"zeroshot"``); None: a model.
    """
    n = int(candidate_metrics.get("n", 0))
    cand = float(candidate_metrics[rule.metric])
    if n < rule.min_test_size:
        return Decision(False, f"only {n} held-out reviewed quotes (rule needs "
                        f"{rule.min_test_size}): not promoted", rule.metric,
                        None if current_metrics is None else float(current_metrics[rule.metric]),
                        cand, None, delta_ci, n)  # fmt: skip
    if current_metrics is None:
        ok = rule.promote_if_no_current
        why = "no current model" + (": promoted" if ok else ": not promoted (rule)")
        return Decision(ok, why, rule.metric, None, cand, None, delta_ci, n)
    cur = float(current_metrics[rule.metric])
    delta = round(cand - cur, 4)
    ok = delta >= -rule.max_drop
    against = f"no current model; compared with the tagger in use ({baseline}): "
    against = against if baseline else ""
    why = against + (
        f"{rule.metric} {cand:.3f} vs {cur:.3f} (change {delta:+.3f}; allowed drop "
        f"{rule.max_drop:.3f}): " + ("promoted" if ok else "not promoted, worse beyond noise")
    )
    return Decision(ok, why, rule.metric, cur, cand, delta, delta_ci, n)


def holdout_mask(quote_ids: pd.Series, fraction: float, *, salt: str = "cls-text") -> np.ndarray:
    """Stable held-out choice: a quote is held out iff its salted hash falls below ``fraction``."""

    def unit(qid: object) -> float:
        h = hashlib.sha256(f"{salt}|{qid}".encode()).digest()
        return int.from_bytes(h[:8], "big") / 2**64

    return np.array([unit(q) < fraction for q in quote_ids], dtype=bool)


def training_data(store_dir: str | Path, codebook: Codebook) -> pd.DataFrame:
    """Reviewed quotes as one row per quote: ``quote_id``, ``text``, one 0/1 column per theme.

    Uses the latest decision of each reviewer, carried to the codebook's version; decisions a
    split made ambiguous are left out until re-reviewed. Several reviewers on one quote are
    combined by majority (a tie counts as the theme applying: a reviewer saw it).
    """
    ids = codebook.theme_ids()
    latest = cs.latest_decisions(store_dir)
    if latest.empty:
        return pd.DataFrame(columns=[S.QUOTE_ID, S.TEXT, *ids])
    mapped = map_decisions(latest, codebook)
    mapped = mapped[~mapped[NEEDS_REVIEW]]
    rows = []
    for _, r in mapped.iterrows():
        ticked = set(cs.split_themes(r[S.THEMES]))
        rows.append({S.QUOTE_ID: r[S.QUOTE_ID], S.TEXT: r[S.TEXT]} | {
            t: int(t in ticked) for t in ids})  # fmt: skip
    df = pd.DataFrame(rows, columns=[S.QUOTE_ID, S.TEXT, *ids])
    texts = df.groupby(S.QUOTE_ID, sort=True)[S.TEXT].last()
    votes = (df.groupby(S.QUOTE_ID, sort=True)[ids].mean() >= 0.5).astype(int)
    return votes.assign(**{S.TEXT: texts}).reset_index()[[S.QUOTE_ID, S.TEXT, *ids]]


def _predict(model: Any, texts: pd.DataFrame, ids: list[str]) -> np.ndarray:
    pred = np.asarray(model.predict(texts))
    classes = [str(c) for c in model.classes_]
    out = np.zeros((len(texts), len(ids)), dtype=int)
    for j, t in enumerate(ids):
        if t in classes:
            out[:, j] = pred[:, classes.index(t)]
    return out


def _metric(y: np.ndarray, p: np.ndarray, ids: list[str], metric: str, min_support: int) -> float:
    return float(evaluate_tags(y, p, ids, min_support=min_support)[metric])


@dataclass(frozen=True, slots=True)
class RetrainResult:
    """A trained candidate, both models' held-out figures and the decision."""

    candidate: Any
    decision: Decision
    current_metrics: dict[str, Any] | None
    candidate_metrics: dict[str, Any]
    n_train: int
    n_test: int
    test_quote_ids: tuple[str, ...]


def retrain(
    store_dir: str | Path,
    codebook: Codebook,
    make_candidate: Callable[[list[str]], Any],
    *,
    current: Any | None = None,
    in_use: Any | None = None,
    in_use_name: str = "tagger in use",
    rule: PromotionRule | None = None,
    min_support: int = 5,
    n_boot: int = 500,
    seed: int = 0,
) -> RetrainResult:
    """Train a candidate on reviewed quotes, compare it with ``current`` on held-out ones.

    Args:
        store_dir: The coded-examples store.
        codebook: The current codebook (decisions are mapped to it).
        make_candidate: Builds an unfitted estimator for the theme ids, e.g.
            ``lambda ids: SupervisedTagger(classes=ids)``.
        current: The current fitted model, or None.
        in_use: When there is no current model: the fitted tagger runs use instead (default
            or zero-shot), which the candidate must then beat (within ``max_drop``).
        in_use_name: Its name in the decision's reason.
        rule: The promotion rule (default :class:`PromotionRule`).
        min_support: ``min_support`` of :func:`evaluate_tags` (for ``macro_f1_min``).
        n_boot: Paired bootstrap resamples for the interval of the difference (0: none).
        seed: Bootstrap seed.

    Raises:
        ValueError: No reviewed quotes to train on.
    """
    rule = rule or PromotionRule()
    ids = codebook.theme_ids()
    data = training_data(store_dir, codebook)
    if data.empty:
        raise ValueError(f"the coded-examples store '{store_dir}' has no reviewed quotes")
    test = holdout_mask(data[S.QUOTE_ID], rule.test_fraction)
    train_df, test_df = data[~test], data[test]
    candidate = make_candidate(ids)
    candidate.fit(train_df[[S.TEXT]], train_df[ids].to_numpy())
    y = test_df[ids].to_numpy()
    p_cand = _predict(candidate, test_df[[S.TEXT]], ids)
    cand_m = evaluate_tags(y, p_cand, ids, min_support=min_support)
    cur_m, ci = None, None
    baseline = None
    if current is None and in_use is not None:
        current, baseline = in_use, in_use_name
    if current is not None:
        p_cur = _predict(current, test_df[[S.TEXT]], ids)
        cur_m = evaluate_tags(y, p_cur, ids, min_support=min_support)
        if n_boot and len(y):
            rng = np.random.default_rng(seed)
            deltas = []
            for _ in range(n_boot):
                i = rng.integers(0, len(y), len(y))
                deltas.append(
                    _metric(y[i], p_cand[i], ids, rule.metric, min_support)
                    - _metric(y[i], p_cur[i], ids, rule.metric, min_support)
                )
            lo, hi = np.quantile(deltas, [0.025, 0.975])
            ci = (round(float(lo), 4), round(float(hi), 4))
    decision = decide_promotion(cur_m, cand_m, rule, delta_ci=ci, baseline=baseline)
    return RetrainResult(
        candidate=candidate,
        decision=decision,
        current_metrics=cur_m,
        candidate_metrics=cand_m,
        n_train=int((~test).sum()),
        n_test=int(test.sum()),
        test_quote_ids=tuple(str(q) for q in test_df[S.QUOTE_ID]),
    )


def card_section(result: RetrainResult, rule: PromotionRule | None = None) -> dict[str, Any]:
    """The ``retrain`` block of the candidate's model card: rule, decision, both figures."""
    return {
        "rule": (rule or PromotionRule()).model_dump(),
        "decision": asdict(result.decision),
        "n_train": result.n_train,
        "n_test": result.n_test,
        "held_out": "quotes whose salted sha256 of quote_id falls below test_fraction",
        "current_metrics": result.current_metrics,
        "candidate_metrics": result.candidate_metrics,
    }


def training_sha256(data: pd.DataFrame) -> str:
    """sha256 of the training data (canonical JSON of the rows): what the model card records."""
    rows = data.sort_values(S.QUOTE_ID).to_dict("records")
    canonical = json.dumps(rows, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def retrain_and_save(
    store_dir: str | Path,
    codebook: Codebook,
    models_dir: str | Path,
    name: str,
    make_candidate: Callable[[list[str]], Any],
    *,
    rule: PromotionRule | None = None,
    in_use: Any | None = "auto",
    in_use_name: str | None = None,
    n_boot: int = 500,
    seed: int = 0,
) -> tuple[RetrainResult, Path]:
    """Retrain ``name`` from the store, save the candidate as a new version, promote if due.

    The current model (if any) is loaded *without* the codebook check: after a codebook change
    it was trained on other theme ids, and it is scored on the themes it knows (others count
    as never tagged), which is exactly how it would perform if kept. The candidate is saved
    either way (versions are never lost); ``current`` moves only when the rule says so.

    Args:
        in_use: With no current version: the tagger runs use instead, to compare a first model
            with; ``"auto"`` picks it as a run would (:func:`in_use_tagger`); None: no
            comparison (the rule's ``promote_if_no_current`` decides).
        in_use_name: Its name in the decision (default: its class name).

    Returns:
        The :class:`RetrainResult` and the candidate's version directory.
    """
    from cls_text.io import artifacts

    rule = rule or PromotionRule()
    current, current_version = None, None
    current_version = promoted_version(models_dir, name)
    if current_version is not None:
        current = artifacts.load_model(models_dir, name, version=current_version)
    baseline, baseline_name = None, "tagger in use"
    if current is None and isinstance(in_use, str) and in_use == "auto":
        baseline, baseline_name = in_use_tagger(codebook)
    elif current is None and in_use is not None:
        baseline, baseline_name = in_use, in_use_name or type(in_use).__name__
    result = retrain(
        store_dir, codebook, make_candidate, current=current, in_use=baseline,
        in_use_name=baseline_name, rule=rule, n_boot=n_boot, seed=seed,
    )  # fmt: skip
    params = result.candidate.get_params() if hasattr(result.candidate, "get_params") else {}
    compared = current_version or (baseline_name if baseline is not None else None)
    section = card_section(result, rule) | {"compared_with": compared}
    vdir = artifacts.save_model(
        result.candidate,
        models_dir,
        name,
        codebook=codebook,
        train_sha256=training_sha256(training_data(store_dir, codebook)),
        cv_metrics=getattr(result.candidate, "cv_metrics_", None),
        params=params,
        extra={"retrain": section},
        make_current=result.decision.promote,
    )
    return result, vdir


def in_use_tagger(codebook: Codebook) -> tuple[Any | None, str]:
    """The tagger a run uses when no trained model exists: default, else zero-shot, else rules."""
    from cls_text.tag.select import untrained_tagger

    tagger, info = untrained_tagger(codebook)
    return tagger, str(info["kind"])


def adapted_candidate(base: Any) -> Callable[[list[str]], Any]:
    """A candidate factory that learns on top of ``base`` (the tagger in use).

    The candidate (:class:`cls_text.tag.adapt.AdaptedTagger`) uses the base's scores as a
    prior and keeps the base's decision for every theme with too few coded positives or no
    cross-validated gain, so a reviewer's corrections cannot make a theme worse than the
    tagger runs already use.
    """
    from cls_text.tag.adapt import AdaptedTagger

    def make(theme_ids: list[str]) -> Any:
        classes = [str(c) for c in base.classes_]
        if classes != list(theme_ids):
            raise ValueError(f"base tagger themes {classes} are not the codebook's {theme_ids}")
        return AdaptedTagger(base=base)

    return make
