"""Writing outputs: atomically, deterministically, and safe to open in a spreadsheet.

Every output goes through :func:`atomic_path`: it is written to a temporary file in the same
folder and renamed into place, so a crash leaves either the previous file or the new one, never
half a file. CSV and Parquet writers are deterministic (no timestamps, fixed column order,
fixed row order) so that re-running a wave gives byte-identical files.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import pyarrow as pa


def _umask() -> int:
    """The process umask (read by setting and restoring it; there is no getter)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


#: First characters that make a spreadsheet treat a cell as a formula (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it into place only if the block succeeds.

    Examples:
        >>> with atomic_path(tmp / "out.csv") as tmp_file:  # doctest: +SKIP
        ...     df.to_csv(tmp_file)
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are shared files
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_bytes_atomic(path: str | Path, data: bytes) -> Path:
    """Write bytes atomically and return the path."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write UTF-8 text atomically (``\\n`` line endings on every platform)."""
    return write_bytes_atomic(path, text.encode("utf-8"))


def write_json_atomic(path: str | Path, obj: Any) -> Path:
    """Write JSON with sorted keys and a trailing newline."""
    text = json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"
    return write_text_atomic(path, text)


def neutralise_formula(value: object) -> object:
    """Prefix a text cell with ``'`` when a spreadsheet would run it as a formula.

    Non-strings pass through. The apostrophe is what Excel itself uses to mark literal text.

    Examples:
        >>> neutralise_formula("=SUM(A1:A9)")
        "'=SUM(A1:A9)"
        >>> neutralise_formula("fine")
        'fine'
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Return a copy with every text cell neutralised (for CSV and XLSX, never Parquet)."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise_formula)
    return out


def write_csv(df: pd.DataFrame, path: str | Path) -> Path:
    """Write a spreadsheet-safe, deterministic UTF-8 CSV (with BOM, so Excel reads accents)."""
    safe = neutralise_frame(df)
    with atomic_path(path) as tmp:
        safe.to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\n")
    return Path(path)


def write_parquet(df: pd.DataFrame, path: str | Path) -> Path:
    """Write Parquet keeping exact text; byte-identical for identical frames."""
    import pyarrow as pa

    table = pa.Table.from_pandas(df.reset_index(drop=True), preserve_index=False)
    return write_arrow_parquet(table, path)


def write_arrow_parquet(table: pa.Table | Iterable[pa.Table], path: str | Path) -> Path:
    """Write an Arrow table as :func:`write_parquet` writes a frame (atomically, zstd).

    Given several tables (the row groups of a large file, read one at a time), each is written
    as it comes, so only one is in memory; they must share the first one's schema.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    # pandas metadata embeds library versions but no timestamps; drop it anyway so the bytes
    # depend only on the data and the schema.
    with atomic_path(path) as tmp:
        if isinstance(table, pa.Table):
            pq.write_table(
                table.replace_schema_metadata(None), tmp, compression="zstd", write_statistics=True
            )
            return Path(path)
        writer = None
        for group in table:
            group = group.replace_schema_metadata(None)
            if writer is None:
                writer = pq.ParquetWriter(
                    tmp, group.schema, compression="zstd", write_statistics=True
                )
            writer.write_table(group)
        if writer is None:
            raise ValueError(f"write_arrow_parquet: no table to write to {path}")
        writer.close()
    return Path(path)


#: Column widths (in characters) for spreadsheets: narrowest, widest, and how many rows are
#: read to size a column (enough to see the typical cell without scanning a million rows).
XLSX_MIN_WIDTH, XLSX_MAX_WIDTH, XLSX_SIZE_ROWS = 6, 60, 2000
#: Display format of float columns no format was given for (scores, raw statistics).
FLOAT_FORMAT = "0.000"
#: The creation date written into every workbook: the ZIP format's own epoch. xlsxwriter
#: stamps the current time otherwise, and a re-run would then give other bytes.
XLSX_CREATED = datetime.datetime(1980, 1, 1)


