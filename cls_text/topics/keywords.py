"""A topic's keywords: words and phrases many of its documents use, and that occur together.

Why not the top of c-TF-IDF (or KeyBERT) as it stands: on short comments the terms most specific
to a topic are rare phrases ("caring team", "polite professional", "kind caring") that one or two
respondents wrote. Each is specific, but no two of them share a document, so the list does not
say what the topic's answers have in common; on 1,000 NHS comments such lists scored NPMI -0.52
(-1 is "never together"). Here a topic's keywords are drawn from its c-TF-IDF candidates that at
least ``min_share`` of its documents contain (a phrase is kept only when it is that frequent),
then picked greedily: each next keyword is the candidate that co-occurs best (NPMI over the
fitted documents) with the ones already picked, and the list ends early when no candidate meets
them more often than chance. A frequent phrase may sit beside its own words ("damp", "damp
mould"): forbidding that was tried and cost more coherence on the sample waves (mean NPMI
0.14 against 0.48 and 0.06 against 0.44, before the early stop) than it gained in diversity.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from cls_text.topics.coherence import (
    keyword_presence,
    npmi_coherence,
    npmi_pair,
    supported_keywords,
)
from cls_text.topics.config import stop_word_list
from cls_text.topics.labels import phrase_label


def ctfidf_candidates(model: Any, topic: int, n: int) -> list[str]:
    """The ``n`` terms with the highest c-TF-IDF weight in ``topic`` of a fitted BERTopic.

    Read from the c-TF-IDF matrix rather than ``get_topic``, which holds only the final
    representation's few keywords.
    """
    keys = sorted(model.get_topics())
    row = np.asarray(model.c_tf_idf_[keys.index(topic)].todense()).ravel()
    vocab = model.vectorizer_model.get_feature_names_out()
    order = np.argsort(-row, kind="stable")[:n]
    return [str(vocab[i]) for i in order if row[i] > 0]


def coherent_keywords(
    candidates: Sequence[str],
    topic_docs: Sequence[str],
    corpus: Sequence[str],
    *,
    top_n: int = 10,
    min_share: float = 0.05,
    min_docs: int = 2,
    stop_words: Iterable[str] = (),
) -> list[str]:
    """Choose up to ``top_n`` keywords of one topic from its ranked candidates.

    Args:
        candidates: The topic's terms, best first (e.g. :func:`ctfidf_candidates`).
        topic_docs: The topic's documents.
        corpus: The documents the model was fitted on (where co-occurrence is counted).
        top_n: Keywords to return.
        min_share: A candidate must occur in at least this share of ``topic_docs`` ...
        min_docs: ... and in at least this many of them.
        stop_words: Words the vectorizer skipped inside phrases (as for NPMI).

    Returns:
        Keywords, the topic's most specific frequent term first. When fewer than two
        candidates are frequent enough, the candidates most of its documents contain.

    Examples:
        >>> docs = ["bus late again", "bus late", "bus rude driver", "rent rise", "rent high"]
        >>> coherent_keywords(["driver", "bus", "late"], docs[:3], docs, min_share=0.5)
        ['bus', 'late']
    """
    stop = frozenset(w.lower() for w in stop_words)
    terms = list(dict.fromkeys(c.lower() for c in candidates if c))
    in_topic = keyword_presence([terms], topic_docs, stop)
    need = max(min_docs, math.ceil(min_share * len(topic_docs)))
    pool = [t for t in terms if len(in_topic[t]) >= need]
    if len(pool) < 2:  # a tiny or scattered topic: its most widely used candidates
        pool = sorted(terms, key=lambda t: -len(in_topic[t]))[:top_n]
    where = keyword_presence([pool], corpus, stop)
    n = max(len(corpus), 1)
    chosen: list[str] = []
    for _ in range(top_n):
        left = [t for t in pool if t not in chosen]
        if not left:
            break
        if not chosen:
            chosen.append(left[0])
            continue
        # Mean NPMI with the keywords so far; ties go to the higher-ranked candidate.
        scores = [np.mean([npmi_pair(where[t], where[c], n) for c in chosen]) for t in left]
        best = int(np.argmax(scores))
        if scores[best] <= 0 and len(chosen) >= 2:
            break  # no candidate left meets these keywords more often than chance
        chosen.append(left[best])
    return chosen


def describe_topics(
    table: pd.DataFrame,
    texts: Sequence[str],
    assignments: np.ndarray,
    usable: np.ndarray,
    stop_words: Sequence[str],
    fitted: tuple[Any, list[str], int],
) -> pd.DataFrame:
    """Label each topic by its supported phrases; choose keywords that co-occur; score them.

    The label comes from the representation's phrases (KeyBERTInspired + MMR) that two or more
    members use; the keywords are frequent c-TF-IDF terms that occur together (see
    :mod:`cls_text.topics.keywords`), so they say what the members' answers share.
    ``fitted`` is the model, the texts it was fitted on and the number of keywords to keep.
    """
    model, fit_texts, top_n = fitted
    stop = stop_word_list(stop_words)
    members = {
        t: [str(texts[int(i)]) for i in np.flatnonzero(assignments == t)] for t in table["topic"]
    }
    table["label"] = [
        phrase_label(supported_keywords(kw.split(", "), members[t], stop_words=stop))
        for t, kw in zip(table["topic"], table["keywords"], strict=True)
    ]
    table["keywords"] = [
        ", ".join(
            coherent_keywords(
                ctfidf_candidates(model, t, 3 * top_n),
                members[t],
                fit_texts,
                top_n=top_n,
                stop_words=stop,
            )
        )
        for t in table["topic"]
    ]
    table["coherence"] = npmi_coherence(
        [k.split(", ") for k in table["keywords"]],
        [str(texts[int(i)]) for i in np.flatnonzero(usable)],
        stop_words=stop,
    )
    return table
