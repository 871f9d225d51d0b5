"""The shipped static MiniLM distillation (models/minilm-static): offline, checked, cached."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from cls_text.tag import embeddings
from cls_text.tag.embeddings import (
    MINILM_STATIC_DIR,
    MINILM_STATIC_SHA256,
    Embedder,
    EmbeddingModelError,
    load_static_model,
    make_embedder,
)

TEXTS = ["The nurse was very kind.", "Staff were caring and friendly.", "Parking is expensive."]


@pytest.fixture(scope="module")
def static_model():
    return load_static_model()


def test_loads_offline_shape_and_normalised(monkeypatch, static_model):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    emb = make_embedder("minilm-static")
    emb._model = static_model  # the fixture loaded it once (hash checked) for the module
    v = emb.encode([*TEXTS, ""])
    assert v.shape == (4, 256) and v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v[:3], axis=1), 1.0, rtol=1e-5)
    assert not v[3].any()  # an empty text has no word pieces: zero vector, no crash
    assert v[0] @ v[1] > v[0] @ v[2]  # paraphrases are closer than an unrelated text


def test_is_deterministic_across_loads_and_order(static_model):
    a = Embedder("minilm-static").encode(TEXTS)  # loads the files again (hash checked)
    b = Embedder("minilm-static").encode(list(reversed(TEXTS)))
    np.testing.assert_array_equal(a, b[::-1])


def test_model_id_names_the_shipped_file():
    emb = Embedder("minilm-static")
    assert emb.model_id == f"minilm-static@{MINILM_STATIC_SHA256['model.safetensors'][:12]}:128"
    assert emb.dim == 256 and emb.batch_size == 1024
    assert Embedder().batch_size == 16  # MiniLM keeps its measured default


def test_changed_file_is_a_clear_error(monkeypatch, tmp_path):
    folder = tmp_path / "minilm-static"
    shutil.copytree(MINILM_STATIC_DIR, folder)
    (folder / "config.json").write_text("{}\n")
    monkeypatch.setattr(embeddings, "MINILM_STATIC_DIR", folder)
    with pytest.raises(
        EmbeddingModelError, match="config.json.*expected .*rebuild_minilm_static.py"
    ):
        Embedder("minilm-static").encode(["x"])


def test_missing_folder_is_a_clear_error_not_a_download(monkeypatch, tmp_path):
    monkeypatch.setattr(embeddings, "MINILM_STATIC_DIR", tmp_path / "absent")
    with pytest.raises(EmbeddingModelError, match="not found.*rebuild"):
        Embedder("minilm-static").encode(["x"])


def test_cache_in_memory_and_on_disk(tmp_path, static_model):
    emb = Embedder("minilm-static", cache_dir=tmp_path)
    emb._model = static_model
    first = emb.encode(TEXTS)
    assert list((tmp_path / "minilm-static-8b8b9374edfd-128").glob("*.npz"))

    class _Fail:
        def encode(self, *args, **kwargs):
            raise AssertionError("cached texts must not be encoded again")

    emb._model = _Fail()
    np.testing.assert_array_equal(emb.encode(TEXTS[::-1]), first[::-1])
    again = Embedder("minilm-static", cache_dir=tmp_path)
    again._model = _Fail()
    np.testing.assert_array_equal(again.encode(TEXTS), first)
