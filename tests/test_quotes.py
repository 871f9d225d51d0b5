from __future__ import annotations

import json

import pandas as pd
import pytest

from cls_text import schema
from cls_text.report.quotes import select_quotes, small_groups

EVID = json.dumps([{"term": "trust", "negated": False}])
BASE = [
    "Managers trust us to make decisions now and it shows in how we work with people.",
    "There is real trust between the team and the families we support these days.",
    "I feel trusted to use my judgement without ringing three people for permission first.",
    "We are finally trusted as professionals, the sign-off culture has gone for good.",
    "Being trusted to spend small amounts without forms has changed my whole week.",
    "Trust has grown since the hub opened, people come back because they know us.",
]


def _row(i, site, rtype, text, score=0.9, stance="+", tagged=1, evidence=EVID, nonsub=False):
    return {
        schema.QUOTE_ID: f"q{i:03d}",
        schema.RESPONDENT_ID: f"{site}-{rtype}-{i}",
        schema.RESPONDENT_TYPE: rtype,
        schema.SITE: site,
        schema.WAVE: "2026-W1",
        schema.TEXT: text,
        schema.NON_SUBSTANTIVE: nonsub,
        "trust": tagged,
        "trust_score": score,
        "trust_stance": stance if tagged else "",
        "trust_evidence": evidence if tagged else "[]",
    }


@pytest.fixture
def tagged() -> pd.DataFrame:
    rows = []
    i = 0
    for site in ("Alpha", "Beta"):  # 6 staff each: quotable
        for k in range(6):
            rows.append(_row(i, site, "staff", BASE[k] + f" ({site})", score=0.5 + k / 20))
            i += 1
    for k in range(3):  # Gamma has 3 staff only: suppressed, even with the best scores
        rows.append(_row(i, "Gamma", "staff", BASE[k] + " Gamma is great.", score=1.0))
        i += 1
    for k in range(5):  # Alpha community members: 5 = exactly the threshold
        text = "As a carer I trust the Talking Point staff to listen and follow things up well."
        rows.append(_row(i, "Alpha", "community member", text + f" Visit {k}.", stance="-"))
        i += 1
    return pd.DataFrame(rows)


def test_small_number_suppression(tagged):
    out = select_quotes(tagged, "trust", n=20)
    assert "Gamma" not in set(out[schema.SITE])
    groups = small_groups(tagged)
    assert groups[schema.SITE].tolist() == ["Gamma"] and groups["n"].tolist() == [3]


def test_threshold_is_inclusive_and_respondents_are_distinct(tagged):
    out = select_quotes(tagged, "trust", n=20, respondent_type="community member")
    assert len(out) >= 1  # 5 respondents: allowed
    dup = tagged.copy()
    mask = (dup[schema.SITE] == "Alpha") & (dup[schema.RESPONDENT_TYPE] == "community member")
    dup.loc[mask, schema.RESPONDENT_ID] = "same-person"  # 5 answers, 1 respondent
    assert select_quotes(dup, "trust", n=20, respondent_type="community member").empty


def test_returns_ids_ranked_diverse_and_deterministic(tagged):
    out = select_quotes(tagged, "trust", n=3, stance="+", seed=1)
    assert list(out.columns) == [
        "quote_id",
        "respondent_type",
        "site",
        "text",
        "score",
        "stance",
        "rank",
    ]
    assert len(out) == 3 and out["rank"].tolist() == [1, 2, 3]
    assert set(out["stance"]) == {"positive"}  # old codes in, words out
    assert out[schema.QUOTE_ID].str.fullmatch(r"q\d{3}").all()
    assert out[schema.SITE].nunique() == 2  # spread over sites
    # near-duplicates (same base sentence at two sites) are not both chosen
    bases = out[schema.TEXT].str.replace(r" \((Alpha|Beta)\)$", "", regex=True)
    assert bases.is_unique
    pd.testing.assert_frame_equal(out, select_quotes(tagged, "trust", n=3, stance="+", seed=1))


def test_filters_length_placeholders_non_substantive_and_leftover_pii(tagged):
    extra = [
        _row(100, "Alpha", "staff", "Trust is good.", score=1.0),  # too short
        _row(101, "Alpha", "staff", "[NAME] told [NAME] that [NAME] trusts [NAME] now.", 1.0),
        _row(102, "Alpha", "staff", "I trust them all, see " + "very " * 10, 1.0, nonsub=True),
        _row(103, "Alpha", "staff", "I trust them a lot, ring me on 07700 900123 any time.", 1.0),
        _row(104, "Alpha", "staff", " ".join(["trust"] * 61), score=1.0),  # too long
        _row(105, "Alpha", "staff", "Not about trust at all but tagged zero here.", 1.0, tagged=0),
    ]
    df = pd.concat([tagged, pd.DataFrame(extra)], ignore_index=True)
    out = select_quotes(df, "trust", n=50)
    assert not set(out[schema.QUOTE_ID]) & {f"q{i}" for i in range(100, 106)}


def test_stance_and_type_filters(tagged):
    out = select_quotes(tagged, "trust", n=10, stance="-")
    assert set(out[schema.RESPONDENT_TYPE]) == {"community member"}
    assert select_quotes(tagged, "trust", n=10, stance="-", respondent_type="staff").empty
    # the stance words the tagged table now holds select the same quotes as the old codes
    words = tagged.assign(
        trust_stance=tagged["trust_stance"].map({"+": "positive", "-": "negative", "": ""})
    )
    again = select_quotes(words, "trust", n=10, stance="negative")
    assert again["quote_id"].tolist() == out["quote_id"].tolist()


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n": 0}, "n >= 1"),
        ({"min_words": 10, "max_words": 5}, "min_words <= max_words"),
        ({"stance": "good"}, "stance must be"),
    ],
)
def test_argument_errors(tagged, kwargs, match):
    with pytest.raises(ValueError, match=match):
        select_quotes(tagged, "trust", **kwargs)


def test_missing_theme_column(tagged):
    with pytest.raises(ValueError, match="lacks column"):
        select_quotes(tagged, "nosuch")


def test_a_theme_with_many_candidates_is_quoted_from_its_highest_scoring(tagged, monkeypatch):
    import cls_text.report.quotes as q

    monkeypatch.setattr(q, "MAX_CANDIDATES", 4)
    out = select_quotes(tagged, "trust", n=20)
    eligible = tagged[tagged[schema.SITE] != "Gamma"]  # the small group stays out first
    best = eligible.sort_values("trust_score", ascending=False, kind="stable").head(4)
    assert 0 < len(out) <= 4
    assert set(out[schema.QUOTE_ID]) <= set(best[schema.QUOTE_ID])
