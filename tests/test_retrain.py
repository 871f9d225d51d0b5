from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from cls_text import schema as S
from cls_text.codebook.model import parse_codebook
from cls_text.io import coded as cs
from cls_text.review.retrain import (
    PromotionRule,
    card_section,
    decide_promotion,
    holdout_mask,
    retrain,
    training_data,
)
from cls_text.tag.supervised import SupervisedTagger

CB = parse_codebook(
    {
        "id": "mini",
        "name": "Mini",
        "version": "1.0.0",
        "themes": [
            {"id": "trust", "label": "Trust", "definition": "d"},
            {"id": "waiting", "label": "Waiting", "definition": "d"},
        ],
    }
)


def m(value: float, n: int = 100) -> dict[str, float]:
    return {"macro_f1": value, "micro_f1": value, "n": n}


@pytest.mark.parametrize(
    "cur, cand, n, promote, phrase",
    [
        (0.60, 0.59, 100, True, "promoted"),  # within noise
        (0.60, 0.57, 100, False, "worse beyond noise"),
        (0.60, 0.70, 100, True, "promoted"),
        (None, 0.30, 100, True, "no current model"),
        (0.60, 0.90, 10, False, "only 10 held-out"),
    ],
)
def test_decide_promotion(cur, cand, n, promote, phrase):
    d = decide_promotion(None if cur is None else m(cur, n), m(cand, n), PromotionRule())
    assert d.promote is promote and phrase in d.reason and d.n_test == n


def test_rule_is_validated_data():
    assert PromotionRule(metric="micro_f1", max_drop=0.0).max_drop == 0.0
    with pytest.raises(ValidationError):
        PromotionRule(metric="accuracy")
    with pytest.raises(ValidationError):
        PromotionRule(max_drop=0.02, typo=1)
    d = decide_promotion(m(0.6), m(0.595), PromotionRule(max_drop=0.0))
    assert not d.promote


def test_holdout_is_stable_and_sized():
    ids = pd.Series([f"q{i}" for i in range(2000)])
    mask = holdout_mask(ids, 0.25)
    assert 0.22 < mask.mean() < 0.28
    assert (holdout_mask(ids[::-1], 0.25)[::-1] == mask).all()  # order-independent


def _store(tmp_path: Path, n: int = 160) -> Path:
    rng = np.random.default_rng(0)
    recs = []
    for i in range(n):
        kind = i % 3
        text = ["staff trusted to decide", "long wait on the phone", "lovely garden visit"][kind]
        text += f" {rng.integers(1000)}"
        themes = ["trust", "waiting", ""][kind]
        recs.append({S.QUOTE_ID: f"q{i}", cs.REVIEWER: "ann", S.THEMES: themes, S.TEXT: text,
                     cs.CODEBOOK_VERSION: "1.0.0", cs.ORIGIN: "queue"})  # fmt: skip
    # a second reviewer disagrees on q0 only; majority with a tie keeps the theme
    recs.append({S.QUOTE_ID: "q0", cs.REVIEWER: "bob", S.THEMES: "", S.TEXT: recs[0][S.TEXT],
                 cs.CODEBOOK_VERSION: "1.0.0"})  # fmt: skip
    cs.append_decisions(tmp_path, recs, source_file="f", source_sha256="1" * 64)
    return tmp_path


def test_training_data_consensus(tmp_path: Path):
    data = training_data(_store(tmp_path), CB)
    assert len(data) == 160
    assert data.set_index(S.QUOTE_ID).loc["q0", "trust"] == 1
    assert data["waiting"].sum() == 53
    assert training_data(tmp_path / "empty", CB).empty


class Never:
    """A 'current model' that never tags anything."""

    classes_ = np.array(["trust", "waiting"])

    def fit(self, X, y):
        return self

    def predict(self, X):
        return np.zeros((len(X), 2), dtype=int)


def test_retrain_promotes_better_candidate(tmp_path: Path):
    store = _store(tmp_path)

    def make(ids):
        return SupervisedTagger(classes=ids, embedder=None, char_ngrams=False, cv=3)

    res = retrain(store, CB, make, current=Never(), n_boot=50)
    assert res.n_train + res.n_test == 160 and res.n_test >= 30
    assert res.candidate_metrics["macro_f1"] > 0.9 and res.current_metrics["macro_f1"] == 0.0
    assert res.decision.promote and res.decision.delta > 0.9
    lo, hi = res.decision.delta_ci
    assert lo <= res.decision.delta <= hi
    card = card_section(res)
    assert card["decision"]["promote"] and card["rule"]["metric"] == "macro_f1"
    # the held-out quotes were not trained on
    assert len(set(res.test_quote_ids)) == res.n_test
    worse = retrain(store, CB, lambda ids: Never(), current=res.candidate, n_boot=0)
    assert not worse.decision.promote and worse.decision.delta_ci is None


def test_retrain_empty_store(tmp_path: Path):
    with pytest.raises(ValueError, match="has no reviewed quotes"):
        retrain(tmp_path, CB, lambda ids: Never())


def test_retrain_and_save_versions_and_promotion(tmp_path: Path):
    from cls_text.io import artifacts
    from cls_text.review.retrain import retrain_and_save

    store = _store(tmp_path / "store")
    models = tmp_path / "models"

    def good(ids):
        return SupervisedTagger(classes=ids, embedder=None, char_ngrams=False, cv=3)

    res1, v1 = retrain_and_save(store, CB, models, "themes", good, in_use=None, n_boot=20)
    assert res1.decision.promote and "no current model" in res1.decision.reason
    assert artifacts.current_version(models, "themes") == "v1"
    res2, v2 = retrain_and_save(store, CB, models, "themes", lambda ids: Never(), n_boot=20)
    assert not res2.decision.promote
    assert artifacts.list_versions(models, "themes") == ["v1", "v2"]
    assert artifacts.current_version(models, "themes") == "v1"  # not promoted
    card = artifacts.read_card(models, "themes", version="v2")
    assert card["retrain"]["compared_with"] == "v1"
    assert card["retrain"]["decision"]["promote"] is False
    assert (
        card["retrain"]["current_metrics"]["macro_f1"]
        > card["retrain"]["candidate_metrics"]["macro_f1"]
    )
    # the old version stays loadable
    assert artifacts.load_model(models, "themes", version="v1", codebook=CB).predict(
        pd.DataFrame({S.TEXT: ["long wait on the phone"]})
    ).tolist() == [[0, 1]]


def test_first_model_worse_than_the_tagger_in_use_is_saved_not_promoted(tmp_path: Path):
    from cls_text.io import artifacts
    from cls_text.review.retrain import retrain_and_save

    store = _store(tmp_path / "store")
    models = tmp_path / "models"
    good = SupervisedTagger(classes=["trust", "waiting"], embedder=None, char_ngrams=False, cv=3)
    good.fit(training_data(store, CB)[[S.TEXT]], training_data(store, CB)[["trust", "waiting"]])
    res, vdir = retrain_and_save(store, CB, models, "themes", lambda ids: Never(), in_use=good,
                                 n_boot=0)  # fmt: skip
    assert not res.decision.promote
    assert "tagger in use" in res.decision.reason and "not promoted" in res.decision.reason
    assert vdir.is_dir() and artifacts.list_versions(models, "themes") == ["v1"]
    card = artifacts.read_card(models, "themes", version="v1")
    assert card["retrain"]["compared_with"] == "SupervisedTagger"
