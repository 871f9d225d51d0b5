"""The streaming wave flow for big waves: bounded memory, chunks tagged on the task runner.

``process-wave-stream`` calls :func:`cls_text.run.bulk.stream_wave`: input is read in chunks,
each chunk is redacted in order and tagged as a task (Prefect's thread pool, a local Dask
cluster or an existing one, see :func:`flows.scaled.make_task_runner`), and its rows are
appended to the outputs in a staging folder published at the end. Topics, the report and the
store need the whole wave in memory and are not part of this flow.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from cls_text.codebook.model import load_codebook
from cls_text.config import load_config
from cls_text.errors import ClsTextError
from cls_text.run import bulk
from cls_text.tag.select import select_tagger
from flows.scaled import TaskRunnerName, run_on_runner, tag_batch
from flows.wave import default_out_dir


@flow(name="process-wave-stream")
def process_wave_stream(
    inputs: list[str],
    wave: str | None = None,
    out_dir: str | None = None,
    config: str | None = None,
    codebook: str | None = None,
    models_dir: str = "models",
    chunk_rows: int = bulk.DEFAULT_CHUNK_ROWS,
    xlsx_max_rows: int = bulk.EXCEL_MAX_ROWS,
    max_in_flight: int = 3,
) -> str:
    """Process one big wave chunk by chunk (tagged tables, quarantine and manifest only).

    Args:
        inputs: Export files or folders of them (one wave).
        wave: Wave label (else the mapped wave column).
        out_dir: Output folder (default ``data/processed/<wave>/``; needs ``wave``).
        config: Column map / settings YAML (else detected from each file's first chunk).
        codebook: Codebook YAML (else the default CLS codebook).
        models_dir: Where trained taggers live.
        chunk_rows: Input rows per chunk.
        xlsx_max_rows: Write tagged.xlsx only up to this many rows (Excel's limit by default).
        max_in_flight: Chunks being tagged at once (at least the number of workers).
    """
    logger = get_run_logger()
    if not out_dir and not wave:
        raise ClsTextError("A streaming run needs --wave or --out-dir (it writes as it reads).")
    cfg = load_config(config)
    cb = load_codebook(codebook)
    tagger, info = select_tagger(cb, cfg, models_dir=models_dir)

    def submit(frame: pd.DataFrame) -> Any:
        return tag_batch.submit(frame, tagger, cb, info)

    result = bulk.stream_wave(
        inputs,
        cfg,
        cb,
        tagger,
        info,
        Path(out_dir) if out_dir else default_out_dir(str(wave)),
        wave=wave,
        chunk_rows=chunk_rows,
        xlsx_max_rows=xlsx_max_rows,
        submit=submit,
        max_in_flight=max_in_flight,
        parameters={
            "config": str(config) if config else None,
            "codebook": str(codebook) if codebook else "default",
        },
        flow_run_id=str(flow_run.id) if flow_run.id else None,
    )
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
    if note := result.manifest["streaming"]["xlsx_skipped"]:
        logger.info("%s", note)
    return str(result.out_dir)


def run_stream(
    *,
    task_runner: TaskRunnerName = "default",
    dask_address: str | None = None,
    **params: Any,
) -> str:
    """Run ``process-wave-stream`` on the chosen task runner; ``params`` are the flow's."""
    return run_on_runner(
        process_wave_stream, task_runner=task_runner, dask_address=dask_address, **params
    )
