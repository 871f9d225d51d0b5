"""Bounded-memory streaming of big waves: read, redact, tag and write one chunk at a time.

``process-wave`` holds the whole wave in memory, which grows linearly with the wave (about
1.6 GB at 100,000 answers). :func:`stream_wave` keeps only a few chunks in memory at once:

1. **read** each CSV export in chunks of ``chunk_rows`` data rows (the same parsing and row
   checks as :func:`cls_text.io.readers.read_table`; XLSX/JSON files and CSV files that are not
   valid UTF-8 are read whole, then chunked), and melt each chunk with
   :func:`cls_text.ingest.long.to_long` under one column map;
2. **redact** each chunk in order with one redactor for the answers and one for the
   quarantine, kept across chunks, so pseudonym numbers (``[NAME-3]``) are exactly those of a
   whole-wave run;
3. **tag** each chunk (row-wise), inline or through a ``submit`` callable (a Prefect task
   runner, e.g. Dask); at most ``max_in_flight`` chunks are pending at once;
4. **append** each tagged chunk, in input order, to ``tagged.parquet`` (one row group per
   chunk), ``tagged.csv`` and ``quarantine.csv`` (formula-neutralised, as
   :mod:`cls_text.io.writers` writes them) inside a staging folder that is published at the end, or
   removed if anything fails.

The conservation proof (answers in = tagged + non-substantive + quarantined) is accumulated per
file and checked for every chunk and at the end. ``tagged.xlsx`` is only written when the wave
has at most ``xlsx_max_rows`` rows (Excel holds 1,048,576 rows with its header); otherwise the
manifest says it was skipped and why.

Compared with ``process-wave``: rows, ``quote_id`` values and pseudonym numbers are the same
and ``tagged.csv`` / ``quarantine.csv`` are byte-identical; ``tagged.parquet`` holds the same
table in one row group per chunk. Files are processed in file-name order (the order of the
outputs). Each respondent must appear in one input file only (the whole-wave run compares a
respondent's answers across files): the run stops with a clear message otherwise. When the
column map is detected rather than configured, it is detected from each file's first chunk.
"""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pandas as pd

from cls_text import io as cio
from cls_text import schema as S
from cls_text.codebook.model import Codebook
from cls_text.config import ColumnMap, PipelineConfig
from cls_text.errors import ClsTextError, ConservationError, InputFileError
from cls_text.ingest.long import (
    QUARANTINE_COLUMNS,
    _as_text,
    detect_column_map,
    resolve_columns,
    to_long,
)
from cls_text.ingest.text import flag_answers
from cls_text.ingest.validate import validate_long
from cls_text.io.readers import _NUL_MARK, RawTable, iter_csv, read_table
from cls_text.run.pipeline import FileReport, expand_inputs, tag_wave

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.parquet as pq

#: Excel's sheet limit is 1,048,576 rows including the header row.
EXCEL_MAX_ROWS = 1_048_575
#: Default rows per chunk (a chunk's tagged frame takes ~100 MB).
DEFAULT_CHUNK_ROWS = 50_000
_STREAMED_SUFFIXES = (".csv", ".tsv", ".txt")


class _Result(Protocol):
    def result(self) -> pd.DataFrame: ...


#: ``submit(frame)`` starts tagging one redacted chunk and returns something with ``.result()``.
SubmitFn = Callable[[pd.DataFrame], _Result]


@dataclass
class _Done:
    value: pd.DataFrame

    def result(self) -> pd.DataFrame:
        return self.value


@dataclass
class Chunk:
    """One chunk of one file after ingest: its answers, its quarantine and its raw counts."""

    file: str
    long: pd.DataFrame
    quarantine: pd.DataFrame
    respondents_in: int
    answers_in: int


@dataclass
class StreamResult:
    """What :func:`stream_wave` produced (the manifest is also written as ``manifest.json``)."""

    out_dir: Path
    manifest: dict[str, Any]
    rows: int
    chunks: int
    timings: dict[str, float] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# Reading in chunks


def _utf8_encoding(path: Path, encoding: str | None) -> str | None:
    """The codec to stream ``path`` with, or None when it must be read whole to decide.

    A configured encoding is used as is. Otherwise a file that decodes as UTF-8 (with or
    without BOM) throughout is streamed; anything else (UTF-16, Windows-1252, a few bad bytes)
    goes through :func:`cls_text.io.readers.decode_bytes` on the whole file.
    """
    import codecs

    if encoding:
        return encoding
    decoder = codecs.getincrementaldecoder("utf-8")()
    with open(path, "rb") as fh:
        head = fh.read(4)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return None
        bom = head.startswith(codecs.BOM_UTF8)
        fh.seek(0)
        try:
            while block := fh.read(1 << 22):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return None
    return "utf-8-sig" if bom else "utf-8"


