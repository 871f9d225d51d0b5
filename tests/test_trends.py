from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from test_report_fixture import THEME_IDS, W1, W2, load_fixture, wave

from cls_text.report import trends


@pytest.fixture(scope="module")
def fixture_df() -> pd.DataFrame:
    return load_fixture()


def _row(frame: pd.DataFrame, **where) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for col, value in where.items():
        mask &= frame[col] == value
    assert mask.sum() == 1, (where, frame)
    return frame.loc[mask].iloc[0]


# --- Wilson ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "k, n, low, high",
    [
        (31, 100, 0.2278, 0.4063),  # the textbook example; matches statsmodels method="wilson"
        (0, 10, 0.0, 0.2775),  # z^2 / (n + z^2)
        (10, 10, 0.7225, 1.0),
        (1, 2, 0.0945, 0.9055),
    ],
)
def test_wilson_interval_matches_hand_computed_values(k, n, low, high):
    got = trends.wilson_interval(k, n)
    assert got == pytest.approx((low, high), abs=5e-5)


def test_wilson_interval_agrees_with_statsmodels():
    from statsmodels.stats.proportion import proportion_confint

    for k, n in [(0, 1), (3, 7), (50, 51), (120, 400)]:
        assert trends.wilson_interval(k, n) == pytest.approx(
            proportion_confint(k, n, method="wilson"), abs=1e-9
        )


def test_wilson_interval_empty_base_is_nan_and_bad_input_raises():
    low, high = trends.wilson_interval(0, 0)
    assert math.isnan(low) and math.isnan(high)
    with pytest.raises(ValueError, match="k=5, n=3"):
        trends.wilson_interval(5, 3)
    with pytest.raises(ValueError, match="k=-1"):
        trends.wilson_interval(-1, 3)


# --- prevalence on the fixture (hand-counted) --------------------------------------------------
# Wave 2: 12 answers; 3 non-substantive (s2/q2, c3 x2) and 1 duplicate (s3/q2) leave 8 answers
# from 6 respondents (c3 gave nothing substantive). trust: answers 1,2,7,10 -> 4/8; respondents
# s1,s4,c2 -> 3/6 (s3's only trust tag is on the duplicate). money: answers 2,3,8,10 -> 4/8;
# respondents s1,s2,c1,c2 -> 4/6.


def test_prevalence_overall_counts(fixture_df):
    prev = trends.prevalence(wave(fixture_df, W2), THEME_IDS)
    assert list(prev["theme"]) == THEME_IDS
    trust = _row(prev, theme="trust")
    assert (trust.n_quotes, trust.k_quotes, trust.n_resp, trust.k_resp) == (8, 4, 6, 3)
    assert trust.share_quotes == 0.5 and trust.share_resp == 0.5
    assert (trust.ci_low, trust.ci_high) == pytest.approx(trends.wilson_interval(3, 6))
    money = _row(prev, theme="money")
    assert (money.n_quotes, money.k_quotes, money.n_resp, money.k_resp) == (8, 4, 6, 4)
    assert money.share_resp == pytest.approx(4 / 6)
    assert (money.ci_low_quotes, money.ci_high_quotes) == pytest.approx(
        trends.wilson_interval(4, 8)
    )
    partnership = _row(prev, theme="partnership")
    assert (partnership.k_quotes, partnership.k_resp, partnership.share_resp) == (0, 0, 0.0)


def test_prevalence_by_respondent_type(fixture_df):
    prev = trends.prevalence(wave(fixture_df, W2), THEME_IDS, by=["respondent_type"])
    staff = _row(prev, theme="trust", respondent_type="staff")
    assert (staff.n_quotes, staff.k_quotes, staff.n_resp, staff.k_resp) == (5, 3, 4, 2)
    comm = _row(prev, theme="money", respondent_type="community member")
    assert (comm.n_quotes, comm.k_quotes, comm.n_resp, comm.k_resp) == (3, 2, 2, 2)
    assert comm.share_resp == 1.0


