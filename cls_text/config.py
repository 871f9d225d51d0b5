"""Pipeline configuration: how to read a survey export, and the settings of each step.

A config is a YAML file a user writes once per survey (see ``data/configs/`` for examples and
docs/user-guide.md for every key). It is validated into frozen pydantic models when loaded;
unknown keys are rejected so that a misspelt key is an error, not a silently ignored setting.
No import-time side effects: nothing is read until :func:`load_config` is called.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from cls_text.errors import ConfigError

RespondentType = Literal["staff", "community member", "partner", "other"]


class ColumnMap(BaseModel):
    """Which columns of a wide export hold what (names match exactly, then ignoring case)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(description="respondent id column")
    questions: tuple[str, ...] = Field(min_length=1, description="open-question columns")
    respondent_type: str | None = None
    site: str | None = None
    date: str | None = None
    wave: str | None = None

    @field_validator("questions")
    @classmethod
    def _unique_questions(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError("question columns must not repeat")
        return value


class PipelineConfig(BaseModel):
    """Everything a wave run can be told, with defaults that suit the bundled sample waves."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: Column map; None means "detect it from the file and say what was chosen".
    columns: ColumnMap | None = None
    #: Raw respondent-type values -> canonical types (case-insensitive). Unlisted values that
    #: already are canonical pass; others become "other" with the flag ``unmapped_respondent_type``.
    respondent_type_values: dict[str, RespondentType] = Field(default_factory=dict)
    #: XLSX sheet (name or 0-based index); None = the first visible sheet.
    sheet: str | int | None = None
    #: Input text encoding; None = detect (UTF-8, UTF-8 with BOM, Windows-1252).
    encoding: str | None = None
    #: Answers longer than this many characters are quarantined (likely pasted documents).
    max_text_chars: int = Field(default=4000, gt=0)
    #: Settings passed to the personal-data redaction step (see docs/pii.md).
    redaction: dict[str, Any] = Field(default_factory=dict)
    #: Tagger choice: "auto" = supervised if a model for the codebook exists, else the shipped
    #: default (pre-trained on real CLS quotes) for codebooks sharing its themes, else zero-shot.
    tagger: Literal["auto", "rules", "default", "zeroshot", "supervised"] = "auto"
    #: Name of the supervised model under models/ to use when tagger is auto or supervised.
    model_name: str | None = None
    #: Folder of the on-disk sentence-embedding cache (None: keep vectors in memory only).
    #: Re-running a wave, and the topics step after tagging, then reuse every vector.
    embedding_cache: str | None = ".cache/embeddings"
    #: Settings of the topic step (see docs/topics.md).
    topics: dict[str, Any] = Field(default_factory=dict)
    #: Settings of the review step (see docs/review.md).
    review: dict[str, Any] = Field(default_factory=dict)


def parse_config(data: object, *, source: object = "<dict>") -> PipelineConfig:
    """Validate a parsed config mapping.

    Raises:
        ConfigError: naming the file and every bad key.
    """
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"Config '{source}' must be a mapping of settings (see docs/user-guide.md)."
        )
    try:
        return PipelineConfig.model_validate(data)
    except ValidationError as err:
        lines = [f"Config '{source}' is not valid:"]
        for e in err.errors():
            where = ".".join(str(p) for p in e["loc"])
            msg = e["msg"].removeprefix("Value error, ")
            if e["type"] == "extra_forbidden":
                msg = "unknown key (check its spelling against docs/user-guide.md)"
            lines.append(f"  - {where}: {msg}")
        raise ConfigError("\n".join(lines)) from None


def load_config(path: str | Path | None = None) -> PipelineConfig:
    """Load a config YAML file; ``None`` gives the defaults (auto-detected column map).

    Raises:
        ConfigError: the file is missing, is not YAML, or does not validate.
    """
    if path is None:
        return PipelineConfig()
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"Config file '{p}' does not exist.")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise ConfigError(f"Config '{p}' is not valid YAML: {err}") from None
    return parse_config(data, source=p)
