"""Readable topic labels, built from a topic's keywords.

A label is what an evaluator reads first in the report, so it is a phrase ("damp housing"), not
a list of single words. It is built from the topic's representative phrases (KeyBERTInspired +
MMR, those two or more of its sentences use), so it can be checked against them.
"""

from __future__ import annotations

from collections.abc import Sequence


def phrase_label(keywords: Sequence[str]) -> str:
    """A readable topic label from its keywords: its best phrase, plus a second unlike it.

    Phrases (two or more words) are preferred to single words, and the second part is added
    only when it shares no word with the first, so a label reads "damp housing · energy bills",
    never a list of unigrams such as "work / feels / managers".

    Examples:
        >>> phrase_label(["housing", "damp housing", "housing damp", "energy bills"])
        'Damp housing · energy bills'
        >>> phrase_label(["transport"])
        'Transport'
    """
    words = [k for k in keywords if k]
    if not words:
        return ""
    phrases = [k for k in words if " " in k]
    if not phrases:
        return words[0][:1].upper() + words[0][1:]  # one word, never a list of them
    first = phrases[0]
    seen = set(first.split())
    second = next((p for p in phrases[1:] if not seen & set(p.split())), "")
    label = f"{first} · {second}" if second else first
    return label[:1].upper() + label[1:]
