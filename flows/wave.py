"""The survey-wave flow: ingest -> validate -> redact -> tag -> write, as thin Prefect tasks.

Every task body calls one function of ``cls_text``; the flow only orders them, times them,
publishes artifacts and logs counts (never quote text). Outputs are written into a staging
folder and published in one step at the end, so a failed run leaves nothing partial behind.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from cls_text import io as cio
from cls_text.codebook.model import Codebook, load_codebook
from cls_text.config import PipelineConfig, load_config
from cls_text.errors import ClsTextError
from cls_text.report.tables import frame_to_markdown
from cls_text.run import pipeline, steps
from cls_text.run.batching import code_fingerprint, content_key
from cls_text.run.manifest import build_manifest
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
    """Key an expensive step's persisted result by its task and the content of its inputs.

    A run killed after tagging resumes from the stored result: the re-run computes the same
    key from the same (redacted) table, codebook and tagger info, and skips the work. The
    key also holds :func:`~cls_text.run.batching.code_fingerprint`, so a result from another
    version of the code or of the stance model is never reused. Results
    live under PREFECT_LOCAL_STORAGE_PATH (see docs/operations.md) and expire after 7 days.
    """
    return content_key(context.task.name, code_fingerprint(), *parameters.values())


@task(
    retries=2, retry_delay_seconds=[1, 5], retry_condition_fn=_not_user_error, cache_policy=NO_CACHE
)
def ingest(inputs: list[str], cfg: PipelineConfig, wave: str | None) -> pipeline.WaveData:
    return pipeline.ingest_wave(inputs, cfg, wave=wave)


@task(cache_policy=NO_CACHE)
def redact(long: pd.DataFrame, cfg: PipelineConfig) -> tuple[pd.DataFrame, dict[str, int]]:
    return pipeline.redact_wave(long, cfg)


@task(cache_policy=NO_CACHE)
def choose_tagger(cb: Codebook, cfg: PipelineConfig, models_dir: str) -> tuple[object, dict]:
    return select_tagger(cb, cfg, models_dir=models_dir)


@task(
    cache_key_fn=_cache_by_content,
    persist_result=True,
    cache_expiration=timedelta(days=7),
)
def tag(long: pd.DataFrame, tagger: object, cb: Codebook, info: dict) -> pd.DataFrame:
    return pipeline.tag_wave(long, tagger, cb, info)


@task(cache_policy=NO_CACHE)
def write_tables(tagged: pd.DataFrame, quarantine: pd.DataFrame, staging: Path) -> dict[str, Path]:
    return pipeline.write_wave_outputs(tagged, quarantine, staging)


@task(cache_policy=NO_CACHE)
def find_topics(tagged: pd.DataFrame, cb: Codebook, cfg: PipelineConfig, tagger: object) -> Any:
    return steps.find_topics(tagged, cb, cfg, tagger)


@task(cache_policy=NO_CACHE)
def write_topics(result: Any, staging: Path) -> dict[str, Path]:
    return steps.write_topics(result, staging)


@task(retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE)
def load_history(store_dir: str | None, cb: Codebook) -> pd.DataFrame | None:
    return steps.load_history(store_dir, cb)


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


@task(retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE)
def update_store(tagged: pd.DataFrame, store_dir: str, wave: str, cb: Codebook) -> Path:
    return steps.update_store(tagged, store_dir, wave, cb)


@contextmanager
def _timed(timings: dict[str, float], name: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    timings[name] = time.perf_counter() - start


def default_out_dir(wave: str) -> Path:
    """``data/processed/<wave>/`` relative to the working directory."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in wave)
    return Path("data") / "processed" / safe


