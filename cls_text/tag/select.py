"""Choosing the tagger for a run: the best one available for the codebook.

Order of preference: a supervised model trained for this exact codebook (matched by content
hash) when one exists under ``models/``; otherwise the shipped default tagger, pre-trained on
real coded CLS quotes, when the codebook has any of the default codebook's themes (each theme
it does not know exactly gets the codebook-only generic head, so adding a theme changes no
other theme's tags); otherwise zero-shot scoring combined with the rules (a user's own
codebook); otherwise the rules alone. ``tagger: accurate`` asks for the default's variant over
the all-mpnet-base-v2 encoder (fetched once, see :mod:`cls_text.tag.mpnet_model`). The choice
is recorded in the manifest and on every row.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cls_text.codebook.model import Codebook
from cls_text.config import PipelineConfig
from cls_text.errors import ClsTextError
from cls_text.tag.rules import RulesTagger

_CV_KEYS = ("micro_f1", "macro_f1", "samples_f1")


def build_rules(codebook: Codebook) -> RulesTagger:
    """The rules tagger for a codebook (fitted: it needs no training data)."""
    return RulesTagger(codebook=codebook).fit()


def select_tagger(
    codebook: Codebook,
    cfg: PipelineConfig,
    *,
    models_dir: str | Path = "models",
    cache_dir: str | Path | None = None,
) -> tuple[object, dict[str, Any]]:
    """Return a fitted tagger and what the manifest should say about it.

    Args:
        codebook: The codebook to tag with.
        cfg: Pipeline config (``tagger``, ``model_name``).
        models_dir: Where trained models live.
        cache_dir: On-disk embedding cache for the zero-shot tagger (None: memory only).

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
    if kind in ("auto", "default"):
        found_default = _default(codebook)
        if found_default is not None:
            return found_default
        if kind == "default":
            raise ClsTextError(
                f"The shipped default tagger knows none of the themes of codebook "
                f"'{codebook.id}': use tagger: zeroshot or auto."
            )
    if kind == "accurate":
        return _accurate(codebook, cache_dir if cache_dir is not None else cfg.embedding_cache)
    if kind in ("auto", "zeroshot"):
        zs = _zeroshot(codebook, cache_dir if cache_dir is not None else cfg.embedding_cache)
        if zs is not None:
            return zs
        if kind == "zeroshot":
            raise ClsTextError("The zero-shot tagger is not available in this installation.")
    return build_rules(codebook), {
        "kind": "rules",
        "name": "rules",
        # Figures on synthetic quotes are not accuracy: only real coded quotes count.
        "measured_accuracy": "not measured on real coded quotes",
    }


def untrained_tagger(
    codebook: Codebook, cache_dir: str | Path | None = None
) -> tuple[object, dict[str, Any]]:
    """The tagger a run uses when no trained model exists: default, else zero-shot, else rules.

    Public so that retraining can learn on top of it and compare a first model with it, exactly
    as a run would choose it, without reaching into this module's private helpers.
    """
    found = _default(codebook)
    if found is None:
        found = _zeroshot(codebook, cache_dir)
    if found is None:
        found = build_rules(codebook), {"kind": "rules", "name": "rules"}
    return found


#: Model classes a saved model may have to be used as a supervised tagger by a run.
TRAINED_CLASSES = ("SupervisedTagger", "AdaptedTagger")


def _find_supervised(
    codebook: Codebook, cfg: PipelineConfig, models_dir: Path
) -> tuple[object, dict[str, Any]] | None:
    """The current version of a supervised model trained on exactly this codebook."""
    from cls_text.io import artifacts
    from cls_text.io.model_versions import promoted_version

    if not models_dir.is_dir():
        return None
    names = [cfg.model_name] if cfg.model_name else sorted(p.name for p in models_dir.iterdir())
    for name in names:
        usable = (models_dir / name).is_dir() and promoted_version(models_dir, name)
        if not usable:
            if cfg.model_name:
                raise ClsTextError(f"No model '{name}' under '{models_dir}'.")
            continue
        card = artifacts.read_card(models_dir, name)
        if not any(c in str(card.get("model_class", "")) for c in TRAINED_CLASSES):
            continue
        if (card.get("codebook") or {}).get("hash") != codebook.content_hash():
            if cfg.model_name:
                raise ClsTextError(
                    f"Model '{name}' was trained on another codebook (or another version of "
                    f"it) than '{codebook.id}' {codebook.version}: re-train it with "
                    "'cls-text train', or run without model_name."
                )
            continue
        model = artifacts.load_model(models_dir, name, codebook=codebook)
        label = f"supervised:{name}@{card.get('version')}"
        cv = card.get("cv_metrics") or {}
        measured = ", ".join(
            f"{k} {v:.2f}" for k, v in cv.items() if k in _CV_KEYS and isinstance(v, int | float)
        )
        info = {
            "kind": "supervised",
            "name": label,
            "card": card,
            "measured_accuracy": f"cross-validated on its training data: {measured}"
            if measured
            else "no cross-validated figures in its model card",
        }
        return model, info
    return None


