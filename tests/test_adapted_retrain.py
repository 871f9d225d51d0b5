"""Learning that never makes it worse: retrain builds on the tagger in use, theme by theme."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator

from cls_text import schema as S
from cls_text.codebook.model import load_codebook, parse_codebook
from cls_text.io import coded as cs
from cls_text.review.retrain import adapted_candidate, in_use_tagger, retrain_and_save
from cls_text.tag.adapt import AdaptedTagger
from cls_text.tag.embeddings import HashingEmbedder
from cls_text.tag.thresholds import with_best_theme

CB = parse_codebook(
    {
        "id": "mini",
        "name": "Mini",
        "version": "1.0.0",
        "themes": [
            {"id": "waiting", "label": "Waiting", "definition": "Waiting for help."},
            {"id": "garden", "label": "Garden", "definition": "Gardens and green space."},
        ],
    }
)


class StubDefault(BaseEstimator):
    """A fixed 'default' tagger: right about waiting, fooled by 'green' for garden."""

    def __init__(self) -> None:
        self.classes_ = np.array(["waiting", "garden"], dtype=object)

    def fit(self, X, y=None):  # pragma: no cover - never refitted
        return self

    def predict_proba(self, X):
        texts = list(X[S.TEXT]) if isinstance(X, pd.DataFrame) else list(X)
        return np.array(
            [[0.9 if "wait" in t else 0.1, 0.7 if "green" in t else 0.2] for t in texts]
        )

    def predict(self, X):
        return (self.predict_proba(X) >= 0.5).astype(np.int64)

    def explain(self, X):
        return [{} for _ in range(len(X))]


PHRASES = [
    ("we sat in the garden", (0, 1)),
    ("the garden group saved me", (0, 1)),
    ("our community garden", (0, 1)),
    ("planting in the garden with neighbours", (0, 1)),
    ("a long wait for the garden plot", (1, 1)),
    ("green light from the council at last", (0, 0)),
    ("the green form was a pain", (0, 0)),
    ("we had to wait weeks", (1, 0)),
    ("nothing to add", (0, 0)),
]


def _quotes(n: int, seed: int) -> tuple[list[str], np.ndarray]:
    rng = np.random.default_rng(seed)
    texts, Y = [], []
    for i in range(n):
        text, y = PHRASES[int(rng.integers(len(PHRASES)))] if i >= len(PHRASES) else PHRASES[i]
        texts.append(f"{text} {int(rng.integers(10_000))}")
        Y.append(y)
    return texts, np.array(Y)


def _f1(pred: np.ndarray, true: np.ndarray) -> float:
    d = pred.sum() + true.sum()
    return float(2 * (pred & true).sum() / d) if d else 1.0


def test_twenty_corrections_never_score_below_the_default_on_held_out_quotes():
    base = StubDefault()
    emb = HashingEmbedder(dim=64)
    held_texts, held_Y = _quotes(200, seed=99)
    learned = 0
    for seed in range(5):  # several reviewers' 20 corrections
        texts, Y = _quotes(20, seed=seed)
        ad = AdaptedTagger(base=base, embedder=emb).fit(texts, Y)
        mine, theirs = ad.predict(held_texts), base.predict(held_texts)
        for j, theme in enumerate(base.classes_):
            assert _f1(mine[:, j], held_Y[:, j]) >= _f1(theirs[:, j], held_Y[:, j]), (seed, theme)
        if ad.report_["garden"]["decision"] == "adapted":
            learned += 1
            assert _f1(mine[:, 1], held_Y[:, 1]) > _f1(theirs[:, 1], held_Y[:, 1]) + 0.3
        # a theme with too few coded positives keeps the default's decisions exactly
        if Y[:, 0].sum() < ad.min_positives:
            assert ad.report_["waiting"]["decision"].startswith("base (too few")
            assert np.array_equal(mine[:, 0], theirs[:, 0])
    assert learned >= 1  # where the default is poor and corrections are many, they help


def _store(tmp_path: Path, n: int = 160) -> Path:
    texts, Y = _quotes(n, seed=7)
    ids = CB.theme_ids()
    recs = [
        {S.QUOTE_ID: f"q{i:03d}", cs.REVIEWER: "ann", S.TEXT: t, cs.CODEBOOK_VERSION: "1.0.0",
         S.THEMES: ";".join(ids[j] for j in range(len(ids)) if y[j]), cs.ORIGIN: "queue"}
        for i, (t, y) in enumerate(zip(texts, Y, strict=True))
    ]  # fmt: skip
    cs.append_decisions(tmp_path, recs, source_file="f", source_sha256="1" * 64)
    return tmp_path


def test_retrain_candidate_learns_on_top_of_the_tagger_in_use(tmp_path: Path):
    from cls_text.io import artifacts

    store = _store(tmp_path / "store")
    base = StubDefault()
    res, vdir = retrain_and_save(
        store, CB, tmp_path / "models", "themes", adapted_candidate(base), in_use=base,
        in_use_name="default", n_boot=0,
    )  # fmt: skip
    assert isinstance(res.candidate, AdaptedTagger) and res.candidate.base is base
    assert res.candidate_metrics["macro_f1"] >= res.current_metrics["macro_f1"]
    assert "tagger in use (default)" in res.decision.reason
    card = artifacts.read_card(tmp_path / "models", "themes", version="v1")
    assert card["model_class"].endswith("AdaptedTagger")
    assert card["retrain"]["compared_with"] == "default"


def test_candidate_factory_refuses_a_base_with_other_themes():
    with pytest.raises(ValueError, match="not the codebook's"):
        adapted_candidate(StubDefault())(["trust", "garden"])


@pytest.mark.slow
def test_in_use_tagger_is_the_shipped_default_for_the_default_codebook():
    tagger, kind = in_use_tagger(load_codebook())
    assert kind == "default" and hasattr(tagger, "predict_proba")


def _coded_csv(tmp_path: Path, n: int) -> tuple[Path, Path]:
    texts, Y = _quotes(n, seed=3)
    rows = pd.DataFrame({S.TEXT: texts, "waiting": Y[:, 0], "garden": Y[:, 1]})
    coded = tmp_path / "coded.csv"
    rows.to_csv(coded, index=False)
    cb = tmp_path / "mini.yaml"
    cb.write_text(
        "id: mini\nname: Mini\nversion: 1.0.0\nthemes:\n"
        "  - {id: waiting, label: Waiting, definition: Waiting for help.}\n"
        "  - {id: garden, label: Garden, definition: Gardens and green space.}\n"
    )
    return coded, cb


def _train_on_stub(tmp_path: Path, n: int) -> dict:
    """``adapt_from_file`` on ``n`` coded quotes, built on the stub default."""
    from cls_text.tag.train_file import adapt_from_file

    coded, cb = _coded_csv(tmp_path, n)
    base = (StubDefault(), {"kind": "default", "name": "stub"})
    return adapt_from_file(
        coded, cb, "themes", tmp_path / "models", base=base, embedder=HashingEmbedder(dim=64)
    )


def test_train_from_a_coded_file_builds_on_the_base_and_saves_a_usable_model(tmp_path: Path):
    from cls_text.io import artifacts

    card = _train_on_stub(tmp_path, 120)
    assert card["model_class"].endswith("AdaptedTagger") and card["built_on"] == "default"
    assert card["adapted"]["garden"]["decision"] == "adapted"  # the base is fooled by 'green'
    model = artifacts.load_model(tmp_path / "models", "themes")
    held, held_Y = _quotes(200, seed=99)
    mine, base = model.predict(held)[:, 1], StubDefault().predict(held)[:, 1]
    assert _f1(mine, held_Y[:, 1]) > _f1(base, held_Y[:, 1])


def test_train_with_few_codes_keeps_the_base_for_every_theme(tmp_path: Path):
    card = _train_on_stub(tmp_path, 12)
    assert set(card["too_few_examples"]) == {"waiting", "garden"}
    assert all(e["decision"].startswith("base") for e in card["adapted"].values())


@pytest.mark.slow
def test_train_command_builds_on_the_default_unless_asked_from_scratch(tmp_path: Path):
    from typer.testing import CliRunner

    from flows.cli import app

    coded, cb = _coded_csv(tmp_path, 40)
    runner = CliRunner()
    args = ["train", str(coded), "--codebook", str(cb), "--models-dir", str(tmp_path / "m")]
    built = runner.invoke(app, [*args, "--name", "adapted"])
    assert built.exit_code == 0, built.output
    assert "Built on the zeroshot tagger" in built.output
    scratch = runner.invoke(app, [*args, "--name", "plain", "--from-scratch"])
    assert scratch.exit_code == 0, scratch.output
    assert "Built on" not in scratch.output
    from cls_text.io import artifacts

    assert artifacts.read_card(tmp_path / "m", "adapted")["model_class"].endswith("AdaptedTagger")
    assert artifacts.read_card(tmp_path / "m", "plain")["model_class"].endswith("SupervisedTagger")


class StubFillingDefault(StubDefault):
    """The stub with the shipped default's fill: an answer no theme clears gets its nearest."""

    best_theme_floor = 0.3
    trained_ = np.array([True, True])

    def thresholds(self):
        return np.array([0.5, 0.5])

    def predict(self, X):
        proba = self.predict_proba(X)
        return with_best_theme(proba, self.thresholds(), self.trained_, self.best_theme_floor)


