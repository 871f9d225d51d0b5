"""The survey-wave flow: one runner for every wave, as thin Prefect tasks.

``process-wave`` loads the config and codebook, chooses the tagger, and hands the wave to
:func:`cls_text.run.wave.run_wave` with Prefect's pieces: each redacted chunk is tagged by the
``tag-chunk`` task on the flow's task runner (threads, or Dask with ``--task-runner dask``), and
the wave-level steps run as tasks. The flow then publishes artifacts and logs counts (never
quote text). Publishing the outputs happens in the runner, in one place.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from prefect import flow, get_run_logger
from prefect.artifacts import (
    create_link_artifact,
    create_markdown_artifact,
    create_table_artifact,
)
from prefect.runtime import flow_run

from cls_text.codebook import Codebook, load_codebook
from cls_text.config import load_config
from cls_text.ingest.chunks import DEFAULT_CHUNK_ROWS
from cls_text.run.wave import DEFAULT_XLSX_MAX_ROWS, WaveOptions, WaveResult, run_wave
from flows import tasks
from flows.runners import run_on_runner


def _publish_artifacts(result: WaveResult, codebook: Codebook) -> None:
    """The run's summary (counts, conservation, intervals), prevalence by group, output links."""
    from cls_text.report.artifacts import artifact_columns, run_artifacts
    from cls_text.run.partition import partition_columns, read_partition

    path = result.out_dir / "tagged.parquet"
    tagged = read_partition(path, artifact_columns(partition_columns(path), codebook))
    payload = run_artifacts(
        tagged, codebook, result.manifest, result.manifest["outputs"], history=result.history
    )
    label = result.manifest["wave"]
    create_markdown_artifact(
        key="wave-summary",
        markdown=payload.markdown,
        description=f"Wave {label}: counts, conservation, intervals",
    )
    create_table_artifact(key="prevalence-by-group", table=payload.prevalence)
    for link in payload.links:
        create_link_artifact(
            link=link.url, link_text=link.text, key=link.key, description=link.description
        )


@flow(name="process-wave")
def process_wave(
    inputs: list[str],
    wave: str | None = None,
    out_dir: str | None = None,
    config: str | None = None,
    codebook: str | None = None,
    models_dir: str = "models",
    store_dir: str | None = "data/store",
    coded_dir: str | None = "data/coded",
    topics: bool = True,
    report: bool = True,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    xlsx_max_rows: int = DEFAULT_XLSX_MAX_ROWS,
    max_in_flight: int = 3,
    compare: bool | None = None,
    compare_with: str | None = None,
) -> str:
    """Process one survey wave end to end and return the output folder.

    Args:
        inputs: Export files or folders of them (one wave).
        wave: Wave label (else the mapped wave column).
        out_dir: Output folder (default ``data/processed/<wave>/``).
        config: Column map / settings YAML (else detected).
        codebook: Codebook YAML (else the default CLS codebook).
        models_dir: Where trained taggers live.
        store_dir: Cumulative store of all waves (None: do not store, no trends).
        coded_dir: Reviewers' decisions (coded-examples store), for agreement figures.
        topics: Run emergent-topic discovery.
        report: Write report.html/.xlsx/.md and the review files.
        chunk_rows: Input rows per chunk (memory is bounded by a chunk).
        xlsx_max_rows: Write tagged.xlsx only up to this many rows (100,000 by default;
            never more than Excel's limit).
        max_in_flight: Chunks being tagged at once (at least the number of workers).
        compare: Compare with earlier waves of the programme (None: the config's ``store:``).
        compare_with: Only with this earlier wave (None: the config's, else every earlier one).
    """
    cfg = load_config(config)
    cb = load_codebook(codebook)
    tagger, info = tasks.choose_tagger(cb, cfg, models_dir)

    def submit(chunk: pd.DataFrame) -> Any:
        return tasks.tag_chunk.submit(chunk, tagger, cb, info)

    opts = WaveOptions(
        wave=wave,
        out_dir=_path(out_dir),
        store_dir=_path(store_dir),
        coded_dir=_path(coded_dir),
        topics=topics,
        report=report,
        chunk_rows=chunk_rows,
        xlsx_max_rows=xlsx_max_rows,
        max_in_flight=max_in_flight,
        compare=cfg.store.compare if compare is None else compare,
        compare_with=compare_with or cfg.store.compare_with,
        parameters={"config": config, "codebook": codebook or "default"},
    )
    result = run_wave(
        inputs,
        cfg,
        cb,
        tagger,
        info,
        opts,
        submit=submit,
        steps=tasks.WAVE_STEPS,
        flow_run_id=str(flow_run.id) if flow_run.id else None,
    )
    _publish_artifacts(result, cb)
    _log_result(result)
    return str(result.out_dir)


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None


def _log_result(result: WaveResult) -> None:
    """Log what the run detected and counted (never quote text)."""
    logger = get_run_logger()
    for f in result.manifest["inputs"]:
        for line in f["detected_map"]:
            logger.info("%s: detected %s", f["name"], line)
    total = result.manifest["conservation"]["total"]
    logger.info(
        "wave %s: %d answers in, %d tagged, %d non-substantive, %d quarantined, %d chunks -> %s",
        result.manifest["wave"],
        total["answers_in"],
        total["tagged"],
        total["non_substantive"],
        total["quarantined"],
        result.chunks,
        result.out_dir,
    )
    foreign = result.manifest.get("non_english") or {}
    if foreign.get("answers"):
        logger.info(
            "%d answers not in English (flagged non_english), %d of them left untagged",
            foreign["answers"],
            foreign.get("untagged", 0),
        )
    if note := result.manifest.get("xlsx_skipped"):
        logger.info("%s", note)


@flow(name="process-wave-dask")
def process_wave_dask(
    inputs: list[str],
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    dask_address: str | None = None,
    wave: str | None = None,
    out_dir: str | None = None,
    config: str | None = None,
    codebook: str | None = None,
    store_dir: str | None = "data/store",
    topics: bool = True,
    report: bool = True,
) -> str:
    """Deployable entry point: ``process-wave`` with its chunks tagged on a Dask cluster.

    A deployment cannot choose a flow's task runner, so this flow takes the scheduler address
    (None: a local cluster) and runs ``process-wave`` as a subflow on a ``DaskTaskRunner``.
    Its own two settings come first: the chunk size and the cluster a large wave is split
    over. The other parameters are ``process-wave``'s.
    """
    return run_on_runner(
        process_wave,
        task_runner="dask",
        dask_address=dask_address,
        inputs=inputs,
        wave=wave,
        out_dir=out_dir,
        config=config,
        codebook=codebook,
        store_dir=store_dir,
        topics=topics,
        report=report,
        chunk_rows=chunk_rows,
    )
