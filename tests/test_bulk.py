"""The streaming mode gives the whole-wave pipeline's rows, in bounded chunks, and never half."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from cls_text import schema as S
from cls_text.codebook.model import load_codebook
from cls_text.config import PipelineConfig
from cls_text.errors import ClsTextError, ConservationError
from cls_text.run import bulk, pipeline
from cls_text.tag.select import build_rules

N = 3000
CHUNK = 700
INFO = {"kind": "rules", "name": "rules"}


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


@pytest.fixture(scope="module")
def reference(export, tmp_path_factory) -> tuple[Path, pd.DataFrame]:
    """The whole-wave steps of process-wave (rules tagger)."""
    cfg, cb = _config(), load_codebook(None)
    data = pipeline.ingest_wave([export], cfg, wave=None)
    long, _ = pipeline.redact_wave(data.long, cfg)
    quarantine, _ = pipeline.redact_wave(data.quarantine, cfg)
    tagged = pipeline.tag_wave(long, build_rules(cb), cb, INFO)
    pipeline.conservation(data, tagged)
    out = tmp_path_factory.mktemp("ref")
    pipeline.write_wave_outputs(tagged, quarantine, out)
    return out, tagged


def _stream(export: Path, out: Path, **kw) -> bulk.StreamResult:
    cb = load_codebook(None)
    kw.setdefault("chunk_rows", CHUNK)
    return bulk.stream_wave([export], _config(), cb, build_rules(cb), INFO, out, **kw)


def test_stream_matches_whole_wave(export, reference, tmp_path):
    ref_dir, ref_tagged = reference
    res = _stream(export, tmp_path / "out")
    out = res.out_dir
    assert res.chunks == -(-N // CHUNK)
    for name in ("tagged.csv", "quarantine.csv"):
        assert (out / name).read_bytes() == (ref_dir / name).read_bytes(), name
    got = pd.read_parquet(out / "tagged.parquet")
    pd.testing.assert_frame_equal(got, pd.read_parquet(ref_dir / "tagged.parquet"))
    assert got[S.TEXT].str.contains(r"\[NAME-\d+\]").any()  # redaction numbering compared
    m = json.loads((out / "manifest.json").read_text())
    total = m["conservation"]["total"]
    assert total["answers_in"] == 2 * N
    assert total["answers_in"] == total["tagged"] + total["non_substantive"] + total["quarantined"]
    assert total["quarantined"] >= 4  # formula, blank, duplicate (2 answers), missing id
    expected = pipeline.theme_counts(ref_tagged, load_codebook(None)).to_dict("records")
    assert m["theme_counts"] == expected
    assert m["streaming"]["xlsx_skipped"] is None and (out / "tagged.xlsx").exists()


def test_stream_is_deterministic_and_skips_xlsx_above_limit(export, tmp_path):
    a = _stream(export, tmp_path / "a", xlsx_max_rows=1000).out_dir
    b = _stream(export, tmp_path / "b", xlsx_max_rows=1000).out_dir
    for name in ("tagged.parquet", "tagged.csv", "quarantine.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert not (a / "tagged.xlsx").exists()
    m = json.loads((a / "manifest.json").read_text())
    assert "exceed the limit of 1,000" in m["streaming"]["xlsx_skipped"]
    assert "tagged_xlsx" not in m["outputs"]


def test_submitted_tagging_gives_the_same_bytes(export, reference, tmp_path):
    """Tagging through a submit callable (as the flow does on Dask) keeps order and bytes."""
    from concurrent.futures import ThreadPoolExecutor

    cb = load_codebook(None)
    tagger = build_rules(cb)
    with ThreadPoolExecutor(2) as pool:
        res = bulk.stream_wave(
            [export],
            _config(),
            cb,
            tagger,
            INFO,
            tmp_path / "out",
            chunk_rows=CHUNK,
            submit=lambda f: pool.submit(pipeline.tag_wave, f, tagger, cb, INFO),
        )
    ref_dir, _ = reference
    assert (res.out_dir / "tagged.csv").read_bytes() == (ref_dir / "tagged.csv").read_bytes()


def test_failure_leaves_nothing_partial(export, tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    (out / "tagged.csv").write_text("previous run\n")
    calls = {"n": 0}
    real = pipeline.tag_wave

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("worker lost")
        return real(*args, **kwargs)

    monkeypatch.setattr(bulk, "tag_wave", flaky)
    with pytest.raises(RuntimeError, match="worker lost"):
        _stream(export, out)
    assert (out / "tagged.csv").read_text() == "previous run\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging folder left


def test_conservation_failure_is_loud(export, tmp_path, monkeypatch):
    real = pipeline.tag_wave
    monkeypatch.setattr(bulk, "tag_wave", lambda *a, **k: real(*a, **k).iloc[1:])
    with pytest.raises(ConservationError, match="does not add up"):
        _stream(export, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_respondent_in_two_files_stops(tmp_path):
    a = tmp_path / "in" / "a.csv"
    a.parent.mkdir()
    rows = "respondent_id,respondent_type,site,wave,answer,other\n"
    a.write_text(rows + "R1,staff,X,W,I trust them,fine\n")
    (tmp_path / "in" / "b.csv").write_text(rows + "R1,staff,X,W,Endless paperwork,ok\n")
    with pytest.raises(ClsTextError, match="appears in both"):
        _stream(a.parent, tmp_path / "out")
    assert not (tmp_path / "out").exists()
