"""Every check on the user's input runs before Prefect or a model loads."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cls_text.errors import ConfigError, InputFileError, StoreError
from cls_text.run.preflight import preflight

ROOT = Path(__file__).resolve().parents[1]
EXPORTS = ROOT / "tests" / "data" / "exports"
HEAVY = ("torch", "bertopic", "prefect", "sentence_transformers", "spacy")


def test_a_good_export_passes_and_says_what_it_detected(tmp_path):
    pf = preflight([EXPORTS / "qualtrics.csv"], wave="2026-W1", store_root=tmp_path)
    notes = pf.notes["qualtrics.csv"]
    assert "respondent id column: 'ResponseId'" in notes
    assert pf.programme == "default"
    assert pf.store_dir == tmp_path / "default"
    assert pf.compare and pf.compare_with is None


@pytest.mark.parametrize("label", ["2026/W3", "../x", " W1", ""])
def test_bad_wave_label_fails_first(label):
    with pytest.raises(StoreError, match="--wave"):
        preflight(["no-such-file.csv"], wave=label)


def test_input_problems(tmp_path):
    with pytest.raises(InputFileError, match="no such file"):
        preflight([tmp_path / "absent.csv"], wave="W1")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputFileError, match="empty"):
        preflight([empty], wave="W1")
    with pytest.raises(InputFileError, match="no wave is known"):
        preflight([EXPORTS / "smartsurvey.csv"])


def test_config_and_column_map_problems(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("columns:\n  id: Respondent ID\n  questions: [Q9]\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="'Q9'"):
        preflight([EXPORTS / "smartsurvey.csv"], wave="W1", config=cfg)
    cfg.write_text("review:\n  queue_sise: 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="review.queue_sise"):
        preflight([EXPORTS / "smartsurvey.csv"], wave="W1", config=cfg)
    with pytest.raises(ConfigError, match="programme"):
        preflight([EXPORTS / "smartsurvey.csv"], wave="W1", programme="Not OK")


def test_compare_with_must_be_stored_in_this_programme(tmp_path):
    with pytest.raises(StoreError, match="none yet"):
        preflight([EXPORTS / "smartsurvey.csv"], wave="W2", store_root=tmp_path, compare_with="W1")
    pf = preflight(
        [EXPORTS / "smartsurvey.csv"],
        wave="W2",
        store_root=tmp_path,
        compare_with="W1",
        compare=False,
    )
    assert pf.compare is False and pf.compare_with is None


def test_checks_import_no_model_and_no_prefect(tmp_path):
    code = (
        "import json, sys\n"
        "from cls_text.run.preflight import preflight\n"
        f"preflight([{str(EXPORTS / 'google_forms.csv')!r}], wave='W1', store_root=None)\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
