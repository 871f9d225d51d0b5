"""Writing outputs: atomically, deterministically, and safe to open in a spreadsheet.

Every output goes through :func:`atomic_path`: it is written to a temporary file in the same
folder and renamed into place, so a crash leaves either the previous file or the new one, never
half a file. CSV and Parquet writers are deterministic (no timestamps, fixed column order,
fixed row order) so that re-running a wave gives byte-identical files.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd


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
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df.reset_index(drop=True), preserve_index=False)
    # pandas metadata embeds library versions but no timestamps; drop it anyway so the bytes
    # depend only on the data and the schema.
    table = table.replace_schema_metadata(None)
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd", write_statistics=True)
    return Path(path)


def write_xlsx(sheets: dict[str, pd.DataFrame], path: str | Path) -> Path:
    """Write one or more sheets to XLSX with formula-neutralised text and frozen headers.

    Sheet names are cut to Excel's 31-character limit.
    """
    with atomic_path(path) as tmp:
        with pd.ExcelWriter(tmp, engine="xlsxwriter") as writer:
            for name, frame in sheets.items():
                sheet = name[:31]
                neutralise_frame(frame).to_excel(writer, sheet_name=sheet, index=False)
                ws = writer.sheets[sheet]
                ws.freeze_panes(1, 0)
    return Path(path)


def sha256_file(path: str | Path, *, chunk: int = 1 << 20) -> str:
    """Return the sha256 of a file, read in chunks (inputs may be large)."""
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def make_staging(final: str | Path) -> Path:
    """Create an empty staging folder beside ``final`` (hidden, same file system)."""
    target = Path(final)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.staging-", dir=target.parent))
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