def fixed_properties(book: Any) -> None:
    """Give an xlsxwriter workbook a fixed creation date, so its bytes depend on its cells."""
    book.set_properties({"created": XLSX_CREATED})


def _cell_width(value: object) -> int:
    if value is None or (isinstance(value, float) and value != value):
        return 0
    if isinstance(value, float):
        return len(f"{value:.4g}")
    return max((len(line) for line in str(value).splitlines()), default=0)


def xlsx_column_widths(frame: pd.DataFrame) -> list[tuple[float, bool]]:
    """Width (characters) and "wrap" flag per column, from the header and the content.

    A column is as wide as its longest header word or typical cell (the 95th percentile of the
    first rows, so one long outlier does not widen it), between :data:`XLSX_MIN_WIDTH` and
    :data:`XLSX_MAX_WIDTH`. Columns whose cells are longer than the cap wrap.
    """
    out = []
    head = frame.head(XLSX_SIZE_ROWS)
    for col in frame.columns:
        lengths = pd.Series([_cell_width(v) for v in head[col]], dtype=float)
        typical = float(lengths.quantile(0.95)) if len(lengths) else 0.0
        longest = float(lengths.max()) if len(lengths) else 0.0
        header = max((len(w) for w in str(col).split()), default=0)
        width = min(max(typical, header, XLSX_MIN_WIDTH) + 2, XLSX_MAX_WIDTH)
        out.append((width, longest + 2 > XLSX_MAX_WIDTH))
    return out


def _style_sheet(
    book: Any,
    ws: Any,
    frame: pd.DataFrame,
    formats: dict[str, str],
    styles: dict[tuple[str, bool], Any],
) -> None:
    """Widths, wrap and number formats per column; bold wrapped header; freeze; filter."""
    if ("header", True) not in styles:
        styles[("header", True)] = book.add_format(
            {"bold": True, "text_wrap": True, "valign": "top"}
        )
    for j, (col, (width, wrap)) in enumerate(
        zip(frame.columns, xlsx_column_widths(frame), strict=True)
    ):
        fallback = FLOAT_FORMAT if pd.api.types.is_float_dtype(frame[col]) else ""
        key = (formats.get(str(col), fallback), wrap)
        if key not in styles:
            spec: dict[str, object] = {"valign": "top", "text_wrap": wrap}
            if key[0]:
                spec["num_format"] = key[0]
            styles[key] = book.add_format(spec)
        ws.set_column(j, j, width, styles[key])
        ws.write_string(0, j, str(col), styles[("header", True)])
    ws.freeze_panes(1, 0)
    if len(frame.columns):
        ws.autofilter(0, 0, max(len(frame), 1), len(frame.columns) - 1)


def write_xlsx(
    sheets: dict[str, pd.DataFrame],
    path: str | Path,
    *,
    number_formats: dict[str, dict[str, str]] | None = None,
) -> Path:
    """Write sheets to XLSX a writer can read as opened: sized, wrapped, filtered, frozen.

    Every sheet gets column widths from its content (capped, long text wrapped), a bold
    wrapped header row that stays frozen, and an autofilter over its rows. Text cells are
    formula-neutralised. Sheet names are cut to Excel's 31-character limit.

    Args:
        sheets: Sheet name -> table.
        path: Output file.
        number_formats: Sheet name -> column -> Excel number format (``"0.0%"``, ``"0.000"``);
            numbers are stored as numbers and only displayed through the format. Other float
            columns show three decimals (:data:`FLOAT_FORMAT`).

    Examples:
        >>> write_xlsx({"tagged": df}, "tagged.xlsx", number_formats={"tagged": {"share": "0.0%"}})
        ... # doctest: +SKIP
    """
    import xlsxwriter

    formats = number_formats or {}
    with atomic_path(path) as tmp:
        book = xlsxwriter.Workbook(str(tmp))
        fixed_properties(book)
        styles: dict[tuple[str, bool], Any] = {}
        for name, frame in sheets.items():
            safe = neutralise_frame(frame)
            ws = book.add_worksheet(name[:31])
            _write_cells(book, ws, safe)
            _style_sheet(book, ws, safe, formats.get(name, {}), styles)
        book.close()
    return Path(path)


