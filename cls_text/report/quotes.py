"""Pick safe, representative example quotes for a theme.

Evaluation writers publish quotes, so a quote chosen here must be (a) redacted, (b) from a group
large enough that it cannot point to a person - small-number suppression: no quote from a
site x respondent-type group with fewer than ``min_group`` distinct respondents in the wave -
(c) readable and clearly about the theme, and (d) not a near-copy of another chosen quote.
Every quote keeps its ``quote_id`` so the writer can read it in context.
"""

from __future__ import annotations

import functools
import json

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer

from cls_text import schema
from cls_text.pii import PLACEHOLDER, Redactor
from cls_text.report.stance import STANCE_VALUES, normalize_stance, normalize_stance_series

#: Columns of the frame :func:`select_quotes` returns (plus the theme's score and stance).
QUOTE_COLUMNS = (schema.QUOTE_ID, schema.RESPONDENT_TYPE, schema.SITE, schema.TEXT)
_MMR_LAMBDA = 0.7
_SITE_PENALTY = 0.15
_POOL = 200
#: Quotes are chosen among at most this many of a theme's candidates, the highest-scoring
#: (ties by input order). The ranking pools the best 200 anyway; screening every one of half a
#: million candidates of a million-answer wave for leftover identifiers took minutes.
MAX_CANDIDATES = 5_000
#: Cosine similarity (TF-IDF) above which a quote counts as a near-copy of a chosen one.
_NEAR_DUPLICATE = 0.8


def small_groups(tagged: pd.DataFrame, *, min_group: int = 5) -> pd.DataFrame:
    """Groups (wave x site x respondent type) with fewer than ``min_group`` respondents.

    Returns:
        One row per suppressed group with the number of distinct respondents (``n``); the
        wave column is used only when the frame has one.
    """
    keys = _group_keys(tagged)
    sizes = tagged.groupby(keys, dropna=False)[schema.RESPONDENT_ID].nunique()
    return sizes[sizes < min_group].rename("n").reset_index()


def _group_keys(df: pd.DataFrame) -> list[str]:
    keys = [schema.SITE, schema.RESPONDENT_TYPE]
    return [schema.WAVE, *keys] if schema.WAVE in df.columns else keys


def _has_evidence(value: object) -> bool:
    if not isinstance(value, str) or not value or value == "[]":
        return False
    try:
        items = json.loads(value)
    except ValueError:
        return False
    return any(not item.get("negated", False) for item in items if isinstance(item, dict))


def _stance_filter(stance: str) -> str:
    try:
        word = normalize_stance(stance)
    except ValueError:
        word = ""
    if not word:
        raise ValueError(
            f"select_quotes: stance must be one of {list(STANCE_VALUES)} (or the older "
            f"'+', '-', '0') or None, got {stance!r}"
        )
    return word


def select_quotes(
    tagged: pd.DataFrame,
    theme_id: str,
    *,
    n: int = 3,
    stance: str | None = None,
    respondent_type: str | None = None,
    min_group: int = 5,
    min_words: int = 8,
    max_words: int = 60,
    max_placeholder_share: float = 0.1,
    seed: int = 0,
    evidence: schema.EvidenceCells | None = None,
) -> pd.DataFrame:
    """Choose up to ``n`` representative, diverse, publishable quotes for one theme.

    Candidates are the rows tagged with ``theme_id`` (and ``stance`` / ``respondent_type`` when
    given) that are substantive, ``min_words``-``max_words`` words long, at most
    ``max_placeholder_share`` placeholders per word, free of anything the default redactor
    still finds, and from a group with at least ``min_group`` distinct respondents. They are
    ranked by the theme score (plus a bonus for non-negated rules evidence) and picked by
    maximal marginal relevance over TF-IDF vectors, with a penalty for repeating a site, so the
    quotes differ in wording and spread over sites. Ties are broken by ``seed``.

    Args:
        tagged: The tagged long table of one wave (see docs/architecture.md).
        theme_id: Theme column to quote.
        n: Number of quotes wanted (fewer come back when fewer qualify).
        stance: ``"positive"``, ``"negative"``, ``"neutral"`` or ``"mixed"`` (or the older
            ``"+"``, ``"-"``, ``"0"``) to quote one stance only.
        respondent_type: Quote only this respondent type (e.g. ``"staff"``).
        min_group: Small-number threshold (distinct respondents per site x respondent type).
        min_words: Shortest quote, in words.
        max_words: Longest quote, in words.
        max_placeholder_share: Most placeholders per word (drops "[NAME] told [NAME] ...").
        seed: Tie-break seed; the same inputs and seed give the same quotes.
        evidence: Where the evidence cells are read (None: the table's evidence column).

    Returns:
        ``quote_id``, ``respondent_type``, ``site``, ``text``, ``score``, ``stance`` and
        ``rank`` (1 = best) of the chosen quotes, best first.

    Raises:
        ValueError: if a needed column is missing or an argument is out of range.

    Examples:
        >>> select_quotes(tagged, "trust", n=2, stance="positive")  # doctest: +SKIP
    """
    stance = _check_arguments(tagged, theme_id, n, stance, min_group, min_words, max_words)
    out_cols = [*QUOTE_COLUMNS, "score", "stance", "rank"]
    cand = _theme_rows(tagged, theme_id, stance, respondent_type, min_group, evidence)
    if cand.empty:
        return pd.DataFrame(columns=out_cols)
    cand = _publishable(cand, min_words, max_words, max_placeholder_share)
    if cand.empty:
        return pd.DataFrame(columns=out_cols)

    pool, rel = _ranked_pool(cand, theme_id, seed)
    chosen = _mmr(pool[schema.TEXT].astype(str).tolist(), rel, pool[schema.SITE].tolist(), n)
    return _quote_frame(pool.iloc[chosen], theme_id, out_cols)


