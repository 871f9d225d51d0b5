"""The batched wave flow: the same steps as ``process-wave``, with redact+tag mapped over batches.

``process-wave-scaled`` splits the wave's long table into batches that never split a respondent
(``cls_text.run.batching``), maps redaction and then tagging over the batches on the flow's task
runner, merges the results in a fixed order and writes exactly what ``process-wave`` writes:
the tagged tables are byte-identical to the single-process run (tests/flows/test_scaled.py).

The task runner is chosen when the flow is called (:func:`run_scaled`): Prefect's default
thread pool, a local Dask cluster (``DaskTaskRunner()`` starts one: 2 worker processes), or an
existing Dask cluster given its scheduler address (``tcp://host:8786``).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any, Literal

import pandas as pd
from prefect import flow, get_run_logger, task, unmapped
from prefect.cache_policies import NO_CACHE

from cls_text.codebook.model import Codebook, load_codebook
from cls_text.config import PipelineConfig, load_config
from cls_text.run import batching, pipeline
from cls_text.tag.select import select_tagger
from flows import wave as wave_tasks
from flows.wave import _timed

TaskRunnerName = Literal["default", "dask"]


@task(cache_policy=NO_CACHE)
def redact_batch(index: int, batch: pd.DataFrame, cfg: PipelineConfig) -> batching.RedactedBatch:
    return batching.redact_batch(index, batch, cfg)


@task(cache_policy=NO_CACHE)
def tag_batch(
    batch: pd.DataFrame, tagger: object, cb: Codebook, info: dict[str, Any]
) -> pd.DataFrame:
    return batching.tag_batch(batch, tagger, cb, info)


def _redact_all(
    long: pd.DataFrame, cfg: PipelineConfig, batch_size: int
) -> tuple[list[pd.DataFrame], dict[str, int]]:
    """Map redaction over batches and renumber placeholders into wave-wide numbers."""
    parts = batching.split_batches(long, batch_size)
    if batching.has_literal_placeholders(long):
        parts = [long]  # renumbering could not tell literal "[NAME-1]" text from its own
    futures = redact_batch.map(list(range(len(parts))), parts, unmapped(cfg))
    return batching.renumber_placeholders([f.result() for f in futures])


@flow(name="process-wave-scaled")
def process_wave_scaled(
    inputs: list[str],
    wave: str | None = None,
    out_dir: str | None = None,
    config: str | None = None,
    codebook: str | None = None,
    models_dir: str = "models",
    store_dir: str | None = "data/store",
    topics: bool = True,
    report: bool = True,
    batch_size: int = 50_000,
    coded_dir: str | None = "data/coded",
) -> str:
    """Process one wave like ``process-wave``, with redact and tag mapped over batches.

    Args:
        inputs: Export files or folders of them (one wave).
        wave: Wave label (else the mapped wave column).
        out_dir: Output folder (default ``data/processed/<wave>/``).
        config: Column map / settings YAML (else detected).
        codebook: Codebook YAML (else the default CLS codebook).
        models_dir: Where trained taggers live.
        store_dir: Cumulative store of all waves (None: do not store, no trends).
        topics: Run emergent-topic discovery (one task: it needs the whole wave).
        report: Write report.html/.xlsx/.md and the review files.
        batch_size: Rows per redact/tag batch (respondents are never split).
        coded_dir: Reviewers' decisions (coded-examples store), for agreement figures.
    """
    logger = get_run_logger()
    timings: dict[str, float] = {}
    cfg = load_config(config)
    cb = load_codebook(codebook)
    with _timed(timings, "ingest"):
        data = wave_tasks.ingest(inputs, cfg, wave)
    wave_label = pipeline.single_wave(data, wave)
    with _timed(timings, "redact"):
        frames, redactions = _redact_all(data.long, cfg, batch_size)
        quarantine, q_red = pipeline.redact_wave(data.quarantine, cfg)
        redactions = {k: redactions.get(k, 0) + q_red.get(k, 0) for k in {*redactions, *q_red}}
    with _timed(timings, "tag"):
        tagger, info = select_tagger(cb, cfg, models_dir=models_dir)
        futures = tag_batch.map(frames, unmapped(tagger), unmapped(cb), unmapped(info))
        tagged = batching.merge_tagged([f.result() for f in futures], cb)
    logger.info("wave %s: %d rows in %d batches", wave_label, len(tagged), len(frames))
    counts = pipeline.conservation(data, tagged)
    topic_result = None
    if topics:
        with _timed(timings, "topics"):
            topic_result = wave_tasks.find_topics(tagged, cb, cfg, tagger)
    out, _, _ = wave_tasks.publish_wave(
        data=data,
        wave_label=wave_label,
        tagged=tagged,
        quarantine=quarantine,
        cb=cb,
        cfg=cfg,
        info=info,
        counts=counts,
        redactions=redactions,
        topic_result=topic_result,
        timings=timings,
        parameters={
            "config": str(config) if config else None,
            "codebook": str(codebook) if codebook else "default",
            "max_text_chars": cfg.max_text_chars,
            "tagger": cfg.tagger,
            "topics": topics,
            "report": report,
            "batch_size": batch_size,
        },
        out_dir=out_dir,
        store_dir=store_dir,
        coded_dir=coded_dir,
        report=report,
    )
    return str(out)


def make_task_runner(name: TaskRunnerName = "default", address: str | None = None) -> Any:
    """Build the task runner: Prefect's thread pool, or Dask (local cluster or ``address``).

    Raises:
        ValueError: for an unknown runner name, or an address without ``--task-runner dask``.
    """
    if name == "default":
        if address:
            raise ValueError("a Dask address needs --task-runner dask")
        from prefect.task_runners import ThreadPoolTaskRunner

        return ThreadPoolTaskRunner()
    if name == "dask":
        from prefect_dask import DaskTaskRunner

        if address:
            return DaskTaskRunner(address=address)
        # One thread per worker process: redaction and tagging are pure Python (GIL-bound).
        return DaskTaskRunner(
            cluster_kwargs={"n_workers": 2, "threads_per_worker": 1, "dashboard_address": None}
        )
    raise ValueError(f"task runner must be 'default' or 'dask', got {name!r}")


def run_on_runner(
    flow_obj: Any,
    *,
    task_runner: TaskRunnerName = "default",
    dask_address: str | None = None,
    **params: Any,
) -> str:
    """Run ``flow_obj`` on the chosen task runner (Dask workers share this process's API)."""
    runner = make_task_runner(task_runner, dask_address)
    with _shared_api(task_runner == "dask"):
        return str(flow_obj.with_options(task_runner=runner)(**params))


def run_scaled(
    *,
    task_runner: TaskRunnerName = "default",
    dask_address: str | None = None,
    **params: Any,
) -> str:
    """Run ``process-wave-scaled`` on the chosen task runner; ``params`` are the flow's."""
    return run_on_runner(
        process_wave_scaled, task_runner=task_runner, dask_address=dask_address, **params
    )


@flow(name="process-wave-dask")
def process_wave_dask(
    inputs: list[str],
    wave: str | None = None,
    out_dir: str | None = None,
    config: str | None = None,
    codebook: str | None = None,
    models_dir: str = "models",
    store_dir: str | None = "data/store",
    topics: bool = True,
    report: bool = True,
    batch_size: int = 50_000,
    dask_address: str | None = None,
) -> str:
    """Deployable entry point: ``process-wave-scaled`` on Dask (a local cluster or an address).

    A deployment cannot choose a flow's task runner, so this flow takes the address as a
    parameter and runs the batched flow as a subflow on a ``DaskTaskRunner``.
    """
    return run_scaled(
        task_runner="dask",
        dask_address=dask_address,
        inputs=inputs,
        wave=wave,
        out_dir=out_dir,
        config=config,
        codebook=codebook,
        models_dir=models_dir,
        store_dir=store_dir,
        topics=topics,
        report=report,
        batch_size=batch_size,
    )


@contextlib.contextmanager
def _shared_api(needed: bool) -> Iterator[None]:
    """Give Dask workers this process's Prefect API instead of one temporary server each.

    Without ``PREFECT_API_URL``, every worker process would start its own temporary API
    server on first use (slow, and it times out on a loaded machine). Start the temporary
    server here and export its URL: worker processes inherit the environment.
    """
    from prefect.settings import PREFECT_API_URL

    if not needed or os.environ.get("PREFECT_API_URL"):
        yield
        return
    url = PREFECT_API_URL.value()  # e.g. set by a settings context (test harness)
    if not url:
        from prefect.server.api.server import SubprocessASGIServer

        server = SubprocessASGIServer()
        server.start()
        url = server.api_url
    os.environ["PREFECT_API_URL"] = url
    try:
        yield
    finally:
        os.environ.pop("PREFECT_API_URL", None)
