"""Build one BERTopic model from explicit, seeded, offline sub-models.

BERTopic's defaults download a sentence-transformer and run unseeded UMAP, so every sub-model is
passed here explicitly: precomputed document embeddings, seeded UMAP (or PCA), HDBSCAN for large
waves or a silhouette-chosen k-means for small ones, a CountVectorizer with English, British and
codebook stop words, c-TF-IDF, and maximal-marginal-relevance keywords. MMR only embeds the
candidate keywords, so it works with the project's local embedder or, when none is given, with
a character-n-gram hashing embedder that needs no weights at all.

``bertopic`` imports torch and takes seconds to import, so it is imported inside functions only.
"""

from __future__ import annotations

import contextlib
import logging
import re
import sys
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.metrics import silhouette_score

from cls_text.topics.config import TopicConfig, stop_phrases, stop_word_list
from cls_text.topics.jit_cache import cache_umap_compilation

#: Redaction placeholders such as ``[EMAIL]``, ``[NAME-3]`` or ``<PHONE>`` are not topic words.
_PLACEHOLDER = re.compile(r"[\[<{][A-Z_]{2,}(?:-\d+)?[\]>}]")
#: Words of three or more letters: drops numbers, initials and stray punctuation.
TOKEN_PATTERN = r"(?u)\b[^\W\d_][^\W\d_]{2,}\b"


class Encoder(Protocol):
    """Anything that embeds texts, such as ``cls_text.tag.embeddings.Embedder``."""

    def encode(self, texts: list[str]) -> np.ndarray:  # pragma: no cover - protocol
        """Return one row per text."""
        ...


def strip_placeholders(text: str) -> str:
    """Lower-case a text and drop redaction placeholders (the vectorizer's preprocessor)."""
    return _PLACEHOLDER.sub(" ", text).lower()


class TextPreprocessor:
    """Lower-case, drop redaction placeholders and stop phrases: the vectorizer's preprocessor.

    A class rather than a closure so the vectorizer stays picklable and its repr readable.

    Args:
        phrases: Multi-word stop phrases (see ``stop_phrases``), removed as whole phrases.
    """

    def __init__(self, phrases: Sequence[str] = ()) -> None:
        self.phrases = tuple(phrases)
        alts = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in self.phrases)
        self._rx = re.compile(rf"\b(?:{alts})\b") if alts else None

    def __call__(self, text: str) -> str:
        """Return the cleaned, lower-cased text."""
        out = strip_placeholders(text)
        return self._rx.sub(" ", out) if self._rx is not None else out

    def __repr__(self) -> str:
        return f"TextPreprocessor(phrases={self.phrases!r})"


#: Phrases never span these: BERTopic joins a topic's documents with spaces before counting, so
#: without a break "...unsuitable flats. Housing is..." would yield the phrase "flats housing".
_CLAUSE_BREAK = re.compile(r"[.!?;:,\n]+")


class PhraseAnalyzer:
    """The vectorizer's analyzer: words and phrases within one clause, stop words removed.

    Args:
        stop_words: Words that are never keywords (and are skipped inside phrases).
        ngram_range: Shortest and longest phrase, in words.
        phrases: Multi-word stop phrases, removed before tokenising.
    """

    def __init__(
        self,
        stop_words: Sequence[str] = (),
        ngram_range: tuple[int, int] = (1, 2),
        phrases: Sequence[str] = (),
    ) -> None:
        self.stop_words = tuple(stop_words)
        self.ngram_range = tuple(ngram_range)
        self.phrases = tuple(phrases)
        self._pre = TextPreprocessor(self.phrases)
        self._stop = frozenset(self.stop_words)
        self._token = re.compile(TOKEN_PATTERN)

    def __call__(self, doc: str) -> list[str]:
        """Return the document's words and phrases, in order."""
        lo, hi = self.ngram_range
        out: list[str] = []
        for clause in _CLAUSE_BREAK.split(self._pre(doc)):
            toks = [t for t in self._token.findall(clause) if t not in self._stop]
            for n in range(lo, hi + 1):
                out += [" ".join(toks[i : i + n]) for i in range(len(toks) - n + 1)]
        return out

    def __repr__(self) -> str:
        n = len(self.stop_words)
        return f"PhraseAnalyzer(ngram_range={self.ngram_range!r}, {n} stop words)"


class HashingWordEncoder:
    """Embed words by their character 3-4-grams: no weights, no download, fully deterministic.

    Used only to diversify keywords (MMR) when no sentence embedder is supplied; it makes
    "carer" and "carers" similar, which is exactly the redundancy MMR should remove.
    """

    def __init__(self, n_features: int = 512) -> None:
        self._vec = HashingVectorizer(
            analyzer="char_wb", ngram_range=(3, 4), n_features=n_features, alternate_sign=False
        )

    def encode(self, texts: list[str]) -> np.ndarray:
        """Return L2-normalised dense rows, one per text."""
        return np.asarray(self._vec.transform(list(texts)).toarray(), dtype=np.float32)


