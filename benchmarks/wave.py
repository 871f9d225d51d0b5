"""Whole-wave benchmark: ``cls-text run`` end to end on synthetic waves, as a whole process.

Usage (from the repository root)::

    python benchmarks/wave.py --sizes 10000 --out results.json
    python benchmarks/wave.py --sizes 10000 --baseline ../cls-text-previous --out results.json
    python benchmarks/wave.py --sizes 1000000 --no-topics --task-runner dask --out results.json

Each (size, checkout) is one ``cls-text run`` process started fresh, exactly as a user runs it:
Prefect's temporary API, model loading, ingest, redaction, tagging with the **shipped default
tagger**, topics, the report and the review files (unless ``--no-topics`` / ``--no-report``).
Wall time and the process's peak resident memory come from the operating system (``wait4``);
``peak_tree_rss_mb`` is the peak of the run, Prefect's temporary server and the background
spreadsheet writer together (sampled from ``/proc``). Prefect's home folder is warmed by an
untimed 20-answer run first, as on a machine where cls-text has run before;
``--fresh-prefect-home`` times a first run instead (Prefect creates its database inside it).
``--baseline DIR`` runs the same command from another checkout (e.g. a git worktree of the
previous release) on the same input, one after the other, for a side-by-side figure.

The waves are synthetic (``cls_text.datasets.synthetic.make_quotes``: one open question, one row
per respondent, realistic metadata), generated once per size and not timed.

Output JSON::

    {"meta": {...}, "results": {"10000": {"current": {"wall_s", "peak_rss_mb",
     "peak_tree_rss_mb", "user_cpu_s", "system_cpu_s", "answers_per_s",
     "exit_code", "timings_s", "tagger"}, "baseline": {...}}}}
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script without installing the package
    sys.path.insert(0, str(REPO))

CONFIG = """\
columns:
  id: respondent_id
  questions: [answer]
  respondent_type: respondent_type
  site: site
  wave: wave
