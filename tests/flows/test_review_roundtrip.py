"""A reviewer's round trip on the sample wave, end to end, through the user's commands.

run -> review.xlsx -> a reviewer fills it in -> ``cls-text review import`` -> ``cls-text
retrain`` -> promoted, then a second version promoted or refused (figures on each model card)
-> the next run uses the current model, names its version in the manifest, and reports the
agreement figures in its methods.
"""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from cls_text import schema as S

REPO = Path(__file__).resolve().parents[2]
SPRING = REPO / "data" / "raw" / "2026-spring"
SPRING_CONFIG = REPO / "data" / "configs" / "spring_2026.yaml"

pytestmark = pytest.mark.slow


def _config(tmp: Path, tagger: str) -> str:
    cfg = yaml.safe_load(SPRING_CONFIG.read_text())
    cfg["tagger"] = tagger
    path = tmp / f"spring_{tagger}.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return str(path)


def _fill_in(review: Path, tagged: pd.DataFrame, theme_ids: list[str]) -> int:
    """Play the reviewer: tick the machine's themes, but correct every third quote.

    The correction (dropping the first theme, or adding ``trust`` where there was none) gives
    the figures something to disagree about. Returns the number of rows reviewed.
    """
    machine = dict(zip(tagged[S.QUOTE_ID], tagged[S.THEMES].fillna(""), strict=True))
    wb = openpyxl.load_workbook(review)
    reviewed = 0
    for name in ("queue", "audit"):
        ws = wb[name]
        header = [c.value for c in ws[1]]
        col = {h: i + 1 for i, h in enumerate(header)}
        for r in range(2, ws.max_row + 1):
            qid = ws.cell(r, col[S.QUOTE_ID]).value
            themes = [t for t in str(machine.get(qid, "")).split(";") if t]
            if r % 3 == 0:
                themes = themes[1:] if themes else ["trust"]
            for t in themes:
                ws.cell(r, col[t]).value = "x"
            ws.cell(r, col["reviewer"]).value = "Reviewer A"
            ws.cell(r, col["stance"]).value = "0"
            reviewed += 1
    wb.save(review)
    return reviewed


def test_run_review_import_retrain_and_next_run_uses_the_model(prefect_harness, tmp_path):
    from cls_text.codebook.model import load_codebook
    from flows.cli import app
    from flows.wave import process_wave

    theme_ids = load_codebook(None).theme_ids()
    models, coded, store = tmp_path / "models", tmp_path / "coded", tmp_path / "store"
    common = {"inputs": [str(SPRING)], "wave": "2026-W1", "topics": False}

    # 1. a first run (rules tagger) writes the review files
    first = Path(
        process_wave(
            out_dir=str(tmp_path / "run1"),
            config=_config(tmp_path, "rules"),
            models_dir=str(models),
            store_dir=str(store),
            coded_dir=str(coded),
            **common,
        )
    )
    tagged = pd.read_parquet(first / "tagged.parquet")
    review = tmp_path / "review-filled.xlsx"
    review.write_bytes((first / "review.xlsx").read_bytes())
    n_reviewed = _fill_in(review, tagged, theme_ids)
    assert n_reviewed >= 250  # queue (200) + blind audit (100), fewer if the wave is small

    # 2. the reviewer's file goes into the coded-examples store, once
    runner = CliRunner()
    args = ["review", "import", str(review), "--coded-dir", str(coded), "--wave", "2026-W1"]
    done = runner.invoke(app, args)
    assert done.exit_code == 0, done.output
    again = runner.invoke(app, args)
    assert again.exit_code == 0, again.output
    from cls_text.io.coded import read_history

    assert len(read_history(coded)) == n_reviewed  # importing the same file twice added nothing

    # 3. retrain: the first version is compared with the tagger in use (the shipped default) and
    # promoted only if it is not worse; either way the card says why
    done = runner.invoke(
        app,
        ["retrain", "--name", "reviewed", "--models-dir", str(models), "--coded-dir", str(coded)],
    )
    assert done.exit_code == 0, done.output
    summary = json.loads(done.output[done.output.index("{") :])
    assert summary["version"] == "v1"
    card = json.loads((models / "reviewed" / "v1" / "card.json").read_text())
    assert card["retrain"]["decision"]["promote"] is summary["promoted"]
    assert card["retrain"]["decision"]["reason"]
    assert card["retrain"]["candidate_metrics"]["samples_f1"] > 0.3
    # a second retrain on the same decisions is compared again; both figures on its card
    done = runner.invoke(
        app,
        ["retrain", "--name", "reviewed", "--models-dir", str(models), "--coded-dir", str(coded)],
    )
    assert done.exit_code == 0, done.output
    card2 = json.loads((models / "reviewed" / "v2" / "card.json").read_text())["retrain"]
    assert card2["current_metrics"]["samples_f1"] > 0.3
    assert card2["decision"]["reason"]
    from cls_text.io.model_versions import promoted_version

    expected = promoted_version(models, "reviewed")
    if summary["promoted"]:
        assert card2["compared_with"] == "v1"

    # 4. the next run (tagger: auto) picks the promoted model and reports agreement
    second = Path(
        process_wave(
            out_dir=str(tmp_path / "run2"),
            config=_config(tmp_path, "auto"),
            models_dir=str(models),
            store_dir=str(store),
            coded_dir=str(coded),
            **common,
        )
    )
    manifest = json.loads((second / "manifest.json").read_text())
    # the promoted version if any; a model that was never promoted is never used
    in_use = f"supervised:reviewed@{expected}" if expected else manifest["tagger"]["name"]
    assert expected or not in_use.startswith("supervised:reviewed")
    assert manifest["tagger"]["name"] == in_use
    retagged = pd.read_parquet(second / "tagged.parquet")
    substantive = retagged[~retagged[S.NON_SUBSTANTIVE].astype(bool)]
    assert set(substantive[S.TAGGER]) == {in_use}
    audit = manifest["agreement"]["tagger_vs_reviewers"]
    assert audit["n_quotes"] >= 90  # the blind audit sample, reviewed
    assert 0.0 < audit["micro_f1"] <= 1.0
    report = (second / "report.md").read_text(encoding="utf-8")
    assert manifest["agreement_methods"].split(".")[0] in report
