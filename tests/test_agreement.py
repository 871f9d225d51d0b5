from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cls_text import schema as S
from cls_text.codebook.model import parse_codebook
from cls_text.io import coded as cs
from cls_text.review.agreement import (
    agreement_summary,
    decision_matrix,
    format_methods,
    human_agreement,
    tagger_agreement,
)
from cls_text.review.evaluate import cohen_kappa

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


def decisions(rows: list[tuple[str, str, str]], origin: str = "audit") -> pd.DataFrame:
    return pd.DataFrame(
        [{S.QUOTE_ID: q, cs.REVIEWER: r, S.THEMES: t, cs.ORIGIN: origin} for q, r, t in rows]
    )


def tagged(tags: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {S.QUOTE_ID: q, "trust": int("trust" in t), "waiting": int("waiting" in t)}
            for q, t in tags.items()
        ]
    )


def test_decision_matrix_filters_origin():
    d = pd.concat([decisions([("a", "ann", "trust")]), decisions([("b", "ann", "")], "queue")])
    m = decision_matrix(d, CB)
    assert m.to_dict("records") == [{S.QUOTE_ID: "a", cs.REVIEWER: "ann", "trust": 1, "waiting": 0}]


def test_tagger_agreement_counts_only_reviewed_quotes():
    tags = {f"q{i}": ("trust" if i % 2 else "") for i in range(20)}
    # ann reviewed 10 quotes; agrees on 8 of them for trust; 10 others unreviewed (and empty
    # on both sides) must not inflate agreement.
    rows = [(f"q{i}", "ann", tags[f"q{i}"]) for i in range(8)]
    rows += [("q8", "ann", "trust"), ("q9", "ann", "")]  # one FP-for-tagger, one FN
    res = tagger_agreement(decisions(rows), tagged(tags), CB, n_boot=200)
    assert res["n_quotes"] == 10 and res["n_decisions"] == 10
    tr = res["per_theme"]["trust"]
    assert (tr["support"], tr["predicted"]) == (5, 5)
    assert tr["precision"] == pytest.approx(0.8) and tr["recall"] == pytest.approx(0.8)
    lo, hi = res["ci"]["per_theme"]["trust"]["f1"]
    assert lo <= tr["f1"] <= hi and lo < hi
    assert res["ci"]["per_theme"]["waiting"]["f1"] is None  # never tagged by anyone
    lo, hi = res["ci"]["micro_f1"]
    assert 0 <= lo <= res["micro_f1"] <= hi <= 1
    # reproducible
    again = tagger_agreement(decisions(rows), tagged(tags), CB, n_boot=200)
    assert again["ci"] == res["ci"]


def test_tagger_agreement_empty():
    res = tagger_agreement(decisions([("zz", "ann", "")]), tagged({"a": ""}), CB)
    assert res["n_quotes"] == 0 and "micro_f1" not in res


def test_human_agreement_and_band():
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 2, 60)
    ann = truth.copy()
    bob = truth.copy()
    bob[:6] = 1 - bob[:6]  # bob disagrees on 6 of 60
    machine = truth.copy()
    machine[:25] = 1 - machine[:25]  # the tagger is much worse
    rows = []
    for i in range(60):
        rows.append((f"q{i}", "ann", "trust" if ann[i] else ""))
        rows.append((f"q{i}", "bob", "trust" if bob[i] else ""))
    rows.append(("solo", "ann", "trust"))  # coded by one reviewer only: not in human figures
    tags = {f"q{i}": ("trust" if machine[i] else "") for i in range(60)} | {"solo": ""}
    res = human_agreement(decisions(rows), CB, tagged=tagged(tags), n_boot=300)
    assert res["n_quotes"] == 60 and res["reviewers"] == ["ann", "bob"]
    tr = res["per_theme"]["trust"]
    assert tr["kappa"] == pytest.approx(cohen_kappa(ann, bob), abs=1e-4)
    assert 0.7 < tr["alpha"] < 0.9
    assert tr["kappa_ci"][0] <= tr["kappa"] <= tr["kappa_ci"][1]
    assert tr["tagger_vs_band"] == "below"
    assert res["per_theme"]["waiting"]["alpha"] is None  # nobody ever ticked it


def test_human_agreement_needs_two_reviewers():
    res = human_agreement(decisions([("a", "ann", "trust")]), CB)
    assert res["per_theme"] == {} and "no quotes" in res["note"]


def test_summary_and_methods_text():
    tags = {f"q{i}": ("trust" if i % 3 else "waiting") for i in range(12)}
    rows = [(q, r, t) for q, t in tags.items() for r in ("ann", "bob")]
    summary = agreement_summary(decisions(rows), tagged(tags), CB, n_boot=100)
    assert summary["tagger_vs_reviewers"]["micro_f1"] == 1.0
    text = format_methods(summary)
    assert "blind audit" in text and "| trust |" in text and "Krippendorff" in text
    empty = agreement_summary(decisions([("x", "ann", "")]), tagged(tags), CB, n_boot=10)
    assert "No blind-audit quotes" in format_methods(empty)


def test_decisions_are_mapped_to_the_current_codebook():
    v2 = parse_codebook(
        {
            "id": "mini",
            "name": "Mini",
            "version": "2.0.0",
            "themes": [
                {"id": "trust", "label": "Trust", "definition": "d"},
                {"id": "waiting_times", "label": "Waiting", "definition": "d"},
            ],
            "changes": [
                {"version": "2.0.0", "op": "rename", "source": ["waiting"],
                 "target": ["waiting_times"]},
            ],
        }
    )  # fmt: skip
    d = decisions([("a", "ann", "waiting")]).assign(**{cs.CODEBOOK_VERSION: "1.0.0"})
    m = decision_matrix(d, v2)
    assert m.iloc[0]["waiting_times"] == 1 and m.iloc[0]["trust"] == 0
