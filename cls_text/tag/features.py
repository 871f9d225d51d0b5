"""Features for learned taggers: TF-IDF words and characters, sentence embeddings, question type.

The words a respondent uses (TF-IDF) and what they mean (embeddings) complement each other:
on the NHS benchmark TF-IDF alone reached 0.62 micro-F1 and TF-IDF plus MiniLM 0.67. The
question a quote answers shifts both theme and stance ("What could be better?" invites
complaints about waiting; "What has worked well?" invites praise of staff), so its *type* is a
feature too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from cls_text import schema as S
from cls_text.tag.base import as_texts, check_iterable, sentence_spans
from cls_text.tag.embeddings import TextEmbedder

#: Question types, in feature order. pxtextmining used the same three for NHS FFT questions.
QUESTION_TYPES = ("what_good", "could_improve", "nonspecific")

_IMPROVE = re.compile(
    r"\b(improve|improved|better|change|changed|differently|worse|worst|dislike|difficult|"
    r"problem|problems|challenge|challenges|barrier|barriers|concern|concerns|frustrat\w*)\b",
    re.IGNORECASE,
)
_GOOD = re.compile(
    r"\b(good|well|best|like|liked|enjoy|enjoyed|helpful|positive|worked|benefit|benefits|"
    r"value|valued|strength|strengths|proud)\b",
    re.IGNORECASE,
)


def question_type(question: str) -> str:
    """Classify an open question as ``what_good``, ``could_improve`` or ``nonspecific``.

    Improvement cues win over praise cues ("What could we do better?" contains neither "good"
    nor "well" but "better"; "What worked well and what could improve?" is about improvement as
    much as praise, and complaints are rarer, so they get the more specific type).

    Examples:
        >>> question_type("What could we do better?")
        'could_improve'
        >>> question_type("What was good?")
        'what_good'
        >>> question_type("FFT Why?")
        'nonspecific'
    """
    if _IMPROVE.search(question or ""):
        return "could_improve"
    if _GOOD.search(question or ""):
        return "what_good"
    return "nonspecific"


def question_onehot(questions: Sequence[str] | None, n: int) -> np.ndarray:
    """Return an (n, 3) one-hot float matrix of question types (all zero without questions)."""
    out = np.zeros((n, len(QUESTION_TYPES)), dtype=np.float32)
    if questions is None:
        return out
    for i, q in enumerate(questions):
        out[i, QUESTION_TYPES.index(question_type(q))] = 1.0
    return out


def split_texts(X: object) -> tuple[list[str], list[str] | None]:
    """Return (texts, questions or None) from a list of strings or a DataFrame.

    A DataFrame needs a ``text`` column; a ``question`` column is used as context when present.
    Missing values become "".

    Raises:
        ValueError: for a bare string, a DataFrame without ``text``, or non-string items.
    """
    values = check_iterable(X)
    if isinstance(X, pd.DataFrame):
        if S.TEXT not in X.columns:
            raise ValueError(
                f"expected a DataFrame with a '{S.TEXT}' column, got {list(X.columns)}"
            )
        texts = as_texts(X[S.TEXT].tolist(), S.TEXT)
        questions = as_texts(X[S.QUESTION].tolist(), S.QUESTION) if S.QUESTION in X else None
        return texts, questions
    if isinstance(X, pd.Series):
        return as_texts(X.tolist(), S.TEXT), None
    return as_texts(list(values), S.TEXT), None


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of a text, with character offsets into it."""

    text: str
    start: int
    end: int


def split_sentences(text: str) -> list[Sentence]:
    """Split on ``.``, ``!``, ``?`` and newlines, keeping offsets; blank pieces are dropped.

    Survey answers are short and informally punctuated, so a regex does as well as a parser
    here and keeps offsets exact (``text[s.start:s.end] == s.text``).
    """
    return [Sentence(text[a:b], a, b) for a, b in sentence_spans(text)]


class Featurizer:
    """Turn texts (+ questions) into one sparse matrix: word TF-IDF | char TF-IDF | emb | qtype.

    Args:
        embedder: Embedder for the dense block, or None for TF-IDF only.
        word_ngram_range: Word n-gram range.
        char_ngram_range: Character n-gram range (within word boundaries); None to skip.
        min_df: Minimum document frequency of an n-gram.
        embedding_weight: Scale of the (unit-length) embedding block relative to TF-IDF's.
        question_weight: Scale of the question-type one-hot block.
    """

    def __init__(
        self,
        *,
        embedder: TextEmbedder | None,
        word_ngram_range: tuple[int, int] = (1, 2),
        char_ngram_range: tuple[int, int] | None = (2, 5),
        min_df: int = 2,
        embedding_weight: float = 1.0,
        question_weight: float = 1.0,
    ) -> None:
        self.embedder = embedder
        self.embedding_weight = embedding_weight
        self.question_weight = question_weight
        self._emb_dim = 0
        self.word = TfidfVectorizer(
            ngram_range=word_ngram_range, min_df=min_df, sublinear_tf=True, strip_accents="unicode"
        )
        self.char = (
            TfidfVectorizer(
                analyzer="char_wb",
                ngram_range=char_ngram_range,
                min_df=min_df,
                sublinear_tf=True,
                strip_accents="unicode",
                max_features=100_000,
            )
            if char_ngram_range is not None
            else None
        )

    def fit_transform(self, texts: list[str], questions: list[str] | None) -> sp.csr_matrix:
        """Fit the vectorisers on ``texts`` and return their features."""
        # min_df counts documents; with very few texts fall back to 1 so nothing is empty.
        if len(texts) < 20:
            self.word.set_params(min_df=1)
            if self.char is not None:
                self.char.set_params(min_df=1)
        blocks = [self.word.fit_transform(texts)]
        if self.char is not None:
            blocks.append(self.char.fit_transform(texts))
        return self._finish(blocks, texts, questions)

    def transform(self, texts: list[str], questions: list[str] | None) -> sp.csr_matrix:
        """Return features of ``texts`` with the fitted vectorisers."""
        blocks = [self.word.transform(texts)]
        if self.char is not None:
            blocks.append(self.char.transform(texts))
        return self._finish(blocks, texts, questions)

    @property
    def n_dense(self) -> int:
        """Number of trailing dense columns (embeddings, question type) in the output."""
        n = 0
        if self.embedder is not None and self.embedding_weight > 0:
            n += self._emb_dim
        if self.question_weight > 0:
            n += len(QUESTION_TYPES)
        return n

    def _finish(
        self, blocks: list[sp.spmatrix], texts: list[str], questions: list[str] | None
    ) -> sp.csr_matrix:
        if self.embedder is not None and self.embedding_weight > 0:
            dense = self.embedder.encode(texts) * np.float32(self.embedding_weight)
            self._emb_dim = dense.shape[1]
            blocks.append(sp.csr_matrix(dense))
        if self.question_weight > 0:
            q = question_onehot(questions, len(texts)) * np.float32(self.question_weight)
            blocks.append(sp.csr_matrix(q))
        return sp.hstack(blocks, format="csr", dtype=np.float32)