#: Number formats of date and time cells, as pandas' ``to_excel`` gives them.
_TIME_FORMATS = (
    (datetime.datetime, "YYYY-MM-DD HH:MM:SS"),
    (datetime.date, "YYYY-MM-DD"),
    (datetime.timedelta, "0"),
)


def _write_cells(book: Any, ws: Any, frame: pd.DataFrame) -> None:
    """The frame's values below its header, as pandas' ``to_excel`` would write them.

    Written column by column here rather than through ``to_excel``, whose per-cell objects
    cost more than the writing itself on a 10k-answer tagged table; the cells are the same.
    """
    time_formats: dict[str, Any] = {}
    for j, col in enumerate(frame.columns):
        values = [_excel_value(v) for v in frame[col].tolist()]
        if not any(isinstance(v, datetime.date | datetime.timedelta) for v in values):
            ws.write_column(1, j, values)
            continue
        for i, v in enumerate(values, start=1):
            spec = next((f for kind, f in _TIME_FORMATS if isinstance(v, kind)), None)
            if spec is None:
                ws.write(i, j, v)
                continue
            if spec not in time_formats:
                time_formats[spec] = book.add_format({"num_format": spec})
            if isinstance(v, datetime.timedelta):
                v = v.total_seconds() / 86400
            ws.write(i, j, v, time_formats[spec])


def _excel_value(value: object) -> object:
    """A cell value as pandas hands it to xlsxwriter: blank, bool, int, float, date or text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        if value != value:
            return ""
        return "inf" if value == np.inf else "-inf" if value == -np.inf else float(value)
    if isinstance(value, str | datetime.date | datetime.timedelta):
        return value
    return str(value)


def sha256_file(path: str | Path, *, chunk: int = 1 << 20) -> str:
    """Return the sha256 of a file, read in chunks (inputs may be large)."""
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def remove_dead_staging(parent: Path) -> list[Path]:
    """Remove staging and old-output folders that a killed run left in ``parent``.

    Their names carry the pid of the run that made them; a folder whose run is gone holds
    partial data nobody will publish. Live runs' folders are left alone.
    """
    import shutil

    removed = []
    for mark in (".staging-", ".old-"):
        for folder in parent.glob(f".*{mark}*") if parent.is_dir() else ():
            pid = folder.name.rsplit(mark, 1)[1].split("-", 1)[0]
            if pid.isdigit() and not _pid_alive(int(pid)):
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
    return removed


def make_staging(final: str | Path) -> Path:
    """Create an empty staging folder beside ``final`` (hidden, same file system).

    What a killed run left beside it is removed first (:func:`remove_dead_staging`).
    """
    target = Path(final)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_dead_staging(target.parent)
    staging = Path(
        tempfile.mkdtemp(prefix=f".{target.name}.staging-{os.getpid()}-", dir=target.parent)
    )
    os.chmod(staging, 0o777 & ~_umask())
    return staging


def publish_staging(staging: str | Path, final: str | Path) -> Path:
    """Replace ``final`` with ``staging`` (two renames; the old outputs are removed after)."""
    import shutil

    target = Path(final)
    old = target.parent / f".{target.name}.old-{os.getpid()}"
    if target.exists():
        os.replace(target, old)
    os.replace(staging, target)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)
    return target


def discard_staging(staging: str | Path) -> None:
    """Remove a staging folder after a failed run."""
    import shutil

    shutil.rmtree(staging, ignore_errors=True)


@contextlib.contextmanager
def staged_dir(final: str | Path) -> Iterator[Path]:
    """Yield an empty staging folder; on success it replaces ``final`` in one step.

    A wave's outputs (tagged tables, manifest, report, review files) are written into the
    staging folder and published together, so a run that crashes half-way leaves the previous
    outputs untouched and nothing partial visible. On failure the staging folder is removed.
    """
    staging = make_staging(final)
    try:
        yield staging
    except BaseException:
        discard_staging(staging)
        raise
    publish_staging(staging, final)
