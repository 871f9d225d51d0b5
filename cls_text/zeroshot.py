"""Zero-shot theme tagging: score quotes against the codebook alone, no coded examples needed.

A new evaluation has a codebook long before it has coded quotes. This tagger reads each theme's
definition, include notes, indicative terms and example quotes, embeds them as *several*
prototype vectors (one averaged vector would blur "panels" and "IT systems" into mush), and
scores every sentence of a quote against them: a long answer's theme often lives in one sentence.

Per quote and theme it builds a handful of features and combines them with a small logistic
model whose weights were tuned once on synthetic development quotes (see docs/zeroshot.md):

- ``definition``: best similarity of any sentence to the definition / include-note prototypes;
- ``terms``: best top-k mean similarity to the indicative terms;
- ``examples``: best similarity to the example quotes;
- ``exclusion``: similarity of the theme's best sentence to its *exclude* notes ("waiting times
  themselves" for bureaucracy), so what the codebook sends elsewhere pulls the score down;
- ``margin``: how far the theme leads (or trails) the best other theme;
- ``rules``: the rules tagger's score (exact terms, false friends and negation handled there);
- ``question``: how close the question answered is to the theme, relative to the other themes
  ("How easy was it to get help?" makes a terse "took ages" about access).

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
from sklearn.utils.validation import check_is_fitted

from cls_text import schema as S
from cls_text.codebook import Codebook, Theme
from cls_text.rules import RulesTagger, check_texts, resolve_codebook

#: Features of the combination, in the order of the weight vector.
FEATURES = (
    "definition",
    "terms",
    "examples",
    "exclusion",
    "margin",
    "centred",
    "second",
    "rules",
    "question",
)
#: Tuned defaults per codebook id, stored as data next to the codebook.
DEFAULTS_FILE = "cls_default.zeroshot.yaml"
#: Used when no tuned defaults exist: similarity-led, rules as a strong hint.
FALLBACK_WEIGHTS: dict[str, float] = {
    "bias": -6.0,
    "definition": 4.0,
    "terms": 4.0,
    "examples": 4.0,
    "exclusion": -2.0,
    "margin": 4.0,
    "centred": 0.0,
    "second": 0.0,
    "rules": 3.0,
    "question": 2.0,
}
FALLBACK_THRESHOLD = 0.5

_SENT = re.compile(r"[^.!?\n]+(?:[.!?]+|$)", re.MULTILINE)
_POINTER = re.compile(r"\(\s*->[^)]*\)|->\s*\w+")
_MIN_SENT_CHARS = 3


@dataclass(frozen=True, slots=True)
class _Units:
    """The pieces of text each quote is scored by: its sentences, plus the whole quote."""

    texts: list[str]  # what gets embedded
    owner: np.ndarray  # quote index of each unit
    spans: list[tuple[int, int]]  # (start, end) offsets in the quote; (-1, -1) for whole-quote units


@dataclass(frozen=True, slots=True)
class _Scored:
    """Features and best-sentence pointers for a batch of quotes."""

    features: np.ndarray  # (n, k, len(FEATURES))
    best_unit: np.ndarray  # (n, k) unit index of the best real sentence, -1 if none
    best_sim: np.ndarray  # (n, k) similarity of that sentence
    units: _Units
    empty: np.ndarray  # (n,) blank quotes


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return (start, end) offsets of the sentences of ``text`` (trimmed, never empty).

    A regex splitter on ``.!?`` and line breaks: fast, and good enough for survey answers,
    whose sentences are short and whose punctuation is often missing anyway.
    """
    spans: list[tuple[int, int]] = []
    for m in _SENT.finditer(text):
        a, b = m.start(), m.end()
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b - a >= _MIN_SENT_CHARS or (b > a and not spans):
            spans.append((a, b))
    return spans


def _split_notes(note: str) -> list[str]:
    """Split an include/exclude note into short phrases, dropping '(-> theme)' pointers."""
    parts = re.split(r"[;\n]|(?<=\.)\s", note)
    out = []
    for p in parts:
        p = _POINTER.sub("", p).strip(" .,'\"")
        if len(p) >= 4:
            out.append(p)
    return out


