"""The chunk step and the chunk loop of the wave runner.

Each chunk of a wave is redacted in input order (one redactor for the answers and one for the
quarantine, kept across chunks, so pseudonym numbers never depend on the chunk size), then
tagged inline or through ``submit`` on a task runner, at most ``max_in_flight`` at once, and
appended in input order to the staged partition (:mod:`cls_text.run.partition`).
"""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from cls_text import schema as S
from cls_text.config import PipelineConfig
from cls_text.ingest.chunks import Chunk, WaveReader
from cls_text.ingest.files import FileReport
from cls_text.run.counts import WaveCounts
from cls_text.run.memory import release_freed_memory
from cls_text.run.partition import TableAppender


@contextmanager
def timed(timings: dict[str, float], name: str) -> Iterator[None]:
    """Add the time the block takes to ``timings[name]`` (steps run once per chunk add up)."""
    start = time.perf_counter()
    yield
    timings[name] = timings.get(name, 0.0) + time.perf_counter() - start


class Result(Protocol):
    """What ``submit`` returns: something whose ``result()`` is the tagged chunk."""

    def result(self) -> pd.DataFrame: ...  # noqa: D102


#: ``submit(frame)`` starts tagging one redacted chunk and returns something with ``.result()``.
SubmitFn = Callable[[pd.DataFrame], Result]


@dataclass
class Done:
    """A chunk tagged inline, shaped like a task runner's future."""

    value: pd.DataFrame

    def result(self) -> pd.DataFrame:  # noqa: D102
        return self.value


def _redactor(cfg: PipelineConfig) -> Any:
    from cls_text.pii import RedactionConfig, Redactor

    rcfg = RedactionConfig.model_validate(cfg.redaction)
    return Redactor(rcfg) if rcfg.enabled else None


def redact_table(frame: pd.DataFrame, cfg: PipelineConfig) -> tuple[pd.DataFrame, dict[str, int]]:
    """Redact one table's answers with a fresh redactor (ad-hoc files); counts per type."""
    totals: Counter[str] = Counter()
    return _redact(_redactor(cfg), frame, totals), dict(totals)


def _redact(redactor: Any, frame: pd.DataFrame, totals: Counter[str]) -> pd.DataFrame:
    if redactor is None or frame.empty:
        return frame
    out, counts = redactor.redact_frame(frame, text_col=S.TEXT, key_col=S.RESPONDENT_ID)
    totals.update(dict(counts))
    return out


def _sort_quarantine(q: pd.DataFrame) -> pd.DataFrame:
    q = q.sort_values([S.SOURCE_FILE, S.SOURCE_ROW, S.QUESTION], kind="stable")
    return q.reset_index(drop=True)


@dataclass
class Staged:
    """The chunk loop's state and what it found."""

    tagged: TableAppender
    quarantine: TableAppender
    reader: WaveReader
    counts: WaveCounts = field(default_factory=WaveCounts)
    redactions: Counter[str] = field(default_factory=Counter)
    chunks: int = 0


def stage_chunks(
    paths: Sequence[Path],
    reports: Sequence[FileReport],
    cfg: PipelineConfig,
    tag: SubmitFn,
    staging: Path,
    timings: dict[str, float],
    *,
    wave: str | None,
    chunk_rows: int,
    max_in_flight: int,
) -> Staged:
    """Read, redact and tag every chunk; append each, in order, to the staged partition."""
    reader = WaveReader(cfg, wave, chunk_rows)
    staged = Staged(
        TableAppender(staging / "tagged.parquet", staging / "tagged.csv"),
        TableAppender(None, staging / "quarantine.csv"),
        reader,
    )
    redact_answers, redact_quarantine = _redactor(cfg), _redactor(cfg)
    pending: deque[tuple[Chunk, Result]] = deque()

    def drain(keep: int) -> None:
        while len(pending) > keep:
            chunk, future = pending.popleft()
            with timed(timings, "tag"):
                tagged = future.result()
            with timed(timings, "write"):
                staged.counts.add(chunk, tagged)
                staged.tagged.append(tagged)
                staged.quarantine.append(_sort_quarantine(chunk.quarantine))

    for path, report in zip(paths, reports, strict=True):
        chunks = reader.chunks(path, report)
        while True:
            with timed(timings, "ingest"):
                chunk = next(chunks, None)
            if chunk is None:
                break
            with timed(timings, "redact"):
                chunk.long = _redact(redact_answers, chunk.long, staged.redactions)
                chunk.quarantine = _redact(redact_quarantine, chunk.quarantine, staged.redactions)
            with timed(timings, "tag"):
                pending.append((chunk, tag(chunk.long)))
            staged.chunks += 1
            drain(max(max_in_flight - 1, 0))
    drain(0)
    release_freed_memory()  # the chunks' tables are gone; the wave-level steps need the room
    return staged
