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
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import pandas as pd

from cls_text.errors import InputFileError
from cls_text.io.sniff import sniff_binary, utf16_without_bom
from cls_text.io.table import (  # noqa: F401 - re-exported: callers import them from here
    NUL_MARK,
    Formula,
    RawTable,
    unique_headers,
)

SUPPORTED = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".json", ".jsonl", ".ndjson")
#: Largest cell the CSV reader accepts before it stops parsing (cells over the configured text
#: limit are quarantined later; this only guards the parser).
_FIELD_LIMIT = 64 * 1024 * 1024


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
        _refuse_binary(p, p.read_bytes()[:16], allow_zip=True)
        from cls_text.io.xlsx import read_xlsx

        table = read_xlsx(p, sheet)
    else:
        data = p.read_bytes()
        _refuse_binary(p, data, allow_zip=False)
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


def _refuse_binary(path: Path, data: bytes, *, allow_zip: bool) -> None:
    """Raise when the bytes are a binary format other than the one the suffix promises."""
    if allow_zip and data.startswith(b"PK"):
        return
    kind = sniff_binary(data)
    if kind is None:
        return
    fix = "open it and export the survey responses as CSV UTF-8 or XLSX."
    if kind.startswith("an Excel workbook"):
        fix = "rename it to .xlsx (it is a workbook), or export it as CSV."
    raise InputFileError(path, f"it is not a '{path.suffix}' file: its content is {kind}.", fix)


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
    if (utf16 := utf16_without_bom(data)) is not None:
        return utf16, data.decode(utf16, errors="replace")
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


#: The lone surrogates ``surrogateescape`` decodes undecodable bytes to.
_UNDECODABLE = re.compile("[\udc80-\udcff]")


def _row_problem(values: list[object]) -> str | None:
    for v in values:
        if isinstance(v, str):
            if NUL_MARK in v:
                return "row contains NUL bytes (a corrupted or binary export)"
            if _UNDECODABLE.search(v):
                return "row contains bytes that are not valid text in the file's encoding"
    return None


def _read_csv(path: Path, text: str) -> RawTable:
    text = text.replace("\x00", NUL_MARK)
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
        lines: The text, line by line, NUL bytes already replaced by ``NUL_MARK``.
        sample: The start of the text, for sniffing the delimiter.
        chunk_rows: Rows per table; None yields a single table.
        encoding: Recorded on every table.

    Yields:
        Tables in file order; row numbers continue across them. A file with a header and no
        data rows yields one empty table (callers decide whether that is an error).

    Raises:
        InputFileError: an unparsable or undecodable header, or unparsable CSV.
    """
    dialect = _sniff_dialect(path, sample)
    csv.field_size_limit(_FIELD_LIMIT)
    consumed: list[str] = []  # the physical lines of the record being parsed
    reader = csv.reader(_tee_lines(lines, consumed), dialect)
    header = _read_header(path, reader)
    consumed.clear()
    names = unique_headers(list(header))
    sources = [str(h).strip() for h in header]
    width = len(names)
    rows: list[list[object]] = []
    numbers: list[int] = []
    problems: dict[int, str] = {}
    done = 0  # rows already yielded in earlier tables
    try:
        for record_no, row, why in _records(reader, consumed, dialect, width):
            numbers.append(record_no)  # the row number a spreadsheet shows (header = 1)
            cells, why = _fit_row(row, why, width)
            if why is not None:
                problems[len(rows)] = why
            rows.append(cells)
            if chunk_rows is not None and len(rows) == chunk_rows:
                yield _csv_table(path, names, rows, numbers, problems, encoding, sources)
                done += len(rows)
                rows, numbers, problems = [], [], {}
    except csv.Error as err:
        raise InputFileError(
            path,
            f"it cannot be parsed as CSV after row {done + len(rows) + 1} ({err}).",
            "re-export.",
        ) from None
    if rows or done == 0:
        yield _csv_table(path, names, rows, numbers, problems, encoding, sources)


def _sniff_dialect(path: Path, sample: str) -> type[csv.Dialect] | csv.Dialect:
    """The CSV dialect of ``sample``; when sniffing fails, the suffix's usual one (tab or comma)."""
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        return csv.excel_tab if path.suffix.lower() == ".tsv" else csv.excel


