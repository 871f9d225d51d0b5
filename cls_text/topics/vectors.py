"""Embedding-space helpers of the topics step: unit vectors, centroids, nearest topic.

Embeddings are compared by cosine similarity, so they are scaled to unit length first; a topic is
then represented by the unit-length mean of its documents, and a document joins the topic whose
centroid is nearest.
"""

from __future__ import annotations

import numpy as np

#: Topic id of a document that belongs to no topic.
OUTLIER = -1


def unit_rows(x: np.ndarray) -> np.ndarray:
    """Scale each row to unit length (zero rows stay zero), so dot products are cosines."""
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms == 0, 1.0, norms)


def topic_centroids(emb: np.ndarray, labels: np.ndarray, topic_ids: list[int]) -> np.ndarray:
    """Unit-length mean of each topic's unit embeddings, one row per id in ``topic_ids``."""
    unit = unit_rows(emb)
    rows = [unit[labels == t].mean(axis=0) for t in topic_ids]
    return unit_rows(np.vstack(rows)) if rows else np.zeros((0, emb.shape[1]), dtype=np.float32)


def nearest_centroid(
    emb: np.ndarray, centroids: np.ndarray, topic_ids: list[int], threshold: float
) -> np.ndarray:
    """Topic of the nearest centroid per row, or OUTLIER when below ``threshold``."""
    out = np.full(emb.shape[0], OUTLIER, dtype=int)
    if not topic_ids:
        return out
    ids = np.asarray(topic_ids, dtype=int)
    for start in range(0, emb.shape[0], 20_000):  # bounded memory on 100k-row waves
        sims = unit_rows(emb[start : start + 20_000]) @ centroids.T
        best = sims.argmax(axis=1)
        ok = sims[np.arange(len(best)), best] >= threshold
        out[start : start + 20_000] = np.where(ok, ids[best], OUTLIER)
    return out
