"""Thin Prefect tasks over the library: each body is one call into ``cls_text``.

Retries are for I/O that can flake (reading the store, writing it), never for a user's bad
input: a ClsTextError would fail the same way again.
"""

from __future__ import annotations

from datetime import timedelta
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


#: ``cache_result_in_memory=False``: the result is persisted for resumption, and the runner
#: holds each tagged chunk only until it is appended to the staged partition. Prefect's
#: default keeps every task result in an in-memory cache of 1,000 entries as well, which held
#: all the chunks of a wave: the run's process grew from 2.1 to 4.4 GB over a million answers'
#: chunks (docs/benchmarks.md, *A million answers*).
@task(
    cache_key_fn=_cache_by_content,
    persist_result=True,
    cache_expiration=timedelta(days=7),
    cache_result_in_memory=False,
)
def tag_chunk(chunk: pd.DataFrame, tagger: object, cb: Codebook, info: dict) -> pd.DataFrame:
    return frame.tag_table(chunk, tagger, cb, info)


#: Settings of the steps that read or write the store: retry I/O hiccups, not user errors.
_STORE_IO: dict[str, Any] = {
    "retries": 2,
    "retry_delay_seconds": [1, 5],
    "retry_condition_fn": _not_user_error,
    "cache_policy": NO_CACHE,
}

# The wave-level steps are the library's functions themselves made tasks, so a task always
# takes exactly what its step takes; ``name=`` keeps the task names runs have always shown.
find_topics = task(cache_policy=NO_CACHE)(steps.find_topics)
write_topics = task(cache_policy=NO_CACHE)(steps.write_topics)
load_history = task(name="load_history", **_STORE_IO)(comparison_history)
write_report = task(cache_policy=NO_CACHE)(steps.write_report)
write_review = task(name="write_review", cache_policy=NO_CACHE)(steps.write_review_files)
update_store = task(**_STORE_IO)(steps.update_store)


#: The wave-level steps as Prefect tasks, for :func:`cls_text.run.wave.run_wave`.
WAVE_STEPS = WaveSteps(
    find_topics=find_topics,
    write_topics=write_topics,
    load_history=load_history,
    write_report=write_report,
    write_review=write_review,
    update_store=update_store,
)
