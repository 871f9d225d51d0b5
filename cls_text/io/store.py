"""The cumulative store: every processed wave, side by side, for comparisons across waves.

Layout (Hive-style partitions, readable by DuckDB, pyarrow, Spark or pandas)::

    store_dir/
      wave=2026-W1/part-0.parquet     the wave's tagged long table (exact, redacted text)
      wave=2026-W1/wave.json          codebook id/version/hash and theme ids it was tagged with
      wave=2026-W2/...

The wave is the partition key, so the ``wave`` column lives in the folder name, not the file.
Re-processing a wave replaces its whole folder in one rename (staging folder beside it, then
swap), so readers see the old partition or the new one, never a mix, and no other wave is
touched. Themes are identified by id, which codebooks keep stable across versions; a theme a
wave's codebook did not have is *not coded* (NA) for that wave, never 0.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from cls_text import io
from cls_text.codebook.model import Codebook
from cls_text.errors import StoreError
from cls_text.schema import (
    LONG_COLUMNS,
    TAGGER,
    THEMES,
    WAVE,
    evidence_col,
    score_col,
    stance_col,
)

#: Columns :func:`read_store` adds so every row says which codebook tagged it.
CODEBOOK_VERSION = "codebook_version"
CODEBOOK_HASH = "codebook_hash"

PART_FILE = "part-0.parquet"
META_FILE = "wave.json"
_WAVE_LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def check_wave_label(wave: str, *, what: str = "wave label") -> str:
    """Return ``wave`` if it can name a store partition (and an output folder).

    Raises:
        StoreError: naming ``what`` (e.g. ``--wave``), the bad label and the allowed characters.
    """
    if not isinstance(wave, str) or not _WAVE_LABEL.match(wave):
        raise StoreError(
            f"{what} {wave!r} cannot name a wave: use letters, digits, '.', '_' or '-', "
            "starting with a letter or digit (e.g. '2026-W3')"
        )
    return wave


def programme_store(store_root: str | Path, programme: str) -> Path:
    """The store of one survey programme: ``<store_root>/<programme>/``.

    Each programme has its own store, so a wave is only ever compared with earlier waves of the
    same survey (never with the demo's waves or another programme's).
    """
    return Path(store_root) / programme


def check_compare_with(store_dir: str | Path, compare_with: str, *, wave: str | None) -> None:
    """Check that the wave a report is to be compared with is in the programme's store.

    Raises:
        StoreError: it is this run's own wave, or it is not stored (the stored waves are listed).
    """
    check_wave_label(compare_with, what="--compare-with")
    if wave is not None and compare_with == wave:
        raise StoreError(f"--compare-with '{compare_with}' is the wave being processed.")
    stored = list(store_waves(store_dir)["wave"])
    if compare_with not in stored:
        raise StoreError(
            f"--compare-with '{compare_with}': no such wave in the store '{store_dir}'; stored: "
            f"{', '.join(stored) or 'none yet'}."
        )


def comparison_history(
    store_dir: str | Path | None,
    codebook: Codebook,
    *,
    wave: str,
    compare: bool = True,
    compare_with: str | None = None,
) -> pd.DataFrame | None:
    """The stored waves a wave's report compares with (None: nothing to compare with).

    The wave itself is left out, so re-running a wave never compares it with its earlier run.

    Args:
        store_dir: The programme's store (:func:`programme_store`), or None.
        codebook: The current codebook (older waves are carried through its change log).
        wave: The wave being processed.
        compare: False gives None (``--no-compare``).
        compare_with: Only this earlier wave; None: every earlier wave of the programme.

    Raises:
        StoreError: ``compare_with`` is not in the store.
    """
    if not compare or not store_dir or not Path(store_dir).is_dir():
        if compare_with and compare:
            check_compare_with(store_dir or "", compare_with, wave=wave)
        return None
    stored = [w for w in store_waves(store_dir)["wave"] if w != wave]
    if compare_with is not None:
        check_compare_with(store_dir, compare_with, wave=wave)
        stored = [compare_with]
    return read_store(store_dir, waves=stored, codebook=codebook) if stored else None


def partition_dir(store_dir: str | Path, wave: str) -> Path:
    """Folder holding one wave's partition."""
    return Path(store_dir) / f"{WAVE}={check_wave_label(wave)}"


