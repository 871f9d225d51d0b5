from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from cls_text import schema as S
from cls_text.tag.frame import tag_frame
from cls_text.tag.rules import RulesTagger


def _long(texts, non_sub=None):
    n = len(texts)
    return pd.DataFrame(
        {
            S.QUOTE_ID: [f"q{i}" for i in range(n)],
            S.TEXT: texts,
            S.QUESTION: ["What could be better?"] * n,
            S.NON_SUBSTANTIVE: non_sub or [False] * n,
        }
    )


def test_columns_tags_evidence_and_stance(tiny_codebook):
    calls = []

    def stance(sentences, questions, themes):
        calls.append((list(sentences), list(questions), list(themes)))
        return ["-" if "no trust" in s.lower() else "+" for s in sentences]

    df = _long(
        ["Hello. There is no trust here.", "n/a", "Less paperwork now."], [False, True, False]
    )
    rules = RulesTagger(codebook=tiny_codebook).fit()
    out = tag_frame(df, rules, tiny_codebook, tagger_name="rules", stance=stance)
    for t in tiny_codebook.theme_ids():
        for col in (t, S.score_col(t), S.stance_col(t), S.evidence_col(t)):
            assert col in out.columns
    assert out[S.THEMES].tolist() == ["trust", "", "bureaucracy"]
    assert out[S.TAGGER].tolist() == ["rules", "", "rules"]
    assert out["trust_stance"].tolist() == ["-", "", ""]
    assert out["bureaucracy_stance"].tolist() == ["", "", "+"]
    (ev,) = json.loads(out.loc[0, "trust_evidence"])
    text = out.loc[0, S.TEXT]
    assert text[ev["start"] : ev["end"]] == ev["matched"] == "trust"
    assert ev["sentence"] == "There is no trust here." and ev["negated"] is True
    assert out.loc[1, "trust_evidence"] == "[]"
    # the stance callable gets the evidence sentence, the question and the theme id
    assert calls == [
        (
            ["There is no trust here.", "Less paperwork now."],
            ["What could be better?"] * 2,
            ["trust", "bureaucracy"],
        )
    ]
    assert list(df.columns) == [S.QUOTE_ID, S.TEXT, S.QUESTION, S.NON_SUBSTANTIVE]  # not mutated


class _Learned:
    """A stand-in learned tagger: tags bureaucracy everywhere, with its own evidence."""

    def __init__(self, ids):
        self.classes_ = np.array(ids, dtype=object)

    def predict_proba(self, X):
        p = np.zeros((len(X), len(self.classes_)))
        p[:, 1] = 0.9
        return p

    def predict(self, X):
        return (self.predict_proba(X) >= 0.5).astype(int)

    def explain(self, X):
        return [
            {"bureaucracy": [S.Evidence("model", t, 0, len(t), t, 0, len(t), 0.9, "model")]}
            for t in X[S.TEXT]
        ]


def test_learned_tagger_gets_rules_evidence_first_then_its_own(tiny_codebook):
    df = _long(["Endless paperwork.", "We were listened to."])
    out = tag_frame(df, _Learned(tiny_codebook.theme_ids()), tiny_codebook, tagger_name="m")
    first = json.loads(out.loc[0, "bureaucracy_evidence"])
    second = json.loads(out.loc[1, "bureaucracy_evidence"])
    assert first[0]["source"] == "rules" and first[0]["matched"] == "paperwork"
    assert second[0]["source"] == "model"
    assert out["bureaucracy_score"].tolist() == [0.9, 0.9]
    assert out["bureaucracy_stance"].tolist() == ["0", "0"]  # no stance function given


def test_class_mismatch_is_an_error(tiny_codebook):
    bad = _Learned(["a", "b", "c"])
    with pytest.raises(ValueError, match="do not match codebook"):
        tag_frame(_long(["x"]), bad, tiny_codebook, tagger_name="m")