def _csv_chunks(path: Path, encoding: str, chunk_rows: int) -> Iterator[RawTable]:
    """Parse a CSV export as :func:`~cls_text.io.readers.read_table` does, in chunks."""
    with open(path, encoding=encoding, newline="") as fh:
        sample = fh.read(64 * 1024).replace("\x00", _NUL_MARK)
    with open(path, encoding=encoding, newline="") as fh:
        lines = (line.replace("\x00", _NUL_MARK) for line in fh)
        for table in iter_csv(path, lines, sample, chunk_rows=chunk_rows, encoding=encoding):
            if table.frame.shape[1] == 0:
                raise InputFileError(
                    path, "no columns were found.", "check the file has a header row."
                )
            if table.frame.empty:  # only ever the sole table of a file without data rows
                raise InputFileError(
                    path,
                    "it has a header row but no data rows.",
                    "check the export includes responses.",
                )
            yield table


def raw_chunks(path: str | Path, cfg: PipelineConfig, chunk_rows: int) -> Iterator[RawTable]:
    """Yield a survey export as raw wide tables of at most ``chunk_rows`` data rows.

    UTF-8 CSV files are streamed; other files are read whole by
    :func:`cls_text.io.readers.read_table` and cut into chunks.

    Raises:
        ValueError: when ``chunk_rows`` is not positive.
        InputFileError: as :func:`cls_text.io.readers.read_table`.
    """
    if chunk_rows <= 0:
        raise ValueError(f"chunk_rows must be positive, got {chunk_rows}")
    p = Path(path)
    encoding = None
    if p.suffix.lower() in _STREAMED_SUFFIXES and p.is_file() and p.stat().st_size > 0:
        encoding = _utf8_encoding(p, cfg.encoding)
    if encoding is None:
        whole = read_table(p, sheet=cfg.sheet, encoding=cfg.encoding)
        for start in range(0, len(whole.frame), chunk_rows):
            stop = start + chunk_rows
            yield RawTable(
                whole.path,
                whole.frame.iloc[start:stop].reset_index(drop=True),
                whole.row_numbers[start:stop],
                {k - start: v for k, v in whole.row_problems.items() if start <= k < stop},
                whole.encoding,
            )
        return
    yield from _csv_chunks(p, encoding, chunk_rows)


def ingest_chunks(
    path: Path,
    cfg: PipelineConfig,
    *,
    wave: str | None,
    chunk_rows: int,
    seen: dict[str, str],
    report: FileReport,
) -> Iterator[Chunk]:
    """Melt one file chunk by chunk: the same long table and quarantine as the whole file.

    A respondent id repeated later in the file is quarantined as :func:`to_long` does within
    one table (the first row is kept). ``seen`` maps respondent ids of earlier files to their
    file; a respondent found in two files stops the run. ``report`` is filled in as chunks go.
    """
    column_map: ColumnMap | None = cfg.columns
    first_row: dict[str, int] = {}  # this file's respondent ids -> first row
    for raw in raw_chunks(path, cfg, chunk_rows):
        if column_map is None:
            column_map, report.detected_map = detect_column_map(raw)
        id_col = resolve_columns(raw, column_map)["id"]
        ids = raw.frame[id_col].to_numpy(dtype=object)
        again: dict[int, str] = {}
        for pos, value in enumerate(ids):
            if pos in raw.row_problems:
                continue
            rid = _as_text(value)
            if not rid:
                continue
            if rid in first_row:
                if first_row[rid] < raw.row_numbers[0]:  # earlier chunk: to_long cannot see it
                    again[pos] = rid
                continue
            first_row[rid] = raw.row_numbers[pos]
            if rid in seen:
                raise ClsTextError(
                    f"Respondent '{rid}' appears in both '{seen[rid]}' and '{path.name}'. "
                    "The streaming run needs each respondent in one file: run the wave without "
                    "--stream, or merge the files."
                )
        for pos in again:
            raw.row_problems[pos] = ""  # marks the row; reason and column set below
        res = to_long(raw, cfg, wave=wave, column_map=column_map)
        quarantine = res.quarantine
        if again:
            rows = {raw.row_numbers[pos]: rid for pos, rid in again.items()}
            hit = quarantine[S.SOURCE_ROW].isin(list(rows))
            quarantine = quarantine.copy()
            quarantine.loc[hit, S.REASON] = [
                f"respondent id '{rows[r]}' already appears at row {first_row[rows[r]]} of this "
                "file (duplicated respondent; the first row is kept)"
                for r in quarantine.loc[hit, S.SOURCE_ROW]
            ]
            quarantine.loc[hit, S.COLUMN] = id_col
        long = flag_answers(res.long)
        validate_long(long)
        report.respondents_in += res.respondents_in
        report.answers_in += res.answers_in
        report.encoding = raw.encoding
        yield Chunk(path.name, long, quarantine, res.respondents_in, res.answers_in)
    for rid in first_row:
        seen[rid] = path.name


