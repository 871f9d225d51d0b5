"""The default tagger: per-theme heads pre-trained on real coded CLS quotes.

For the default codebook, "zero-shot" means "pre-trained on real CLS language": each theme has
its own logistic head over features shared by all themes (hashed TF-IDF words and word pairs,
the static MiniLM embedding of the answer) and features of *that theme only* (similarity of
the answer's sentences to the theme's definition, terms, examples and exclusions, and the
rules tagger's score for it). Heads are independent: no softmax and no feature that compares
one theme with another. The one cross-theme step is that an answer no theme clears gets its
nearest *shipped* theme when it came close (``best_theme_floor``); a theme added to the codebook
is never among them, so adding it never changes another theme's tags.

A theme the shipped heads do not know (a new theme, or an edited one: matched by the sha256 of
its definition) is scored by one *generic* head over its own codebook features, learned from
the default themes pooled; it is the true zero-shot path for that theme alone.

The shipped weights are plain arrays (``models/cls-default/weights.npz``, no pickle and no
vocabulary: words are hashed), trained by ``models/train_default_tagger.py``; their sha256 is
in the model card beside it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from cls_text import schema as S
from cls_text.codebook.model import Codebook, Theme
from cls_text.io.artifacts import load_checked_arrays
from cls_text.tag.base import TextInputMixin, best_sentence_evidence
from cls_text.tag.rules import RulesTagger, check_texts, resolve_codebook
from cls_text.tag.thresholds import (
    BASE_THRESHOLD,
    best_threshold,
    group_folds,
    with_best_theme,
)

#: Package-data folder of the shipped default model.
DEFAULT_MODEL = "cls-default"
#: The accurate variant: the same heads trained over all-mpnet-base-v2 (``tagger: accurate``).
ACCURATE_MODEL = "cls-default-mpnet"
#: The encoder of the default model (its card names the encoder; this one needs no building).
STATIC = "minilm-static"
#: Own-theme features, in column order (the rules score comes last).
OWN_FEATURES = ("definition", "terms", "examples", "exclusion", "rules")
#: Own-theme features are scaled up so that one C suits them and the many word features.
OWN_SCALE = 3.0


def theme_sha256(theme: Theme) -> str:
    """sha256 of a theme's full definition (what a trained head is valid for)."""
    blob = json.dumps(theme.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _hasher(n_features: int) -> HashingVectorizer:
    return HashingVectorizer(
        ngram_range=(1, 2), n_features=n_features, alternate_sign=False, norm=None
    )


@dataclass(kw_only=True, eq=False, repr=False)  # writes the keyword __init__ sklearn expects
class DefaultTagger(TextInputMixin, ClassifierMixin, BaseEstimator):
    """Per-theme logistic heads over shared text features and each theme's own codebook scores.

    Args:
        codebook: A Codebook, a path, a mapping, or None for the default codebook.
        embedder: ``encode(list[str]) -> (n, d)`` L2-normalised; None: the static MiniLM
            (``minilm-static``), fast enough for ~1,000+ answers/s on 2 cores.
        C: Inverse regularisation of every head.
        n_features: Hashed word/word-pair columns.
        min_df: Word columns seen in fewer training quotes than this are dropped.
        min_positives: A theme with fewer coded positives than this gets the generic head.
        inner_folds: Folds for the out-of-fold scores the thresholds are chosen on.
        shrinkage: Weight of :data:`BASE_THRESHOLD` against each theme's own best threshold.
        best_theme_floor: An answer no theme clears gets its nearest trained theme when its
            score reaches this share of that theme's threshold (None: never); see
            :func:`cls_text.tag.thresholds.with_best_theme`.
        prior_scale: When set, each theme's head also sees the generic head's logit for that
            theme, times this scale: a prior learnt from all themes' coded quotes at once, which
            a theme with a handful of positives cannot learn alone (None: no prior).
        random_state: Seed of the inner folds.

    Examples:
        >>> tagger = load_default_tagger()                       # doctest: +SKIP
        >>> tagger.predict(["Nobody listened to what mattered to me."])  # doctest: +SKIP
    """

    #: The last input's scores are memoised: explaining that same input costs no re-scoring.
    remembers_last_batch = True

    codebook: Codebook | str | Path | dict | None = None
    embedder: Any = None
    C: float = 1.0
    n_features: int = 2**18
    min_df: int = 2
    min_positives: int = 3
    inner_folds: int = 3
    shrinkage: float = 0.5
    best_theme_floor: float | None = 0.5
    prior_scale: float | None = None
    random_state: int = 0

    # -- features ----------------------------------------------------------------------------
    def _setup(self) -> None:
        from cls_text.tag.zeroshot import ZeroShotTagger

        self.codebook_ = resolve_codebook(self.codebook)
        self.classes_ = np.array(self.codebook_.theme_ids(), dtype=object)
        self.embedder_ = self.embedder if self.embedder is not None else _static_embedder()
        self.rules_ = RulesTagger(codebook=self.codebook_).fit()
        # Only the per-theme similarity features of the zero-shot scorer are used.
        self._zs = ZeroShotTagger(codebook=self.codebook_, embedder=self.embedder_, rules=False)
        self._zs.fit()
        self._proba_memo: tuple[int, np.ndarray] | None = None  # refitted: nothing is known

    def _shared(self, texts: list[str]) -> tuple[sp.csr_matrix, np.ndarray]:
        counts = _hasher(self.n_features).transform(texts).tocsr()
        return counts, np.asarray(self.embedder_.encode(texts), dtype=np.float64)

    def _own(self, X: object, texts: list[str]) -> np.ndarray:
        """(n, k, len(OWN_FEATURES)) own-theme features, already scaled."""
        zs = self._zs._score(X).features[:, :, :4]
        rules = self.rules_.predict_proba(texts)[:, :, None]
        return OWN_SCALE * np.concatenate([zs, rules], axis=2)

    def _words(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        """Sublinear TF-IDF over the kept hashed columns, L2-normalised rows."""
        x = counts[:, self.cols_].astype(np.float64)
        x.data = 1.0 + np.log(x.data)
        x = x @ sp.diags(self.idf_[self.cols_])
        norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sp.csr_matrix(sp.diags(1.0 / norms) @ x)

    def _design(self, words: sp.csr_matrix, emb: np.ndarray, own_j: np.ndarray) -> sp.csr_matrix:
        blocks = [words, sp.csr_matrix(emb), sp.csr_matrix(own_j)]
        if self.prior_scale:
            blocks.append(sp.csr_matrix(self.prior_scale * self._generic_logit(own_j)[:, None]))
        return sp.hstack(blocks).tocsr()

    def _generic_logit(self, own_j: np.ndarray) -> np.ndarray:
        return own_j @ self.generic_[:-1] + self.generic_[-1]

    # -- fitting -----------------------------------------------------------------------------
    def fit(self, X: object, y: object, groups: Sequence[object] | None = None) -> DefaultTagger:
        """Fit one head per theme, and the generic head, on coded quotes.

        Args:
            X: Texts, or a DataFrame with ``text`` (and optional ``question``).
            y: (n, k) 0/1 matrix aligned with the codebook's theme ids.
            groups: Optional group per quote (e.g. source page) kept within one inner fold.

        Returns:
            self.

        Raises:
            ValueError: for a bare string, or ``y`` of the wrong shape or values.
        """
        texts = check_texts(X)
        self._setup()
        Y = np.asarray(y)
        k = len(self.classes_)
        if Y.shape != (len(texts), k) or not np.isin(Y, (0, 1)).all():
            raise ValueError(f"y must be an ({len(texts)}, {k}) 0/1 matrix, got shape {Y.shape}")
        counts, emb = self._shared(texts)
        df = np.asarray((counts > 0).sum(axis=0)).ravel()
        idf = np.log((1 + len(texts)) / (1 + df)) + 1.0
        self.idf_ = np.where(df >= self.min_df, idf, 0.0)
        self.cols_ = np.flatnonzero(self.idf_)
        words = self._words(counts)
        own = self._own(X, texts)
        self._fit_generic(own, Y)  # first: with a prior, every head sees its logit
        folds = group_folds(len(texts), groups, self.inner_folds, self.random_state)
        d = words.shape[1] + emb.shape[1] + own.shape[2] + int(bool(self.prior_scale))
        self.coef_ = np.zeros((k, d))
        self.intercept_ = np.zeros(k)
        self.thresholds_ = np.full(k, BASE_THRESHOLD)
        self.trained_ = np.zeros(k, dtype=bool)
        for j in range(k):
            yj = Y[:, j]
            if yj.sum() < self.min_positives or yj.sum() > len(yj) - 2:
                continue
            D = self._design(words, emb, own[:, j])
            oof = np.zeros(len(texts))
            for te in folds:
                tr = np.setdiff1d(np.arange(len(texts)), te)
                if yj[tr].any() and not yj[tr].all():
                    oof[te] = self._lr().fit(D[tr], yj[tr]).predict_proba(D[te])[:, 1]
            own_t = best_threshold(oof, yj)
            self.thresholds_[j] = self.shrinkage * BASE_THRESHOLD + (1 - self.shrinkage) * own_t
            lr = self._lr().fit(D, yj)
            self.coef_[j], self.intercept_[j] = lr.coef_[0], lr.intercept_[0]
            self.trained_[j] = True
        self.theme_sha256_ = [theme_sha256(t) for t in self.codebook_.themes]
        return self

    def _lr(self) -> LogisticRegression:
        return LogisticRegression(C=self.C, max_iter=3000)

    def _fit_generic(self, own: np.ndarray, Y: np.ndarray) -> None:
        """One head over own-theme features, pooled over themes: for themes it was not fit on."""
        F = own.reshape(-1, own.shape[2])
        t = Y.reshape(-1)
        if len(np.unique(t)) < 2:
            self.generic_ = np.r_[np.zeros(own.shape[2]), -3.0]
            self.generic_threshold_ = BASE_THRESHOLD
            return
        lr = LogisticRegression(C=1.0, max_iter=3000, class_weight="balanced").fit(F, t)
        self.generic_ = np.r_[lr.coef_[0], lr.intercept_[0]]
        p = 1 / (1 + np.exp(-(F @ self.generic_[:-1] + self.generic_[-1])))
        self.generic_threshold_ = best_threshold(p, t)

    # -- prediction --------------------------------------------------------------------------
    def predict_proba(self, X: object) -> np.ndarray:
        """(n_texts, n_themes) scores in [0, 1]; blank texts score 0."""
        check_is_fitted(self, "coef_")
        texts = check_texts(X)
        if not texts:
            return np.zeros((0, len(self.classes_)))
        # tag_frame asks for scores, then tags, of the same chunk: the memo of the last input
        # spares the second embedding and rules pass (one tuple, so threads see all or nothing).
        key = _input_key(X, texts)
        memo = getattr(self, "_proba_memo", None)
        if memo is not None and memo[0] == key:
            return memo[1].copy()
        proba = self._score(X, texts)
        self._proba_memo = (key, proba)
        return proba.copy()

    def _score(self, X: object, texts: list[str]) -> np.ndarray:
        counts, emb = self._shared(texts)
        words = self._words(counts)
        own = self._own(X, texts)
        nw, ne, no = words.shape[1], emb.shape[1], own.shape[2]
        z = np.zeros((len(texts), len(self.classes_)))
        for j in range(len(self.classes_)):
            if not self.trained_[j]:
                z[:, j] = self._generic_logit(own[:, j])
                continue
            c = self.coef_[j]
            z[:, j] = words @ c[:nw] + emb @ c[nw : nw + ne]
            z[:, j] += own[:, j] @ c[nw + ne : nw + ne + no] + self.intercept_[j]
            if self.prior_scale:
                z[:, j] += c[nw + ne + no] * self.prior_scale * self._generic_logit(own[:, j])
        proba = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
        blank = np.array([not t.strip() for t in texts])
        proba[blank] = 0.0
        return proba

    def __getstate__(self) -> dict[str, object]:
        state = super().__getstate__()
        state.pop("_proba_memo", None)
        return state

    def thresholds(self) -> np.ndarray:
        """Per-theme decision thresholds (the generic one for untrained heads)."""
        check_is_fitted(self, "coef_")
        return np.where(self.trained_, self.thresholds_, self.generic_threshold_)

    def predict(self, X: object) -> np.ndarray:
        """(n_texts, n_themes) 0/1 indicator matrix aligned with ``classes_``."""
        proba = self.predict_proba(X)
        return with_best_theme(proba, self.thresholds(), self.trained_, self.best_theme_floor)

    def explain(self, X: object) -> list[dict[str, list[S.Evidence]]]:
        """Best-matching sentence per tagged theme (from the codebook similarity scorer)."""
        tags = self.predict(X)
        texts = check_texts(X)
        proba = self.predict_proba(X)
        if not len(tags):
            return []
        best = self._zs._score(X).best_span
        # A theme tagged where the scorer found no sentence is explained by the whole answer.
        whole = np.array([(0, len(t)) for t in texts], dtype=best.dtype)[:, None, :]
        spans = np.where(best[:, :, :1] < 0, whole, best)
        return best_sentence_evidence(texts, tags, spans, proba, self.classes_, "default")

    # -- shipping ----------------------------------------------------------------------------
    def to_arrays(self) -> dict[str, np.ndarray]:
        """The learned state as plain arrays (sparse word weights kept sparse)."""
        check_is_fitted(self, "coef_")
        nw = len(self.cols_)
        cols = self.cols_
        return {
            "theme_ids": np.array([str(c) for c in self.classes_]),
            "theme_sha256": np.array(self.theme_sha256_),
            "idf_cols": cols.astype(np.int64),
            "idf_vals": self.idf_[cols].astype(np.float32),
            "word_coef": self.coef_[:, :nw].astype(np.float32),
            "dense_coef": self.coef_[:, nw:].astype(np.float32),
            "intercept": self.intercept_.astype(np.float64),
            "thresholds": self.thresholds_.astype(np.float64),
            "trained": self.trained_,
            "generic": self.generic_.astype(np.float64),
            "generic_threshold": np.array([self.generic_threshold_]),
        }

    def for_codebook(self, arrays: dict[str, np.ndarray], codebook: Codebook) -> DefaultTagger:
        """Fill in shipped arrays for ``codebook``: a head per theme whose definition matches."""
        self.codebook = codebook
        self._setup()
        self.idf_ = np.zeros(self.n_features)
        cols = np.asarray(arrays["idf_cols"], dtype=np.int64)
        self.idf_[cols] = arrays["idf_vals"]
        self.cols_ = cols
        nw = len(cols)
        by_hash = {str(h): i for i, h in enumerate(arrays["theme_sha256"])}
        k = len(self.classes_)
        dense = arrays["dense_coef"].shape[1]
        self.coef_ = np.zeros((k, nw + dense))
        self.intercept_ = np.zeros(k)
        self.thresholds_ = np.full(k, BASE_THRESHOLD)
        self.trained_ = np.zeros(k, dtype=bool)
        self.theme_sha256_ = [theme_sha256(t) for t in self.codebook_.themes]
        for j, h in enumerate(self.theme_sha256_):
            i = by_hash.get(h)
            if i is None or not arrays["trained"][i]:
                continue
            self.coef_[j, :nw] = arrays["word_coef"][i]
            self.coef_[j, nw:] = arrays["dense_coef"][i]
            self.intercept_[j] = arrays["intercept"][i]
            self.thresholds_[j] = arrays["thresholds"][i]
            self.trained_[j] = True
        self.generic_ = np.asarray(arrays["generic"], dtype=np.float64)
        self.generic_threshold_ = float(arrays["generic_threshold"][0])
        return self


def _input_key(X: object, texts: list[str]) -> int:
    """A hash of what the scores depend on: the texts and, when given, their questions."""
    columns = getattr(X, "columns", ())
    questions = tuple(str(q) for q in X[S.QUESTION]) if S.QUESTION in columns else ()  # type: ignore[index]
    return hash((tuple(texts), questions))


def _static_embedder() -> Any:
    from cls_text.tag.embeddings import make_embedder

    return make_embedder(STATIC)


def default_model_dir(name: str = DEFAULT_MODEL) -> Path:
    """The package-data folder of a shipped default model (:data:`ACCURATE_MODEL`: its variant)."""
    return Path(str(resources.files("cls_text.tag").joinpath("models", name)))


def read_default_card(model_dir: str | Path | None = None) -> dict[str, Any] | None:
    """The shipped default model's card, or None when it is not installed."""
    path = Path(model_dir or default_model_dir()) / "card.json"
    return json.loads(path.read_text("utf-8")) if path.is_file() else None


def load_default_tagger(
    codebook: Codebook | None = None,
    *,
    model_dir: str | Path | None = None,
    embedder: Any = None,
) -> DefaultTagger | None:
    """The shipped default tagger for ``codebook``, or None if none of its themes is known.

    Raises:
        ClsTextError: when the weights file's sha256 differs from the one in its card.
    """
    folder = Path(model_dir or default_model_dir())
    card = read_default_card(folder)
    if card is None:
        return None
    weights = card["weights"]
    arrays = load_checked_arrays(
        folder / weights["file"], weights["sha256"], "models/train_default_tagger.py"
    )
    book = resolve_codebook(codebook)
    known = set(arrays["theme_sha256"].tolist())
    if not any(theme_sha256(t) in known for t in book.themes):
        return None
    params = dict(card.get("params") or {})
    if embedder is None and card.get("embedder", STATIC) != STATIC:
        from cls_text.tag.embeddings import make_embedder

        embedder = make_embedder(card["embedder"])  # the heads only fit the encoder they saw
    return DefaultTagger(embedder=embedder, **params).for_codebook(arrays, book)
