"""The staged tagged partition: chunks appended to Parquet and CSV as they are tagged.

The wave runner appends each tagged chunk, in input order, to ``tagged.parquet`` (one row group
per chunk) and ``tagged.csv``, and each chunk's quarantine to ``quarantine.csv``, inside the
run's staging folder. Memory stays bounded by a chunk whatever the wave's size; the wave-level
steps (topics, report, review, store) then read the partition back from disk.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cls_text import io as cio
from cls_text import schema as S

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.parquet as pq


#: Rows per Parquet row group. Fixed, so the file's bytes never depend on the chunk size; a
#: wave of up to this many answers is one row group, as :func:`cls_text.io.write_parquet` writes.
ROW_GROUP_ROWS = 131_072


class TableAppender:
    """Append frames to a Parquet file and a formula-safe CSV, chunk by chunk.

    Parquet rows are buffered into row groups of :data:`ROW_GROUP_ROWS`, so the bytes are the
    same for any chunking of the same rows (and equal :func:`cls_text.io.write_parquet`'s for a
    wave of one row group); the CSV equals the whole table's CSV for any number of chunks.
    """

    def __init__(self, parquet: Path | None, csv_path: Path) -> None:
        self.parquet = parquet
        self.csv = csv_path
        self._writer: pq.ParquetWriter | None = None
        self._schema: pa.Schema | None = None
        self._pending: list[pa.Table] = []
        self._pending_rows = 0
        self._header = True
        self.rows = 0

    def append(self, df: pd.DataFrame) -> None:
        """Append one chunk (columns and dtypes as the first chunk's)."""
        if self.parquet is not None:
            self._append_parquet(df)
        cio.neutralise_frame(df).to_csv(
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
        self._pending.append(table.cast(self._schema))
        self._pending_rows += len(table)
        while self._pending_rows >= ROW_GROUP_ROWS:
            self._flush(ROW_GROUP_ROWS)

    def _flush(self, rows: int) -> None:
        """Write the first ``rows`` buffered rows as one row group (contiguous buffers)."""
        import pyarrow as pa

        assert self._writer is not None
        buffered = pa.concat_tables(self._pending).combine_chunks()
        group, rest = buffered.slice(0, rows), buffered.slice(rows)
        self._writer.write_table(group, row_group_size=max(rows, 1))
        self._pending = [rest] if len(rest) else []
        self._pending_rows = len(rest)

    def close(self, empty: Callable[[], pd.DataFrame]) -> None:
        """Finish the files; with no rows at all, write ``empty()``'s header (and schema)."""
        if self._header:
            self.append(empty())
        if self._writer is not None:
            if self._pending_rows or not self.rows:
                self._flush(self._pending_rows)
            self._writer.close()
            self._writer = None


def read_partition(path: Path, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Read the staged tagged table back, only ``columns`` when given (column pruning)."""
    return pd.read_parquet(path, columns=list(columns) if columns is not None else None)


def read_without_evidence(path: Path) -> tuple[pd.DataFrame, EvidenceFile]:
    """The staged table without its evidence columns, and a reader for those columns.

    The evidence JSON is most of a tagged table's bytes (at a million answers, about two
    thirds of the frame in memory); the wave-level steps need it only for the rows they
    pick, so they read it through the :class:`EvidenceFile`, one theme's column at a time.
    """
    keep = [c for c in partition_columns(path) if not c.endswith(S.EVIDENCE_SUFFIX)]
    return read_partition(path, keep), EvidenceFile(path)


class EvidenceFile:
    """One theme's evidence cells at given rows, read from the staged Parquet file.

    An :data:`cls_text.schema.EvidenceCells`: only the asked-for column of the row groups that
    hold the asked-for rows is decompressed, one row group at a time, and only the asked-for
    cells become Python strings.
    """

    def __init__(self, path: Path) -> None:
        import pyarrow.parquet as pq

        self.path = path
        self._columns = set(partition_columns(path))
        meta = pq.read_metadata(path)
        sizes = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
        self._starts = np.cumsum([0, *sizes])  # first row of each row group

    def __call__(self, theme_id: str, rows: np.ndarray) -> list[object]:
        """The cells of ``theme_id``'s evidence column at row positions ``rows``."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        col = S.evidence_col(theme_id)
        out: list[object] = [None] * len(rows)
        if col not in self._columns or not len(rows):
            return out
        rows = np.asarray(rows, dtype=np.int64)
        group = np.searchsorted(self._starts, rows, side="right") - 1
        file = pq.ParquetFile(self.path)
        for g in np.unique(group).tolist():
            at = np.flatnonzero(group == g)
            column = file.read_row_group(g, columns=[col]).column(0)
            cells = column.take(pa.array(rows[at] - self._starts[g])).to_pylist()
            for i, cell in zip(at.tolist(), cells, strict=True):
                out[i] = cell
        return out


def partition_columns(path: Path) -> list[str]:
    """The staged table's column names, from the Parquet footer (no rows are read)."""
    import pyarrow.parquet as pq

    return list(pq.read_schema(path).names)


def read_quarantine(path: Path) -> pd.DataFrame:
    """Read the staged quarantine CSV back as text (for the workbook)."""
    q = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return q.astype({S.SOURCE_ROW: "int64"})


def write_tables_xlsx(parquet: Path, quarantine_csv: Path, dest: Path) -> Path:
    """``tagged.xlsx`` from the staged files: the tagged table and the quarantine as sheets.

    Reads the files itself, so it can run in the background writer
    (:mod:`cls_text.io.background`) without the tables crossing processes.
    """
    sheets = {"tagged": read_partition(parquet), "quarantine": read_quarantine(quarantine_csv)}
    return cio.write_xlsx(sheets, dest)