def _check_arguments(
    tagged: pd.DataFrame,
    theme_id: str,
    n: int,
    stance: str | None,
    min_group: int,
    min_words: int,
    max_words: int,
) -> str | None:
    """Fail early on a missing column or an out-of-range argument; return the stance word."""
    needed = [theme_id, schema.score_col(theme_id), *QUOTE_COLUMNS, schema.RESPONDENT_ID]
    if stance is not None:
        needed.append(schema.stance_col(theme_id))
    missing = [c for c in needed if c not in tagged.columns]
    if missing:
        raise ValueError(
            f"select_quotes: tagged table lacks column(s) {missing} needed for theme "
            f"'{theme_id}'; expected the tagged long table of docs/architecture.md"
        )
    if n < 1 or min_group < 1 or not 0 < min_words <= max_words:
        raise ValueError(
            f"select_quotes: need n >= 1, min_group >= 1 and 0 < min_words <= max_words; got "
            f"n={n}, min_group={min_group}, min_words={min_words}, max_words={max_words}"
        )
    return _stance_filter(stance) if stance is not None else None


def _theme_rows(
    tagged: pd.DataFrame,
    theme_id: str,
    stance: str | None,
    respondent_type: str | None,
    min_group: int,
    evidence: schema.EvidenceCells | None = None,
) -> pd.DataFrame:
    """Substantive rows tagged with the theme (and stance, type), from large enough groups."""
    keys = _group_keys(tagged)
    sizes = tagged.groupby(keys, dropna=False)[schema.RESPONDENT_ID].transform("nunique")
    mask = (tagged[theme_id] == 1) & (sizes >= min_group)
    if stance is not None:
        mask &= normalize_stance_series(tagged[schema.stance_col(theme_id)]) == stance
    if respondent_type is not None:
        mask &= tagged[schema.RESPONDENT_TYPE] == respondent_type
    if schema.NON_SUBSTANTIVE in tagged.columns:
        mask &= ~tagged[schema.NON_SUBSTANTIVE].fillna(False).astype(bool)
    wanted = [*QUOTE_COLUMNS, schema.RESPONDENT_ID, theme_id, schema.score_col(theme_id)]
    wanted += [schema.stance_col(theme_id), schema.evidence_col(theme_id)]
    cols = [c for c in dict.fromkeys(wanted) if c in tagged.columns]
    score = tagged[schema.score_col(theme_id)]
    rows = best_scoring(score, mask.to_numpy(dtype=bool), MAX_CANDIDATES)
    out = tagged.iloc[rows][cols].copy()  # the kept rows and this theme's columns only
    if evidence is not None:
        out[schema.evidence_col(theme_id)] = schema.evidence_cells(tagged, theme_id, rows, evidence)
    return out


