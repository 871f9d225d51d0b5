"""The ingest leak benchmark: identifiers planted outside answers never reach a written table."""

from __future__ import annotations

import importlib.util
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _module():
    path = REPO / "benchmarks" / "data" / "make_pii_exports.py"
    spec = importlib.util.spec_from_file_location("make_pii_exports", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_no_planted_identifier_leaks(tmp_path):
    result = _module().ingest_leaks()
    assert result["files_searched"] == 4  # tagged.csv/.parquet/.xlsx, quarantine.csv
    assert result["structured_leak_rate"] == 0.0 and result["structured_recall"] == 1.0
    for where in result["by_location"]:  # lower-case names and quarantined rows included
        assert result["by_location"][where]["leaked"] == 0, where
    assert result["name_recall"] == 1.0 and result["leak_rate"] == 0.0
    assert all(set(item) == {"type", "where"} for item in result["leaked"])  # no values


def test_search_finds_a_leak(tmp_path):
    mod = _module()
    (tmp_path / "out.csv").write_text("id,text\nrid_1,call 07700 900123 or jo seonaid\n")
    planted = [("07700 900123", "PHONE", "answer"), ("Mhairi Seonaid", "NAME", "answer")]
    result = mod.search(tmp_path, planted, skip=set())
    assert result["n_leaked"] == 1 and result["leaked"] == [{"type": "PHONE", "where": "answer"}]
    lower = mod.search(tmp_path, [("jo seonaid", "NAME", "answer-lower-case")], skip=set())
    assert lower["n_leaked"] == 1


def test_inlined_chart_library_is_not_searched(tmp_path):
    mod = _module()
    html = "<p>[NAME] helped</p><script>" + "Jordan Shaw " * 20_000 + "</script><p>Zoe</p>"
    (tmp_path / "report.html").write_text(html)
    result = mod.search(tmp_path, [("Jordan Shaw", "NAME", "answer")], skip=set())
    assert result["n_leaked"] == 0
    assert mod.search(tmp_path, [("Zoe Bell", "NAME", "answer")], skip=set())["n_leaked"] == 1
