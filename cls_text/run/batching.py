"""Splitting a wave into batches, processing them apart, and merging them back identically.

A national programme may pool hundreds of thousands of answers. ``flows/scaled.py`` maps
redaction and tagging over batches on a Dask cluster; this module holds the pure pieces so
that the batched run gives *exactly* the bytes of the single-process run:

* Batches are contiguous slices of the long table that never split a respondent, because the
  redactor numbers pseudonyms per respondent (``[NAME-3]``) in first-seen order across the
  whole wave. Each batch is redacted by its own redactor, then :func:`renumber_placeholders`
  shifts each batch's numbers by the counts of the batches before it, which reproduces the
  wave-wide numbering (first-seen order is the concatenation of the batches' orders).
* Tagging is row-wise, so tagged batches are concatenated and put in the canonical order with
  :func:`cls_text.run.pipeline.order_tagged`.

It also holds the resume-by-cache keys of the flows (:func:`content_key`,
:func:`code_fingerprint`). Reading big waves in chunks lives in :mod:`cls_text.run.bulk`.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from cls_text import schema as S
from cls_text.codebook.model import Codebook
from cls_text.config import PipelineConfig

#: A redaction placeholder, as written by :mod:`cls_text.pii.redactor` (``[NAME-3]``).
PLACEHOLDER = re.compile(r"\[([A-Z][A-Z_]*)-(\d+)\]")
_ANY_PLACEHOLDER = r"\[[A-Z][A-Z_]*-\d+\]"  # the same, without groups (for str.contains)


@dataclass(frozen=True, slots=True)
class RedactedBatch:
    """One batch after redaction, before renumbering.

    Attributes:
        index: Position of the batch in the wave (merge order).
        frame: The batch with redacted text (local placeholder numbers).
        counts: Redactions per entity type (for the manifest).
        issued: Placeholder numbers issued per type (local numbers run 1..issued[type]).
    """

    index: int
    frame: pd.DataFrame
    counts: dict[str, int]
    issued: dict[str, int]


def split_batches(long: pd.DataFrame, batch_size: int) -> list[pd.DataFrame]:
    """Cut the long table into contiguous batches of about ``batch_size`` rows.

    A cut is only made where the respondent id changes, so each respondent's answers stay in
    one batch (pseudonym numbering depends on it). When a respondent's rows are not contiguous
    (the same id in two files), the whole table is one batch: correctness over speed.

    Args:
        long: The long table (``respondent_id`` column), in wave order.
        batch_size: Target rows per batch (> 0).

    Returns:
        Batches in wave order; their concatenation is ``long``. One empty batch for an empty
        table.

    Raises:
        ValueError: when ``batch_size`` is not positive.
    """
    if batch_size <= 0:
        raise ValueError(f"batch_size must be a positive number of rows, got {batch_size}")
    n = len(long)
    if n <= batch_size:
        return [long]
    ids = long[S.RESPONDENT_ID].astype(str).to_numpy()
    change = np.flatnonzero(ids[1:] != ids[:-1]) + 1  # first row of each new respondent run
    runs = np.concatenate([[0], change])
    if len(set(ids[runs])) != len(runs):
        return [long]  # a respondent reappears later: one batch keeps numbering exact
    cuts = [0]
    for start in change:
        if start - cuts[-1] >= batch_size:
            cuts.append(int(start))
    cuts.append(n)
    return [long.iloc[a:b] for a, b in zip(cuts[:-1], cuts[1:], strict=True)]


def has_literal_placeholders(long: pd.DataFrame) -> bool:
    """True when some raw answer already looks like a placeholder (``[NAME-1]``).

    Renumbering could not tell such text from the redactor's own placeholders, so a wave with
    any is redacted as a single batch.
    """
    texts = long[S.TEXT]
    return bool(texts.astype(str).str.contains(_ANY_PLACEHOLDER, regex=True).any())


def redact_batch(index: int, batch: pd.DataFrame, cfg: PipelineConfig) -> RedactedBatch:
    """Redact one batch with a fresh redactor and record how many numbers it issued."""
    from cls_text.pii import RedactionConfig, Redactor

    rcfg = RedactionConfig.model_validate(cfg.redaction)
    if not rcfg.enabled:
        return RedactedBatch(index, batch, {}, {})
    redactor = Redactor(rcfg)
    frame, counts = redactor.redact_frame(batch, text_col=S.TEXT, key_col=S.RESPONDENT_ID)
    issued = {t: int(v) for t, v in redactor._next_id.items()}  # noqa: SLF001 (same package)
    return RedactedBatch(index, frame, dict(counts), issued)


def renumber_placeholders(batches: Sequence[RedactedBatch]) -> tuple[list[pd.DataFrame], dict]:
    """Shift each batch's placeholder numbers so they equal a single wave-wide redactor's.

    Args:
        batches: Redacted batches (any order; they are put in ``index`` order).

    Returns:
        The renumbered frames in wave order, and the summed redaction counts.
    """
    ordered = sorted(batches, key=lambda b: b.index)
    offsets: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    frames: list[pd.DataFrame] = []
    for b in ordered:
        totals.update(b.counts)
        frame = b.frame
        if any(offsets[t] for t in b.issued):
            shift = dict(offsets)

            def _sub(m: re.Match[str], shift: dict[str, int] = shift) -> str:
                return f"[{m.group(1)}-{int(m.group(2)) + shift.get(m.group(1), 0)}]"

            frame = frame.copy()
            col = frame[S.TEXT]
            frame[S.TEXT] = col.where(
                ~col.astype(str).str.contains("[", regex=False),
                col.astype(str).str.replace(PLACEHOLDER, _sub, regex=True),
            ).astype(col.dtype)
        offsets.update(b.issued)
        frames.append(frame)
    return frames, dict(totals)


def tag_batch(
    batch: pd.DataFrame, tagger: object, codebook: Codebook, info: dict[str, object]
) -> pd.DataFrame:
    """Tag one redacted batch (row-wise: the same result as tagging the whole wave)."""
    from cls_text.run.pipeline import tag_wave

    return tag_wave(batch, tagger, codebook, info)


def merge_tagged(parts: Sequence[pd.DataFrame], codebook: Codebook) -> pd.DataFrame:
    """Concatenate tagged batches and fix the canonical row/column order and dtypes."""
    from cls_text.run.pipeline import order_tagged

    if len(parts) == 1:
        return parts[0]
    merged = pd.concat(list(parts), ignore_index=True)
    return order_tagged(merged, codebook)


@functools.cache
def code_fingerprint() -> str:
    """A sha256 over this package's source, its data files and the shipped stance model.

    Part of every resume-by-cache key: a result computed by an older version of the code (or
    of the stance model) must never be served to a newer one, even for identical inputs.
    Computed once per process (a few hundred small files).
    """
    import hashlib

    from cls_text.tag.stance.model import DEFAULT_MODELS_DIR, STANCE_MODEL_NAME

    package = Path(__file__).resolve().parents[1]
    files = sorted(p for p in package.rglob("*") if p.is_file() and p.suffix in _SOURCE_SUFFIXES)
    model_dir = DEFAULT_MODELS_DIR / STANCE_MODEL_NAME
    if model_dir.is_dir():
        files += sorted(p for p in model_dir.rglob("*") if p.is_file())
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
