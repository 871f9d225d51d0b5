"""Emergent topics: BERTopic built from explicit offline sub-models, and candidate new themes."""

from __future__ import annotations

from cls_text.errors import TopicModelError
from cls_text.topics.candidates import (
    CANDIDATE_COLUMNS,
    candidate_themes,
    diverse_examples,
    residual_mask,
    theme_prototypes,
)
from cls_text.topics.config import (
    BRITISH_STOP_WORDS,
    TopicConfig,
    stop_phrases,
    stop_word_list,
    topic_config,
)
from cls_text.topics.discover import OUTLIER, TOPIC_COLUMNS, TopicResult, discover_topics
from cls_text.topics.model import AutoKMeans, HashingWordEncoder, build_topic_model
from cls_text.topics.persist import load_topic_model, save_topic_model
from cls_text.topics.wave import (
    WaveTopics,
    embed_quotes,
    tagger_embedder,
    wave_topics,
    write_topic_outputs,
)

__all__ = [
    "BRITISH_STOP_WORDS",
    "CANDIDATE_COLUMNS",
    "OUTLIER",
    "TOPIC_COLUMNS",
    "AutoKMeans",
    "HashingWordEncoder",
    "TopicConfig",
    "TopicModelError",
    "TopicResult",
    "WaveTopics",
    "build_topic_model",
    "candidate_themes",
    "diverse_examples",
    "embed_quotes",
    "load_topic_model",
    "residual_mask",
    "save_topic_model",
    "theme_prototypes",
    "wave_topics",
    "write_topic_outputs",
    "discover_topics",
    "stop_phrases",
    "stop_word_list",
    "tagger_embedder",
    "topic_config",
]
