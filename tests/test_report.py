from __future__ import annotations

import re
import sys
import types
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from test_report_fixture import W1, W2, fixture_codebook, load_fixture, wave

from cls_text.report import (
    build_report,
    changes_table,
    compute_report_data,
    evidence_text,
    example_quotes,
    headline_markdown,
    theme_sentence,
)
from cls_text.report.figures import report_figures
from cls_text.report.xlsx import theme_sheet_names

MANIFEST = {
    "codebook": fixture_codebook().summary() | {"name": "Fixture"},
    "tagger": {"name": "rules", "micro_f1_dev": 0.71},
    "conservation": {"total": {"answers_in": 12, "quarantined": 0}, "holds": True},
    "created_utc": "2026-11-24T12:00:00+00:00",
}


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    return load_fixture()


@pytest.fixture(scope="module")
def history(df) -> pd.DataFrame:
    return wave(df, W1).assign(codebook_version="1.0.0")


# --- sentences -------------------------------------------------------------------------------


def test_theme_sentence_matches_the_issue_example():
    s = theme_sentence(
        "Trust",
        share=0.31,
        ci_low=0.25,
        ci_high=0.37,
        n=120,
        group="staff",
        previous_share=0.22,
        previous_wave="wave 1",
        significant=True,
    )
    assert s == "Trust was raised by 31% of staff (CI 25–37%), up from 22% in wave 1."


@pytest.mark.parametrize(
    "kwargs, expected",
    [
        (
            {"previous_share": 0.4, "previous_wave": "W1", "significant": True},
            "Money was raised by 20% of community members (CI 12–31%), down from 40% in W1.",
        ),
        (
            {"previous_share": 0.25, "previous_wave": "W1", "significant": False},
            "Money was raised by 20% of community members (CI 12–31%), compared with 25% in W1 "
            "(no statistically significant change).",
        ),
        ({}, "Money was raised by 20% of community members (CI 12–31%)."),
        (
            {"n": 7},
            "Money: too few community members answered (n=7) to give a reliable percentage "
            "(at least 10 needed).",
        ),
    ],
)
def test_theme_sentence_variants(kwargs, expected):
    args = {"share": 0.2, "ci_low": 0.12, "ci_high": 0.31, "n": 60, "group": "community member"}
    assert theme_sentence("Money", **(args | kwargs)) == expected


# --- figures behind the report (hand-computed on the fixture) ----------------------------------


def test_report_data_headline_matches_hand_counts(df, history):
    data = compute_report_data(wave(df, W2), fixture_codebook(), history, min_base=2)
    head = data.headline.set_index("theme")
    assert head.loc["trust", "respondents"] == "3 of 6"
    assert head.loc["trust", "share of respondents"] == "50%"
    assert head.loc["trust", "95% CI"] == "19%–81%"  # Wilson(3, 6) = 0.188..0.812
    assert head.loc["trust", "change since previous wave"] == "+33 pts vs 2026-W1"
    assert head.loc["trust", "significant"] == "no"
    assert head.loc["trust", "stance (positive / negative / other)"] == "3 / 1 / 0"
    assert head.loc["money", "respondents"] == "4 of 6"
    assert head.loc["money", "share of answers"] == "50%"
    assert head.loc["partnership", "change since previous wave"] == ""  # not coded in W1
    assert data.counts == {
        "respondents": 7,
        "answers": 12,
        "substantive_answers": 8,
        "substantive_respondents": 6,
        "repeated_answers": 1,  # tagged, but the respondent repeating an earlier answer
        "non_english": 0,
        "non_english_untagged": 0,
    }
    assert data.waves == [W1, W2]
    assert data.codebook_by_wave == {W1: "1.0.0", W2: "1.1.0"}
    assert data.sentences["trust"][0] == (
        "Trust was raised by 50% of respondents (CI 19–81%), compared with 17% in 2026-W1 "
        "(no statistically significant change)."
    )
    assert "of staff (CI 15–85%), compared with 33% in 2026-W1" in data.sentences["trust"][2]
    ch = changes_table(data).set_index("theme")
    assert ch.loc["Trust", "p (FDR)"] == "0.441"
    assert "| Trust | 3 of 6 | 50% | 19%–81% | 50% |" in headline_markdown(data)


