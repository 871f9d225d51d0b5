"""The wave runner: one design for every wave, from ten answers to a million.

1. **Chunks.** The inputs are read chunk by chunk (:class:`cls_text.ingest.chunks.WaveReader`);
   each chunk is redacted in input order by one redactor for the answers and one for the
   quarantine, kept across chunks, so pseudonym numbers (``[NAME-3]``) never depend on the chunk
   size; then tagged (:func:`cls_text.tag.frame.tag_table`), inline or through ``submit`` (a
   Prefect task runner: threads or a Dask cluster), at most ``max_in_flight`` chunks at once.
2. **Staged partition.** Each tagged chunk is appended, in input order, to ``tagged.parquet``
   and ``tagged.csv`` in the run's staging folder, and its quarantine to ``quarantine.csv``
   (:mod:`cls_text.run.partition`): memory stays bounded by a chunk.
3. **Wave-level steps** read the staged partition back without its evidence columns (most of
   its bytes), which they read per theme for the rows they use: the conservation proof, the
   theme table, topics, the report, the review files, the manifest (:class:`WaveSteps`).
4. **Publish**, in this one place: the staging folder replaces the output folder in one step,
   or is removed if anything failed, so the previous outputs stay untouched. The wave then
   replaces its partition of the cumulative store, from the published ``tagged.parquet``.

A small wave is one chunk, and re-running a wave gives the same bytes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from cls_text import io as cio
from cls_text import schema as S
from cls_text.codebook import Codebook
from cls_text.config import PipelineConfig
from cls_text.ingest.chunks import DEFAULT_CHUNK_ROWS
from cls_text.ingest.files import FileReport, expand_inputs
from cls_text.ingest.long import QUARANTINE_COLUMNS
from cls_text.ingest.text import flag_answers
from cls_text.io.background import background_writes, defer, wait_for_background
from cls_text.io.store import comparison_history, describe_comparison
from cls_text.run import steps as wave_steps
from cls_text.run.chunk_loop import (
    Done,
    Result,
    Staged,
    SubmitFn,
    stage_chunks,
    timed,
)
from cls_text.run.counts import theme_counts
from cls_text.run.manifest import build_manifest
from cls_text.run.memory import release_freed_memory
from cls_text.run.partition import EvidenceFile, read_without_evidence, write_tables_xlsx
from cls_text.tag.frame import tag_table

#: Excel's sheet limit is 1,048,576 rows including the header row.
EXCEL_MAX_ROWS = 1_048_575
#: ``tagged.xlsx`` is written up to this many rows by default. A million-answer wave's sheet
#: would hold about 72 million cells, which xlsxwriter writes one by one in the background
#: writer, for a sheet nobody reads in Excel. Larger waves get ``tagged.csv`` and
#: ``tagged.parquet``.
DEFAULT_XLSX_MAX_ROWS = 100_000


@dataclass(frozen=True)
class WaveOptions:
    """What a run is asked to do, beyond the config and codebook.

    Attributes:
        wave: Wave label (else the mapped wave column).
        out_dir: Output folder (None: ``data/processed/<wave>/``).
        store_dir: Cumulative store of all waves (None: no store, no trends).
        compare: Compare the wave with earlier waves of that store at all.
        compare_with: Only with this earlier wave (None: every earlier wave).
        coded_dir: Reviewers' decisions, for agreement figures and re-review.
        topics: Run emergent-topic discovery.
        report: Write the report and the review files.
        chunk_rows: Data rows read per chunk.
        xlsx_max_rows: Write ``tagged.xlsx`` only up to this many rows (at most Excel's limit).
        max_in_flight: Chunks being tagged at once (at least the number of workers).
        parameters: Run parameters for the manifest.
    """

    wave: str | None = None
    out_dir: Path | None = None
    # The store, and how the wave is compared with the earlier waves in it.
    store_dir: Path | None = None
    compare: bool = True
    compare_with: str | None = None
    coded_dir: Path | None = None
    topics: bool = True
    report: bool = True
    chunk_rows: int = DEFAULT_CHUNK_ROWS
    xlsx_max_rows: int = DEFAULT_XLSX_MAX_ROWS
    max_in_flight: int = 3
    parameters: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class WaveSteps:
    """The wave-level steps. The Prefect flow passes task-wrapped versions of the same ones."""

    find_topics: Callable[..., Any] = wave_steps.find_topics
    write_topics: Callable[..., dict[str, Path]] = wave_steps.write_topics
    load_history: Callable[..., pd.DataFrame | None] = comparison_history
    write_report: Callable[..., dict[str, Path]] = wave_steps.write_report
    write_review: Callable[..., dict[str, Path]] = wave_steps.write_review_files
    update_store: Callable[..., Path] = wave_steps.update_store


@dataclass
class WaveResult:
    """What a run produced (the manifest is also written as ``manifest.json``)."""

    out_dir: Path
    manifest: dict[str, Any]
    theme_table: pd.DataFrame
    rows: int
    chunks: int
    history: pd.DataFrame | None = None  # the earlier waves the report compared with


def default_out_dir(wave: str) -> Path:
    """``data/processed/<wave>/`` relative to the working directory."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in wave)
    return Path("data") / "processed" / safe


def _empty_tagged(tagger: object, codebook: Codebook, info: dict[str, Any]) -> pd.DataFrame:
    """The tagged table of a wave with no usable answer: all columns, no rows."""
    cols = [c for c in QUARANTINE_COLUMNS if c not in (S.REASON, S.COLUMN)]
    empty = flag_answers(pd.DataFrame(columns=cols))
    empty[S.SOURCE_ROW] = empty[S.SOURCE_ROW].astype("int64")
    return tag_table(empty, tagger, codebook, info)


def _finish_tables(
    staged: Staged, staging: Path, opts: WaveOptions, empty: Callable[[], pd.DataFrame]
) -> tuple[dict[str, Path], str | None]:
    """Close the partition; write ``tagged.xlsx`` (in the background) when the wave fits a sheet."""
    staged.tagged.close(empty)
    staged.quarantine.close(lambda: pd.DataFrame(columns=QUARANTINE_COLUMNS))
    paths = {
        "tagged_parquet": staging / "tagged.parquet",
        "tagged_csv": staging / "tagged.csv",
        "quarantine_csv": staging / "quarantine.csv",
    }
    limit = min(opts.xlsx_max_rows, EXCEL_MAX_ROWS)
    if staged.tagged.rows > limit:
        return paths, (
            f"tagged.xlsx not written: {staged.tagged.rows:,} rows exceed the limit of "
            f"{limit:,} (--xlsx-max-rows; Excel holds at most "
            f"{EXCEL_MAX_ROWS:,} data rows); use tagged.csv or tagged.parquet"
        )
    paths["tagged_xlsx"] = staging / "tagged.xlsx"
    defer(write_tables_xlsx, paths["tagged_parquet"], paths["quarantine_csv"], paths["tagged_xlsx"])
    return paths, None


@dataclass
class _Run:
    """One run's fixed inputs, shared by the wave-level steps below."""

    cfg: PipelineConfig
    codebook: Codebook
    tagger: object
    tagger_info: dict[str, Any]
    opts: WaveOptions
    steps: WaveSteps
    staging: Path
    timings: dict[str, float] = field(default_factory=dict)
    history: pd.DataFrame | None = None

    def tag_inline(self, frame: pd.DataFrame) -> Result:
        return Done(tag_table(frame, self.tagger, self.codebook, self.tagger_info))

    def empty_tagged(self) -> pd.DataFrame:
        return _empty_tagged(self.tagger, self.codebook, self.tagger_info)

    def topics(self, tagged: pd.DataFrame, evidence: EvidenceFile) -> tuple[Any, dict[str, Path]]:
        """Emergent topics, when asked for, and their files."""
        if not self.opts.topics:
            return None, {}
        with timed(self.timings, "topics"):
            result = self.steps.find_topics(
                tagged, self.codebook, self.cfg, self.tagger, evidence=evidence
            )
            return result, self.steps.write_topics(result, self.staging)

    def manifest(
        self,
        wave_label: str,
        reports: Sequence[FileReport],
        staged: Staged,
        tagged: pd.DataFrame,
        topic_result: Any,
        extra: dict[str, Any],
        flow_run_id: str | None,
    ) -> dict[str, Any]:
        """The run's manifest before its timings and output paths are known."""
        opts = self.opts
        return build_manifest(
            wave=wave_label,
            files=list(reports),
            codebook=self.codebook,
            tagger={k: v for k, v in self.tagger_info.items() if k != "card"},
            parameters={
                **opts.parameters,
                "max_text_chars": self.cfg.max_text_chars,
                "tagger": self.cfg.tagger,
                "topics": opts.topics,
                "report": opts.report,
                "chunk_rows": opts.chunk_rows,
            },
            theme_counts=theme_counts(tagged, self.codebook),
            conservation=staged.counts.conservation(reports),
            redactions=dict(staged.redactions),
            timings={},
            outputs={},
            flow_run_id=flow_run_id,
            extra=wave_steps.manifest_extras(topic_result)
            | wave_steps.agreement(opts.coded_dir, tagged, self.codebook)
            | extra
            | {
                "chunks": staged.chunks,
                "non_english": staged.counts.non_english_summary(self.codebook),
            },
        )

    def wave_steps(
        self,
        staged: Staged,
        label: str,
        paths: Sequence[Path],
        reports: Sequence[FileReport],
        flow_run_id: str | None,
    ) -> tuple[dict[str, Path], dict[str, Any]]:
        """Census, tables, topics, manifest, report: the steps after staging, in order."""
        with timed(self.timings, "census"):
            staged.counts.check_sources(paths, self.cfg, staged.reader.column_maps)
        with timed(self.timings, "write"):
            outputs, xlsx_note = _finish_tables(staged, self.staging, self.opts, self.empty_tagged)
        release_freed_memory()
        tagged, evidence = read_without_evidence(outputs["tagged_parquet"])
        release_freed_memory()  # Arrow's buffers of the read, now copied into the frame
        topic_result, topic_files = self.topics(tagged, evidence)
        release_freed_memory()
        extra = {"xlsx_skipped": xlsx_note}
        manifest = self.manifest(label, reports, staged, tagged, topic_result, extra, flow_run_id)
        outputs |= topic_files | self.report(tagged, evidence, manifest, topic_result)
        del tagged
        release_freed_memory()  # the table and the review files' scratch, while the helper writes
        with timed(self.timings, "spreadsheets_wait"):
            wait_for_background()
        return outputs, manifest

    def publish(self, manifest: dict[str, Any], outputs: dict[str, Path], out: Path) -> None:
        """Write the manifest (timings, final output paths) and publish staging as ``out``."""
        manifest["timings_s"] = {k: round(v, 3) for k, v in self.timings.items()}
        manifest["outputs"] = {
            k: wave_steps.relative_output(p, self.staging, out) for k, p in outputs.items()
        }
        cio.write_json_atomic(self.staging / "manifest.json", manifest)
        cio.publish_staging(self.staging, out)

    def report(
        self, tagged: pd.DataFrame, evidence: EvidenceFile, manifest: dict[str, Any], topics: Any
    ) -> dict:
        """The report and the review files (when asked for), written into staging."""
        if not self.opts.report:
            return {}
        with timed(self.timings, "report"):
            self.history = self.steps.load_history(
                self.opts.store_dir,
                self.codebook,
                wave=manifest["wave"],
                compare=self.opts.compare,
                compare_with=self.opts.compare_with,
            )
            manifest["comparison"] = describe_comparison(self.history, self.codebook)
            # The review files first: their scratch is freed before the spreadsheet helper
            # takes report.xlsx's cells, so the two never add up (a 1M wave's peak).
            review = self.steps.write_review(
                tagged, self.codebook, self.cfg, topics, self.staging, self.opts.coded_dir
            )
            release_freed_memory()
            paths = self.steps.write_report(
                tagged, self.codebook, manifest, self.history, topics, self.staging, evidence
            )
            return paths | review


def run_wave(
    inputs: Sequence[str | Path],
    cfg: PipelineConfig,
    codebook: Codebook,
    tagger: object,
    tagger_info: dict[str, Any],
    opts: WaveOptions,
    *,
    submit: SubmitFn | None = None,
    steps: WaveSteps | None = None,
    flow_run_id: str | None = None,
) -> WaveResult:
    """Process one wave into its output folder and the store.

    Args:
        inputs: Export files or folders of them (one wave).
        cfg: Pipeline config.
        codebook: The codebook.
        tagger: A fitted tagger (:func:`cls_text.tag.select.select_tagger`).
        tagger_info: Its info dict (``name``, ``kind`` ...).
        opts: What to run and where to write.
        submit: Starts tagging a redacted chunk elsewhere; None tags inline.
        steps: The wave-level steps (None: the library's own).
        flow_run_id: For the manifest.

    Raises:
        ClsTextError: bad input (nothing is published).
        ConservationError: counts do not add up (a bug; nothing is published).
    """
    started = time.perf_counter()
    paths = expand_inputs(inputs)
    reports = [FileReport.of(p) for p in paths]
    # Staging sits beside the final folder; the final name may only be known from the data.
    staging = cio.make_staging(opts.out_dir or default_out_dir(opts.wave or "wave"))
    run = _Run(cfg, codebook, tagger, tagger_info, opts, steps or WaveSteps(), staging)
    try:
        with background_writes():  # spreadsheets are written beside the later steps
            staged = stage_chunks(
                paths,
                reports,
                cfg,
                submit or run.tag_inline,
                staging,
                run.timings,
                wave=opts.wave,
                chunk_rows=opts.chunk_rows,
                max_in_flight=opts.max_in_flight,
            )
            wave_label = staged.counts.wave_label(opts.wave)
            out = opts.out_dir or default_out_dir(wave_label)
            outputs, manifest = run.wave_steps(staged, wave_label, paths, reports, flow_run_id)
        run.timings["total"] = time.perf_counter() - started
        run.publish(manifest, outputs, out)
    except BaseException:
        cio.discard_staging(staging)
        raise
    if opts.store_dir:
        release_freed_memory()  # the wave-level steps' tables, before the store's row groups
        run.steps.update_store(out / "tagged.parquet", opts.store_dir, wave_label, codebook)
    table = pd.DataFrame(manifest["theme_counts"])
    return WaveResult(out, manifest, table, staged.tagged.rows, staged.chunks, run.history)
