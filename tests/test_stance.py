from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV

from cls_text.io.artifacts import save_model
from cls_text.tag.stance.model import (
    StanceModel,
    lexicon_stance,
    load_stance_model,
    predict_stance,
    sentiment_to_stance,
)

POS = [
    "staff were brilliant and kind",
    "great service, thank you",
    "really helpful and caring team",
    "excellent care from everyone",
    "lovely friendly nurses",
    "very good and quick",
]
NEG = [
    "waited hours, terrible",
    "rude and unhelpful staff",
    "awful delays and no information",
    "poor communication, very slow",
    "nobody listened, frustrating",
    "bad experience overall",
]
NEU = [
    "it was a visit",
    "I went on Tuesday",
    "the appointment was at ten",
    "ok I suppose",
    "came by ambulance",
    "saw the doctor",
]


def _data():
    X = POS + NEG + NEU
    y = ["+"] * 6 + ["-"] * 6 + ["0"] * 6
    return X, y


@pytest.mark.parametrize("score, stance", [(1, "+"), (2, "+"), (3, "0"), (4, "-"), (5, "-")])
def test_sentiment_mapping(score, stance):
    assert sentiment_to_stance(score) == stance


def test_sentiment_mapping_rejects_out_of_range():
    with pytest.raises(ValueError, match="1..5"):
        sentiment_to_stance(7)


@pytest.mark.parametrize(
    "sentence, stance",
    [
        ("Staff were really helpful", "+"),
        ("It was not helpful at all", "-"),
        ("Long delays and rude staff", "-"),
        ("I visited on Monday", "0"),
        ("Never rude, always kind", "+"),
    ],
)
def test_lexicon(sentence, stance):
    assert lexicon_stance(sentence) == stance


def test_model_learns_polarity_and_contract():
    X, y = _data()
    model = StanceModel(C=10.0)
    with pytest.raises(NotFittedError):
        model.predict(["x"])
    assert model.fit(X, y) is model
    assert set(model.classes_) == {"+", "-", "0"}
    pred = model.predict(["brilliant caring staff", "terrible rude wait", ""])
    assert list(pred) == ["+", "-", "0"]
    assert clone(model).get_params() == model.get_params()
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(model)).predict(X), model.predict(X))
    gs = GridSearchCV(StanceModel(), {"C": [1.0, 10.0]}, cv=3).fit(X, y)
    assert gs.best_params_["C"] in (1.0, 10.0)


def test_question_feature_changes_features():
    X, y = _data()
    frame = pd.DataFrame(
        {"text": X, "question": ["What was good?"] * 6 + ["What could improve?"] * 12}
    )
    with_q = StanceModel().fit(frame, y)
    without = StanceModel(use_question=False).fit(frame, y)
    assert with_q.clf_.coef_.shape[1] == without.clf_.coef_.shape[1] + 3


def test_predict_stance_uses_given_saved_or_fallback(tmp_path):
    X, y = _data()
    model = StanceModel(C=10.0).fit(X, y)
    assert predict_stance(["brilliant kind staff"], model=model) == ["+"]
    # no saved model: lexicon fallback
    assert load_stance_model(tmp_path / "empty") is None
    assert predict_stance(["not helpful"], models_dir=tmp_path / "empty") == ["-"]
    save_model(
        model,
        tmp_path,
        "stance",
        codebook=None,
        train_sha256="0" * 64,
        cv_metrics=None,
        params=model.get_params(),
    )
    out = predict_stance(
        ["terrible rude wait", "lovely caring"], ["Why?", "Why?"], models_dir=tmp_path
    )
    assert out == ["-", "+"]
    assert predict_stance([]) == []
    with pytest.raises(ValueError, match="got str"):
        predict_stance("a sentence")
    with pytest.raises(ValueError, match="1 questions for 2 sentences"):
        predict_stance(["a", "b"], ["q"], model=model)


def test_shipped_model_if_present():
    model = load_stance_model()
    if model is None:
        pytest.skip("shipped stance model not built")
    out = predict_stance(
        ["The staff were wonderful and kind.", "I waited six hours, it was awful."]
    )
    assert out == ["+", "-"]
