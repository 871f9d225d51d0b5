"""Scale benchmark: the streaming mode (ingest -> redact -> tag -> write) on 10k/100k/1M quotes.

Usage (from the repository root)::

    python benchmarks/scale.py --out results.json                       # 10k, 100k, 1M
    python benchmarks/scale.py --sizes 10000 --runners single --out r.json

Runners:

* ``single``: :func:`~cls_text.run.bulk.stream_wave` in one
  process, no Prefect (chunks tagged inline).
* ``dask``: the ``process-wave-stream`` flow (flows/bulk.py) on a Dask LocalCluster of 2 worker
  processes (1 thread each), chunks tagged on the workers, including the cluster's start-up and
  Prefect's temporary API.

Both read the input in chunks of ``--chunk-rows`` rows and append each chunk's rows to
``tagged.parquet``, ``tagged.csv`` and ``quarantine.csv``. ``tagged.xlsx`` is off by default
(``--xlsx-max-rows 0``) so that every size writes the same outputs; the streaming mode itself
writes it up to Excel's row limit.

The rules tagger is used (``tagger: rules``); topics are excluded. Quotes come from
``cls_text.datasets.synthetic.make_quotes(n, seed=0)`` written as a CSV export with one
open-question
column (one row per respondent); generating it is not timed. Each (size, runner) runs in its own
Python process, so ``peak_rss_mb`` is that run's own maximum resident set size; for ``dask``,
``peak_worker_rss_mb`` is the largest worker's (workers are child processes).

Output JSON::

    {"meta": {...}, "results": {"10000": {"single": {"total_s", "peak_rss_mb",
     "quotes_per_s", "steps": {...}}, "dask": {...}}, ...}}
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

CONFIG = """\
columns:
  id: respondent_id
  questions: [answer]
  respondent_type: respondent_type
  site: site
  wave: wave
tagger: rules
"""


def _rss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # KiB on Linux


def make_input(n: int, work: Path) -> tuple[Path, Path]:
    """Write ``n`` synthetic quotes as a one-question CSV export and its config."""
    from cls_text.datasets.synthetic import make_quotes

    q = make_quotes(n, seed=0, waves=("2026-bench",), questions=("answer",))
    src = work / "input" / "quotes.csv"
    src.parent.mkdir(parents=True)
    q = q.rename(columns={"text": "answer"}).drop(columns=["question", "quote_id"])
    q.to_csv(src, index=False)
    cfg = work / "config.yaml"
    cfg.write_text(CONFIG)
    return src, cfg


def run_single(src: Path, cfg_path: Path, out: Path, chunk_rows: int, xlsx_max_rows: int) -> dict:
    """The streaming mode in one process, no Prefect: chunks are tagged inline."""
    from cls_text.codebook.model import load_codebook
    from cls_text.config import load_config
    from cls_text.run.bulk import stream_wave
    from cls_text.tag.select import build_rules

    cfg = load_config(cfg_path)
    cb = load_codebook(None)
    start = time.perf_counter()
    res = stream_wave(
        [src],
        cfg,
        cb,
        build_rules(cb),
        {"kind": "rules", "name": "rules"},
        out,
        chunk_rows=chunk_rows,
        xlsx_max_rows=xlsx_max_rows,
    )
    total = time.perf_counter() - start
    steps = {k: round(v, 3) for k, v in res.timings.items() if k != "total"}
    return {"total_s": round(total, 3), "steps": steps, "rows": res.rows, "chunks": res.chunks}


def run_dask(src: Path, cfg_path: Path, out: Path, chunk_rows: int, xlsx_max_rows: int) -> dict:
    """The streaming flow on a 2-worker local Dask cluster (start-up included)."""
    from flows.bulk import run_stream

    start = time.perf_counter()
    run_stream(
        task_runner="dask",
        inputs=[str(src)],
        out_dir=str(out),
        config=str(cfg_path),
        chunk_rows=chunk_rows,
        xlsx_max_rows=xlsx_max_rows,
    )
    total = time.perf_counter() - start
    manifest = json.loads((out / "manifest.json").read_text())
    steps = {k: round(v, 3) for k, v in manifest["timings_s"].items() if k != "total"}
    chunks = manifest["streaming"]["chunks"]
    return {"total_s": round(total, 3), "steps": steps, "chunks": chunks}


def child(n: int, runner: str, chunk_rows: int, xlsx_max_rows: int) -> dict:
    """One (size, runner) measurement; runs in its own process."""
    with tempfile.TemporaryDirectory(prefix="cls-scale-") as tmp:
        work = Path(tmp)
        src, cfg = make_input(n, work)
        out = work / "out"
        run = run_single if runner == "single" else run_dask
        res = run(src, cfg, out, chunk_rows, xlsx_max_rows)
        res["n_quotes"] = n
        res["quotes_per_s"] = round(n / res["total_s"], 1)
        res["peak_rss_mb"] = round(_rss_mb(resource.RUSAGE_SELF), 1)
        if runner == "dask":
            res["peak_worker_rss_mb"] = round(_rss_mb(resource.RUSAGE_CHILDREN), 1)
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--runners", nargs="+", choices=["single", "dask"], default=["single", "dask"])
    ap.add_argument("--chunk-rows", type=int, default=25_000, help="input rows per chunk")
    ap.add_argument(
        "--xlsx-max-rows",
        type=int,
        default=0,
        help="write tagged.xlsx up to this many rows (default 0: never, so every size writes "
        "the same outputs)",
    )
    ap.add_argument(
        "--out", type=Path, required=True, help="JSON file to write (merged if present)"
    )
    ap.add_argument("--child", nargs=2, metavar=("N", "RUNNER"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        res = child(int(args.child[0]), args.child[1], args.chunk_rows, args.xlsx_max_rows)
        args.out.write_text(json.dumps(res, indent=2))
        return 0
    doc = json.loads(args.out.read_text()) if args.out.exists() else {"results": {}}
    doc["meta"] = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "note": "shared machine: timings under contention from other users",
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    for n in args.sizes:
        for runner in args.runners:
            with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
                part = Path(fh.name)
            cmd = [sys.executable, __file__, "--child", str(n), runner, "--out", str(part)]
            cmd += ["--chunk-rows", str(args.chunk_rows)]
            cmd += ["--xlsx-max-rows", str(args.xlsx_max_rows)]
            print(f"{n} quotes, {runner} ...", flush=True)
            proc = subprocess.run(cmd, cwd=REPO, check=False)
            if proc.returncode != 0:
                res = {"error": f"exit status {proc.returncode}"}
            else:
                res = json.loads(part.read_text())
            part.unlink(missing_ok=True)
            doc["results"].setdefault(str(n), {})[runner] = res
            res["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
            print(json.dumps(res), flush=True)
            args.out.write_text(json.dumps(doc, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
