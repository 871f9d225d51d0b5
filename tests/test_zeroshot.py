from __future__ import annotations

import hashlib
import importlib.util
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV

from cls_text import schema as S
from cls_text.codebook.model import load_codebook, parse_codebook
from cls_text.tag.embeddings import HashingEmbedder
from cls_text.tag.rules import RulesTagger
from cls_text.tag.zeroshot import FEATURES, ZeroShotTagger, load_defaults, split_sentences

REPO = Path(__file__).resolve().parents[1]
DEV_CSV = REPO / "benchmarks" / "data" / "cls_dev_quotes.csv"

CODEBOOK = {
    "id": "zs_tiny",
    "name": "Zero-shot test codebook",
    "version": "1.0.0",
    "themes": [
        {
            "id": "trust",
            "label": "Trust",
            "definition": "staff trusted autonomy judgement",
            "terms": ["trusted", "autonomy"],
            "false_friends": ["nhs trust"],
            "examples": ["staff trusted autonomy judgement decisions"],
        },
        {
            "id": "bureaucracy",
            "label": "Bureaucracy",
            "definition": "paperwork forms panels process",
            "terms": ["paperwork", "forms"],
            "exclude": "Waiting lists themselves (-> access)",
            "examples": ["paperwork forms panels process"],
        },
        {
            "id": "access",
            "label": "Access",
            "definition": "waiting lists quick help drop in",
            "terms": ["waiting", "quick"],
            "examples": ["waiting lists quick help drop in"],
        },
    ],
}
TEXTS = [
    "Staff are trusted and have autonomy to use judgement.",
    "Too much paperwork and forms, every panel and process.",
    "The waiting lists are long. Quick help at the drop in would be good.",
    "Lovely weather today.",
    "Staff trusted with autonomy. Paperwork forms and panels everywhere.",
    "Quick help, short waiting lists.",
]
Y = np.array(
    [[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 0], [1, 1, 0], [0, 0, 1]],
    dtype=np.int64,
)


@pytest.fixture()
def codebook():
    return parse_codebook(CODEBOOK)


@pytest.fixture()
def tagger(codebook):
    return ZeroShotTagger(codebook=codebook, embedder=HashingEmbedder(dim=256)).fit()


def test_fit_sets_classes_and_predicts_indicator_matrix(tagger):
    assert list(tagger.classes_) == ["trust", "bureaucracy", "access"]
    proba = tagger.predict_proba(TEXTS)
    pred = tagger.predict(TEXTS)
    assert proba.shape == pred.shape == (len(TEXTS), 3)
    assert ((proba >= 0) & (proba <= 1)).all()
    assert set(np.unique(pred)) <= {0, 1}
    # Each single-theme quote scores highest on its own theme.
    for i, j in ((0, 0), (1, 1), (2, 2)):
        assert proba[i].argmax() == j


def test_tuned_on_a_few_coded_quotes_recovers_them(codebook):
    t = ZeroShotTagger(codebook=codebook, embedder=HashingEmbedder(dim=256), C=10.0)
    t.fit(TEXTS, Y)
    assert set(t.weights_) == {"bias", *FEATURES}
    assert all(0.05 <= v <= 0.95 for v in t.thresholds_.values())
    pred = t.predict(TEXTS)
    assert (pred == Y).mean() >= 0.9
    assert pred[3].sum() == 0  # a quote may get no theme
    params = t.tuned_params()
    assert set(params) == {"weights", "thresholds"}
    # Tuned params fed back as parameters reproduce the tuned tagger.
    again = ZeroShotTagger(codebook=codebook, embedder=HashingEmbedder(dim=256), **params).fit()
    np.testing.assert_allclose(again.predict_proba(TEXTS), t.predict_proba(TEXTS), atol=1e-3)