def _theme_ids_of(columns: Sequence[str]) -> list[str]:
    """Theme ids present in a tagged table: columns that have all three companion columns."""
    cols = set(columns)
    return [
        c
        for c in columns
        if score_col(c) in cols and stance_col(c) in cols and evidence_col(c) in cols
    ]


def append_wave(
    tagged: pd.DataFrame,
    store_dir: str | Path,
    *,
    wave: str,
    codebook_summary: dict[str, str],
) -> Path:
    """Add (or replace) one wave's tagged table in the store.

    Args:
        tagged: The wave's tagged long table. Its ``wave`` column, if present, must hold only
            ``wave``.
        store_dir: Root of the store (created if missing).
        wave: Wave label; it names the partition folder.
        codebook_summary: ``Codebook.summary()`` (id, version, hash) of the codebook that
            tagged it; stored so waves tagged under an older version can be marked.

    Returns:
        The partition folder.

    Raises:
        StoreError: The wave label is not usable as a folder name, the table holds another
            wave, or the codebook summary lacks id/version/hash.
    """
    import pyarrow as pa

    waves = tagged[WAVE].astype(str).unique() if WAVE in tagged.columns else []
    _check_wave(wave, waves, codebook_summary)
    data = tagged.drop(columns=[WAVE], errors="ignore").reset_index(drop=True)
    table = pa.Table.from_pandas(data, preserve_index=False)
    return _write_partition(table, store_dir, wave, codebook_summary, table.column_names)


def append_wave_file(
    tagged_parquet: str | Path,
    store_dir: str | Path,
    *,
    wave: str,
    codebook_summary: dict[str, str],
) -> Path:
    """:func:`append_wave` from a tagged Parquet file (a run's ``tagged.parquet``).

    The table goes from file to store one row group at a time, as Arrow columns: a large
    wave's evidence text held whole, as Python strings, costs several times its size.
    """
    import pyarrow.parquet as pq

    source = pq.ParquetFile(tagged_parquet)
    names = source.schema_arrow.names
    waves: list[str] = []
    if WAVE in names:
        column = pq.read_table(tagged_parquet, columns=[WAVE]).column(0)
        waves = [str(w) for w in column.unique().to_pylist()]
    _check_wave(wave, waves, codebook_summary)
    keep = [n for n in names if n != WAVE]
    groups = (source.read_row_group(i, columns=keep) for i in range(source.num_row_groups))
    return _write_partition(groups, store_dir, wave, codebook_summary, keep)


def _check_wave(wave: str, waves: Sequence[str], codebook_summary: dict[str, str]) -> None:
    """The checks of :func:`append_wave`: a usable label, one wave, a whole codebook summary."""
    check_wave_label(wave)
    missing = [k for k in ("id", "version", "hash") if k not in codebook_summary]
    if missing:
        raise StoreError(f"codebook_summary lacks {missing}; pass Codebook.summary()")
    others = sorted(set(waves) - {wave})
    if others:
        raise StoreError(
            f"cannot store wave '{wave}': the table's '{WAVE}' column also holds {others}"
        )


def _write_partition(
    table: Any, store_dir: str | Path, wave: str, summary: dict[str, str], columns: Sequence[str]
) -> Path:
    """Replace the wave's partition folder with ``table`` (Arrow, or its row groups) and meta."""
    import pyarrow.parquet as pq

    meta: dict[str, Any] = {
        "wave": wave,
        "codebook": {k: str(summary[k]) for k in ("id", "version", "hash")},
        "theme_ids": _theme_ids_of(columns),
    }
    with io.staged_dir(partition_dir(store_dir, wave)) as staging:
        path = io.write_arrow_parquet(table, staging / PART_FILE)
        meta["n_rows"] = pq.ParquetFile(path).metadata.num_rows
        io.write_json_atomic(staging / META_FILE, meta)
    return partition_dir(store_dir, wave)


