"""Threshold and fold helpers shared by the default tagger and its adapted form.

Both choose each theme's threshold on out-of-fold scores and split rows into folds that keep
whole groups (source pages) together, so the two must agree on how that is done.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Threshold the per-theme ones are shrunk towards.
BASE_THRESHOLD = 0.3
_GRID = np.round(np.arange(0.05, 0.951, 0.01), 2)


def best_threshold(p: np.ndarray, y: np.ndarray) -> float:
    """F1-best threshold on out-of-fold scores (ties: the one nearest the base)."""
    if not y.any():
        return BASE_THRESHOLD
    f1 = [2 * ((p >= t) & (y == 1)).sum() / max((p >= t).sum() + y.sum(), 1) for t in _GRID]
    best = max(range(len(_GRID)), key=lambda i: (f1[i], -abs(_GRID[i] - BASE_THRESHOLD)))
    return float(_GRID[best])


def group_folds(n: int, groups: Sequence[object] | None, k: int, seed: int) -> list[np.ndarray]:
    """Fold id per row: whole groups (source pages) stay together."""
    keys = np.asarray(groups if groups is not None else np.arange(n), dtype=object)
    uniq = sorted(set(keys.tolist()), key=str)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(uniq))
    fold_of = {uniq[i]: r % k for r, i in enumerate(order)}
    fold = np.array([fold_of[g] for g in keys])
    return [np.flatnonzero(fold == i) for i in range(k)]


def with_best_theme(
    proba: np.ndarray, thresholds: np.ndarray, pool: np.ndarray, floor: float | None
) -> np.ndarray:
    """0/1 tags; an answer no theme clears gets its nearest theme of ``pool`` when close enough.

    Why: nearly every real answer is about something (on the real dev quotes, 1 in 100 gold
    codings is empty, but 1 in 11 answers cleared no threshold), and an answer with no tag scores
    zero however near a theme it came. "Nearest" is the highest score as a share of the theme's
    threshold, and it must reach ``floor`` (None: never fill). ``pool`` holds the themes with
    a head trained on coded quotes, so a theme added to the codebook (scored by the generic
    head) never takes an answer from another theme.
    """
    tags = (proba >= thresholds).astype(np.int64)
    if floor is None or not len(tags) or not pool.any():
        return tags
    share = np.where(pool, proba / np.maximum(thresholds, 1e-9), -1.0)
    best = share.argmax(axis=1)
    rows = np.flatnonzero((tags.sum(axis=1) == 0) & (share[np.arange(len(best)), best] >= floor))
    tags[rows, best[rows]] = 1
    return tags
