"""Hostile inputs: each gets a clear error or a quarantined row, in bounded time and memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cls_text import schema as S
from cls_text.config import parse_config
from cls_text.errors import ClsTextError, InputFileError
from cls_text.ingest import chunks as pipeline
from tests.hostile.make_corpus import MAKERS, make_corpus

REPO = Path(__file__).resolve().parents[1]
Q1, Q2 = "What worked well?", "What could be better?"
CFG = parse_config(
    {
        "columns": {
            "id": "respondent_id",
            "questions": [Q1, Q2],
            "respondent_type": "respondent_type",
        }
    }
)
CFG_ONE_Q = parse_config({"columns": {"id": "respondent_id", "questions": [Q1]}})

# name -> ("error", message pattern) | ("quarantine", reason pattern, answers kept)
EXPECTED = {
    "truncated.csv": ("quarantine", r"row has 4 fields but the header has 5", 8),
    "ragged.csv": ("quarantine", r"row has 2 fields but the header has 5", 10),
    "mixed_encoding.csv": ("quarantine", r"undecodable|encoding", 16),
    "nul_bytes.csv": ("quarantine", r"NUL bytes", 6),
    "big_cell.csv": ("quarantine", r"5,242,880 characters long, more than one answer", 7),
    "wide.csv": ("ok", None, 3),
    "empty.csv": ("error", r"empty \(0 bytes\)"),
    "header_only.csv": ("error", r"header row but no data rows"),
    "wrong_nesting.json": ("error", r"not one holding a single list"),
    "scalar_records.json": ("quarantine", r"record is a str, not an object", 4),
    "zip_bomb.xlsx": ("error", r"zip bomb"),
    "not_a_zip.xlsx": ("error", r"not a zip archive"),
    "merged_header.xlsx": ("error", r"names columns the file does not have.*Open questions"),
    "hidden_sheet.xlsx": ("ok", None, 8),
    "formulas.xlsx": ("quarantine", r"spreadsheet formula", 8),
    "duplicate_header.csv": ("ok", None, 15),  # 5 respondents x 3 answer columns
    "stray_quote.csv": ("ok", None, 12),  # the swallowed rows are rows again
    "utf16_no_bom.csv": ("ok", None, 10),
    "pdf_renamed.csv": ("error", r"its content is a PDF document"),
    "docx_renamed.csv": ("error", r"its content is a Word document \(\.docx\)"),
    "merged_cell_header.xlsx": ("ok", None, 12),  # 4 respondents x 3 answer columns
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, Path]:
    return make_corpus(tmp_path_factory.mktemp("hostile"))


def test_every_corpus_file_has_an_expectation():
    assert set(EXPECTED) == set(MAKERS)


def test_corpus_files_are_small_except_the_big_cell(corpus):
    for name, path in corpus.items():
        limit = 6_000_000 if name == "big_cell.csv" else 200_000
        assert path.stat().st_size < limit, name


# The chunked reader streams a file that decodes as UTF-8 without asking the reader's
# detection; ASCII text in UTF-16 without a BOM does decode as UTF-8 (a NUL after every letter).
# Fix: cls_text/ingest/chunks.py _utf8_encoding returns None when
# cls_text.io.sniff.utf16_without_bom(first bytes) is not None (the whole-file reader then
# detects it, as tests/test_census.py shows for non-ASCII text).
_UTF16_STREAMED = pytest.mark.xfail(
    strict=True, reason="chunked reader streams BOM-less ASCII UTF-16 as UTF-8"
)


def _marked(names):
    return [pytest.param(n, marks=_UTF16_STREAMED) if n == "utf16_no_bom.csv" else n for n in names]


@pytest.mark.parametrize("name", _marked(sorted(EXPECTED)))
def test_hostile_file_gives_clear_error_or_quarantine(corpus, name):
    expected = EXPECTED[name]
    cfg = CFG_ONE_Q if name in ("wide.csv", "scalar_records.json") else CFG
    if expected[0] == "error":
        with pytest.raises(InputFileError, match=expected[1]) as info:
            pipeline.ingest_wave([corpus[name]], cfg, wave="W1")
        msg = str(info.value)
        assert name in msg and "Fix:" in msg and "Traceback" not in msg
    else:
        data = pipeline.ingest_wave([corpus[name]], cfg, wave="W1")
        assert len(data.long) == expected[2]
        if expected[0] == "quarantine":
            reasons = data.quarantine[S.REASON].tolist()
            assert reasons and any(__import__("re").search(expected[1], r) for r in reasons)
            # quarantined rows keep where they came from
            assert (data.quarantine[S.SOURCE_FILE] == name).all()
            assert (data.quarantine[S.SOURCE_ROW] >= 1).all()
        else:
            assert data.quarantine.empty


@pytest.mark.parametrize("name", _marked(sorted(n for n, e in EXPECTED.items() if e[0] != "error")))
def test_hostile_file_conserves_against_the_source(corpus, name):
    from cls_text.ingest.census import check_against_source, output_counts

    cfg = CFG_ONE_Q if name in ("wide.csv", "scalar_records.json") else CFG
    data = pipeline.ingest_wave([corpus[name]], cfg, wave="W1")
    counts = output_counts(
        data.long, data.quarantine, name, respondents_in=data.files[0].respondents_in
    )
    check_against_source(corpus[name], cfg, counts)


def test_hidden_sheet_is_skipped_and_formulas_never_reach_text(corpus):
    data = pipeline.ingest_wave([corpus["hidden_sheet.xlsx"]], CFG, wave="W1")
    assert "secret" not in " ".join(data.long[S.TEXT])
    data = pipeline.ingest_wave([corpus["formulas.xlsx"]], CFG, wave="W1")
    assert not data.long[S.TEXT].str.startswith("=").any()


def test_wide_export_detection_is_bounded(corpus):
    """Auto-detecting the column map of a 10,000-column export (was ~25 s, now ~1 s)."""
    data = pipeline.ingest_wave([corpus["wide.csv"]], parse_config({}), wave="W1")
    assert set(data.long[S.QUESTION]) == {Q1}
    assert any("'What worked well?'" in line for line in data.files[0].detected_map)


_MEMORY_PROBE = """
import json, resource, sys, time
from pathlib import Path
from cls_text.ingest import chunks as pipeline
from cls_text.config import parse_config
from cls_text.errors import InputFileError
cfg = parse_config({"columns": {"id": "respondent_id", "questions": ["What worked well?"]}})
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
out = {}
for p in sys.argv[1:]:
    t = time.perf_counter()
    try:
        pipeline.ingest_wave([p], cfg, wave="W1")
    except InputFileError:
        pass
    out[Path(p).name] = time.perf_counter() - t