# --------------------------------------------------------------------------------------------
# Writing by appending


class _TableAppender:
    """Append frames to a Parquet file (one row group each) and a formula-safe CSV."""

    def __init__(self, parquet: Path | None, csv_path: Path) -> None:
        self.parquet = parquet
        self.csv = csv_path
        self._writer: pq.ParquetWriter | None = None
        self._schema: pa.Schema | None = None
        self._header = True
        self.rows = 0

    def append(self, df: pd.DataFrame) -> None:
        if self.parquet is not None:
            self._append_parquet(df)
        safe = cio.neutralise_frame(df)
        safe.to_csv(
            self.csv,
            mode="w" if self._header else "a",
            header=self._header,
            index=False,
            encoding="utf-8-sig" if self._header else "utf-8",
            lineterminator="\n",
        )
        self._header = False
        self.rows += len(df)

    def _append_parquet(self, df: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(df.reset_index(drop=True), preserve_index=False)
        table = table.replace_schema_metadata(None)
        if self._schema is None:
            # A column that is empty in the first chunk has no type yet: text is the default.
            fields = [
                pa.field(f.name, pa.string()) if pa.types.is_null(f.type) else f
                for f in table.schema
            ]
            self._schema = pa.schema(fields)
            assert self.parquet is not None
            self._writer = pq.ParquetWriter(
                self.parquet, self._schema, compression="zstd", write_statistics=True
            )
        table = table.cast(self._schema)
        assert self._writer is not None
        self._writer.write_table(table, row_group_size=max(len(table), 1))

    def close(self, empty: Callable[[], pd.DataFrame]) -> None:
        """Finish the files; with no rows at all, write ``empty()``'s header (and schema)."""
        if self._header:
            self.append(empty())
        if self._writer is not None:
            self._writer.close()
            self._writer = None


# --------------------------------------------------------------------------------------------
# Running a wave


class _Counts:
    """Conservation and theme counts, accumulated chunk by chunk."""

    def __init__(self, codebook: Codebook) -> None:
        self.codebook = codebook
        self.per_file: dict[str, dict[str, int]] = {}
        self.quotes: Counter[str] = Counter()
        self.respondents: Counter[str] = Counter()
        self.n_quotes = 0
        self.n_respondents = 0

    def add(self, chunk: Chunk, tagged: pd.DataFrame) -> None:
        non_sub_mask = tagged[S.NON_SUBSTANTIVE].astype(bool)
        non_sub = int(non_sub_mask.sum())
        got = {
            "respondents_in": chunk.respondents_in,
            "answers_in": chunk.answers_in,
            "tagged": len(tagged) - non_sub,
            "non_substantive": non_sub,
            "quarantined": len(chunk.quarantine),
        }
        if got["answers_in"] != got["tagged"] + got["non_substantive"] + got["quarantined"]:
            raise ConservationError(
                f"a chunk of '{chunk.file}' does not add up: {got}. This is a bug in cls-text; "
                "no output was written."
            )
        acc = self.per_file.setdefault(chunk.file, dict.fromkeys(got, 0))
        for k, v in got.items():
            acc[k] += v
        # A respondent's answers are all in one chunk, so per-chunk respondent counts add up.
        sub = tagged[~non_sub_mask]
        self.n_quotes += len(sub)
        self.n_respondents += sub[S.RESPONDENT_ID].nunique()
        for t in self.codebook.theme_ids():
            hit = sub[sub[t] == 1]
            self.quotes[t] += len(hit)
            self.respondents[t] += hit[S.RESPONDENT_ID].nunique()

    def check(self, files: Sequence[FileReport]) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for f in files:
            c = self.per_file.get(f.name) or dict.fromkeys(
                ("respondents_in", "answers_in", "tagged", "non_substantive", "quarantined"), 0
            )
            if (
                c["answers_in"] != f.answers_in
                or c["answers_in"] != c["tagged"] + c["non_substantive"] + c["quarantined"]
            ):
                raise ConservationError(
                    f"answers from '{f.name}' do not add up: {c}. This is a bug in cls-text; "
                    "no output was written."
                )
            out[f.name] = dict(c)
        return out

    def theme_table(self) -> pd.DataFrame:
        """The same table as :func:`cls_text.run.pipeline.theme_counts`."""
        nq, nr = self.n_quotes, self.n_respondents
        return pd.DataFrame(
            [
                {
                    "theme": t.id,
                    "label": t.label,
                    "quotes": self.quotes[t.id],
                    "share_of_quotes": round(self.quotes[t.id] / nq, 4) if nq else 0.0,
                    "respondents": self.respondents[t.id],
                    "share_of_respondents": round(self.respondents[t.id] / nr, 4) if nr else 0.0,
                }
                for t in self.codebook.themes
            ]
        )


def _redactor(cfg: PipelineConfig) -> Any:
    from cls_text.pii import RedactionConfig, Redactor

    rcfg = RedactionConfig.model_validate(cfg.redaction)
    return Redactor(rcfg) if rcfg.enabled else None


def _redact(redactor: Any, frame: pd.DataFrame, totals: Counter[str]) -> pd.DataFrame:
    if redactor is None or frame.empty:
        return frame
    out, counts = redactor.redact_frame(frame, text_col=S.TEXT, key_col=S.RESPONDENT_ID)
    totals.update(dict(counts))
    return out


def _sort_quarantine(q: pd.DataFrame) -> pd.DataFrame:
    q = q.sort_values([S.SOURCE_FILE, S.SOURCE_ROW, S.QUESTION], kind="stable")
    return q.reset_index(drop=True)


def _empty_tagged(tagger: object, codebook: Codebook, info: dict[str, Any]) -> pd.DataFrame:
    cols = [c for c in QUARANTINE_COLUMNS if c not in (S.REASON, S.COLUMN)]
    empty = flag_answers(pd.DataFrame(columns=cols))
    empty[S.SOURCE_ROW] = empty[S.SOURCE_ROW].astype("int64")
    return tag_wave(empty, tagger, codebook, info)


def stream_wave(
    inputs: Sequence[str | Path],
    cfg: PipelineConfig,
    codebook: Codebook,
    tagger: object,
    tagger_info: dict[str, Any],
    out_dir: str | Path,
    *,
    wave: str | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    xlsx_max_rows: int = EXCEL_MAX_ROWS,
    submit: SubmitFn | None = None,
    max_in_flight: int = 3,
    parameters: dict[str, Any] | None = None,
    flow_run_id: str | None = None,
) -> StreamResult:
    """Process one wave chunk by chunk into ``out_dir`` with bounded memory.

    Args:
        inputs: Export files or folders of them (one wave).
        cfg: Pipeline config.
        codebook: The codebook.
        tagger: A fitted tagger (:func:`cls_text.tag.select.select_tagger`).
        tagger_info: Its info dict (``name``, ``kind`` ...).
        out_dir: Final output folder (replaced at the end, untouched on failure).
        wave: Wave label (else the mapped wave column).
        chunk_rows: Data rows read per chunk (respondents; answers = rows x questions).
        xlsx_max_rows: Write ``tagged.xlsx`` only when the wave has at most this many rows.
        submit: Starts tagging a redacted chunk elsewhere (returns an object with
            ``.result()``); None tags inline.
        max_in_flight: Chunks tagged concurrently before the oldest is waited for.
        parameters: Extra run parameters for the manifest.
        flow_run_id: For the manifest.

    Raises:
        ClsTextError: bad input (nothing is published).
        ConservationError: counts do not add up (a bug; nothing is published).
    """
    from cls_text.run.manifest import build_manifest

    started = time.perf_counter()
    timings = dict.fromkeys(("ingest", "redact", "tag_submit", "tag_wait", "write"), 0.0)
    paths = sorted(expand_inputs(inputs), key=lambda p: p.name)
    reports = [FileReport(p.name, cio.sha256_file(p), p.stat().st_size, None, 0, 0) for p in paths]
    counts = _Counts(codebook)
    redactions: Counter[str] = Counter()
    redact_answers, redact_quarantine = _redactor(cfg), _redactor(cfg)
    waves: set[str] = set()
    seen: dict[str, str] = {}
    tag = submit or (lambda frame: _Done(tag_wave(frame, tagger, codebook, tagger_info)))
    pending: deque[tuple[Chunk, _Result]] = deque()
    n_chunks = 0

    out = Path(out_dir)
    staging = cio.make_staging(out)
    try:
        tagged_out = _TableAppender(staging / "tagged.parquet", staging / "tagged.csv")
        quarantine_out = _TableAppender(None, staging / "quarantine.csv")

        def drain(keep: int) -> None:
            while len(pending) > keep:
                chunk, fut = pending.popleft()
                t0 = time.perf_counter()
                tagged = fut.result()
                timings["tag_wait"] += time.perf_counter() - t0
                t0 = time.perf_counter()
                counts.add(chunk, tagged)
                tagged_out.append(tagged)
                quarantine_out.append(_sort_quarantine(chunk.quarantine))
                timings["write"] += time.perf_counter() - t0

        for path, report in zip(paths, reports, strict=True):
            chunks = ingest_chunks(
                path, cfg, wave=wave, chunk_rows=chunk_rows, seen=seen, report=report
            )
            while True:
                t0 = time.perf_counter()
                chunk = next(chunks, None)
                timings["ingest"] += time.perf_counter() - t0
                if chunk is None:
                    break
                t0 = time.perf_counter()
                chunk.long = _redact(redact_answers, chunk.long, redactions)
                chunk.quarantine = _redact(redact_quarantine, chunk.quarantine, redactions)
                timings["redact"] += time.perf_counter() - t0
                waves |= set(chunk.long[S.WAVE]) | set(chunk.quarantine[S.WAVE])
                t0 = time.perf_counter()
                pending.append((chunk, tag(chunk.long)))
                timings["tag_submit"] += time.perf_counter() - t0
                n_chunks += 1
                drain(max(max_in_flight - 1, 0))
        drain(0)
        wave_label = _wave_label(waves, wave)
        conservation = counts.check(reports)
        t0 = time.perf_counter()
        tagged_out.close(lambda: _empty_tagged(tagger, codebook, tagger_info))
        quarantine_out.close(lambda: pd.DataFrame(columns=QUARANTINE_COLUMNS))
        outputs = {
            "tagged_parquet": staging / "tagged.parquet",
            "tagged_csv": staging / "tagged.csv",
            "quarantine_csv": staging / "quarantine.csv",
        }
        if tagged_out.rows <= xlsx_max_rows:
            tagged_all = pd.read_parquet(staging / "tagged.parquet")
            q_all = pd.read_csv(
                staging / "quarantine.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig"
            ).astype({S.SOURCE_ROW: "int64"})
            outputs["tagged_xlsx"] = cio.write_xlsx(
                {"tagged": tagged_all, "quarantine": q_all}, staging / "tagged.xlsx"
            )
            xlsx_note = None
        else:
            xlsx_note = (
                f"tagged.xlsx not written: {tagged_out.rows:,} rows exceed the limit of "
                f"{xlsx_max_rows:,} (Excel holds at most {EXCEL_MAX_ROWS:,} data rows); "
                "use tagged.csv or tagged.parquet"
            )
        timings["write"] += time.perf_counter() - t0
        # Inline tagging runs in "submit"; on a task runner the parent waits in "wait".
        timings["tag"] = timings.pop("tag_submit", 0.0) + timings.pop("tag_wait", 0.0)
        timings["total"] = time.perf_counter() - started
        manifest = build_manifest(
            wave=wave_label,
            files=reports,
            codebook=codebook,
            tagger={k: v for k, v in tagger_info.items() if k != "card"},
            parameters={
                **(parameters or {}),
                "max_text_chars": cfg.max_text_chars,
                "tagger": cfg.tagger,
                "stream": True,
                "chunk_rows": chunk_rows,
                "xlsx_max_rows": xlsx_max_rows,
            },
            theme_counts=counts.theme_table(),
            conservation=conservation,
            redactions=dict(redactions),
            timings=dict(timings),
            outputs={k: str(out / Path(p).name) for k, p in outputs.items()},
            flow_run_id=flow_run_id,
            extra={"streaming": {"chunks": n_chunks, "xlsx_skipped": xlsx_note}},
        )
        cio.write_json_atomic(staging / "manifest.json", manifest)
        cio.publish_staging(staging, out)
    except BaseException:
        cio.discard_staging(staging)
        raise
    return StreamResult(out, manifest, tagged_out.rows, n_chunks, dict(timings))


def _wave_label(waves: set[str], wave: str | None) -> str:
    """As :func:`cls_text.run.pipeline.single_wave`, from the waves seen while streaming."""
    found = sorted(waves - {""})
    if wave and found == [wave]:
        return wave
    if len(found) == 1:
        return found[0]
    if not found and wave:
        return wave
    raise ClsTextError(
        f"The inputs hold answers from several waves ({', '.join(found[:5])}); "
        "process one wave per run (split the file, or pass --wave to label them all as one)."
    )
