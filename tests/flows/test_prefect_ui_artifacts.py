"""Prefect's own UI lists a wave run's artifacts: a real local server, a small wave, Chromium.

The server runs in its own process group with its own PREFECT_HOME (nothing shared with a
user's Prefect or another test) on a free port, and is always stopped by the fixture. The wave
runs through the CLI in a child process pointed at that server, as a user's run would be.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SPRING = REPO / "data" / "raw" / "2026-spring" / "cls_survey_spring_2026.csv"
SPRING_CONFIG = REPO / "data" / "configs" / "spring_2026.yaml"
CHROMIUM = Path("/usr/bin/chromium")
WAVE = "2026-UI"
#: Generous: on a busy 2-core machine the server alone has taken minutes to answer.
WAIT_S = 600

pytestmark = pytest.mark.slow


def _chromium() -> str:
    if CHROMIUM.exists():
        return str(CHROMIUM)
    found = shutil.which("chromium")
    if found is None:
        pytest.skip("Debian's chromium package is not installed (apt-get install chromium)")
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _healthy(api: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api}/health", timeout=5) as resp:
            return bool(resp.status == 200)
    except OSError:
        return False


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's whole process group, then SIGKILL whatever is left."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=30)
            break
        except subprocess.TimeoutExpired:
            continue
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture
def prefect_server(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """A real ``prefect server start`` on a free port; yields its API URL and a client env."""
    from flows.serve import server_env

    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = server_env(port, os.environ) | {"PREFECT_HOME": str(tmp_path / "prefect-home")}
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1"]
            + ["--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + WAIT_S
        while not _healthy(api):
            if proc.poll() is not None:
                pytest.fail("prefect server exited:\n" + log_path.read_text()[-3000:])
            if time.monotonic() > deadline:
                pytest.skip(f"the local Prefect server did not answer within {WAIT_S} s")
            time.sleep(1)
        yield api, {**env, "PREFECT_API_URL": api}
    finally:
        _stop(proc)


def _small_wave(tmp_path: Path) -> tuple[Path, Path]:
    """Twelve respondents of the spring sample and its column map with the rules tagger."""
    folder = tmp_path / "incoming"
    folder.mkdir()
    raw = pd.read_csv(SPRING, encoding="cp1252", dtype=str, keep_default_na=False)
    raw.head(12).to_csv(folder / SPRING.name, index=False, encoding="cp1252")
    cfg = yaml.safe_load(SPRING_CONFIG.read_text())
    cfg["tagger"] = "rules"  # no model to load: the run is about the UI, not the tagger
    config = tmp_path / "rules.yaml"
    config.write_text(yaml.safe_dump(cfg))
    return folder, config


def _artifact_keys(api: str, flow_run_id: str) -> set[str]:
    body = json.dumps({"artifacts": {"flow_run_id": {"any_": [flow_run_id]}}}).encode()
    req = urllib.request.Request(
        f"{api}/artifacts/filter", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=60) as resp:
        return {a["key"] for a in json.loads(resp.read()) if a.get("key")}


def _wait_for_text(page: object, needles: set[str], *, what: str) -> str:
    """Poll the rendered page until every needle is in its text (the UI is a single-page app)."""
    deadline = time.monotonic() + WAIT_S
    while True:
        text = page.inner_text("body")  # type: ignore[attr-defined]
        if all(n in text for n in needles):
            return text
        if time.monotonic() > deadline:
            missing = sorted(n for n in needles if n not in text)
            pytest.fail(f"{what}: not listed after {WAIT_S} s: {missing}\n{text[-2000:]}")
        time.sleep(2)


def test_prefect_ui_lists_the_wave_runs_artifacts(tmp_path, prefect_server):
    chromium = _chromium()
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    api, env = prefect_server
    folder, config = _small_wave(tmp_path)
    out = tmp_path / "out" / WAVE
    run = subprocess.run(
        [sys.executable, "-m", "flows.cli", "run", str(folder), "--wave", WAVE]
        + ["--config", str(config), "--out-dir", str(out), "--no-topics"]
        + ["--store-dir", str(tmp_path / "store"), "--coded-dir", str(tmp_path / "coded")],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    flow_run_id = json.loads((out / "manifest.json").read_text())["flow_run_id"]
    keys = _artifact_keys(api, flow_run_id)
    # the summary, the table and a link per output file (report and tagged tables among them)
    assert {"wave-summary", "prevalence-by-group", "report-html", "tagged-csv"} <= keys

    ui = api.removesuffix("/api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium,
            args=["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            # The UI a browser lands on by default (V2): the run's Artifacts tab.
            page.goto(f"{ui}/v2/runs/flow-run/{flow_run_id}?tab=Artifacts")
            # every key, and the summary's description (the cards fill in as they load)
            summary = f"Wave {WAVE}: counts, conservation, intervals"
            _wait_for_text(page, keys | {summary}, what="V2 UI, Artifacts tab")
            # The address Prefect logs for the run ("View at ..."), V1: click its Artifacts tab.
            page.goto(f"{ui}/runs/flow-run/{flow_run_id}")
            page.get_by_text("Artifacts", exact=True).first.click(timeout=WAIT_S * 1000)
            _wait_for_text(page, keys, what="V1 UI, Artifacts tab")
        finally:
            browser.close()
