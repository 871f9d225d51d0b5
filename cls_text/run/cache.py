"""Keys for resuming a killed run from persisted step results.

A tagged chunk's result is persisted under a key made from the *content* of its inputs and a
fingerprint of this package's code, so a re-run of the same wave takes every chunk already
tagged from the cache, and a result computed by another version of the code is never reused.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd


@functools.cache
def code_fingerprint() -> str:
    """A sha256 over this package's source, its data files and its shipped models.

    Part of every resume-by-cache key: a result computed by an older version of the code (or
    of the stance model) must never be served to a newer one, even for identical inputs.
    Computed once per process (a few hundred small files).
    """
    import hashlib

    package = Path(__file__).resolve().parents[1]
    files = sorted(
        p
        for p in package.rglob("*")
        if p.is_file()
        and "__pycache__" not in p.parts
        and (p.suffix in _SOURCE_SUFFIXES or "models" in p.relative_to(package).parts)
    )
    h = hashlib.sha256()
    for path in files:
        h.update(path.name.encode("utf-8") + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


_SOURCE_SUFFIXES = frozenset({".py", ".yaml", ".yml", ".json", ".txt", ".csv"})


def content_key(*values: object) -> str:
    """A sha256 over the *content* of a step's inputs, for resume-by-cache keys.

    DataFrames hash their values, index, column names and dtypes (``hash_pandas_object``,
    stable across processes); pydantic models (config, codebook) their canonical JSON; dicts
    and lists their sorted JSON; paths their text; other objects (a fitted tagger) only their
    type, so the step's other inputs (tagger info with its model hash) must identify them.
    """
    import hashlib
    import json

    from pydantic import BaseModel

    h = hashlib.sha256()
    for value in values:
        if isinstance(value, pd.DataFrame):
            h.update(
                b"df:"
                + json.dumps([list(map(str, value.columns)), list(map(str, value.dtypes))]).encode()
            )
            h.update(pd.util.hash_pandas_object(value, index=True).to_numpy().tobytes())
        elif isinstance(value, BaseModel):
            h.update(b"model:" + value.model_dump_json().encode("utf-8"))
        elif (
            isinstance(value, dict | list | tuple | str | int | float | bool | Path)
            or value is None
        ):
            h.update(b"json:" + json.dumps(value, sort_keys=True, default=str).encode("utf-8"))
        else:
            h.update(b"type:" + f"{type(value).__module__}.{type(value).__qualname__}".encode())
        h.update(b"\0")
    return h.hexdigest()


#: The run caches under a project's data folder: resumable step results and sentence vectors.
CACHE_DIRS = ("prefect-results", "embeddings")


def clear_caches(root: str | Path = "data/cache") -> list[Path]:
    """Remove the run caches under ``root`` (both hold redacted answers); return what was removed.

    Outputs, the store, reviewers' decisions and the pseudonym key are never touched.
    """
    import shutil

    removed = []
    for name in CACHE_DIRS:
        folder = Path(root) / name
        if folder.is_dir():
            shutil.rmtree(folder)
            removed.append(folder)
    return removed
