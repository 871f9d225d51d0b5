"""Thin Prefect tasks over the library: each body is one call into ``cls_text``.

Retries are for I/O that can flake (reading the store, writing it), never for a user's bad
input: a ClsTextError would fail the same way again.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from cls_text.codebook import Codebook
from cls_text.config import PipelineConfig
from cls_text.errors import ClsTextError
from cls_text.io.store import comparison_history
from cls_text.run import steps
from cls_text.run.cache import code_fingerprint, content_key
from cls_text.run.wave import WaveSteps
from cls_text.tag import frame
from cls_text.tag.select import select_tagger


def _not_user_error(task: Any, task_run: Any, state: Any) -> bool:
    """Retry I/O hiccups, never a user's bad input (it would fail the same way again)."""
    try:
        state.result()
    except ClsTextError:
        return False
    except Exception:
        return True
    return False


def _cache_by_content(context: Any, parameters: dict[str, Any]) -> str:
    """Key a tagged chunk's persisted result by its task and the content of its inputs.

    A run killed after tagging resumes from the stored results: the re-run computes the same
    keys from the same (redacted) chunks, codebook and tagger info, and skips the work. The
    key also holds :func:`~cls_text.run.cache.code_fingerprint`, so a result from another
    version of the code or of a shipped model is never reused. Results live under
    PREFECT_LOCAL_STORAGE_PATH (see docs/operations.md) and expire after 7 days.
    """
    return content_key(context.task.name, code_fingerprint(), *parameters.values())


@task(cache_policy=NO_CACHE)
def choose_tagger(cb: Codebook, cfg: PipelineConfig, models_dir: str) -> tuple[object, dict]:
    return select_tagger(cb, cfg, models_dir=models_dir)


@task(cache_key_fn=_cache_by_content, persist_result=True, cache_expiration=timedelta(days=7))
def tag_chunk(chunk: pd.DataFrame, tagger: object, cb: Codebook, info: dict) -> pd.DataFrame:
    return frame.tag_table(chunk, tagger, cb, info)


@task(cache_policy=NO_CACHE)
def find_topics(tagged: pd.DataFrame, cb: Codebook, cfg: PipelineConfig, tagger: object) -> Any:
    return steps.find_topics(tagged, cb, cfg, tagger)


@task(cache_policy=NO_CACHE)
def write_topics(result: Any, staging: Path) -> dict[str, Path]:
    return steps.write_topics(result, staging)


@task(
    retries=2, retry_delay_seconds=[1, 5], retry_condition_fn=_not_user_error, cache_policy=NO_CACHE
)
def load_history(
    store_dir: str | None,
    cb: Codebook,
    *,
    wave: str,
    compare: bool = True,
    compare_with: str | None = None,
) -> pd.DataFrame | None:
    return comparison_history(store_dir, cb, wave=wave, compare=compare, compare_with=compare_with)


@task(cache_policy=NO_CACHE)
def write_report(
    tagged: pd.DataFrame,
    cb: Codebook,
    manifest: dict[str, Any],
    history: pd.DataFrame | None,
    topics: Any,
    staging: Path,
) -> dict[str, Path]:
    return steps.write_report(tagged, cb, manifest, history, topics, staging)


@task(cache_policy=NO_CACHE)
def write_review(
    tagged: pd.DataFrame,
    cb: Codebook,
    cfg: PipelineConfig,
    topics: Any,
    staging: Path,
    coded_dir: str | None = None,
) -> dict[str, Path]:
    return steps.write_review_files(tagged, cb, cfg, topics, staging, coded_dir)


@task(
    retries=2, retry_delay_seconds=[1, 5], retry_condition_fn=_not_user_error, cache_policy=NO_CACHE
)
def update_store(tagged: pd.DataFrame, store_dir: str, wave: str, cb: Codebook) -> Path:
    return steps.update_store(tagged, store_dir, wave, cb)


#: The wave-level steps as Prefect tasks, for :func:`cls_text.run.wave.run_wave`.
WAVE_STEPS = WaveSteps(
    find_topics=find_topics,
    write_topics=write_topics,
    load_history=load_history,
    write_report=write_report,
    write_review=write_review,
    update_store=update_store,
)