def test_bare_string_and_unfitted_raise(codebook):
    t = ZeroShotTagger(codebook=codebook, embedder=HashingEmbedder())
    with pytest.raises(NotFittedError):
        t.predict(["x"])
    t.fit()
    with pytest.raises(ValueError, match="expected an iterable of texts, got str"):
        t.predict("Too much paperwork")


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"top_k": 0}, "top_k must be >= 1"),
        ({"threshold_shrinkage": 2.0}, "threshold_shrinkage must be in"),
        ({"weights": {"cosine": 1.0}}, "unknown keys \\['cosine'\\]"),
        ({"thresholds": {"morale": 0.5}}, "unknown themes \\['morale'\\]"),
        ({"rules": "yes"}, "rules must be a RulesTagger"),
    ],
)
def test_bad_parameters_raise(codebook, kwargs, match):
    with pytest.raises(ValueError, match=match):
        ZeroShotTagger(codebook=codebook, embedder=HashingEmbedder(), **kwargs).fit()


def test_bad_y_raises(codebook):
    t = ZeroShotTagger(codebook=codebook, embedder=HashingEmbedder())
    with pytest.raises(ValueError, match="got y but no X"):
        t.fit(None, Y)
    with pytest.raises(ValueError, match="must be an \\(n, 3\\)"):
        t.fit(TEXTS, Y[:, :2])
    with pytest.raises(ValueError, match="y has 2 rows but X has 6"):
        t.fit(TEXTS, Y[:2])
    with pytest.raises(ValueError, match="only 0 and 1"):
        t.fit(TEXTS, Y * 2)


def test_blank_texts_get_no_themes_and_no_evidence(tagger):
    texts = ["", "   ", "...", None]
    assert tagger.predict_proba(texts).sum() == 0
    assert tagger.predict(texts).sum() == 0
    assert tagger.explain(texts) == [{}, {}, {}, {}]
    assert tagger.predict([]).shape == (0, 3)


def test_thresholds_decide_tags(codebook):
    emb = HashingEmbedder(dim=256)
    none = ZeroShotTagger(codebook=codebook, embedder=emb, thresholds=1.01).fit()
    every = ZeroShotTagger(codebook=codebook, embedder=emb, thresholds=0.0).fit()
    assert none.predict(TEXTS[:3]).sum() == 0
    assert every.predict(TEXTS[:3]).sum() == 9
    one = ZeroShotTagger(codebook=codebook, embedder=emb, thresholds={"access": 0.0}).fit()
    assert one.predict(["Lovely weather today."])[0, 2] == 1


def test_explain_points_at_the_best_sentence(tagger):
    text = "Lovely weather today. Too much paperwork and forms, every panel and process."
    ev = ZeroShotTagger(**{**tagger.get_params(), "thresholds": 0.0}).fit().explain([text])[0]
    assert set(ev) == {"trust", "bureaucracy", "access"}
    e = ev["bureaucracy"][0]
    assert e.source == "zeroshot" and e.term == "bureaucracy"
    assert e.sentence == "Too much paperwork and forms, every panel and process."
    assert text[e.start : e.end] == e.matched == text[e.sent_start : e.sent_end]
    assert 0 <= e.score <= 1
    # Only tagged themes are explained.
    tags = tagger.predict([text])[0]
    assert set(tagger.explain([text])[0]) == {
        t for t, v in zip(tagger.classes_, tags, strict=True) if v
    }


def test_false_friends_are_masked_before_comparison(codebook):
    emb = HashingEmbedder(dim=256)
    t = ZeroShotTagger(codebook=codebook, embedder=emb, rules=False).fit()
    plain = parse_codebook(
        {
            **CODEBOOK,
            "themes": [{**CODEBOOK["themes"][0], "false_friends": []}, *CODEBOOK["themes"][1:]],
        }
    )
    u = ZeroShotTagger(codebook=plain, embedder=emb, rules=False).fit()
    text = ["The NHS Trust restructured."]
    col = FEATURES.index("definition")
    masked = t._score(text).features[0, 0, col]
    unmasked = u._score(text).features[0, 0, col]
    assert masked < unmasked