"""
ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "300",
}


def make_input(n: int, work: Path, extra_config: str = "") -> tuple[Path, Path]:
    """Write ``n`` synthetic answers as a one-question CSV export and its column map."""
    from cls_text.datasets.synthetic import make_quotes

    q = make_quotes(n, seed=0, waves=("2026-bench",), questions=("answer",))
    src = work / "input" / "quotes.csv"
    src.parent.mkdir(parents=True)
    q = q.rename(columns={"text": "answer"}).drop(columns=["question", "quote_id"])
    q.to_csv(src, index=False)
    cfg = work / "config.yaml"
    cfg.write_text(CONFIG + extra_config)
    return src, cfg


class TreeMemory:
    """Peak resident memory of a process and all its descendants together, sampled (Linux).

    ``wait4`` gives the run's own peak only; the run also has Prefect's temporary server and
    the background spreadsheet writer beside it, and a laptop holds all of them at once.
    """

    def __init__(self, pid: int, every_s: float = 0.2) -> None:
        self.pid, self.every_s, self.peak_kb = pid, every_s, 0
        self.start, self.peak_at = time.perf_counter(), 0.0  # seconds into the run of the peak
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self.every_s):
            kb = self._total_kb()
            if kb > self.peak_kb:
                self.peak_kb, self.peak_at = kb, time.perf_counter() - self.start

    def _total_kb(self) -> int:
        children: dict[int, list[int]] = {}
        rss: dict[int, int] = {}
        for d in Path("/proc").iterdir():
            if not d.name.isdigit():
                continue
            try:
                status = (d / "status").read_text()
            except OSError:
                continue
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            pid, ppid = int(d.name), int(fields.get("PPid", "0").strip() or 0)
            children.setdefault(ppid, []).append(pid)
            rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0])
        total, todo = 0, [self.pid]
        while todo:
            pid = todo.pop()
            total += rss.get(pid, 0)
            todo += children.get(pid, [])
        return total

    def stop(self) -> float | None:
        """Stop sampling; the peak in MB (None where ``/proc`` is not there)."""
        self._stop.set()
        self._thread.join()
        return round(self.peak_kb / 1024, 1) if self.peak_kb else None


def warm_prefect_home(checkout: Path, home: Path, work: Path) -> None:
    """Run a 20-answer wave once, untimed, so Prefect's database in ``home`` exists.

    A user's Prefect home is created and migrated by their first run only; every later run,
    the ones a schedule makes, finds it there. ``--fresh-prefect-home`` measures the first.
    """
    src, cfg = make_input(20, work / "warm")
    run_cli(checkout, src, cfg, work / "warm", ["--no-topics", "--no-report"], home=home)


def run_cli(
    checkout: Path, src: Path, cfg: Path, work: Path, flags: list[str], home: Path | None = None
) -> dict:
    """Run ``cls-text run`` from ``checkout`` in a fresh process; time it and read its manifest."""
    out = work / "out"
    cmd = [
        sys.executable,
        "-c",
        "from flows.cli import main; main()",
        "run",
        str(src),
        "--wave",
        "2026-bench",
        "--config",
        str(cfg),
        "--out-dir",
        str(out),
        "--store-dir",
        str(work / "store"),
        "--coded-dir",
        str(work / "coded"),
        *flags,
    ]
    home = home or work / "home"
    env = {**os.environ, **ENV, "PYTHONPATH": str(checkout), "PREFECT_HOME": str(home)}
    # A fresh result store per run: the checkout's own (data/cache/) may hold the tagged chunks
    # of an earlier run on the same input, and a cache hit is not a measurement of tagging.
    env["PREFECT_LOCAL_STORAGE_PATH"] = str(work / "results")
    home.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=checkout, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    tree = TreeMemory(proc.pid)
    finished: list[tuple[float, str]] = []  # (seconds, task) as Prefect logs each task's end
    chunks = []
    for line in proc.stdout or []:
        chunks.append(line)
        if b"Task run '" in line and b"Finished" in line:
            task = line.split(b"Task run '", 1)[1].split(b"'", 1)[0].decode("utf-8", "replace")
            finished.append((time.perf_counter() - tree.start, task.rsplit("-", 1)[0]))
    log = b"".join(chunks)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    tree_mb = tree.stop()
    code = os.waitstatus_to_exitcode(status)
    result: dict = {"wall_s": round(wall, 1), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1)}
    result["peak_tree_rss_mb"] = tree_mb  # the run, its server and its writer, together
    # Where the peak fell: the Prefect task running then is the first to finish after it.
    after = [task for t, task in finished if t >= tree.peak_at]
    result["peak_tree_at"] = {
        "s": round(tree.peak_at, 1),
        "during_task": after[0] if after else None,
    }
    # CPU seconds stay meaningful on a shared machine, where wall time mostly measures the load.
    result |= {"user_cpu_s": round(usage.ru_utime, 1), "system_cpu_s": round(usage.ru_stime, 1)}
    result["exit_code"] = code
    manifest = out / "manifest.json"
    if code != 0 or not manifest.exists():
        result["log_tail"] = log.decode("utf-8", "replace")[-2000:]
        return result
    m = json.loads(manifest.read_text(encoding="utf-8"))
    n = m["conservation"]["total"]["answers_in"]
    result |= {
        "answers": n,
        "answers_per_s": round(n / wall, 1),
        "tagger": m["tagger"].get("name"),
        "timings_s": m.get("timings_s", {}),
        "report": (out / "report.html").exists(),
        "topics": (out / "topics").exists(),
    }
    return result


def main(argv: list[str] | None = None, *, default_sizes: tuple[int, ...] = (10_000,)) -> int:
    """Run the benchmark (``benchmarks/scale.py`` calls this with larger default sizes)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("results.json"))
    parser.add_argument("--sizes", type=int, nargs="+", default=list(default_sizes))
    parser.add_argument("--baseline", type=Path, help="another checkout to run side by side")
    parser.add_argument("--baseline-flags", default="", help="extra flags for the baseline run")
    parser.add_argument("--tagger", choices=["auto", "rules", "zeroshot", "supervised"])
    parser.add_argument("--task-runner", choices=["default", "dask"], default="default")
    parser.add_argument("--no-topics", action="store_true")
    parser.add_argument("--no-report", action="store_true")
    parser.add_argument(
        "--fresh-prefect-home",
        action="store_true",
        help="measure a first run: Prefect's database is created and migrated inside the timing",
    )
    args = parser.parse_args(argv)

    flags = ["--task-runner", args.task_runner]
    flags += ["--no-topics"] if args.no_topics else []
    flags += ["--no-report"] if args.no_report else []
    extra = f"tagger: {args.tagger}\n" if args.tagger else ""
    checkouts = {"current": REPO}
    if args.baseline:
        checkouts["baseline"] = args.baseline.resolve()
    results: dict[str, dict] = {}
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="cls-bench-") as tmp:
            src, cfg = make_input(size, Path(tmp), extra)
            results[str(size)] = {}
            for name, checkout in checkouts.items():
                work = Path(tmp) / name
                work.mkdir()
                more = args.baseline_flags.split() if name == "baseline" else []
                home = None
                if not args.fresh_prefect_home:
                    home = work / "home"
                    warm_prefect_home(checkout, home, work)
                print(f"{size:,} answers, {name} ...", file=sys.stderr, flush=True)
                r = run_cli(checkout, src, cfg, work, flags if not more else more, home=home)
                results[str(size)][name] = r
                print(f"  {r}", file=sys.stderr, flush=True)
                args.out.write_text(json.dumps(_doc(args, results), indent=2) + "\n", "utf-8")
    return 0


def _doc(args: argparse.Namespace, results: dict[str, dict]) -> dict:
    meta = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "tagger": args.tagger or "shipped default",
        "task_runner": args.task_runner,
        "topics": not args.no_topics,
        "report": not args.no_report,
        "prefect_home": "fresh (first run)" if args.fresh_prefect_home else "warm (later runs)",
        "load_avg_at_end": os.getloadavg(),
    }
    return {"meta": meta, "results": results}


if __name__ == "__main__":
    raise SystemExit(main())
