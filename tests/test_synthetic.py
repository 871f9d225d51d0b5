from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from cls_text import schema
from cls_text.codebook.model import load_codebook
from cls_text.datasets.answers import (
    DEFAULT_QUESTIONS,
    DEFAULT_SITES,
    NON_SUBSTANTIVE,
    TEMPLATES,
    THEME_IDS,
    WAVE2_TREND,
    make_answer,
)
from cls_text.datasets.fakes import STYLES, planted_identifiers
from cls_text.datasets.synthetic import make_quotes, make_wave

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"
SPRING = DATA / "raw" / "2026-spring" / "cls_survey_spring_2026.csv"
AUTUMN = DATA / "raw" / "2026-autumn" / "cls_survey_autumn_2026.xlsx"
TRUST = re.compile(
    r"trust|judgement|empowered|autonomy|devolved|micromanaged|second-guessed|overruled", re.I
)
PHONE = re.compile(r"\b(?:07700 900\d{3}|01632 960\d{3}|020 7946 0\d{3})\b")


def _answers(df: pd.DataFrame, questions=DEFAULT_QUESTIONS) -> pd.Series:
    return pd.Series(df[list(questions)].to_numpy().ravel()).astype(str)


@pytest.fixture(scope="module")
def messy_wave() -> pd.DataFrame:
    return make_wave(120, wave="2026-W1", seed=7, mess=True)


@pytest.fixture(scope="module")
def make_sample_waves():
    spec = importlib.util.spec_from_file_location(
        "make_sample_waves", DATA / "make_sample_waves.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- make_wave -----------------------------------------------------------------------------
def test_make_wave_is_deterministic_for_a_seed():
    a = make_wave(40, wave="2026-W1", seed=3, mess=True)
    b = make_wave(40, wave="2026-W1", seed=3, mess=True)
    pd.testing.assert_frame_equal(a, b)
    c = make_wave(40, wave="2026-W1", seed=4, mess=True)
    assert not a.equals(c)
    d = make_wave(40, wave="2026-W2", seed=3, mess=True)
    assert not a[list(DEFAULT_QUESTIONS)].equals(d[list(DEFAULT_QUESTIONS)])


@pytest.mark.parametrize("style", sorted(STYLES))
def test_make_wave_shape_and_columns(style):
    spec = STYLES[style]
    df = make_wave(25, wave="w", seed=1, style=style)
    assert len(df) == 25
    expected = [spec.id, *spec.junk, spec.type, spec.site, spec.date]
    assert list(df.columns) == [*expected, *DEFAULT_QUESTIONS]
    assert df[spec.id].is_unique
    assert set(df[spec.type]) <= set(spec.types.values())
    assert set(df[spec.site]) <= set(DEFAULT_SITES)


def test_make_wave_dates_fall_in_the_window():
    df = make_wave(60, wave="w", seed=2, start="2026-03-02", days=10)
    dates = pd.to_datetime(df["Date"], format="%Y-%m-%d")
    assert dates.min() >= pd.Timestamp("2026-03-02")
    assert dates.max() < pd.Timestamp("2026-03-12")
    forms = make_wave(20, wave="w", seed=2, style="forms", start="2026-09-07", days=5)
    assert forms["Submitted"].map(lambda d: d.date().isoformat() >= "2026-09-07").all()


def test_make_wave_custom_questions_and_sites():
    df = make_wave(30, wave="w", seed=5, sites=["Brightwater"], questions=["Q one?", "Q two?"])
    assert list(df.columns[-2:]) == ["Q one?", "Q two?"]
    assert set(df["Area"]) == {"Brightwater"}


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"style": "csv"}, "style 'csv' is unknown"),
        ({"sites": []}, "sites and questions"),
        ({"questions": ()}, "sites and questions"),
        ({"trend": {"trusst": 2.0}}, r"trend names unknown theme ids \['trusst'\]"),
    ],
)
def test_make_wave_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_wave(20, wave="w", seed=0, **kwargs)


def test_make_wave_needs_room_for_the_mess():
    with pytest.raises(ValueError, match="n_respondents must be >= 12"):
        make_wave(5, wave="w", seed=0, mess=True)


def test_mess_is_planted(messy_wave):
    ids = messy_wave["Respondent ID"]
    assert len(messy_wave) == 121  # one respondent exported twice
    assert ids[ids != ""].duplicated().sum() == 1
    assert (ids == "").sum() == 1
    answers = _answers(messy_wave)
    assert answers.str.startswith("=").any()
    assert answers.str.startswith("+").any()
    assert answers.str.startswith("@").any()
    assert answers.str.len().max() > 5000
    assert answers.isin(["n/a", "N/A", "-", "nothing", "no comment", ""]).sum() >= 10
    assert answers.str.contains("My worker Jenny was brilliant").any()


def test_every_planted_identifier_is_in_a_messy_wave(messy_wave):
    blob = "\n".join(messy_wave.astype(str).to_numpy().ravel())
    missing = [x for x in planted_identifiers() if x not in blob]
    assert not missing


def test_clean_wave_has_no_personal_data():
    df = make_wave(200, wave="w", seed=11)
    blob = "\n".join(df.astype(str).to_numpy().ravel())
    assert not PHONE.search(blob)
    assert "@example" not in blob
    assert not any(x in blob for x in planted_identifiers())