def test_question_context_changes_scores(codebook):
    emb = HashingEmbedder(dim=256)
    X = pd.DataFrame(
        {
            S.TEXT: ["took ages", "took ages"],
            S.QUESTION: ["How quick was help, any waiting lists?", "Any paperwork or forms?"],
        }
    )
    t = ZeroShotTagger(codebook=codebook, embedder=emb, weights={"question": 5.0}).fit()
    p = t.predict_proba(X)
    assert p[0, 2] > p[1, 2] and p[1, 1] > p[0, 1]
    off = ZeroShotTagger(
        codebook=codebook, embedder=emb, weights={"question": 5.0}, use_question=False
    ).fit()
    q = off.predict_proba(X)
    np.testing.assert_allclose(q[0], q[1])
    # A DataFrame without a question column is fine too.
    assert off.predict(X[[S.TEXT]]).shape == (2, 3)


def test_rules_feature_follows_rules_tagger(codebook):
    emb = HashingEmbedder(dim=256)
    w = {"rules": 10.0, "bias": -5.0}
    with_rules = ZeroShotTagger(codebook=codebook, embedder=emb, weights=w).fit()
    without = ZeroShotTagger(codebook=codebook, embedder=emb, weights=w, rules=False).fit()
    given_rules = ZeroShotTagger(
        codebook=codebook, embedder=emb, weights=w, rules=RulesTagger(codebook=codebook)
    ).fit()
    text = ["All this paperwork."]
    assert with_rules.predict(text)[0, 1] == 1
    assert without.predict(text)[0, 1] == 0
    assert given_rules.predict(text)[0, 1] == 1


def test_scores_are_memoised_for_the_same_batch(tagger):
    emb = tagger.embedder_
    before = emb.calls
    tagger.predict(TEXTS)
    after_first = emb.calls
    tagger.predict_proba(TEXTS)
    tagger.explain(TEXTS)
    assert after_first > before
    assert emb.calls == after_first


def test_sklearn_contract_clone_params_pickle(tagger):
    params = tagger.get_params()
    assert params["top_k"] == 3 and params["use_question"] is True
    c = clone(tagger)
    assert not hasattr(c, "classes_")
    assert c.set_params(top_k=2).get_params()["top_k"] == 2
    assert tagger.fit() is tagger
    restored = pickle.loads(pickle.dumps(tagger))
    np.testing.assert_allclose(restored.predict_proba(TEXTS), tagger.predict_proba(TEXTS))


def test_gridsearch_over_parameters(codebook):
    t = ZeroShotTagger(codebook=codebook, embedder=HashingEmbedder(dim=256), C=10.0)
    X = TEXTS * 2
    y = np.vstack([Y, Y])
    gs = GridSearchCV(t, {"top_k": [1, 2]}, cv=2).fit(X, y)
    assert gs.best_params_["top_k"] in (1, 2)
    assert gs.predict(TEXTS).shape == (6, 3)


def test_default_codebook_works_out_of_the_box():
    cb = load_codebook()
    weights, thresholds = load_defaults(cb)
    assert set(thresholds) == set(cb.theme_ids())
    assert set(weights) <= {"bias", *FEATURES}
    t = ZeroShotTagger(embedder=HashingEmbedder()).fit()
    assert list(t.classes_) == cb.theme_ids()
    assert t.thresholds_ == thresholds
    assert t.predict(["Too much paperwork.", ""]).shape == (2, len(cb.theme_ids()))


def test_other_codebooks_borrow_default_weights(codebook):
    weights, thresholds = load_defaults(codebook)
    default_weights, _ = load_defaults(load_codebook())
    assert weights == default_weights
    assert len(set(thresholds.values())) == 1 and set(thresholds) == {
        "trust",
        "bureaucracy",
        "access",
    }


