"""How readable a set of topics is: NPMI coherence over a reference corpus, and diversity.

NPMI (normalised pointwise mutual information, Bouma 2009; the measure of Röder et al.'s
``c_npmi``) asks whether a topic's keywords occur in the same documents more often than chance:
+1 means they always occur together, 0 independent, -1 never together. Diversity is the share of
distinct words among all topics' top keywords (Dieng et al. 2020): 1 means no topic repeats
another's words. A keyword phrase ("bus pass") counts as present in a document that contains the
phrase; documents are read with the same token pattern as the topic model's vectorizer.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from itertools import combinations

import numpy as np

#: scikit-learn's default token pattern: every vectorizer's words are found by it.
_TOKEN = re.compile(r"(?u)\b\w\w+\b")


def _grams(text: str, n_max: int, stop: frozenset[str]) -> set[str]:
    """Words and phrases of a document, phrases read with and without stop words.

    A vectorizer with stop words forms "help came" from "help that came"; one without forms
    "help that". Both spellings are present, so neither kind of model is penalised.
    """
    every = _TOKEN.findall(text.lower())
    out: set[str] = set(every)
    for toks in (every, [t for t in every if t not in stop]):
        for n in range(2, n_max + 1):
            out.update(" ".join(toks[i : i + n]) for i in range(len(toks) - n + 1))
    return out


def keyword_presence(
    keywords: Sequence[Sequence[str]], docs: Sequence[str], stop: frozenset[str]
) -> dict[str, np.ndarray]:
    """Positions of the documents that contain each (lower-cased) keyword or phrase.

    One pass over ``docs`` serves every keyword, so scoring and choosing keywords both read a
    document exactly as :func:`npmi_coherence` does.
    """
    vocab = {k.lower() for words in keywords for k in words if k}
    n_max = max((len(k.split()) for k in vocab), default=1)
    hits: dict[str, list[int]] = {k: [] for k in vocab}
    for d, text in enumerate(docs):
        for gram in _grams(str(text), n_max, stop) & vocab:
            hits[gram].append(d)
    return {k: np.asarray(v, dtype=np.int64) for k, v in hits.items()}


def npmi_pair(a: np.ndarray, b: np.ndarray, n_docs: int) -> float:
    """NPMI of two keywords from their document positions (-1 when they never meet)."""
    both = len(np.intersect1d(a, b, assume_unique=True))
    if both == 0 or len(a) == 0 or len(b) == 0:
        return -1.0
    p_ab, p_a, p_b = both / n_docs, len(a) / n_docs, len(b) / n_docs
    if p_ab >= 1.0:
        return 1.0
    return math.log(p_ab / (p_a * p_b)) / -math.log(p_ab)


def npmi_coherence(
    keywords: Sequence[Sequence[str]],
    docs: Sequence[str],
    *,
    top_n: int = 10,
    stop_words: Iterable[str] = (),
) -> list[float]:
    """NPMI coherence of each topic: the mean over pairs of its ``top_n`` keywords.

    Args:
        keywords: Per topic, its keywords (words or phrases), best first.
        docs: The reference corpus (documents the topics were found in).
        top_n: Keywords per topic that count.
        stop_words: Words a vectorizer skipped when it formed phrases (see :func:`_grams`).

    Returns:
        One value per topic in [-1, 1]; NaN for a topic with fewer than two keywords.

    Examples:
        >>> docs = ["bus pass late", "bus pass again", "rent rise", "rent rise again"]
        >>> [round(v, 2) for v in npmi_coherence([["bus", "pass"], ["bus", "rent"]], docs)]
        [1.0, -1.0]
    """
    if isinstance(docs, str):
        raise ValueError("expected an iterable of documents, got str")
    tops = [[k.lower() for k in words if k][:top_n] for words in keywords]
    presence = keyword_presence(tops, docs, frozenset(w.lower() for w in stop_words))
    n = max(len(docs), 1)
    out = []
    for words in tops:
        pairs = list(combinations(dict.fromkeys(words), 2))
        scores = [npmi_pair(presence[a], presence[b], n) for a, b in pairs]
        out.append(float(np.mean(scores)) if scores else math.nan)
    return out


def topic_diversity(keywords: Sequence[Sequence[str]], *, top_n: int = 10) -> float:
    """Share of distinct words among every topic's ``top_n`` keywords (phrases split in words).

    Examples:
        >>> topic_diversity([["bus", "pass"], ["bus", "rent"]])
        0.75
    """
    words = [w for ks in keywords for k in list(ks)[:top_n] for w in k.lower().split()]
    return len(set(words)) / len(words) if words else math.nan


def supported_keywords(
    keywords: Sequence[str],
    docs: Sequence[str],
    *,
    min_docs: int = 2,
    stop_words: Iterable[str] = (),
) -> list[str]:
    """The keywords found in at least ``min_docs`` of ``docs`` (a topic's own documents).

    A word one respondent used once can top c-TF-IDF in a small topic, yet it says nothing
    about what the topic's other answers share. Order is kept; when fewer than two keywords
    pass, the first two are kept so a topic always has a label.

    Examples:
        >>> supported_keywords(["bus", "pass", "zebra"], ["bus pass", "bus zebra", "bus pass"])
        ['bus', 'pass']
    """
    words = [k for k in keywords if k]
    presence = keyword_presence([words], docs, frozenset(w.lower() for w in stop_words))
    kept = [k for k in words if len(presence[k.lower()]) >= min_docs]
    return kept if len(kept) >= 2 else words[:2]
