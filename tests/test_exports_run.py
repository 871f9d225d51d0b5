"""Each export layout runs end to end with no config, and says what it read, everywhere.

The detected columns (and a missing respondent-type column) are in the console lines, the
manifest and the report (html, md, xlsx); the fixtures' one Welsh answer is kept, untagged and
counted. A second programme's wave never reaches the first programme's report.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import pandas as pd
import pytest

from cls_text import schema as S
from cls_text.codebook import load_codebook
from cls_text.config import PipelineConfig
from cls_text.ingest.columns import NO_RESPONDENT_TYPE, ROW_ID_COLUMN
from cls_text.io import store
from cls_text.run.manifest import console_summary
from cls_text.run.preflight import preflight
from cls_text.run.wave import WaveOptions, run_wave
from cls_text.tag.select import build_rules

pytestmark = pytest.mark.slow

EXPORTS = Path(__file__).parent / "data" / "exports"
LAYOUTS = {
    "microsoft_forms.xlsx": ("ID", "Are you staff or a member of the public?"),
    "smartsurvey.csv": ("ID", "Which best describes you?"),
    "surveymonkey.csv": ("Respondent ID", "Which best describes you?"),
    "qualtrics.csv": ("ResponseId", "Are you staff or a member of the public?"),
    "google_forms.csv": (ROW_ID_COLUMN, "Which best describes you?"),
    "citizen_space.csv": ("Unique Response Number", "Which best describes you?"),
}


def _run(inputs, out: Path, wave: str, store_dir: Path | None = None):
    cb = load_codebook(None)
    opts = WaveOptions(wave=wave, out_dir=out, store_dir=store_dir, topics=False, report=True)
    info = {"kind": "rules", "name": "rules"}
    return run_wave([Path(p) for p in inputs], PipelineConfig(), cb, build_rules(cb), info, opts)


def _report_texts(out: Path) -> dict[str, str]:
    methods = pd.read_excel(out / "report.xlsx", sheet_name="Methods")
    rows = zip(methods["item"], methods["value"], strict=True)
    return {
        "html": html.unescape((out / "report.html").read_text(encoding="utf-8")),
        "md": (out / "report.md").read_text(encoding="utf-8"),
        "xlsx": "\n".join(f"{i}: {v}" for i, v in rows),
    }


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_each_layout_runs_with_no_config_and_reports_its_columns(name, tmp_path):
    id_col, type_col = LAYOUTS[name]
    id_line = f"respondent id column: '{id_col}'"
    if id_col == ROW_ID_COLUMN:
        id_line = "no respondent id column: each row's number in the file is its id"
    type_line = f"respondent type column: '{type_col}'"
    # console, before the run: the notes the CLI prints
    notes = preflight([EXPORTS / name], wave="2026-W1", store_root=None).notes[name]
    assert any(id_line in n for n in notes) and type_line in notes

    res = _run([EXPORTS / name], tmp_path / "out", "2026-W1")
    (detected,) = [f["detected_map"] for f in res.manifest["inputs"]]
    assert any(id_line in n for n in detected) and type_line in detected
    for kind, text in _report_texts(res.out_dir).items():
        assert type_line in text and id_line in text, kind

    # the one Welsh answer: kept, flagged, not tagged, counted everywhere
    tagged = pd.read_parquet(res.out_dir / "tagged.parquet")
    welsh = tagged[tagged[S.FLAGS].str.contains("non_english")]
    assert len(welsh) == 1 and welsh[S.THEMES].tolist() == [""] and welsh[S.TAGGER].tolist() == [""]
    foreign = res.manifest["non_english"]
    assert foreign["answers"] == 1 and foreign["untagged"] == 1
    assert foreign["tagged_by_codebook"] is False
    assert res.manifest["conservation"]["holds"]
    assert any("1 answer(s) not in English" in line for line in console_summary(res.manifest))
    for kind, text in _report_texts(res.out_dir).items():
        assert "not in English" in text, kind


def test_a_missing_respondent_type_is_said_on_console_manifest_and_report(tmp_path):
    df = pd.read_csv(EXPORTS / "smartsurvey.csv", dtype=str, keep_default_na=False)
    src = tmp_path / "no_type.csv"
    df.drop(columns=["Which best describes you?"]).to_csv(src, index=False)
    assert NO_RESPONDENT_TYPE in preflight([src], wave="W1", store_root=None).notes[src.name]
    res = _run([src], tmp_path / "out", "W1")
    assert NO_RESPONDENT_TYPE in res.manifest["inputs"][0]["detected_map"]
    assert f"{src.name}: {NO_RESPONDENT_TYPE}" in console_summary(res.manifest)
    for kind, text in _report_texts(res.out_dir).items():
        assert NO_RESPONDENT_TYPE in text, kind
    tagged = pd.read_parquet(res.out_dir / "tagged.parquet")
    assert set(tagged[S.RESPONDENT_TYPE]) == {"other"}


def test_a_second_programmes_wave_never_appears_in_the_first_programmes_report(tmp_path):
    root = tmp_path / "stores"
    ours, theirs = store.programme_store(root, "wellbeing"), store.programme_store(root, "demo")
    first = _run([EXPORTS / "smartsurvey.csv"], tmp_path / "o1", "2026-W1", ours)
    again = _run([EXPORTS / "smartsurvey.csv"], tmp_path / "o1b", "2026-W1", ours)
    _run([EXPORTS / "qualtrics.csv"], tmp_path / "d1", "DEMO-W7", theirs)
    res = _run([EXPORTS / "surveymonkey.csv"], tmp_path / "o2", "2026-W2", ours)

    # re-running a wave replaced it: one partition, one run's rows
    waves = store.store_waves(ours).set_index("wave")
    assert list(waves.index) == ["2026-W1", "2026-W2"]
    assert waves.loc["2026-W1", "n_rows"] == first.rows == again.rows
    assert res.manifest["comparison"]["waves"] == ["2026-W1"]
    for kind, text in _report_texts(res.out_dir).items():
        assert "DEMO-W7" not in text, kind
        assert "compared with 2026-W1" in text, kind
    trends = pd.read_excel(res.out_dir / "report.xlsx", sheet_name="Trends")
    assert set(trends["wave"]) == {"2026-W1", "2026-W2"}
    manifest = json.loads((res.out_dir / "manifest.json").read_text(encoding="utf-8"))
    assert "DEMO-W7" not in json.dumps(manifest)