def test_history_rows_of_the_same_wave_are_replaced(df, history):
    stale = pd.concat([history, wave(df, W2).assign(trust=1)], ignore_index=True)
    data = compute_report_data(wave(df, W2), fixture_codebook(), stale)
    assert data.overall.set_index("theme").loc["trust", "k_resp"] == 3


def test_report_data_rejects_several_waves(df):
    with pytest.raises(ValueError, match="exactly one wave"):
        compute_report_data(df, fixture_codebook())


def test_single_wave_without_topics_has_no_trend_chart(df):
    data = compute_report_data(wave(df, W2), fixture_codebook())
    figs = report_figures(data, None, None)
    assert "trends" not in figs and "topic-map" not in figs and "candidates" not in figs
    assert {"prevalence", "by-type", "stance", "cooccurrence"} <= set(figs)
    assert data.changes.empty


@dataclass
class FakeTopics:
    topics: pd.DataFrame
    centroids: np.ndarray


def test_topic_map_uses_centroids_when_given(df):
    data = compute_report_data(wave(df, W2), fixture_codebook())
    table = pd.DataFrame(
        {"topic": [0, 1, 2], "size": [4, 3, 2], "keywords": ["a", "b", "c"], "label": list("ABC")}
    )
    cent = np.eye(3, 5)
    fig = report_figures(data, FakeTopics(table, cent), None)["topic-map"]
    assert fig.layout.title.text.startswith("Topic map")
    xs = np.asarray(fig.data[0].x)
    assert len(set(np.round(xs, 6))) == 3  # three distinct positions from the PCA


# --- written files ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(df, history, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    quotes = {
        "trust": pd.DataFrame({"text": ["Managers trust us to decide now."]}),
        "money": pd.DataFrame({"text": ["=The budget was cut <script>alert(1)</script>"]}),
    }
    candidates = pd.DataFrame({"keywords": ["opening hours, hub"], "size": [3]})
    paths = build_report(
        wave(df, W2),
        codebook=fixture_codebook(),
        manifest=MANIFEST,
        history=history,
        topics=None,
        candidates=candidates,
        quotes=quotes,
        out_dir=out,
        min_base=2,
    )
    return paths, quotes, candidates


def test_build_report_writes_three_files(built):
    paths, _, _ = built
    assert set(paths) == {"html", "xlsx", "md"}
    assert all(p.is_file() and p.stat().st_size > 0 for p in paths.values())
    assert not [p for p in paths["html"].parent.iterdir() if p.name.startswith(".")]


def test_html_is_self_contained_and_escaped(built):
    from plotly.offline import get_plotlyjs

    paths, _, _ = built
    page = paths["html"].read_text(encoding="utf-8")
    assert page.count(get_plotlyjs()[:200]) == 1  # plotly.js inlined exactly once
    assert not re.search(r"<script[^>]+src=", page)
    assert not re.search(r"<link[^>]+href=\"?https?:", page)
    assert "@import" not in page and "fonts.googleapis" not in page
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Trust was raised by 50% of respondents (CI 19–81%)" in page
    assert "2026-W1: codebook version 1.0.0" in page  # older codebook marked
    assert 'id="chart-trends"' in page and 'id="chart-candidates"' in page


def test_html_is_deterministic(df, history, tmp_path):
    kwargs = {"codebook": fixture_codebook(), "manifest": MANIFEST, "history": history}
    a = build_report(wave(df, W2), out_dir=tmp_path / "a", **kwargs)
    b = build_report(wave(df, W2), out_dir=tmp_path / "b", **kwargs)
    assert a["html"].read_bytes() == b["html"].read_bytes()
    assert a["md"].read_bytes() == b["md"].read_bytes()


