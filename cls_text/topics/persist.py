"""Save and load topic models: safetensors plus a card, and never the network.

Layout (see docs/architecture.md, "Models")::

    <path>/bertopic/   BERTopic's safetensors directory (topic embeddings, c-TF-IDF, config)
    <path>/card.json   what the model is: params, sizes, library versions, codebook summary

Pickle is not used: safetensors holds arrays only, so loading a model cannot run code. BERTopic's
loader tries to build a sentence-transformer from a model name stored in ``config.json``, which
could reach a model hub; the model is therefore saved without that name, and loading refuses a
directory that has one.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cls_text.errors import TopicModelError
from cls_text.io.artifacts import library_versions
from cls_text.io.writers import write_json_atomic
from cls_text.topics.model import import_bertopic, quiet_bertopic

_LIBS = ("bertopic", "umap-learn", "hdbscan", "scikit-learn", "numpy", "safetensors")


def save_topic_model(model: Any, path: str | Path, card: Mapping[str, Any]) -> Path:
    """Write a fitted BERTopic to ``path/bertopic`` (safetensors) and ``path/card.json``.

    The BERTopic directory is written to a temporary sibling and renamed into place, so an
    interrupted save never leaves half a model behind.

    Args:
        model: A fitted BERTopic (e.g. ``TopicResult.model``).
        path: The model folder, e.g. ``models/topics-2026-W1``.
        card: JSON-ready facts to record (params, codebook summary, data sha256 ...); library
            versions and the serialisation are added.

    Returns:
        ``path``.
    """
    target = Path(path)
    target.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".bertopic.", dir=target))
    try:
        # BERTopic logs a warning when no embedding model is named; not naming one is the
        # point (a named model could be fetched from a hub on load), so silence it.
        with quiet_bertopic():
            model.save(
                tmp / "bertopic",
                serialization="safetensors",
                save_ctfidf=True,
                save_embedding_model=False,
            )
        final = target / "bertopic"
        if final.exists():
            shutil.rmtree(final)
        (tmp / "bertopic").rename(final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    full = {
        **dict(card),
        "serialization": "safetensors",
        "n_topics": len([t for t in model.get_topics() if t != -1]),
        "versions": library_versions(_LIBS, missing="", python=False),
    }
    write_json_atomic(target / "card.json", full)
    return target


def load_topic_model(path: str | Path) -> tuple[Any, dict[str, Any]]:
    """Load a model written by :func:`save_topic_model`, with no network access.

    The loaded model has topic embeddings, keywords and c-TF-IDF but no UMAP or clusterer (that
    is what safetensors keeps); new documents are assigned with their embeddings, e.g.
    ``model.transform(texts, embeddings=emb)``.

    Returns:
        ``(model, card)``.

    Raises:
        TopicModelError: The folder, its ``bertopic/`` directory or ``card.json`` is missing, or
            the saved config names an embedding model (loading it could reach a model hub).
    """
    folder = Path(path)
    bdir, card_file = folder / "bertopic", folder / "card.json"
    for needed in (bdir / "config.json", bdir / "topics.json", card_file):
        if not needed.is_file():
            raise TopicModelError(
                f"Topic model folder '{folder}' is incomplete: '{needed.name}' is missing. "
                "Fix: save it again with save_topic_model()."
            )
    config = json.loads((bdir / "config.json").read_text(encoding="utf-8"))
    if config.get("embedding_model"):
        raise TopicModelError(
            f"Topic model '{folder}' names embedding model '{config['embedding_model']}'; loading "
            "it could download weights. Fix: save it with save_topic_model()."
        )
    bt = import_bertopic()
    model = bt.BERTopic.load(str(bdir), embedding_model=bt.backend.BaseEmbedder())
    card = json.loads(card_file.read_text(encoding="utf-8"))
    return model, card
