"""A run that worked leaves at once, yet Prefect's record of it is whole and nothing stays up.

``cls-text run`` skips the interpreter's tear-down after a successful flow (flows/cli.py,
``_leave_now``): the outputs are published, Prefect's last logs and events are drained to its
server first, and the server and the spreadsheet writer go with the run. This checks all three
on the spring sample wave. No wall-clock limit is asserted (benchmarks/wave.py times runs).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
WAVE = REPO / "data" / "raw" / "2026-spring"
CONFIG = REPO / "data" / "configs" / "spring_2026.yaml"

pytestmark = pytest.mark.slow

#: A guard against a hung test on a loaded machine, never a speed claim.
GONE_GUARD_S = 120


def _processes_with(home: Path) -> list[int]:
    """Processes whose environment names this Prefect home: the run's server and writer."""
    marker = f"PREFECT_HOME={home}".encode()
    found = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            if marker in (d / "environ").read_bytes().split(b"\0"):
                found.append(int(d.name))
        except OSError:
            continue
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_successful_run_exits_with_its_prefect_record_whole_and_nothing_left(tmp_path):
    home = tmp_path / "prefect-home"
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    env.pop("PREFECT_API_URL", None)  # the run starts its own temporary server
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "flows.cli", "run", str(WAVE), "--config", str(CONFIG)]
    cmd += ["--wave", "2026-W1", "--out-dir", str(out), "--store-dir", str(tmp_path / "store")]
    done = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr + done.stdout
    assert (out / "tagged.xlsx").is_file() and (out / "report.xlsx").is_file()

    with sqlite3.connect(home / "prefect.db") as db:
        run_id, state = db.execute(
            "select id, state_type from flow_run order by created desc limit 1"
        ).fetchone()
        logs = [
            m for (m,) in db.execute("select message from log where flow_run_id = ?", (run_id,))
        ]
    assert state == "COMPLETED"
    assert "Finished in state Completed()" in logs  # the flow's very last log line was sent

    deadline = time.monotonic() + GONE_GUARD_S
    while (left := _processes_with(home)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not left, f"still running after the run exited: {left}"
