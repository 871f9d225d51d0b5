"""Whole-wave benchmark: time every step of the wave flow on synthetic waves, with peak memory.

Usage (from the repository root)::

    python benchmarks/wave.py --out results.json                   # 1k, 10k and 100k quotes
    python benchmarks/wave.py --sizes 1000 10000 --out results.json

Each size runs in its own Python process, so ``peak_rss_mb`` (the process's maximum resident
set size) belongs to that size alone and every size pays the same start-up costs (model loading,
numba compilation). The waves are synthetic (``cls_text.datasets.synthetic.make_wave``, written as a
wide CSV like a survey-tool export); generating them is not timed. The steps are the library
functions the Prefect flow (flows/wave.py) calls (``cls_text.run.pipeline`` and
``cls_text.run.steps``:
ingest, redact, choose tagger, tag, topics, write, report, review), in the flow's order, without
Prefect itself and without the cumulative store.

Output JSON::

    {"meta": {...}, "sizes": {"1000": {"n_quotes": ..., "total_s": ..., "peak_rss_mb": ...,
                                       "steps": {"ingest": s, "redact": s, ...}}, ...}}
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
if str(REPO) not in sys.path:  # run as a script without installing the package
    sys.path.insert(0, str(REPO))

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def _peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_one(n_quotes: int, *, seed: int, tagger: str | None, work: Path) -> dict:
    """Generate one wave of about ``n_quotes`` answers and run every step once, timed."""
    from cls_text.codebook.model import load_codebook
    from cls_text.config import load_config
    from cls_text.datasets.synthetic import DEFAULT_QUESTIONS, make_wave
    from cls_text.run import pipeline
    from cls_text.run.manifest import build_manifest
    from cls_text.tag.select import select_tagger
    from cls_text.topics import tagger_embedder, topic_config, wave_topics, write_topic_outputs

    try:  # the flow's library-level steps (topics, report, review), when present
        from cls_text.run import steps
    except ImportError:
        steps = None

    n_resp = max(1, n_quotes // len(DEFAULT_QUESTIONS))
    wide = make_wave(n_resp, wave="2026-bench", seed=seed)
    src = work / "input" / "wave.csv"
    src.parent.mkdir(parents=True)
    wide.to_csv(src, index=False)
    del wide
    out = work / "out"

    # A fresh embedding cache: a new wave's texts have never been embedded, and a cache left by
    # an earlier benchmark run (same seed, same texts) would make the tagger look free.
    cfg = load_config(None).model_copy(update={"embedding_cache": str(work / "embeddings")})
    if tagger:
        cfg = cfg.model_copy(update={"tagger": tagger})
    cb = load_codebook(None)
    steps_s: dict[str, float] = {}

    def timed(name: str, fn, *args, **kwargs):
        start = time.perf_counter()
        value = fn(*args, **kwargs)
        steps_s[name] = round(time.perf_counter() - start, 3)
        return value

    start_all = time.perf_counter()
    data = timed("ingest", pipeline.ingest_wave, [src], cfg, wave="2026-bench")
    long, _ = timed("redact", pipeline.redact_wave, data.long, cfg)
    quarantine, _ = timed("redact_quarantine", pipeline.redact_wave, data.quarantine, cfg)
    tagger_obj, info = timed(
        "choose_tagger", select_tagger, cb, cfg, models_dir=str(work / "models")
    )
    tagged = timed("tag", pipeline.tag_wave, long, tagger_obj, cb, info)
    counts = pipeline.conservation(data, tagged)
    if steps is not None:
        wt = timed("topics", steps.find_topics, tagged, cb, cfg, tagger_obj)
    else:
        wt = timed(
            "topics",
            wave_topics,
            tagged,
            cb,
            cfg=topic_config(cfg.topics),
            embedder=tagger_embedder(tagger_obj),
        )
    timed("write", pipeline.write_wave_outputs, tagged, quarantine, out)
    timed("write_topics", write_topic_outputs, wt, out)
    report_done = False
    if steps is not None and hasattr(steps, "write_report"):
        manifest = build_manifest(
            wave="2026-bench",
            files=data.files,
            codebook=cb,
            tagger={k: v for k, v in info.items() if k != "card"},
            parameters={"benchmark": True},
            theme_counts=pipeline.theme_counts(tagged, cb),
            conservation=counts,
            redactions={},
            timings=dict(steps_s),
            outputs={},
            flow_run_id=None,
            extra=steps.manifest_extras(wt),
        )
        timed("report", steps.write_report, tagged, cb, manifest, None, wt, out)
        timed("review", steps.write_review_files, tagged, cb, cfg, wt, out)
        report_done = True
    total = time.perf_counter() - start_all
    return {
        "n_quotes": len(tagged),
        "n_respondents": n_resp,
        "n_substantive": wt.params["n_substantive"],
        "n_embedded": wt.params["n_embedded"],
        "n_residual": wt.params["n_residual"],
        "n_topics": len(wt.topics.topics),
        "n_candidates": len(wt.candidates),
        "topic_outlier_share": round(wt.topics.outlier_share, 4),
        "topics_substeps": {k: round(v, 3) for k, v in wt.params["timings"].items()},
        "tagger": info.get("name", ""),
        "report_step": report_done,
        "total_s": round(total, 3),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        "steps": steps_s,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=False, default=Path("results.json"))
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tagger", choices=["auto", "rules", "zeroshot", "supervised"])
    parser.add_argument(
        "--threads", type=int, default=None, help="torch threads (default: torch's)"
    )
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child mode: one size
    args = parser.parse_args(argv)

    if args.threads:
        os.environ["OMP_NUM_THREADS"] = str(args.threads)
    if args.one is not None:
        with tempfile.TemporaryDirectory(prefix="cls-bench-") as tmp:
            result = run_one(args.one, seed=args.seed, tagger=args.tagger, work=Path(tmp))
        args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        return 0

    results: dict[str, dict] = {}
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="cls-bench-") as tmp:
            part = Path(tmp) / "one.json"
            cmd = [sys.executable, __file__, "--one", str(size), "--out", str(part)]
            cmd += ["--seed", str(args.seed)]
            if args.tagger:
                cmd += ["--tagger", args.tagger]
            if args.threads:
                cmd += ["--threads", str(args.threads)]
            print(f"wave of {size} quotes ...", file=sys.stderr, flush=True)
            subprocess.run(cmd, check=True)
            results[str(size)] = json.loads(part.read_text(encoding="utf-8"))
        r = results[str(size)]
        print(f"  {size}: {r['total_s']} s, {r['peak_rss_mb']} MB, {r['steps']}", file=sys.stderr)
        args.out.write_text(json.dumps(_doc(args, results), indent=2) + "\n", encoding="utf-8")
    return 0


def _doc(args: argparse.Namespace, results: dict[str, dict]) -> dict:
    meta = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "seed": args.seed,
        "tagger": args.tagger or "config default",
        "load_avg_at_end": os.getloadavg(),
    }
    return {"meta": meta, "sizes": results}


if __name__ == "__main__":
    raise SystemExit(main())
