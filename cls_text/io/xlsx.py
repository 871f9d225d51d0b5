"""Reading XLSX workbooks: zip-bomb checks, formulas marked, merged header cells filled.

Part of :mod:`cls_text.io.readers` (which calls :func:`read_xlsx` for ``.xlsx``/``.xlsm``),
kept apart so that each module stays small.
"""

from __future__ import annotations

import re
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from cls_text.errors import InputFileError
from cls_text.io.table import Formula, RawTable, unique_headers

#: An XLSX whose parts unpack to more than this is refused (zip bombs).
MAX_XLSX_UNPACKED = 512 * 1024 * 1024
_MAX_RATIO = 200  # unpacked/packed for one member; real sheets stay far below this


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


def _pick_sheet(path: Path, wb: Any, sheet: str | int | None) -> Any:
    """The worksheet asked for: by name, by 0-based index, or (None) the first visible one.

    Raises:
        InputFileError: no visible sheet, or no sheet of that index or name.
    """
    if sheet is None:
        visible = [ws for ws in wb.worksheets if ws.sheet_state == "visible"]
        if not visible:
            raise InputFileError(path, "it has no visible sheet.", "unhide the data sheet.")
        return visible[0]
    if isinstance(sheet, int):
        if not 0 <= sheet < len(wb.worksheets):
            raise InputFileError(
                path,
                f"sheet index {sheet} does not exist.",
                f"use 0..{len(wb.worksheets) - 1}.",
            )
        return wb.worksheets[sheet]
    if sheet not in wb.sheetnames:
        raise InputFileError(path, f"it has no sheet '{sheet}'.", f"use one of {wb.sheetnames}.")
    return wb[sheet]


def read_xlsx(path: Path, sheet: str | int | None) -> RawTable:
    """Read one sheet (None: the first visible one) as a :class:`RawTable`.

    Raises:
        InputFileError: not a workbook, a zip bomb, a missing sheet or an empty one.
    """
    import openpyxl

    _check_zip(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as err:  # openpyxl raises many types for broken workbooks
        raise InputFileError(
            path, f"the workbook cannot be opened ({err}).", "re-save it."
        ) from None
    try:
        ws = _pick_sheet(path, wb, sheet)
        rows_iter = ws.iter_rows()
        header_cells = next(rows_iter, None)
        if header_cells is None:
            raise InputFileError(path, f"sheet '{ws.title}' is empty.", "check the export.")
        header_values = fill_merged_header(
            [_cell_value(c) or None for c in header_cells], merged_ranges(wb, ws)
        )
        names = unique_headers(header_values)
        sources = [str(h).strip() if h is not None else "" for h in header_values]
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
    return RawTable(path, frame, numbers, problems, source_headers=sources)


_MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters.decode("ascii"):
        n = n * 26 + ord(ch) - 64
    return n - 1


def merged_ranges(wb: object, ws: object) -> list[tuple[int, int]]:
    """0-based ``(first, last)`` columns of merged cells that start on the header row.

    Read-only workbooks do not expose merged cells, so the sheet XML is scanned for them
    (in chunks: a sheet can be large, its ``<mergeCells>`` come at the end).
    """
    archive = getattr(wb, "_archive", None)
    part = getattr(ws, "_worksheet_path", None)
    if archive is None or part is None:
        return []
    found: list[tuple[int, int]] = []
    tail = b""
    with archive.open(part) as fh:
        while chunk := fh.read(1 << 20):
            data = tail + chunk
            for m in _MERGE_REF.finditer(data):
                if m.group(2) == b"1":
                    found.append((_col_index(m.group(1)), _col_index(m.group(3))))
            tail = data[-200:]
    return sorted(set(found))


def fill_merged_header(headers: list[object], merged: list[tuple[int, int]]) -> list[object]:
    """Give every column under a merged header cell that cell's text (so none is unnamed)."""
    out = list(headers)
    for first, last in merged:
        if first >= len(out) or out[first] is None:
            continue
        for j in range(first + 1, min(last, len(out) - 1) + 1):
            if out[j] is None:
                out[j] = out[first]
    return out
