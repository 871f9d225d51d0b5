from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from cls_text.tag.rules import RulesTagger


@pytest.fixture()
def tagger(tiny_codebook):
    return RulesTagger(codebook=tiny_codebook).fit()


@pytest.mark.parametrize(
    "text, themes",
    [
        ("We are trusted to use our professional judgement.", {"trust"}),
        ("Too much paperwork and red tape.", {"bureaucracy"}),
        ("Tick-box forms everywhere.", {"bureaucracy"}),
        ("Forms, panels and sign-offs.", {"bureaucracy"}),
        # false friends and proper names are not the theme
        ("The NHS Trust ran the clinic.", set()),
        ("Staff from the Foundation Trust attended.", set()),
        ("Eastbrook Housing Trust helped with the move.", set()),
        # negation: 'flip' themes keep the tag (trust withheld), 'drop' themes lose it
        ("There is no trust between managers and staff.", {"trust"}),
        ("It is not bureaucratic at all.", {"bureaucracy"}),
        ("We did not cope.", set()),
        ("We could not cope, but we bounced back.", {"resilience"}),
        # multi-label
        ("Trust grew and the paperwork halved; we coped.", {"trust", "bureaucracy", "resilience"}),
        ("", set()),
        ("Lovely weather.", set()),
    ],
)
def test_tags(tagger, text, themes):
    pred = tagger.predict([text])[0]
    assert {t for t, v in zip(tagger.classes_, pred, strict=True) if v} == themes


def test_negation_is_marked_in_evidence(tagger):
    (ev,) = tagger.explain(["There is no trust here. We trust them now."])
    flags = [(e.matched, e.negated) for e in ev["trust"]]
    assert flags == [("trust", True), ("trust", False)]


def test_evidence_offsets_point_into_original_text(tagger):
    text = "First sentence.  Staff feel TRUSTED; the Paperwork is lighter."
    (ev,) = tagger.explain([text])
    for items in ev.values():
        for e in items:
            assert text[e.start : e.end] == e.matched
            assert e.sentence in text
            assert e.sent_start <= e.start < e.end <= e.sent_end
    assert ev["trust"][0].matched == "TRUSTED"
    assert ev["trust"][0].sentence == "Staff feel TRUSTED; the Paperwork is lighter."


def test_scores_grow_with_evidence(tagger):
    p = tagger.predict_proba(["paperwork", "paperwork and red tape", "nothing"])
    col = list(tagger.classes_).index("bureaucracy")
    assert p[0, col] == pytest.approx(0.6)
    assert p[1, col] == pytest.approx(1 - 0.4**2.5)
    assert p[2, col] == 0.0


def test_min_hits_and_threshold(tiny_codebook):
    strict = RulesTagger(codebook=tiny_codebook, min_hits=2).fit()
    col = list(strict.classes_).index("bureaucracy")
    assert strict.predict(["paperwork"])[0, col] == 0
    assert strict.predict(["paperwork and forms"])[0, col] == 1


def test_estimator_contract(tagger, tiny_codebook):
    unfitted = RulesTagger(codebook=tiny_codebook)
    with pytest.raises(NotFittedError):
        unfitted.predict(["x"])
    assert unfitted.fit() is unfitted
    c = clone(tagger)
    assert c.get_params() == tagger.get_params()
    assert not hasattr(c, "classes_")
    restored = pickle.loads(pickle.dumps(tagger))
    texts = ["paperwork and trust", "no"]
    assert np.array_equal(restored.predict(texts), tagger.predict(texts))
    with pytest.raises(ValueError, match="got str"):
        tagger.predict("a bare string")
    with pytest.raises(ValueError, match="threshold"):
        RulesTagger(codebook=tiny_codebook, threshold=0).fit()


def test_dataframe_input(tagger):
    import pandas as pd

    X = pd.DataFrame({"text": ["paperwork", None], "question": ["q", "q"]})
    assert tagger.predict(X).shape == (2, 3)
    with pytest.raises(ValueError, match="'text' column"):
        tagger.predict(pd.DataFrame({"body": ["x"]}))


def test_default_codebook_tags_its_own_examples():
    tagger = RulesTagger().fit()
    cb = tagger.codebook_
    for i, theme in enumerate(cb.themes):
        if not theme.examples or not theme.terms:
            pytest.skip("default codebook has no terms yet")
        hits = tagger.predict(list(theme.examples))[:, i]
        assert hits.mean() >= 0.6, theme.id


@pytest.mark.parametrize(
    "text",
    [
        "Paperwork first.\nStaff feel trusted now.",
        "Paperwork first.\r\n\r\n  Trust came back.\n",
        "\nWe trust them.",
    ],
)
def test_sentence_offsets_equal_the_sentence_text(tagger, text):
    (ev,) = tagger.explain([text])
    items = [e for v in ev.values() for e in v]
    assert items
    for e in items:
        assert text[e.sent_start : e.sent_end] == e.sentence
        assert not text[e.sent_start].isspace()


@pytest.mark.slow
@pytest.mark.parametrize(
    "raw, config",
    [
        ("2026-spring/cls_survey_spring_2026.csv", "spring_2026.yaml"),
        ("2026-autumn/cls_survey_autumn_2026.xlsx", "autumn_2026.yaml"),
    ],
)
def test_sentence_offsets_on_the_sample_waves(raw, config):
    import yaml

    from cls_text.io.readers import read_table

    root = Path(__file__).resolve().parents[1] / "data"
    cfg = yaml.safe_load((root / "configs" / config).read_text(encoding="utf-8"))
    table = read_table(root / "raw" / raw, sheet=cfg.get("sheet"), encoding=cfg.get("encoding"))
    texts = [
        str(v)
        for q in cfg["columns"]["questions"]
        for v in table.frame[q].tolist()
        if isinstance(v, str) and v.strip()
    ]
    tagger = RulesTagger().fit()
    pairs = [
        (t, e)
        for t, ev in zip(texts, tagger.explain(texts), strict=True)
        for items in ev.values()
        for e in items
    ]
    assert len(pairs) > 1000
    assert [e for t, e in pairs if t[e.sent_start : e.sent_end] != e.sentence] == []
