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

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from cls_text import schema as S
from cls_text.codebook.model import Codebook, Theme
from cls_text.tag.rules import RulesTagger, check_texts, resolve_codebook

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

_SENT = re.compile(r"[^.!?\n]+(?:[.!?]+|$)", re.MULTILINE)
_POINTER = re.compile(r"\(\s*->[^)]*\)|->\s*\w+")
_DEF, _TERMS, _EX, _EXCL = range(4)


@dataclass(frozen=True, slots=True)
class _Scored:
    """Features and best sentences for a batch of quotes."""

    features: np.ndarray  # (n, k, len(FEATURES))
    best_span: np.ndarray  # (n, k, 2) offsets of the best sentence; (-1, -1) for blank quotes
    empty: np.ndarray  # (n,) blank quotes


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return (start, end) offsets of the sentences of ``text``, trimmed and never empty.

    A regex splitter on ``.!?`` and line breaks: fast, and good enough for survey answers, whose
    sentences are short and whose punctuation is often missing anyway.

    Examples:
        >>> split_sentences("Too many forms. We wait months!")
        [(0, 15), (16, 31)]
    """
    spans: list[tuple[int, int]] = []
    for m in _SENT.finditer(text):
        a, b = m.start(), m.end()
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a and any(c.isalnum() for c in text[a:b]):
            spans.append((a, b))
    return spans


def _split_notes(note: str) -> list[str]:
    """Split an include/exclude note into short phrases, dropping '(-> theme)' pointers."""
    out = []
    for part in re.split(r"[;\n]|(?<=\.)\s", note):
        part = _POINTER.sub("", part).strip(" .,'\"")
        if len(part) >= 4:
            out.append(part)
    return out


def _prototypes(theme: Theme) -> tuple[list[str], list[str], list[str], list[str]]:
    """The texts a theme is recognised by: definition/include, terms, examples, exclusions."""
    return (
        [f"{theme.label}: {theme.definition}", *_split_notes(theme.include)],
        list(dict.fromkeys(theme.terms)) or [theme.label],
        list(theme.examples) or [theme.definition],
        _split_notes(theme.exclude),
    )


def _false_friend_regex(theme: Theme) -> re.Pattern[str] | None:
    if not theme.false_friends:
        return None
    alts = sorted((re.escape(f.strip()) for f in theme.false_friends), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(alts) + r")\b", re.IGNORECASE)


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


def _check_weights(weights: Mapping[str, float]) -> dict[str, float]:
    unknown = set(weights) - {"bias", *FEATURES}
    if unknown:
        raise ValueError(
            f"weights has unknown keys {sorted(unknown)}; valid: {['bias', *FEATURES]}"
        )
    return {k: float(weights.get(k, 0.0)) for k in ("bias", *FEATURES)}


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))


def _topk_mean(sims: np.ndarray, k: int) -> np.ndarray:
    """Mean of the k largest values per row (of all values when a row has fewer)."""
    if sims.shape[1] <= k:
        return sims.mean(axis=1)
    return np.partition(sims, sims.shape[1] - k, axis=1)[:, -k:].mean(axis=1)


def _lead(scores: np.ndarray) -> np.ndarray:
    """Per row: each column's score minus the best *other* column's score."""
    if scores.shape[1] < 2:
        return np.zeros_like(scores)
    top2 = np.sort(scores, axis=1)[:, -2:]
    return scores - np.where(scores >= top2[:, [1]], top2[:, [0]], top2[:, [1]])


def _texts_and_questions(X: object) -> tuple[list[str], list[str]]:
    texts = check_texts(X)
    if isinstance(X, pd.DataFrame) and S.QUESTION in X.columns:
        questions = ["" if pd.isna(q) else str(q) for q in X[S.QUESTION].tolist()]
    else:
        questions = [""] * len(texts)
    return texts, questions


class ZeroShotTagger(ClassifierMixin, BaseEstimator):
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

    def __init__(
        self,
        *,
        codebook: Codebook | str | Path | dict | None = None,
        embedder: Any = None,
        rules: RulesTagger | bool | None = None,
        weights: Mapping[str, float] | None = None,
        thresholds: Mapping[str, float] | float | None = None,
        top_k: int = 3,
        use_question: bool = True,
        threshold_shrinkage: float = 0.5,
        C: float = 0.3,
    ) -> None:
        self.codebook = codebook
        self.embedder = embedder
        self.rules = rules
        self.weights = weights
        self.thresholds = thresholds
        self.top_k = top_k
        self.use_question = use_question
        self.threshold_shrinkage = threshold_shrinkage
        self.C = C

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
        self.weights_ = _check_weights(self.weights if self.weights is not None else weights)
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
            for group in _prototypes(theme):
                per.append((len(texts), len(texts) + len(group)))
                texts.extend(group)
            bounds.append(per)
        vecs = np.asarray(self.embedder_.encode(texts), dtype=np.float32)
        self._proto = [[vecs[a:b] for a, b in per] for per in bounds]
        # A question is compared with a theme's definition and terms together.
        self._qproto = [np.vstack([p[_DEF], p[_TERMS]]) for p in self._proto]
        self._ff = [_false_friend_regex(t) for t in self.codebook_.themes]

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
            sim[_TERMS, :, j] = _topk_mean(v @ proto[_TERMS].T, self.top_k)
            sim[_EX, :, j] = (v @ proto[_EX].T).max(axis=1)
            if len(proto[_EXCL]):
                sim[_EXCL, :, j] = (v @ proto[_EXCL].T).max(axis=1)
        combined = sim[:3].mean(axis=0)  # (u, k)
        starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
        rows = owner[starts]
        for f, name in ((_DEF, "definition"), (_TERMS, "terms"), (_EX, "examples")):
            feats[rows, :, FEATURES.index(name)] = np.maximum.reduceat(sim[f], starts, axis=0)
        feats[rows, :, FEATURES.index("unit_margin")] = np.maximum.reduceat(
            _lead(combined), starts, axis=0
        )
        best = np.maximum.reduceat(combined, starts, axis=0)  # (q, k), q = quotes with sentences
        # First sentence of each quote reaching its best, per theme.
        block = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, u]))
        hit = np.where(combined >= best[block], np.arange(u)[:, None], u)
        arg = np.minimum.reduceat(hit, starts, axis=0)  # (q, k) sentence index
        feats[rows, :, FEATURES.index("exclusion")] = sim[_EXCL][arg, np.arange(k)]
        best_span[rows] = spans[arg]
        feats[rows, :, FEATURES.index("margin")] = _lead(best)
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
        sims = np.stack([_topk_mean(qv @ p.T, self.top_k) for p in self._qproto], axis=1)
        sims -= sims.mean(axis=1, keepdims=True)  # relative: which themes the question favours
        row = {q: i for i, q in enumerate(uniq)}
        for i, q in enumerate(questions):
            if q in row:
                out[i] = sims[row[q]]
        return out

    def _combine(self, feats: np.ndarray, weights: Mapping[str, float]) -> np.ndarray:
        w = np.array([weights[f] for f in FEATURES], dtype=np.float64)
        return _sigmoid(feats @ w + weights["bias"])

    # -- tuning on coded quotes --------------------------------------------------------------
    def _tune(self, X: object, Y: np.ndarray) -> None:
        from sklearn.linear_model import LogisticRegression

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
        # Standardise so that C treats every feature alike, then fold the scaling back into
        # weights on the raw features (what the defaults file stores).
        mu, sd = F.mean(axis=0), F.std(axis=0)
        sd[sd == 0] = 1.0
        lr = LogisticRegression(C=self.C, max_iter=5000).fit((F - mu) / sd, target)
        coef = lr.coef_[0] / sd
        weights = dict.fromkeys(FEATURES, 0.0) | dict(zip(active, coef.tolist(), strict=True))
        weights["bias"] = float(lr.intercept_[0] - (coef * mu).sum())
        self.weights_ = weights
        P = self._combine(scored.features, weights)[keep]
        self.thresholds_ = _tune_thresholds(
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
        out: list[dict[str, list[S.Evidence]]] = []
        for i, text in enumerate(texts):
            per: dict[str, list[S.Evidence]] = {}
            for j in np.flatnonzero(tags[i]):
                a, b = (int(v) for v in spans[i, j])
                theme = str(self.classes_[j])
                per[theme] = [
                    S.Evidence(
                        term=theme,
                        matched=text[a:b],
                        start=a,
                        end=b,
                        sentence=text[a:b],
                        sent_start=a,
                        sent_end=b,
                        score=round(float(proba[i, j]), 6),
                        source="zeroshot",
                    )
                ]
            out.append(per)
        return out

    def __getstate__(self) -> dict[str, object]:
        state = self.__dict__.copy()
        state["_memo"] = None
        return state

    def __sklearn_tags__(self):  # type: ignore[no-untyped-def]
        """Declare string input, as CountVectorizer does."""
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.target_tags.required = False
        return tags


def _tune_thresholds(
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


def _default_embedder() -> Any:
    from cls_text.tag.embeddings import Embedder

    return Embedder()
