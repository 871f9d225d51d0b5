"""Person-name recogniser: titles, cue phrases and a gazetteer, tuned for care feedback.

No trained model is needed (none can be downloaded here). A capitalised word is a name when:

1. a title comes before it ("Mrs Patel", "Dr. O'Neill", "Dr J. Smith");
2. a cue phrase comes before it ("my carer Jenny", "a lady called Sue", "thanks to Mark") and
   it is a known first name or a word that is not common English ("my carer Tendai");
3. a cue comes after it ("Sue was lovely", "Jenny from the hub") and it is a known first name;
4. it is a known first name that is *not* also a common word (Jenny, Siobhan, Mohammed), even
   with no context - sentence-initial or not;
5. it follows a name ("Jenny McAllister", "Rose Patel").

A lower-case word counts only right after a cue, when it is a first name or a word no list
knows, and not a common word ("thanks to jamie", "i spoke to seonaid"), or as a first name
with a known lower-case surname after it, neither being a common word ("jamie mcgregor").
After a cue, the lower-case word after the name goes with it when it is a name or a word no list
knows ("i spoke to seonaid adeyemi").

Names that are also ordinary words (Hope, Will, May, Rose, Grace, Mark) need rule 1-3 or 5; and
months, weekdays, nations, faiths, services (vocab.NOT_NAMES) and UK places (vocab.PLACES:
Bath, Reading, Sandwell, Angus...) never count without a title or cue. Surnames alone
("Patel") count only after a title or a first name, because many surnames are also places.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from cls_text.pii.gazetteer import Gazetteer, NameInfo
from cls_text.pii.patterns import Span
from cls_text.pii.vocab import (
    ABBREVIATED_TITLES,
    AFTER_CUES,
    AFTER_VERBS,
    CUES,
    FACILITY_WORDS,
    NAME_MONTHS,
    NOT_NAMES,
    PLACES,
    TITLES,
)

_L = "A-Za-zÀ-ÖØ-öø-ÿ"
_WORD = re.compile(rf"[{_L}]+(?:['’][{_L}]+)*(?:-[{_L}]+)*")
_POSSESSIVE = re.compile(r"['’]s$")
_BOUNDARY = re.compile(r"[.!?;:\n()\[\]\"“”]")
_CUES = frozenset(CUES)
_AFTER = frozenset(AFTER_CUES)
_AFTER_VERBS = frozenset(AFTER_VERBS)
_MAX_CUE_WORDS = max(len(c.split()) for c in (*CUES, *AFTER_CUES, *AFTER_VERBS))
_AND = frozenset({"and", "or"})
#: Words before a bare gazetteer name that make it a place ("at Stanley", "to the Freeman").
_PLACE_PREPS = frozenset("at in from near the into outside around via towards".split())
_ACRONYM = re.compile(r"[A-Z]{2,}\b")
_CONTRACTION = re.compile(r"(?:n't|'ve|'re|'ll|'d|'m|'s)$")


def _is_titlecase(word: str) -> bool:
    return word[0].isupper() and len(word) > 1 and not word.isupper()


class _Tok:
    __slots__ = ("start", "end", "word", "key", "cap")

    def __init__(self, m: re.Match[str]) -> None:
        self.start = m.start()
        word = m.group()
        poss = _POSSESSIVE.search(word)
        if poss and len(word) > 3:
            word = word[: poss.start()]
        self.end = self.start + len(word)
        self.word = word
        self.key = word.lower().replace("’", "'")
        self.cap = _is_titlecase(word)


def _is_common(gaz: Gazetteer, key: str) -> bool:
    """A common word, a contraction of one ("i've", "you'd") or a hyphenated compound of one."""
    if key in gaz.common_words:
        return True
    head = re.split(r"['-]", key, maxsplit=1)[0]
    if head in ("i", "a"):
        return True  # I've, I'm, I'd
    if len(head) == 1:
        return False  # O'Neill, D'Souza
    return head in gaz.common_words or head in NOT_NAMES or head in PLACES


def _unknown_word(gaz: Gazetteer, key: str) -> bool:
    """A word no list knows that may be a name: not a contraction, not two words run together.

    "don't" and "homecare" are in no list either, but are plainly English.
    """
    if _CONTRACTION.search(key):
        return False
    return not any(
        key[:k] in gaz.common_words and key[k:] in gaz.common_words for k in range(4, len(key) - 3)
    )


def _info(gaz: Gazetteer, key: str) -> NameInfo | None:
    info = gaz.names.get(key)
    if info is None and "-" in key:  # Mary-Jane, Smith-Jones: judge by the first part
        info = gaz.names.get(key.split("-", 1)[0])
    return info


def find_names(
    text: str, gaz: Gazetteer, *, protected: Sequence[tuple[int, int]] = ()
) -> list[Span]:
    """Find person names in ``text``.

    Args:
        text: One quote.
        gaz: The gazetteer (:func:`cls_text.pii.gazetteer.load_gazetteer`).
        protected: ``(start, end)`` ranges never to mark (allow-listed phrases, placeholders).

    Returns:
        Spans of type ``NAME``; titles stay outside the span ("Mrs [NAME]"), adjacent name
        words form one span.
    """
    quote = _Quote(text, gaz, protected)
    if not quote.toks:
        return []
    for i, tok in enumerate(quote.toks):
        if tok.cap:
            quote.mark_capitalised(i)
        elif tok.key not in gaz.common_words:  # never marked: spare the rules' other tests
            quote.mark_lower(i)
    quote.extend_to_neighbours()
    quote.extend_over_and()
    quote.unmark_places()
    return quote.spans()


class _Quote:
    """One quote's word tokens and which of them are name words, as the rules mark them.

    The rules run in order (single words, then neighbours, then words joined by "and", then
    places named after people), each reading what the earlier ones marked.
    """

    def __init__(self, text: str, gaz: Gazetteer, protected: Sequence[tuple[int, int]]) -> None:
        self.text = text
        self.gaz = gaz
        self.protected = protected
        self.toks = [_Tok(m) for m in _WORD.finditer(text)]
        self.marked = [False] * len(self.toks)

    # --- context of a token ---------------------------------------------------------------

    def gap(self, i: int) -> str:
        """The text between token i-1 and token i."""
        toks = self.toks
        return self.text[toks[i - 1].end : toks[i].start] if i > 0 else ""

    def joined(self, i: int) -> bool:
        """Token i directly follows token i-1 in the same clause."""
        return i > 0 and not _BOUNDARY.search(self.gap(i))

    def is_protected(self, tok: _Tok) -> bool:
        """The token overlaps a range never to mark."""
        return any(s < tok.end and tok.start < e for s, e in self.protected)

    def title_before(self, i: int) -> int | None:
        """Index of the first name token if a title (and initials) precede token i."""
        text, toks = self.text, self.toks
        j = i - 1
        while j >= 0 and len(toks[j].word) == 1 and toks[j].word.isupper() and j < i:
            if text[toks[j].end : toks[j + 1].start].strip() not in ("", "."):
                return None
            j -= 1
        if j < 0 or toks[j].key not in TITLES:
            return None
        g = text[toks[j].end : toks[j + 1].start]
        title = toks[j]
        if g == ". ":  # "Dr. O'Neill", but not "...saw a dr. However"
            if title.key not in ABBREVIATED_TITLES or not title.cap:
                return None
        elif g not in (" ", "\u00a0"):
            return None
        return j + 1

    def cue_before(self, i: int) -> bool:
        """A cue phrase ends right before token i, in the same clause ("my carer Jenny")."""
        words: list[str] = []
        j = i
        while j > 0 and len(words) < _MAX_CUE_WORDS:
            g = self.gap(j)
            if _BOUNDARY.search(g):
                break
            words.insert(0, self.toks[j - 1].key)
            if " ".join(words) in _CUES:
                return True
            j -= 1
        return False

    def cue_after(self, i: int, cues: frozenset[str]) -> bool:
        """One of ``cues`` starts right after token i ("Sue was lovely")."""
        words: list[str] = []
        for j in range(i + 1, min(len(self.toks), i + 1 + _MAX_CUE_WORDS)):
            if self.gap(j).strip():
                break
            words.append(self.toks[j].key)
            if " ".join(words) in cues:
                return True
        return False

    def plain_word(self, key: str) -> bool:
        """A common word, a place or a word that is never a name."""
        return _is_common(self.gaz, key) or key in PLACES or key in NOT_NAMES

    def lower_full_name(self, i: int) -> bool:
        """A first name then a surname, both lower case, neither a word: jamie mcgregor."""
        toks, gaz = self.toks, self.gaz
        if i + 1 >= len(toks) or self.text[toks[i].end : toks[i + 1].start] != " ":
            return False
        tok, nxt = toks[i], toks[i + 1]
        if not nxt.word.islower() or len(nxt.word) < 3 or self.is_protected(nxt):
            return False
        first, last = gaz.names.get(tok.key), _info(gaz, nxt.key)
        return (
            first is not None
            and first.first
            and not first.ambiguous
            and not self.plain_word(tok.key)
            and last is not None
            and last.surname
            and self.lower_surname(nxt)
        )

    def lower_surname(self, tok: _Tok) -> bool:
        """A lower-case word that may end a lower-case name after a cue: any name, or no list's.

        Recall first: a surname the lists lack ("adeyemi") after a first name would identify
        the person as well as the full name does. Without a cue the surname must be a known
        one (:meth:`lower_full_name`): "ashby fen" is a place.
        """
        info = _info(self.gaz, tok.key)
        return (
            tok.word.islower()
            and len(tok.word) >= 3
            and not self.is_protected(tok)
            and (info is not None or _unknown_word(self.gaz, tok.key))
            and not self.plain_word(tok.key)
        )

    def titled_run(self, k: int) -> bool:
        """The marked words ending at k follow a title ("Dr Moira Baxter [Surgery]")."""
        text, toks, marked = self.text, self.toks, self.marked
        while k > 0 and marked[k - 1] and text[toks[k - 1].end : toks[k].start] == " ":
            k -= 1
        return self.title_before(k) is not None

    # --- the rules, in the order they run --------------------------------------------------

    def mark_lower(self, i: int) -> None:
        """Mark a lower-case word: a name after a cue, or a lower-case full name.

        "thanks to jamie", "i spoke to seonaid adeyemi": right after a cue, a first name or a
        word no list knows, neither a common word, and the surname after it; "jamie mcgregor":
        a first name and a known surname, neither a common word.
        """
        tok, gaz = self.toks[i], self.gaz
        if not tok.word.islower() or len(tok.word) <= 2 or self.is_protected(tok):
            return
        if self.lower_full_name(i):
            self.marked[i] = self.marked[i + 1] = True
            return
        info = gaz.names.get(tok.key)
        if (
            (info is not None or _unknown_word(gaz, tok.key))
            and not self.plain_word(tok.key)
            and self.cue_before(i)
        ):
            self.marked[i] = True
            if i + 1 < len(self.toks) and self.gap(i + 1) == " ":
                self.marked[i + 1] = self.lower_surname(self.toks[i + 1])

    def mark_capitalised(self, i: int) -> None:
        """Mark a capitalised word by rules 1-4: after a title or a cue, or a clear first name."""
        tok, gaz, marked = self.toks[i], self.gaz, self.marked
        if self.is_protected(tok):
            return
        head = tok.key.split("-", 1)[0]
        if tok.key in TITLES or head in PLACES or (head != tok.key and head in NOT_NAMES):
            return  # "Lady was lovely", "Chester-le-Street", "Jan-June"
        if tok.key in NOT_NAMES:
            # "my carer May" / "called June": a cue outweighs the month
            if tok.key in NAME_MONTHS and (self.title_before(i) is not None or self.cue_before(i)):
                marked[i] = True
            return
        info = _info(gaz, tok.key)
        blocked = tok.key in PLACES or tok.key in FACILITY_WORDS
        rare = info is None and not blocked and not _is_common(gaz, tok.key)
        first_idx = self.title_before(i)
        if first_idx is not None and (info is not None or not _is_common(gaz, tok.key)):
            for k in range(first_idx, i + 1):
                marked[k] = True
            return
        if blocked:
            return
        if info is not None and info.first and not info.ambiguous:
            place_like = (
                self.joined(i) and self.toks[i - 1].key in _PLACE_PREPS
            ) or _ACRONYM.match(self.text, tok.end + 1) is not None
            marked[i] = not place_like or self.cue_after(i, _AFTER) or self.cue_before(i)
        elif self.cue_before(i) and (
            rare or (info is not None and (info.first or not info.ambiguous))
        ):
            marked[i] = True
        elif info is not None and info.first and self.cue_after(i, _AFTER):
            marked[i] = True
        elif rare and (self.cue_after(i, _AFTER) or self.cue_after(i, _AFTER_VERBS)):
            marked[i] = True

    def extend_to_neighbours(self) -> None:
        """Rule 5: extend to neighbouring name words ("Jenny McAllister", "Rose Patel")."""
        text, toks, gaz, marked = self.text, self.toks, self.gaz, self.marked
        for i in range(1, len(toks)):
            tok, prev = toks[i], toks[i - 1]
            if text[prev.end : tok.start] not in (" ", "\u00a0") or not (tok.cap and prev.cap):
                continue
            if self.is_protected(tok) or self.is_protected(prev) or tok.key in NOT_NAMES:
                continue
            if tok.key in TITLES or prev.key in TITLES:
                continue
            info, pinfo = _info(gaz, tok.key), _info(gaz, prev.key)
            if marked[i - 1] and not marked[i] and tok.key not in PLACES:
                if tok.key not in FACILITY_WORDS and (
                    info is not None or not _is_common(gaz, tok.key)
                ):
                    marked[i] = True
            elif (
                not marked[i - 1]
                and info is not None
                and info.surname
                and (not info.ambiguous or not _is_common(gaz, tok.key))
                and tok.key not in PLACES
                and (
                    (pinfo is not None and pinfo.first)
                    or (pinfo is None and not _is_common(gaz, prev.key))
                )
                and prev.key not in PLACES
                and prev.key not in NOT_NAMES
            ):
                marked[i - 1] = marked[i] = True

    def extend_over_and(self) -> None:
        """Rule 5 across "and"/"or": a name word joined to a marked one ("Jenny and Sue")."""
        toks, gaz, marked = self.toks, self.gaz, self.marked
        for i in range(2, len(toks)):
            tok = toks[i]
            if marked[i] or not marked[i - 2] or toks[i - 1].key not in _AND or not tok.cap:
                continue
            if self.gap(i - 1).strip() or self.gap(i).strip() or self.is_protected(tok):
                continue
            info = _info(gaz, tok.key)
            if (
                tok.key not in PLACES
                and tok.key not in NOT_NAMES
                and ((info is not None and info.first) or not _is_common(gaz, tok.key))
            ):
                marked[i] = True

    def unmark_places(self) -> None:
        """Unmark a "name" followed by a facility word: a place ("Byron House", "Clifton Lane").

        Unless a title says it is a person's ("Dr Moira Baxter Surgery").
        """
        text, toks, marked = self.text, self.toks, self.marked
        for i in range(len(toks) - 1, 0, -1):
            nxt = toks[i]
            if marked[i - 1] and not marked[i] and nxt.key in FACILITY_WORDS:
                if text[toks[i - 1].end : nxt.start] == " " and not self.titled_run(i - 1):
                    k = i - 1
                    while k >= 0 and marked[k] and self.title_before(k) is None:
                        marked[k] = False
                        if k == 0 or text[toks[k - 1].end : toks[k].start] != " ":
                            break
                        k -= 1

    def spans(self) -> list[Span]:
        """The marked words as ``NAME`` spans, adjacent ones (and initials) merged into one."""
        text, toks, marked = self.text, self.toks, self.marked
        spans: list[Span] = []
        for i, tok in enumerate(toks):
            if not marked[i]:
                continue
            if (
                spans
                and marked[i - 1]
                and text[toks[i - 1].end : tok.start] in (" ", ". ", "\u00a0")
            ):
                spans[-1] = Span(spans[-1].start, tok.end, "NAME")
            else:
                spans.append(Span(tok.start, tok.end, "NAME"))
        return spans
