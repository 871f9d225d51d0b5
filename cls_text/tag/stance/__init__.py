"""Stance of a tagged theme: the polarity model (``model``) and theme-relative cues (``theme``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cls_text.codebook import Codebook

#: ``f(sentences, questions, theme_ids) -> ["positive", "negative", "neutral", ...]``, one label
#: per tag.
StanceFn = Callable[[list[str], list[str], list[str]], list[str]]
#: The stance values outputs carry: words a spreadsheet filter or COUNTIF finds (a cell "+" is
#: read as a formula and needed a guard that made it "'+"). The models keep their symbols.
STANCE_WORDS = {"+": "positive", "-": "negative", "0": "neutral"}


def _in_words(fn: Callable[[list[str], list[str], list[str]], list[str]]) -> StanceFn:
    def stance(sentences: list[str], questions: list[str], theme_ids: list[str]) -> list[str]:
        return [STANCE_WORDS.get(s, s) for s in fn(sentences, questions, theme_ids)]

    return stance


def make_stance(
    codebook: Codebook | None = None,
    cues_path: str | Path | None = None,
    *,
    learned_model: str | None = None,
    encoder: object = None,
) -> StanceFn | None:
    """Stance of evidence sentences, relative to each tag's theme.

    With stance cues for the codebook (``cues_path``, else the packaged
    ``<codebook id>.stance.yaml``), the theme-aware stance of :mod:`cls_text.tag.stance.theme`;
    without them, the shipped polarity model (else its lexicon fallback), as before.
    ``learned_model`` names the shipped stance classifier (None: the default's); the tagger
    selection says which one goes with the tagger (``stance_model`` in its info); ``encoder``
    is the tagger's, reused by the classifier when it reads the same one.

    Raises:
        StanceCueError: ``cues_path`` is missing or invalid, or a packaged sidecar is invalid.
    """
    try:
        from cls_text.tag.stance.model import predict_stance
    except ImportError:
        return None
    if codebook is not None:
        from cls_text.tag.stance.theme import make_theme_stance

        theme_stance = make_theme_stance(
            codebook, cues_path, learned_model=learned_model, encoder=encoder
        )
        if theme_stance is not None:
            return _in_words(theme_stance.predict)

    def stance(sentences: list[str], questions: list[str], theme_ids: list[str]) -> list[str]:
        return predict_stance(sentences, questions)

    return _in_words(stance)
