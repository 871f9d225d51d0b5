"""Candidate new themes: topics in the quotes the codebook explains poorly.

The *residual* of a tagged wave is its substantive quotes that got no theme, or whose best theme
score is below ``cfg.residual_score``. Topics found there are what respondents talk about that
the codebook does not cover well, so each one is offered to evaluators as a candidate theme with
its keywords, size, who raised it (respondent type, site), the nearest existing theme and how
close it is, and a few diverse example quotes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from cls_text import schema as S
from cls_text.codebook.model import Codebook
from cls_text.ingest.text import untagged_non_english
from cls_text.topics.config import TopicConfig
from cls_text.topics.discover import TopicResult, discover_topics
from cls_text.topics.model import Encoder
from cls_text.topics.vectors import unit_rows

#: Columns of the candidate-themes table.
CANDIDATE_COLUMNS = (
    "candidate",
    "label",
    "keywords",
    "coherence",
    "size",
    "share_of_residual",
    "by_respondent_type",
    "by_site",
    "nearest_theme",
    "similarity",
    "example_quote_ids",
    "example_texts",
)

#: Left-over personal data an example must not show, even though text is redacted upstream.
_UNSAFE = re.compile(r"@|\b\d[\d ]{6,}\d\b|https?://|www\.", re.IGNORECASE)


def theme_prototypes(
    codebook: Codebook, encode: Callable[[list[str]], np.ndarray]
) -> dict[str, np.ndarray]:
    """Embed each theme as the mean of its label+definition and its example quotes.

    Args:
        codebook: The codebook in use.
        encode: Embeds a list of texts, e.g. ``Embedder().encode``; must be the embedder that
            embedded the quotes, so that similarities are comparable.

    Returns:
        Theme id -> unit vector, in codebook order.
    """
    texts: list[str] = []
    bounds: list[tuple[str, int, int]] = []
    for theme in codebook.themes:
        own = [f"{theme.label}. {theme.definition} {theme.include}".strip(), *theme.examples]
        bounds.append((theme.id, len(texts), len(texts) + len(own)))
        texts.extend(own)
    vecs = np.asarray(encode(texts), dtype=np.float32)  # one call: one batch for the model
    out: dict[str, np.ndarray] = {}
    for theme_id, a, b in bounds:
        out[theme_id] = unit_rows(vecs[a:b].mean(axis=0, keepdims=True))[0]
    return out


def residual_mask(
    tagged: pd.DataFrame, theme_ids: Sequence[str], *, threshold: float
) -> np.ndarray:
    """Mark substantive, non-blank quotes with no theme or with a best score below ``threshold``.

    Raises:
        ValueError: A needed column is missing (names the column).
    """
    for col in (S.TEXT,):
        if col not in tagged.columns:
            raise ValueError(f"tagged table has no '{col}' column; got {list(tagged.columns)}")
    text = tagged[S.TEXT].fillna("").astype(str)
    mask = np.array(text.str.strip().ne(""), dtype=bool)
    if S.NON_SUBSTANTIVE in tagged.columns:
        mask = mask & ~np.array(tagged[S.NON_SUBSTANTIVE].fillna(False), dtype=bool)
    # an untagged answer in another language is not "uncovered by the codebook": nobody looked
    mask = mask & ~untagged_non_english(tagged).to_numpy(dtype=bool)
    score_cols = [S.score_col(t) for t in theme_ids if S.score_col(t) in tagged.columns]
    tag_cols = [t for t in theme_ids if t in tagged.columns]
    untagged = (
        tagged[tag_cols].fillna(0).astype(int).sum(axis=1).eq(0).to_numpy()
        if tag_cols
        else np.ones(len(tagged), dtype=bool)
    )
    if score_cols:
        low = tagged[score_cols].fillna(0.0).astype(float).max(axis=1).lt(threshold).to_numpy()
    else:
        low = np.zeros(len(tagged), dtype=bool)
    return mask & (untagged | low)


def _shares(values: pd.Series) -> str:
    counts = values.fillna("").astype(str).replace("", "(unknown)").value_counts(normalize=True)
    return json.dumps(
        {k: round(float(v), 3) for k, v in sorted(counts.items())}, ensure_ascii=False
    )


def _column(df: pd.DataFrame, name: str) -> pd.Series:
    """The column, or blanks when the table lacks it (shares then read "(unknown)")."""
    return df[name] if name in df.columns else pd.Series([""] * len(df), dtype=object)


def diverse_examples(
    texts: Sequence[str],
    unit_emb: np.ndarray,
    centre: np.ndarray,
    *,
    k: int,
    diversity: float = 0.5,
) -> list[int]:
    """Pick up to ``k`` positions: typical of the topic, unlike each other, safe to show.

    Greedy maximal marginal relevance: start from the quote nearest the centre, then add the
    quote that best balances closeness to the centre against similarity to those already
    picked. Quotes shorter than four words, exact repeats, and quotes that still look like they
    hold an e-mail, URL or long number are skipped.
    """
    seen: set[str] = set()
    ok: list[int] = []
    for i, t in enumerate(texts):
        norm = " ".join(str(t).lower().split())
        if len(norm.split()) >= 4 and norm not in seen and not _UNSAFE.search(str(t)):
            ok.append(i)
            seen.add(norm)
    if not ok:
        return []
    cand = np.asarray(ok)
    rel = unit_emb[cand] @ centre
    picked = [int(np.argmax(rel))]
    while len(picked) < min(k, len(cand)):
        red = (unit_emb[cand] @ unit_emb[cand[picked]].T).max(axis=1)
        score = (1 - diversity) * rel - diversity * red
        score[picked] = -np.inf
        picked.append(int(np.argmax(score)))
    return [int(cand[p]) for p in picked]


def candidate_themes(
    tagged: pd.DataFrame,
    embeddings: np.ndarray,
    prototypes: Mapping[str, np.ndarray],
    *,
    cfg: TopicConfig | None = None,
    stop_words: Sequence[str] = (),
    embedding_model: Encoder | None = None,
    embedded_index: Sequence[int] | np.ndarray | None = None,
) -> pd.DataFrame:
    """Propose candidate new themes from the quotes the codebook explains poorly.

    Args:
        tagged: The tagged long table (``text``, ``quote_id``, ``respondent_type``, ``site``,
            ``non_substantive``, theme 0/1 and ``<id>_score`` columns).
        embeddings: One row per row of ``tagged``, or per position in ``embedded_index``.
        prototypes: Theme id -> embedding (see :func:`theme_prototypes`), same space.
        cfg: Topic settings; ``cfg.residual_score`` sets "explained poorly".
        stop_words: Extra stop words (``codebook.stop_words``).
        embedding_model: Encoder for keyword diversity (see :func:`discover_topics`).
        embedded_index: Row positions of ``tagged`` that ``embeddings`` belongs to, when only a
            sample was embedded; the other residual quotes are assigned by c-TF-IDF and are
            not used as examples.

    Returns:
        One row per candidate (``CANDIDATE_COLUMNS``), largest first. ``by_respondent_type`` and
        ``by_site`` are JSON objects of shares; ``example_texts`` is a JSON list. When the
        residual is too small the table is empty and ``attrs["message"]`` says why;
        ``attrs["n_residual"]`` always holds the residual size.

    Raises:
        ValueError: Embeddings do not align with ``tagged``, or a needed column is missing.
    """
    cfg = cfg or TopicConfig()
    emb = np.asarray(embeddings, dtype=np.float32)
    row = _embedding_rows(tagged, emb, embedded_index)
    mask = residual_mask(tagged, list(prototypes), threshold=cfg.residual_score)
    resid_pos = np.flatnonzero(mask)
    resid = tagged.iloc[resid_pos].reset_index(drop=True)
    resid_row = row[resid_pos]  # row of ``emb`` per residual quote (-1: not embedded)
    has_emb = np.flatnonzero(resid_row >= 0)
    r_emb = emb[resid_row[has_emb]]
    texts = resid[S.TEXT].astype(str).tolist()
    result = discover_topics(
        texts,
        r_emb,
        cfg=cfg,
        stop_words=stop_words,
        ids=resid[S.QUOTE_ID].astype(str).tolist(),
        embedding_model=embedding_model,
        embedded_index=has_emb,
    )
    out = pd.DataFrame({c: [] for c in CANDIDATE_COLUMNS})
    out.attrs["n_residual"] = int(mask.sum())
    out.attrs["message"] = result.message
    if result.too_little_text:
        return out

    unit = np.zeros((len(resid), emb.shape[1]), dtype=np.float32)
    unit[has_emb] = unit_rows(r_emb)
    shown = np.zeros(len(resid), dtype=bool)
    shown[has_emb] = True
    table = describe_candidates(result, resid, unit, shown, prototypes, cfg=cfg)
    table.attrs = dict(out.attrs)
    return table


def _embedding_rows(
    tagged: pd.DataFrame, emb: np.ndarray, embedded_index: Sequence[int] | np.ndarray | None
) -> np.ndarray:
    """Row of ``emb`` per row of ``tagged`` (-1: not embedded), after checking they align."""
    n = len(tagged)
    embedded = np.arange(n) if embedded_index is None else np.asarray(embedded_index, dtype=int)
    if emb.ndim != 2 or emb.shape[0] != len(embedded):
        raise ValueError(
            f"embeddings must have one row per embedded tagged row: got {emb.shape} "
            f"for {len(embedded)} rows"
        )
    if len(embedded) and (embedded.min() < 0 or embedded.max() >= n):
        raise ValueError(f"embedded_index must hold row positions in 0..{n - 1}")
    if S.QUOTE_ID not in tagged.columns:
        raise ValueError(f"tagged table has no '{S.QUOTE_ID}' column")
    row = np.full(n, -1, dtype=int)
    row[embedded] = np.arange(len(embedded))
    return row


def _candidate_row(
    topic: Any, members: np.ndarray, units: pd.DataFrame, unit: np.ndarray, shown: np.ndarray,
    centre: np.ndarray, nearest: tuple[str, float], cfg: TopicConfig,
) -> dict[str, object]:  # fmt: skip
    sub = units.iloc[members]
    ranked = members[shown[members]]  # only embedded units can be ranked
    # The sentence that put the answer in the topic, where the units are sentences.
    display = units["sentence" if "sentence" in units.columns else S.TEXT].astype(str)
    picks = ranked[diverse_examples(display.iloc[ranked].tolist(), unit[ranked], centre,
                                    k=cfg.n_examples)]  # fmt: skip
    return {
        "candidate": f"candidate_{topic.topic}",
        "label": topic.label,
        "keywords": topic.keywords,
        "coherence": round(float(topic.coherence), 4),
        "size": int(topic.size),
        "share_of_residual": round(len(members) / max(len(units), 1), 4),
        "by_respondent_type": _shares(_column(sub, S.RESPONDENT_TYPE)),
        "by_site": _shares(_column(sub, S.SITE)),
        "nearest_theme": nearest[0],
        "similarity": nearest[1],
        "example_quote_ids": ";".join(units[S.QUOTE_ID].astype(str).iloc[picks]),
        "example_texts": json.dumps(display.iloc[picks].tolist(), ensure_ascii=False),
    }


def describe_candidates(
    result: TopicResult,
    units: pd.DataFrame,
    unit_emb: np.ndarray,
    shown: np.ndarray,
    prototypes: Mapping[str, np.ndarray],
    *,
    cfg: TopicConfig,
) -> pd.DataFrame:
    """Candidate themes from residual topics: big and coherent enough, with safe examples.

    A topic is a candidate only with at least ``cfg.min_candidate_size`` units and an NPMI
    coherence of at least ``cfg.min_coherence``; it then gets ``cfg.n_examples`` diverse, safe
    example quotes (the whole answers, one per answer), who raised it, and the nearest theme.

    Args:
        result: Topics fitted on the residual units.
        units: One row per residual unit (answer or sentence), aligned with
            ``result.assignments``: ``quote_id``, ``text`` (the answer shown as an example) and,
            when known, ``respondent_type`` and ``site``.
        unit_emb: Unit-length embedding per unit (rows of zeros where ``shown`` is False).
        shown: Which units may be ranked and shown as examples (those with an embedding).
        prototypes: Theme id -> embedding (see :func:`theme_prototypes`).
        cfg: Topic settings.
    """
    theme_ids = list(prototypes)
    proto = unit_rows(np.vstack([prototypes[t] for t in theme_ids])) if theme_ids else None
    rows = []
    for topic, centre in zip(result.topics.itertuples(index=False), result.centroids, strict=True):
        if topic.size < cfg.min_candidate_size or not topic.coherence >= cfg.min_coherence:
            continue
        nearest: tuple[str, float] = ("", float("nan"))
        if proto is not None:
            sims = proto @ centre
            nearest = (theme_ids[int(np.argmax(sims))], round(float(np.max(sims)), 4))
        members = np.flatnonzero(result.assignments == topic.topic)
        rows.append(_candidate_row(topic, members, units, unit_emb, shown, centre, nearest, cfg))
    return pd.DataFrame(rows, columns=list(CANDIDATE_COLUMNS))