def test_an_adapted_theme_neither_drops_the_fill_nor_keeps_one_beside_its_own_tag():
    base = StubFillingDefault()
    texts, Y = _quotes(60, seed=1)
    ad = AdaptedTagger(base=base, embedder=HashingEmbedder(dim=64)).fit(texts, Y)
    assert ad.report_["garden"]["decision"] == "adapted"
    assert ad.report_["waiting"]["decision"] != "adapted"
    held, _ = _quotes(300, seed=99)
    tags, proba = ad.predict(held), ad.predict_proba(held)
    head_t = ad.heads_[1][2]
    waiting_clears = proba[:, 0] >= 0.5
    garden_clears = proba[:, 1] >= head_t
    # where the head tags garden, waiting is tagged only where it clears its own threshold
    assert np.array_equal(tags[garden_clears, 0], waiting_clears[garden_clears].astype(int))
    # an answer nothing clears still gets its nearest theme when it comes close enough
    share = np.c_[proba[:, 0] / 0.5, proba[:, 1] / head_t]
    none = ~waiting_clears & ~garden_clears
    assert none.any()
    filled = none & (share.max(axis=1) >= base.best_theme_floor)
    assert filled.any() and (tags[filled].sum(axis=1) == 1).all()
    assert (tags[none & ~filled].sum(axis=1) == 0).all()
