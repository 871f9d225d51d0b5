"""Pipeline configuration: how to read a survey export, and the settings of each step.

A config is a YAML file a user writes once per survey (see ``data/configs/`` for examples and
docs/user-guide.md for every key). It is validated into frozen pydantic models when loaded;
unknown keys are rejected so that a misspelt key is an error, not a silently ignored setting.
No import-time side effects: nothing is read until :func:`load_config` is called.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from cls_text.errors import ConfigError

RespondentType = Literal["staff", "community member", "partner", "other"]

#: How the answer options of common "who are you" questions map onto the schema's types. A
#: config's ``respondent_type_values`` is laid over these (its entries win).
DEFAULT_RESPONDENT_TYPE_VALUES: dict[str, RespondentType] = {
    "staff": "staff",
    "member of staff": "staff",
    "staff member": "staff",
    "employee": "staff",
    "member of the public": "community member",
    "a member of the public": "community member",
    "public": "community member",
    "resident": "community member",
    "local resident": "community member",
    "community member": "community member",
    "service user": "community member",
    "patient": "community member",
    "carer": "community member",
    "unpaid carer": "community member",
    "volunteer": "community member",
    "partner": "partner",
    "partner organisation": "partner",
    "partner organization": "partner",
    "third sector": "partner",
    "prefer not to say": "other",
    "other": "other",
}

#: A programme id names the store folder, so it is kept to safe characters.
_PROGRAMME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
#: The programme of runs whose config names none.
DEFAULT_PROGRAMME = "default"


class _Section(BaseModel):
    """A config section; also a read-only mapping of the keys the user set (for ``**``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def keys(self) -> list[str]:
        """The keys set in the config, so ``f(**cfg.review)`` passes only those."""
        return sorted(self.model_fields_set)

    def __getitem__(self, key: str) -> Any:
        """Value of a setting by name."""
        return getattr(self, key)

    def __len__(self) -> int:
        """How many keys the config set."""
        return len(self.model_fields_set)

    def get(self, key: str, default: Any = None) -> Any:
        """Value of a setting the config set, else ``default``."""
        return getattr(self, key) if key in self.model_fields_set else default

    def items(self) -> Iterator[tuple[str, Any]]:
        """(key, value) pairs of the settings the config set."""
        return iter([(k, getattr(self, k)) for k in self.keys()])


class ReviewSettings(_Section):
    """The ``review:`` section: sizes of the review queue and the blind audit sample."""

    queue_size: int = Field(default=200, ge=0)
    audit_size: int = Field(default=100, ge=0)
    seed: int = 0
    thresholds: dict[str, float] | None = None


class StoreSettings(_Section):
    """The ``store:`` section: which earlier wave the report compares this wave with.

    Attributes:
        compare: Compare with an earlier wave of the same programme at all.
        compare_with: The wave to compare with; None means the latest earlier wave.
    """

    compare: bool = True
    compare_with: str | None = None


def _topic_model() -> type[BaseModel]:
    from cls_text.topics.config import TopicConfig

    return TopicConfig


def _redaction_model() -> type[BaseModel]:
    from cls_text.pii.config import RedactionConfig

    return RedactionConfig


#: Sections validated by the model of the step that owns them (imported only when the section
#: is present, so loading a config never pays for the step's imports otherwise).
_OWNED_SECTIONS: dict[str, Callable[[], type[BaseModel]]] = {
    "topics": _topic_model,
    "redaction": _redaction_model,
}


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

    #: Survey programme id: names the cumulative store, so only waves of the same programme
    #: are ever compared. None: the ``default`` programme (the demo uses ``cls-demo``).
    programme: str | None = None
    #: Column map; None means "detect it from the file and say what was chosen".
    columns: ColumnMap | None = None
    #: Raw respondent-type values -> canonical types (case-insensitive). Unlisted values that
    #: already are canonical pass; others become "other" with the flag ``unmapped_respondent_type``.
    respondent_type_values: dict[str, RespondentType] = Field(
        default_factory=lambda: dict(DEFAULT_RESPONDENT_TYPE_VALUES)
    )
    #: XLSX sheet (name or 0-based index); None = the first visible sheet.
    sheet: str | int | None = None
    #: Input text encoding; None = detect (UTF-8, UTF-8 with BOM, Windows-1252).
    encoding: str | None = None
    #: Answers longer than this many characters are kept, tagged and flagged ``long_answer``.
    max_text_chars: int = Field(default=4000, gt=0)
    #: Settings passed to the personal-data redaction step (see docs/pii.md).
    redaction: dict[str, Any] = Field(default_factory=dict)
    #: Tagger choice: "auto" = supervised if a model for the codebook exists, else the shipped
    #: default (pre-trained on real CLS quotes) for codebooks sharing its themes, else zero-shot.
    #: "accurate" = the default's variant over the all-mpnet-base-v2 encoder: more accurate on
    #: real quotes, ~100x slower, weights fetched once with ``python models/fetch_mpnet.py``.
    tagger: Literal["auto", "rules", "default", "accurate", "zeroshot", "supervised"] = "auto"
    #: Name of the supervised model under models/ to use when tagger is auto or supervised.
    model_name: str | None = None
    #: Folder of the on-disk sentence-embedding cache (None: keep vectors in memory only).
    #: Re-running a wave, and the topics step after tagging, then reuse every vector.
    embedding_cache: str | None = "data/cache/embeddings"
    #: Settings of the topic step (see docs/topics.md).
    topics: dict[str, Any] = Field(default_factory=dict)
    #: Settings of the review step (see docs/review.md).
    review: ReviewSettings = Field(default_factory=ReviewSettings)
    #: Which earlier wave of the programme the report compares with.
    store: StoreSettings = Field(default_factory=StoreSettings)

    @field_validator("programme")
    @classmethod
    def _safe_programme(cls, value: str | None) -> str | None:
        if value is not None and not _PROGRAMME.match(value):
            raise ValueError(
                f"programme {value!r} must be 1-64 lower-case letters, digits, '-' or '_' "
                "(e.g. 'cls-2026'): it names the store folder"
            )
        return value

    @field_validator("respondent_type_values")
    @classmethod
    def _over_defaults(cls, value: dict[str, RespondentType]) -> dict[str, RespondentType]:
        return {**DEFAULT_RESPONDENT_TYPE_VALUES, **value}

    @field_validator("topics", "redaction")
    @classmethod
    def _owned_section(cls, value: dict[str, Any], info: Any) -> dict[str, Any]:
        problems = _section_errors(info.field_name, value)
        if problems:
            raise ValueError("; ".join(f"{where}: {msg}" for where, msg in problems))
        return value

    @property
    def programme_id(self) -> str:
        """The programme this config's waves belong to (``default`` when none is named)."""
        return self.programme or DEFAULT_PROGRAMME


def _section_errors(name: str, value: object) -> list[tuple[str, str]]:
    """Problems of one owned section as (dotted key, message); [] when it is valid or absent."""
    if not value:
        return []
    if not isinstance(value, Mapping):
        return [(name, "must be a mapping of settings")]
    try:
        _OWNED_SECTIONS[name]().model_validate(dict(value))
    except ValidationError as err:
        return [_describe(e, prefix=(name,)) for e in err.errors()]
    return []


def _describe(e: Any, *, prefix: tuple[str, ...] = ()) -> tuple[str, str]:
    where = ".".join(str(p) for p in (*prefix, *e["loc"])) or ".".join(prefix)
    msg = e["msg"].removeprefix("Value error, ")
    if e["type"] == "extra_forbidden":
        msg = "unknown key (check its spelling against docs/user-guide.md)"
    return where, msg


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
    # Sections owned by a step are checked by that step's model first, so a misspelt key in
    # 'topics:' reads exactly like a misspelt top-level key.
    problems = [p for name in _OWNED_SECTIONS for p in _section_errors(name, data.get(name))]
    try:
        cfg = PipelineConfig.model_validate(data)
    except ValidationError as err:
        owned = {name for name in _OWNED_SECTIONS if _section_errors(name, data.get(name))}
        problems += [_describe(e) for e in err.errors() if not (e["loc"] and e["loc"][0] in owned)]
    else:
        if not problems:
            return cfg
    lines = [f"Config '{source}' is not valid:", *(f"  - {w}: {m}" for w, m in problems)]
    raise ConfigError("\n".join(lines))


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
