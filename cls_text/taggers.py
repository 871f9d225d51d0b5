"""Choosing the tagger for a run: the best one available for the codebook.

Order of preference: a supervised model trained for this exact codebook (matched by content
hash) when one exists under ``models/``; otherwise zero-shot scoring combined with the rules;
otherwise the rules alone. The choice is recorded in the manifest and on every row.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cls_text.codebook import Codebook
from cls_text.config import PipelineConfig
from cls_text.errors import ClsTextError
from cls_text.rules import RulesTagger


def build_rules(codebook: Codebook) -> RulesTagger:
    """The rules tagger for a codebook (fitted: it needs no training data)."""
    return RulesTagger(codebook=codebook).fit()


def select_tagger(
    codebook: Codebook, cfg: PipelineConfig, *, models_dir: str | Path = "models"
) -> tuple[object, dict[str, Any]]:
    """Return a fitted tagger and what the manifest should say about it.

    Raises:
        ClsTextError: when the config asks for a tagger that cannot be had (e.g. a supervised
            model that does not exist or was trained for another codebook).
    """
    kind = cfg.tagger
    if kind in ("auto", "supervised"):
        found = _find_supervised(codebook, cfg, Path(models_dir))
        if found is not None:
            return found
        if kind == "supervised":
            raise ClsTextError(
                f"No supervised model for codebook '{codebook.id}' (version {codebook.version}) "
                f"was found under '{models_dir}'. Train one with 'cls-text train', or set "
                "tagger: auto in the config."
            )
    if kind in ("auto", "zeroshot"):
        zs = _zeroshot(codebook)
        if zs is not None:
            return zs
        if kind == "zeroshot":
            raise ClsTextError("The zero-shot tagger is not available in this installation.")
    return build_rules(codebook), {"kind": "rules", "name": "rules"}


def _find_supervised(
    codebook: Codebook, cfg: PipelineConfig, models_dir: Path
) -> tuple[object, dict[str, Any]] | None:
    try:
        from cls_text import artifacts
    except ImportError:
        return None
    finder = getattr(artifacts, "find_model_for_codebook", None)
    if finder is None:
        return None
    found = finder(models_dir, codebook, name=cfg.model_name)
    if found is None:
        return None
    model, card = found
    name = f"supervised:{card.get('name')}@{card.get('version')}"
    return model, {"kind": "supervised", "name": name, "card": card}


def _zeroshot(codebook: Codebook) -> tuple[object, dict[str, Any]] | None:
    try:
        from cls_text.zeroshot import ZeroShotTagger
    except ImportError:
        return None
    tagger = ZeroShotTagger(codebook=codebook).fit()
    return tagger, {"kind": "zeroshot", "name": "zeroshot+rules"}