def test_xlsx_sheets_numbers_and_neutralised_text(built):
    import openpyxl

    paths, _, _ = built
    wb = openpyxl.load_workbook(paths["xlsx"], read_only=True)
    assert wb.sheetnames[:4] == ["Summary", "trust", "money", "partnership"]
    assert {"Trends", "Changes", "Topics", "Candidates", "Methods", "By group"} <= set(
        wb.sheetnames
    )
    summary = list(wb["Summary"].values)
    header = summary[0]
    trust = dict(zip(header, summary[1], strict=True))
    assert trust["respondents raising it"] == 3 and trust["respondents answering"] == 6
    assert trust["share of respondents"] == pytest.approx(0.5)
    assert trust["95% CI low"] == pytest.approx(0.188, abs=1e-3)
    assert trust["95% CI high"] == pytest.approx(0.812, abs=1e-3)
    assert trust["change (percentage points)"] == pytest.approx(33.3)
    assert (trust["positive"], trust["negative"]) == (3, 1)
    assert not any(isinstance(v, str) and ("%" in v or "pts" in v) for v in summary[1][:-1])
    assert trust["summary"].startswith("Trust was raised by 50% of respondents")
    money = list(wb["money"].values)
    texts = [dict(zip(money[0], r, strict=True))["text"] for r in money[1:]]
    assert len(texts) == 4  # substantive answers tagged money
    assert "'=The budget was cut <script>alert(1)</script>" in texts
    evidence = [dict(zip(money[0], r, strict=True))["evidence"] for r in money[1:]]
    assert 'budget: "More trust and a proper budget for groups."' in evidence
    methods = dict(list(wb["Methods"].values)[1:])
    assert methods["codebook version"] == "1.1.0"
    assert methods["tagger micro_f1_dev"] == "0.71"
    assert methods["codebook version of wave 2026-W1"] == "1.0.0"
    wb.close()


def test_markdown_report(built):
    paths, _, _ = built
    md = paths["md"].read_text(encoding="utf-8")
    # every count says what it counts, and the one repeated answer is accounted for
    assert "12 answers from 7 respondents. 8 answers from 6 respondents had something" in md
    assert "(1 tagged answer repeating the respondent's earlier answer not counted)" in md
    assert md.startswith("# Community Led Support feedback: 2026-W2\n")
    assert "[report.html](report.html)" in md
    assert "| Trust | 17% (2026-W1) | 50% | +33 pts | 0.441 | no |" in md
    assert "- Trust was raised by 50% of staff (CI 15–85%)" in md


# --- helpers ---------------------------------------------------------------------------------


def test_example_quotes_prefers_passed_quotes_then_quotes_module(df, monkeypatch):
    given = {"trust": pd.DataFrame({"text": ["a", "b", "c", "d"]})}
    assert example_quotes(df, "trust", given)["text"].tolist() == ["a", "b", "c"]
    fake = types.ModuleType("cls_text.report.quotes")
    calls = []

    def select_quotes(tagged, theme_id, n=3, evidence=None):
        calls.append((theme_id, n, evidence))
        return pd.DataFrame({"text": ["safe quote"], "quote_id": ["q1"]})

    fake.select_quotes = select_quotes
    monkeypatch.setitem(sys.modules, "cls_text.report.quotes", fake)
    assert example_quotes(df, "money", given)["text"].tolist() == ["safe quote"]
    assert calls == [("money", 3, None)]
    source = lambda theme_id, rows: []  # noqa: E731 - where evidence cells are read
    example_quotes(df, "money", given, evidence=source)
    assert calls[-1] == ("money", 3, source)


def test_evidence_text_and_sheet_names():
    assert evidence_text("") == ""
    assert evidence_text(pd.NA) == ""
    assert evidence_text('[{"matched": "trust", "sentence": "We trust.", "negated": true}]') == (
        'trust (negated): "We trust."'
    )
    assert evidence_text("not json") == "not json"
    names = theme_sheet_names(["summary", "a" * 40, "a" * 31 + "b"])
    assert names["summary"] != "summary"  # Excel sheet names ignore case: would clash
    assert all(len(n) <= 31 for n in names.values())
    assert len({n.lower() for n in names.values()}) == 3


