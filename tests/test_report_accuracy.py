"""The methods section's accuracy on real quotes: shown for the default codebook only."""

from __future__ import annotations

import json
import shutil

import pytest
from test_report import MANIFEST
from test_report_fixture import W2, fixture_codebook, load_fixture, wave

from cls_text.codebook import load_codebook
from cls_text.report import build_report
from cls_text.report.accuracy import (
    accuracy_for_run,
    accuracy_methods,
    accuracy_rows,
    read_real_accuracy,
)
from cls_text.tag.default import default_model_dir, read_default_card


def _default_manifest(kind: str = "default") -> dict:
    book = load_codebook()
    return MANIFEST | {"codebook": book.summary(), "tagger": {"kind": kind, "name": kind}}


def test_shipped_accuracy_file_matches_the_shipped_weights_and_default_codebook():
    acc = read_real_accuracy()
    assert acc is not None, "the shipped default has no current accuracy.json"
    card = read_default_card()
    assert acc["weights_sha256"] == card["weights"]["sha256"]
    book = load_codebook()
    assert acc["codebook"]["hash"] == book.content_hash()
    test = acc["test"]
    assert set(test["per_theme"]) == set(book.theme_ids())
    assert set(acc["coders"]["kappa"]) == set(book.theme_ids())
    for m in test["per_theme"].values():
        for key in ("precision", "recall", "f1"):
            lo, hi = m[key + "_ci"] or (m[key], m[key])
            assert 0.0 <= lo <= hi <= 1.0
    assert test["n_quotes"] > 0 and "bootstrap" in acc["interval"]


def test_default_codebook_run_shows_per_theme_accuracy_beside_coders():
    acc = read_real_accuracy()
    md = accuracy_methods(_default_manifest())
    assert md.startswith("**Accuracy on real quotes.** The tagger was scored on")
    assert f"micro-F1 {acc['coders']['micro_f1']:.2f}" in md  # the coders' ceiling
    rows = [line for line in md.splitlines() if line.startswith("| ")]
    assert len(rows) == 1 + len(acc["test"]["per_theme"])  # header + one row per theme
    bureau = acc["test"]["per_theme"]["bureaucracy"]
    assert any(
        r.startswith("| bureaucracy |") and f"{bureau['f1']:.2f}" in r and "–" in r for r in rows
    )
    items = dict(accuracy_rows(_default_manifest()))
    assert "accuracy bureaucracy" in items and "coders' kappa" in items["accuracy bureaucracy"]


def test_user_codebook_says_no_accuracy_on_real_quotes_is_known():
    md = accuracy_methods(MANIFEST | {"tagger": {"kind": "default"}})
    assert md.startswith("**Accuracy on real quotes.** Not known:")
    assert "not the default CLS codebook" in md and "| theme |" not in md
    acc, why = accuracy_for_run(_default_manifest(kind="zeroshot"))
    assert acc is None and "only for the shipped default tagger" in why


def test_accuracy_of_other_weights_is_not_shown(tmp_path):
    folder = tmp_path / "cls-default"
    shutil.copytree(default_model_dir(), folder)
    card = json.loads((folder / "card.json").read_text("utf-8"))
    card["weights"]["sha256"] = "0" * 64  # retrained weights whose accuracy was not re-measured
    (folder / "card.json").write_text(json.dumps(card), "utf-8")
    assert read_real_accuracy(folder) is None
    acc, why = accuracy_for_run(_default_manifest(), folder)
    assert acc is None and "no measurement" in why


@pytest.mark.parametrize("kind", ["default", "rules"])
def test_report_files_carry_the_accuracy_section(tmp_path, kind):
    import openpyxl

    manifest = _default_manifest(kind) if kind == "default" else MANIFEST
    paths = build_report(
        wave(load_fixture(), W2), codebook=fixture_codebook(), manifest=manifest, out_dir=tmp_path
    )
    md = paths["md"].read_text("utf-8")
    page = paths["html"].read_text("utf-8")
    assert "## Accuracy on real quotes" in md
    wb = openpyxl.load_workbook(paths["xlsx"], read_only=True)
    methods = dict(list(wb["Methods"].values)[1:])
    wb.close()
    if kind == "default":
        assert "| bureaucracy |" in md and "<td>bureaucracy</td>" in page
        assert methods["accuracy on real quotes"].startswith(
            f"{read_real_accuracy()['test']['n_quotes']} held-out real CLS quotes"
        )
    else:
        assert "Not known" in md and "Not known" in page
        assert methods["accuracy on real quotes"].startswith("not known")