def _prototypes(theme: Theme) -> dict[str, list[str]]:
    """The texts a theme is recognised by, grouped by feature."""
    return {
        "definition": [f"{theme.label}: {theme.definition}", *_split_notes(theme.include)],
        "terms": list(dict.fromkeys(theme.terms)) or [theme.label],
        "examples": list(theme.examples) or [theme.definition],
        "exclusion": _split_notes(theme.exclude),
    }


def _false_friend_regex(theme: Theme) -> re.Pattern[str] | None:
    if not theme.false_friends:
        return None
    alts = sorted((re.escape(f.strip()) for f in theme.false_friends), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(alts) + r")\b", re.IGNORECASE)


def load_defaults(codebook: Codebook) -> tuple[dict[str, float], dict[str, float]]:
    """Return (weights, thresholds) tuned for ``codebook``, or the generic fallbacks.

    Tuned values are looked up by codebook id in the packaged ``cls_default.zeroshot.yaml``;
    a codebook without an entry gets :data:`FALLBACK_WEIGHTS` and one global threshold.
    """
    try:
        text = resources.files("cls_text.codebooks").joinpath(DEFAULTS_FILE).read_text("utf-8")
        data = yaml.safe_load(text) or {}
    except FileNotFoundError:
        data = {}
    entry = (data.get("codebooks") or {}).get(codebook.id)
    if not entry:
        return dict(FALLBACK_WEIGHTS), {t: FALLBACK_THRESHOLD for t in codebook.theme_ids()}
    default = float(entry.get("default_threshold", FALLBACK_THRESHOLD))
    tuned = entry.get("thresholds") or {}
    thresholds = {t: float(tuned.get(t, default)) for t in codebook.theme_ids()}
    weights = {k: float(v) for k, v in entry["weights"].items()}
    return weights, thresholds


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
    """Mean of the k largest values per row (all values when a row has fewer)."""
    if sims.shape[1] <= k:
        return sims.mean(axis=1)
    part = np.partition(sims, sims.shape[1] - k, axis=1)[:, -k:]
    return part.mean(axis=1)


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
            None builds :class:`cls_text.embeddings.Embedder` (MiniLM, cached) on first use.
        rules: A RulesTagger (fitted or not); None builds one on the same codebook; False
            leaves the rules feature out (embeddings alone).
        weights: Combination weights by feature name plus ``bias``; None uses the tuned defaults
            for this codebook (or generic fallbacks).
        thresholds: One float for every theme, or a mapping theme id -> threshold (themes not
            named keep their default); None uses the tuned defaults.
        top_k: How many indicative terms are averaged for the ``terms`` feature.
        use_question: Use the question column (when present) as context.
        threshold_shrinkage: When ``fit`` gets ``y``: weight of the global threshold against
            each theme's own best (0 = per-theme only, 1 = one global threshold).
        C: Inverse regularisation of the combination when ``fit`` gets ``y``.

    Examples:
        >>> tagger = ZeroShotTagger().fit()                       # doctest: +SKIP
        >>> tagger.predict(["We waited months for an assessment."])  # doctest: +SKIP
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
        C: float = 1.0,
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

    # -- fitting -----------------------------------------------------------------------------------
    def fit(self, X: object = None, y: object = None) -> ZeroShotTagger:
        """Embed the theme prototypes; with ``X`` and ``y``, also tune weights and thresholds.

        Args:
            X: Texts (or a DataFrame with ``text`` and optional ``question``); only needed with y.
            y: Optional (n, k) 0/1 matrix aligned with ``classes_``: a few coded quotes to adapt
                the combination weights and per-theme thresholds to.

        Returns:
            self.

        Raises:
            ValueError: bad parameters, ``y`` without ``X``, or ``y`` of the wrong shape.
        """
        if self.top_k < 1:
            raise ValueError(f"top_k must be >= 1, got {self.top_k}")
        if not 0.0 <= self.threshold_shrinkage <= 1.0:
            raise ValueError(f"threshold_shrinkage must be in [0, 1], got {self.threshold_shrinkage}")
        self.codebook_ = resolve_codebook(self.codebook)
        ids = self.codebook_.theme_ids()
        self.classes_ = np.array(ids, dtype=object)
        self.embedder_ = self.embedder if self.embedder is not None else _default_embedder()
        self.rules_ = self._build_rules()
        self._embed_prototypes()
        self._memo: tuple[int, _Scored] | None = None

        weights, thresholds = load_defaults(self.codebook_)
        if self.weights is not None:
            weights = dict(self.weights)
        self.weights_ = _check_weights(weights)
        self.thresholds_ = self._resolve_thresholds(thresholds)
        if y is not None:
            if X is None:
                raise ValueError("fit got y but no X: pass the coded texts with their labels")
            Y = np.asarray(y)
            if Y.ndim != 2 or Y.shape[1] != len(ids):
                raise ValueError(f"y must be an (n, {len(ids)}) 0/1 matrix, got shape {Y.shape}")
            self._tune(X, Y.astype(np.int64))
        elif X is not None:
            check_texts(X)
        return self

    def _build_rules(self) -> RulesTagger | None:
        if self.rules is False:
            return None
        if self.rules is None or self.rules is True:
            return RulesTagger(codebook=self.codebook_).fit()
        if not isinstance(self.rules, RulesTagger):
            raise ValueError(f"rules must be a RulesTagger, None or False, got {type(self.rules)}")
        try:
            check_is_fitted(self.rules)
            return self.rules
        except Exception:  # noqa: BLE001 - an unfitted tagger is fitted here
            return RulesTagger(**self.rules.get_params()).fit()

    def _resolve_thresholds(self, defaults: dict[str, float]) -> dict[str, float]:
        ids = self.codebook_.theme_ids()
        if self.thresholds is None:
            return {t: defaults.get(t, FALLBACK_THRESHOLD) for t in ids}
        if isinstance(self.thresholds, int | float):
            return {t: float(self.thresholds) for t in ids}
        unknown = set(self.thresholds) - set(ids)
        if unknown:
            raise ValueError(f"thresholds names unknown themes {sorted(unknown)}; valid: {ids}")
        return {t: float(self.thresholds.get(t, defaults.get(t, FALLBACK_THRESHOLD))) for t in ids}

    def _embed_prototypes(self) -> None:
        groups: dict[str, list[np.ndarray]] = {g: [] for g in ("definition", "terms", "examples")}
        groups["exclusion"] = []
        texts: list[str] = []
        slices: list[dict[str, tuple[int, int]]] = []
        for theme in self.codebook_.themes:
            per: dict[str, tuple[int, int]] = {}
            for g, items in _prototypes(theme).items():
                per[g] = (len(texts), len(texts) + len(items))
                texts.extend(items)
            slices.append(per)
        vecs = np.asarray(self.embedder_.encode(texts), dtype=np.float32)
        self._proto = [{g: vecs[a:b] for g, (a, b) in per.items()} for per in slices]
        # A question is compared with a theme's definition and terms together.
        self._qproto = [np.vstack([p["definition"], p["terms"]]) for p in self._proto]
        self._ff = [_false_friend_regex(t) for t in self.codebook_.themes]

    # -- scoring -------------------------------------------------------------------------------------
    def _units(self, texts: list[str]) -> _Units:
        unit_texts: list[str] = []
        owner: list[int] = []
        spans: list[tuple[int, int]] = []
        for i, text in enumerate(texts):
            if not text.strip():
                continue
            sents = split_sentences(text)
            for a, b in sents:
                unit_texts.append(text[a:b])
                owner.append(i)
                spans.append((a, b))
            if len(sents) > 1:  # the whole answer too, for themes spread over sentences
                unit_texts.append(text.strip())
                owner.append(i)
                spans.append((-1, -1))
        return _Units(unit_texts, np.asarray(owner, dtype=np.int64), spans)

    def _score(self, X: object) -> _Scored:
        check_is_fitted(self)
        texts, questions = _texts_and_questions(X)
        key = hash((tuple(texts), tuple(questions)))
        if self._memo is not None and self._memo[0] == key:
            return self._memo[1]
        n, k = len(texts), len(self.classes_)
        units = self._units(texts)
        empty = np.array([not t.strip() for t in texts], dtype=bool)
        feats = np.zeros((n, k, len(FEATURES)), dtype=np.float64)
        best_unit = np.full((n, k), -1, dtype=np.int64)
        best_sim = np.zeros((n, k), dtype=np.float64)
        if units.texts:
            feats, best_unit, best_sim = self._unit_features(units, n, k)
            if self.rules_ is not None:
                feats[:, :, FEATURES.index("rules")] = self.rules_.predict_proba(list(texts))
            if self.use_question:
                feats[:, :, FEATURES.index("question")] = self._question_feature(questions)
        feats[empty] = 0.0
        scored = _Scored(feats, best_unit, best_sim, units, empty)
        self._memo = (key, scored)
        return scored

    def _unit_features(self, units: _Units, n: int, k: int) -> tuple[np.ndarray, ...]:
        vecs = np.asarray(self.embedder_.encode(units.texts), dtype=np.float32)
        masked = self._masked_vectors(units, vecs)
        u = len(units.texts)
        per_unit = np.zeros((u, k, 4), dtype=np.float64)  # definition, terms, examples, exclusion
        for j, proto in enumerate(self._proto):
            v = masked.get(j, vecs)
            per_unit[:, j, 0] = (v @ proto["definition"].T).max(axis=1)
            per_unit[:, j, 1] = _topk_mean(v @ proto["terms"].T, self.top_k)
            per_unit[:, j, 2] = (v @ proto["examples"].T).max(axis=1)
            if len(proto["exclusion"]):
                per_unit[:, j, 3] = (v @ proto["exclusion"].T).max(axis=1)
        combined = per_unit[:, :, :3].mean(axis=2)  # (u, k)
        feats = np.zeros((n, k, len(FEATURES)), dtype=np.float64)
        best_unit = np.full((n, k), -1, dtype=np.int64)
        best_sim = np.zeros((n, k), dtype=np.float64)
        best_comb = np.full((n, k), -np.inf)
        real = np.array([s[0] >= 0 for s in units.spans], dtype=bool)
        # Units are grouped by owner in order, so each quote is one contiguous block.
        starts = np.flatnonzero(np.r_[True, units.owner[1:] != units.owner[:-1]])
        ends = np.r_[starts[1:], u]
        for a, b in zip(starts, ends, strict=True):
            i = units.owner[a]
            block = per_unit[a:b]
            feats[i, :, 0:3] = block[:, :, 0:3].max(axis=0)
            arg = combined[a:b].argmax(axis=0)
            feats[i, :, 3] = block[arg, np.arange(k), 3]
            best_comb[i] = combined[a:b].max(axis=0)
            comb_real = np.where(real[a:b, None], combined[a:b], -np.inf)
            best_unit[i] = a + comb_real.argmax(axis=0)
            best_sim[i] = comb_real.max(axis=0)
        if k > 1:
            top2 = np.sort(best_comb, axis=1)[:, -2:]
            other = np.where(best_comb >= top2[:, [1]], top2[:, [0]], top2[:, [1]])
            finite = np.isfinite(best_comb)
            feats[:, :, FEATURES.index("margin")] = np.where(finite, best_comb - other, 0.0)
            mean = np.where(finite, best_comb, 0.0).mean(axis=1, keepdims=True)
            feats[:, :, FEATURES.index("centred")] = np.where(finite, best_comb - mean, 0.0)
            # The runner-up theme: quotes often carry two themes, and margin alone buries the second.
            rank = np.argsort(np.argsort(-np.where(finite, best_comb, -np.inf), axis=1), axis=1)
            feats[:, :, FEATURES.index("second")] = (rank == 1) & finite
        return feats, best_unit, best_sim

    def _masked_vectors(self, units: _Units, vecs: np.ndarray) -> dict[int, np.ndarray]:
        """Per theme with false friends: unit vectors re-embedded with the false friends removed."""
        out: dict[int, np.ndarray] = {}
        for j, rx in enumerate(self._ff):
            if rx is None:
                continue
            hits = [(i, rx.sub(" ", t)) for i, t in enumerate(units.texts) if rx.search(t)]
            if not hits:
                continue
            v = vecs.copy()
            v[[i for i, _ in hits]] = self.embedder_.encode([t for _, t in hits])
            out[j] = v
        return out

    def _question_feature(self, questions: list[str]) -> np.ndarray:
        uniq = sorted({q for q in questions if q.strip()})
        out = np.zeros((len(questions), len(self.classes_)), dtype=np.float64)
        if not uniq:
            return out
        qv = np.asarray(self.embedder_.encode(uniq), dtype=np.float32)
        sims = np.stack([_topk_mean(qv @ p.T, self.top_k) for p in self._qproto], axis=1)
        sims = sims - sims.mean(axis=1, keepdims=True)  # relative: which themes the question favours
        row = {q: i for i, q in enumerate(uniq)}
        for i, q in enumerate(questions):
            if q in row:
                out[i] = sims[row[q]]
        return out

    def _combine(self, feats: np.ndarray, weights: Mapping[str, float]) -> np.ndarray:
        w = np.array([weights[f] for f in FEATURES], dtype=np.float64)
        return _sigmoid(feats @ w + weights["bias"])

    # -- tuning with a few coded quotes -------------------------------------------------------------
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
        # Standardise so that C means the same for every feature, then fold the scaling back
        # into raw-feature weights (what the defaults file stores).
        mu, sd = F.mean(axis=0), F.std(axis=0)
        sd[sd == 0] = 1.0
        lr = LogisticRegression(C=self.C, max_iter=5000).fit((F - mu) / sd, target)
        coef = lr.coef_[0] / sd
        weights = {f: 0.0 for f in FEATURES}
        weights.update({f: float(c) for f, c in zip(active, coef, strict=True)})
        weights["bias"] = float(lr.intercept_[0] - (coef * mu).sum())
        self.weights_ = weights
        P = self._combine(scored.features, weights)[keep]
        self.thresholds_ = _tune_thresholds(P, Y[keep], self.classes_, self.threshold_shrinkage)

    def tuned_params(self) -> dict[str, object]:
        """Weights and thresholds in the shape of ``cls_default.zeroshot.yaml`` (for saving)."""
        check_is_fitted(self)
        return {
            "weights": {k: round(v, 4) for k, v in self.weights_.items()},
            "thresholds": {k: round(v, 3) for k, v in self.thresholds_.items()},
        }

    # -- public API ----------------------------------------------------------------------------------
    def predict_proba(self, X: object) -> np.ndarray:
        """Return an (n_texts, n_themes) array of combined scores in [0, 1]."""
        scored = self._score(X)
        proba = self._combine(scored.features, self.weights_)
        proba[scored.empty] = 0.0
        return proba

    def predict(self, X: object) -> np.ndarray:
        """Return an (n_texts, n_themes) 0/1 indicator matrix aligned with ``classes_``."""
        proba = self.predict_proba(X)
        thr = np.array([self.thresholds_[t] for t in self.classes_], dtype=np.float64)
        return (proba >= thr).astype(np.int64)

    def explain(self, X: object) -> list[dict[str, list[S.Evidence]]]:
        """Return, per text, the best-matching sentence of every tagged theme as Evidence.

        The evidence spans the whole sentence (``matched == sentence``); ``term`` names the
        theme; ``score`` is the theme's combined score; ``source`` is ``"zeroshot"``.
        """
        texts, _ = _texts_and_questions(X)
        scored = self._score(X)
        proba = self._combine(scored.features, self.weights_)
        tags = self.predict(X)
        out: list[dict[str, list[S.Evidence]]] = []
        for i, text in enumerate(texts):
            per: dict[str, list[S.Evidence]] = {}
            for j in np.flatnonzero(tags[i]):
                unit = scored.best_unit[i, j]
                if unit < 0:
                    continue
                a, b = scored.units.spans[unit]
                per[str(self.classes_[j])] = [
                    S.Evidence(
                        term=str(self.classes_[j]),
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
    """Per-theme F1-best thresholds, shrunk towards the global micro-F1-best threshold."""
    grid = np.round(np.arange(0.05, 0.96, 0.01), 2)

    def f1(pred: np.ndarray, true: np.ndarray) -> float:
        tp = float((pred & true).sum())
        denom = float(pred.sum() + true.sum())
        return 2 * tp / denom if denom else 0.0

    Yb = Y.astype(bool)
    glob = max(grid, key=lambda t: (f1(P >= t, Yb), -abs(t - 0.5)))
    out: dict[str, float] = {}
    for j, theme in enumerate(classes):
        if Yb[:, j].sum() == 0:
            out[str(theme)] = float(glob)
            continue
        own = max(grid, key=lambda t: (f1(P[:, j] >= t, Yb[:, j]), -abs(t - glob)))
        out[str(theme)] = float(round(shrinkage * glob + (1 - shrinkage) * own, 3))
    return out


def _default_embedder() -> Any:
    from cls_text.embeddings import Embedder

    return Embedder()