def test_planted_identifiers_are_fake_by_construction():
    ids = planted_identifiers()
    assert len(ids) == len(set(ids))
    phones = [x for x in ids if x[0].isdigit()]
    assert phones and all(PHONE.fullmatch(p) for p in phones)
    emails = [x for x in ids if "@" in x]
    assert emails and all(e.endswith(("@example.org", "@example.com")) for e in emails)


# --- answer content ------------------------------------------------------------------------
def test_answers_vary_in_length_and_cover_off_codebook_topics():
    rng = np.random.default_rng(0)
    answers = [
        make_answer(rng, respondent_type=t, site="Northvale")
        for t in ("staff", "community member", "partner")
        for _ in range(400)
    ]
    words = [len(a.split()) for a in answers]
    assert min(words) <= 3
    assert max(words) >= 80
    text = " ".join(answers).lower()
    for topic in ("internet", "bus", "cost of living", "housing"):
        assert topic in text


def test_respondent_type_shifts_the_theme_mix():
    df = make_wave(600, wave="w", seed=9)
    long = df.melt(id_vars=["Role"], value_vars=list(DEFAULT_QUESTIONS))
    share = long.groupby("Role")["value"].apply(lambda s: s.str.contains(TRUST).mean())
    assert share["Staff"] > 2 * share["Community member"]


def test_trend_shifts_prevalence_between_waves():
    base = _answers(make_wave(600, wave="w", seed=9))
    trended = _answers(make_wave(600, wave="w", seed=9, trend=WAVE2_TREND))
    assert trended.str.contains(TRUST).mean() > 1.2 * base.str.contains(TRUST).mean()


def test_templates_cover_the_default_codebook_in_order():
    assert list(THEME_IDS) == load_codebook().theme_ids()
    for theme in THEME_IDS:
        assert {"s+", "s-"} <= set(TEMPLATES[theme]), theme


def test_non_substantive_pool_matches_the_brief():
    assert {"", "n/a", "N/A", "-", "nothing", "no comment"} <= set(NON_SUBSTANTIVE)


# --- make_quotes ---------------------------------------------------------------------------
def test_make_quotes_shape_determinism_and_ids():
    a = make_quotes(2000, seed=1, pool_size=200)
    b = make_quotes(2000, seed=1, pool_size=200)
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns) == [
        schema.QUOTE_ID,
        schema.RESPONDENT_ID,
        schema.RESPONDENT_TYPE,
        schema.SITE,
        schema.WAVE,
        schema.QUESTION,
        schema.TEXT,
    ]
    assert a[schema.QUOTE_ID].is_unique
    assert set(a[schema.RESPONDENT_TYPE]) <= set(schema.RESPONDENT_TYPES)
    assert a.groupby(schema.RESPONDENT_ID)[schema.QUESTION].nunique().max() == 4
    assert a[schema.TEXT].str.len().min() > 0


def test_make_quotes_empty_and_invalid():
    assert make_quotes(0, seed=0, pool_size=10).empty
    with pytest.raises(ValueError, match="n must be >= 0"):
        make_quotes(-1, seed=0)


def test_make_quotes_100k_rows():
    # Its speed (~1 s on an idle 2-core machine) is a benchmark figure, not a test: a busy
    # machine must not fail the suite.
    df = make_quotes(100_000, seed=0)
    assert len(df) == 100_000
    assert df[schema.QUOTE_ID].is_unique


# --- sample files --------------------------------------------------------------------------
def test_sample_files_regenerate_byte_identically(make_sample_waves):
    for rel, data in make_sample_waves.build().items():
        assert (DATA / rel).read_bytes() == data, f"{rel} differs: run data/make_sample_waves.py"


def test_sample_csv_is_windows_1252_with_the_characters_that_matter():
    raw = SPRING.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("cp1252")
    assert all(ch in text for ch in "£é’")
    assert len(raw) < 1_000_000 and AUTUMN.stat().st_size < 1_000_000


@pytest.mark.parametrize(
    "path, config",
    [(SPRING, "spring_2026.yaml"), (AUTUMN, "autumn_2026.yaml")],
)
def test_sample_files_match_their_column_maps_and_hold_every_identifier(path, config):
    cfg = yaml.safe_load((DATA / "configs" / config).read_text(encoding="utf-8"))
    if path.suffix == ".csv":
        df = pd.read_csv(path, encoding="cp1252", dtype=str, keep_default_na=False)
    else:
        df = pd.read_excel(path, sheet_name=0, dtype=str, keep_default_na=False)
    cols = cfg["columns"]
    mapped = [cols["id"], cols["respondent_type"], cols["site"], cols["date"], *cols["questions"]]
    assert set(mapped) <= set(df.columns)
    assert set(df[cols["respondent_type"]]) == set(cfg["respondent_type_values"])
    assert set(cfg["respondent_type_values"].values()) <= set(schema.RESPONDENT_TYPES)
    assert 300 <= len(df) <= 320
    answers = _answers(df, cols["questions"])
    assert answers.str.len().max() > 5000
    assert answers.str.startswith("=").any() and answers.str.startswith("+").any()
    blob = "\n".join(df.to_numpy().ravel())
    assert not [x for x in planted_identifiers() if x not in blob]