def best_scoring(score: pd.Series, mask: np.ndarray, most: int) -> np.ndarray:
    """Positions of at most ``most`` rows in ``mask``: the highest-scoring, in input order.

    Ties go by input order. The report's bounded steps choose their rows with it before
    copying any (the theme sheets of ``report.xlsx``, the example quotes' candidates).
    """
    rows = np.flatnonzero(mask)
    if len(rows) <= most:
        return rows
    values = pd.to_numeric(score.iloc[rows]).astype(float).fillna(0.0).to_numpy()
    best = np.argsort(-values, kind="stable")[:most]
    return rows[np.sort(best)]


def _publishable(
    cand: pd.DataFrame, min_words: int, max_words: int, max_placeholder_share: float
) -> pd.DataFrame:
    """Candidates of a readable length, with few placeholders and nothing left to redact."""
    texts = cand[schema.TEXT].fillna("").astype(str)
    words = texts.str.split().str.len()
    n_ph = texts.map(lambda t: len(PLACEHOLDER.findall(t)))
    keep = (words >= min_words) & (words <= max_words) & (n_ph <= max_placeholder_share * words)
    # Defence in depth: drop anything the redactor would still change. Only the texts that
    # passed the cheap checks are looked at, each once (an answer tagged with five themes is a
    # candidate five times; the memo is bounded).
    ok = np.array(keep, dtype=bool)
    values = texts.tolist()
    for i in np.flatnonzero(ok):
        ok[i] = not _still_redactable(values[i])
    return cand.loc[ok]


@functools.lru_cache(maxsize=1)
def _checker() -> Redactor:
    return Redactor()


@functools.lru_cache(maxsize=1 << 16)
def _still_redactable(text: str) -> bool:
    """Whether the default redactor would still replace something in ``text`` (memoised)."""
    return bool(_checker().find(text))


def _ranked_pool(cand: pd.DataFrame, theme_id: str, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """The ``_POOL`` most relevant candidates, best first, and their relevance.

    Relevance is the theme score plus a bonus for non-negated rules evidence; a seeded jitter
    breaks ties, then the quote id.
    """
    rel = cand[schema.score_col(theme_id)].astype(float).fillna(0.0).to_numpy()
    evidence_col = schema.evidence_col(theme_id)
    if evidence_col in cand.columns:
        rel = rel + 0.25 * cand[evidence_col].map(_has_evidence).to_numpy(dtype=float)
    jitter = np.random.default_rng(seed).random(len(cand)) * 1e-6
    order = np.lexsort((cand[schema.QUOTE_ID].astype(str).to_numpy(), -(rel + jitter)))
    order = order[:_POOL]
    return cand.iloc[order], rel[order]


def _quote_frame(result: pd.DataFrame, theme_id: str, out_cols: list[str]) -> pd.DataFrame:
    """The chosen rows in the returned shape: quote columns, score, stance word and rank."""
    stance_col = schema.stance_col(theme_id)
    stances = (
        normalize_stance_series(result[stance_col]).to_numpy()
        if stance_col in result.columns
        else [""] * len(result)
    )
    return pd.DataFrame(
        {
            **{c: result[c].to_numpy() for c in QUOTE_COLUMNS},
            "score": result[schema.score_col(theme_id)].astype(float).to_numpy(),
            "stance": stances,
            "rank": np.arange(1, len(result) + 1),
        },
        columns=out_cols,
    )


def _mmr(texts: list[str], rel: np.ndarray, sites: list[object], n: int) -> list[int]:
    """Greedy maximal marginal relevance with a repeated-site penalty."""
    try:
        vecs = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2)).fit_transform(texts)
        sim = (vecs @ vecs.T).toarray()
    except ValueError:  # every text is stop words / placeholders: no vocabulary
        sim = np.zeros((len(texts), len(texts)))
    chosen: list[int] = []
    site_count: dict[object, int] = {}
    while len(chosen) < min(n, len(texts)):
        best, best_val = -1, -np.inf
        for i in range(len(texts)):
            if i in chosen:
                continue
            redundancy = max((sim[i, j] for j in chosen), default=0.0)
            if redundancy > _NEAR_DUPLICATE:
                continue
            val = _MMR_LAMBDA * rel[i] - (1 - _MMR_LAMBDA) * redundancy
            val -= _SITE_PENALTY * site_count.get(sites[i], 0)
            if val > best_val:
                best, best_val = i, val
        if best < 0:
            break
        chosen.append(best)
        site_count[sites[best]] = site_count.get(sites[best], 0) + 1
    return chosen
