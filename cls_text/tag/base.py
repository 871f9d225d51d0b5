"""Small pieces every tagger shares: text input (checked and declared), sentences, evidence.

Written once here so that the taggers agree on what counts as a list of texts and where a
sentence ends (evidence offsets from one tagger must line up with another's).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

import numpy as np

from cls_text import schema as S

#: Negation words every matcher shares ("no trust", "never helpful"). Each matcher adds its own on
#: purpose, beside it: the rules tagger's term negation, the theme-stance cues' defaults and the
#: fallback stance lexicon were each tuned on their own examples, so the lists are not one list.
CORE_NEGATORS = ("not", "no", "never", "n't", "nothing", "hardly", "without")

_SENT = re.compile(r"[^.!?\n]+(?:[.!?]+|$)", re.MULTILINE)


def reject_bare_str(X: object) -> None:
    """Refuse a bare string where texts are expected: iterating it would give characters.

    Raises:
        ValueError: if ``X`` is a str.
    """
    if isinstance(X, str):
        raise ValueError("expected an iterable of texts, got str")


def check_iterable(X: object) -> Iterable[object]:
    """Refuse a bare string or a non-iterable where an iterable of texts is expected.

    Returns:
        ``X`` itself, typed as the iterable it was checked to be.

    Raises:
        ValueError: naming the type of ``X``.
    """
    reject_bare_str(X)
    if not isinstance(X, Iterable):
        raise ValueError(f"expected an iterable of texts, got {type(X).__name__}")
    return X


def as_texts(values: object, what: str = "text") -> list[str]:
    """The values as a list of str: None and NaN (a blank spreadsheet cell) become "".

    One check for every tagger and embedder, so a number in a text column fails the same way
    everywhere.

    Raises:
        ValueError: for a bare str, a non-iterable, or a value that is neither text nor blank.
    """
    out: list[str] = []
    for i, v in enumerate(check_iterable(values)):
        if v is None or (isinstance(v, float) and math.isnan(v)):
            out.append("")
        elif isinstance(v, str):
            out.append(v)
        else:
            raise ValueError(f"{what} #{i} is a {type(v).__name__} ({v!r}), expected str")
    return out


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Return (start, end) of every non-blank piece between ``.!?`` and line breaks, trimmed.

    The one sentence splitter of the taggers: a regex, fast and good enough for survey
    answers, whose sentences are short and whose punctuation is often missing anyway.
    """
    spans: list[tuple[int, int]] = []
    for m in _SENT.finditer(text):
        a, b = m.start(), m.end()
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            spans.append((a, b))
    return spans


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return (start, end) offsets of the sentences of ``text``, trimmed and never empty.

    Like :func:`sentence_spans`, but a piece needs a letter or digit to count as a sentence.

    Examples:
        >>> split_sentences("Too many forms. We wait months!")
        [(0, 15), (16, 31)]
    """
    return [(a, b) for a, b in sentence_spans(text) if any(c.isalnum() for c in text[a:b])]


class TextInputMixin:
    """scikit-learn tags of an estimator over texts: string input, as CountVectorizer declares.

    Every tagger takes texts, not a 2-D array, so the declaration is written once here; the two
    class flags say where a tagger differs (it can fit with no target; its output is multi-label).
    Put it before scikit-learn's mixins in the bases.
    """

    fits_without_target: ClassVar[bool] = False
    multi_label_output: ClassVar[bool] = False

    def __sklearn_tags__(self) -> Any:
        """Declare string input, and the class flags, on top of scikit-learn's own tags."""
        tags = super().__sklearn_tags__()  # type: ignore[misc]
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        if self.fits_without_target:
            tags.target_tags.required = False
        if self.multi_label_output:
            tags.target_tags.multi_output = True
            tags.classifier_tags.multi_label = True
        return tags


def best_sentence_evidence(
    texts: Sequence[str],
    tags: np.ndarray,
    spans: np.ndarray,
    proba: np.ndarray,
    classes: np.ndarray,
    source: str,
) -> list[dict[str, list[S.Evidence]]]:
    """Per text, the best sentence of each tagged theme as its evidence, with the theme's score.

    The taggers built on the zero-shot scorer explain a tag with the sentence that scorer found
    most similar (``spans[i, j]``: offsets in text ``i`` for theme ``j``), so they share this.
    """
    out: list[dict[str, list[S.Evidence]]] = []
    for i, text in enumerate(texts):
        per: dict[str, list[S.Evidence]] = {}
        for j in np.flatnonzero(tags[i]):
            a, b = (int(v) for v in spans[i, j])
            theme = str(classes[j])
            score = round(float(proba[i, j]), 6)
            per[theme] = [S.Evidence.at(text, (a, b), term=theme, score=score, source=source)]
        out.append(per)
    return out