def _read_header(path: Path, reader: Iterator[list[str]]) -> list[str]:
    """The header row, refused when missing, unparsable or holding undecodable bytes.

    Raises:
        InputFileError: no rows, an unparsable header or one with undecodable bytes.
    """
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
    return header


def _fit_row(row: list[str], why: str | None, width: int) -> tuple[list[object], str | None]:
    """A record padded or cut to the header's width, and why the row cannot be used (or None).

    A reason found while splitting the record stands; else a wrong field count is the reason,
    else NUL bytes or undecodable text in its cells.
    """
    if why is None and len(row) != width:
        why = f"row has {len(row)} fields but the header has {width}"
    cells = (list[object](row) + [""] * width)[:width]
    if why is None:
        why = _row_problem(cells)
    return cells, why


def _csv_table(
    path: Path,
    names: list[str],
    rows: list[list[object]],
    numbers: list[int],
    problems: dict[int, str],
    encoding: str | None,
    sources: list[str],
) -> RawTable:
    """One table of parsed rows (a header-only file gives an empty frame with the columns)."""
    frame = pd.DataFrame(rows, columns=names, dtype=object) if rows else pd.DataFrame(columns=names)
    return RawTable(path, frame, numbers, problems, encoding, sources)


def _tee_lines(lines: Iterable[str], consumed: list[str]) -> Iterator[str]:
    """Pass ``lines`` on, keeping each in ``consumed`` (the caller clears it per record)."""
    for line in lines:
        consumed.append(line)
        yield line


def _records(
    reader: Iterator[list[str]], consumed: list[str], dialect: object, width: int
) -> Iterator[tuple[int, list[str], str | None]]:
    """Yield ``(row number, fields, problem)`` for every non-blank record.

    A record that spans several physical lines yet has the wrong number of fields, or whose
    every line is a full row by itself, is a stray opening quote that swallowed the rows after
    it: each of its lines is parsed on its own (see :func:`split_swallowed`), so every
    respondent it hid is a row again (or a quarantined row with the reason).
    """
    row_no = 1
    for row in reader:
        lines, consumed[:] = list(consumed), []
        parts: list[tuple[list[str], str | None]] = [(row, None)]
        if len(lines) > 1:
            split = split_swallowed(lines, dialect, width)
            # A well-formed multi-line answer splits into lines of the wrong width; a stray
            # quote in the last column leaves a record of the right width whose lines are rows.
            if len(row) != width or not any(why for _, why in split):
                parts = split
        for fields, why in parts:
            row_no += 1
            if any(cell.strip() for cell in fields):  # blank lines carry nothing
                yield row_no, fields, why


def split_swallowed(
    lines: list[str], dialect: object, width: int
) -> list[tuple[list[str], str | None]]:
    """Re-read the physical lines of a record a stray quote ran together, one line each.

    A line is parsed with the file's dialect, else with quotes taken literally (the stray
    quote's own line). A line that has the header's width either way is a recovered row;
    one that has not is returned with the problem to quarantine it under.
    """
    out: list[tuple[list[str], str | None]] = []
    delimiter = str(getattr(dialect, "delimiter", ","))
    for line in lines:
        text = line.rstrip("\r\n")
        fields = next(csv.reader([text], dialect), [])  # type: ignore[arg-type]
        if len(fields) != width:
            literal = next(csv.reader([text], delimiter=delimiter, quoting=csv.QUOTE_NONE), [])
            if len(literal) == width or len(fields) < width:
                fields = literal
        why = None
        if len(fields) != width:
            why = (
                f"row has {len(fields)} fields but the header has {width}, inside a quoted "
                "field that a stray quote left open"
            )
        out.append((fields, why))
    return out


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
