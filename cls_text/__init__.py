"""cls-text: local, offline theming of survey-wave feedback for evaluators.

The public API is listed in ``__all__``. The core (codebooks, config, ingest, rules tagger) is
imported eagerly; the heavier parts (embeddings, learned taggers, topics, reports) load on first
use, so ``import cls_text`` never pays for BERTopic, plotly or the embedding model.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from cls_text.codebook import Codebook, Theme, load_codebook
from cls_text.config import ColumnMap, PipelineConfig, load_config
from cls_text.errors import ClsTextError, CodebookError, ConfigError, InputFileError
from cls_text.ingest.chunks import ingest_wave
from cls_text.schema import Evidence
from cls_text.tag.frame import tag_frame, tag_table
from cls_text.tag.rules import RulesTagger

#: Lazily imported names -> the module that defines them.
_LAZY = {
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

__all__ = [
    "ClsTextError",
    "Codebook",
    "CodebookError",
    "ColumnMap",
    "ConfigError",
    "Evidence",
    "InputFileError",
    "PipelineConfig",
    "RulesTagger",
    "Theme",
    "ingest_wave",
    "load_codebook",
    "load_config",
    "tag_frame",
    "tag_table",
    *sorted(_LAZY),
]


def __getattr__(name: str) -> Any:
    """Import heavy public names on first access (PEP 562)."""
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'cls_text' has no attribute '{name}'")
