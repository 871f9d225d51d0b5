from __future__ import annotations

import json
from pathlib import Path

import pytest

from cls_text import schema as S
from cls_text.io import coded as cs


def rec(qid: str, reviewer: str, themes: str) -> dict[str, str]:
    return {S.QUOTE_ID: qid, cs.REVIEWER: reviewer, S.THEMES: themes, S.TEXT: "t"}


def test_empty_store(tmp_path: Path):
    assert cs.read_history(tmp_path / "none").empty
    assert list(cs.latest_decisions(tmp_path / "none").columns)[:2] == [S.QUOTE_ID, cs.REVIEWER]


def test_append_idempotent_and_supersede(tmp_path: Path):
    r1 = cs.append_decisions(
        tmp_path, [rec("a", "ann", "trust"), rec("b", "ann", "")], source_file="f1.xlsx",
        source_sha256="1" * 64, imported_at="2026-11-24T10:00:00+00:00",
    )  # fmt: skip
    assert r1.n_added == 2 and not r1.already_present
    r1b = cs.append_decisions(tmp_path, [rec("z", "x", "")], source_file="f1.xlsx",
                              source_sha256="1" * 64)  # fmt: skip
    assert r1b.n_added == 0 and r1b.already_present
    cs.append_decisions(
        tmp_path, [rec("a", "ann", "waiting"), rec("a", "bob", "trust")], source_file="f2.xlsx",
        source_sha256="2" * 64,
    )  # fmt: skip
    hist = cs.read_history(tmp_path)
    assert list(hist[S.QUOTE_ID]) == ["a", "b", "a", "a"] and list(hist[cs.SEQ]) == [0, 1, 2, 3]
    assert hist.iloc[0][cs.SOURCE_SHA] == "1" * 64 and hist.iloc[0][S.SOURCE_FILE] == "f1.xlsx"
    latest = cs.latest_decisions(tmp_path)
    got = {(r[S.QUOTE_ID], r[cs.REVIEWER]): r[S.THEMES] for _, r in latest.iterrows()}
    assert got == {("a", "ann"): "waiting", ("b", "ann"): "", ("a", "bob"): "trust"}
    assert cs.is_imported(tmp_path, "2" * 64) and not cs.is_imported(tmp_path, "3" * 64)


def test_segment_without_ledger_line_is_relisted_not_duplicated(tmp_path: Path):
    cs.append_decisions(tmp_path, [rec("a", "ann", "")], source_file="f", source_sha256="1" * 64)
    (tmp_path / cs.LEDGER).write_text("")  # simulate a crash between segment and ledger
    res = cs.append_decisions(tmp_path, [rec("a", "ann", "")], source_file="f",
                              source_sha256="1" * 64)  # fmt: skip
    assert res.already_present
    assert len(cs.read_history(tmp_path)) == 1
    assert json.loads((tmp_path / cs.LEDGER).read_text())["n"] == 1


def test_missing_reviewer_rejected(tmp_path: Path):
    with pytest.raises(ValueError, match="decision #2 from 'f' has no 'reviewer'"):
        cs.append_decisions(tmp_path, [rec("a", "ann", ""), rec("b", " ", "")], source_file="f",
                            source_sha256="1" * 64)  # fmt: skip
    assert cs.read_history(tmp_path).empty


def test_split_themes():
    assert cs.split_themes("a;b") == ["a", "b"]
    assert cs.split_themes("") == [] and cs.split_themes(float("nan")) == []
