"""User-facing settings of the redaction step (validated, extra keys rejected)."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cls_text.pii.vocab import PROGRAMME_WORDS

EntityType = Literal[
    "NAME",
    "PHONE",
    "EMAIL",
    "POSTCODE",
    "ADDRESS",
    "NHS_NO",
    "CHI_NO",
    "NI_NO",
    "DATE_OF_BIRTH",
    "URL",
]

#: Every entity type, in the order docs and manifests list them.
ENTITY_TYPES: tuple[str, ...] = get_args(EntityType)


class RedactionConfig(BaseModel):
    """How personal data is redacted before anything is tagged or written.

    Redaction is on by default: under UK GDPR nothing identifying may reach a tagged dataset, a
    report or a log, so turning it off is an explicit, visible choice in the wave config.

    Attributes:
        enabled: Redact at all. ``False`` passes text through unchanged (for already-redacted
            exports only).
        pseudonymise: Number placeholders (``[NAME-3]``) so that the same value from the same
            key (respondent) gets the same placeholder throughout a wave.
        extra_names: Staff and organisation names to redact wherever they appear
            (case-insensitive, whole words), e.g. ``["Jo Bloggs", "Sunnyside Care"]``.
        allow_list: Phrases never redacted as names (programme words, council names). The
            default covers the CLS programme; a value given here *replaces* it, so add to
            ``DEFAULT_ALLOW_LIST`` rather than starting from nothing.
        types: Entity types to redact; all by default.
        pseudonymise_ids: Replace respondent ids by keyed-hash pseudonyms in every output
            (see :mod:`cls_text.pii.pseudonym`); on by default, also when ``enabled`` is off.
        id_key_file: The pseudonym key's file; None = ``$CLS_TEXT_ID_KEY_FILE``, else
            ``data/keys/respondent-id.key``. Keep it out of the outputs and back it up: the
            same key keeps pseudonyms stable across the waves of a programme.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    pseudonymise: bool = False
    extra_names: list[str] = Field(default_factory=list)
    allow_list: list[str] = Field(default_factory=lambda: list(PROGRAMME_WORDS))
    types: list[EntityType] = Field(default_factory=lambda: list(ENTITY_TYPES))  # type: ignore[arg-type]
    pseudonymise_ids: bool = True
    id_key_file: str | None = None

    @field_validator("extra_names", "allow_list")
    @classmethod
    def _no_blank(cls, value: list[str]) -> list[str]:
        cleaned = [v.strip() for v in value]
        if any(not v for v in cleaned):
            raise ValueError("entries must be non-blank strings (found an empty entry)")
        return cleaned


#: The allow-list used when a config does not set one.
DEFAULT_ALLOW_LIST: tuple[str, ...] = PROGRAMME_WORDS
