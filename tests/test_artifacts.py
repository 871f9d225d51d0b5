from __future__ import annotations

import json

import numpy as np
import pytest

from cls_text.codebook.model import parse_codebook
from cls_text.io.artifacts import (
    ModelError,
    current_version,
    list_versions,
    load_model,
    promote,
    read_card,
    save_model,
)
from cls_text.tag.embeddings import Embedder
from cls_text.tag.supervised import SupervisedTagger


def _codebook(version="1.0.0", definition="Waiting times"):
    return parse_codebook(
        {
            "id": "tiny",
            "name": "Tiny",
            "version": version,
            "themes": [
                {"id": "waiting", "label": "Waiting", "definition": definition},
                {"id": "parking", "label": "Parking", "definition": "Parking"},
            ],
        }
    )


def _fitted():
    texts = [
        "long wait",
        "waited hours",
        "slow wait",
        "waiting again",
        "wait wait",
        "parking full",
        "no parking",
        "parking cost",
        "car parking",
        "parking bay",
    ]
    Y = np.array([[1, 0]] * 5 + [[0, 1]] * 5)
    return SupervisedTagger(classes=["waiting", "parking"], embedder=None, cv=2).fit(
        texts, Y
    ), texts


def _save(tmp_path, model, codebook, **kw):
    return save_model(
        model,
        tmp_path,
        "tiny",
        codebook=codebook,
        train_sha256="ab" * 32,
        cv_metrics=model.cv_metrics_,
        params={"C": model.C},
        **kw,
    )


def test_save_load_round_trip_with_card(tmp_path):
    model, texts = _fitted()
    cb = _codebook()
    vdir = _save(tmp_path, model, cb, extra={"n_train": 10})
    assert vdir.name == "v1" and (vdir / "model.joblib").is_file() and (vdir / "card.md").is_file()
    card = json.loads((vdir / "card.json").read_text())
    assert card["codebook"] == cb.summary()
    assert card["train_data_sha256"] == "ab" * 32
    assert card["classes"] == ["waiting", "parking"]
    assert card["n_train"] == 10
    assert {"python", "scikit-learn", "numpy"} <= set(card["libraries"])
    assert "waiting" in card["cv_metrics"]["per_theme"]
    loaded = load_model(tmp_path, "tiny", codebook=cb)
    np.testing.assert_array_equal(loaded.predict(texts), model.predict(texts))


def test_codebook_hash_mismatch_is_refused(tmp_path):
    model, _ = _fitted()
    _save(tmp_path, model, _codebook())
    with pytest.raises(ModelError, match="trained with codebook 'tiny' 1.0.0"):
        load_model(tmp_path, "tiny", codebook=_codebook(definition="Queues"))
    load_model(tmp_path, "tiny")  # no codebook given: no check


def test_versions_current_pointer_and_promotion(tmp_path):
    model, _ = _fitted()
    _save(tmp_path, model, _codebook())
    _save(tmp_path, model, _codebook(), make_current=False)
    assert list_versions(tmp_path, "tiny") == ["v1", "v2"]
    assert current_version(tmp_path, "tiny") == "v1"
    promote(tmp_path, "tiny", "v2")
    assert current_version(tmp_path, "tiny") == "v2"
    assert read_card(tmp_path, "tiny")["version"] == "v2"
    assert load_model(tmp_path, "tiny", version="v1") is not None  # old versions stay loadable
    with pytest.raises(ModelError, match="has no version 'v9'"):
        promote(tmp_path, "tiny", "v9")


def test_tampered_file_and_missing_model(tmp_path):
    model, _ = _fitted()
    vdir = _save(tmp_path, model, _codebook())
    (vdir / "model.joblib").write_bytes(b"evil")
    with pytest.raises(ModelError, match="was changed or damaged"):
        load_model(tmp_path, "tiny")
    with pytest.raises(ModelError, match="no model 'other'"):
        load_model(tmp_path, "other")
    with pytest.raises(ModelError, match="is not valid"):
        load_model(tmp_path, "../escape")


def test_embedder_weights_are_not_pickled(tmp_path):
    emb = Embedder()
    emb._model = object()  # stands in for loaded weights
    emb._cache["k"] = np.zeros(3, dtype=np.float32)
    model, _ = _fitted()
    model.featurizer_.embedder = emb
    _save(tmp_path, model, _codebook())
    loaded = load_model(tmp_path, "tiny")
    assert loaded.featurizer_.embedder._model is None
    assert loaded.featurizer_.embedder._cache == {}
    assert (tmp_path / "tiny" / "v1" / "model.joblib").stat().st_size < 200_000
