"""Zero-shot theme tagging: score quotes against the codebook alone, no coded examples needed.

A new evaluation has a codebook long before it has coded quotes. This tagger embeds each theme's
definition and include notes, indicative terms and example quotes as *several* prototype vectors
(one averaged vector would blur "panels" and "IT systems" into mush) and compares every sentence
of a quote with them, because a long answer's theme often lives in one sentence.

Per quote and theme it computes the features below and combines them with a small logistic model
whose weights, like the per-theme thresholds, were tuned once on synthetic development quotes and
ship as data (``codebooks/cls_default.zeroshot.yaml``; see docs/zeroshot.md):

- ``definition`` / ``terms`` / ``examples``: best similarity of any sentence to the definition and
  include notes, to the terms (mean of the top k) and to the example quotes;
- ``exclusion``: similarity of the theme's best sentence to the theme's *exclude* notes ("waiting
  times themselves" for bureaucracy), so what the codebook sends elsewhere can pull it down;
- ``margin`` / ``centred`` / ``unit_margin``: the theme against the others, for the quote and
  within each sentence (in a two-theme answer each theme usually wins its own sentence);
- ``rules``: the rules tagger's score (exact terms, false friends and negation handled there);
- ``question``: how much the question answered favours the theme over the others, so a terse
  "took ages" under "How easy was it to get help?" is about access;
- ``length``: log word count, the same for every theme: long answers carry more themes.

False friends ("NHS Trust") are masked out of a sentence before it is compared with the theme
they would fool. Per-theme thresholds turn scores into tags; a quote may get no theme.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from cls_text import schema as S
from cls_text.codebook.model import Codebook
from cls_text.tag.base import TextInputMixin, best_sentence_evidence, split_sentences
from cls_text.tag.combination import (  # noqa: F401 - constants re-exported: their old home
    DEFAULT_ENTRY,
    DEFAULTS_FILE,
    FALLBACK_THRESHOLD,
    FALLBACK_WEIGHTS,
    FEATURES,
    check_weights,
    fit_weights,
    lead,
    load_defaults,
    sigmoid,
    topk_mean,
    tune_thresholds,
)
from cls_text.tag.prototypes import false_friend_regex, prototype_texts
from cls_text.tag.rules import RulesTagger, check_texts, resolve_codebook

_DEF, _TERMS, _EX, _EXCL = range(4)


@dataclass(frozen=True, slots=True)
class _Scored:
    """Features and best sentences for a batch of quotes."""

    features: np.ndarray  # (n, k, len(FEATURES))
    best_span: np.ndarray  # (n, k, 2) offsets of the best sentence; (-1, -1) for blank quotes
    empty: np.ndarray  # (n,) blank quotes


def _texts_and_questions(X: object) -> tuple[list[str], list[str]]:
    texts = check_texts(X)
    if isinstance(X, pd.DataFrame) and S.QUESTION in X.columns:
        questions = ["" if pd.isna(q) else str(q) for q in X[S.QUESTION].tolist()]
    else:
        questions = [""] * len(texts)
    return texts, questions


@dataclass(kw_only=True, eq=False, repr=False)  # writes the keyword __init__ sklearn expects
class ZeroShotTagger(TextInputMixin, ClassifierMixin, BaseEstimator):
    """Multi-label theme tagger from the codebook alone (embeddings + rules, no training data).

    Args:
        codebook: A Codebook, a path to a codebook YAML, a mapping, or None for the default.
        embedder: Anything with ``encode(list[str]) -> (n, d)`` L2-normalised float32 array;
            None builds :class:`cls_text.tag.embeddings.Embedder` (MiniLM, cached).
        rules: A RulesTagger (fitted or not); None builds one on the same codebook; False
            leaves the rules feature out (embeddings alone).
        weights: Combination weights by feature name (see :data:`FEATURES`) plus ``bias``;
            None uses the tuned defaults. ``fit`` with ``y`` replaces them with tuned ones.
        thresholds: One float for every theme, or a mapping theme id -> threshold (themes not
            named keep their default); None uses the tuned defaults. ``fit`` with ``y``
            replaces them with tuned ones.
        top_k: How many of a theme's terms are averaged for the ``terms`` feature.
        use_question: Use the ``question`` column (when X has one) as context.
        threshold_shrinkage: When ``fit`` gets ``y``: weight of the global threshold against
            each theme's own best (0 = per theme only, 1 = one global threshold).
        C: Inverse regularisation of the combination when ``fit`` gets ``y``.

    Examples:
        >>> tagger = ZeroShotTagger().fit()                            # doctest: +SKIP
        >>> tagger.predict(["We waited eight months for an assessment."])  # doctest: +SKIP
    """

    fits_without_target = True
    #: The last input's scores are memoised: explaining that same input costs no re-scoring.
    remembers_last_batch = True

    codebook: Codebook | str | Path | dict | None = None
    embedder: Any = None
    rules: RulesTagger | bool | None = None
    weights: Mapping[str, float] | None = None
    thresholds: Mapping[str, float] | float | None = None
    top_k: int = 3
    use_question: bool = True
    threshold_shrinkage: float = 0.5
    C: float = 0.3

    # -- fitting -----------------------------------------------------------------------------
    def fit(self, X: object = None, y: object = None) -> ZeroShotTagger:
        """Embed the theme prototypes; given coded quotes, also tune weights and thresholds.

        Args:
            X: Texts (or a DataFrame with ``text`` and optional ``question``); needed with y.
            y: Optional (n, k) 0/1 matrix aligned with ``classes_``: coded quotes to adapt the
                combination weights and the per-theme thresholds to.

        Returns:
            self.

        Raises:
            ValueError: bad parameters, ``y`` without ``X``, or ``y`` of the wrong shape.
        """
        if self.top_k < 1:
            raise ValueError(f"top_k must be >= 1, got {self.top_k}")
        if not 0.0 <= self.threshold_shrinkage <= 1.0:
            raise ValueError(
                f"threshold_shrinkage must be in [0, 1], got {self.threshold_shrinkage}"
            )
        if X is not None:
            check_texts(X)
        self.codebook_ = resolve_codebook(self.codebook)
        ids = self.codebook_.theme_ids()
        self.classes_ = np.array(ids, dtype=object)
        self.embedder_ = self.embedder if self.embedder is not None else _default_embedder()
        self.rules_ = self._build_rules()
        self._embed_prototypes()
        self._memo: tuple[int, _Scored] | None = None
        weights, thresholds = load_defaults(self.codebook_)
        self.weights_ = check_weights(self.weights if self.weights is not None else weights)
        self.thresholds_ = self._resolve_thresholds(thresholds)
        if y is not None:
            if X is None:
                raise ValueError("fit got y but no X: pass the coded texts with their labels")
            Y = np.asarray(y)
            if Y.ndim != 2 or Y.shape[1] != len(ids):
                raise ValueError(f"y must be an (n, {len(ids)}) 0/1 matrix, got shape {Y.shape}")
            if not np.isin(Y, (0, 1)).all():
                raise ValueError(f"y must hold only 0 and 1, got values {np.unique(Y)[:5]}")
            self._tune(X, Y.astype(np.int64))
        return self

    def _build_rules(self) -> RulesTagger | None:
        if self.rules is False:
            return None
        if self.rules is None or self.rules is True:
            return RulesTagger(codebook=self.codebook_).fit()
        if not isinstance(self.rules, RulesTagger):
            raise ValueError(f"rules must be a RulesTagger, None or False, got {self.rules!r}")
        try:
            check_is_fitted(self.rules)
            return self.rules
        except NotFittedError:
            return RulesTagger(**self.rules.get_params()).fit()

    def _resolve_thresholds(self, defaults: dict[str, float]) -> dict[str, float]:
        ids = self.codebook_.theme_ids()
        if self.thresholds is None:
            return dict(defaults)
        if isinstance(self.thresholds, int | float):
            return {t: float(self.thresholds) for t in ids}
        unknown = set(self.thresholds) - set(ids)
        if unknown:
            raise ValueError(f"thresholds names unknown themes {sorted(unknown)}; valid: {ids}")
        return {t: float(self.thresholds.get(t, defaults[t])) for t in ids}

    def _embed_prototypes(self) -> None:
        texts: list[str] = []
        bounds: list[list[tuple[int, int]]] = []
        for theme in self.codebook_.themes:
            per = []
            for group in prototype_texts(theme):
                per.append((len(texts), len(texts) + len(group)))
                texts.extend(group)
            bounds.append(per)
        vecs = np.asarray(self.embedder_.encode(texts), dtype=np.float32)
        self._proto = [[vecs[a:b] for a, b in per] for per in bounds]
        # A question is compared with a theme's definition and terms together.
        self._qproto = [np.vstack([p[_DEF], p[_TERMS]]) for p in self._proto]
        self._ff = [false_friend_regex(t) for t in self.codebook_.themes]

    # -- scoring -----------------------------------------------------------------------------
    def _score(self, X: object) -> _Scored:
        """Features of every (quote, theme); the last batch is memoised for predict + explain."""
        check_is_fitted(self)
        texts, questions = _texts_and_questions(X)
        key = hash((tuple(texts), tuple(questions)))
        if self._memo is not None and self._memo[0] == key:
            return self._memo[1]
        n, k = len(texts), len(self.classes_)
        feats = np.zeros((n, k, len(FEATURES)), dtype=np.float64)
        best_span = np.full((n, k, 2), -1, dtype=np.int64)
        owner: list[int] = []
        spans: list[tuple[int, int]] = []
        for i, text in enumerate(texts):
            for span in split_sentences(text):
                owner.append(i)
                spans.append(span)
        if spans:
            sents = [texts[i][a:b] for i, (a, b) in zip(owner, spans, strict=True)]
            self._sentence_features(sents, np.asarray(owner), np.asarray(spans), feats, best_span)
            if self.rules_ is not None:
                feats[:, :, FEATURES.index("rules")] = self.rules_.predict_proba(texts)
            if self.use_question:
                feats[:, :, FEATURES.index("question")] = self._question_feature(questions)
            # Long answers carry more themes: a per-quote shift of every theme's score.
            words = np.array([len(t.split()) for t in texts], dtype=np.float64)
            feats[:, :, FEATURES.index("length")] = np.log1p(words)[:, None]
        empty = best_span[:, 0, 0] < 0
        feats[empty] = 0.0
        scored = _Scored(feats, best_span, empty)
        self._memo = (key, scored)
        return scored

    def _sentence_features(
        self,
        sents: list[str],
        owner: np.ndarray,
        spans: np.ndarray,
        feats: np.ndarray,
        best_span: np.ndarray,
    ) -> None:
        """Fill the similarity features and best sentences in place (sentences grouped by owner)."""
        vecs = np.asarray(self.embedder_.encode(sents), dtype=np.float32)
        u, k = len(sents), len(self._proto)
        sim = np.zeros((4, u, k), dtype=np.float64)
        for j, proto in enumerate(self._proto):
            v = self._masked(j, sents, vecs)
            sim[_DEF, :, j] = (v @ proto[_DEF].T).max(axis=1)
            sim[_TERMS, :, j] = topk_mean(v @ proto[_TERMS].T, self.top_k)
            sim[_EX, :, j] = (v @ proto[_EX].T).max(axis=1)
            if len(proto[_EXCL]):
                sim[_EXCL, :, j] = (v @ proto[_EXCL].T).max(axis=1)
        combined = sim[:3].mean(axis=0)  # (u, k)
        starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
        rows = owner[starts]
        for f, name in ((_DEF, "definition"), (_TERMS, "terms"), (_EX, "examples")):
            feats[rows, :, FEATURES.index(name)] = np.maximum.reduceat(sim[f], starts, axis=0)
        feats[rows, :, FEATURES.index("unit_margin")] = np.maximum.reduceat(
            lead(combined), starts, axis=0
        )
        best = np.maximum.reduceat(combined, starts, axis=0)  # (q, k), q = quotes with sentences
        # First sentence of each quote reaching its best, per theme.
        block = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, u]))
        hit = np.where(combined >= best[block], np.arange(u)[:, None], u)
        arg = np.minimum.reduceat(hit, starts, axis=0)  # (q, k) sentence index
        feats[rows, :, FEATURES.index("exclusion")] = sim[_EXCL][arg, np.arange(k)]
        best_span[rows] = spans[arg]
        feats[rows, :, FEATURES.index("margin")] = lead(best)
        feats[rows, :, FEATURES.index("centred")] = best - best.mean(axis=1, keepdims=True)

    def _masked(self, j: int, sents: list[str], vecs: np.ndarray) -> np.ndarray:
        """Sentence vectors for theme j, re-embedded without j's false friends where present."""
        rx = self._ff[j]
        hits = [(i, rx.sub(" ", s)) for i, s in enumerate(sents) if rx.search(s)] if rx else []
        if not hits:
            return vecs
        out = vecs.copy()
        out[[i for i, _ in hits]] = self.embedder_.encode([s for _, s in hits])
        return out

    def _question_feature(self, questions: list[str]) -> np.ndarray:
        uniq = sorted({q for q in questions if q.strip()})
        out = np.zeros((len(questions), len(self.classes_)), dtype=np.float64)
        if not uniq:
            return out
        qv = np.asarray(self.embedder_.encode(uniq), dtype=np.float32)
        sims = np.stack([topk_mean(qv @ p.T, self.top_k) for p in self._qproto], axis=1)
        sims -= sims.mean(axis=1, keepdims=True)  # relative: which themes the question favours
        row = {q: i for i, q in enumerate(uniq)}
        for i, q in enumerate(questions):
            if q in row:
                out[i] = sims[row[q]]
        return out

    def _combine(self, feats: np.ndarray, weights: Mapping[str, float]) -> np.ndarray:
        w = np.array([weights[f] for f in FEATURES], dtype=np.float64)
        return sigmoid(feats @ w + weights["bias"])

    # -- tuning on coded quotes --------------------------------------------------------------
    def _tune(self, X: object, Y: np.ndarray) -> None:
        scored = self._score(X)
        if len(Y) != len(scored.empty):
            raise ValueError(f"y has {len(Y)} rows but X has {len(scored.empty)} texts")
        keep = ~scored.empty
        active = [f for f in FEATURES if not (f == "rules" and self.rules_ is None)]
        cols = [FEATURES.index(f) for f in active]
        F = scored.features[keep][:, :, cols].reshape(-1, len(cols))
        target = Y[keep].reshape(-1)
        if len(np.unique(target)) < 2:
            raise ValueError("y needs both tagged and untagged cells to tune on")
        weights = fit_weights(F, target, active, self.C)
        self.weights_ = weights
        P = self._combine(scored.features, weights)[keep]
        self.thresholds_ = tune_thresholds(
            P, Y[keep], list(self.classes_), self.threshold_shrinkage
        )

    def tuned_params(self) -> dict[str, dict[str, float]]:
        """Weights and thresholds in the shape ``cls_default.zeroshot.yaml`` stores them."""
        check_is_fitted(self)
        return {
            "weights": {k: round(v, 4) for k, v in self.weights_.items()},
            "thresholds": {k: round(v, 3) for k, v in self.thresholds_.items()},
        }

    # -- public API --------------------------------------------------------------------------
    def predict_proba(self, X: object) -> np.ndarray:
        """Return an (n_texts, n_themes) array of combined scores in [0, 1] (blank texts: 0)."""
        scored = self._score(X)
        proba = self._combine(scored.features, self.weights_)
        proba[scored.empty] = 0.0
        return proba

    def predict(self, X: object) -> np.ndarray:
        """Return an (n_texts, n_themes) 0/1 indicator matrix aligned with ``classes_``."""
        proba = self.predict_proba(X)  # checks fitted and X first
        thr = np.array([self.thresholds_[t] for t in self.classes_], dtype=np.float64)
        return (proba >= thr).astype(np.int64)

    def explain(self, X: object) -> list[dict[str, list[S.Evidence]]]:
        """Return, per text, the best-matching sentence of every tagged theme as Evidence.

        The evidence spans the whole sentence (``matched == sentence``), ``term`` is the theme
        id, ``score`` the theme's combined score and ``source`` is ``"zeroshot"``.
        """
        texts, _ = _texts_and_questions(X)
        spans = self._score(X).best_span
        proba = self.predict_proba(X)
        tags = self.predict(X)
        return best_sentence_evidence(texts, tags, spans, proba, self.classes_, "zeroshot")

    def __getstate__(self) -> dict[str, object]:
        state = self.__dict__.copy()
        state["_memo"] = None
        return state


def _default_embedder() -> Any:
    from cls_text.tag.embeddings import Embedder

    return Embedder()
