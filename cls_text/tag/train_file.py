"""``cls-text train``: learn from a coded CSV on top of the tagger runs already use.

Why: trained from scratch on about 150 real coded CLS quotes, a supervised tagger scored
samples-F1 0.36 against the shipped default's 0.50 (docs/benchmarks.md, real quotes): learning
made it worse. So ``train`` now builds an :class:`cls_text.tag.adapt.AdaptedTagger` on the tagger
a run would use without a trained model (the shipped default for the default codebook,
zero-shot for a user's own): per theme the coded quotes replace the base's decision only where
they have enough positives and a cross-validated gain, and everywhere else the base decides as
before. ``from_scratch=True`` keeps the plain supervised tagger
(:func:`cls_text.tag.supervised.train_from_file`) for teams with thousands of coded quotes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from cls_text.codebook import Codebook


def adapt_from_file(
    path: str | Path,
    codebook_path: str | Path | None,
    name: str,
    models_dir: str | Path,
    *,
    base: tuple[object, dict[str, Any]] | None = None,
    **params: Any,
) -> dict[str, Any]:
    """Adapt the tagger in use to a coded CSV, save it as ``models/<name>/``; return its card.

    Args:
        path: Coded CSV (``text`` + one 0/1 column per theme, or a ``themes`` column).
        codebook_path: Codebook YAML (None: the default CLS codebook).
        name: Model name.
        models_dir: Where models live.
        base: ``(tagger, info)`` to build on (None: as a run would choose it,
            :func:`cls_text.tag.select.untrained_tagger`).
        **params: :class:`~cls_text.tag.adapt.AdaptedTagger` settings (``min_positives`` ...).

    Returns:
        The model card; ``adapted`` gives each theme's decision, ``too_few_examples`` the themes
        left to the base for want of coded positives.

    Raises:
        InputFileError: for a bad coded file (see :func:`cls_text.io.coded_file.read_coded`).
    """
    from cls_text.tag.adapt import AdaptedTagger
    from cls_text.tag.select import untrained_tagger

    def fit(codebook: Codebook, frame: pd.DataFrame, Y: np.ndarray) -> Trained:
        base_tagger, info = base if base is not None else untrained_tagger(codebook)
        tagger = AdaptedTagger(base=base_tagger, **params).fit(frame, Y)
        report = tagger.report_
        settings = {k: v for k, v in tagger.get_params().items() if k not in ("base", "embedder")}
        card = {
            "built_on": str(info.get("kind", info.get("name", ""))),
            "adapted": report,
            "too_few_examples": [t for t, e in report.items() if "too few" in e["decision"]],
            "min_examples": tagger.min_positives,
        }
        return Trained(tagger, settings | {"base": str(info.get("name", ""))}, card)

    return train_on_file(path, codebook_path, name, models_dir, fit)


@dataclass(frozen=True)
class Trained:
    """What a trainer hands :func:`train_on_file` to save: the model and its card's parts."""

    model: Any
    params: dict[str, Any]
    card: dict[str, Any]
    cv_metrics: dict[str, Any] | None = None


def train_on_file(
    path: str | Path,
    codebook_path: str | Path | None,
    name: str,
    models_dir: str | Path,
    fit: Callable[[Codebook, pd.DataFrame, np.ndarray], Trained],
) -> dict[str, Any]:
    """Read a coded CSV, ``fit`` a tagger on it, save it as ``models/<name>/``; return its card.

    The one path of every ``cls-text train``: the card always records the file's sha256 and
    its number of coded quotes, so a model can be traced to the exact file it learnt from.
    """
    from cls_text.io.artifacts import read_card, save_model
    from cls_text.io.coded_file import read_coded
    from cls_text.io.writers import sha256_file
    from cls_text.tag.rules import resolve_codebook

    codebook = resolve_codebook(codebook_path)
    frame, Y = read_coded(path, codebook)
    trained = fit(codebook, frame, Y)
    vdir = save_model(
        trained.model,
        models_dir,
        name,
        codebook=codebook,
        train_sha256=sha256_file(path),
        cv_metrics=trained.cv_metrics,
        params=trained.params,
        extra={"n_train": len(frame)} | trained.card,
    )
    return read_card(models_dir, name, version=vdir.name)
