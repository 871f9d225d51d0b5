"""How fast ``cls-text`` answers: help, and the first errors a new user meets.

Each figure is a whole process (interpreter start, imports, the check, exit), timed from
outside, run from the repository root:

    python benchmarks/cli_latency.py --repeats 5 [--json benchmarks/results/cli_latency.json]

Targets (issue 13, on an idle 2-core machine): ``--help`` and every ``COMMAND --help`` <= 1 s;
a config error, a missing file, an empty file and a bad wave label <= 5 s, all before Prefect
starts or any model loads. The load average is recorded with the figures: on a shared machine
they are only meaningful beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXPORT = ROOT / "tests" / "data" / "exports" / "smartsurvey.csv"
HELP_COMMANDS = [
    [],
    ["run"],
    ["demo"],
    ["tag"],
    ["train"],
    ["evaluate"],
    ["retrain"],
    ["serve"],
    ["review", "import"],
    ["codebook", "check"],
    ["codebook", "diff"],
    ["qda", "export"],
    ["qda", "import"],
]


def _cases(tmp: Path) -> dict[str, tuple[list[str], int]]:
    """Name -> (arguments, expected exit status)."""
    bad_config = tmp / "bad.yaml"
    bad_config.write_text("topics:\n  min_topic_sise: 5\n", encoding="utf-8")
    empty = tmp / "empty.csv"
    empty.write_bytes(b"")
    store = ["--store-dir", str(tmp / "store")]
    cases = {f"help {' '.join(c) or '(top)'}": ([*c, "--help"], 0) for c in HELP_COMMANDS}
    cases |= {
        "config error": (["run", str(EXPORT), "--wave", "W1", "--config", str(bad_config)], 2),
        "missing file": (["run", str(tmp / "absent.csv"), "--wave", "W1", *store], 2),
        "empty file": (["run", str(empty), "--wave", "W1", *store], 2),
        "bad wave label": (["run", str(EXPORT), "--wave", "2026/W3", *store], 2),
    }
    return cases


def _time(args: list[str], expected: int) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "flows.cli", *args], cwd=ROOT, env=env, capture_output=True
    )
    took = time.perf_counter() - started
    if proc.returncode != expected:
        raise SystemExit(f"{args}: exit {proc.returncode}, expected {expected}\n{proc.stderr!r}")
    return took


def main() -> None:
    """Print a table of median and worst times per case (and write JSON if asked)."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    results: dict[str, object] = {
        "cpus": os.cpu_count(),
        "load_before": round(os.getloadavg()[0], 2),
    }
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, (argv, code) in _cases(Path(tmp)).items():
            samples = [_time(argv, code) for _ in range(args.repeats)]
            rows[name] = {
                "median_s": round(statistics.median(samples), 2),
                "max_s": round(max(samples), 2),
            }
            med, worst = rows[name]["median_s"], rows[name]["max_s"]
            print(f"{name:<24} median {med:5.2f} s   max {worst:5.2f} s")
    results["cases"] = rows
    results["load_after"] = round(os.getloadavg()[0], 2)
    print(
        f"load average {results['load_before']} -> {results['load_after']}, {os.cpu_count()} CPUs"
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
