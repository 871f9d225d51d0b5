from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score, f1_score

from cls_text.review.evaluate import cohen_kappa, evaluate_file, evaluate_tags, format_report
from cls_text.tag.embeddings import HashingEmbedder

CLASSES = ["a", "b", "c"]


def test_matches_sklearn_on_random_tags():
    rng = np.random.default_rng(0)
    t = rng.integers(0, 2, size=(60, 3))
    p = rng.integers(0, 2, size=(60, 3))
    m = evaluate_tags(t, p, CLASSES, min_support=0)
    assert m["micro_f1"] == pytest.approx(f1_score(t, p, average="micro"), abs=1e-4)
    assert m["macro_f1"] == pytest.approx(f1_score(t, p, average="macro"), abs=1e-4)
    assert m["samples_f1"] == pytest.approx(
        f1_score(t, p, average="samples", zero_division=0), abs=1e-4
    )
    for j, c in enumerate(CLASSES):
        assert m["per_theme"][c]["kappa"] == pytest.approx(
            cohen_kappa_score(t[:, j], p[:, j]), abs=1e-4
        )
        assert m["per_theme"][c]["support"] == int(t[:, j].sum())


def test_known_small_case():
    t = np.array([[1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 0, 0]])
    p = np.array([[1, 0, 0], [0, 1, 0], [0, 1, 1], [0, 0, 0]])
    m = evaluate_tags(t, p, CLASSES, min_support=2)
    assert m["per_theme"]["a"] == {
        "precision": 1.0,
        "recall": 0.5,
        "f1": 0.6667,
        "kappa": 0.5,
        "support": 2,
        "predicted": 1,
    }
    assert m["per_theme"]["c"]["f1"] == 0.0 and m["per_theme"]["c"]["support"] == 0
    # macro over themes with any tag (a, b, c); macro_min over support >= 2 (a, b)
    assert m["macro_f1"] == pytest.approx((0.6667 + 1.0 + 0.0) / 3, abs=1e-3)
    assert m["macro_f1_min"] == pytest.approx((0.6667 + 1.0) / 2, abs=1e-3)
    assert m["micro_f1"] == pytest.approx(2 * 3 / (2 * 3 + 1 + 1), abs=1e-4)
    json.dumps(m)
    assert "micro-F1 0.750" in format_report(m)


def test_kappa_edge_cases():
    assert cohen_kappa(np.zeros(5), np.zeros(5)) == 1.0
    assert cohen_kappa(np.ones(4), np.ones(4)) == 1.0
    assert cohen_kappa(np.array([]), np.array([])) == 0.0
    assert cohen_kappa(np.array([1, 0]), np.array([0, 1])) == pytest.approx(-1.0)


def test_shape_errors():
    with pytest.raises(ValueError, match="same shape"):
        evaluate_tags(np.zeros((3, 2)), np.zeros((2, 2)), ["a", "b"])
    with pytest.raises(ValueError, match="3 classes for 2 columns"):
        evaluate_tags(np.zeros((3, 2)), np.zeros((3, 2)), CLASSES)


def test_train_then_evaluate_file_end_to_end(tmp_path):
    from cls_text.tag.supervised import train_from_file

    cb = tmp_path / "cb.yaml"
    cb.write_text(
        "id: tiny\nname: Tiny\nversion: 1.0.0\nthemes:\n"
        "  - {id: waiting, label: Waiting, definition: Waiting times}\n"
        "  - {id: parking, label: Parking, definition: Car parking}\n"
    )
    rows = [
        ("long wait again", "waiting"),
        ("waited for hours", "waiting"),
        ("slow and long wait", "waiting"),
        ("waiting list", "waiting"),
        ("the wait was long", "waiting"),
        ("we had to wait", "waiting"),
        ("parking was full", "parking"),
        ("no parking", "parking"),
        ("parking costs", "parking"),
        ("car parking", "parking"),
        ("parking spaces", "parking"),
        ("parking again", "parking"),
        ("lovely day", ""),
    ]
    coded = tmp_path / "coded.csv"
    coded.write_text("text,themes\n" + "\n".join(f"{t},{c}" for t, c in rows) + "\n")
    card = train_from_file(
        coded, cb, "tiny", tmp_path / "models", embedder=HashingEmbedder(16), cv=3
    )
    assert card["version"] == "v1" and card["too_few_examples"] == []
    assert card["codebook"]["id"] == "tiny" and len(card["train_data_sha256"]) == 64
    assert set(card["cv_metrics"]["per_theme"]) == {"waiting", "parking"}
    out = tmp_path / "eval.json"
    m = evaluate_file(coded, "tiny", tmp_path / "models", codebook_path=cb, out=out)
    assert m["model"] == {"name": "tiny", "version": "v1"}
    assert m["micro_f1"] > 0.8
    assert json.loads(out.read_text())["per_theme"]["parking"]["support"] == 6