def test_xlsx_columns_are_sized_wrapped_filtered_and_formatted(built):
    import openpyxl

    paths, _, _ = built
    wb = openpyxl.load_workbook(paths["xlsx"])
    ws = wb["Summary"]
    header = [c.value for c in ws[1]]
    col = {h: openpyxl.utils.get_column_letter(i + 1) for i, h in enumerate(header)}
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:{col['summary']}{ws.max_row}"
    assert ws.column_dimensions[col["label"]].width >= len("partnership")
    assert 40 <= ws.column_dimensions[col["summary"]].width <= 62  # capped, not 8
    assert ws[f"{col['summary']}2"].alignment.wrap_text
    assert ws[f"{col['share of respondents']}2"].number_format == "0.0%"
    assert ws[f"{col['95% CI low']}2"].number_format == "0.0%"
    assert "pts" in ws[f"{col['change (percentage points)']}2"].number_format
    stats = wb["Trends"]
    head = [c.value for c in stats[1]]
    share = openpyxl.utils.get_column_letter(head.index("share_resp") + 1)
    assert stats[f"{share}2"].number_format == "0.0%"
    assert isinstance(stats[f"{share}2"].value, float)
    theme = wb["trust"]
    text = openpyxl.utils.get_column_letter([c.value for c in theme[1]].index("text") + 1)
    assert theme.column_dimensions[text].width > 20 and theme.freeze_panes == "A2"
    wb.close()


def test_write_xlsx_sizes_columns_from_content(tmp_path):
    import openpyxl

    from cls_text.io.writers import XLSX_MAX_WIDTH, write_xlsx

    frame = pd.DataFrame(
        {
            "quote_id": ["q1", "q2"],
            "text": ["word " * 80, "short"],
            "bureaucracy_stance": ["negative", "positive"],
            "share": [0.04533333333333334, 0.5],
        }
    )
    path = write_xlsx(
        {"tagged": frame}, tmp_path / "t.xlsx", number_formats={"tagged": {"share": "0.0%"}}
    )
    ws = openpyxl.load_workbook(path)["tagged"]
    widths = {c: ws.column_dimensions[c].width for c in "ABCD"}
    assert widths["A"] < 12
    assert XLSX_MAX_WIDTH <= widths["B"] <= XLSX_MAX_WIDTH + 1 and ws["B2"].alignment.wrap_text
    assert widths["C"] >= len("bureaucracy_stance")  # header never cut
    assert ws["D2"].number_format == "0.0%" and ws["D2"].value == pytest.approx(0.0453333)
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:D3"
    assert ws["A1"].font.b and ws["A1"].alignment.wrap_text


def test_quote_attribution_only_for_groups_large_enough():
    from cls_text.report.examples import attribute_quotes

    tagged = pd.DataFrame(
        {
            "respondent_id": ["a", "b", "c", "d", "e"],
            "respondent_type": ["staff", "staff", "staff", "partner", "staff"],
            "site": ["North", "North", "South", "North", "North"],
        }
    )
    quotes = pd.DataFrame(
        {
            "text": ["one", "two", "three"],
            "respondent_type": ["staff", "staff", "partner"],
            "site": ["North", "South", "North"],
        }
    )
    got = attribute_quotes(quotes, tagged, min_base=3)["attribution"].tolist()
    assert got == ["staff, North", "staff", ""]  # South has 1 staff; partners are 1 person


def test_large_theme_sheets_keep_their_highest_scoring_answers(df, history, tmp_path, monkeypatch):
    import openpyxl

    import cls_text.report.xlsx as rx

    tagged = wave(df, W2)
    everything = rx.theme_quotes(tagged, "money")
    kept = rx.theme_quotes(tagged, "money", max_rows=2)
    top = everything.sort_values("score", ascending=False, kind="stable").head(2)
    assert list(kept["quote_id"]) == [
        q for q in everything["quote_id"] if q in set(top["quote_id"])
    ]

    monkeypatch.setattr(rx, "THEME_SHEET_MAX_ROWS", 2)
    paths = build_report(
        tagged,
        codebook=fixture_codebook(),
        manifest=MANIFEST,
        history=history,
        topics=None,
        out_dir=tmp_path,
        min_base=2,
    )
    wb = openpyxl.load_workbook(paths["xlsx"], read_only=True)
    assert len(list(wb["money"].values)) == 1 + 2  # header and the two kept answers
    methods = dict(list(wb["Methods"].values)[1:])
    assert "money: 2 of 4" in methods["theme sheets shortened"]
    wb.close()
