"""Whole-process cost of Prefect start-up: temporary (ephemeral) API server vs one local server.

Each sample is a fresh ``python`` process that imports Prefect and runs one trivial flow, timed
from outside (process start to exit), so imports, server start-up and shutdown are all counted.

    python benchmarks/prefect_startup.py --repeats 3 [--timeout 300 | --timeout prefect-default]

Modes: ``ephemeral`` (no PREFECT_API_URL: Prefect starts a temporary server in the process) and
``server`` (a ``prefect server start`` on 127.0.0.1, started once, reused by every sample; its own
start-up time is reported separately).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

FLOW = "from prefect import flow\n@flow\ndef one() -> int:\n    return 1\nassert one() == 1\n"


TIMEOUT = "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"


def _env(timeout: str = "300", **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in (TIMEOUT, "PREFECT_API_URL")}
    env.update(PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1")
    if timeout != "prefect-default":
        env[TIMEOUT] = timeout
    env.update(extra)
    return env


def _time_flow(env: dict[str, str]) -> float | str:
    """Seconds for the whole process, or the reason it failed."""
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", FLOW], env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        timed_out = "Timed out while attempting to connect" in proc.stderr
        return "server start-up timeout" if timed_out else proc.stderr[-300:]
    return round(time.perf_counter() - started, 2)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_server(port: int) -> tuple[subprocess.Popen[bytes], float]:
    started = time.perf_counter()
    cmd = [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1"]
    proc = subprocess.Popen(
        [*cmd, "--port", str(port)],
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/api/health"
    while time.perf_counter() - started < 300:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return proc, time.perf_counter() - started
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("prefect server did not become healthy in 300 s")


def main() -> None:
    """Print one JSON object with every sample, in seconds."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--timeout", default="300", help="seconds, or 'prefect-default'")
    ap.add_argument("--skip-server", action="store_true")
    args = ap.parse_args()
    out: dict[str, object] = {"cpus": os.cpu_count(), "load_before": os.getloadavg()[0]}
    out["timeout"] = args.timeout
    out["ephemeral"] = [_time_flow(_env(args.timeout)) for _ in range(args.repeats)]
    if args.skip_server:
        print(json.dumps(out))
        return
    port = _free_port()
    proc, startup = _start_server(port)
    try:
        api = _env(PREFECT_API_URL=f"http://127.0.0.1:{port}/api")
        out["server_startup"] = round(startup, 2)
        out["server"] = [_time_flow(api) for _ in range(args.repeats)]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    out["load_after"] = os.getloadavg()[0]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