def store_waves(store_dir: str | Path) -> pd.DataFrame:
    """List the stored waves and the codebook each was tagged with.

    Returns:
        One row per wave, sorted by label: ``wave``, ``codebook_id``, ``codebook_version``,
        ``codebook_hash``, ``n_rows``, ``theme_ids`` (list).

    Raises:
        StoreError: A partition folder lacks its data or metadata file.
    """
    rows = []
    root = Path(store_dir)
    for part in sorted(root.glob(f"{WAVE}=*")) if root.is_dir() else []:
        meta_path = part / META_FILE
        if not (part / PART_FILE).is_file() or not meta_path.is_file():
            raise StoreError(f"store partition '{part}' lacks {PART_FILE} or {META_FILE}")
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        rows.append(
            {
                "wave": meta["wave"],
                "codebook_id": meta["codebook"]["id"],
                CODEBOOK_VERSION: meta["codebook"]["version"],
                CODEBOOK_HASH: meta["codebook"]["hash"],
                "n_rows": int(meta["n_rows"]),
                "theme_ids": list(meta["theme_ids"]),
            }
        )
    cols = ["wave", "codebook_id", CODEBOOK_VERSION, CODEBOOK_HASH, "n_rows", "theme_ids"]
    return pd.DataFrame(rows, columns=cols)


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split(".") if p.isdigit())


def codebook_status(store_dir: str | Path, codebook_summary: dict[str, str]) -> pd.DataFrame:
    """Mark waves tagged under another codebook version than the current one.

    Returns:
        :func:`store_waves` plus ``older_codebook`` (an earlier version than the current
        one), ``same_codebook`` (identical content hash) and ``missing_themes`` (current
        theme ids that wave was not coded for, when ``codebook_summary`` has ``theme_ids``).
    """
    waves = store_waves(store_dir)
    current = _version_key(str(codebook_summary.get("version", "")))
    waves["older_codebook"] = [_version_key(v) < current for v in waves[CODEBOOK_VERSION]]
    waves["same_codebook"] = waves[CODEBOOK_HASH] == codebook_summary.get("hash")
    wanted = list(codebook_summary.get("theme_ids", []))
    waves["missing_themes"] = [[t for t in wanted if t not in ids] for ids in waves["theme_ids"]]
    return waves


