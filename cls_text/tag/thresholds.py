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
