"""The zero-shot tagger's combination: features, weights, their shipped defaults, thresholds.

Per quote and theme the features are combined by a small logistic model whose weights and
per-theme thresholds ship as data; this module reads them, checks weights given by hand, and
tunes both on coded quotes. See :mod:`cls_text.tag.zeroshot`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from importlib import resources

import numpy as np
import yaml

from cls_text.codebook.model import Codebook

#: Features of the combination, in the order of the weight vector.
FEATURES = (
    "definition",
    "terms",
    "examples",
    "exclusion",
    "margin",
    "centred",
    "unit_margin",
    "rules",
    "question",
    "length",
)
#: Tuned weights and thresholds per codebook id, shipped next to the default codebook.
DEFAULTS_FILE = "cls_default.zeroshot.yaml"
#: The entry whose weights a codebook without its own entry borrows.
DEFAULT_ENTRY = "cls_default"
#: Only if the defaults file is missing: similarity-led, with the rules as a strong hint.
FALLBACK_WEIGHTS: dict[str, float] = {"bias": -5.0, "examples": 4.0, "margin": 6.0, "rules": 3.0}
FALLBACK_THRESHOLD = 0.3


def load_defaults(codebook: Codebook) -> tuple[dict[str, float], dict[str, float]]:
    """Return the (weights, thresholds) tuned for ``codebook``.

    Looked up by codebook id in the packaged ``cls_default.zeroshot.yaml``. A codebook without
    an entry borrows the default codebook's weights (the features mean the same for any
    codebook) with its median threshold for every theme. Per-theme thresholds are used only
    for the exact codebook they were tuned on (its content hash): after an edit of the terms
    or examples they would be stale, so every theme then gets the median threshold.
    """
    try:
        text = resources.files("cls_text.codebook.data").joinpath(DEFAULTS_FILE).read_text("utf-8")
        entries = (yaml.safe_load(text) or {}).get("codebooks") or {}
    except FileNotFoundError:
        entries = {}
    entry = entries.get(codebook.id) or entries.get(DEFAULT_ENTRY)
    if not entry:
        return dict(FALLBACK_WEIGHTS), {t: FALLBACK_THRESHOLD for t in codebook.theme_ids()}
    default = float(entry.get("default_threshold", FALLBACK_THRESHOLD))
    same = codebook.id in entries and entry.get("codebook_hash") == codebook.content_hash()
    tuned = (entry.get("thresholds") or {}) if same else {}
    thresholds = {t: float(tuned.get(t, default)) for t in codebook.theme_ids()}
    return {k: float(v) for k, v in entry["weights"].items()}, thresholds


def check_weights(weights: Mapping[str, float]) -> dict[str, float]:
    """Every weight by name (missing ones 0), refusing names that are not features or bias."""
    unknown = set(weights) - {"bias", *FEATURES}
    if unknown:
        raise ValueError(
            f"weights has unknown keys {sorted(unknown)}; valid: {['bias', *FEATURES]}"
        )
    return {k: float(weights.get(k, 0.0)) for k in ("bias", *FEATURES)}


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Logistic function, clipped so that extreme scores do not overflow."""
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))


def topk_mean(sims: np.ndarray, k: int) -> np.ndarray:
    """Mean of the k largest values per row (of all values when a row has fewer)."""
    if sims.shape[1] <= k:
        return sims.mean(axis=1)
    return np.partition(sims, sims.shape[1] - k, axis=1)[:, -k:].mean(axis=1)


def lead(scores: np.ndarray) -> np.ndarray:
    """Per row: each column's score minus the best *other* column's score."""
    if scores.shape[1] < 2:
        return np.zeros_like(scores)
    top2 = np.sort(scores, axis=1)[:, -2:]
    return scores - np.where(scores >= top2[:, [1]], top2[:, [0]], top2[:, [1]])


def tune_thresholds(
    P: np.ndarray, Y: np.ndarray, classes: Sequence[object], shrinkage: float
) -> dict[str, float]:
    """Per-theme F1-best thresholds, shrunk towards the global micro-F1-best threshold.

    Shrinkage matters: a development set has 10-40 positives per theme, and a threshold fitted
    to so few quotes alone is mostly noise.
    """
    grid = np.round(np.arange(0.05, 0.96, 0.01), 2)
    Yb = Y.astype(bool)

    def f1(pred: np.ndarray, true: np.ndarray) -> float:
        denom = float(pred.sum() + true.sum())
        return 2.0 * float((pred & true).sum()) / denom if denom else 0.0

    def samples_f1(pred: np.ndarray) -> float:
        tp = (pred & Yb).sum(axis=1)
        denom = pred.sum(axis=1) + Yb.sum(axis=1)
        return float(np.where(denom > 0, 2 * tp / np.maximum(denom, 1), 1.0).mean())

    glob = max(grid, key=lambda t: (samples_f1(P >= t), -abs(t - 0.5)))
    out: dict[str, float] = {}
    for j, theme in enumerate(classes):
        own = glob
        if Yb[:, j].any():
            own = max(grid, key=lambda t: (f1(P[:, j] >= t, Yb[:, j]), -abs(t - glob)))
        out[str(theme)] = round(float(shrinkage * glob + (1 - shrinkage) * own), 3)
    return out


def fit_weights(
    F: np.ndarray, target: np.ndarray, active: Sequence[str], C: float
) -> dict[str, float]:
    """Fit the combination on coded cells; return weights on the raw features plus ``bias``.

    Features are standardised so that C treats every one alike, then the scaling is folded
    back into weights on the raw features (what the defaults file stores).
    """
    from sklearn.linear_model import LogisticRegression

    mu, sd = F.mean(axis=0), F.std(axis=0)
    sd[sd == 0] = 1.0
    lr = LogisticRegression(C=C, max_iter=5000).fit((F - mu) / sd, target)
    coef = lr.coef_[0] / sd
    weights = dict.fromkeys(FEATURES, 0.0) | dict(zip(active, coef.tolist(), strict=True))
    weights["bias"] = float(lr.intercept_[0] - (coef * mu).sum())
    return weights