def test_prevalence_not_coded_is_not_zero(fixture_df):
    # partnership is NA throughout wave 1: it must drop out of the base, not count as absent.
    prev = trends.prevalence(fixture_df, THEME_IDS)
    trust = _row(prev, theme="trust")
    assert (trust.n_quotes, trust.k_quotes, trust.n_resp, trust.k_resp) == (14, 5, 12, 4)
    partnership = _row(prev, theme="partnership")
    assert (partnership.n_quotes, partnership.n_resp) == (8, 6)
    by_wave = trends.prevalence(fixture_df, THEME_IDS, by=["wave"])
    assert list(by_wave.loc[by_wave["theme"] == "partnership", "wave"]) == [W2]


def test_prevalence_same_respondent_id_in_two_waves_counts_twice():
    df = pd.DataFrame(
        {"respondent_id": ["a", "a"], "wave": ["w1", "w2"], "non_substantive": [False, False]}
    ).assign(t=[1, 1])
    assert _row(trends.prevalence(df, ["t"]), theme="t").n_resp == 2


def test_prevalence_validates_and_does_not_mutate(fixture_df):
    before = fixture_df.copy()
    with pytest.raises(ValueError, match="got str"):
        trends.prevalence(fixture_df, "trust")
    with pytest.raises(ValueError, match="nope"):
        trends.prevalence(fixture_df, ["nope"])
    with pytest.raises(ValueError, match="region"):
        trends.prevalence(fixture_df, ["trust"], by=["region"])
    trends.prevalence(fixture_df, THEME_IDS, by=["wave", "site"])
    pd.testing.assert_frame_equal(fixture_df, before)


# --- change between waves ------------------------------------------------------------------


def test_wave_changes_on_fixture_match_hand_computed_tests(fixture_df):
    ch = trends.wave_changes(fixture_df, THEME_IDS)
    assert set(ch["theme"]) == {"trust", "money"}  # partnership was not coded in wave 1
    trust = _row(ch, theme="trust")
    assert (trust.previous_wave, trust.wave) == (W1, W2)
    assert (trust.k, trust.n, trust.previous_k, trust.previous_n) == (3, 6, 1, 6)
    # pooled p = 4/12; se = sqrt(1/3 * 2/3 * (1/6 + 1/6)); z = (1/2 - 1/6) / se
    assert trust.z == pytest.approx(1.2247449, abs=1e-6)
    assert trust.p_value == pytest.approx(0.2206714, abs=1e-6)
    money = _row(ch, theme="money")
    assert money.z == pytest.approx(0.5855400, abs=1e-6)
    assert money.p_value == pytest.approx(0.5581846, abs=1e-6)
    # Benjamini-Hochberg with m=2: 0.2207 * 2/1 = 0.4413; 0.5582 * 2/2 = 0.5582
    assert trust.p_adjusted == pytest.approx(0.4413427, abs=1e-6)
    assert money.p_adjusted == pytest.approx(0.5581846, abs=1e-6)
    assert not ch["significant"].any()
    assert trust.change == pytest.approx(1 / 3)


def _two_waves(k1: int, k2: int, n: int = 100) -> np.ndarray:
    return np.r_[np.ones(k1), np.zeros(n - k1), np.ones(k2), np.zeros(n - k2)].astype(int)


