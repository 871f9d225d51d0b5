"""Learning that never makes the default worse: adapt a fitted tagger to a team's coded quotes.

:class:`AdaptedTagger` builds on a fitted *base* tagger (the shipped default, or zero-shot):
per theme, a small logistic head sees the base's logit for the theme (the prior) plus the
answer's words and embedding, and is trained on the coded quotes. A head replaces the base's
decision for its theme only where (a) the theme has at least ``min_positives`` coded positives
and (b) its cross-validated F1 on the coded quotes beats the base's F1 on the same quotes.
Everywhere else the base decides, so a reviewer's 20 corrections can only help, and a theme
with 2 coded positives is left exactly as the default tags it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from cls_text.tag.base import TextInputMixin
from cls_text.tag.rules import check_texts
from cls_text.tag.thresholds import best_threshold, group_folds, with_best_theme


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


@dataclass(kw_only=True, eq=False, repr=False)  # writes the keyword __init__ sklearn expects
class AdaptedTagger(TextInputMixin, ClassifierMixin, BaseEstimator):
    """A base tagger plus per-theme heads kept only where they beat it on the coded quotes.

    Args:
        base: A fitted tagger with ``classes_``, ``predict_proba`` and ``predict``.
        embedder: ``encode(list[str])``; None: the base's ``embedder_`` if it has one.
        C: Inverse regularisation of the heads.
        min_positives: Fewer coded positives than this: the base keeps the theme.
        min_gain: How much a head's cross-validated F1 must beat the base's F1 by.
        folds: Cross-validation folds for the head-versus-base comparison.
        random_state: Seed of the folds.
    """

    base: Any = None
    embedder: Any = None
    C: float = 1.0
    min_positives: int = 10
    min_gain: float = 0.05
    folds: int = 5
    random_state: int = 0

    def _features(self, X: object) -> tuple[np.ndarray, np.ndarray]:
        texts = check_texts(X)
        prior = _logit(np.asarray(self.base.predict_proba(X), dtype=np.float64))
        emb = self._embedder().encode(texts) if texts else np.zeros((0, 1))
        return prior, np.asarray(emb, dtype=np.float64)

    def _embedder(self) -> Any:
        if self.embedder is not None:
            return self.embedder
        emb = getattr(self.base, "embedder_", None)
        if emb is None:
            from cls_text.tag.embeddings import make_embedder

            emb = make_embedder("minilm-static")
        return emb

    def fit(self, X: object, y: object, groups: Any = None) -> AdaptedTagger:
        """Fit the heads and decide, per theme, whether each replaces the base.

        Raises:
            ValueError: without a fitted base, for a bare string, or a ``y`` of the wrong shape.
        """
        if self.base is None:
            raise ValueError("base must be a fitted tagger, got None")
        check_is_fitted(self.base)
        texts = check_texts(X)
        self.classes_ = np.asarray(self.base.classes_, dtype=object)
        Y = np.asarray(y)
        k = len(self.classes_)
        if Y.shape != (len(texts), k) or not np.isin(Y, (0, 1)).all():
            raise ValueError(f"y must be an ({len(texts)}, {k}) 0/1 matrix, got shape {Y.shape}")
        prior, emb = self._features(X)
        base_tags = np.asarray(self.base.predict(X), dtype=np.int64)
        self.heads_: list[tuple[np.ndarray, float, float] | None] = [None] * k
        self.report_: dict[str, dict[str, Any]] = {}
        folds = group_folds(len(texts), groups, self.folds, self.random_state) if len(texts) else []
        for j, theme in enumerate(self.classes_):
            yj = Y[:, j]
            base_f1 = _f1(base_tags[:, j], yj)
            entry: dict[str, Any] = {"positives": int(yj.sum()), "base_f1": round(base_f1, 4)}
            self.report_[str(theme)] = entry
            if yj.sum() < self.min_positives or yj.sum() > len(yj) - self.min_positives:
                entry["decision"] = "base (too few coded positives)"
                continue
            D = np.c_[prior[:, j], emb]
            oof = np.zeros(len(texts))
            for te in folds:
                tr = np.setdiff1d(np.arange(len(texts)), te)
                if yj[tr].any() and not yj[tr].all():
                    oof[te] = self._lr().fit(D[tr], yj[tr]).predict_proba(D[te])[:, 1]
                else:
                    oof[te] = 1 / (1 + np.exp(-prior[te, j]))
            t = best_threshold(oof, yj)
            # The threshold was chosen on the same scores: count the head's F1 at it as a
            # slightly optimistic figure and require a clear win over the base.
            head_f1 = _f1((oof >= t).astype(int), yj)
            entry["head_cv_f1"] = round(head_f1, 4)
            if head_f1 <= base_f1 + self.min_gain:
                entry["decision"] = "base (head not better in cross-validation)"
                continue
            lr = self._lr().fit(D, yj)
            self.heads_[j] = (np.r_[lr.coef_[0]], float(lr.intercept_[0]), t)
            entry["decision"] = "adapted"
        return self

    def _lr(self) -> LogisticRegression:
        return LogisticRegression(C=self.C, max_iter=3000)

    def predict_proba(self, X: object) -> np.ndarray:
        """(n, k) scores: the head's where it replaced the base, the base's elsewhere."""
        check_is_fitted(self, "heads_")
        base = np.asarray(self.base.predict_proba(X), dtype=np.float64)
        if not any(h is not None for h in self.heads_) or not len(base):
            return base
        prior, emb = self._features(X)
        out = base.copy()
        for j, head in enumerate(self.heads_):
            if head is not None:
                coef, b, _ = head
                out[:, j] = 1 / (1 + np.exp(-(np.c_[prior[:, j], emb] @ coef + b)))
        return out

    def predict(self, X: object) -> np.ndarray:
        """(n, k) 0/1 tags: the base's decision wherever no head replaced it.

        A base that gives an answer no theme clears its nearest theme (the default's
        ``best_theme_floor``) does so here after the heads' decisions, with each adapted
        theme's own threshold: otherwise a head would drop the base's fill for its theme and
        leave the answer with no tag, or keep another theme's fill beside its own tag.
        """
        check_is_fitted(self, "heads_")
        if not any(h is not None for h in self.heads_):
            return np.asarray(self.base.predict(X), dtype=np.int64)
        proba = self.predict_proba(X)
        heads = [(j, h[2]) for j, h in enumerate(self.heads_) if h is not None]
        if hasattr(self.base, "thresholds") and hasattr(self.base, "trained_"):
            thr = np.asarray(self.base.thresholds(), dtype=np.float64).copy()
            pool = np.asarray(self.base.trained_, dtype=bool).copy()
            for j, t in heads:
                thr[j], pool[j] = t, True
            floor = getattr(self.base, "best_theme_floor", None)
            return with_best_theme(proba, thr, pool, floor)
        tags = np.asarray(self.base.predict(X), dtype=np.int64).copy()
        for j, t in heads:
            tags[:, j] = (proba[:, j] >= t).astype(np.int64)
        return tags

    def explain(self, X: object) -> list[dict[str, Any]]:
        """The base's evidence for the tags this tagger gives."""
        tags = self.predict(X)
        ev = self.base.explain(X) if hasattr(self.base, "explain") else [{} for _ in tags]
        ids = [str(c) for c in self.classes_]
        return [{t: v for t, v in e.items() if tags[i, ids.index(t)]} for i, e in enumerate(ev)]


def _f1(pred: np.ndarray, true: np.ndarray) -> float:
    denom = float(pred.sum() + true.sum())
    return 2.0 * float((pred.astype(bool) & true.astype(bool)).sum()) / denom if denom else 1.0
