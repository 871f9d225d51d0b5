"""Codebooks: the themes to tag, as validated data.

A codebook is a YAML file that users own and edit. It is validated once, on load, into frozen
pydantic models, so a typo in a key or a duplicated id stops the run with a message that names
the theme and the field instead of silently tagging nothing.

The content hash (sha256 over the canonical JSON of the validated codebook) is recorded in every
output and model card, so a result can always be traced to the exact codebook that produced it.
"""

from __future__ import annotations

import hashlib
import json
import re
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from cls_text.errors import CodebookError
from cls_text.schema import RESERVED_NAMES, THEME_COLUMN_SUFFIXES

_SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
_SEMVER = re.compile(r"^\d+\.\d+\.\d+$")

#: Change-log operations after which a theme's prevalence is not comparable across versions.
REDEFINING_OPS = frozenset({"edit_definition", "edit_terms", "split", "merge"})


def version_key(version: str) -> tuple[int, ...]:
    """A semantic version as a tuple that sorts as versions do ("1.10.0" after "1.9.0")."""
    return tuple(int(p) for p in str(version).split(".") if p.isdigit())


#: The default CLS codebook shipped inside the package.
DEFAULT_CODEBOOK = "cls_default.yaml"


def _matching(pattern: re.Pattern[str], value: str, message: str) -> str:
    """``value`` if ``pattern`` matches it; else ``message`` as the field's validation error."""
    if not pattern.match(value):
        raise ValueError(message)
    return value


class _Strict(BaseModel):
    """A codebook part: a typo'd key is an error, and nothing changes after validation."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Theme(_Strict):
    """One theme: what it means (for people) and how to spot it (for the rules tagger)."""

    id: str
    label: str
    definition: str
    include: str = ""
    exclude: str = ""
    polarity: str = ""
    #: Indicative words and phrases, matched on lower-cased lemmas.
    terms: tuple[str, ...] = ()
    #: Phrases that look like a term but are not the theme ("NHS Trust" is not trust).
    false_friends: tuple[str, ...] = ()
    #: Short illustrative quotes, written for this codebook (not real respondents).
    examples: tuple[str, ...] = ()
    #: What a negated mention means. "flip": still this theme, opposite stance ("no trust" is
    #: trust withheld); "drop": not this theme at all.
    negation: Literal["flip", "drop"] = "flip"

    @field_validator("id")
    @classmethod
    def _id_is_snake_case(cls, value: str) -> str:
        _matching(_SNAKE, value, f"theme id '{value}' must be snake_case (e.g. 'staff_morale')")
        if value in RESERVED_NAMES:
            raise ValueError(f"theme id '{value}' is a reserved column name")
        if value.endswith(THEME_COLUMN_SUFFIXES):
            raise ValueError(f"theme id '{value}' may not end with {THEME_COLUMN_SUFFIXES}")
        return value

    @field_validator("terms", "false_friends", "examples")
    @classmethod
    def _no_blank_strings(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            if not item.strip():
                raise ValueError("must not contain empty strings")
        return value


class CodebookChange(_Strict):
    """One entry of a codebook's change log, so coded data can follow renames and merges."""

    version: str
    #: ``edit_definition`` and ``edit_terms`` change what a theme means or how it is found,
    #: so its prevalence before and after is not comparable (see :meth:`Codebook.redefined`).
    op: Literal["add", "rename", "merge", "split", "retire", "edit_definition", "edit_terms"]
    #: Theme ids before the change (one for rename/split/retire/edit; several for merge).
    source: tuple[str, ...] = ()
    #: Theme ids after the change (one for rename/merge/add; several for split).
    target: tuple[str, ...] = ()
    note: str = ""