@dataclass(kw_only=True, eq=False, repr=False)  # writes the keyword __init__ sklearn expects
class AutoKMeans(ClusterMixin, BaseEstimator):
    """K-means whose k is chosen by silhouette: a clusterer for small waves that never says "noise".

    HDBSCAN on 50-500 short answers often labels most of them as outliers. K-means assigns every
    document; k is tried from ``n // docs_per_topic`` (at least 2) up to ``k_max`` (each cluster
    able to hold ``min_size`` documents) and the k with the best silhouette on the reduced
    embeddings wins (the smallest k within ``tolerance`` of it, to prefer fewer, larger topics).

    Args:
        min_size: Smallest average cluster size a k may imply.
        k_max: Largest k tried.
        docs_per_topic: Smallest k tried is the number of documents divided by this.
        tolerance: The smallest k whose silhouette is within this of the best one is chosen.
        random_state: Seed for k-means.
    """

    min_size: int = 10
    k_max: int = 30
    docs_per_topic: int = 100
    tolerance: float = 0.02
    random_state: int = 0

    def fit(self, X: np.ndarray, y: object = None) -> AutoKMeans:
        """Choose k and cluster ``X``; sets ``labels_``, ``k_`` and ``silhouettes_``."""
        from threadpoolctl import threadpool_limits

        # One BLAS/OpenMP thread: on 2 busy cores, k-means' thread pool spent 10x longer
        # waiting than computing (measured: 17 s vs under 2 s for 30 fits of 900 points).
        with threadpool_limits(limits=1):
            return self._fit(np.asarray(X, dtype=np.float64))

    def _fit(self, X: np.ndarray) -> AutoKMeans:
        n = X.shape[0]
        upper = max(2, min(self.k_max, n // max(self.min_size, 1)))
        # At least one topic per `docs_per_topic` quotes: silhouette alone favours 2-3 clusters
        # that split answers by voice (staff vs community) rather than by subject (measured on
        # 600 synthetic quotes: k=3 best at 0.72, every k >= 5 below 0.40).
        lower = max(2, min(upper, n // max(self.docs_per_topic, 1)))
        scores: dict[int, float] = {}
        fits: dict[int, KMeans] = {}
        for k in range(lower, upper + 1):
            km = KMeans(n_clusters=k, n_init=2, random_state=self.random_state).fit(X)
            if len(set(km.labels_.tolist())) < 2:
                continue
            scores[k] = float(silhouette_score(X, km.labels_))
            fits[k] = km
        if scores:
            # The smallest k within `tolerance` of the best silhouette: on embeddings the
            # score creeps up with k, and 30 topics of 30 quotes say less than 8 of 100.
            top = max(scores.values())
            best = fits[min(k for k, v in scores.items() if v >= top - self.tolerance)]
        else:  # identical points: one cluster is the honest answer
            best = KMeans(n_clusters=1, n_init=1, random_state=self.random_state).fit(X)
        self.k_ = int(best.n_clusters)
        self.silhouettes_ = scores
        self.labels_ = best.labels_.astype(int)
        self._kmeans = best
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Assign new points to the nearest chosen centre."""
        return np.asarray(self._kmeans.predict(np.asarray(X, dtype=np.float64)), dtype=int)


@contextlib.contextmanager
def quiet_bertopic() -> Iterator[None]:
    """Raise BERTopic's log level to ERROR for a block (for warnings that do not apply here).

    Used where cls-text deliberately does what BERTopic warns about: saving without naming an
    embedding model, and assigning topics by hand before ``update_topics`` (centroids are
    computed from the document embeddings here, so its note about c-TF-IDF embeddings is moot).
    """
    log = logging.getLogger("BERTopic")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(level)


def import_bertopic() -> Any:
    """Import and return the ``bertopic`` module (slow: it imports torch and umap).

    umap warns on import that TensorFlow (for ParametricUMAP, unused here) is missing; that
    ``ImportWarning`` is silenced so test runs with warnings-as-errors stay clean.

    ``bertopic.representation`` imports ``transformers`` (2.6 s of a 4 s import on 2 cores) only
    for its text-generation and zero-shot representations, which cls-text never uses; it falls
    back to a placeholder when ``transformers`` is missing. So when nothing has imported
    ``transformers`` yet, it is hidden during the import and put back afterwards: a later
    ``import transformers`` works as usual.
    """
    hide = "transformers" not in sys.modules
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=ImportWarning, message=".*ParametricUMAP.*")
        if hide:
            sys.modules["transformers"] = None  # type: ignore[assignment]  # "not installed"
        try:
            import bertopic
            import bertopic.backend
            import bertopic.dimensionality
            import bertopic.representation
            import bertopic.vectorizers
        finally:
            if hide and sys.modules.get("transformers", "") is None:
                del sys.modules["transformers"]

    return bertopic


def make_backend(encoder: Encoder | None) -> Any:
    """Wrap an encoder as a BERTopic ``BaseEmbedder`` (the hashing encoder when ``None``)."""
    BaseEmbedder = import_bertopic().backend.BaseEmbedder

    enc: Encoder = encoder if encoder is not None else HashingWordEncoder()

    class _Backend(BaseEmbedder):  # type: ignore[misc,valid-type]
        def __init__(self) -> None:
            super().__init__()
            self.encoder = enc

        def embed(self, documents: list[str], verbose: bool = False) -> np.ndarray:
            return np.asarray(self.encoder.encode(list(documents)), dtype=np.float32)

    return _Backend()


def _reducer(cfg: TopicConfig, n_docs: int) -> Any:
    from sklearn.decomposition import PCA

    BaseDimensionalityReduction = import_bertopic().dimensionality.BaseDimensionalityReduction

    n_components = min(cfg.n_components, max(n_docs - 1, 1))
    if cfg.reducer == "none":
        return BaseDimensionalityReduction()
    if cfg.reducer == "pca":
        return PCA(n_components=n_components, random_state=cfg.seed)
    from umap import UMAP

    cache_umap_compilation()  # a new process need not compile UMAP again (same code, same output)
    return UMAP(
        n_neighbors=max(2, min(cfg.n_neighbors, n_docs - 1)),
        n_components=n_components,
        min_dist=0.0,
        # Embeddings arrive unit-length (discover_topics normalises them), where euclidean
        # ranks neighbours exactly as cosine does, and small inputs then use sklearn's
        # vectorised distances instead of a per-pair numba callback (measured 2.5 s -> ~0).
        metric="euclidean",
        random_state=cfg.seed,
        # Spectral initialisation can fail on tiny graphs; random init is seeded as well.
        init="spectral" if n_docs > 100 else "random",
        low_memory=True,
        # A seed makes umap single-threaded anyway; saying so avoids its warning on every run.
        n_jobs=1,
    )


def _clusterer(cfg: TopicConfig, n_docs: int) -> Any:
    if n_docs <= cfg.small_wave_max:
        return AutoKMeans(min_size=cfg.min_topic_size, k_max=cfg.max_topics, random_state=cfg.seed)
    from hdbscan import HDBSCAN

    return HDBSCAN(
        min_cluster_size=cfg.min_topic_size,
        metric="euclidean",
        cluster_selection_method="eom",
        prediction_data=False,
        core_dist_n_jobs=1,
    )


def _representation(cfg: TopicConfig) -> Any:
    """Keywords as representative phrases: KeyBERTInspired, then MMR, over the local embedder.

    KeyBERTInspired re-ranks c-TF-IDF's candidate words and phrases by how close their
    embedding is to the topic's most representative documents; MMR then drops near-repeats
    ("bus", "buses", "bus service"). Both embed only the candidates, with the embedder the
    model was given (never a downloaded one).
    """
    rep = import_bertopic().representation
    mmr = rep.MaximalMarginalRelevance(diversity=cfg.mmr_diversity, top_n_words=cfg.top_n_words)
    if cfg.representation == "mmr":
        return mmr
    keybert = rep.KeyBERTInspired(top_n_words=max(2 * cfg.top_n_words, 20), nr_repr_docs=5)
    return [keybert, mmr]


def build_topic_model(
    cfg: TopicConfig,
    *,
    n_docs: int,
    embedding_model: Encoder | None = None,
    stop_words: Sequence[str] = (),
) -> Any:
    """Return an unfitted BERTopic with every sub-model explicit, seeded and offline.

    Args:
        cfg: Topic settings.
        n_docs: Number of documents the model will be fitted on; picks the clusterer (k-means
            up to ``cfg.small_wave_max``, HDBSCAN above) and clamps UMAP's sizes.
        embedding_model: Encoder for keyword embeddings (MMR); documents are never embedded by
            BERTopic, since embeddings are always passed to ``fit_transform``.
        stop_words: Extra stop words, e.g. ``codebook.stop_words``.

    Returns:
        A ``bertopic.BERTopic`` instance.

    Examples:
        >>> model = build_topic_model(TopicConfig(), n_docs=300)  # doctest: +SKIP
        >>> topics, _ = model.fit_transform(texts, embeddings=emb)  # doctest: +SKIP
    """
    from sklearn.feature_extraction.text import CountVectorizer

    bt = import_bertopic()
    BERTopic = bt.BERTopic
    ClassTfidfTransformer = bt.vectorizers.ClassTfidfTransformer

    vectorizer = CountVectorizer(
        analyzer=PhraseAnalyzer(
            stop_word_list(stop_words), (1, cfg.ngram_max), stop_phrases(stop_words)
        ),
        # min_df counts *topics* here (c-TF-IDF joins each topic's documents), so keep 1.
        min_df=1,
    )
    return BERTopic(
        embedding_model=make_backend(embedding_model),
        umap_model=_reducer(cfg, n_docs),
        hdbscan_model=_clusterer(cfg, n_docs),
        vectorizer_model=vectorizer,
        ctfidf_model=ClassTfidfTransformer(reduce_frequent_words=True),
        representation_model=_representation(cfg),
        top_n_words=cfg.top_n_words,
        min_topic_size=cfg.min_topic_size,
        nr_topics=None,
        calculate_probabilities=False,
        verbose=False,
    )
