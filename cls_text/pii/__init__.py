"""Personal-data redaction (UK GDPR): typed placeholders, counts per type, safe logging.

Everything here runs locally with regexes and a shipped name gazetteer: no service, no model
download. See docs/pii.md for the rules and the measured precision/recall.

Examples:
    >>> from cls_text.pii import Redactor, RedactionConfig
    >>> Redactor(RedactionConfig()).redact("Mrs Patel rang from 0131 496 0000").text
    'Mrs [NAME] rang from [PHONE]'
"""

from __future__ import annotations

from cls_text.pii.config import DEFAULT_ALLOW_LIST, ENTITY_TYPES, EntityType, RedactionConfig
from cls_text.pii.pseudonym import key_file, load_key, pseudonymise_id
from cls_text.pii.redactor import (
    PLACEHOLDER,
    Redaction,
    Redactor,
    redact_cell,
    redact_frame,
    redact_text,
    scrub_for_log,
)

__all__ = [
    "DEFAULT_ALLOW_LIST",
    "ENTITY_TYPES",
    "PLACEHOLDER",
    "EntityType",
    "Redaction",
    "RedactionConfig",
    "Redactor",
    "redact_cell",
    "redact_frame",
    "redact_text",
    "key_file",
    "load_key",
    "pseudonymise_id",
    "scrub_for_log",
]
