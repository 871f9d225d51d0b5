from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cls_text.codebook.model import load_codebook, parse_codebook
from cls_text.errors import ClsTextError
from cls_text.tag.adapt import AdaptedTagger
from cls_text.tag.default import (
    DefaultTagger,
    default_model_dir,
    load_default_tagger,
    theme_sha256,
)
from cls_text.tag.embeddings import HashingEmbedder

REPO = Path(__file__).resolve().parents[1]
WAVES = REPO / "data" / "raw"

TRANSPORT = {
    "id": "transport",
    "label": "Transport",
    "definition": "Getting to services: buses, lifts, parking, taxis and travel costs.",
    "terms": ["bus", "buses", "parking", "taxi", "lift to", "travel"],
}

TINY = parse_codebook(
    {
        "id": "tiny",
        "name": "Tiny",
        "version": "1.0.0",
        "themes": [
            {"id": "waiting", "label": "Waiting", "definition": "Waiting for help.",
             "terms": ["wait", "waiting list"]},
            {"id": "garden", "label": "Garden", "definition": "Gardens and green space.",
             "terms": ["garden"]},
        ],
    }
)  # fmt: skip


def _tiny_data(n: int = 60) -> tuple[list[str], np.ndarray]:
    rng = np.random.default_rng(0)
    texts, Y = [], []
    for i in range(n):
        k = i % 3
        texts.append(
            ["we had a long wait", "the garden is lovely", "nothing to add"][k]
            + f" {rng.integers(1000)}"
        )
        Y.append([int(k == 0), int(k == 1)])
    return texts, np.array(Y)


def _wave_answers() -> list[str]:
    out: list[str] = []
    for path in sorted(WAVES.glob("*/*")):
        df = pd.read_csv(path, encoding="cp1252") if path.suffix == ".csv" else pd.read_excel(path)
        cols = [c for c in df.columns if str(c).endswith("?")]
        for c in cols:
            out.extend(str(v) for v in df[c].dropna() if str(v).strip())
    return out


@pytest.mark.slow
def test_adding_a_theme_changes_no_other_themes_tags_on_the_sample_waves():
    book = load_codebook()
    data = book.model_dump(mode="json")
    data["themes"] = [*data["themes"], TRANSPORT]
    bigger = parse_codebook(data)
    texts = _wave_answers()
    assert len(texts) > 500
    base = load_default_tagger(book)
    plus = load_default_tagger(bigger)
    assert base is not None and plus is not None
    assert list(plus.classes_) == [*book.theme_ids(), "transport"]
    a, b = base.predict(texts), plus.predict(texts)
    assert np.array_equal(a, b[:, : len(book.theme_ids())])
    assert b[:, -1].sum() > 0  # the new theme is tagged somewhere, by its own head


def test_shipped_card_records_the_weights_hash_and_dev_only_training():
    card = json.loads((default_model_dir() / "card.json").read_text())
    assert card["weights"]["sha256"] and card["weights"]["bytes"] < 1_000_000
    assert "dev split only" in card["training_data"]["quotes"]
    assert card["codebook"]["hash"] == load_codebook().content_hash()


def test_every_default_theme_has_a_pretrained_head():
    tagger = load_default_tagger()
    assert tagger is not None and tagger.trained_.all()


def test_edited_theme_falls_back_to_its_codebook_only_head():
    data = load_codebook().model_dump(mode="json")
    data["themes"][0]["definition"] += " Edited."
    tagger = load_default_tagger(parse_codebook(data))
    assert tagger is not None
    assert not tagger.trained_[0] and tagger.trained_[1:].all()


def test_a_users_own_codebook_gets_no_default_model():
    assert load_default_tagger(TINY) is None


def test_tampered_weights_are_refused(tmp_path: Path):
    folder = tmp_path / "m"
    shutil.copytree(default_model_dir(), folder)
    raw = bytearray((folder / "weights.npz").read_bytes())
    raw[-10] ^= 0xFF
    (folder / "weights.npz").write_bytes(bytes(raw))
    with pytest.raises(ClsTextError, match="sha256"):
        load_default_tagger(model_dir=folder)


def test_arrays_round_trip_predicts_the_same():
    texts, Y = _tiny_data()
    emb = HashingEmbedder(dim=16)
    fitted = DefaultTagger(codebook=TINY, embedder=emb, n_features=2**12).fit(texts, Y)
    assert fitted.trained_.all()
    again = DefaultTagger(embedder=emb, n_features=2**12).for_codebook(fitted.to_arrays(), TINY)
    assert np.array_equal(fitted.predict(texts), again.predict(texts))
    assert fitted.predict(["we had a long wait 5"]).tolist() == [[1, 0]]
    assert fitted.predict(["   "]).tolist() == [[0, 0]]
    assert theme_sha256(TINY.themes[0]) != theme_sha256(TINY.themes[1])


