"""The rules tagger: transparent, lemma-level term matching against a codebook.

It is the first tagger a new codebook gets, a signal for the learning taggers, and the
explanation of last resort: every tag it gives points at the exact words and sentence.

How a quote is read:

1. The text is lower-cased without changing its length (offsets stay valid) and run through
   the blank spaCy pipeline (sentencizer + lookup lemmatiser).
2. Each theme's terms and false friends are lemmatised the same way. A term matches a run of
   tokens when every token equals the term's word either as written or as a lemma, so "trust"
   matches "trusted" and "tick box" matches "tick-box".
3. A match inside a false friend of the same theme ("NHS Trust") is discarded, and so is a
   single capitalised word inside a proper name ("Eastbrook Housing Trust").
4. A negation cue shortly before the match in the same clause ("no trust", "not bureaucratic
   at all") marks it ``negated``; the theme's ``negation`` setting says whether the mention
   still counts (``flip``: trust withheld is still about trust) or not (``drop``).
5. The score is ``1 - 0.4 ** weight`` where single words weigh 1 and phrases 1.5, so one
   clear mention gives 0.6 and the default threshold 0.5 tags it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted
from spacy.tokens import Doc

from cls_text import schema as S
from cls_text.codebook.model import Codebook, load_codebook, parse_codebook
from cls_text.ingest.text import lower_keep_offsets, make_nlp
from cls_text.tag.base import CORE_NEGATORS, TextInputMixin, check_iterable

#: Words that negate a following term within the same clause.
NEGATION_CUES = frozenset(
    (*CORE_NEGATORS, *"nor neither none nobody barely lack lacking absence zero".split())
)
#: Tokens that end a negation's reach ("no forms, but trust" does not negate trust).
_CLAUSE_BREAKS = frozenset({",", ";", ":", "but", "however", "although", "though", "yet", "and"})
_SKIP = frozenset({"-", "–", "—", "/"})  # joiners ignored inside phrases ("tick-box")


def check_texts(X: object) -> list[str]:
    """Return the texts of ``X`` as a list of strings.

    ``X`` is a sequence of strings, or a DataFrame with a ``text`` column. Missing values become
    "" (empty answers get no themes).

    Raises:
        ValueError: for a bare string, or a DataFrame without a ``text`` column.
    """
    checked = check_iterable(X)
    if isinstance(X, pd.DataFrame):
        if S.TEXT not in X.columns:
            raise ValueError(
                f"expected a DataFrame with a '{S.TEXT}' column, got {list(X.columns)}"
            )
        values: Iterable[object] = X[S.TEXT].tolist()
    elif isinstance(X, pd.Series):
        values = X.tolist()
    else:
        values = checked
    return ["" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in values]


def resolve_codebook(codebook: Codebook | str | Path | dict | None) -> Codebook:
    """Accept a Codebook, a path, a mapping or None (the default CLS codebook)."""
    if isinstance(codebook, Codebook):
        return codebook
    if codebook is None or isinstance(codebook, str | Path):
        return load_codebook(codebook)
    return parse_codebook(codebook)


@dataclass(frozen=True, slots=True)
class _Pattern:
    """One codebook phrase as the matcher looks it up: its tokens, then what a match means."""

    #: The phrase as the codebook writes it (the evidence's ``term``).
    term: str
    #: Its tokens as written and as lemmas, aligned: a text token matches either.
    words: tuple[str, ...]
    lemmas: tuple[str, ...]
    #: Position of its theme in the codebook.
    theme: int
    #: A false friend of the theme: its matches block the theme's terms instead of tagging.
    false_friend: bool


def _compile(codebook: Codebook) -> dict[str, list[_Pattern]]:
    """Index every term and false friend by its first word/lemma for fast lookup."""
    nlp = make_nlp()
    index: dict[str, list[_Pattern]] = {}
    for ti, theme in enumerate(codebook.themes):
        for phrases, ff in ((theme.terms, False), (theme.false_friends, True)):
            for phrase in phrases:
                toks = [t for t in nlp(lower_keep_offsets(phrase.strip())) if t.text not in _SKIP]
                if not toks:
                    continue
                pat = _Pattern(
                    term=phrase,
                    words=tuple(t.text for t in toks),
                    lemmas=tuple(t.lemma_ for t in toks),
                    theme=ti,
                    false_friend=ff,
                )
                for key in {pat.lemmas[0], pat.words[0]}:
                    index.setdefault(key, []).append(pat)
    # Longest patterns first, so a phrase wins over its first word.
    for pats in index.values():
        pats.sort(key=lambda p: -len(p.words))
    return index


def _is_in_proper_name(original: str, doc: Doc, i: int) -> bool:
    """True when token i is a capitalised word inside a run of capitalised words mid-sentence."""
    tok = doc[i]
    surface = original[tok.idx : tok.idx + len(tok)]
    if not surface[:1].isupper() or tok.is_sent_start:
        return False
    for j in (i - 1, i + 1):
        if 0 <= j < len(doc):
            other = doc[j]
            s = original[other.idx : other.idx + len(other)]
            if s[:1].isupper() and s.isalpha() and not (j == i - 1 and other.is_sent_start):
                return True
            if j == i - 1 and s.isupper() and len(s) > 1:
                return True
    return False


@dataclass(kw_only=True, eq=False, repr=False)  # writes the keyword __init__ sklearn expects
class RulesTagger(TextInputMixin, ClassifierMixin, BaseEstimator):
    """Multi-label theme tagger from a codebook's indicative terms (no training needed).

    Args:
        codebook: A Codebook, a path to a codebook YAML, a mapping, or None for the default.
        threshold: Score at or above which a theme is tagged.
        min_hits: Fewest distinct matches a theme needs to be tagged.
        negation_window: How many tokens before a term a negation cue may stand.
        batch_size: spaCy batch size.

    Examples:
        >>> tagger = RulesTagger().fit()
        >>> tagger.predict(["Too much paperwork and red tape."])[0].sum() >= 1
        True
    """

    fits_without_target = True

    codebook: Codebook | str | Path | dict | None = None
    threshold: float = 0.5
    min_hits: int = 1
    negation_window: int = 3
    batch_size: int = 512

    def fit(self, X: object = None, y: object = None) -> RulesTagger:
        """Compile the codebook's terms. ``X`` and ``y`` are accepted and ignored."""
        if X is not None:
            check_texts(X)
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], got {self.threshold}")
        if self.min_hits < 1:
            raise ValueError(f"min_hits must be >= 1, got {self.min_hits}")
        self.codebook_ = resolve_codebook(self.codebook)
        self.classes_ = np.array(self.codebook_.theme_ids(), dtype=object)
        self._index = _compile(self.codebook_)
        self._memo: dict[str, dict[str, list[S.Evidence]]] | None = None
        return self

    # -- pickling: the compiled index is rebuilt rather than stored -------------------------
    def __getstate__(self) -> dict[str, object]:
        state = self.__dict__.copy()
        state.pop("_index", None)
        state.pop("_memo", None)
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        if hasattr(self, "codebook_"):
            self._index = _compile(self.codebook_)

    # -- public API ----------------------------------------------------------------------------
    def explain(self, X: object) -> list[dict[str, list[S.Evidence]]]:
        """Return, per text, the evidence for every theme that matched (tagged or not)."""
        check_is_fitted(self)
        texts = check_texts(X)
        # A learned tagger's rules features, the table's evidence and the explanations of some
        # of its rows read the same chunk: the evidence of the last texts parsed is kept (one
        # chunk's worth, replaced whole, so threads see all or nothing) and each parsed once.
        memo = getattr(self, "_memo", None) or {}
        missing = list(dict.fromkeys(t for t in texts if t not in memo))
        if missing:
            memo = {t: memo[t] for t in texts if t in memo}
            memo.update(zip(missing, self._explain(missing), strict=True))
            self._memo = memo
        return [dict(memo[t]) for t in texts]

    def _explain(self, texts: list[str]) -> list[dict[str, list[S.Evidence]]]:
        ids = list(self.classes_)
        out: list[dict[str, list[S.Evidence]]] = []
        nlp = make_nlp()
        lowered = (lower_keep_offsets(t) for t in texts)
        for text, doc in zip(texts, nlp.pipe(lowered, batch_size=self.batch_size), strict=True):
            per_theme: dict[str, list[S.Evidence]] = {}
            for ev_theme, ev in self._match_doc(text, doc):
                per_theme.setdefault(ids[ev_theme], []).append(ev)
            out.append(per_theme)
        return out

    def predict_proba(self, X: object) -> np.ndarray:
        """Return an (n_texts, n_themes) array of scores in [0, 1]."""
        return self.scores_from_evidence(self.explain(X))

    def predict(self, X: object) -> np.ndarray:
        """Return an (n_texts, n_themes) 0/1 indicator matrix aligned with ``classes_``."""
        return self.decide(self.explain(X))

    def decide(self, evidence: Sequence[dict[str, list[S.Evidence]]]) -> np.ndarray:
        """Turn evidence (from :meth:`explain`) into 0/1 tags without re-reading the texts."""
        scores = self.scores_from_evidence(evidence)
        hits = self._counts(evidence)
        return ((scores >= self.threshold) & (hits >= self.min_hits)).astype(np.int64)

    def scores_from_evidence(self, evidence: Sequence[dict[str, list[S.Evidence]]]) -> np.ndarray:
        """Scores from evidence: ``1 - 0.4 ** (sum of match weights)`` per theme."""
        check_is_fitted(self)
        col = {t: j for j, t in enumerate(self.classes_)}
        weights = np.zeros((len(evidence), len(self.classes_)), dtype=np.float64)
        for i, per_theme in enumerate(evidence):
            for theme_id, items in per_theme.items():
                weights[i, col[theme_id]] = sum(e.score for e in items)
        return 1.0 - np.power(0.4, weights)

    def _counts(self, evidence: Sequence[dict[str, list[S.Evidence]]]) -> np.ndarray:
        col = {t: j for j, t in enumerate(self.classes_)}
        counts = np.zeros((len(evidence), len(self.classes_)), dtype=np.int64)
        for i, per_theme in enumerate(evidence):
            for theme_id, items in per_theme.items():
                counts[i, col[theme_id]] = len(items)
        return counts

    # -- matching ------------------------------------------------------------------------------
    def _match_doc(self, text: str, doc: Doc) -> list[tuple[int, S.Evidence]]:
        """(theme index, Evidence) of every term that counts in one parsed text."""
        toks = [t for t in doc if t.text not in _SKIP and not t.is_space]
        raw = self._raw_matches(toks)
        if not raw:
            return []
        return self._evidence(text, toks, self._choose(text, doc, toks, raw))

    def _raw_matches(self, toks: list) -> list[tuple[_Pattern, int, int]]:
        """Every pattern matching at every token, false friends included, within a sentence."""
        raw: list[tuple[_Pattern, int, int]] = []  # pattern, first tok pos, last tok pos (in toks)
        for pos, tok in enumerate(toks):
            cands = self._index.get(tok.lemma_, []) + self._index.get(tok.text, [])
            seen: set[int] = set()
            for pat in cands:
                if id(pat) in seen:
                    continue
                seen.add(id(pat))
                n = len(pat.words)
                if pos + n > len(toks):
                    continue
                window = toks[pos : pos + n]
                if any(t.is_sent_start and k > 0 for k, t in enumerate(window)):
                    continue  # phrases never cross a sentence boundary
                if all(
                    t.text == w or t.lemma_ == lem
                    for t, w, lem in zip(window, pat.words, pat.lemmas, strict=True)
                ):
                    raw.append((pat, pos, pos + n - 1))
        return raw

    def _choose(
        self, text: str, doc: Doc, toks: list, raw: list[tuple[_Pattern, int, int]]
    ) -> dict[int, list[tuple[_Pattern, int, int]]]:
        """Per theme, the matches that count: no false friend, proper name or overlap."""
        blocked: dict[int, list[tuple[int, int]]] = {}
        for pat, a, b in raw:
            if pat.false_friend:
                blocked.setdefault(pat.theme, []).append((a, b))
        chosen: dict[int, list[tuple[_Pattern, int, int]]] = {}
        for pat, a, b in sorted(raw, key=lambda r: (r[1], -(r[2] - r[1]))):
            if pat.false_friend:
                continue
            if any(a <= fb and fa <= b for fa, fb in blocked.get(pat.theme, [])):
                continue
            if a == b and _is_in_proper_name(text, doc, toks[a].i):
                continue
            taken = chosen.setdefault(pat.theme, [])
            if any(a <= tb and ta <= b for _, ta, tb in taken):
                continue  # overlaps a longer/earlier match of the same theme
            taken.append((pat, a, b))
        return chosen

    def _evidence(
        self, text: str, toks: list, chosen: dict[int, list[tuple[_Pattern, int, int]]]
    ) -> list[tuple[int, S.Evidence]]:
        """Evidence of the chosen matches (negation per theme policy), by theme then offset."""
        out: list[tuple[int, S.Evidence]] = []
        for theme_idx, matches in chosen.items():
            policy = self.codebook_.themes[theme_idx].negation
            for pat, a, b in matches:
                negated = self._negated(toks, a)
                if negated and policy == "drop":
                    continue
                first, last = toks[a], toks[b]
                start, end = first.idx, last.idx + len(last)
                # The sentencizer's span can include the line break before a sentence that
                # starts a line: trim it so text[sent_start:sent_end] is the sentence.
                span_text = text[first.sent.start_char : first.sent.end_char]
                s_start = first.sent.start_char + len(span_text) - len(span_text.lstrip())
                s_end = s_start + len(span_text.strip())
                evidence = S.Evidence.at(
                    text,
                    (start, end),
                    sentence=(s_start, s_end),
                    term=pat.term,
                    score=1.5 if len(pat.words) > 1 else 1.0,
                    source="rules",
                    negated=negated,
                )
                out.append((theme_idx, evidence))
        out.sort(key=lambda item: (item[0], item[1].start))
        return out

    def _negated(self, toks: list, pos: int) -> bool:
        for k in range(pos - 1, max(-1, pos - 1 - self.negation_window), -1):
            t = toks[k]
            if t.text in _CLAUSE_BREAKS or t.is_sent_end:
                return False
            if t.lemma_ in NEGATION_CUES or t.text in NEGATION_CUES:
                return True
            if t.is_sent_start:
                return False
        return False
