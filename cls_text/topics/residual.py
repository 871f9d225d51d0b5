"""The residual: sentences of a wave that no theme of the codebook explains.

Emergent topics exist to surface what the codebook misses, so they are fitted on what is left
once the codebook has done its work: every sentence of a substantive answer that holds no
evidence of a theme the answer was tagged with, minus survey filler ("nothing else to add",
"thank you") and sentences too short to be about anything. Codebook terms are removed from the
topic vocabulary too (:func:`codebook_stop_words`), so a topic is never just a theme again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from cls_text import schema as S
from cls_text.codebook.model import Codebook
from cls_text.ingest.text import untagged_non_english

#: Sentences that are survey filler whatever else they say.
_FILLER = re.compile(
    r"^\W*(?:no(?:thing)?(?: (?:more|else|further))?(?: to (?:add|say|report))?|n/?a|none|"
    r"no comments?|not (?:really|sure)|don'?t know|thanks?(?: you)?(?: (?:very|so) much)?|"
    r"keep (?:it|up the good work)(?: up)?|all good|see above|as above|same as above|"
    r"that'?s (?:it|all))\W*$",
    re.IGNORECASE,
)
#: Single words of survey filler that describe how people write, not what about.
FILLER_WORDS = frozenset(
    {
        "thank",
        "thanks",
        "please",
        "nothing",
        "add",
        "comment",
        "comments",
        "answer",
        "question",
        "survey",
        "said",
        "say",
        "way",
        "new",
        "time",
        "good",
        "great",
        "better",
        "worse",
        "people",
        "work",
        "working",
        "changed",
        "things",
        "lot",
        "honest",
        "honestly",
        "personally",
        "actually",
        "far",
        "tell",
        "worth",
        "right",
        "mean",
        "does",
        "going",
        "want",
        "know",
        "feels",
        "experience",
    }
)
_WORD = re.compile(r"[^\W\d_]+")
#: Evidence cells read and parsed at a time: bounds the memory of a large wave's residual.
_CELLS_PER_READ = 50_000
#: Columns of :func:`residual_sentences`.
RESIDUAL_COLUMNS = ("unit_id", "row", S.QUOTE_ID, "sentence", S.TEXT)


def codebook_stop_words(codebook: Codebook, extra: Iterable[str] = ()) -> list[str]:
    """Words and phrases topic keywords must not be: codebook stop words, theme terms, filler.

    ``extra`` adds the wave's own vocabulary that names no topic, such as its site names
    ("Northvale" in every answer from Northvale).
    """
    words = set(codebook.stop_words) | FILLER_WORDS
    words |= {w.strip().lower() for w in extra if isinstance(w, str) and w.strip()}
    for theme in codebook.themes:
        words.update(t.strip().lower() for t in theme.terms if t.strip())
    return sorted(words)


class _ExplainedSpans:
    """The sentence spans that hold evidence of a theme each row is tagged with, as flat arrays.

    Read column by column, once per table, so that finding a row's explained spans is a slice,
    not a pandas row (a 10k-answer wave spent most of its topics step building rows). At most
    ``_CELLS_PER_READ`` cells of one column are Python strings at a time, and only their offsets
    are kept, in integer arrays sorted by row: a 1M-answer wave's spans fit in tens of megabytes
    where a dict of lists of tuples took half a gigabyte.
    """

    def __init__(
        self, tagged: pd.DataFrame, theme_ids: Sequence[str], evidence: S.EvidenceCells | None
    ) -> None:
        per_theme: list[np.ndarray] = [np.zeros((0, 3), dtype=np.int64)]
        for t in theme_ids:
            tagged_rows = np.flatnonzero(pd.to_numeric(tagged[t]).fillna(0).to_numpy() == 1)
            for a in range(0, len(tagged_rows), _CELLS_PER_READ):
                on = tagged_rows[a : a + _CELLS_PER_READ]
                cells = S.evidence_cells(tagged, t, on, evidence)
                flat: list[int] = []  # row, start, end, row, start, end, ...
                for row, cell in zip(on.tolist(), cells, strict=True):
                    if isinstance(cell, str):
                        for start, end in S.evidence_sentence_spans(cell):
                            flat.extend((row, start, end))
                per_theme.append(np.asarray(flat, dtype=np.int64).reshape(-1, 3))
        table = np.concatenate(per_theme)
        rows, both = table[:, 0], table[:, 1:]
        order = np.argsort(rows, kind="stable")
        self.rows, self.spans = rows[order], both[order]

    def of(self, row: int) -> list[tuple[int, int]]:
        """The explained ``(start, end)`` spans of the row at position ``row``."""
        a, b = np.searchsorted(self.rows, (row, row + 1))
        return [(int(s), int(e)) for s, e in self.spans[a:b]]


def residual_sentences(
    tagged: pd.DataFrame,
    codebook: Codebook,
    *,
    min_words: int = 4,
    evidence: S.EvidenceCells | None = None,
) -> pd.DataFrame:
    """Every sentence of a substantive answer that no tagged theme's evidence lies in.

    Args:
        tagged: The tagged long table (``quote_id``, ``text``, theme 0/1 and ``<id>_evidence``
            columns; ``non_substantive`` when present).
        codebook: The codebook the wave was tagged with.
        min_words: Shorter sentences are left out (too short to carry a topic).
        evidence: Where the evidence cells are read (None: the table's evidence columns).

    Returns:
        ``RESIDUAL_COLUMNS``: ``unit_id`` (``<quote_id>#<n>``), ``row`` (position in
        ``tagged``), ``quote_id``, ``sentence`` and the whole answer ``text``, in table order.

    Raises:
        ValueError: ``tagged`` lacks ``quote_id`` or ``text``.
    """
    # The zero-shot tagger's splitter: with its embedder, these sentences are cache hits.
    from cls_text.tag.zeroshot import split_sentences

    for col in (S.QUOTE_ID, S.TEXT):
        if col not in tagged.columns:
            raise ValueError(f"tagged table has no '{col}' column; got {list(tagged.columns)}")
    texts = tagged[S.TEXT].fillna("").astype(str).tolist()
    keep = np.array([bool(t.strip()) for t in texts], dtype=bool)
    if S.NON_SUBSTANTIVE in tagged.columns:
        keep &= ~np.array(tagged[S.NON_SUBSTANTIVE].fillna(False), dtype=bool)
    keep &= ~untagged_non_english(tagged).to_numpy(dtype=bool)  # English-only vocabulary
    ids = tagged[S.QUOTE_ID].astype(str).tolist()
    theme_ids = [t for t in codebook.theme_ids() if t in tagged.columns]
    explained = _ExplainedSpans(tagged, theme_ids, evidence)
    rows = []
    for pos in np.flatnonzero(keep):
        text = texts[int(pos)]
        spans = explained.of(int(pos))
        for k, (a, b) in enumerate(split_sentences(text)):
            sentence = text[a:b]
            if any(a < e_end and e_start < b for e_start, e_end in spans):
                continue  # holds evidence of a theme the answer was tagged with
            if _FILLER.match(sentence) or len(_WORD.findall(sentence)) < min_words:
                continue
            rows.append((f"{ids[pos]}#{k}", int(pos), ids[pos], sentence, text))
    return pd.DataFrame(rows, columns=list(RESIDUAL_COLUMNS))
