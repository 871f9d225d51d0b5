"""Benchmark stopping a run: Ctrl-C to exit, and SIGKILL to the temporary server's end.

    python benchmarks/interrupt.py --out results.json [--reps 5]

Each repetition starts ``cls-text run`` on the spring sample wave (``data/raw/2026-spring``)
as a subprocess in a process group of its own, in a scratch folder, and waits until the run is
under way (its hidden staging folder exists, plus ``--delay`` seconds). Then:

- ``ctrl_c``: SIGINT to the whole group, as a terminal's Ctrl-C sends it; measured from the
  signal to the process's exit (with its exit code, and whether the staging folder is gone);
- ``kill`` (Linux only): SIGKILL to the run alone, as an out-of-memory killer sends it;
  measured from the signal to the end of the temporary Prefect server it had started.

Medians and every repetition go to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WAVE = ROOT / "data" / "raw" / "2026-spring"
CONFIG = ROOT / "data" / "configs" / "spring_2026.yaml"


def _hear_ctrl_c() -> None:
    """Let the run hear SIGINT even when this process was started in the background.

    A shell starts background jobs with SIGINT ignored, and an ignored signal stays ignored
    across exec: Python would then never raise KeyboardInterrupt in the run.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(folder: Path) -> tuple[subprocess.Popen[bytes], Path]:
    """Start a run writing under ``folder`` (its cwd, so caches stay there too)."""
    out = folder / "processed" / "2026-W1"
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    env.pop("PREFECT_API_URL", None)
    cmd = [sys.executable, "-m", "flows.cli", "run", str(WAVE), "--config", str(CONFIG)]
    cmd += ["--wave", "2026-W1", "--out-dir", str(out), "--store-dir", str(folder / "store")]
    proc = subprocess.Popen(
        [*cmd, "--no-compare"],
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=_hear_ctrl_c,  # noqa: PLW1509
    )
    return proc, out


def staging(out: Path) -> list[Path]:
    return sorted(out.parent.glob(f".{out.name}.staging-*")) if out.parent.is_dir() else []


def wait_for_staging(proc: subprocess.Popen[bytes], out: Path, delay: float) -> None:
    while not staging(out):
        if proc.poll() is not None:
            raise RuntimeError("the run ended before it staged")
        time.sleep(0.05)
    time.sleep(delay)


def server_pid(pid: int) -> int | None:
    """The run's uvicorn child (Linux /proc)."""
    for task in Path(f"/proc/{pid}/task").iterdir():
        for kid in (task / "children").read_text().split():
            cmdline = Path(f"/proc/{kid}/cmdline").read_bytes()
            if b"uvicorn" in cmdline:
                return int(kid)
    return None


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def ctrl_c(delay: float) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        proc, out = start(Path(tmp))
        wait_for_staging(proc, out, delay)
        sent = time.perf_counter()
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=600)
        seconds = time.perf_counter() - sent
        text = err.decode(errors="replace")
        return {
            "seconds": round(seconds, 2),
            "exit_code": proc.returncode,
            "staging_left": len(staging(out)),
            "connection_refused": "Connection refused" in text,
            "traceback": "Traceback" in text,
        }


def kill(delay: float) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        proc, out = start(Path(tmp))
        wait_for_staging(proc, out, delay)
        server = server_pid(proc.pid)
        sent = time.perf_counter()
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate()
        while server is not None and alive(server) and time.perf_counter() - sent < 600:
            time.sleep(0.02)
        seconds = time.perf_counter() - sent
        gone = server is not None and not alive(server)
        if server is not None and not gone:
            os.kill(server, signal.SIGKILL)
        return {"seconds": round(seconds, 2), "server_found": server is not None, "gone": gone}


def main() -> None:
    ap = argparse.ArgumentParser(description="Ctrl-C and SIGKILL during cls-text run")
    ap.add_argument("--out", type=Path, required=True, help="JSON file to write")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--delay", type=float, default=1.0, help="seconds after staging appears")
    args = ap.parse_args()
    result: dict = {"ctrl_c": [], "kill": []}
    result["load_average_start"] = [round(x, 1) for x in os.getloadavg()]
    for _ in range(args.reps):
        result["ctrl_c"].append(ctrl_c(args.delay))
        if sys.platform.startswith("linux"):
            result["kill"].append(kill(args.delay))
        print(json.dumps({k: v[-1] for k, v in result.items() if v}), flush=True)
    for name in ("ctrl_c", "kill"):
        if result[name]:
            result[f"{name}_median_seconds"] = statistics.median(r["seconds"] for r in result[name])
    result["date"] = datetime.now(UTC).strftime("%Y-%m-%d")
    result["load_average_end"] = [round(x, 1) for x in os.getloadavg()]
    result["python"] = platform.python_version()
    result["cpu_count"] = os.cpu_count()
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k not in ("ctrl_c", "kill")}, indent=2))


if __name__ == "__main__":
    main()
