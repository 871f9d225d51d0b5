"""The PII test set is well-formed and the redactor meets the issue's targets on it."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from cls_text.pii import ENTITY_TYPES, Redactor

REPO = Path(__file__).resolve().parents[1]
TESTSET = REPO / "benchmarks" / "data" / "pii_testset.jsonl"
STRUCTURED = ("EMAIL", "PHONE", "POSTCODE", "NHS_NO", "CHI_NO", "NI_NO")


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return [json.loads(line) for line in TESTSET.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("pii_bench", REPO / "benchmarks" / "pii.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_testset_is_well_formed(rows):
    assert len(rows) >= 300
    assert len({r["id"] for r in rows}) == len(rows)
    kinds = {r["kind"] for r in rows}
    assert kinds == {"positive", "hard_negative"}
    for r in rows:
        ends = 0
        for e in sorted(r["entities"], key=lambda e: e["start"]):
            assert e["type"] in ENTITY_TYPES
            assert ends <= e["start"] < e["end"] <= len(r["text"]), r["id"]
            assert r["text"][e["start"] : e["end"]].strip() == r["text"][e["start"] : e["end"]]
            ends = e["end"]
        if r["kind"] == "hard_negative":
            assert r["entities"] == []
    types = {e["type"] for r in rows for e in r["entities"]}
    assert types == set(ENTITY_TYPES)


def test_targets_met(rows, bench):
    result = bench.score(rows, Redactor())
    per_type = result["per_type"]
    for t in STRUCTURED:
        assert per_type[t]["recall"] >= 0.99, (t, per_type[t])
    assert per_type["NAME"]["recall"] >= 0.90
    assert per_type["NAME"]["precision"] >= 0.85
    held = bench.score([r for r in rows if r["split"] == "heldout"], Redactor())
    assert held["per_type"]["NAME"]["recall"] >= 0.90
    assert result["leak_rate"] <= 0.02