def test_bare_string_and_bad_y_are_rejected():
    emb = HashingEmbedder(dim=8)
    with pytest.raises(ValueError, match="got str"):
        DefaultTagger(codebook=TINY, embedder=emb).fit("a text", np.zeros((1, 2)))
    with pytest.raises(ValueError, match="0/1 matrix"):
        DefaultTagger(codebook=TINY, embedder=emb).fit(["a", "b"], np.zeros((2, 3)))


def test_adapted_tagger_keeps_the_base_where_it_has_few_positives():
    texts, Y = _tiny_data()
    emb = HashingEmbedder(dim=16)
    base = DefaultTagger(codebook=TINY, embedder=emb, n_features=2**12).fit(texts, Y)
    few = Y.copy()
    few[3:, 1] = 0  # only one coded 'garden' quote
    ad = AdaptedTagger(base=base, embedder=emb).fit(texts, few)
    assert ad.report_["garden"]["decision"].startswith("base (too few")
    assert np.array_equal(ad.predict(texts)[:, 1], base.predict(texts)[:, 1])
    assert ad.heads_[1] is None


def test_adapted_tagger_needs_a_fitted_base():
    with pytest.raises(ValueError, match="base"):
        AdaptedTagger().fit(["a"], np.zeros((1, 2)))


def test_benchmark_exits_cleanly_without_shared_data(tmp_path: Path):
    out = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "cls_real.py"), "--shared", str(tmp_path),
         "--out", str(tmp_path / "r.json")],
        capture_output=True, text=True, check=False, timeout=900,  # a hang guard only
    )  # fmt: skip
    assert out.returncode == 0 and "not found" in out.stderr
    assert not (tmp_path / "r.json").exists()


def test_an_answer_no_theme_clears_gets_its_nearest_shipped_theme():
    from cls_text.tag.thresholds import with_best_theme

    proba = np.array([[0.20, 0.10, 0.90], [0.05, 0.02, 0.00], [0.50, 0.10, 0.00], [0.1, 0.2, 0.0]])
    thresholds = np.array([0.30, 0.40, 0.95])
    pool = np.array([True, True, False])  # the third theme has no trained head
    tags = with_best_theme(proba, thresholds, pool, floor=0.5)
    # row 0: 0.20/0.30 is the nearest shipped theme; the untrained one, nearer still, never fills
    # row 1: too far from every threshold; row 2 cleared a threshold; row 3: 0.2/0.4 = 0.5
    assert tags.tolist() == [[1, 0, 0], [0, 0, 0], [1, 0, 0], [0, 1, 0]]
    assert with_best_theme(proba, thresholds, pool, floor=None).tolist() == [
        [0, 0, 0], [0, 0, 0], [1, 0, 0], [0, 0, 0]
    ]  # fmt: skip


def _prior_data() -> tuple[list[str], np.ndarray]:
    """'waiting' answers use its codebook term; 'garden' answers never say 'garden'."""
    texts, Y = [], []
    for i in range(60):
        k = i % 3
        texts.append(["we had a long wait", "the allotment plots are lovely", "nothing to add"][k]
                     + f" {i}")  # fmt: skip
        Y.append([int(k == 0), int(k == 1)])
    return texts, np.array(Y)


def test_the_prior_carries_what_all_themes_teach_to_each_head():
    texts, Y = _prior_data()
    emb = HashingEmbedder(dim=16)
    kw = {"codebook": TINY, "embedder": emb, "n_features": 2**12, "best_theme_floor": None}
    plain = DefaultTagger(**kw).fit(texts, Y)
    prior = DefaultTagger(prior_scale=1.0, **kw).fit(texts, Y)
    assert prior.coef_.shape[1] == plain.coef_.shape[1] + 1
    # 'garden' never hit its own term in training: alone its head cannot learn that a hit
    # counts; the generic head learnt it from 'waiting', and the prior hands it over.
    new = ["our garden needs care"]
    assert plain.predict(new).tolist() == [[0, 0]]
    assert prior.predict(new).tolist() == [[0, 1]]
    again = DefaultTagger(prior_scale=1.0, embedder=emb, n_features=2**12).for_codebook(
        prior.to_arrays(), TINY
    )
    # weights ship as float32: the same tags, scores equal to float32 precision
    assert np.array_equal(prior.predict(texts + new), again.predict(texts + new))
    assert np.allclose(
        prior.predict_proba(texts + new), again.predict_proba(texts + new), atol=1e-6
    )
