"""Wave-level steps read evidence from the staged file: the same outputs as from a whole table."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cls_text import schema as S
from cls_text.codebook import load_codebook
from cls_text.config import PipelineConfig
from cls_text.datasets.synthetic import make_quotes
from cls_text.report import build_report
from cls_text.run import wave as runner
from cls_text.run.partition import read_without_evidence
from cls_text.tag.select import build_rules
from cls_text.topics.residual import residual_sentences

RULES = {"kind": "rules", "name": "rules"}


def _source(folder: Path) -> tuple[Path, PipelineConfig]:
    """A 600-answer synthetic wave export and its config (rules tagger)."""
    quotes = make_quotes(600, seed=5, waves=("2026-W1",), questions=("answer",))
    src = folder / "wave.csv"
    quotes.rename(columns={"text": "answer"}).drop(columns=["question", "quote_id"]).to_csv(
        src, index=False
    )
    columns = {"id": "respondent_id", "questions": ["answer"], "wave": "wave"}
    columns |= {"respondent_type": "respondent_type", "site": "site"}
    return src, PipelineConfig.model_validate({"columns": columns, "tagger": "rules"})


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> runner.WaveResult:
    """The wave's tables only."""
    src, cfg = _source(tmp_path_factory.mktemp("in"))
    cb = load_codebook(None)
    opts = runner.WaveOptions(out_dir=tmp_path_factory.mktemp("out"), topics=False, report=False)
    return runner.run_wave([src], cfg, cb, build_rules(cb), RULES, opts)


def test_evidence_file_gives_the_cells_the_table_holds(run):
    path = run.out_dir / "tagged.parquet"
    whole = pd.read_parquet(path)
    pruned, evidence = read_without_evidence(path)
    assert not [c for c in pruned.columns if c.endswith(S.EVIDENCE_SUFFIX)]
    assert list(pruned.columns) == [c for c in whole.columns if not c.endswith("_evidence")]
    rows = np.random.default_rng(0).permutation(len(whole))[:200]
    tagged_somewhere = 0
    for t in load_codebook(None).theme_ids():
        cells = evidence(t, rows)
        assert cells == whole[S.evidence_col(t)].iloc[rows].tolist()
        tagged_somewhere += sum(c not in ("", "[]") for c in cells)
    assert tagged_somewhere > 20  # real evidence was compared, not only empty cells
    assert evidence("no_such_theme", rows[:3]) == [None, None, None]


def test_report_and_residual_sentences_match_the_whole_table(run, tmp_path):
    path = run.out_dir / "tagged.parquet"
    whole = pd.read_parquet(path)
    pruned, evidence = read_without_evidence(path)
    cb = load_codebook(None)
    pd.testing.assert_frame_equal(
        residual_sentences(whole, cb), residual_sentences(pruned, cb, evidence=evidence)
    )
    manifest = json.loads((run.out_dir / "manifest.json").read_text())
    written = {}
    cases = (("whole", whole, None), ("file", pruned, evidence), ("none", pruned, None))
    for name, table, source in cases:
        paths = build_report(
            table, codebook=cb, manifest=manifest, out_dir=tmp_path / name, evidence=source
        )
        written[name] = {k: Path(p).read_bytes() for k, p in paths.items()}
    assert written["whole"] == written["file"]
    # Without the evidence the workbook's theme sheets differ: the file's cells were used.
    assert written["none"]["xlsx"] != written["file"]["xlsx"]


def test_the_runner_hands_the_report_a_table_without_evidence_and_a_reader(tmp_path):
    from cls_text.run import steps

    seen = {}

    def write_report(tagged, cb, manifest, history, topics, out_dir, evidence=None):
        seen["columns"] = list(tagged.columns)
        seen["cells"] = evidence("trust", np.arange(0, len(tagged), 7))  # read while staged
        return steps.write_report(tagged, cb, manifest, history, topics, out_dir, evidence)

    src, cfg = _source(tmp_path)
    cb = load_codebook(None)
    opts = runner.WaveOptions(out_dir=tmp_path / "out", topics=False, report=True)
    wave_steps = runner.WaveSteps(write_report=write_report)
    runner.run_wave([src], cfg, cb, build_rules(cb), RULES, opts, steps=wave_steps)
    assert "trust" in seen["columns"]
    assert not [c for c in seen["columns"] if c.endswith(S.EVIDENCE_SUFFIX)]
    published = pd.read_parquet(tmp_path / "out" / "tagged.parquet")
    rows = np.arange(0, len(published), 7)
    assert seen["cells"] == published["trust_evidence"].iloc[rows].tolist()
    assert (tmp_path / "out" / "report.xlsx").is_file()


def test_evidence_file_reads_cells_across_row_groups_in_any_order(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from cls_text.run.partition import EvidenceFile

    cells = [f'[{{"n": {i}}}]' if i % 3 else "" for i in range(10)]
    path = tmp_path / "t.parquet"
    table = pa.table({"x": list(range(10)), "trust_evidence": cells})
    pq.write_table(table, path, row_group_size=3)
    assert pq.ParquetFile(path).num_row_groups == 4
    read = EvidenceFile(path)
    rows = np.array([9, 0, 4, 5, 3, 8])
    assert read("trust", rows) == [cells[i] for i in rows]
    assert read("trust", np.array([], dtype=int)) == []
    assert read("culture", np.array([1, 2])) == [None, None]  # no such column


def test_sentence_spans_of_a_cell_are_those_of_its_parsed_evidence():
    text = "Forms everywhere. We trust the team now."
    items = [
        S.Evidence.at(text, (21, 26), sentence=(18, 40), term="trust", score=0.9, source="rules"),
        S.Evidence.at(text, (0, 5), sentence=(0, 17), term="forms", score=0.5, source="default"),
    ]
    cell = S.evidence_to_json(items)
    assert S.evidence_sentence_spans(cell) == [
        (e.sent_start, e.sent_end) for e in S.evidence_from_json(cell)
    ]
    assert S.evidence_sentence_spans(cell) == [(18, 40), (0, 17)]
    assert S.evidence_sentence_spans("") == []
