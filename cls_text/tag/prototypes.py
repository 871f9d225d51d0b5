"""What a zero-shot tagger recognises a theme by, read from the codebook.

Each theme becomes several groups of prototype texts (definition and include notes, terms,
examples, exclude notes), and its false friends one regex, so that a sentence can be compared
with each group on its own rather than with one blurred average.
"""

from __future__ import annotations

import re

from cls_text.codebook.model import Theme

_POINTER = re.compile(r"\(\s*->[^)]*\)|->\s*\w+")


def split_notes(note: str) -> list[str]:
    """Split an include/exclude note into short phrases, dropping '(-> theme)' pointers."""
    out = []
    for part in re.split(r"[;\n]|(?<=\.)\s", note):
        part = _POINTER.sub("", part).strip(" .,'\"")
        if len(part) >= 4:
            out.append(part)
    return out


def prototype_texts(theme: Theme) -> tuple[list[str], list[str], list[str], list[str]]:
    """The texts a theme is recognised by: definition/include, terms, examples, exclusions."""
    return (
        [f"{theme.label}: {theme.definition}", *split_notes(theme.include)],
        list(dict.fromkeys(theme.terms)) or [theme.label],
        list(theme.examples) or [theme.definition],
        split_notes(theme.exclude),
    )


def false_friend_regex(theme: Theme) -> re.Pattern[str] | None:
    """One case-insensitive regex of the theme's false friends (longest first), or None."""
    if not theme.false_friends:
        return None
    alts = sorted((re.escape(f.strip()) for f in theme.false_friends), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(alts) + r")\b", re.IGNORECASE)
