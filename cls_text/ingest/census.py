"""Conservation proved against the source file: count what the file holds, independently.

The long table is built by :mod:`cls_text.io.readers` and :mod:`cls_text.ingest.long`. If either
drops something (a column whose header repeats, a respondent swallowed by a stray quote, a file
decoded in the wrong encoding), the counts taken from the long table still add up with each
other. So this module counts the source file a second way, with its own tokenizer and without
the column map's renaming: every record the CSV dialect implies and every non-empty cell under
every header (repeated headers and merged header cells included). The runner compares the two
with :func:`check_against_source` and stops with :class:`~cls_text.errors.ConservationError`
when they differ.
"""

from __future__ import annotations

import codecs
import csv
import itertools
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cls_text import schema as S
from cls_text.config import ColumnMap, PipelineConfig
from cls_text.errors import ConservationError
from cls_text.ingest.columns import norm_header
from cls_text.ingest.text import normalize_text
from cls_text.io.readers import RawTable
from cls_text.io.sniff import utf16_without_bom


@dataclass(frozen=True, slots=True)
class SourceCensus:
    """What a source file holds, counted without the reader.

    Attributes:
        path: The file.
        records: Data records (header excluded, blank lines skipped).
        headers: Each column's header as written (repeats kept, merged cells filled).
        filled: Non-empty cells per column, in header order.
    """

    path: Path
    records: int
    headers: tuple[str, ...]
    filled: tuple[int, ...]

    def answer_columns(self, questions: Sequence[str]) -> list[int]:
        """Positions of every column whose header is one of ``questions`` (repeats included)."""
        wanted = {norm_header(q) for q in questions}
        return [j for j, h in enumerate(self.headers) if norm_header(h) in wanted]

    def answer_slots(self, questions: Sequence[str]) -> int:
        """Answers the long table must account for: records x question columns."""
        return self.records * len(self.answer_columns(questions))

    def answers_filled(self, questions: Sequence[str]) -> int:
        """Non-empty cells under the question columns."""
        return sum(self.filled[j] for j in self.answer_columns(questions))


def is_filled(value: object) -> bool:
    """A cell that holds an answer: any value but None and text that cleans up to nothing."""
    if value is None:
        return False
    if isinstance(value, float) and value != value:  # NaN
        return False
    text = str(value).replace("\x00", "")
    return bool(text.strip()) and normalize_text(text) != ""


