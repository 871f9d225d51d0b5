"""Ctrl-C and SIGKILL during ``cls-text run``: nothing published, nothing left running.

Each test starts a real run of the spring sample wave as a subprocess in a process group of its
own, waits until the run is under way (its hidden staging folder exists), then signals it the
way a terminal (Ctrl-C: the whole group) or an out-of-memory killer (SIGKILL: the run only)
would. No wall-clock limit is asserted; the time from Ctrl-C to exit is measured in
benchmarks/interrupt.py.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cls_text import io as cio

REPO = Path(__file__).resolve().parents[1]
WAVE = REPO / "data" / "raw" / "2026-spring"
CONFIG = REPO / "data" / "configs" / "spring_2026.yaml"
PREVIOUS = {"tagged.csv": b"quote_id,text\nq1,previous run\n", "manifest.json": b'{"old": 1}'}

pytestmark = pytest.mark.slow

#: Generous guards against a hung test on a loaded machine, never a speed claim.
START_GUARD_S = 900
STOP_GUARD_S = 120


def _hear_ctrl_c() -> None:
    """Let the run hear SIGINT even when this process was started in the background.

    A shell starts background jobs with SIGINT ignored, and an ignored signal stays ignored
    across exec: Python would then never raise KeyboardInterrupt in the run.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start_run(tmp_path: Path) -> tuple[subprocess.Popen[bytes], Path]:
    """Start ``cls-text run`` with previous outputs in place; its cwd is ``tmp_path``."""
    out = tmp_path / "processed" / "2026-W1"
    out.mkdir(parents=True)
    for name, data in PREVIOUS.items():
        (out / name).write_bytes(data)
    env = {
        **os.environ,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    env.pop("PREFECT_API_URL", None)  # the run must start its own temporary server
    cmd = [sys.executable, "-m", "flows.cli", "run", str(WAVE), "--config", str(CONFIG)]
    cmd += ["--wave", "2026-W1", "--out-dir", str(out), "--store-dir", str(tmp_path / "store")]
    proc = subprocess.Popen(
        [*cmd, "--no-compare"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=_hear_ctrl_c,  # noqa: PLW1509
    )
    return proc, out


def _staging(out: Path) -> list[Path]:
    return sorted(out.parent.glob(f".{out.name}.staging-*"))


def _wait_until_staging(proc: subprocess.Popen[bytes], out: Path) -> None:
    deadline = time.monotonic() + START_GUARD_S
    while not _staging(out):
        if proc.poll() is not None:
            pytest.fail(f"the run ended before it staged: {proc.communicate()[1][-3000:]!r}")
        if time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            pytest.fail("the run never reached its staging step")
        time.sleep(0.05)


def _children(pid: int) -> list[int]:
    """Direct children of ``pid`` (Linux /proc)."""
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        kids += [int(k) for k in text]
    return kids


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    """Running, not merely a zombie waiting for its new parent to reap it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _assert_previous_outputs_unchanged(out: Path) -> None:
    assert sorted(p.name for p in out.iterdir()) == sorted(PREVIOUS)
    for name, data in PREVIOUS.items():
        assert (out / name).read_bytes() == data


def test_ctrl_c_stops_the_run_with_130_and_publishes_nothing(tmp_path):
    proc, out = _start_run(tmp_path)
    _wait_until_staging(proc, out)
    time.sleep(1.0)  # into the chunk step, with the temporary server in use
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole group
    try:
        stdout, stderr = proc.communicate(timeout=STOP_GUARD_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail("the run did not stop after Ctrl-C")
    err = stderr.decode(errors="replace")
    assert proc.returncode == 130, err[-3000:]
    last = err.rstrip().splitlines()[-1]
    assert last == "interrupted: nothing published, previous outputs unchanged"
    assert "Connection refused" not in err
    assert "Traceback" not in err + stdout.decode(errors="replace")
    assert _staging(out) == []
    _assert_previous_outputs_unchanged(out)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc and PDEATHSIG")
def test_a_killed_runs_temporary_server_dies_and_the_next_run_cleans_its_staging(tmp_path):
    proc, out = _start_run(tmp_path)
    _wait_until_staging(proc, out)  # the flow is running, so its server is listening
    servers = [k for k in _children(proc.pid) if "uvicorn" in _cmdline(k)]
    assert len(servers) == 1, [_cmdline(k) for k in _children(proc.pid)]
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    deadline = time.monotonic() + 60
    while _alive(servers[0]) and time.monotonic() < deadline:
        time.sleep(0.2)
    if _alive(servers[0]):
        os.kill(servers[0], signal.SIGKILL)
        pytest.fail("the temporary Prefect server outlived its killed run by 60 s")
    left = _staging(out)
    assert len(left) == 1  # the dead run's partial data ...
    mine = cio.make_staging(out)  # ... is removed when the next run stages beside it
    assert _staging(out) == [mine]
    cio.discard_staging(mine)
    _assert_previous_outputs_unchanged(out)