def test_tuned_thresholds_only_for_the_exact_codebook_they_were_tuned_on():
    cb = load_codebook()
    weights, tuned = load_defaults(cb)
    assert len(set(tuned.values())) > 1  # the shipped default codebook has per-theme values
    data = cb.model_dump()
    data["themes"][0]["terms"] = [*data["themes"][0]["terms"], "a newly added term"]
    edited = type(cb).model_validate(data)
    assert edited.id == cb.id and edited.content_hash() != cb.content_hash()
    weights2, untuned = load_defaults(edited)
    assert weights2 == weights  # the combination weights still apply
    assert len(set(untuned.values())) == 1  # stale per-theme thresholds are not reused


@given(st.text(alphabet=st.sampled_from(list("ab .!?\n")), max_size=40))
def test_split_sentences_spans_are_trimmed_and_ordered(text):
    spans = split_sentences(text)
    last = 0
    for a, b in spans:
        assert last <= a < b <= len(text)
        assert text[a:b] == text[a:b].strip()
        assert any(c.isalnum() for c in text[a:b])
        last = b


def test_split_sentences_examples():
    assert split_sentences("Too many forms. We wait months!") == [(0, 15), (16, 31)]
    assert split_sentences("no punctuation at all") == [(0, 21)]
    assert split_sentences("line one\nline two") == [(0, 8), (9, 17)]


# -- the synthetic development set --------------------------------------------------------


def _bench():
    spec = importlib.util.spec_from_file_location("cls_dev", REPO / "benchmarks" / "cls_dev.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_dev_quotes_are_marked_synthetic_and_coded_against_the_codebook():
    assert DEV_CSV.read_text(encoding="utf-8").startswith("# SYNTHETIC")
    bench = _bench()
    df = bench.load_quotes(DEV_CSV)
    assert list(df.columns) == [
        "quote_id",
        "respondent_type",
        "question",
        "text",
        "themes",
        "stance",
        "note",
    ]
    assert 250 <= len(df) <= 400
    assert df.quote_id.is_unique and df.text.is_unique
    assert set(df.respondent_type) <= set(S.RESPONDENT_TYPES)
    ids = load_codebook().theme_ids()
    Yd = bench.indicator(df.themes, ids)
    assert (Yd.sum(axis=1) == 0).sum() >= 10  # some quotes have no theme
    assert (Yd.sum(axis=1) >= 2).sum() >= 50  # many have two or three
    assert (Yd.sum(axis=0) >= 15).all()  # every theme is represented
    for themes, stance in zip(df.themes, df.stance, strict=True):
        pairs = [p.split(":") for p in filter(None, stance.split(";"))]
        assert [t for t, _ in pairs] == list(filter(None, themes.split(";")))
        assert all(s in {"+", "-", "0"} for _, s in pairs)


def test_dev_test_split_is_by_id_hash_and_about_60_40():
    bench = _bench()
    df = bench.load_quotes(DEV_CSV)
    splits = [bench.split_of(q) for q in df.quote_id]
    assert 0.5 <= splits.count("dev") / len(splits) <= 0.7
    h = int(hashlib.sha1(b"dev001").hexdigest()[:8], 16)
    assert bench.split_of("dev001") == ("dev" if h % 100 < 60 else "test")
    assert splits == [bench.split_of(q) for q in df.quote_id]  # stable


@pytest.mark.slow
def test_benchmark_script_runs_end_to_end(tmp_path):
    import json

    out = tmp_path / "results.json"
    defaults = tmp_path / "defaults.yaml"
    bench = _bench()
    args = ["--out", str(out), "--embedder", "hashing", "--write-defaults", str(defaults)]
    assert bench.main([*args, "--speed-n", "0", "--cv-repeats", "0"]) == 0
    res = json.loads(out.read_text(encoding="utf-8"))
    assert res["n_dev"] + res["n_test"] == res["n_quotes"]
    for name in ("rules", "embeddings", "combined", "combined_no_question", "shipped_defaults"):
        test = res["results"][name]["test"]
        assert 0.0 <= test["samples_f1"] <= 1.0
        assert set(test["per_theme_f1"]) == set(load_codebook().theme_ids())
    assert "cls_default" in defaults.read_text(encoding="utf-8")
