"""Text clean-up, the spaCy pipeline, and the flags for answers that say nothing.

spaCy runs without a downloaded model: a blank English pipeline with a rule-based sentence
splitter and the lookup lemmatiser from spacy-lookups-data. The lookup lemmatiser is
case-sensitive ("Trusted" stays "Trusted"), so texts are lower-cased first with
:func:`lower_keep_offsets`, which never changes the length of the text and so keeps every
character offset valid against the original.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING

import pandas as pd

from cls_text import schema as S

if TYPE_CHECKING:  # spaCy (and with it torch, through thinc) loads only when a pipeline is made
    from spacy.language import Language

_WS = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_CTRL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

#: Answers that carry no content. Matched against the whole answer after normalisation
#: (lower case, punctuation and surrounding space stripped).
NON_SUBSTANTIVE = frozenset(
    {
        "",
        "n/a",
        "na",
        "n a",
        "n.a",
        "none",
        "nothing",
        "nothing to add",
        "nothing else",
        "nothing further",
        "no",
        "nope",
        "nil",
        "no comment",
        "no comments",
        "no further comments",
        "no further comment",
        "not applicable",
        "did not answer",
        "didn't answer",
        "prefer not to say",
        "don't know",
        "dont know",
        "dk",
        "not sure",
        "no idea",
        "same as above",
        "as above",
        "see above",
        "x",
        "tbc",
        "unknown",
        "nothing really",
        "not really",
        "nothing at all",
        "none really",
        "no thanks",
        "no thank you",
        "not at this time",
        "nothing comes to mind",
        # Welsh: "nothing", "nothing else", "no comment", "none", "no thanks"
        "dim byd",
        "dim",
        "dim byd arall",
        "dim sylw",
        "dim sylwadau",
        "dim diolch",
    }
)
#: An answer is only judged "not in English" when it has this many words: one or two words
#: ("Brilliant!", "Ok") are too little evidence for any language identifier.
MIN_WORDS_FOR_LANGUAGE = 4
#: ...and when the identifier is at least this sure that it is not English.
NON_ENGLISH_MIN_PROB = 0.9
_STRIP_PUNCT = re.compile(r"^[\s\W_]+|[\s\W_]+$")


def normalize_text(text: str) -> str:
    """Tidy an answer without changing what it says.

    Unicode is NFC-composed, control characters (other than newlines and tabs) are dropped,
    runs of spaces are collapsed and the ends are trimmed. Idempotent.

    Examples:
        >>> normalize_text("  Great   service\\x07 ")
        'Great service'
    """
    text = unicodedata.normalize("NFC", text)
    text = _CTRL.sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [_WS.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line).strip()


def is_non_substantive(text: str) -> bool:
    """Return True for answers such as "", "N/A", "nothing", "no comment", "-".

    Examples:
        >>> is_non_substantive(" N/A. "), is_non_substantive("No trust at all")
        (True, False)
    """
    core = _STRIP_PUNCT.sub("", text.strip().lower())
    core = _WS.sub(" ", core)
    return core in NON_SUBSTANTIVE or not any(ch.isalnum() for ch in core)


@lru_cache(maxsize=1)
def _language_identifier() -> object:
    """py3langid's model (shipped in its wheel; ~1 s to load, once per process)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def language_of(text: str) -> tuple[str, float]:
    """The most likely language of a text (ISO 639-1 code) and its probability.

    Examples:
        >>> language_of("Roedd y staff yn garedig iawn ac yn gwrando arnaf.")[0]
        'cy'
    """
    lang, prob = _language_identifier().classify(text)  # type: ignore[attr-defined]
    return str(lang), float(prob)


def is_non_english(text: str) -> bool:
    """True when an answer of a few words or more is, with confidence, not in English.

    Examples:
        >>> is_non_english("Czas oczekiwania na wizytę jest za długi."), is_non_english("Ok")
        (True, False)
    """
    if len(text.split()) < MIN_WORDS_FOR_LANGUAGE:
        return False
    lang, prob = language_of(text)
    return lang != "en" and prob >= NON_ENGLISH_MIN_PROB


def lower_keep_offsets(text: str) -> str:
    """Lower-case a text without changing its length (so offsets stay valid).

    ``str.lower`` turns a few characters into two (e.g. "İ"); those are left as they are.
    """
    out = text.lower()
    if len(out) == len(text):
        return out
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


@lru_cache(maxsize=4)
def make_nlp(lang: str = "en") -> Language:
    """Return the shared blank pipeline: sentencizer + lookup lemmatiser.

    Cached per process: building it costs ~0.1 s and it holds no state between calls.
    """
    import spacy

    nlp = spacy.blank(lang)
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp


def flag_answers(df: pd.DataFrame) -> pd.DataFrame:
    """Add the ``non_substantive``, ``duplicate_answer`` and ``flags`` columns.

    A duplicate answer is a substantive answer whose normalised text the same respondent already
    gave to an earlier question in this wave (copy-paste across questions). Both are kept.
    A substantive answer that is not in English gets the flag ``non_english``.
    Row order must be the ingest order (earlier question first).
    """
    out = df.copy()
    texts = out[S.TEXT].astype(str)
    non_sub = texts.map(is_non_substantive)
    key = texts.str.lower().str.replace(r"\s+", " ", regex=True).str.strip()
    dup = out.assign(_k=key).duplicated(subset=[S.RESPONDENT_ID, "_k"], keep="first")
    dup = dup & ~non_sub
    out[S.NON_SUBSTANTIVE] = non_sub.astype(bool)
    out[S.DUPLICATE_ANSWER] = dup.astype(bool)
    existing = out[S.FLAGS] if S.FLAGS in out.columns else pd.Series("", index=out.index)
    foreign = [not ns and is_non_english(t) for t, ns in zip(texts, non_sub, strict=True)]
    flags = []
    for prev, ns, du, fo in zip(existing.fillna(""), non_sub, dup, foreign, strict=True):
        parts = [p for p in str(prev).split(";") if p]
        if ns:
            parts.append("non_substantive")
        if du:
            parts.append("duplicate_answer")
        if fo:
            parts.append(S.NON_ENGLISH)
        flags.append(";".join(dict.fromkeys(parts)))
    out[S.FLAGS] = flags
    return out


def has_flag(df: pd.DataFrame, flag: str) -> pd.Series:
    """True where a row's ``flags`` (``;``-separated) hold ``flag``; all False without them."""
    if S.FLAGS not in df.columns:
        return pd.Series(False, index=df.index)
    return df[S.FLAGS].fillna("").astype(str).map(lambda v: flag in v.split(";")).astype(bool)


def untagged_non_english(df: pd.DataFrame) -> pd.Series:
    """Rows flagged ``non_english`` that no tagger saw (their ``tagger`` cell is empty).

    Such rows have no themes because nobody looked, not because no theme applies, so every
    share leaves them out of its denominator, as it does non-substantive answers. Rows of a
    wave tagged before the flag existed, or under ``tag_non_english``, name their tagger and
    count as usual.
    """
    out = pd.Series(False, index=df.index)
    if S.TAGGER not in df.columns or S.FLAGS not in df.columns:
        return out
    # Only untagged rows (non-substantive ones, mostly) need their flags read: every share of
    # a report calls this, and splitting a million flag strings costs half a second.
    untagged = df[S.TAGGER].fillna("").astype(str).eq("").to_numpy()
    if untagged.any():
        out[untagged] = has_flag(df.loc[untagged], S.NON_ENGLISH).to_numpy()
    return out