# -- CSV ---------------------------------------------------------------------------------------
def _decode(data: bytes, encoding: str | None) -> str:
    if encoding:
        return data.decode(encoding, errors="replace")
    for bom, codec in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(codec, errors="replace")
    if (utf16 := utf16_without_bom(data)) is not None:
        return data.decode(utf16, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace")


def _field_pattern(delimiter: str) -> re.Pattern[str]:
    d = re.escape(delimiter)
    # A quoted field runs to its closing quote (doubled quotes escaped) and then, as the csv
    # module reads it, on to the next delimiter; an unclosed one runs to the end of the text.
    quoted = rf'"(?:[^"]|"")*(?:"[^{d}\r\n]*|\Z)'
    plain = rf'(?:[^"{d}\r\n][^{d}\r\n]*)?'
    return re.compile(rf"{quoted}|{plain}")


def _unquote(field: str) -> str:
    if field.startswith('"'):
        end = field.rfind('"')
        inner = field[1:end] if end > 0 else field[1:]
        return inner.replace('""', '"') + (field[end + 1 :] if end > 0 else "")
    return field


def _tokenize(text: str, delimiter: str) -> Iterator[tuple[list[str], str]]:
    """Records as ``(fields, raw text)``, one at a time; fields still quoted as written.

    A generator: the census of a million-row export holds one record at a time, not a list
    of all of them (2.6 GB at a million rows).
    """
    pat = _field_pattern(delimiter)
    pos, n = 0, len(text)
    while pos < n:
        fields: list[str] = []
        start = pos
        while True:
            m = pat.match(text, pos)
            assert m is not None  # the plain alternative matches the empty string
            fields.append(m.group())
            pos = m.end()
            if pos < n and text[pos] == delimiter:
                pos += 1
                continue
            break
        if text.startswith("\r\n", pos):
            pos += 2
        elif pos < n:
            pos += 1
        yield fields, text[start:pos]


def census_csv(text: str, *, delimiter: str, path: Path, header_rows: int = 1) -> SourceCensus:
    """Count the records and non-empty cells of CSV text (see :class:`SourceCensus`).

    ``header_rows`` > 1 skips the extra header records a survey tool adds (Qualtrics: 3).
    """
    records = _tokenize(text, delimiter)
    first = next(records, None)
    if first is None:
        return SourceCensus(path, 0, (), ())
    header = [_unquote(f).strip() for f in first[0]]
    width = len(header)
    filled = [0] * width
    n = 0
    body_records = (
        itertools.islice(records, header_rows - 1, None)
        if header_rows >= 1
        else itertools.chain([first], records)
    )
    for fields, body in body_records:
        rows = [[_unquote(f) for f in fields]]
        inner = body.rstrip("\r\n")
        if "\n" in inner or "\r" in inner:
            split = _swallowed(body, delimiter, width, len(fields))
            if split is not None:
                rows = split
        for row in rows:
            if not any(cell.strip() for cell in row):
                continue
            n += 1
            for j, cell in enumerate(row[:width]):
                filled[j] += is_filled(cell)
    return SourceCensus(path, n, tuple(header), tuple(filled))


def _swallowed(body: str, delimiter: str, width: int, n_fields: int) -> list[list[str]] | None:
    """The rows a multi-line record stands for: its lines when a stray quote joined them."""
    lines = [ln for ln in re.split(r"\r\n|\r|\n", body) if ln]
    rows: list[list[str]] = []
    all_full = True
    for line in lines:
        fields = [_unquote(f) for f in next(_tokenize(line, delimiter))[0]]
        if len(fields) != width:
            literal = line.split(delimiter)
            if len(literal) == width or len(fields) < width:
                fields = literal
        all_full = all_full and len(fields) == width
        rows.append(fields)
    if n_fields != width or all_full:
        return rows
    return None


# -- XLSX and JSON -----------------------------------------------------------------------------
def census_xlsx(path: Path, sheet: str | int | None, header_rows: int = 1) -> SourceCensus:
    """Count the rows and non-empty cells of the sheet the reader would read."""
    import openpyxl

    from cls_text.io.xlsx import fill_merged_header, merged_ranges

    wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        if sheet is None:
            ws = next(w for w in wb.worksheets if w.sheet_state == "visible")
        elif isinstance(sheet, int):
            ws = wb.worksheets[sheet]
        else:
            ws = wb[sheet]
        rows = ws.iter_rows(values_only=True)
        head = list(next(rows, ()))
        headers = fill_merged_header(
            [h if h not in (None, "") else None for h in head], merged_ranges(wb, ws)
        )
        width = len(headers)
        filled = [0] * width
        n = 0
        skip = header_rows - 1
        for values in rows:
            marks = [is_filled(v) for v in values]
            if skip > 0 and any(marks):
                skip -= 1
                continue
            if not any(marks):
                continue
            n += 1
            for j, mark in enumerate(marks[:width]):
                filled[j] += mark
    finally:
        wb.close()
    names = tuple("" if h is None else str(h).strip() for h in headers)
    return SourceCensus(path, n, names, tuple(filled))


def census_json(text: str, *, lines: bool, path: Path) -> SourceCensus:
    """Count the records and non-empty values of a JSON list or JSON Lines file."""
    if lines:
        records: list[object] = []
        for line in text.splitlines():
            if line.strip():
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError:
                    records.append(None)
    else:
        data = json.loads(text)
        if isinstance(data, dict):
            data = next(v for v in data.values() if isinstance(v, list))
        records = list(data)
    keys: list[str] = []
    for rec in records:
        if isinstance(rec, dict):
            keys += [str(k) for k in rec if str(k) not in keys]
    filled = [
        sum(1 for rec in records if isinstance(rec, dict) and is_filled(rec.get(k))) for k in keys
    ]
    return SourceCensus(path, len(records), tuple(keys), tuple(filled))


def census_file(path: str | Path, cfg: PipelineConfig, *, header_rows: int = 1) -> SourceCensus:
    """Count a survey export as it lies on disk (the sheet and encoding of ``cfg``)."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return census_xlsx(p, cfg.sheet, header_rows)
    text = _decode(p.read_bytes(), cfg.encoding)
    if suffix in (".json", ".jsonl", ".ndjson"):
        return census_json(text, lines=suffix != ".json", path=p)
    try:
        delimiter = csv.Sniffer().sniff(text[: 64 * 1024], delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = "\t" if suffix == ".tsv" else ","
    return census_csv(text, delimiter=delimiter, path=p, header_rows=header_rows)


# -- the check ---------------------------------------------------------------------------------
def output_counts(
    tagged: pd.DataFrame, quarantine: pd.DataFrame, source_file: str, *, respondents_in: int
) -> dict[str, int]:
    """The counts :func:`check_against_source` wants, taken from one wave's output tables."""
    rows = tagged[tagged[S.SOURCE_FILE] == source_file]
    q = quarantine[quarantine[S.SOURCE_FILE] == source_file]
    non_sub = int(rows[S.NON_SUBSTANTIVE].astype(bool).sum())
    return {
        "respondents_in": int(respondents_in),
        "tagged": int(len(rows) - non_sub),
        "non_substantive": non_sub,
        "quarantined": int(len(q)),
        "answers_filled": int(rows[S.TEXT].astype(str).ne("").sum() + q[S.TEXT].ne("").sum()),
    }


def check_against_source(
    path: str | Path,
    cfg: PipelineConfig,
    counts: Mapping[str, int],
    *,
    column_map: ColumnMap | None = None,
) -> None:
    """Prove a file's answers were all accounted for, against the file itself.

    Call it once per input file after the run's own conservation proof and before publishing
    anything. ``counts`` is that file's entry of the proof (``respondents_in``, ``tagged``,
    ``non_substantive``, ``quarantined``; with ``answers_filled`` too, as :func:`output_counts`
    gives, non-empty answers are checked as well). In :func:`cls_text.run.wave.run_wave`::

        proof = staged.counts.conservation(reports)
        for path, report in zip(files, reports, strict=True):
            check_against_source(path, cfg, proof[report.name])

    Only the head of the file is parsed the reader's way (to learn how many header rows a
    survey tool added and, without a configured map, to detect the map as the reader does on
    the first 2,000 rows); every count is taken by this module's own tokenizer.

    Args:
        path: The input file as given to the run.
        cfg: The run's config (sheet, encoding, column map).
        counts: The counts the run took from its own tables.
        column_map: The map the run used; needed when ``cfg`` has none (a detected map:
            pass ``IngestResult.column_map``). Without either the map is detected again.

    Raises:
        ConservationError: naming the file and both counts when they differ.
    """
    p = Path(path)
    header_rows, cm, folded = _layout(p, cfg, column_map or cfg.columns)
    census = census_file(p, cfg, header_rows=header_rows)
    positions = folded if folded is not None else census.answer_columns(cm.questions)
    got_answers = int(counts["tagged"]) + int(counts["non_substantive"])
    got_answers += int(counts["quarantined"])
    pairs = [
        ("respondents", census.records, int(counts["respondents_in"])),
        ("answers", census.records * len(positions), got_answers),
    ]
    if "answers_filled" in counts:
        filled = sum(census.filled[j] for j in positions if j < len(census.filled))
        pairs.append(("non-empty answers", filled, int(counts["answers_filled"])))
    wrong = [f"{what}: {src} in the file, {got} in the outputs" for what, src, got in pairs]
    wrong = [w for w, (_, src, got) in zip(wrong, pairs, strict=True) if src != got]
    if wrong:
        raise ConservationError(
            f"'{p.name}' does not add up against the source file ({'; '.join(wrong)}). "
            "Answers were lost or invented between the file and the outputs; nothing was "
            "published. This is a bug in cls-text: please report it with the file's structure "
            "(not its content)."
        )


def _layout(
    path: Path, cfg: PipelineConfig, cm: ColumnMap | None
) -> tuple[int, ColumnMap, list[int] | None]:
    """How the reader lays the file out: header rows, the column map, folded answer columns.

    Only the head of the file is read. For an export with one header row the answer columns
    are then found by name, in :class:`SourceCensus`, independently of the reader; when a
    survey tool's extra header rows are folded (Qualtrics, SurveyMonkey) the question names are
    the folded ones, so the positions of the columns the reader melts are returned instead.
    """
    from cls_text.ingest.columns import ROW_ID_COLUMN, prepare_export, resolve_columns
    from cls_text.ingest.long import answer_columns
    from cls_text.io.readers import read_table

    raw = _head(path, cfg) or read_table(path, sheet=cfg.sheet, encoding=cfg.encoding)
    prepared = prepare_export(raw)
    if cm is None:
        from cls_text.ingest.columns import detect_column_map

        cm, _ = detect_column_map(prepared)
    folded = len(raw.frame) - len(prepared.frame)
    if folded == 0 or path.suffix.lower() in (".json", ".jsonl", ".ndjson"):
        return 1, cm, None
    names = list(prepared.frame.columns)
    offset = 1 if names[:1] == [ROW_ID_COLUMN] and ROW_ID_COLUMN not in raw.frame.columns else 0
    melted = answer_columns(prepared, cm, resolve_columns(prepared, cm))
    return 1 + folded, cm, [names.index(name) - offset for name, _ in melted]


def _head(path: Path, cfg: PipelineConfig, rows: int = 2_005) -> RawTable | None:
    """The first data rows of a CSV export (None for other formats: read whole)."""
    import io as _io

    from cls_text.io.readers import decode_bytes, iter_csv

    if path.suffix.lower() not in (".csv", ".tsv", ".txt"):
        return None
    with open(path, "rb") as fh:
        data = fh.read(1 << 24)
    _, text = decode_bytes(data, cfg.encoding, path=path)
    lines = text.splitlines(keepends=True)[:-1] or text.splitlines(keepends=True)
    head = "".join(lines).replace("\x00", "\ufffe")
    return next(iter_csv(path, _io.StringIO(head, newline=""), head[: 64 * 1024], chunk_rows=rows))
