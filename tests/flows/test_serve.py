"""Serving: deployments from config, prefect.yaml entrypoints, and one real served run."""

from __future__ import annotations

import importlib
import inspect
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SPRING = REPO / "data" / "raw" / "2026-spring"
SPRING_CONFIG = REPO / "data" / "configs" / "spring_2026.yaml"


def _serve_yaml(tmp: Path, **watch_extra) -> Path:
    cfg = {
        "programmes": [
            {
                "name": "spring-survey",
                "cron": "0 6 * * 1",
                "inputs": ["data/raw/2026-spring"],
                "config": "data/configs/spring_2026.yaml",
            }
        ],
        "watch": {"incoming": str(tmp / "incoming"), "interval_seconds": 30, **watch_extra},
    }
    p = tmp / "serve.yaml"
    p.write_text(yaml.safe_dump(cfg))
    return p


def test_build_deployments_from_config(tmp_path):
    from cls_text.run.watch import load_serve_config
    from flows.serve import build_deployments

    deps = build_deployments(load_serve_config(_serve_yaml(tmp_path, settle_seconds=3)))
    by_name = {d.name: d for d in deps}
    assert set(by_name) == {"spring-survey", "incoming"}
    cron = by_name["spring-survey"].schedules[0].schedule
    assert cron.cron == "0 6 * * 1" and cron.timezone == "Europe/London"
    assert by_name["spring-survey"].parameters["lock_name"] == "spring-survey"
    interval = by_name["incoming"].schedules[0].schedule
    assert interval.interval.total_seconds() == 30
    assert by_name["incoming"].parameters["settle_seconds"] == 3


def test_prefect_yaml_entrypoints_exist_and_take_their_parameters():
    doc = yaml.safe_load((REPO / "prefect.yaml").read_text())
    assert doc["deployments"]
    for dep in doc["deployments"]:
        path, func = dep["entrypoint"].split(":")
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        flow_obj = getattr(module, func)
        params = inspect.signature(flow_obj.fn).parameters
        assert set(dep.get("parameters", {})) <= set(params), dep["name"]
        for sched in dep.get("schedules", []):
            if "cron" in sched:
                from prefect.schedules import Cron

                Cron(sched["cron"], timezone=sched.get("timezone"))


def test_serve_rejects_an_empty_config(tmp_path):
    from cls_text.errors import ConfigError
    from flows.serve import serve

    p = tmp_path / "serve.yaml"
    p.write_text("programmes: []\n")
    with pytest.raises(ConfigError, match="nothing to serve"):
        serve(p)


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _statuses(ledger_file: Path) -> list[str]:
    """The watcher ledger's statuses, sorted (none while it has not written its ledger)."""
    if not ledger_file.exists():
        return []
    ledger = json.loads(ledger_file.read_text())  # written atomically: never half a file
    return sorted(str(e.get("status")) for e in ledger.values())


@pytest.mark.slow
def test_served_watcher_processes_two_waves_and_everything_stops(tmp_path):
    """One real local server on 127.0.0.1: the watcher picks up two dropped waves and runs each
    once while a cron programme runs its own wave; Ctrl-C stops serve and its server."""
    cfg = yaml.safe_load(SPRING_CONFIG.read_text())
    cfg["tagger"] = "rules"
    config = tmp_path / "rules.yaml"
    config.write_text(yaml.safe_dump(cfg))
    incoming = tmp_path / "incoming"
    for wave in ("site-a-2026", "site-b-2026"):
        shutil.copytree(SPRING, incoming / wave)
    # same bytes under another name is new content for the ledger (names are hashed too)
    (src,) = (incoming / "site-b-2026").glob("*.csv")
    src.rename(src.with_name("site-b-export.csv"))
    shutil.copytree(SPRING, tmp_path / "programme-input")
    serve_cfg = {
        # a cron programme every minute runs beside the watcher's runs (its own process)
        "programmes": [
            {
                "name": "every-minute",
                "cron": "* * * * *",
                "inputs": [str(tmp_path / "programme-input")],
                "wave": "2026-W1",
                "config": str(config),
                "out_dir": str(tmp_path / "out" / "programme"),
                "topics": False,
                "report": False,
                "store_dir": None,
            }
        ],
        "watch": {
            "incoming": str(incoming),
            "interval_seconds": 5,
            "settle_seconds": 1,
            "state_dir": str(tmp_path / "state"),
            "out_root": str(tmp_path / "out"),
            "config": str(config),
            "topics": False,
            "report": False,
            "store_dir": None,
        },
    }
    serve_yaml = tmp_path / "serve.yaml"
    serve_yaml.write_text(yaml.safe_dump(serve_cfg))
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_UI_ENABLED": "false",
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "2",
        "PREFECT_RUNNER_POLL_FREQUENCY": "2",
    }
    env.pop("PREFECT_API_URL", None)
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "serve", str(serve_yaml)],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(REPO)},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    names = ("site-a-2026", "site-b-2026", "programme")
    outs = [tmp_path / "out" / w / "manifest.json" for w in names]
    ledger_file = tmp_path / "state" / "ledger.json"
    try:
        deadline = time.monotonic() + 1500
        # A wave's manifest is published inside its flow run; the ledger says "completed" only
        # once that run has returned, so wait for both (reading the ledger as soon as the last
        # manifest appeared raced with the watcher on a busy machine).
        while not (all(p.exists() for p in outs) and _statuses(ledger_file) == ["completed"] * 2):
            if "failed" in _statuses(ledger_file):
                pytest.fail(
                    "a watched wave failed:\n" + (tmp_path / "serve.log").read_text()[-3000:]
                )
            if proc.poll() is not None:
                pytest.fail("serve exited early:\n" + (tmp_path / "serve.log").read_text()[-3000:])
            if time.monotonic() > deadline:
                text = (tmp_path / "serve.log").read_text()
                if "did not start" in text:
                    pytest.skip("the local Prefect server did not start (see serve.log)")
                pytest.fail("waves not processed within 1500 s:\n" + text[-3000:])
            time.sleep(1)
        ledger = json.loads(ledger_file.read_text())
        assert sorted(e["status"] for e in ledger.values()) == ["completed", "completed"]
        time.sleep(12)  # more watcher runs: the same content is not processed again
        ledger2 = json.loads(ledger_file.read_text())
        assert ledger2 == ledger
        text = (tmp_path / "serve.log").read_text()
        found = re.search(r"Prefect API: http://127\.0\.0\.1:(\d+)/api", text)
        port = int(found.group(1)) if found else None
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=120)  # a loaded machine can take a while to wind runs down
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        log.close()
    for p in outs:
        m = json.loads(p.read_text())
        assert m["conservation"]["total"]["answers_in"] > 0
    if port:
        time.sleep(2)
        assert not _port_open(port), "the child Prefect server is still listening"