def _default(
    codebook: Codebook, name: str | None = None, embedder: object = None
) -> tuple[object, dict[str, Any]] | None:
    """A shipped default tagger (``name``: its variant) when it knows a theme of the codebook."""
    try:
        from cls_text.tag.default import (
            DEFAULT_MODEL,
            default_model_dir,
            load_default_tagger,
            read_default_card,
        )
    except ImportError:
        return None
    folder = default_model_dir(name or DEFAULT_MODEL)
    tagger = load_default_tagger(codebook, model_dir=folder, embedder=embedder)
    if tagger is None:
        return None
    card = read_default_card(folder) or {}
    known = [str(t) for t, ok in zip(tagger.classes_, tagger.trained_, strict=True) if ok]
    other = [str(t) for t in tagger.classes_ if str(t) not in known]
    return tagger, {
        "kind": "default",
        "name": f"default:{folder.name}@{card.get('trained', '?')}",
        "model": folder.name,  # which shipped model's accuracy file describes this run
        "card": card,
        "themes_pretrained": known,
        "themes_codebook_only": other,
        "measured_accuracy": card.get("measured", "not measured"),
    }


def _accurate(codebook: Codebook, cache_dir: str | Path | None) -> tuple[object, dict[str, Any]]:
    """The default's variant over all-mpnet-base-v2, whose vectors are cached like zero-shot's."""
    from cls_text.tag.default import ACCURATE_MODEL
    from cls_text.tag.embeddings import Embedder
    from cls_text.tag.mpnet_model import check_mpnet
    from cls_text.tag.stance.learned import ACCURATE_STANCE

    check_mpnet()
    found = _default(codebook, ACCURATE_MODEL, Embedder("mpnet", cache_dir=cache_dir))
    if found is None:
        raise ClsTextError(
            f"The accurate tagger knows none of the themes of codebook '{codebook.id}': "
            "use tagger: zeroshot or auto."
        )
    return found[0], found[1] | {"stance_model": ACCURATE_STANCE}


def _zeroshot(
    codebook: Codebook, cache_dir: str | Path | None
) -> tuple[object, dict[str, Any]] | None:
    try:
        from cls_text.tag.embeddings import Embedder
        from cls_text.tag.zeroshot import ZeroShotTagger
    except ImportError:
        return None
    # One embedder with an on-disk cache: re-runs of a wave, and the topics step after the
    # tagger, reuse every sentence vector instead of encoding it again.
    embedder = Embedder(cache_dir=cache_dir)
    tagger = ZeroShotTagger(codebook=codebook, embedder=embedder).fit()
    return tagger, {
        "kind": "zeroshot",
        "name": "zeroshot+rules",
        "measured_accuracy": _zeroshot_measured(codebook),
    }


def _zeroshot_measured(codebook: Codebook) -> str:
    """The real-quote figure recorded beside the tuned zero-shot settings, if any.

    The settings also record a figure on the synthetic development quotes they were tuned on
    (``measured``); that is a tuning score, not accuracy, so it is never shown as such.
    """
    from importlib import resources

    import yaml

    text = resources.files("cls_text.codebook.data").joinpath("cls_default.zeroshot.yaml")
    entry = ((yaml.safe_load(text.read_text("utf-8")) or {}).get("codebooks") or {}).get(
        codebook.id
    ) or {}
    if entry.get("codebook_hash") != codebook.content_hash():
        return "not measured for this codebook version"
    return str(entry.get("measured_real", "not measured on real coded quotes"))
