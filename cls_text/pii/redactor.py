"""The redaction step: find personal data, replace it with typed placeholders, count it.

One :class:`Redactor` is built per wave (it holds the pseudonym table when pseudonymisation is
on). It never logs, stores or returns the values it removes: a :class:`Redaction` carries the
new text, the placeholder spans in that text and counts per type.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from cls_text import schema
from cls_text.pii import patterns
from cls_text.pii.config import ENTITY_TYPES, RedactionConfig
from cls_text.pii.gazetteer import load_gazetteer
from cls_text.pii.names import find_names
from cls_text.pii.patterns import Span

#: A placeholder the redactor writes: ``[NAME]`` or, pseudonymised, ``[NAME-3]``.
PLACEHOLDER = re.compile(r"\[(?:" + "|".join(ENTITY_TYPES) + r")(?:-\d+)?\]")

#: Recognisers in priority order: when two spans overlap, the earlier type wins (an e-mail
#: beats the URL inside it, a CHI number beats the "phone number" it looks like).
_RECOGNISERS: tuple[tuple[str, Callable[[str], list[Span]]], ...] = (
    ("EMAIL", patterns.find_emails),
    ("URL", patterns.find_urls),
    ("NHS_NO", patterns.find_health_numbers),  # also yields CHI_NO
    ("NI_NO", patterns.find_ni_numbers),
    ("PHONE", patterns.find_phones),
    ("POSTCODE", patterns.find_postcodes),
    ("DATE_OF_BIRTH", patterns.find_dates_of_birth),
    ("ADDRESS", patterns.find_addresses),
)
_PRIORITY = {t: i for i, t in enumerate(("EXTRA", *(t for t, _ in _RECOGNISERS), "NAME"))}
_PRIORITY["CHI_NO"] = _PRIORITY["NHS_NO"]
_MAX_PASSES = 20


@dataclass(frozen=True, slots=True)
class Redaction:
    """Result of redacting one text.

    Attributes:
        text: The redacted text.
        spans: ``(start, end, type)`` of each placeholder *in the redacted text*.
        counts: Number of entities replaced, per type (types with none are absent).
    """

    text: str
    spans: tuple[tuple[int, int, str], ...] = ()
    counts: Mapping[str, int] = field(default_factory=dict)


def _phrase_regex(phrases: list[str]) -> re.Pattern[str] | None:
    if not phrases:
        return None
    alts = sorted({re.escape(p) for p in phrases}, key=len, reverse=True)
    body = "|".join(a.replace(r"\ ", r"\s+") for a in alts)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)


class Redactor:
    """Redact personal data from quotes with placeholders.

    Args:
        config: Settings; the defaults redact every type with plain placeholders.

    Examples:
        >>> Redactor().redact("Call Jenny on 07700 900123").text
        'Call [NAME] on [PHONE]'
    """

    def __init__(self, config: RedactionConfig | None = None) -> None:
        self.config = config if config is not None else RedactionConfig()
        self._types = frozenset(self.config.types)
        self._extra = _phrase_regex(self.config.extra_names)
        self._allow = _phrase_regex(self.config.allow_list)
        self._gaz = load_gazetteer() if "NAME" in self._types else None
        self._pseudonyms: dict[tuple[str, str, str], int] = {}
        self._next_id: Counter[str] = Counter()

    @property
    def issued(self) -> dict[str, int]:
        """Pseudonym numbers issued so far per type (``[NAME-1]``..``[NAME-n]``): n per type.

        Lets a caller that redacts a wave in batches shift later batches' numbers so they match
        a single wave-wide redactor. Empty when ``pseudonymise`` is off.
        """
        return dict(self._next_id)

    # -- detection ---------------------------------------------------------------------------
    def find(self, text: str) -> list[Span]:
        """Return the non-overlapping spans to replace, in text order (no replacement done)."""
        placeholders = [(m.start(), m.end()) for m in PLACEHOLDER.finditer(text)]
        cands: list[Span] = []
        if self._extra is not None:
            cands += [Span(m.start(), m.end(), "EXTRA") for m in self._extra.finditer(text)]
        for type_, find in _RECOGNISERS:
            if type_ in self._types or (type_ == "NHS_NO" and "CHI_NO" in self._types):
                cands += [s for s in find(text) if s.type in self._types]
        if self._gaz is not None:
            protected = list(placeholders)
            if self._allow is not None:
                protected += [(m.start(), m.end()) for m in self._allow.finditer(text)]
            cands += find_names(text, self._gaz, protected=protected)
        cands.sort(key=lambda s: (_PRIORITY[s.type], -(s.end - s.start), s.start))
        taken: list[tuple[int, int]] = list(placeholders)
        chosen: list[Span] = []
        for s in cands:
            if s.end <= s.start or any(s.start < e and b < s.end for b, e in taken):
                continue
            taken.append((s.start, s.end))
            chosen.append(Span(s.start, s.end, "NAME") if s.type == "EXTRA" else s)
        chosen.sort(key=lambda s: s.start)
        return chosen

    # -- replacement -------------------------------------------------------------------------
    def _placeholder(self, type_: str, value: str, key: str | None) -> str:
        if not self.config.pseudonymise:
            return f"[{type_}]"
        norm = " ".join(value.lower().split())
        ident = (key or "", type_, norm)
        if ident not in self._pseudonyms:
            self._next_id[type_] += 1
            self._pseudonyms[ident] = self._next_id[type_]
        return f"[{type_}-{self._pseudonyms[ident]}]"

    def redact(self, text: str, *, key: str | None = None) -> Redaction:
        """Redact one text.

        Args:
            text: The raw quote. Non-strings (None, NaN) are returned as an empty result.
            key: Groups pseudonyms (normally the respondent id): the same value under the same
                key gets the same numbered placeholder for the life of this redactor.

        Returns:
            The redacted text, placeholder spans in it and counts per type. Redacting a
            redacted text changes nothing: placeholders are never re-redacted.
        """
        if not isinstance(text, str) or not text or not self.config.enabled:
            return Redaction(text if isinstance(text, str) else "")
        spans: list[tuple[int, int, str]] = []
        counts: Counter[str] = Counter()
        # Replacing one identifier can expose another glued to it ("07700 900123+44 131...");
        # repeat until nothing more is found, so the result is a fixed point (idempotent).
        for _ in range(_MAX_PASSES):
            found = self.find(text)
            if not found:
                break
            text, spans = self._replace(text, found, spans, key)
            counts.update(s.type for s in found)
        return Redaction(text, tuple(spans), dict(counts))

    def _replace(
        self,
        text: str,
        found: list[Span],
        old_spans: list[tuple[int, int, str]],
        key: str | None,
    ) -> tuple[str, list[tuple[int, int, str]]]:
        parts: list[str] = []
        new_spans: list[tuple[int, int, str]] = []
        shifts: list[tuple[int, int]] = []  # (end in old text, cumulative length change)
        pos = length = delta = 0
        for s in found:
            chunk = text[pos : s.start]
            parts.append(chunk)
            length += len(chunk)
            ph = self._placeholder(s.type, text[s.start : s.end], key)
            parts.append(ph)
            new_spans.append((length, length + len(ph), s.type))
            length += len(ph)
            delta += len(ph) - (s.end - s.start)
            shifts.append((s.end, delta))
            pos = s.end
        parts.append(text[pos:])

        def shift(offset: int) -> int:
            d = 0
            for end, cum in shifts:
                if end <= offset:
                    d = cum
            return offset + d

        moved = [(shift(a), shift(a) + (b - a), t) for a, b, t in old_spans]
        return "".join(parts), sorted(moved + new_spans)

    def redact_frame(
        self,
        df: pd.DataFrame,
        *,
        text_col: str = schema.TEXT,
        key_col: str | None = schema.RESPONDENT_ID,
    ) -> tuple[pd.DataFrame, dict[str, int]]:
        """Redact a text column of a frame.

        Args:
            df: The long table (or any frame with ``text_col``); not modified.
            text_col: Column to redact.
            key_col: Column that groups pseudonyms (``None`` or absent: no grouping).

        Returns:
            A new frame with ``text_col`` redacted, and counts per entity type (every
            configured type present, zeros included) for the manifest - never the values.

        Raises:
            ValueError: if ``text_col`` is not a column of ``df``.
        """
        if text_col not in df.columns:
            raise ValueError(
                f"redact_frame: column '{text_col}' not found; columns are {list(df.columns)}"
            )
        totals: Counter[str] = Counter({t: 0 for t in self.config.types})
        keys: list[Any] = (
            df[key_col].tolist() if key_col is not None and key_col in df.columns else []
        )
        texts = df[text_col].tolist()
        out: list[Any] = []
        for i, value in enumerate(texts):
            if not isinstance(value, str):
                out.append(value)
                continue
            key = None if not keys or pd.isna(keys[i]) else str(keys[i])
            red = self.redact(value, key=key)
            totals.update(red.counts)
            out.append(red.text)
        result = df.copy()
        result[text_col] = pd.Series(out, index=df.index, dtype=df[text_col].dtype)
        return result, dict(totals)


_LONG_DIGITS = re.compile(r"(?<!\d)\d{9,13}(?!\d)")


def redact_cell(value: object, redactor: Redactor, *, max_chars: int | None = None) -> str:
    """Any cell as redacted text, cut to ``max_chars`` only *after* redaction.

    Text is redacted as an answer is. A number a spreadsheet stored as a number is redacted as
    its digits; a run of 9 to 13 digits left over is a phone number whose leading 0 the
    spreadsheet dropped (or an id), so it becomes ``[PHONE]`` (recall first). JSON objects and
    lists are redacted as their JSON text. Cutting first could leave half an e-mail address.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        text = str(value)
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    elif isinstance(value, (dict, list)):
        import json

        text = json.dumps(value, ensure_ascii=False, default=str)
    else:
        text = str(getattr(value, "text", value))
    if max_chars is not None:
        # Only the kept part needs redacting, plus a margin so that an identifier crossing the
        # cut is seen whole (a 5 MB cell would otherwise take many seconds).
        text = text[: 2 * max_chars + 200]
    text = redactor.redact(text).text
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        text = _LONG_DIGITS.sub("[PHONE]", text)
    if max_chars is not None and len(text) > max_chars:
        text = text[:max_chars]
        cut = text.rfind("[")
        if cut >= 0 and "]" not in text[cut:]:
            text = text[:cut]  # never leave half a placeholder
    return text


