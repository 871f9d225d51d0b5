"""Codebooks as validated data: the model (``model``), versions, checks and diffs (``versions``).

The default CLS codebook and its sidecars (zero-shot settings, stance cues) are package data
in ``data/``.
"""

from cls_text.codebook.model import (
    DEFAULT_CODEBOOK,
    Codebook,
    CodebookChange,
    Theme,
    load_codebook,
    parse_codebook,
)

__all__ = [
    "DEFAULT_CODEBOOK",
    "Codebook",
    "CodebookChange",
    "Theme",
    "load_codebook",
    "parse_codebook",
]
