"""Stance of a tagged theme: is the evidence sentence for it (+), against it (-), or neither (0)?

A general polarity model does this job well enough: "staff were brilliant" is + for staff
morale, "waited weeks" is - for timeliness. The shipped model (package data,
``cls_text/tag/models/stance/``) is TF-IDF +
logistic regression trained on the analysts' 1–5 sentiment scores of the public NHS patient
feedback release (MIT), mapped to three classes: 1–2 -> "+", 3 -> "0", 4–5 -> "-". The question
a quote answers is a feature, because "What could be better?" shifts answers negative.

If the shipped model is absent (an installed package without the repository's ``models/``),
:func:`predict_stance` falls back to a small lexicon with negation, so the pipeline still runs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from cls_text.tag.base import CORE_NEGATORS, TextInputMixin, reject_bare_str
from cls_text.tag.features import question_onehot, split_texts

STANCES = ("+", "-", "0")
#: Name of the shipped stance model in :data:`DEFAULT_MODELS_DIR`.
STANCE_MODEL_NAME = "stance"
#: The package's shipped models (``cls_text/tag/models/``): present in a wheel install too.
DEFAULT_MODELS_DIR = Path(str(resources.files("cls_text.tag").joinpath("models")))

_WORD = re.compile(r"[a-z']+")
_POSITIVE = frozenset(
    """good great excellent brilliant fantastic amazing helpful kind caring friendly supportive
    lovely wonderful happy pleased useful easy quick quicker better best thank thanks grateful
    professional respectful listened understood valued welcoming positive improved efficient
    reassuring reassured polite calm clear smooth perfect outstanding superb nice""".split()
)
_NEGATIVE = frozenset(
    """bad poor terrible awful rude unhelpful slow slower worse worst difficult hard late delay
    delayed delays waiting wait waited ignored dismissive frustrated frustrating frustration
    confusing confused unclear lack lacking never problem problems issue issues complaint
    disappointed disappointing upset angry stressful stress unable cancelled lost wrong
    inadequate unacceptable unprofessional negative bureaucracy bureaucratic red-tape""".split()
)
_NEGATORS = frozenset(
    (*CORE_NEGATORS, "didnt", "wasnt", "isnt", "dont", "doesnt", "couldnt", "wouldnt", "cannot")
)


def sentiment_to_stance(score: float) -> str:
    """Map an NHS 1–5 sentiment score (1 very positive … 5 very negative) to "+", "0" or "-".

    Raises:
        ValueError: for a score outside 1–5.
    """
    if not 1 <= score <= 5:
        raise ValueError(f"sentiment score must be 1..5 (1 very positive), got {score!r}")
    return "+" if score <= 2 else ("0" if score < 4 else "-")


def lexicon_stance(sentence: str) -> str:
    """Score a sentence with the fallback lexicon: positive minus negative words, with negation.

    A negator within the two words before a polar word flips it ("not helpful" is -).
    """
    words = _WORD.findall(sentence.lower().replace("n't", " n't"))
    score = 0
    for i, w in enumerate(words):
        polarity = 1 if w in _POSITIVE else (-1 if w in _NEGATIVE else 0)
        if polarity and any(p in _NEGATORS for p in words[max(0, i - 2) : i]):
            polarity = -polarity
        score += polarity
    return "+" if score > 0 else ("-" if score < 0 else "0")


class StanceModel(TextInputMixin, ClassifierMixin, BaseEstimator):
    """Polarity classifier: TF-IDF word 1–2-grams + question type -> logistic regression.

    ``y`` may be any labels (the shipped model uses "+", "-", "0"; the 5-class accuracy in its
    card comes from the same estimator fitted on the raw 1–5 scores).

    Args:
        C: Inverse regularisation strength.
        use_question: Add the question type when X has a ``question`` column.
        min_df: Minimum document frequency of an n-gram.
    """

    def __init__(self, *, C: float = 4.0, use_question: bool = True, min_df: int = 2) -> None:
        self.C = C
        self.use_question = use_question
        self.min_df = min_df

    def _features(self, texts: list[str], questions: list[str] | None, *, fit: bool) -> Any:
        words = self.vectorizer_.fit_transform(texts) if fit else self.vectorizer_.transform(texts)
        if not self.use_question:
            return words
        q = question_onehot(questions, len(texts))
        return sp.hstack([words, sp.csr_matrix(q)], format="csr")

    def fit(self, X: object, y: Sequence[Any]) -> StanceModel:
        """Fit on texts (or a DataFrame with ``text`` and ``question``) and their labels."""
        texts, questions = split_texts(X)
        labels = np.asarray(list(y))
        if len(labels) != len(texts):
            raise ValueError(f"y has {len(labels)} labels but X has {len(texts)} texts")
        self.vectorizer_ = TfidfVectorizer(
            ngram_range=(1, 2), min_df=self.min_df if len(texts) >= 20 else 1, sublinear_tf=True
        )
        F = self._features(texts, questions, fit=True)
        self.clf_ = LogisticRegression(C=self.C, max_iter=2000).fit(F, labels)
        self.classes_ = self.clf_.classes_
        return self

    def predict_proba(self, X: object) -> np.ndarray:
        """Return (n, n_classes) probabilities aligned with ``classes_``."""
        check_is_fitted(self, "clf_")
        texts, questions = split_texts(X)
        return np.asarray(self.clf_.predict_proba(self._features(texts, questions, fit=False)))

    def predict(self, X: object) -> np.ndarray:
        """Return the most likely label per text; blank texts get "0" when "0" is a class."""
        check_is_fitted(self, "clf_")
        texts, questions = split_texts(X)
        pred = self.clf_.predict(self._features(texts, questions, fit=False))
        if "0" in set(self.classes_):
            pred = np.where([not t.strip() for t in texts], "0", pred)
        return np.asarray(pred)


_LOADED: dict[str, Any] = {}


def load_stance_model(models_dir: str | Path | None = None) -> StanceModel | None:
    """Load the shipped stance model (hash-checked), or return None if there is none."""
    from cls_text.errors import ModelError
    from cls_text.io.artifacts import load_model

    root = Path(models_dir) if models_dir is not None else DEFAULT_MODELS_DIR
    key = str(root)
    if key not in _LOADED:
        try:
            _LOADED[key] = load_model(root, STANCE_MODEL_NAME)
        except ModelError:
            _LOADED[key] = None
    model: StanceModel | None = _LOADED[key]
    return model


def predict_stance(
    sentences: Sequence[str],
    questions: Sequence[str] | None = None,
    *,
    model: StanceModel | None = None,
    models_dir: str | Path | None = None,
) -> list[str]:
    """Return "+", "-" or "0" for each evidence sentence.

    Args:
        sentences: Evidence sentences (one per tag).
        questions: The question each sentence's quote answers (same length), or None.
        model: A fitted :class:`StanceModel`; None loads the shipped one, and without it the
            lexicon fallback is used.
        models_dir: Where to look for the shipped model (default: the repository's models/).

    Raises:
        ValueError: for a bare string, or questions of a different length.
    """
    reject_bare_str(sentences)
    sentences = list(sentences)
    if questions is not None and len(questions) != len(sentences):
        raise ValueError(f"{len(questions)} questions for {len(sentences)} sentences")
    if not sentences:
        return []
    model = model if model is not None else load_stance_model(models_dir)
    if model is None:
        return [lexicon_stance(s or "") for s in sentences]
    import pandas as pd

    frame = pd.DataFrame(
        {"text": sentences, "question": list(questions) if questions is not None else ""}
    )
    return [str(p) for p in model.predict(frame)]
