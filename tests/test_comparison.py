"""What a report compares: the waves with their codebook versions; redefined themes untested."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from test_report_fixture import W1, W2, fixture_codebook, load_fixture, wave

from cls_text.codebook.model import parse_codebook
from cls_text.io import store
from cls_text.report import build_report, compute_report_data
from cls_text.report.comparison import comparison_sentence, untested_sentence
from cls_text.report.markdown import changes_table
from cls_text.report.trends import wave_changes


def _codebook(op: str = "edit_terms", theme: str = "trust"):
    """Version 1.2.0 of the fixture codebook, with ``theme`` changed by ``op`` in 1.2.0."""
    data = fixture_codebook().model_dump(mode="json")
    data["version"] = "1.2.0"
    data["changes"] = [
        {"version": "1.1.0", "op": "add", "target": ["partnership"]},
        {"version": "1.2.0", "op": op, "source": [theme], "target": [theme]},
    ]
    return parse_codebook(data)


@pytest.fixture()
def history(tmp_path):
    """W1 stored as tagged under codebook 1.1.0 (the report's wave W2 is tagged under 1.2.0)."""
    root = tmp_path / "store"
    df = load_fixture()
    store.append_wave(
        wave(df, W1), root, wave=W1, codebook_summary=fixture_codebook("1.1.0").summary()
    )
    return store.read_store(root, codebook=_codebook())


def test_redefined_lists_themes_changed_between_two_versions():
    cb = _codebook()
    assert cb.redefined("1.1.0") == ["trust"]
    assert cb.redefined("1.0.0", "1.1.0") == []  # 'add' changes no definition
    assert cb.redefined("1.2.0") == []
    assert _codebook("edit_definition", "money").redefined("1.1.0") == ["money"]


def test_wave_changes_leave_untested_themes_out_of_the_test_and_the_correction():
    df = load_fixture()
    ids = ["trust", "money"]
    both = wave_changes(df, ids).set_index("theme")
    one = wave_changes(df, ids, untested={W2: ["trust"]}).set_index("theme")
    assert not one.loc["trust", "tested"] and one.loc["money", "tested"]
    assert math.isnan(one.loc["trust", "p_value"]) and math.isnan(one.loc["trust", "p_adjusted"])
    assert not one.loc["trust", "significant"]
    # the change itself is still shown
    assert one.loc["trust", "change"] == pytest.approx(both.loc["trust", "change"])
    # money is corrected alone: its adjusted p is its raw p
    assert one.loc["money", "p_adjusted"] == pytest.approx(one.loc["money", "p_value"])
    assert both["tested"].all()


def test_report_shows_but_does_not_test_a_theme_whose_terms_changed(history, tmp_path):
    cb = _codebook()
    data = compute_report_data(wave(load_fixture(), W2), cb, history, min_base=2)
    assert data.untested == ["trust"]
    assert data.codebook_by_wave == {W1: "1.1.0", W2: "1.2.0"}
    head = data.headline.set_index("theme")
    assert head.loc["trust", "significant"] == "not tested"
    assert head.loc["trust", "change since previous wave"].endswith(f"vs {W1}")  # shown
    assert head.loc["money", "significant"] in ("yes", "no")
    assert "not tested: the theme's definition or terms changed" in data.sentences["trust"][0]
    assert changes_table(data).set_index("theme").loc["Trust", "significant"] == "not tested"
    assert comparison_sentence(data) == (
        f"This wave, {W2} (codebook 1.2.0), is compared with {W1} (codebook 1.1.0); "
        f"changes are tested against {W1}."
    )
    assert untested_sentence(data).startswith("Changes shown for Trust are not tested")

    manifest = {"codebook": cb.summary(), "conservation": {}}
    paths = build_report(
        wave(load_fixture(), W2),
        codebook=cb,
        manifest=manifest,
        history=history,
        out_dir=tmp_path / "r",
        min_base=2,
    )
    html = paths["html"].read_text(encoding="utf-8")
    md = paths["md"].read_text(encoding="utf-8")
    for text in (html, md):
        assert f"compared with {W1} (codebook 1.1.0)" in text
        assert "Changes shown for Trust are not tested" in text
    methods = pd.read_excel(paths["xlsx"], sheet_name="Methods").set_index("item")["value"]
    assert f"{W1} (codebook 1.1.0)" in methods["waves compared"]
    assert methods["not tested for change"].startswith("Changes shown for Trust")
    summary = pd.read_excel(paths["xlsx"], sheet_name="Summary").set_index("theme")
    assert summary.loc["trust", "significant"] == "not tested"


def test_same_codebook_version_tests_every_theme(tmp_path):
    df = load_fixture()
    cb = fixture_codebook()
    root = tmp_path / "store"
    store.append_wave(wave(df, W1), root, wave=W1, codebook_summary=cb.summary())
    data = compute_report_data(wave(df, W2), cb, store.read_store(root), min_base=2)
    assert data.untested == [] and untested_sentence(data) == ""
    assert data.changes["tested"].all()


def test_a_first_wave_says_it_is_compared_with_nothing():
    data = compute_report_data(wave(load_fixture(), W2), fixture_codebook(), None, min_base=2)
    assert comparison_sentence(data) == (
        f"This wave, {W2} (codebook 1.1.0), is compared with no earlier wave (none in its store)."
    )
