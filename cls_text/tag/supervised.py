"""Supervised multi-label theme tagger, trained on coded examples.

One linear classifier per theme over TF-IDF words + characters, sentence embeddings and the
question type (:mod:`cls_text.tag.features`). Cross-validation *on the training data only* does
three jobs at once: its out-of-fold scores calibrate each theme's probabilities (Platt
scaling), choose each theme's threshold (the one maximising out-of-fold F1), and give the
cross-validated per-theme figures recorded in the model card. Nothing is tuned on test data.

Themes with fewer than ``min_examples`` positive examples are listed in ``too_few_examples_``
and never predicted: a classifier fitted to three examples tags noise, and evaluators should
be told to code more examples rather than be shown it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from sklearn.utils.validation import check_is_fitted

from cls_text import schema as S
from cls_text.review.evaluate import evaluate_tags
from cls_text.tag.base import TextInputMixin
from cls_text.tag.embeddings import TextEmbedder, make_embedder
from cls_text.tag.features import Featurizer, split_sentences, split_texts

if TYPE_CHECKING:
    from cls_text.codebook import Codebook
from cls_text.tag.linear import (  # noqa: F401 - ESTIMATORS re-exported: its old home
    ESTIMATORS,
    decide_multi,
    fit_multi,
    gram,
    make_linear,
    solve_dual,
)

#: Embedder used unless another is given: fast enough to predict >= 500 comments/s on two cores
#: including embedding, and better than none (internal-CV micro-F1 on the NHS train rows 0.707
#: against 0.704); MiniLM itself (0.722) predicts ~120/s. See docs/models.md.
DEFAULT_EMBEDDER = "minilm-static"
#: Up to this many training texts, ridge is solved in the dual with one Gram matrix (n x n
#: floats: 200 MB at 5,000 texts) shared by all folds: ~5x faster than per-fold sparse solvers.
_DUAL_MAX_ROWS = 8000
#: Candidate thresholds searched per theme (on calibrated probabilities).
_THRESHOLDS = np.round(np.arange(0.05, 0.951, 0.025), 3)


class _PrimalLinear:
    """Weights recovered from a dual solution: ``F @ coef + intercept`` (all themes)."""

    def __init__(self, coef: np.ndarray, intercept: np.ndarray) -> None:
        self.coef = coef.astype(np.float32)
        self.intercept = intercept.astype(np.float32)

    def predict(self, F: sp.csr_matrix) -> np.ndarray:
        return np.asarray(F @ self.coef) + self.intercept


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))


def _fit_platt(scores: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Fit p = sigmoid(a * score + b) on out-of-fold scores (Platt scaling)."""
    lr = LogisticRegression(C=1e4, solver="lbfgs", max_iter=1000)
    lr.fit(scores.reshape(-1, 1), y)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def _best_threshold(proba: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Return (threshold, F1) maximising F1 over ``_THRESHOLDS`` (ties: the lowest threshold)."""
    pos = y.sum()
    best_t, best_f1 = 0.5, -1.0
    for t in _THRESHOLDS:
        pred = proba >= t
        tp = float((pred & (y == 1)).sum())
        denom = pred.sum() + pos
        f1 = 2 * tp / denom if denom else 0.0
        if f1 > best_f1 + 1e-12:
            best_t, best_f1 = float(t), f1
    return best_t, best_f1


def check_indicator(y: object, n_rows: int) -> tuple[np.ndarray, list[str] | None]:
    """Validate a 0/1 indicator matrix; return it and its column names if it had any.

    Raises:
        ValueError: naming the row and column of the first bad value.
    """
    names = [str(c) for c in y.columns] if isinstance(y, pd.DataFrame) else None
    arr = np.asarray(y)
    if arr.ndim != 2:
        raise ValueError(
            f"y must be a 2-D indicator matrix (n_texts, n_themes), got shape {arr.shape}"
        )
    if arr.shape[0] != n_rows:
        raise ValueError(f"y has {arr.shape[0]} rows but X has {n_rows} texts")
    bad = ~np.isin(arr, [0, 1])
    if bad.any():
        r, c = np.argwhere(bad)[0]
        col = names[c] if names else str(c)
        raise ValueError(f"y row {r}, column '{col}': value {arr[r, c]!r} is not 0 or 1")
    return arr.astype(np.int64), names


@dataclass(kw_only=True, eq=False, repr=False)  # writes the keyword __init__ sklearn expects
class SupervisedTagger(TextInputMixin, ClassifierMixin, BaseEstimator):
    """Multi-label theme tagger learned from coded examples (see module docstring).

    Args:
        classes: Theme ids, one per column of ``y`` (None: ``y``'s DataFrame columns, else
            "0", "1", ...).
        embedder: An embedder (``Embedder``, ``HashingEmbedder``), a name for
            :func:`~cls_text.tag.embeddings.make_embedder`, or None for no embedding features.
            Default ``"minilm-static"`` (the static MiniLM distillation): on the NHS benchmark it
            is the only choice that meets every target, prediction >= 500 comments/s including
            embedding among them; ``"minilm"`` scores ~1 point higher but predicts ~120/s.
        estimator: ``"ridge"`` (one multi-output ridge regression: fast), ``"svm"``
            (LinearSVC per theme) or ``"logreg"`` (liblinear logistic regression per theme).
        C: Inverse regularisation strength (ridge: alpha = 1/C). 0.5 had the best internal-CV
            micro-F1 on the NHS training rows with the default static embedder (0.2, 0.3, 0.5,
            1 tried; with MiniLM 0.3 was best of 0.3 and 1).
        char_ngrams: Add character 2–5-gram TF-IDF (robust to typos and word forms).
        embedding_weight: Scale of the embedding block relative to TF-IDF.
        use_question: Add the question type as a feature when X has a ``question`` column.
        min_examples: Fewest positive examples a theme needs to be learned.
        cv: Folds of the internal cross-validation (calibration, thresholds, card figures).
        random_state: Seed of the fold split and the estimators.

    Examples:
        >>> from cls_text.tag.embeddings import HashingEmbedder
        >>> tagger = SupervisedTagger(classes=["a", "b"], embedder=HashingEmbedder())
        >>> tagger.fit(texts, Y).predict(["new text"])  # doctest: +SKIP
    """

    multi_label_output = True

    classes: Sequence[str] | None = None
    embedder: TextEmbedder | str | None = DEFAULT_EMBEDDER
    estimator: str = "ridge"
    C: float = 0.5
    char_ngrams: bool = True
    embedding_weight: float = 1.0
    use_question: bool = True
    min_examples: int = 5
    cv: int = 5
    random_state: int = 0

    # -- fitting ---------------------------------------------------------------------------------
    def fit(self, X: object, y: object) -> SupervisedTagger:
        """Fit one calibrated classifier per theme and tune its threshold by internal CV.

        Raises:
            ValueError: for bad ``X``/``y``, or bad parameters.
        """
        texts, questions = split_texts(X)
        Y, names = check_indicator(y, len(texts))
        if self.min_examples < 2:
            raise ValueError(f"min_examples must be >= 2, got {self.min_examples}")
        if self.cv < 2:
            raise ValueError(f"cv must be >= 2, got {self.cv}")
        make_linear(self.estimator, self.C, self.random_state)  # validates `estimator`
        classes = list(self.classes) if self.classes is not None else names
        if classes is None:
            classes = [str(j) for j in range(Y.shape[1])]
        if len(classes) != Y.shape[1]:
            raise ValueError(f"classes has {len(classes)} ids but y has {Y.shape[1]} columns")
        self.classes_ = np.array(classes, dtype=object)

        embedder = make_embedder(self.embedder) if isinstance(self.embedder, str) else self.embedder
        self.featurizer_ = Featurizer(
            embedder=embedder,
            char_ngram_range=(2, 5) if self.char_ngrams else None,
            embedding_weight=self.embedding_weight,
            question_weight=1.0 if self.use_question else 0.0,
        )
        # The vectorisers see all training texts once (unsupervised; the labels stay in-fold).
        F = self.featurizer_.fit_transform(texts, questions if self.use_question else None)
        support = Y.sum(axis=0)
        learnable = support >= self.min_examples
        self.support_ = support
        self.too_few_examples_ = [c for c, ok in zip(classes, learnable, strict=True) if not ok]

        self.learned_ = np.flatnonzero(learnable)
        self._gram_: np.ndarray | None = None  # set by _out_of_fold_scores for dual ridge
        oof = self._out_of_fold_scores(F, Y[:, self.learned_])
        k = Y.shape[1]
        self.calibration_ = np.zeros((k, 2), dtype=np.float64)
        self.thresholds_ = np.ones(k, dtype=np.float64)
        oof_pred = np.zeros_like(Y)
        for col, j in enumerate(self.learned_):
            a, b = _fit_platt(oof[:, col], Y[:, j])
            self.calibration_[j] = (a, b)
            proba = _sigmoid(a * oof[:, col] + b)
            self.thresholds_[j], _ = _best_threshold(proba, Y[:, j])
            oof_pred[:, j] = proba >= self.thresholds_[j]
        self.model_: Any
        if self._gram_ is not None:
            A = solve_dual(self._gram_, Y[:, self.learned_], 1.0 / self.C)
            self.model_ = _PrimalLinear(np.asarray(F.T @ A), A.sum(axis=0))
        else:
            self.model_ = fit_multi(
                self.estimator, self.C, self.random_state, F, Y[:, self.learned_]
            )
        self._gram_ = None
        self.cv_metrics_ = evaluate_tags(Y, oof_pred, list(classes))
        self.n_features_ = F.shape[1]
        return self

    def _out_of_fold_scores(self, F: sp.csr_matrix, Y: np.ndarray) -> np.ndarray:
        folds = KFold(n_splits=min(self.cv, len(Y)), shuffle=True, random_state=self.random_state)
        oof = np.zeros(Y.shape, dtype=np.float64)
        self._gram_ = None
        if Y.shape[1] == 0:
            return oof
        if self.estimator == "ridge" and len(Y) <= _DUAL_MAX_ROWS:
            # One Gram matrix serves every fold and the final fit (see _DUAL_MAX_ROWS).
            K = gram(F, self.featurizer_.n_dense)
            self._gram_ = K
            for train, test in folds.split(F):
                A = solve_dual(K[np.ix_(train, train)], Y[train], 1.0 / self.C)
                oof[test] = K[np.ix_(test, train)] @ A
            return oof
        for train, test in folds.split(F):
            model = fit_multi(self.estimator, self.C, self.random_state, F[train], Y[train])
            oof[test] = decide_multi(model, F[test])
        return oof

    # -- prediction ------------------------------------------------------------------------------
    def _features(self, X: object) -> tuple[sp.csr_matrix, list[str]]:
        check_is_fitted(self, "model_")
        texts, questions = split_texts(X)
        return self.featurizer_.transform(texts, questions if self.use_question else None), texts

    def _proba_from_features(self, F: sp.csr_matrix, texts: list[str]) -> np.ndarray:
        out = np.zeros((F.shape[0], len(self.classes_)), dtype=np.float64)
        if len(self.learned_):
            a, b = self.calibration_[self.learned_, 0], self.calibration_[self.learned_, 1]
            out[:, self.learned_] = _sigmoid(a * decide_multi(self.model_, F) + b)
        blank = np.array([not t.strip() for t in texts], dtype=bool)
        out[blank] = 0.0  # empty answers get no themes
        return out

    def predict_proba(self, X: object) -> np.ndarray:
        """Return (n_texts, n_themes) calibrated probabilities (0 for unlearnable themes)."""
        F, texts = self._features(X)
        return self._proba_from_features(F, texts)

    def predict(self, X: object) -> np.ndarray:
        """Return the (n_texts, n_themes) 0/1 matrix: probability >= the theme's threshold."""
        return (self.predict_proba(X) >= self.thresholds_).astype(np.int64)

    def explain(self, X: object) -> list[dict[str, list[S.Evidence]]]:
        """Return, per text, the best sentence for each predicted theme.

        Each sentence of a multi-sentence text is scored on its own (with the text's question);
        the one with the highest probability for a theme becomes its evidence, with
        ``term`` set to the theme id and ``source`` to ``"supervised"``.
        """
        texts, questions = split_texts(X)
        pred = self.predict(X)
        pieces: list[str] = []
        piece_q: list[str] = []
        owners: list[tuple[int, Any]] = []
        for i, text in enumerate(texts):
            if not pred[i].any():
                continue
            sents = split_sentences(text) or []
            for s in sents:
                pieces.append(s.text)
                piece_q.append(questions[i] if questions else "")
                owners.append((i, s))
        proba = self.predict_proba(pd.DataFrame({S.TEXT: pieces, S.QUESTION: piece_q}))
        out: list[dict[str, list[S.Evidence]]] = [{} for _ in texts]
        best: dict[tuple[int, int], tuple[float, Any]] = {}
        for row, (i, sent) in enumerate(owners):
            for j in (int(v) for v in np.flatnonzero(pred[i])):
                if (i, j) not in best or proba[row, j] > best[(i, j)][0]:
                    best[(i, j)] = (float(proba[row, j]), sent)
        full = self.predict_proba(X) if best else None
        for (i, j), (_, sent) in sorted(best.items()):
            assert full is not None
            theme = str(self.classes_[j])
            score = round(float(full[i, j]), 4)
            span = (sent.start, sent.end)  # split_sentences keeps text[start:end] == sent.text
            out[i][theme] = [
                S.Evidence.at(texts[i], span, term=theme, score=score, source="supervised")
            ]
        return out


# -- coded data and training from files ---------------------------------------------------------
def train_from_file(
    path: str | Path,
    codebook_path: str | Path | None,
    name: str,
    models_dir: str | Path,
    *,
    embedder: TextEmbedder | str | None = DEFAULT_EMBEDDER,
    **params: Any,
) -> dict[str, Any]:
    """Train a :class:`SupervisedTagger` on a coded CSV and save it; return its model card.

    This is ``cls-text train CODED.csv --codebook ... --name NAME``. The card names the themes
    with too few examples (``too_few_examples``) so the CLI can tell the user to code more.

    Raises:
        InputFileError: for a bad coded file (see :func:`read_coded`).
    """
    from cls_text.tag.train_file import Trained, train_on_file

    def fit(codebook: Codebook, frame: pd.DataFrame, Y: np.ndarray) -> Trained:
        tagger = SupervisedTagger(classes=codebook.theme_ids(), embedder=embedder, **params)
        tagger.fit(frame, Y)
        settings = {
            k: v for k, v in tagger.get_params().items() if k not in ("classes", "embedder")
        }
        emb = tagger.featurizer_.embedder
        settings["embedder"] = emb.model_id if emb is not None else None
        thresholds = zip(tagger.classes_, tagger.thresholds_, strict=True)
        card = {
            "too_few_examples": list(tagger.too_few_examples_),
            "min_examples": tagger.min_examples,
            "thresholds": {str(c): float(t) for c, t in thresholds},
        }
        return Trained(tagger, settings, card, cv_metrics=tagger.cv_metrics_)

    return train_on_file(path, codebook_path, name, models_dir, fit)
