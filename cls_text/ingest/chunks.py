"""Reading a wave in chunks: raw rows -> long table + quarantine, a bounded number at a time.

Every wave is read this way; a small wave is simply one chunk. UTF-8 CSV exports are parsed
``chunk_rows`` data rows at a time by the one CSV parser (:func:`cls_text.io.readers.iter_csv`);
XLSX/JSON files and CSV files that are not valid UTF-8 are read whole, then cut into chunks.
Each chunk is melted by :func:`cls_text.ingest.long.to_long` under one column map per file (the
configured one, else detected from the file's first chunk).

Duplicates are decided across chunk and file boundaries exactly as for a whole file: a
respondent id repeated later in the same file is quarantined (the first row is kept), and an
answer to the same question by the same respondent in an earlier file is quarantined too.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cls_text import schema as S
from cls_text.config import ColumnMap, PipelineConfig
from cls_text.errors import InputFileError
from cls_text.ingest.columns import (
    ROW_ID_COLUMN,
    configured_notes,
    detect_column_map,
    prepare_export,
    resolve_columns,
)
from cls_text.ingest.files import FileReport, expand_inputs
from cls_text.ingest.long import QUARANTINE_COLUMNS, as_text, duplicate_id_reason, to_long
from cls_text.ingest.text import flag_answers
from cls_text.ingest.validate import validate_long
from cls_text.io.readers import NUL_MARK, RawTable, iter_csv, read_table
from cls_text.io.sniff import utf16_without_bom

#: Default data rows per chunk (a chunk's tagged frame takes ~100 MB).
DEFAULT_CHUNK_ROWS = 50_000
_STREAMED_SUFFIXES = (".csv", ".tsv", ".txt")
_EARLIER_FILE = "same respondent, wave and question already answered in an earlier file"


@dataclass
class Chunk:
    """One chunk of one file after ingest: its answers, its quarantine and its raw counts."""

    file: str
    long: pd.DataFrame
    quarantine: pd.DataFrame
    respondents_in: int
    answers_in: int


def _utf8_encoding(path: Path, encoding: str | None) -> str | None:
    """The codec to stream ``path`` with, or None when it must be read whole to decide.

    A configured encoding is used as is. Otherwise a file that decodes as UTF-8 (with or
    without BOM) throughout is streamed; anything else (UTF-16, Windows-1252, a few bad bytes)
    goes through :func:`cls_text.io.readers.decode_bytes` on the whole file.
    """
    if encoding:
        return encoding
    decoder = codecs.getincrementaldecoder("utf-8")()
    with open(path, "rb") as fh:
        head = fh.read(64 * 1024)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return None
        if utf16_without_bom(head) is not None:  # valid UTF-8 bytes, yet UTF-16 text
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
        sample = fh.read(64 * 1024).replace("\x00", NUL_MARK)
    with open(path, encoding=encoding, newline="") as fh:
        lines = (line.replace("\x00", NUL_MARK) for line in fh)
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
    if encoding is not None:
        yield from _csv_chunks(p, encoding, chunk_rows)
        return
    whole = read_table(p, sheet=cfg.sheet, encoding=cfg.encoding)
    for start in range(0, len(whole.frame), chunk_rows):
        stop = start + chunk_rows
        yield RawTable(
            whole.path,
            whole.frame.iloc[start:stop].reset_index(drop=True),
            whole.row_numbers[start:stop],
            {k - start: v for k, v in whole.row_problems.items() if start <= k < stop},
            whole.encoding,
            whole.source_headers,
        )


@dataclass
class WaveReader:
    """Reads the files of one wave chunk by chunk, remembering what earlier chunks held.

    Attributes:
        cfg: The pipeline config.
        wave: Wave label (else the mapped wave column).
        chunk_rows: Data rows per chunk.
    """

    cfg: PipelineConfig
    wave: str | None
    chunk_rows: int = DEFAULT_CHUNK_ROWS
    column_maps: dict[str, ColumnMap] = field(default_factory=dict)  # file name -> map used
    _earlier_files: set[str] = field(default_factory=set)  # quote ids of earlier files

    def chunks(self, path: Path, report: FileReport) -> Iterator[Chunk]:
        """Melt one file chunk by chunk; ``report`` is filled in as chunks go."""
        column_map: ColumnMap | None = self.cfg.columns
        first_row: dict[str, int] = {}  # this file's respondent ids -> first row
        this_file: set[str] = set()
        shape: _Shape | None = None
        for raw in raw_chunks(path, self.cfg, self.chunk_rows):
            raw, shape = _in_export_shape(raw, shape)
            if column_map is None:
                column_map, report.detected_map = detect_column_map(raw)
            elif not report.detected_map:
                report.detected_map = configured_notes(raw, column_map)
            self.column_maps[path.name] = column_map
            id_col = resolve_columns(raw, column_map)["id"]
            again = _repeated_ids(raw, id_col, first_row)
            res = to_long(raw, self.cfg, wave=self.wave, column_map=column_map)
            quarantine = _mark_repeats(res.quarantine, raw, again, first_row, id_col)
            long, quarantine = self._drop_earlier_files(res.long, quarantine)
            this_file.update(long[S.QUOTE_ID])
            long = flag_answers(long)
            validate_long(long)
            report.respondents_in += res.respondents_in
            report.answers_in += res.answers_in
            report.encoding = raw.encoding
            yield Chunk(path.name, long, quarantine, res.respondents_in, res.answers_in)
        self._earlier_files |= this_file

    def _drop_earlier_files(
        self, long: pd.DataFrame, quarantine: pd.DataFrame
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Quarantine answers an earlier file already gave (the earlier file's answer is kept)."""
        if not self._earlier_files or long.empty:
            return long, quarantine
        dup = long[S.QUOTE_ID].isin(self._earlier_files).to_numpy()
        if not dup.any():
            return long, quarantine
        moved = long[dup].copy()
        moved[S.REASON] = _EARLIER_FILE
        moved[S.COLUMN] = S.RESPONDENT_ID
        quarantine = pd.concat([quarantine, moved[QUARANTINE_COLUMNS]], ignore_index=True)
        return long[~dup].reset_index(drop=True), quarantine


