from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV

from cls_text.errors import InputFileError
from cls_text.io.coded_file import read_coded
from cls_text.schema import Evidence
from cls_text.tag.embeddings import HashingEmbedder
from cls_text.tag.supervised import SupervisedTagger

THEMES = ["waiting", "kindness", "parking", "rare"]
_WAIT = [
    "waited hours for an appointment",
    "the wait was far too long",
    "long delays before I was seen",
    "waiting times were terrible",
    "we waited weeks for a reply",
    "slow to respond, long wait",
    "the queue and waiting was awful",
    "delays and waiting again",
    "had to wait a long time",
    "waiting list is too long",
]
_KIND = [
    "staff were kind and caring",
    "the nurse was so kind",
    "caring, friendly staff",
    "kind people who listened",
    "very kind and helpful team",
    "friendly and caring manner",
    "kind words from the doctor",
    "lovely caring staff",
    "so kind to my mother",
    "kind and patient staff",
]
_PARK = [
    "parking was impossible",
    "no parking spaces at all",
    "car parking costs too much",
    "parking is expensive",
    "could not find parking",
    "parking charges are high",
    "more parking please",
    "the car park was full",
    "parking near the entrance",
    "parking fees",
]


def _data(with_question: bool = False):
    texts = _WAIT + _KIND + _PARK + ["kind staff but a long wait", "the rare thing happened", ""]
    Y = np.zeros((len(texts), len(THEMES)), dtype=int)
    Y[:10, 0] = 1
    Y[10:20, 1] = 1
    Y[20:30, 2] = 1
    Y[30, [0, 1]] = 1
    Y[31, 3] = 1
    if with_question:
        q = ["What could be better?"] * 10 + ["What was good?"] * 10 + ["Why?"] * 13
        return pd.DataFrame({"text": texts, "question": q}), Y
    return texts, Y


def _tagger(**kw):
    params = dict(classes=THEMES, embedder=HashingEmbedder(dim=32), cv=3, min_examples=5, C=4.0)
    params.update(kw)
    return SupervisedTagger(**params)


@pytest.mark.parametrize("estimator", ["ridge", "svm", "logreg"])
def test_fit_predict_learns_the_themes(estimator):
    X, Y = _data()
    tagger = _tagger(estimator=estimator)
    assert tagger.fit(X, Y) is tagger
    pred = tagger.predict(["we waited for hours and hours", "the parking was full", "kind nurse"])
    assert pred.shape == (3, 4)
    assert pred[0, 0] == 1 and pred[1, 2] == 1 and pred[2, 1] == 1
    assert list(tagger.classes_) == THEMES


def test_too_few_examples_are_reported_and_never_predicted():
    X, Y = _data()
    tagger = _tagger().fit(X, Y)
    assert tagger.too_few_examples_ == ["rare"]
    proba = tagger.predict_proba(["the rare thing happened", "rare rare"])
    assert (proba[:, 3] == 0).all()
    assert tagger.predict(["the rare thing happened"])[0, 3] == 0


def test_thresholds_are_tuned_per_theme_and_probabilities_bounded():
    X, Y = _data()
    tagger = _tagger().fit(X, Y)
    assert tagger.thresholds_.shape == (4,)
    assert ((tagger.thresholds_[:3] > 0) & (tagger.thresholds_[:3] < 1)).all()
    assert tagger.thresholds_[3] == 1.0  # unlearnable theme: never reached
    proba = tagger.predict_proba(X)
    assert ((proba >= 0) & (proba <= 1)).all()
    np.testing.assert_array_equal(tagger.predict(X), (proba >= tagger.thresholds_).astype(int))
    assert tagger.cv_metrics_["per_theme"]["parking"]["f1"] > 0.5


def test_blank_texts_get_no_themes():
    X, Y = _data()
    tagger = _tagger().fit(X, Y)
    assert tagger.predict(["", "   "]).sum() == 0


def test_dataframe_input_with_question_context():
    X, Y = _data(with_question=True)
    tagger = _tagger().fit(X, Y)
    pred = tagger.predict(
        pd.DataFrame({"text": ["waited ages"], "question": ["What could be better?"]})
    )
    assert pred[0, 0] == 1
    no_q = _tagger(use_question=False).fit(X, Y)
    assert no_q.n_features_ == tagger.n_features_ - 3