def read_store(
    store_dir: str | Path,
    *,
    waves: Sequence[str] | None = None,
    codebook: Codebook | None = None,
) -> pd.DataFrame:
    """Read stored waves into one long table, theme columns aligned by id.

    Args:
        store_dir: Root of the store.
        waves: Labels to read; ``None`` reads all.
        codebook: The current codebook. When given, a wave tagged under an older version of
            it is carried through the codebook's change log (renames, merges, retirements;
            :func:`cls_text.codebook.versions.map_tagged`) so its themes line up with today's
            ids. Without it, columns are aligned by id as stored.

    Returns:
        The long columns, theme columns (union over waves, in order of first appearance),
        ``themes``, ``tagger``, plus ``codebook_version`` and ``codebook_hash`` per row. Theme
        0/1 columns are nullable ``Int64``: NA where the wave's codebook lacked the theme.
        Empty (no rows) when the store is empty.

    Raises:
        StoreError: A requested wave is not in the store.
        CodebookError: A wave was tagged under a newer version than ``codebook``.
    """
    index = store_waves(store_dir)
    if waves is not None:
        absent = sorted(set(waves) - set(index["wave"]))
        if absent:
            raise StoreError(
                f"wave(s) {absent} not in store '{store_dir}'; stored: {list(index['wave'])}"
            )
        index = index[index["wave"].isin(list(waves))]
    frames = []
    theme_ids: list[str] = []
    for row in index.itertuples(index=False):
        df = pd.read_parquet(partition_dir(store_dir, row.wave) / PART_FILE)
        df[WAVE] = row.wave
        df[CODEBOOK_VERSION] = getattr(row, CODEBOOK_VERSION)
        df[CODEBOOK_HASH] = getattr(row, CODEBOOK_HASH)
        ids = list(row.theme_ids)
        version = str(getattr(row, CODEBOOK_VERSION))
        if codebook is not None and row.codebook_id == codebook.id and version != codebook.version:
            from cls_text.codebook.versions import map_tagged

            df = map_tagged(df, version, codebook)
            ids = [t for t in codebook.theme_ids() if t in df.columns]
        theme_ids += [t for t in ids if t not in theme_ids]
        frames.append(df)
    if not frames:
        return pd.DataFrame(columns=[*LONG_COLUMNS, THEMES, TAGGER, CODEBOOK_VERSION])
    out = pd.concat(frames, ignore_index=True, sort=False)
    for t in theme_ids:
        out[t] = out[t].astype("Int64")
    theme_cols = [c for t in theme_ids for c in (t, score_col(t), stance_col(t), evidence_col(t))]
    lead = [c for c in LONG_COLUMNS if c in out.columns]
    tail = [c for c in (THEMES, TAGGER, CODEBOOK_VERSION, CODEBOOK_HASH) if c in out.columns]
    rest = [c for c in out.columns if c not in {*lead, *theme_cols, *tail}]
    return out[[*lead, *rest, *theme_cols, *tail]]


def query_store(store_dir: str | Path, sql: str) -> pd.DataFrame:
    """Run SQL over the store with DuckDB; the store is the view ``store``.

    Theme columns are matched by name across waves (``union_by_name``), so a theme missing
    from a wave reads as NULL. The wave comes from the partition folder, as text.

    Examples:
        >>> query_store(d, "SELECT wave, avg(trust) FROM store GROUP BY wave")  # doctest: +SKIP

    Raises:
        StoreError: The store holds no wave yet.
    """
    import duckdb

    root = Path(store_dir)
    if store_waves(root).empty:
        raise StoreError(f"store '{root}' holds no wave yet; append one with append_wave()")
    pattern = str(root / f"{WAVE}=*" / PART_FILE).replace("'", "''")
    con = duckdb.connect()
    try:
        con.execute(
            "CREATE VIEW store AS SELECT * FROM read_parquet("
            f"'{pattern}', hive_partitioning=true, union_by_name=true, "
            "hive_types={'wave': VARCHAR})"
        )
        return con.execute(sql).df()
    finally:
        con.close()


def describe_comparison(history: pd.DataFrame | None, codebook: Codebook) -> dict[str, Any]:
    """What a report compares with: the waves, their codebook versions, and untestable themes.

    A theme whose definition or terms changed (``edit_definition``, ``edit_terms``, ``split``
    or ``merge`` in the codebook's change log) after the version an earlier wave was tagged
    with is shown but must not be tested for change: a difference may come from the new
    definition, not the respondents (:meth:`Codebook.redefined`).

    Args:
        history: :func:`comparison_history` (None or empty: nothing compared).
        codebook: The codebook the current wave is tagged with.

    Returns:
        ``{"waves": [...], "codebook_versions": {wave: version}, "changed_themes": [...],
        "current_codebook_version": ...}``, ``waves`` empty when nothing is compared.
    """
    out: dict[str, Any] = {
        "waves": [],
        "codebook_versions": {},
        "changed_themes": [],
        "current_codebook_version": codebook.version,
    }
    if history is None or history.empty:
        return out
    versions = history.groupby(WAVE, sort=True)[CODEBOOK_VERSION].first().astype(str).to_dict()
    out["waves"] = sorted(versions)
    out["codebook_versions"] = versions
    oldest = min(versions.values(), key=_version_key)
    out["changed_themes"] = codebook.redefined(oldest)
    return out