@dataclass(frozen=True)
class _Shape:
    """The header a file's first chunk ended up with (extra header rows folded, id added)."""

    headers: tuple[str, ...]
    added_id: bool
    changed: bool


def _in_export_shape(raw: RawTable, shape: _Shape | None) -> tuple[RawTable, _Shape]:
    """Give every chunk of a file the one-header-row form its first chunk was given.

    Only the first chunk holds a survey tool's extra header rows (Qualtrics, SurveyMonkey);
    later chunks take the folded header and, for exports without an id, the row-number id.
    """
    if shape is None:
        prepared = prepare_export(raw)
        columns = tuple(str(c) for c in prepared.frame.columns)
        added = ROW_ID_COLUMN in columns and ROW_ID_COLUMN not in raw.frame.columns
        return prepared, _Shape(columns, added, prepared is not raw)
    if not shape.changed:
        return raw, shape
    frame = raw.frame.copy()
    frame.columns = [c for c in shape.headers if not (shape.added_id and c == ROW_ID_COLUMN)]
    if shape.added_id:
        frame.insert(0, ROW_ID_COLUMN, [str(n) for n in raw.row_numbers])
    return RawTable(raw.path, frame, raw.row_numbers, raw.row_problems, raw.encoding), shape


def _repeated_ids(raw: RawTable, id_col: str, first_row: dict[str, int]) -> dict[int, str]:
    """Rows of this chunk whose respondent id an earlier chunk of the file already had.

    Marks them as unusable rows (``to_long`` quarantines them); repeats inside the chunk are
    left to ``to_long``, which sees the whole chunk. ``first_row`` is updated in place.
    """
    again: dict[int, str] = {}
    for pos, value in enumerate(raw.frame[id_col].to_numpy(dtype=object)):
        if pos in raw.row_problems:
            continue
        rid = as_text(value)
        if not rid:
            continue
        if rid in first_row:
            if first_row[rid] < raw.row_numbers[0]:  # earlier chunk: to_long cannot see it
                again[pos] = rid
            continue
        first_row[rid] = raw.row_numbers[pos]
    for pos in again:
        raw.row_problems[pos] = ""  # marks the row; reason and column set by _mark_repeats
    return again


def _mark_repeats(
    quarantine: pd.DataFrame,
    raw: RawTable,
    again: dict[int, str],
    first_row: dict[str, int],
    id_col: str,
) -> pd.DataFrame:
    """Give rows found by :func:`_repeated_ids` the same reason a whole-file read gives."""
    if not again:
        return quarantine
    rows = {raw.row_numbers[pos]: rid for pos, rid in again.items()}
    hit = quarantine[S.SOURCE_ROW].isin(list(rows))
    quarantine = quarantine.copy()
    quarantine.loc[hit, S.REASON] = [
        duplicate_id_reason(first_row[rows[r]]) for r in quarantine.loc[hit, S.SOURCE_ROW]
    ]
    quarantine.loc[hit, S.COLUMN] = id_col
    return quarantine


@dataclass
class WaveData:
    """A whole wave after ingest, in memory: the long table, the quarantine, per-file facts."""

    long: pd.DataFrame
    quarantine: pd.DataFrame
    files: list[FileReport]


def ingest_wave(
    paths: Sequence[str | Path],
    cfg: PipelineConfig,
    *,
    wave: str | None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> WaveData:
    """Read a whole wave into memory through the same chunked reader the wave runner uses.

    For small inputs, tests and ad-hoc analysis; :func:`cls_text.run.wave.run_wave` streams
    the same chunks to disk instead of holding them.

    Raises:
        InputFileError: a file cannot be used (nothing is returned).
    """
    files = expand_inputs(paths)
    reports = [FileReport.of(p) for p in files]
    reader = WaveReader(cfg, wave, chunk_rows)
    longs: list[pd.DataFrame] = []
    quarantines: list[pd.DataFrame] = []
    for path, report in zip(files, reports, strict=True):
        for chunk in reader.chunks(path, report):
            longs.append(chunk.long)
            quarantines.append(chunk.quarantine)
    long = pd.concat(longs, ignore_index=True) if longs else flag_answers(pd.DataFrame())
    quarantine = (
        pd.concat(quarantines, ignore_index=True)
        if quarantines
        else pd.DataFrame(columns=QUARANTINE_COLUMNS)
    )
    return WaveData(long=long, quarantine=quarantine, files=reports)