def redact_text(text: str, config: RedactionConfig | None = None) -> str:
    """Redact one text with a cached default redactor (or a one-off one for ``config``)."""
    redactor = _default_redactor() if config is None else Redactor(config)
    return redactor.redact(text).text


def redact_frame(
    df: pd.DataFrame,
    config: RedactionConfig | Mapping[str, Any] | None = None,
    *,
    text_col: str = schema.TEXT,
    key_col: str | None = schema.RESPONDENT_ID,
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Redact ``df[text_col]`` with a new :class:`Redactor` (one per wave); see its method.

    ``config`` may be the ``redaction`` mapping of the pipeline config; it is validated here.
    """
    cfg = config if isinstance(config, RedactionConfig) else RedactionConfig(**(config or {}))
    return Redactor(cfg).redact_frame(df, text_col=text_col, key_col=key_col)


_DEFAULT: list[Redactor] = []


def _default_redactor() -> Redactor:
    if not _DEFAULT:
        _DEFAULT.append(Redactor())
    return _DEFAULT[0]


def scrub_for_log(text: object, *, max_chars: int = 80) -> str:
    """Make a text safe to show in a log line or an error message.

    Redacts with the default settings, then shortens to ``max_chars`` (a log needs a hint of
    which answer, not the answer). Non-strings are shown by type only.

    Examples:
        >>> scrub_for_log("Ring Jenny on 07700 900123 about my mum's care package please")
        "Ring [NAME] on [PHONE] about my mum's care package please"
    """
    if not isinstance(text, str):
        return f"<{type(text).__name__}>"
    red = _default_redactor().redact(" ".join(text.split())).text
    return red if len(red) <= max_chars else red[: max_chars - 1].rstrip() + "…"
