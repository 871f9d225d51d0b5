"""Crash and resume: a wave run killed after tagging leaves nothing visible, and the re-run
takes tagging from the persisted cache and writes byte-identical outputs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SPRING = REPO / "data" / "raw" / "2026-spring"
SPRING_CONFIG = REPO / "data" / "configs" / "spring_2026.yaml"
TABLES = ("tagged.parquet", "tagged.csv", "quarantine.csv", "tagged.xlsx")

pytestmark = pytest.mark.slow

# mode "crash": after tagging, writing starts a partial file, signals, then hangs until killed.
# mode "resume": tagging must come from the cache (calling it raises).
# mode "plain": an uninterrupted run.
_SCRIPT = """
import sys, time
from pathlib import Path
mode, out, config, marker = sys.argv[1:5]
import flows  # offline environment
from cls_text.run import wave as runner
from cls_text.tag import frame

if mode == "crash":
    real_finish = runner._finish_tables

    def finish_then_hang(staged, staging, *args):
        (Path(staging) / "tagged.xlsx").write_text("partial")
        Path(marker).write_text("tagged")
        time.sleep(600)
        return real_finish(staged, staging, *args)

    runner._finish_tables = finish_then_hang
elif mode == "resume":
    def no_tagging(*args, **kwargs):
        raise RuntimeError("tag_table was called: the cached result was not used")

    frame.tag_table = no_tagging

from flows.wave import process_wave

process_wave(
    inputs=[sys.argv[5]], wave="2026-W1", out_dir=out, config=config,
    topics=False, report=False, store_dir=None,
)
print("DONE")
"""


def _env(tmp: Path, home: str) -> dict[str, str]:
    # A fresh Prefect database per process: the killed run's temporary server dies mid-write.
    # Cached results live in the shared PREFECT_LOCAL_STORAGE_PATH, not in the database.
    (tmp / home).mkdir(parents=True, exist_ok=True)  # the server will not create parents
    return {
        **os.environ,
        "PREFECT_HOME": str(tmp / home),
        "PREFECT_LOCAL_STORAGE_PATH": str(tmp / "results"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "HF_HUB_OFFLINE": "1",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "600",  # loaded shared machines
    }


def _run(mode: str, out: Path, config: Path, marker: Path, env: dict[str, str]):
    return subprocess.Popen(
        [sys.executable, "-c", _SCRIPT, mode, str(out), str(config), str(marker), str(SPRING)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # so the kill takes its temporary Prefect server down too
    )


def test_killed_run_leaves_nothing_and_resumes_identically(tmp_path):
    cfg = yaml.safe_load(SPRING_CONFIG.read_text())
    cfg["tagger"] = "rules"
    config = tmp_path / "spring_rules.yaml"
    config.write_text(yaml.safe_dump(cfg))
    marker = tmp_path / "tagged.marker"
    crashed = tmp_path / "crashed" / "2026-W1"

    proc = _run("crash", crashed, config, marker, _env(tmp_path, "home-crash"))
    deadline = time.monotonic() + 900
    while not marker.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            pytest.fail(f"the run ended before tagging finished:\n{proc.communicate()[0][-3000:]}")
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)  # like a power cut: no clean-up code runs
    proc.communicate(timeout=300)

    # Nothing partial is visible: no output folder, only hidden staging left by the kill.
    assert not crashed.exists()
    assert all(p.name.startswith(".") for p in crashed.parent.iterdir())
    assert list((tmp_path / "results").iterdir()), "tagging result was not persisted"

    resumed = _run("resume", crashed, config, marker, _env(tmp_path, "home-resume"))
    out, _ = resumed.communicate(timeout=900)
    assert resumed.returncode == 0 and "DONE" in out, out[-3000:]

    plain_env = _env(tmp_path / "fresh", "home-plain")
    plain_out = tmp_path / "plain" / "2026-W1"
    plain = _run("plain", plain_out, config, marker, plain_env)
    out, _ = plain.communicate(timeout=900)
    assert plain.returncode == 0, out[-3000:]

    for name in TABLES[:3]:
        assert (crashed / name).read_bytes() == (plain_out / name).read_bytes(), name
    assert (crashed / "tagged.xlsx").read_bytes() != b"partial"
