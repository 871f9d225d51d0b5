"""Small pieces every tagger shares: checking text input and splitting answers into sentences.

Written once here so that the taggers agree on what counts as a list of texts and where a
sentence ends (evidence offsets from one tagger must line up with another's).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

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
