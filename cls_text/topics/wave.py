"""The topics step of a wave: embed a bounded sample, find topics and candidate new themes.

Sentence embeddings are the expensive part (MiniLM manages tens to a few hundred quotes a second
on two shared cores), so at most ``cfg.max_embed_docs`` substantive quotes are embedded: all of
them in small waves, a seeded sample in large ones. Topics are fitted on the embedded quotes;
the others join the topic whose c-TF-IDF they match best. The cost of embedding is therefore
bounded, and the rest of the step grows linearly with the wave. See docs/topics.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cls_text import schema as S
from cls_text.codebook.model import Codebook
from cls_text.ingest.text import untagged_non_english
from cls_text.io.writers import write_csv, write_json_atomic
from cls_text.topics.candidates import describe_candidates, theme_prototypes
from cls_text.topics.config import TopicConfig
from cls_text.topics.discover import TopicResult, discover_topics
from cls_text.topics.model import Encoder
from cls_text.topics.residual import codebook_stop_words, residual_sentences
from cls_text.topics.vectors import unit_rows


@dataclass(frozen=True, slots=True, eq=False)
class WaveTopics:
    """What the topics step of a wave produced.

    Attributes:
        topics: Topics over the residual sentences (ids are the units' ``unit_id``).
        candidates: Candidate new themes: the large, coherent topics (``describe_candidates``).
        params: Counts and timings: quotes, residual sentences, embedded, seconds per part.
        units: The residual sentences (``RESIDUAL_COLUMNS`` plus type and site).
    """

    topics: TopicResult
    candidates: pd.DataFrame
    params: dict[str, Any] = field(default_factory=dict)
    units: pd.DataFrame = field(default_factory=pd.DataFrame)


def embed_quotes(texts: list[str], encode: Callable[[list[str]], np.ndarray]) -> np.ndarray:
    """Embed each quote as the normalised mean of its sentence vectors.

    The zero-shot tagger embeds exactly these sentences (same splitter, same strings), so with
    its embedder the vectors come from its cache and cost nothing; with any other embedder the
    cost is that of embedding the text once. A quote without a sentence is embedded whole.
    """
    from cls_text.tag.zeroshot import split_sentences

    owner: list[int] = []
    pieces: list[str] = []
    for i, text in enumerate(texts):
        spans = split_sentences(text) or [(0, len(text))]
        for a, b in spans:
            owner.append(i)
            pieces.append(text[a:b])
    if not pieces:
        return np.zeros((0, 0), dtype=np.float32)
    vecs = np.asarray(encode(pieces), dtype=np.float32)
    out = np.zeros((len(texts), vecs.shape[1]), dtype=np.float32)
    np.add.at(out, np.asarray(owner), vecs)
    return unit_rows(out)


def tagger_embedder(tagger: object) -> Encoder | None:
    """The embedder a fitted tagger used (``embedder_``), to share its cache; else None."""
    enc = getattr(tagger, "embedder_", None)
    return enc if enc is not None and hasattr(enc, "encode") else None


def _substantive(tagged: pd.DataFrame) -> np.ndarray:
    text = tagged[S.TEXT].fillna("").astype(str).str.strip().ne("")
    mask = np.array(text, dtype=bool)
    if S.NON_SUBSTANTIVE in tagged.columns:
        mask = mask & ~np.array(tagged[S.NON_SUBSTANTIVE].fillna(False), dtype=bool)
    # English embeddings and vocabulary: answers in other languages that no tagger saw stay out
    return mask & ~untagged_non_english(tagged).to_numpy(dtype=bool)


def _site_names(tagged: pd.DataFrame) -> list[str]:
    """Site names, and each of their words: a place is where a topic is, not what it is."""
    if S.SITE not in tagged.columns:
        return []
    names = {str(v) for v in tagged[S.SITE].dropna().unique() if str(v).strip()}
    return sorted(names | {w for n in names for w in n.split()})


def _residual_units(
    tagged: pd.DataFrame, codebook: Codebook, evidence: S.EvidenceCells | None
) -> pd.DataFrame:
    """Residual sentences with who said them (respondent type, site) for the candidates."""
    units = residual_sentences(tagged, codebook, evidence=evidence)
    for col in (S.RESPONDENT_TYPE, S.SITE):
        if col in tagged.columns:
            units[col] = tagged[col].to_numpy()[units["row"].to_numpy(dtype=int)]
    return units


def wave_topics(
    tagged: pd.DataFrame,
    codebook: Codebook,
    *,
    cfg: TopicConfig | None = None,
    embedder: Encoder | None = None,
    evidence: S.EvidenceCells | None = None,
) -> WaveTopics:
    """Run the topics step on a tagged wave: topics in what the codebook does not explain.

    The topics are fitted on the residual sentences (:func:`residual_sentences`) with codebook
    terms and survey filler removed from the vocabulary; a topic large and coherent enough
    becomes a candidate theme (:func:`describe_candidates`).

    Args:
        tagged: The tagged long table (after redaction).
        codebook: The codebook the wave was tagged with (themes, terms, stop words).
        cfg: Topic settings, e.g. ``TopicConfig(**pipeline_cfg.topics)``.
        embedder: Sentence encoder; ``cls_text.tag.embeddings.Embedder()`` (local MiniLM) when None.
            Pass the tagger's embedder (:func:`tagger_embedder`) to reuse its cache.
        evidence: Where the evidence cells are read (None: the table's evidence columns).

    Returns:
        A :class:`WaveTopics`; "too little text" is reported in it, never raised.

    Examples:
        >>> wt = wave_topics(tagged, load_codebook())  # doctest: +SKIP
        >>> write_topic_outputs(wt, out_dir)  # doctest: +SKIP
    """
    cfg = cfg or TopicConfig()
    if embedder is None:
        from cls_text.tag.embeddings import Embedder

        embedder = Embedder()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    units = _residual_units(tagged, codebook, evidence)
    chosen = _embed_sample(len(units), cfg)
    sentences = units["sentence"].astype(str).tolist()
    protos = theme_prototypes(codebook, embedder.encode)
    emb = _embed_chosen(sentences, chosen, embedder, protos)
    timings["embed"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    result = discover_topics(
        sentences,
        emb,
        cfg=cfg,
        stop_words=codebook_stop_words(codebook, _site_names(tagged)),
        ids=units["unit_id"].tolist(),
        embedding_model=embedder,
        embedded_index=chosen,
    )
    timings["topics"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    shown = np.zeros(len(units), dtype=bool)
    shown[chosen] = True
    unit = np.zeros((len(units), emb.shape[1]), dtype=np.float32)
    if len(chosen):
        unit[chosen] = unit_rows(emb)
    cands = describe_candidates(result, units, unit, shown, protos, cfg=cfg)
    cands.attrs = {"n_residual": len(units), "message": result.message}
    timings["candidates"] = time.perf_counter() - t0
    params = _wave_params(tagged, units, len(chosen), timings)
    return WaveTopics(topics=result, candidates=cands, params=params, units=units)


def _embed_sample(n_units: int, cfg: TopicConfig) -> np.ndarray:
    """Positions of the units to embed: all of them, or a seeded sample in a large wave."""
    rng = np.random.default_rng(cfg.seed)
    chosen = np.arange(n_units)
    if n_units > cfg.max_embed_docs:
        chosen = np.sort(rng.choice(n_units, size=cfg.max_embed_docs, replace=False))
    return chosen


def _embed_chosen(
    sentences: list[str], chosen: np.ndarray, embedder: Encoder, protos: dict[str, np.ndarray]
) -> np.ndarray:
    """Embed the chosen sentences in one call; with none, an empty array of the themes' width."""
    dim = len(next(iter(protos.values()))) if protos else 1
    return (
        np.asarray(embedder.encode([sentences[int(i)] for i in chosen]), dtype=np.float32)
        if len(chosen)
        else np.zeros((0, dim), dtype=np.float32)
    )


def _wave_params(
    tagged: pd.DataFrame, units: pd.DataFrame, n_embedded: int, timings: dict[str, float]
) -> dict[str, Any]:
    """Counts and timings of the step, for :attr:`WaveTopics.params` and ``topics.json``."""
    return {
        "n_quotes": len(tagged),
        "n_substantive": int(_substantive(tagged).sum()),
        "n_residual_sentences": len(units),
        "n_residual_answers": int(units[S.QUOTE_ID].nunique()) if len(units) else 0,
        "n_embedded": n_embedded,
        "fitted_on": "sentences no theme explains",
        "timings": timings,
    }


def write_topic_outputs(
    wt: WaveTopics,
    out_dir: str | Path,
    *,
    save_model: bool = True,
    card: dict[str, Any] | None = None,
) -> dict[str, Path]:
    """Write ``<out_dir>/topics/``: topic table, per-quote topics, candidates, summary, model.

    Files: ``topics.csv``, ``quote_topics.csv``, ``candidates.csv``, ``topics.json`` (params,
    messages) and, when ``save_model`` and topics were found, ``model/`` (safetensors + card).

    Returns:
        Output name -> path.
    """
    from cls_text.topics.persist import save_topic_model

    folder = Path(out_dir) / "topics"
    paths = {
        "topics_csv": write_csv(wt.topics.topics, folder / "topics.csv"),
        "quote_topics_csv": write_csv(_unit_topics(wt), folder / "quote_topics.csv"),
        "candidates_csv": write_csv(wt.candidates, folder / "candidates.csv"),
    }
    summary = {
        "params": wt.params,
        "topics": wt.topics.params,
        "too_little_text": wt.topics.too_little_text,
        "message": wt.topics.message,
        "candidates_message": wt.candidates.attrs.get("message", ""),
    }
    paths["topics_json"] = write_json_atomic(folder / "topics.json", summary)
    if save_model and wt.topics.model is not None:
        model_card = {"params": wt.topics.params, **(card or {})}
        paths["model"] = save_topic_model(wt.topics.model, folder / "model", model_card)
    return paths


def _unit_topics(wt: WaveTopics) -> pd.DataFrame:
    """Per residual sentence: its unit id, quote id, sentence and topic (-1: none)."""
    frame = wt.topics.to_frame("unit_id")
    if wt.units.empty:
        return frame.assign(**{S.QUOTE_ID: pd.Series(dtype=object), "sentence": ""})
    units = wt.units[["unit_id", S.QUOTE_ID, "sentence"]]
    return units.merge(frame, on="unit_id", how="left", validate="one_to_one")