class Codebook(_Strict):
    """A validated codebook."""

    id: str
    name: str
    version: str
    note: str = ""
    #: Extra stop words for topic discovery (programme jargon that says nothing on its own).
    stop_words: tuple[str, ...] = ()
    themes: tuple[Theme, ...] = Field(min_length=1)
    changes: tuple[CodebookChange, ...] = ()
    #: Tag answers flagged ``non_english`` too. Off by default: the terms, the zero-shot
    #: prototypes and the shipped models are English, and tagging a Welsh or Polish answer
    #: with them gives confident nonsense. A codebook written for those languages says so.
    tag_non_english: bool = False

    @field_validator("id")
    @classmethod
    def _codebook_id(cls, value: str) -> str:
        return _matching(_SNAKE, value, f"codebook id '{value}' must be snake_case")

    @field_validator("version")
    @classmethod
    def _semver(cls, value: str) -> str:
        return _matching(
            _SEMVER, value, f"version '{value}' must be a semantic version such as 1.2.0"
        )

    @model_validator(mode="after")
    def _unique_ids(self) -> Codebook:
        seen: set[str] = set()
        for theme in self.themes:
            if theme.id in seen:
                raise ValueError(f"theme id '{theme.id}' appears more than once")
            seen.add(theme.id)
        return self

    def theme_ids(self) -> list[str]:
        """Theme ids in codebook order (the column order of every output)."""
        return [t.id for t in self.themes]

    def theme(self, theme_id: str) -> Theme:
        """Return one theme by id.

        Raises:
            KeyError: naming the id and the valid ids.
        """
        for t in self.themes:
            if t.id == theme_id:
                return t
        raise KeyError(f"no theme '{theme_id}' in codebook '{self.id}'; valid: {self.theme_ids()}")

    def redefined(self, since: str, until: str | None = None) -> list[str]:
        """Current theme ids whose definition or terms changed after ``since`` (up to ``until``).

        A change of ``edit_definition``, ``edit_terms``, ``split`` or ``merge`` in the change
        log, with a version above ``since`` and at most ``until`` (default: this version),
        means a difference between waves tagged under the two versions may come from the
        codebook, not the respondents: such a theme is shown but not tested for change.
        """
        lo, hi = version_key(since), version_key(until or self.version)
        changed = {
            t
            for c in self.changes
            if c.op in REDEFINING_OPS and lo < version_key(c.version) <= hi
            for t in (*c.source, *c.target)
        }
        return [t for t in self.theme_ids() if t in changed]

    def content_hash(self) -> str:
        """Return the sha256 of the canonical JSON form (stable across YAML formatting)."""
        data = self.model_dump(mode="json")
        if not data["tag_non_english"]:
            # Left out at its default, so every codebook written before the option keeps its
            # hash (trained models and tuned thresholds are keyed by it).
            del data["tag_non_english"]
        canonical = json.dumps(data, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def summary(self) -> dict[str, str]:
        """Return id, version and hash: what outputs and model cards record."""
        return {"id": self.id, "version": self.version, "hash": self.content_hash()}


def _format_validation_error(path: object, err: ValidationError, data: object) -> str:
    lines = [f"Codebook '{path}' is not valid:"]
    for e in err.errors():
        loc = list(e["loc"])
        where = ".".join(str(p) for p in loc)
        # Name the theme by id rather than by list position where we can.
        if len(loc) >= 2 and loc[0] == "themes" and isinstance(loc[1], int):
            try:
                theme_id = data["themes"][loc[1]].get("id", f"#{loc[1] + 1}")  # type: ignore[index]
            except (KeyError, IndexError, TypeError, AttributeError):
                theme_id = f"#{loc[1] + 1}"
            field = ".".join(str(p) for p in loc[2:]) or "(theme)"
            where = f"theme '{theme_id}', field '{field}'"
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            msg = "unknown key (check its spelling against docs/user-guide.md)"
        lines.append(f"  - {where}: {msg}")
    return "\n".join(lines)


def parse_codebook(data: object, *, source: object = "<dict>") -> Codebook:
    """Validate an already-parsed codebook mapping.

    Raises:
        CodebookError: listing every problem, each naming the theme id and field.
    """
    if not isinstance(data, dict):
        raise CodebookError(
            f"Codebook '{source}' must be a mapping with 'id', 'version', 'themes'."
        )
    try:
        return Codebook.model_validate(data)
    except ValidationError as err:
        raise CodebookError(_format_validation_error(source, err, data)) from None


def load_codebook(path: str | Path | None = None) -> Codebook:
    """Load and validate a codebook YAML file; ``None`` loads the default CLS codebook.

    Args:
        path: A YAML file, or None for the packaged default.

    Returns:
        The validated, frozen codebook.

    Raises:
        CodebookError: The file is missing, is not YAML, or does not validate.

    Examples:
        >>> cb = load_codebook()
        >>> "trust" in cb.theme_ids()
        True
    """
    if path is None:
        text = (
            resources.files("cls_text.codebook.data").joinpath(DEFAULT_CODEBOOK).read_text("utf-8")
        )
        source: object = f"default codebook ({DEFAULT_CODEBOOK})"
    else:
        p = Path(path)
        if not p.is_file():
            raise CodebookError(f"Codebook file '{p}' does not exist.")
        text = p.read_text(encoding="utf-8")
        source = p
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise CodebookError(f"Codebook '{source}' is not valid YAML: {err}") from None
    return parse_codebook(data, source=source)
