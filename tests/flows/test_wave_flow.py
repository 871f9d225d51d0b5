"""The whole wave flow on the bundled spring sample, through Prefect."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from cls_text import schema as S

REPO = Path(__file__).resolve().parents[2]
SPRING = REPO / "data" / "raw" / "2026-spring"
SPRING_CONFIG = REPO / "data" / "configs" / "spring_2026.yaml"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def runs(prefect_harness, tmp_path_factory):
    from flows.wave import process_wave

    outs = []
    store = tmp_path_factory.mktemp("store")
    for i in range(2):
        out = tmp_path_factory.mktemp(f"run{i}") / "2026-W1"
        # The first run is the full wave; the re-run skips topics and report (they do not
        # feed the tagged tables) to keep the suite fast.
        process_wave(
            inputs=[str(SPRING)],
            wave="2026-W1",
            out_dir=str(out),
            config=str(SPRING_CONFIG),
            store_dir=str(store),
            coded_dir=None,
            topics=i == 0,
            report=i == 0,
        )
        outs.append(out)
    return outs


def test_outputs_exist_and_nothing_partial(runs):
    out = runs[0]
    names = sorted(p.name for p in out.iterdir())
    for expected in (
        "manifest.json",
        "quarantine.csv",
        "tagged.csv",
        "tagged.parquet",
        "tagged.xlsx",
        "report.html",
        "report.xlsx",
        "report.md",
        "review.xlsx",
        "review.csv",
        "topics",
    ):
        assert expected in names
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["topics"]["n_topics"] >= 2
    assert set(manifest["timings_s"]) >= {"ingest", "redact", "tag", "topics", "write", "report"}
    assert manifest["tagger"]["kind"] in {"default", "zeroshot", "rules", "supervised"}
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]


def test_report_methods_give_accuracy_on_real_quotes(runs):
    manifest = json.loads((runs[0] / "manifest.json").read_text())
    report = (runs[0] / "report.md").read_text(encoding="utf-8")
    assert "## Accuracy on real quotes" in report
    if manifest["tagger"]["kind"] == "default":  # the default codebook and shipped tagger
        assert "real published CLS quotes" in report and "| bureaucracy |" in report
        assert "coders' kappa" in report
    else:
        assert "Not known" in report


def test_conservation_matches_an_independent_count(runs):
    manifest = json.loads((runs[0] / "manifest.json").read_text())
    (src,) = list(SPRING.glob("*.csv"))
    raw = pd.read_csv(src, encoding="cp1252", dtype=str, keep_default_na=False)
    expected_answers = len(raw) * 4  # four open questions in the sample export
    counts = manifest["conservation"]["per_file"][src.name]
    assert counts["answers_in"] == expected_answers
    tagged = pd.read_parquet(runs[0] / "tagged.parquet")
    quarantine = pd.read_csv(runs[0] / "quarantine.csv", encoding="utf-8-sig", dtype=str)
    assert counts["quarantined"] == len(quarantine) > 0
    assert counts["tagged"] + counts["non_substantive"] == len(tagged)
    assert counts["non_substantive"] == int(tagged[S.NON_SUBSTANTIVE].sum()) > 0
    assert manifest["inputs"][0]["sha256"] and manifest["codebook"]["hash"]
    assert manifest["flow_run_id"]


def test_rerun_is_byte_identical(runs):
    for name in ("tagged.parquet", "tagged.csv", "quarantine.csv"):
        assert (runs[0] / name).read_bytes() == (runs[1] / name).read_bytes(), name


def test_formula_cells_neutralised_in_csv_not_parquet(runs):
    tagged = pd.read_parquet(runs[0] / "tagged.parquet")
    starts = tagged[tagged[S.TEXT].str.startswith(("=", "+", "-", "@"))]
    assert len(starts) >= 1
    csv = pd.read_csv(
        runs[0] / "tagged.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False
    )
    by_id = csv.set_index(S.QUOTE_ID)[S.TEXT]
    for qid, text in zip(starts[S.QUOTE_ID], starts[S.TEXT], strict=True):
        assert by_id[qid] == "'" + text


def test_non_substantive_kept_but_not_tagged(runs):
    tagged = pd.read_parquet(runs[0] / "tagged.parquet")
    ns = tagged[tagged[S.NON_SUBSTANTIVE]]
    assert (ns[S.THEMES] == "").all()
    assert ns[S.TAGGER].eq("").all()
    assert tagged.loc[~tagged[S.NON_SUBSTANTIVE], S.THEMES].ne("").mean() > 0.5


def test_no_planted_identifier_reaches_any_output(runs):
    from cls_text.datasets.fakes import planted_identifiers

    planted = [p for p in planted_identifiers() if len(p) >= 4]
    assert planted
    for path in sorted(runs[0].rglob("*")):
        if path.suffix in (".csv", ".json", ".md", ".html"):
            body = path.read_text(encoding="utf-8-sig")
        elif path.suffix == ".parquet":
            body = pd.read_parquet(path).to_csv()
        elif path.suffix == ".xlsx":
            body = "\n".join(pd.read_excel(path, sheet_name=None, dtype=str).__str__())
            body += "".join(df.to_csv() for df in pd.read_excel(path, sheet_name=None).values())
        else:
            continue
        for ident in planted:
            assert ident not in body, (path.name, ident)


def test_bad_input_fails_without_partial_output(prefect_harness, tmp_path):
    from cls_text.errors import InputFileError
    from flows.wave import process_wave

    bad = tmp_path / "in" / "broken.csv"
    bad.parent.mkdir()
    bad.write_bytes(b"")
    out = tmp_path / "out"
    with pytest.raises(InputFileError, match="broken.csv"):
        process_wave(inputs=[str(bad)], wave="W", out_dir=str(out))
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [bad.parent]


def test_tagged_chunks_are_persisted_for_resuming_but_not_kept_in_memory():
    # Prefect's default also keeps each result in an in-memory cache of 1,000 entries, which
    # held every tagged chunk of a wave until the run ended (gigabytes at a million answers);
    # tests/flows/test_resume.py checks that a killed run still resumes from the persisted ones.
    from flows import tasks

    assert tasks.tag_chunk.persist_result is True
    assert tasks.tag_chunk.cache_result_in_memory is False