out["grew_mb"] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024
print(json.dumps(out))
"""


@pytest.mark.slow
def test_big_inputs_stay_within_bounded_memory(corpus):
    names = ["big_cell.csv", "wide.csv", "zip_bomb.xlsx"]
    proc = subprocess.run(
        [sys.executable, "-c", _MEMORY_PROBE, *(str(corpus[n]) for n in names)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=900,  # a hang guard only: a busy machine may be slow
        check=True,
    )
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    assert res["grew_mb"] < 400, res  # a 5 MB cell is copied a few times, never unbounded


@pytest.mark.slow
@pytest.mark.parametrize("name", ["empty.csv", "zip_bomb.xlsx"])
def test_cli_run_exits_2_with_one_paragraph_and_no_traceback(corpus, name, tmp_path):
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "flows.cli", "run", str(corpus[name]), "--out-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=900,  # a hang guard only: a busy machine may be slow
        check=False,
    )
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert f"Error: Cannot use input file '{corpus[name]}'" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert not list(tmp_path.iterdir())


# -- fuzz ------------------------------------------------------------------------------------
_cell = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",))
    | st.sampled_from(',"\n\r\x00;'),
    max_size=40,
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    suffix=st.sampled_from([".csv", ".tsv", ".json", ".jsonl", ".xlsx"]),
    body=st.one_of(
        st.binary(max_size=300),
        st.lists(st.lists(_cell, min_size=1, max_size=5), max_size=6).map(
            lambda rows: "\n".join(",".join(r) for r in rows).encode("utf-8", "surrogatepass")
        ),
    ),
    header=st.booleans(),
)
def test_fuzz_ingest_raises_only_clear_errors(suffix, body, header):
    """Any bytes under any supported name: a result or a ClsTextError, never a crash."""
    if header and suffix in (".csv", ".tsv"):
        body = f"respondent_id,{Q1}\n".encode() + body
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / f"fuzz{suffix}"
        p.write_bytes(body)
        for cfg in (CFG_ONE_Q, parse_config({})):
            try:
                data = pipeline.ingest_wave([p], cfg, wave="W1")
            except ClsTextError as err:
                assert str(err).strip()
            else:
                assert len(data.long) + len(data.quarantine) >= 1