def test_input_validation():
    X, Y = _data()
    with pytest.raises(ValueError, match="expected an iterable of texts, got str"):
        _tagger().fit("one text", Y)
    with pytest.raises(ValueError, match="rows but X has"):
        _tagger().fit(X[:5], Y)
    bad = Y.copy()
    bad[2, 1] = 2
    with pytest.raises(ValueError, match="row 2, column '1'"):
        _tagger().fit(X, bad)
    with pytest.raises(ValueError, match="classes has 2 ids"):
        _tagger(classes=["a", "b"]).fit(X, Y)
    with pytest.raises(ValueError, match="estimator must be one of"):
        _tagger(estimator="forest").fit(X, Y)
    with pytest.raises(ValueError, match="expected a DataFrame with a 'text' column"):
        _tagger().fit(pd.DataFrame({"answer": X}), Y)


def test_classes_from_dataframe_columns():
    X, Y = _data()
    tagger = SupervisedTagger(embedder=None, cv=3).fit(X, pd.DataFrame(Y, columns=THEMES))
    assert list(tagger.classes_) == THEMES


def test_estimator_contract():
    X, Y = _data()
    tagger = _tagger(C=2.0)
    with pytest.raises(NotFittedError):
        tagger.predict(["x"])
    cloned = clone(tagger)
    assert cloned.get_params()["C"] == 2.0
    assert (
        clone(tagger).set_params(**tagger.get_params()).get_params().keys()
        == tagger.get_params().keys()
    )
    tagger.fit(X, Y)
    first = tagger.predict(X)
    restored = pickle.loads(pickle.dumps(tagger))
    np.testing.assert_array_equal(restored.predict(X), first)
    # refitting ignores the earlier fit
    refit = clone(tagger).set_params(classes=THEMES[:2]).fit(X[:20], Y[:20, :2])
    assert list(refit.classes_) == THEMES[:2]


def test_grid_search():
    X, Y = _data()
    X = X * 2
    Y = np.vstack([Y, Y])
    search = GridSearchCV(_tagger(), {"C": [0.5, 4.0]}, cv=2, scoring="f1_micro")
    search.fit(X, Y)
    assert search.best_params_["C"] in (0.5, 4.0)
    assert search.predict(["the wait was long"]).shape == (1, 4)


def test_explain_returns_best_sentence_as_evidence():
    X, Y = _data()
    tagger = _tagger().fit(X, Y)
    text = "The parking was full. Staff were kind and caring."
    ev = tagger.explain([text, ""])
    assert ev[1] == {}
    assert set(ev[0]) == {"parking", "kindness"}
    park = ev[0]["parking"][0]
    assert isinstance(park, Evidence) and park.source == "supervised"
    assert text[park.start : park.end] == park.sentence == "The parking was full."
    assert "kind" in ev[0]["kindness"][0].sentence


def test_read_coded_wide_and_themes_column(tmp_path):
    from cls_text.codebook.model import parse_codebook

    cb = parse_codebook(
        {
            "id": "t",
            "name": "T",
            "version": "1.0.0",
            "themes": [{"id": t, "label": t, "definition": t} for t in THEMES],
        }
    )
    wide = tmp_path / "wide.csv"
    wide.write_text("text,question,waiting,parking\nlong wait,Q,1,\nfull car park,Q,0,1\n")
    frame, Y = read_coded(wide, cb)
    assert list(frame["text"]) == ["long wait", "full car park"]
    np.testing.assert_array_equal(Y, [[1, 0, 0, 0], [0, 0, 1, 0]])
    long = tmp_path / "long.csv"
    long.write_text("text,themes\nlong wait,waiting;kindness\nnothing,\n")
    _, Y2 = read_coded(long, cb)
    np.testing.assert_array_equal(Y2, [[1, 1, 0, 0], [0, 0, 0, 0]])
    bad = tmp_path / "bad.csv"
    bad.write_text("text,themes\nlong wait,waiting;queues\n")
    with pytest.raises(InputFileError, match="row 2, column 'themes': unknown theme id 'queues'"):
        read_coded(bad, cb)
    badv = tmp_path / "badv.csv"
    badv.write_text("text,waiting\nx,yes\n")
    with pytest.raises(InputFileError, match="row 2, column 'waiting': value 'yes'"):
        read_coded(badv, cb)
    none = tmp_path / "none.csv"
    none.write_text("text,foo\nx,1\n")
    with pytest.raises(InputFileError, match="has no codes"):
        read_coded(none, cb)
    notext = tmp_path / "notext.csv"
    notext.write_text("answer,waiting\nx,1\n")
    with pytest.raises(InputFileError, match="has no 'text' column"):
        read_coded(notext, cb)