def publish_wave(
    *,
    data: pipeline.WaveData,
    wave_label: str,
    tagged: pd.DataFrame,
    quarantine: pd.DataFrame,
    cb: Codebook,
    cfg: PipelineConfig,
    info: dict[str, Any],
    counts: dict[str, dict[str, int]],
    redactions: dict[str, int],
    topic_result: Any,
    timings: dict[str, float],
    parameters: dict[str, Any],
    out_dir: str | None,
    store_dir: str | None,
    coded_dir: str | None,
    report: bool,
) -> tuple[Path, dict[str, Any], pd.DataFrame]:
    """Write a tagged wave's outputs into staging, publish them together, then store the wave.

    Shared by ``process-wave`` and the batched ``process-wave-scaled``, so both write the same
    files and the same manifest. A failure before publishing discards the staging folder:
    nothing partial is ever visible. Returns the output folder, the manifest and the theme
    counts table.
    """
    out = Path(out_dir) if out_dir else default_out_dir(wave_label)
    staging = cio.make_staging(out)
    try:
        with _timed(timings, "write"):
            paths = write_tables(tagged, quarantine, staging)
            if topic_result is not None:
                paths |= write_topics(topic_result, staging)
        table = pipeline.theme_counts(tagged, cb)
        manifest = build_manifest(
            wave=wave_label,
            files=data.files,
            codebook=cb,
            tagger={k: v for k, v in info.items() if k != "card"},
            parameters=parameters,
            theme_counts=table,
            conservation=counts,
            redactions=redactions,
            timings=timings,
            outputs={},
            flow_run_id=str(flow_run.id) if flow_run.id else None,
            extra=steps.manifest_extras(topic_result) | steps.agreement(coded_dir, tagged, cb),
        )
        if report:
            with _timed(timings, "report"):
                history = load_history(store_dir, cb)
                paths |= write_report(tagged, cb, manifest, history, topic_result, staging)
                paths |= write_review(tagged, cb, cfg, topic_result, staging, coded_dir)
        manifest["timings_s"] = {k: round(v, 3) for k, v in timings.items()}
        manifest["outputs"] = {k: steps.relative_output(p, staging, out) for k, p in paths.items()}
        cio.write_json_atomic(staging / "manifest.json", manifest)
        cio.publish_staging(staging, out)
    except BaseException:
        cio.discard_staging(staging)
        raise
    if store_dir:
        update_store(tagged, store_dir, wave_label, cb)
    return out, manifest, table


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
    """
    logger = get_run_logger()
    timings: dict[str, float] = {}
    cfg = load_config(config)
    cb = load_codebook(codebook)
    with _timed(timings, "ingest"):
        data = ingest(inputs, cfg, wave)
    wave_label = pipeline.single_wave(data, wave)
    for f in data.files:
        for line in f.detected_map:
            logger.info("%s: detected %s", f.name, line)
    with _timed(timings, "redact"):
        long, redactions = redact(data.long, cfg)
        # Quarantined answers are written for people too: they are redacted the same way.
        quarantine, q_redactions = redact(data.quarantine, cfg)
        redactions = {
            k: redactions.get(k, 0) + q_redactions.get(k, 0) for k in {*redactions, *q_redactions}
        }
    with _timed(timings, "tag"):
        tagger, info = choose_tagger(cb, cfg, models_dir)
        tagged = tag(long, tagger, cb, info)
    counts = pipeline.conservation(data, tagged)
    topic_result = None
    if topics:
        with _timed(timings, "topics"):
            topic_result = find_topics(tagged, cb, cfg, tagger)
    out, manifest, table = publish_wave(
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
        },
        out_dir=out_dir,
        store_dir=store_dir,
        coded_dir=coded_dir,
        report=report,
    )
    create_markdown_artifact(
        key="theme-counts",
        markdown=f"# Wave {wave_label}: themes\n\n"
        + frame_to_markdown(table)
        + (f"\n\nReport: {(out / 'report.html').resolve().as_uri()}" if report else ""),
        description=f"Theme counts for wave {wave_label}",
    )
    create_table_artifact(key="theme-counts-table", table=table.to_dict("records"))
    total = manifest["conservation"]["total"]
    logger.info(
        "wave %s: %d answers in, %d tagged, %d non-substantive, %d quarantined -> %s",
        wave_label,
        total["answers_in"],
        total["tagged"],
        total["non_substantive"],
        total["quarantined"],
        out,
    )
    return str(out)
