"""cls-text: local, offline theming of survey-wave feedback for evaluators.

The public API is listed in ``__all__``. Every name loads on first use (PEP 562), so
``import cls_text`` -- and with it the ``cls-text`` command's start-up -- never pays for spaCy,
torch, BERTopic or the embedding model.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

#: Lazily imported names -> the module that defines them.
_LAZY = {
    "Codebook": "cls_text.codebook.model",
    "Theme": "cls_text.codebook.model",
    "load_codebook": "cls_text.codebook.model",
    "ColumnMap": "cls_text.config",
    "PipelineConfig": "cls_text.config",
    "load_config": "cls_text.config",
    "ClsTextError": "cls_text.errors",
    "CodebookError": "cls_text.errors",
    "ConfigError": "cls_text.errors",
    "InputFileError": "cls_text.errors",
    "ingest_wave": "cls_text.ingest.chunks",
    "Evidence": "cls_text.schema",
    "tag_frame": "cls_text.tag.frame",
    "tag_table": "cls_text.tag.frame",
    "RulesTagger": "cls_text.tag.rules",
    "Embedder": "cls_text.tag.embeddings",
    "ZeroShotTagger": "cls_text.tag.zeroshot",
    "SupervisedTagger": "cls_text.tag.supervised",
    "predict_stance": "cls_text.tag.stance.model",
    "Redactor": "cls_text.pii",
    "RedactionConfig": "cls_text.pii",
    "select_quotes": "cls_text.report.quotes",
    "wave_topics": "cls_text.topics",
    "build_report": "cls_text.report",
    "append_wave": "cls_text.io.store",
    "read_store": "cls_text.io.store",
    "prevalence": "cls_text.report.trends",
    "wave_changes": "cls_text.report.trends",
    "write_review": "cls_text.review.queue",
    "import_review": "cls_text.review.queue",
    "export_qdpx": "cls_text.review.qda",
    "import_qdpx": "cls_text.review.qda",
    "select_tagger": "cls_text.tag.select",
    "run_wave": "cls_text.run.wave",
    "WaveOptions": "cls_text.run.wave",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    """Import heavy public names on first access (PEP 562)."""
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'cls_text' has no attribute '{name}'")
