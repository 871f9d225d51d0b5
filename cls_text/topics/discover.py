"""Fit topics on a wave's quotes and return plain results (no BERTopic object in reports).

Large waves are fitted on a seeded sample of ``cfg.max_fit_docs`` documents; every other
document joins the topic whose centroid (mean embedding of its fitted documents) is nearest in
cosine similarity. Fitting cost is then bounded and assignment is one matrix product, so the
step grows linearly with the wave.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cls_text.topics.config import TopicConfig
from cls_text.topics.keywords import describe_topics
from cls_text.topics.labels import phrase_label
from cls_text.topics.model import Encoder, build_topic_model, quiet_bertopic
from cls_text.topics.vectors import OUTLIER, nearest_centroid, topic_centroids, unit_rows

#: Columns of :attr:`TopicResult.topics`.
TOPIC_COLUMNS = (
    "topic",
    "size",
    "share",
    "keywords",
    "label",
    "coherence",
    "representative_ids",
)


@dataclass(frozen=True, slots=True, eq=False)
class TopicResult:
    """Topics found in one set of documents.

    Attributes:
        ids: Document ids, aligned with ``assignments``.
        assignments: Topic id per document; ``-1`` marks an outlier (or every document when
            ``too_little_text``).
        topics: One row per topic (see ``TOPIC_COLUMNS``), largest first; empty when
            ``too_little_text``.
        centroids: Unit-length mean embedding per topic, rows in ``topics`` order.
        params: Settings and facts of the fit (config, clusterer, sample size, outlier share).
        too_little_text: True when there was not enough text to find any topic.
        message: Why, in words an evaluator can read ("" when topics were found).
        model: The fitted BERTopic, for :func:`cls_text.topics.save_topic_model` only.
    """

    ids: tuple[str, ...]
    assignments: np.ndarray
    topics: pd.DataFrame
    centroids: np.ndarray
    params: dict[str, Any]
    too_little_text: bool = False
    message: str = ""
    model: Any = field(default=None, repr=False)

    @property
    def outlier_share(self) -> float:
        """Share of documents left unassigned (1.0 when nothing could be fitted)."""
        if len(self.assignments) == 0:
            return 0.0
        return float(np.mean(self.assignments == OUTLIER))

    def to_frame(self, id_column: str = "quote_id") -> pd.DataFrame:
        """Return ``id_column`` and ``topic`` per document (the per-quote output)."""
        return pd.DataFrame({id_column: list(self.ids), "topic": self.assignments.astype(int)})


def _empty(ids: tuple[str, ...], d: int, params: dict[str, Any], message: str) -> TopicResult:
    return TopicResult(
        ids=ids,
        assignments=np.full(len(ids), OUTLIER, dtype=int),
        topics=pd.DataFrame({c: [] for c in TOPIC_COLUMNS}),
        centroids=np.zeros((0, d), dtype=np.float32),
        params=params,
        too_little_text=True,
        message=message,
    )


def _check_inputs(n_rows: int, embeddings: np.ndarray, ids: Sequence[str] | None, n: int) -> None:
    if embeddings.ndim != 2 or embeddings.shape[0] != n_rows:
        raise ValueError(
            f"embeddings must have one row per embedded text: got shape {embeddings.shape} "
            f"for {n_rows} texts"
        )
    if ids is not None:
        if len(ids) != n:
            raise ValueError(f"ids has {len(ids)} entries but there are {n} texts")
        if len(set(ids)) != len(ids):
            raise ValueError("ids must be unique (one per document)")


def _fit(
    texts: list[str],
    emb: np.ndarray,
    cfg: TopicConfig,
    encoder: Encoder | None,
    stop: Sequence[str],
) -> tuple[Any, np.ndarray]:
    """Fit BERTopic, cap the topic count, reduce outliers; return the model and labels.

    MMR keywords embed candidate words, which costs real time with a sentence model (and
    BERTopic would redo it after fitting, after ``reduce_topics`` and after ``update_topics``).
    So the model is fitted with plain c-TF-IDF keywords and MMR runs once, at the end.
    """
    model = build_topic_model(cfg, n_docs=len(texts), embedding_model=encoder, stop_words=stop)
    mmr = model.representation_model
    model.representation_model = None
    labels, _ = model.fit_transform(texts, embeddings=emb)
    n_topics = len({t for t in labels if t != OUTLIER})
    if n_topics > cfg.max_topics:
        model.reduce_topics(texts, nr_topics=cfg.max_topics + int(OUTLIER in labels))
        labels = list(model.topics_)
    if OUTLIER in labels and n_topics > 0:
        labels = model.reduce_outliers(
            texts, labels, strategy="embeddings", embeddings=emb, threshold=cfg.outlier_threshold
        )
    if n_topics > 0:
        # update_topics replaces any sub-model it is not given with a default one, so pass
        # ours: otherwise the stop words would silently be lost.
        with quiet_bertopic():
            model.update_topics(
                texts,
                topics=list(labels),
                top_n_words=cfg.top_n_words,
                vectorizer_model=model.vectorizer_model,
                ctfidf_model=model.ctfidf_model,
                representation_model=mmr,
            )
    return model, np.asarray(labels, dtype=int)


def _by_ctfidf(model: Any, texts: list[str], topic_ids: list[int]) -> np.ndarray:
    """Assign documents that have no embedding to the topic with the most similar c-TF-IDF.

    This is BERTopic's own "c-tf-idf" outlier strategy; a document sharing no keyword with any
    topic stays an outlier.
    """
    from sklearn.metrics.pairwise import cosine_similarity

    out = np.full(len(texts), OUTLIER, dtype=int)
    keys = sorted(model.get_topics())
    rows = np.asarray([keys.index(t) for t in topic_ids], dtype=int)
    topic_ctfidf = model.c_tf_idf_[rows]
    ids = np.asarray(topic_ids, dtype=int)
    for start in range(0, len(texts), 20_000):
        bow = model.vectorizer_model.transform(texts[start : start + 20_000])
        sims = cosine_similarity(model.ctfidf_model.transform(bow), topic_ctfidf)
        best = sims.argmax(axis=1)
        ok = sims[np.arange(len(best)), best] > 0
        out[start : start + 20_000] = np.where(ok, ids[best], OUTLIER)
    return out


def discover_topics(
    texts: Sequence[str],
    embeddings: np.ndarray,
    *,
    cfg: TopicConfig | None = None,
    stop_words: Sequence[str] = (),
    ids: Sequence[str] | None = None,
    embedding_model: Encoder | None = None,
    embedded_index: Sequence[int] | np.ndarray | None = None,
) -> TopicResult:
    """Find emergent topics in documents whose embeddings are already computed.

    Args:
        texts: The (redacted) documents. Blank ones are never assigned a topic.
        embeddings: One row per text; or, with ``embedded_index``, one row per listed text.
        cfg: Topic settings (defaults when None).
        stop_words: Extra stop words, e.g. ``codebook.stop_words``.
        ids: Document ids (e.g. ``quote_id``); positions as strings when None.
        embedding_model: Encoder for keyword diversity (MMR); a weight-free hashing encoder
            when None.
        embedded_index: Positions of the texts that ``embeddings`` belongs to, when only some
            were embedded (large waves: embedding is the dominant cost). The model is fitted on
            embedded texts only; the others join the topic with the most similar c-TF-IDF.

    Returns:
        A :class:`TopicResult`. With fewer than ``cfg.min_docs`` usable texts, or no usable
        words, it has ``too_little_text=True`` and a message, and every document is ``-1``.

    Raises:
        ValueError: ``texts`` is a bare string, or embeddings/ids do not align with texts.

    Examples:
        >>> res = discover_topics(texts, emb, ids=quote_ids)  # doctest: +SKIP
        >>> res.topics[["topic", "size", "keywords"]]  # doctest: +SKIP
    """
    cfg = cfg or TopicConfig()
    emb = np.asarray(embeddings, dtype=np.float32)
    if isinstance(texts, str):
        raise ValueError("expected an iterable of texts, got str")
    n = len(texts)
    docs = _Docs.of(texts, ids, _embedding_rows(n, emb, ids, embedded_index))
    params: dict[str, Any] = {"config": cfg.model_dump(), "n_docs": n}
    params |= {"n_usable": int(docs.usable.sum()), "n_embedded": len(docs.fit_pool)}
    if len(docs.fit_pool) < cfg.min_docs:
        msg = (
            f"Too little text to find topics: {len(docs.fit_pool)} non-blank answers, "
            f"at least {cfg.min_docs} are needed."
        )
        return _empty(docs.ids, emb.shape[1], params, msg)
    return _fit_topics(texts, emb, docs, params, cfg, stop_words, embedding_model)


@dataclass(frozen=True, slots=True, eq=False)
class _Docs:
    """Which documents can be fitted and given a topic: worked out once, read by every step."""

    #: Document ids, one per text.
    ids: tuple[str, ...]
    #: Row of the embeddings per text (-1: not embedded).
    row: np.ndarray
    #: Non-blank texts: only these are given a topic.
    usable: np.ndarray
    #: Positions of the usable, embedded texts: the ones the model may be fitted on.
    fit_pool: np.ndarray

    @classmethod
    def of(cls, texts: Sequence[str], ids: Sequence[str] | None, row: np.ndarray) -> _Docs:
        """The documents of ``texts`` (ids: positions as strings when None)."""
        doc_ids = tuple(map(str, ids if ids is not None else range(len(texts))))
        usable = np.array([bool(t and str(t).strip()) for t in texts], dtype=bool)
        return cls(doc_ids, row, usable, np.flatnonzero(usable & (row >= 0)))


def _fit_topics(
    texts: Sequence[str],
    emb: np.ndarray,
    docs: _Docs,
    params: dict[str, Any],
    cfg: TopicConfig,
    stop_words: Sequence[str],
    embedding_model: Encoder | None,
) -> TopicResult:
    """Fit on (a sample of) ``docs.fit_pool``; give every usable text a topic.

    Texts left out of the sample join the nearest centroid; texts without an embedding join
    the topic with the most similar c-TF-IDF.
    """
    n, row = len(texts), docs.row
    fit_idx = _fit_sample(docs.fit_pool, cfg)
    fit_texts = [str(texts[int(i)]) for i in fit_idx]
    fit_emb = unit_rows(emb[row[fit_idx]])
    try:
        model, fit_labels = _fit(fit_texts, fit_emb, cfg, embedding_model, stop_words)
    except ValueError as err:
        # CountVectorizer raises when every word is a stop word: that is too little text too.
        if "empty vocabulary" not in str(err):
            raise
        msg = "Too little text to find topics: after removing stop words no words are left."
        return _empty(docs.ids, emb.shape[1], params, msg)

    topic_ids = sorted({int(t) for t in fit_labels if t != OUTLIER})
    if not topic_ids:
        msg = "No topics found: every answer looked like noise to the clusterer."
        return _empty(docs.ids, emb.shape[1], params | {"n_fit": len(fit_idx)}, msg)
    centroids = topic_centroids(fit_emb, fit_labels, topic_ids)
    assignments = np.full(n, OUTLIER, dtype=int)
    assignments[fit_idx] = fit_labels
    rest = np.setdiff1d(docs.fit_pool, fit_idx, assume_unique=True)
    if len(rest):
        threshold = cfg.outlier_threshold
        assignments[rest] = nearest_centroid(emb[row[rest]], centroids, topic_ids, threshold)
    no_emb = np.flatnonzero(docs.usable & (row < 0))
    if len(no_emb):
        rest_texts = [str(texts[int(i)]) for i in no_emb]
        assignments[no_emb] = _by_ctfidf(model, rest_texts, topic_ids)

    table, centroids = _topic_table(model, emb, row, assignments, centroids, topic_ids, docs.ids)
    fitted = (model, fit_texts, cfg.top_n_words)
    table = describe_topics(table, texts, assignments, docs.usable, stop_words, fitted)
    params |= _fit_params(model, table, assignments[docs.usable], len(fit_idx), len(no_emb))
    return TopicResult(
        ids=docs.ids,
        assignments=assignments,
        topics=table,
        centroids=centroids,
        params=params,
        model=model,
    )


def _embedding_rows(
    n: int,
    emb: np.ndarray,
    ids: Sequence[str] | None,
    embedded_index: Sequence[int] | np.ndarray | None,
) -> np.ndarray:
    """Row of ``emb`` per text position (-1: not embedded), after checking that inputs align."""
    if embedded_index is None:
        embedded = np.arange(n)
    else:
        embedded = np.asarray(embedded_index, dtype=int)
        if len(embedded) and (embedded.min() < 0 or embedded.max() >= n):
            raise ValueError(f"embedded_index must hold positions in 0..{n - 1}")
    _check_inputs(len(embedded), emb, ids, n)
    row = np.full(n, -1, dtype=int)
    row[embedded] = np.arange(len(embedded))
    return row


def _fit_sample(fit_pool: np.ndarray, cfg: TopicConfig) -> np.ndarray:
    """Positions to fit on: all of ``fit_pool``, or a seeded sample when it is too large."""
    rng = np.random.default_rng(cfg.seed)
    if len(fit_pool) > cfg.max_fit_docs:
        return np.sort(rng.choice(fit_pool, size=cfg.max_fit_docs, replace=False))
    return fit_pool


def _fit_params(
    model: Any, table: pd.DataFrame, usable_assignments: np.ndarray, n_fit: int, n_by_ctfidf: int
) -> dict[str, Any]:
    """Facts of a successful fit for :attr:`TopicResult.params` (sizes, sub-models, outliers)."""
    params: dict[str, Any] = {
        "n_fit": n_fit,
        "n_by_ctfidf": n_by_ctfidf,
        "clusterer": type(model.hdbscan_model).__name__,
        "reducer": type(model.umap_model).__name__,
        "n_topics": len(table),
        "outlier_share": float(np.mean(usable_assignments == OUTLIER)),
    }
    if hasattr(model.hdbscan_model, "k_"):
        params["k_silhouettes"] = {str(k): v for k, v in model.hdbscan_model.silhouettes_.items()}
    return params


def _topic_table(
    model: Any,
    emb: np.ndarray,
    row: np.ndarray,
    assignments: np.ndarray,
    centroids: np.ndarray,
    topic_ids: list[int],
    doc_ids: tuple[str, ...],
) -> tuple[pd.DataFrame, np.ndarray]:
    """One row per topic, largest first; representatives are the 3 documents nearest the centre.

    ``share`` is the topic's share of all documents given (blank ones included), so shares of a
    wave's topics add up to the assigned share.
    """
    unit = unit_rows(emb)
    records = []
    for t, centre in zip(topic_ids, centroids, strict=True):
        members = np.flatnonzero(assignments == t)
        with_emb = members[row[members] >= 0]
        words = [w for w, _ in (model.get_topic(t) or []) if w]
        sims = unit[row[with_emb]] @ centre
        rep = with_emb[np.argsort(-sims, kind="stable")[:3]]
        records.append(
            {
                "topic": t,
                "size": len(members),
                "share": len(members) / max(len(assignments), 1),
                "keywords": ", ".join(words),
                "label": phrase_label(words),
                "coherence": float("nan"),
                "representative_ids": ";".join(doc_ids[int(i)] for i in rep),
            }
        )
    table = pd.DataFrame(records, columns=list(TOPIC_COLUMNS))
    order = table.sort_values(["size", "topic"], ascending=[False, True], kind="stable").index
    return table.loc[order].reset_index(drop=True), centroids[np.asarray(order)]
