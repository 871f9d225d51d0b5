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

from pathlib import Path
from typing import Any


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
    from cls_text.io.artifacts import read_card, save_model
    from cls_text.io.coded_file import read_coded
    from cls_text.io.writers import sha256_file
    from cls_text.tag.adapt import AdaptedTagger
    from cls_text.tag.rules import resolve_codebook
    from cls_text.tag.select import untrained_tagger

    codebook = resolve_codebook(codebook_path)
    frame, Y = read_coded(path, codebook)
    base_tagger, info = base if base is not None else untrained_tagger(codebook)
    tagger = AdaptedTagger(base=base_tagger, **params).fit(frame, Y)
    report = tagger.report_
    settings = {k: v for k, v in tagger.get_params().items() if k not in ("base", "embedder")}
    vdir = save_model(
        tagger,
        models_dir,
        name,
        codebook=codebook,
        train_sha256=sha256_file(path),
        cv_metrics=None,
        params=settings | {"base": str(info.get("name", ""))},
        extra={
            "n_train": len(frame),
            "built_on": str(info.get("kind", info.get("name", ""))),
            "adapted": report,
            "too_few_examples": [t for t, e in report.items() if "too few" in e["decision"]],
            "min_examples": tagger.min_positives,
        },
    )
    return read_card(models_dir, name, version=vdir.name)
