"""cls-text: local, offline theming of survey-wave feedback for evaluators.

The public API is listed in ``__all__``. Heavy parts (embeddings, topics) are imported only
when used, so ``import cls_text`` stays fast and never loads torch.
"""

from cls_text.codebook import Codebook, Theme, load_codebook
from cls_text.config import ColumnMap, PipelineConfig, load_config
from cls_text.errors import ClsTextError, CodebookError, ConfigError, InputFileError
from cls_text.pipeline import ingest_wave, tag_wave, write_wave_outputs
from cls_text.rules import RulesTagger
from cls_text.schema import Evidence
from cls_text.tagging import tag_frame

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
    "tag_wave",
    "write_wave_outputs",
]