def test_wave_changes_flags_only_fdr_significant_changes():
    n = 100
    df = pd.DataFrame(
        {
            "respondent_id": [f"r{i}" for i in range(2 * n)],
            "wave": ["w1"] * n + ["w2"] * n,
            "date": ["2026-01-01"] * n + ["2026-06-01"] * n,
            "big": _two_waves(10, 40),
            "small": _two_waves(10, 12),
            "none": _two_waves(0, 0),
        }
    )
    ch = trends.wave_changes(df, ["big", "small", "none"]).set_index("theme")
    assert ch.loc["big", "z"] == pytest.approx(4.8989795, abs=1e-6)
    assert ch.loc["big", "p_value"] == pytest.approx(9.63357e-07, rel=1e-4)
    assert ch.loc["small", "p_value"] == pytest.approx(0.6512801, abs=1e-6)
    assert (ch.loc["none", "z"], ch.loc["none", "p_value"]) == (0.0, 1.0)
    # m = 3: big is rank 1 -> p * 3; small rank 2 -> p * 3/2; none rank 3 -> 1.0
    assert ch.loc["big", "p_adjusted"] == pytest.approx(3 * 9.63357e-07, rel=1e-4)
    assert ch.loc["small", "p_adjusted"] == pytest.approx(0.6512801 * 1.5, abs=1e-6)
    assert ch["significant"].to_dict() == {"big": True, "small": False, "none": False}


def test_wave_changes_single_wave_is_empty_and_order_follows_dates(fixture_df):
    assert trends.wave_changes(wave(fixture_df, W2), THEME_IDS).empty
    relabelled = fixture_df.replace({"wave": {W1: "zzz-first", W2: "aaa-second"}})
    assert trends.wave_order(relabelled) == ["zzz-first", "aaa-second"]
    ch = trends.wave_changes(relabelled, ["trust"])
    assert list(ch["previous_wave"]) == ["zzz-first"]


# --- stance and co-occurrence ------------------------------------------------------------------


def test_stance_balance_on_fixture(fixture_df):
    st = trends.stance_balance(wave(fixture_df, W2), THEME_IDS).set_index("theme")
    assert "partnership" not in st.index  # never tagged
    assert st.loc["trust", ["n_tagged", "n_positive", "n_negative", "n_neutral"]].tolist() == [
        4,
        3,
        1,
        0,
    ]
    assert st.loc["trust", "net"] == 0.5
    assert st.loc["money", ["n_positive", "n_negative", "n_neutral"]].tolist() == [1, 2, 1]
    assert st.loc["money", "net"] == -0.25


def test_cooccurrence_on_fixture(fixture_df):
    co = trends.cooccurrence(wave(fixture_df, W2), THEME_IDS)
    assert len(co) == 9
    pair = _row(co, theme_a="trust", theme_b="money")
    assert (pair.n, pair.n_a, pair.n_b, pair.n_both) == (8, 4, 4, 2)
    assert pair.jaccard == pytest.approx(2 / 6)
    assert pair.lift == pytest.approx(2 * 8 / (4 * 4))
    zero = _row(co, theme_a="trust", theme_b="partnership")
    assert zero.n_both == 0 and zero.jaccard == 0.0 and math.isnan(zero.lift)
    assert _row(co, theme_a="money", theme_b="money").jaccard == 1.0


def test_stance_balance_reads_words_and_old_codes_alike(fixture_df):
    old = wave(fixture_df, W2)
    words = old.copy()
    for t in THEME_IDS:
        col = f"{t}_stance"
        words[col] = words[col].map({"+": "positive", "-": "negative", "0": "neutral"}).fillna("")
    a = trends.stance_balance(old, THEME_IDS)
    b = trends.stance_balance(words, THEME_IDS)
    pd.testing.assert_frame_equal(a, b)
    words.loc[words["trust"] == 1, "trust_stance"] = "mixed"
    mixed = trends.stance_balance(words, THEME_IDS).set_index("theme").loc["trust"]
    assert mixed["n_mixed"] == mixed["n_tagged"] and mixed["n_neutral"] == 0


@pytest.mark.parametrize(
    "value, word",
    [("+", "positive"), ("'-", "negative"), ("0", "neutral"), (" Mixed ", "mixed"), (None, "")],
)
def test_normalize_stance(value, word):
    from cls_text.report.stance import normalize_stance

    assert normalize_stance(value) == word


def test_normalize_stance_rejects_unknown_values():
    from cls_text.report.stance import normalize_stance

    with pytest.raises(ValueError, match="stance 'great'"):
        normalize_stance("great")
