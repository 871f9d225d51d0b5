"""Reading survey exports from disk into raw wide tables (the input edge of the pipeline).

Each reader returns a :class:`RawTable`: every cell as the file holds it (text stays text,
numbers stay numbers, formulas are marked), a spreadsheet-style row number per row, and the
problems of rows that cannot be trusted (ragged rows, NUL bytes, undecodable bytes). Rows are
never dropped here; deciding what to quarantine is :mod:`cls_text.ingest.long`'s job.

A file that cannot be read at all raises :class:`~cls_text.errors.InputFileError` with one
paragraph naming the file, the problem and the fix.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from cls_text.errors import InputFileError

SUPPORTED = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".json", ".jsonl", ".ndjson")
#: Largest cell the CSV reader accepts before it stops parsing (cells over the configured text
#: limit are quarantined later; this only guards the parser).
_FIELD_LIMIT = 64 * 1024 * 1024
#: An XLSX whose parts unpack to more than this is refused (zip bombs).
MAX_XLSX_UNPACKED = 512 * 1024 * 1024
_MAX_RATIO = 200  # unpacked/packed for one member; real sheets stay far below this
_NUL_MARK = "\ufffe"  # a noncharacter standing in for NUL while parsing


@dataclass(frozen=True, slots=True)
class Formula:
    """A spreadsheet cell that holds a formula rather than a value."""

    text: str


@dataclass
class RawTable:
    """A file's rows as read, before any mapping.

    Attributes:
        path: The file.
        frame: One row per data row, one column per header (object dtype, values as read).
        row_numbers: Row number a person would look up (spreadsheet row, header = 1; for JSON
            the 1-based record number).
        row_problems: Data-row position -> reason the whole row cannot be used.
        encoding: The text encoding used (CSV/JSON only).
    """

    path: Path
    frame: pd.DataFrame
    row_numbers: list[int]
    row_problems: dict[int, str] = field(default_factory=dict)
    encoding: str | None = None


def read_table(
    path: str | Path, *, sheet: str | int | None = None, encoding: str | None = None
) -> RawTable:
    """Read one survey export (CSV/TSV, XLSX, JSON, JSON Lines) as a raw wide table.

    Raises:
        InputFileError: the file is missing, empty, of an unknown format or unreadable.
    """
    p = Path(path)
    if not p.is_file():
        raise InputFileError(p, "the file does not exist.", "check the path.")
    suffix = p.suffix.lower()
    if suffix not in SUPPORTED:
        raise InputFileError(
            p,
            f"'{suffix or '(no extension)'}' is not a supported format.",
            f"export the survey as one of {', '.join(SUPPORTED)}.",
        )
    if p.stat().st_size == 0:
        raise InputFileError(p, "the file is empty (0 bytes).", "re-export the survey.")
    if suffix in (".xlsx", ".xlsm"):
        table = _read_xlsx(p, sheet)
    else:
        data = p.read_bytes()
        enc, text = decode_bytes(data, encoding, path=p)
        if suffix in (".json", ".jsonl", ".ndjson"):
            table = _read_json(p, text, lines=suffix != ".json")
        else:
            table = _read_csv(p, text)
        table.encoding = enc
    if table.frame.shape[1] == 0:
        raise InputFileError(p, "no columns were found.", "check the file has a header row.")
    if len(table.frame) == 0:
        raise InputFileError(
            p, "it has a header row but no data rows.", "check the export includes responses."
        )
    return table


def decode_bytes(data: bytes, encoding: str | None, *, path: Path) -> tuple[str, str]:
    """Decode a text file: a given encoding, else UTF-8 (with or without BOM), else Windows-1252.

    A file that is mostly UTF-8 with a few bad bytes is decoded as UTF-8 with the bad bytes kept
    as lone surrogates, so only the rows holding them are quarantined ("undecodable text");
    reading such a file as Windows-1252 would silently garble every accented letter instead.
    """
    if encoding:
        try:
            return encoding, data.decode(encoding)
        except (LookupError, UnicodeDecodeError) as err:
            raise InputFileError(
                path,
                f"it cannot be decoded as {encoding} ({err}).",
                "fix 'encoding' in the config.",
            ) from None
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="surrogateescape")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", data.decode("utf-16", errors="surrogateescape")
    try:
        return "utf-8", data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", errors="surrogateescape")
    bad = sum(1 for ch in text if "\udc80" <= ch <= "\udcff")
    multibyte = sum(1 for ch in text if ord(ch) > 127 and not "\udc80" <= ch <= "\udcff")
    if multibyte > bad:  # mostly valid UTF-8: keep it, quarantine the bad rows
        return "utf-8", text
    try:
        return "windows-1252", data.decode("cp1252")
    except UnicodeDecodeError:
        return "windows-1252", data.decode("cp1252", errors="surrogateescape")


def _row_problem(values: list[object]) -> str | None:
    for v in values:
        if isinstance(v, str):
            if _NUL_MARK in v:
                return "row contains NUL bytes (a corrupted or binary export)"
            if any("\udc80" <= ch <= "\udcff" for ch in v):
                return "row contains bytes that are not valid text in the file's encoding"
    return None


def _unique_headers(headers: Sequence[object]) -> list[str]:
    out: list[str] = []
    seen: dict[str, int] = {}
    for i, h in enumerate(headers):
        name = str(h).strip() if h is not None else ""
        name = name.replace(_NUL_MARK, "") or f"column_{i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name} ({seen[name]})"
        else:
            seen[name] = 1
        out.append(name)
    return out


def _read_csv(path: Path, text: str) -> RawTable:
    text = text.replace("\x00", _NUL_MARK)
    return next(iter_csv(path, io.StringIO(text, newline=""), text[: 64 * 1024]))


def iter_csv(
    path: Path,
    lines: Iterable[str],
    sample: str,
    *,
    chunk_rows: int | None = None,
    encoding: str | None = None,
) -> Iterator[RawTable]:
    """Parse CSV text into raw tables of at most ``chunk_rows`` data rows (None: one table).

    The one CSV parser of the project: :func:`read_table` reads a whole file through it and the
    streaming mode
    (:mod:`~cls_text.ingest.chunks`) reads a big export chunk by chunk, so both number rows,
    flag bad rows and word their errors the same way.

    Args:
        path: The file (for messages).
        lines: The text, line by line, NUL bytes already replaced by ``_NUL_MARK``.
        sample: The start of the text, for sniffing the delimiter.
        chunk_rows: Rows per table; None yields a single table.
        encoding: Recorded on every table.

    Yields:
        Tables in file order; row numbers continue across them. A file with a header and no
        data rows yields one empty table (callers decide whether that is an error).

    Raises:
        InputFileError: an unparsable or undecodable header, or unparsable CSV.
    """
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel_tab if path.suffix.lower() == ".tsv" else csv.excel
    csv.field_size_limit(_FIELD_LIMIT)
    reader = csv.reader(lines, dialect)
    try:
        header = next(reader)
    except StopIteration:
        raise InputFileError(path, "the file holds no rows.", "re-export the survey.") from None
    except csv.Error as err:
        raise InputFileError(
            path, f"the header cannot be parsed ({err}).", "re-export as CSV."
        ) from None
    for col_no, name in enumerate(header, start=1):
        if _has_surrogates(name):
            raise InputFileError(
                path,
                f"the header row (row 1, column {col_no}) holds bytes that are not valid text "
                "in UTF-8 or Windows-1252.",
                "re-export the survey as CSV UTF-8.",
            )
    names = _unique_headers(list(header))
    width = len(names)
    rows: list[list[object]] = []
    numbers: list[int] = []
    problems: dict[int, str] = {}
    done = 0  # rows already yielded in earlier tables

    def table() -> RawTable:
        frame = (
            pd.DataFrame(rows, columns=names, dtype=object) if rows else pd.DataFrame(columns=names)
        )
        return RawTable(path, frame, numbers, problems, encoding)

    try:
        for record_no, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue  # blank lines carry nothing and are not rows
            pos = len(rows)
            numbers.append(record_no)  # the row number a spreadsheet shows (header = 1)
            if len(row) != width:
                problems[pos] = f"row has {len(row)} fields but the header has {width}"
                row = (row + [""] * width)[:width]
            rows.append(list(row))
            if pos not in problems and (why := _row_problem(rows[-1])):
                problems[pos] = why
            if chunk_rows is not None and len(rows) == chunk_rows:
                yield table()
                done += len(rows)
                rows, numbers, problems = [], [], {}
    except csv.Error as err:
        raise InputFileError(
            path,
            f"it cannot be parsed as CSV after row {done + len(rows) + 1} ({err}).",
            "re-export.",
        ) from None
    if rows or done == 0:
        yield table()


def _check_zip(path: Path) -> None:
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise InputFileError(
            path, "it is not a valid XLSX workbook (not a zip archive).", "re-save it from Excel."
        ) from None
    with zf:
        total = 0
        for info in zf.infolist():
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if total > MAX_XLSX_UNPACKED or (info.file_size > 10_000_000 and ratio > _MAX_RATIO):
                raise InputFileError(
                    path,
                    "it unpacks to far more data than a survey export holds (a zip bomb or a "
                    "corrupted workbook); it was not opened.",
                    "export the survey again, or as CSV.",
                )
        if "xl/workbook.xml" not in zf.namelist():
            raise InputFileError(path, "it is a zip file but not an XLSX workbook.", "re-save it.")


def _cell_value(cell: object) -> object:
    value = getattr(cell, "value", None)
    if getattr(cell, "data_type", None) == "f" or (
        isinstance(value, str) and getattr(cell, "data_type", "s") == "f"
    ):
        return Formula(str(value))
    if isinstance(value, datetime):
        return (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    if value is None:
        return ""
    return value


def _read_xlsx(path: Path, sheet: str | int | None) -> RawTable:
    import openpyxl

    _check_zip(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as err:  # openpyxl raises many types for broken workbooks
        raise InputFileError(
            path, f"the workbook cannot be opened ({err}).", "re-save it."
        ) from None
    try:
        if sheet is None:
            visible = [ws for ws in wb.worksheets if ws.sheet_state == "visible"]
            if not visible:
                raise InputFileError(path, "it has no visible sheet.", "unhide the data sheet.")
            ws = visible[0]
        elif isinstance(sheet, int):
            if not 0 <= sheet < len(wb.worksheets):
                raise InputFileError(
                    path,
                    f"sheet index {sheet} does not exist.",
                    f"use 0..{len(wb.worksheets) - 1}.",
                )
            ws = wb.worksheets[sheet]
        else:
            if sheet not in wb.sheetnames:
                raise InputFileError(
                    path, f"it has no sheet '{sheet}'.", f"use one of {wb.sheetnames}."
                )
            ws = wb[sheet]
        rows_iter = ws.iter_rows()
        header_cells = next(rows_iter, None)
        if header_cells is None:
            raise InputFileError(path, f"sheet '{ws.title}' is empty.", "check the export.")
        names = _unique_headers([_cell_value(c) or None for c in header_cells])
        width = len(names)
        rows: list[list[object]] = []
        numbers: list[int] = []
        problems: dict[int, str] = {}
        for excel_row, cells in enumerate(rows_iter, start=2):
            values = [_cell_value(c) for c in cells]
            if not any(v != "" for v in values):
                continue
            if len(values) > width:
                if any(v != "" for v in values[width:]):
                    problems[len(rows)] = "row has values beyond the last header column"
                values = values[:width]
            values += [""] * (width - len(values))
            rows.append(values)
            numbers.append(excel_row)
    finally:
        wb.close()
    frame = pd.DataFrame(rows, columns=names, dtype=object) if rows else pd.DataFrame(columns=names)
    return RawTable(path, frame, numbers, problems)


def _read_json(path: Path, text: str, *, lines: bool) -> RawTable:
    records: list[object] = []
    problems: dict[int, str] = {}
    if lines:
        for line in text.splitlines():
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as err:
                problems[len(records)] = f"line is not valid JSON ({err.msg})"
                records.append({})
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise InputFileError(
                path,
                f"it is not valid JSON ({err.msg} at line {err.lineno}, column {err.colno}).",
                "re-export it, or use JSON Lines (.jsonl) for one record per line.",
            ) from None
        if isinstance(data, dict):
            lists = [v for v in data.values() if isinstance(v, list)]
            if len(lists) != 1:
                raise InputFileError(
                    path,
                    "the JSON is an object, but not one holding a single list of responses.",
                    "give a list of objects, one per respondent: [{...}, {...}].",
                )
            data = lists[0]
        if not isinstance(data, list):
            raise InputFileError(
                path, "the JSON must be a list of objects, one per respondent.", "re-export it."
            )
        records = list(data)
    names: list[str] = []
    for rec in records:
        if isinstance(rec, dict):
            for k in rec:
                if str(k) not in names:
                    names.append(str(k))
    rows: list[list[object]] = []
    for pos, rec in enumerate(records):
        if not isinstance(rec, dict):
            problems.setdefault(pos, f"record is a {type(rec).__name__}, not an object")
            rec = {}
        row = [rec.get(n, "") if rec.get(n) is not None else "" for n in names]
        rows.append(row)
        if pos not in problems and (why := _row_problem(row)):
            problems[pos] = why
    frame = pd.DataFrame(rows, columns=names, dtype=object) if rows else pd.DataFrame(columns=names)
    return RawTable(path, frame, list(range(1, len(rows) + 1)), problems)


def _has_surrogates(text: str) -> bool:
    """True when ``text`` holds bytes that could not be decoded (kept as lone surrogates)."""
    return any("\udc80" <= ch <= "\udcff" for ch in text)
