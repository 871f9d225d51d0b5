"""Settings for emergent-topic discovery, and the stop words topic keywords must not be.

The settings are user-facing (they can sit in a pipeline YAML), so they are a pydantic model that
refuses unknown keys: a misspelt ``min_topic_sise`` stops the run instead of being ignored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from cls_text.errors import ConfigError

#: British spellings and survey filler that scikit-learn's (American) list lacks. Keywords such as
#: "whilst" or "really" describe how people write, not what a topic is about.
BRITISH_STOP_WORDS = frozenset(
    {
        "whilst",
        "amongst",
        "amidst",
        "towards",
        "learnt",
        "spelt",
        "got",
        "get",
        "getting",
        "really",
        "just",
        "lot",
        "lots",
        "bit",
        "quite",
        "think",
        "thing",
        "things",
        "feel",
        "felt",
        "would",
        "could",
        "also",
        "like",
        "yes",
        "ok",
        "okay",
        "don",
        "didn",
        "doesn",
        "isn",
        "wasn",
        "aren",
        "won",
        "ve",
        "ll",
    }
)


class TopicConfig(BaseModel):
    """Hyper-parameters of the topics step; defaults suit waves of 50 to 100,000 quotes.

    Attributes:
        seed: Seeds UMAP, the k-means clusterer and the fitting sample, so a rerun on the same
            inputs gives the same topics.
        min_topic_size: Smallest topic worth reporting (HDBSCAN ``min_cluster_size``; also the
            smallest k-means cluster a chosen k may leave).
        n_neighbors: UMAP neighbourhood size (clamped below the number of documents).
        n_components: UMAP output dimensions.
        max_topics: Upper bound on the number of topics reported; more are merged by BERTopic.
        min_docs: Below this many non-blank texts the step reports "too little text".
        small_wave_max: Up to this many documents a k-based clusterer replaces HDBSCAN, because
            HDBSCAN on a few hundred short answers tends to call most of them noise.
        max_fit_docs: The model is fitted on at most this many documents (a seeded sample); the
            rest are assigned to the nearest topic centroid, which keeps large waves linear.
        max_embed_docs: The wave step embeds at most this many substantive quotes (a seeded
            sample); the others are assigned by c-TF-IDF similarity. Embedding dominates cost.
        reducer: ``umap`` (the default), or ``pca`` / ``none`` for tests and ablations.
        outlier_threshold: Cosine similarity an outlier needs to its nearest topic to join it.
        top_n_words: Keywords kept per topic.
        mmr_diversity: Diversity of keywords chosen by maximal marginal relevance (0 to 1).
        ngram_max: Longest keyword phrase, in words.
        residual_score: A substantive quote whose best theme score is below this (or that has
            no theme) is "explained poorly" by the codebook and goes to candidate themes.
        n_examples: Example quotes per candidate theme (3 to 5).
        representation: ``keybert`` (KeyBERTInspired then MMR: keywords are the phrases
            nearest the topic's typical sentences) or ``mmr`` (MMR over c-TF-IDF only).
        min_candidate_size: A residual topic becomes a candidate theme only with at least this
            many sentences.
        min_coherence: ... and with at least this NPMI coherence of its keywords over the
            residual (see :func:`cls_text.topics.coherence.npmi_coherence`).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    seed: int = 0
    min_topic_size: int = Field(default=10, ge=2)
    n_neighbors: int = Field(default=15, ge=2)
    n_components: int = Field(default=5, ge=2)
    max_topics: int = Field(default=30, ge=2)
    min_docs: int = Field(default=20, ge=2)
    small_wave_max: int = Field(default=1000, ge=0)
    max_fit_docs: int = Field(default=3000, ge=100)
    max_embed_docs: int = Field(default=2000, ge=100)
    reducer: str = Field(default="umap", pattern="^(umap|pca|none)$")
    outlier_threshold: float = Field(default=0.0, ge=-1.0, le=1.0)
    top_n_words: int = Field(default=10, ge=1)
    mmr_diversity: float = Field(default=0.3, ge=0.0, le=1.0)
    ngram_max: int = Field(default=2, ge=1, le=3)
    residual_score: float = Field(default=0.5, ge=0.0, le=1.0)
    n_examples: int = Field(default=3, ge=3, le=5)
    representation: str = Field(default="keybert", pattern="^(keybert|mmr)$")
    min_candidate_size: int = Field(default=10, ge=2)
    min_coherence: float = Field(default=0.1, ge=-1.0, le=1.0)

    @model_validator(mode="after")
    def _sizes_agree(self) -> TopicConfig:
        if self.min_docs < self.min_topic_size:
            raise ValueError(
                f"min_docs ({self.min_docs}) must be at least min_topic_size "
                f"({self.min_topic_size}): fewer documents cannot form even one topic"
            )
        return self


def stop_word_list(extra: Iterable[str] = ()) -> list[str]:
    """Return the sorted stop-word list: English + British + the single words of ``extra``.

    A sorted list (not a set) because BERTopic writes the vectorizer's parameters to JSON when a
    model is saved, and sorting keeps that file identical between runs. Multi-word entries of
    ``extra`` (e.g. "talking point") are not stop *words*: :func:`stop_phrases` handles them.
    """
    words = set(ENGLISH_STOP_WORDS) | BRITISH_STOP_WORDS
    words |= {w.strip().lower() for w in extra if w.strip() and len(w.split()) == 1}
    return sorted(words)


def stop_phrases(extra: Iterable[str] = ()) -> tuple[str, ...]:
    """Return the multi-word entries of ``extra`` (lower case, longest first).

    They are removed from the text before tokenising, so "adult social care" disappears as a
    phrase while "social" and "care" stay keywords elsewhere.
    """
    phrases = {" ".join(w.lower().split()) for w in extra if len(w.split()) > 1}
    phrases |= {w.strip().lower() for w in extra if "-" in w.strip() and len(w.split()) == 1}
    return tuple(sorted(phrases, key=lambda p: (-len(p), p)))


def topic_config(
    settings: Mapping[str, Any] | None, *, source: object = "config 'topics'"
) -> TopicConfig:
    """Validate the ``topics:`` block of a pipeline config into a :class:`TopicConfig`.

    Raises:
        ConfigError: naming every bad key and why (unknown keys included).
    """
    try:
        return TopicConfig.model_validate(dict(settings or {}))
    except ValidationError as err:
        lines = [f"The {source} settings are not valid:"]
        for e in err.errors():
            where = ".".join(str(p) for p in e["loc"]) or "(topics)"
            msg = e["msg"].removeprefix("Value error, ")
            if e["type"] == "extra_forbidden":
                msg = f"unknown key; valid keys: {sorted(TopicConfig.model_fields)}"
            lines.append(f"  - {where}: {msg}")
        raise ConfigError("\n".join(lines)) from None
