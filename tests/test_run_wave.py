"""The one wave runner: chunk size never changes the bytes, counts hold, nothing half-published."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from cls_text import schema as S
from cls_text.codebook import load_codebook
from cls_text.config import PipelineConfig
from cls_text.errors import ClsTextError, ConservationError
from cls_text.run import wave as runner
from cls_text.tag import frame
from cls_text.tag.select import build_rules

N = 3000
CHUNK = 700
INFO = {"kind": "rules", "name": "rules"}
TABLES = ("tagged.parquet", "tagged.csv", "quarantine.csv")
QUICK = {"topics": False, "report": False}


def _config() -> PipelineConfig:
    return PipelineConfig.model_validate(
        {
            "columns": {
                "id": "respondent_id",
                "questions": ["answer", "other"],
                "respondent_type": "respondent_type",
                "site": "site",
                "wave": "wave",
            },
            "tagger": "rules",
            # pseudonyms make numbering across chunks matter
            "redaction": {"pseudonymise": True},
        }
    )


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Path:
    """3,000 synthetic respondents x 2 questions, with names, a formula, blanks and a duplicate."""
    from cls_text.datasets.synthetic import make_quotes

    q = make_quotes(N, seed=3, waves=("2026-bench",), questions=("answer",))
    df = q.rename(columns={"text": "answer"}).drop(columns=["question", "quote_id"])
    df["other"] = df["answer"].shift(7).fillna("n/a")
    df.loc[5, "answer"] = "Jane Smith helped me, ask Jane Smith at 07700 900123"
    df.loc[1500, "answer"] = "Jane Smith again, and Tom Jones"
    df.loc[10, "answer"] = "=HYPERLINK(1)"
    df.loc[11, "other"] = ""
    df.loc[2100, "respondent_id"] = df.loc[20, "respondent_id"]  # duplicate, other chunk
    df.loc[33, "respondent_id"] = ""  # missing id
    path = tmp_path_factory.mktemp("in") / "quotes.csv"
    df.to_csv(path, index=False)
    return path


def _run(export: Path, out: Path, **kw) -> runner.WaveResult:
    cb = load_codebook(None)
    opts = runner.WaveOptions(out_dir=out, **(QUICK | kw))
    return runner.run_wave([export], _config(), cb, build_rules(cb), INFO, opts)


@pytest.fixture(scope="module")
def reference(export, tmp_path_factory) -> runner.WaveResult:
    """The whole wave as one chunk."""
    return _run(export, tmp_path_factory.mktemp("ref") / "wave", chunk_rows=10 * N)


def test_chunk_size_never_changes_the_bytes(export, reference, tmp_path):
    res = _run(export, tmp_path / "wave", chunk_rows=CHUNK)
    assert res.chunks == -(-N // CHUNK)
    for name in TABLES:
        assert (res.out_dir / name).read_bytes() == (reference.out_dir / name).read_bytes(), name
    assert res.manifest["redactions"] == reference.manifest["redactions"]
    assert res.manifest["theme_counts"] == reference.manifest["theme_counts"]
    assert sum(res.manifest["redactions"].values()) > 0


def test_counts_hold_and_match_the_raw_file(reference):
    total = reference.manifest["conservation"]["total"]
    assert total["respondents_in"] == N
    # 2 questions per respondent; the blank 'other' is kept as a non-substantive row
    assert total["answers_in"] == 2 * N
    assert total["quarantined"] == 4  # a missing id and a repeated id, two answers each
    assert total["answers_in"] == total["tagged"] + total["non_substantive"] + total["quarantined"]
    q = pd.read_csv(reference.out_dir / "quarantine.csv", dtype=str, encoding="utf-8-sig")
    assert q[S.REASON].str.contains("already appears at row").sum() == 2  # both answers of it
    assert total["quarantined"] == len(q)
    tagged = pd.read_csv(reference.out_dir / "tagged.csv", dtype=str, encoding="utf-8-sig")
    assert not tagged[S.TEXT].str.contains("Jane Smith|07700", regex=True).any()
    assert tagged[S.TEXT].str.startswith("'=").any()  # the formula is neutralised


def test_parallel_tagging_gives_the_same_bytes(export, reference, tmp_path):
    cb = load_codebook(None)
    tagger = build_rules(cb)
    opts = runner.WaveOptions(out_dir=tmp_path / "wave", chunk_rows=CHUNK, max_in_flight=3, **QUICK)
    with ThreadPoolExecutor(2) as pool:
        res = runner.run_wave(
            [export],
            _config(),
            cb,
            tagger,
            INFO,
            opts,
            submit=lambda f: pool.submit(frame.tag_table, f, tagger, cb, INFO),
        )
    for name in ("tagged.csv", "quarantine.csv"):
        assert (res.out_dir / name).read_bytes() == (reference.out_dir / name).read_bytes(), name


def test_xlsx_skipped_above_the_limit_says_why(export, tmp_path):
    res = _run(export, tmp_path / "wave", chunk_rows=CHUNK, xlsx_max_rows=100)
    assert not (res.out_dir / "tagged.xlsx").exists()
    assert "exceed the limit of 100" in res.manifest["xlsx_skipped"]
    assert "--xlsx-max-rows" in res.manifest["xlsx_skipped"]


def test_tagged_xlsx_limit_is_one_default_everywhere_and_never_above_excel():
    import inspect

    from flows.cli import run
    from flows.wave import process_wave

    cli_default = inspect.signature(run).parameters["xlsx_max_rows"].default
    flow_default = inspect.signature(process_wave.fn).parameters["xlsx_max_rows"].default
    assert cli_default == flow_default == runner.WaveOptions().xlsx_max_rows == 100_000
    assert runner.DEFAULT_XLSX_MAX_ROWS < runner.EXCEL_MAX_ROWS


def test_a_limit_above_excel_is_held_to_excel(export, tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "EXCEL_MAX_ROWS", 5)
    res = _run(export, tmp_path / "wave", chunk_rows=CHUNK, xlsx_max_rows=10**9)
    assert not (res.out_dir / "tagged.xlsx").exists()
    assert "exceed the limit of 5 " in res.manifest["xlsx_skipped"]


def test_a_failure_mid_wave_publishes_nothing(export, tmp_path, monkeypatch):
    out = tmp_path / "wave"
    out.mkdir()
    (out / "old.txt").write_text("previous outputs")
    calls = {"n": 0}
    real = runner.tag_table

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("worker lost")
        return real(*args, **kwargs)

    monkeypatch.setattr(runner, "tag_table", flaky)
    with pytest.raises(RuntimeError, match="worker lost"):
        _run(export, out, chunk_rows=CHUNK)
    assert [p.name for p in tmp_path.iterdir()] == ["wave"]  # staging removed
    assert (out / "old.txt").read_text() == "previous outputs"


def test_rows_lost_between_read_and_write_stop_the_run(export, tmp_path, monkeypatch):
    real = runner.tag_table
    monkeypatch.setattr(runner, "tag_table", lambda f, *a, **k: real(f.iloc[1:], *a, **k))
    with pytest.raises(ConservationError, match="do not add up"):
        _run(export, tmp_path / "wave", chunk_rows=CHUNK)
    assert not (tmp_path / "wave").exists()


def test_a_wave_whose_answers_are_all_quarantined_still_says_why(tmp_path):
    path = tmp_path / "blank_ids.csv"
    pd.DataFrame(
        {"respondent_id": ["", " "], "answer": ["The hub was a lifeline for me.", "Too slow."]}
    ).to_csv(path, index=False)
    cfg = PipelineConfig.model_validate(
        {"columns": {"id": "respondent_id", "questions": ["answer"]}}
    )
    cb = load_codebook(None)
    res = runner.run_wave(
        [path],
        cfg,
        cb,
        build_rules(cb),
        INFO,
        runner.WaveOptions(wave="2026-W9", out_dir=tmp_path / "out", **QUICK),
    )
    total = res.manifest["conservation"]["total"]
    assert total == {
        "respondents_in": 2,
        "answers_in": 2,
        "tagged": 0,
        "non_substantive": 0,
        "quarantined": 2,
    }
    q = pd.read_csv(res.out_dir / "quarantine.csv", dtype=str, encoding="utf-8-sig")
    assert len(q) == 2 and q[S.REASON].str.len().min() > 0
    assert pd.read_parquet(res.out_dir / "tagged.parquet").empty


def test_several_waves_in_one_run_is_a_clear_error(tmp_path):
    path = tmp_path / "two.csv"
    pd.DataFrame(
        {
            "respondent_id": ["a", "b"],
            "wave": ["W1", "W2"],
            "answer": ["The hub was a lifeline for me.", "Waiting lists are far too long."],
        }
    ).to_csv(path, index=False)
    cfg = PipelineConfig.model_validate(
        {"columns": {"id": "respondent_id", "questions": ["answer"], "wave": "wave"}}
    )
    cb = load_codebook(None)
    with pytest.raises(ClsTextError, match="several waves"):
        runner.run_wave(
            [path],
            cfg,
            cb,
            build_rules(cb),
            INFO,
            runner.WaveOptions(out_dir=tmp_path / "o", **QUICK),
        )
    assert json.dumps(sorted(p.name for p in tmp_path.iterdir())) == '["two.csv"]'


def test_parquet_row_groups_do_not_depend_on_the_chunk_size(tmp_path, monkeypatch):
    import pyarrow.parquet as pq

    from cls_text.run import partition

    monkeypatch.setattr(partition, "ROW_GROUP_ROWS", 10)
    frame = pd.DataFrame({"a": range(25), "b": [f"t{i}" for i in range(25)]})
    written = []
    for sizes in ([25], [3, 7, 15], [10, 10, 5]):
        appender = partition.TableAppender(tmp_path / f"{sizes}.parquet", tmp_path / "x.csv")
        start = 0
        for n in sizes:
            appender.append(frame.iloc[start : start + n])
            start += n
        appender.close(lambda: frame.iloc[:0])
        written.append((tmp_path / f"{sizes}.parquet").read_bytes())
        assert pq.ParquetFile(tmp_path / f"{sizes}.parquet").metadata.num_row_groups == 3
    assert written[0] == written[1] == written[2]


@pytest.mark.parametrize("name", ["surveymonkey.csv", "qualtrics.csv", "google_forms.csv"])
def test_exports_with_extra_header_rows_read_the_same_in_small_chunks(name, tmp_path):
    export = Path(__file__).parent / "data" / "exports" / name
    cb = load_codebook(None)
    outs = []
    for rows in (5, 1000):
        opts = runner.WaveOptions(wave="2026-W1", out_dir=tmp_path / str(rows), chunk_rows=rows)
        res = runner.run_wave(
            [export], PipelineConfig(), cb, build_rules(cb), INFO, replace(opts, **QUICK)
        )
        assert res.manifest["conservation"]["total"]["quarantined"] == 0
        outs.append((res.out_dir / "tagged.csv").read_bytes())
    assert outs[0] == outs[1]


def test_cache_clear_removes_only_the_run_caches(tmp_path):
    from cls_text.run.cache import clear_caches

    for name in ("prefect-results", "embeddings", "store"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "x").write_text("redacted answer")
    removed = clear_caches(tmp_path)
    assert sorted(p.name for p in removed) == ["embeddings", "prefect-results"]
    assert [p.name for p in tmp_path.iterdir()] == ["store"]
    assert clear_caches(tmp_path) == []


def test_a_dead_runs_staging_is_removed_by_the_next_run(tmp_path):
    import subprocess
    import sys

    from cls_text import io as cio

    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        text=True,
        capture_output=True,
        check=True,
    )
    left = tmp_path / f".2026-W1.staging-{dead.stdout.strip()}-abc"
    left.mkdir()
    (left / "tagged.csv").write_text("partial")
    mine = cio.make_staging(tmp_path / "2026-W1")  # this process's staging: alive
    again = cio.make_staging(tmp_path / "2026-W1")
    assert not left.exists()
    assert mine.exists() and again.exists()
