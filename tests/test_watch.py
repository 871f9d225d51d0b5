from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import pytest

from cls_text.errors import ConfigError
from cls_text.run import watch


def _write(p, text="id,answer\n1,hello\n"):
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    return p


def test_scan_lists_files_and_folders_skipping_hidden_and_unsupported(tmp_path):
    _write(tmp_path / "2026-W1.csv")
    _write(tmp_path / "2026-W2" / "a.xlsx", "x")
    _write(tmp_path / "2026-W2" / "b.csv")
    _write(tmp_path / ".partial.csv")
    _write(tmp_path / "~$lock.xlsx")
    _write(tmp_path / "notes.pdf")
    items = watch.scan(tmp_path)
    assert sorted(p.name for p in items) == ["2026-W1.csv", "2026-W2"]
    assert items[tmp_path / "2026-W2"].n_files == 2
    assert items[tmp_path / "2026-W1.csv"].wave == "2026-W1"
    assert items[tmp_path / "2026-W2"].wave == "2026-W2"
    assert watch.scan(tmp_path / "missing") == {}


def test_growing_file_is_not_ready_until_stable(tmp_path):
    f = _write(tmp_path / "w.csv")
    _write(tmp_path / "empty.csv", "")

    def grow(_seconds):
        with open(f, "a") as fh:
            fh.write("2,more\n")

    assert watch.find_stable(tmp_path, settle_seconds=0, sleep=grow) == []
    ready = watch.find_stable(tmp_path, settle_seconds=0, sleep=lambda s: None)
    assert [i.path.name for i in ready] == ["w.csv"]  # the empty file is never ready


def test_content_sha_ignores_name_but_not_content(tmp_path):
    a = _write(tmp_path / "a" / "x.csv")
    b = _write(tmp_path / "b" / "x.csv")
    assert watch.content_sha256(a.parent) == watch.content_sha256(b.parent)
    assert watch.content_sha256(a) == watch.content_sha256(b)
    _write(tmp_path / "b" / "x.csv", "id,answer\n1,changed\n")
    assert watch.content_sha256(a.parent) != watch.content_sha256(b.parent)


def test_ledger_round_trip_and_corrupt_ledger_is_an_error(tmp_path):
    led = tmp_path / "ledger.json"
    assert watch.load_ledger(led) == {}
    item = watch.Item(tmp_path / "w.csv", 10, 1, 1)
    watch.record(led, "abc", item=item, status="started")
    watch.record(led, "abc", item=item, status="completed", out_dir="out")
    data = watch.load_ledger(led)
    assert data["abc"]["status"] == "completed" and data["abc"]["out_dir"] == "out"
    assert data["abc"]["wave"] == "w"
    led.write_text("{not json")
    with pytest.raises(watch.ClsTextError, match="not valid JSON"):
        watch.load_ledger(led)


def test_lock_blocks_a_second_holder_and_is_released(tmp_path):
    with watch.wave_lock(tmp_path, "2026-W1") as path:
        info = json.loads(path.read_text())
        assert info["pid"] == os.getpid()
        with pytest.raises(watch.WaveLockedError, match="already being processed"):
            with watch.wave_lock(tmp_path, "2026-W1"):
                pass
        with watch.wave_lock(tmp_path, "2026-W2"):  # other waves are free
            pass
    assert not path.exists()


def test_stale_lock_of_dead_process_is_taken_over(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead_pid = int(proc.stdout)
    lock = watch.lock_path(tmp_path, "2026-W1")
    lock.write_text(
        json.dumps({"pid": dead_pid, "host": socket.gethostname(), "time": time.time()})
    )
    with watch.wave_lock(tmp_path, "2026-W1"):
        assert json.loads(lock.read_text())["pid"] == os.getpid()


def test_old_lock_is_stale_even_on_another_host(tmp_path):
    lock = watch.lock_path(tmp_path, "w")
    lock.write_text(json.dumps({"pid": 1, "host": "elsewhere", "time": time.time() - 100}))
    with pytest.raises(watch.WaveLockedError):
        with watch.wave_lock(tmp_path, "w", stale_after_s=1000):
            pass
    with watch.wave_lock(tmp_path, "w", stale_after_s=50):
        pass


def test_process_ready_runs_once_records_failures_and_goes_on(tmp_path):
    inc = tmp_path / "incoming"
    _write(inc / "good.csv")
    _write(inc / "bad.csv", "id,answer\n9,broken\n")
    state = tmp_path / "state"
    calls: list[str] = []

    def run(item):
        calls.append(item.wave)
        if item.wave == "bad":
            raise watch.ClsTextError("bad.csv: no data rows")
        return f"out/{item.wave}"

    items = watch.find_stable(inc, settle_seconds=0, sleep=lambda s: None)
    first = watch.process_ready(items, run, state_dir=state)
    assert {o.wave: o.action for o in first} == {"bad": "failed", "good": "ran"}
    assert "no data rows" in next(o.detail for o in first if o.wave == "bad")
    # same content again, even renamed: never run twice
    (inc / "good.csv").rename(inc / "good-copy.csv")
    items = watch.find_stable(inc, settle_seconds=0, sleep=lambda s: None)
    second = watch.process_ready(items, run, state_dir=state)
    assert {o.action for o in second} == {"skipped-seen"}
    assert sorted(calls) == ["bad", "good"]
    ledger = watch.load_ledger(watch.ledger_path(state))
    assert sorted(e["status"] for e in ledger.values()) == ["completed", "failed"]
    assert not list((state / "locks").iterdir())


def test_process_ready_skips_a_locked_wave_and_retries_an_interrupted_one(tmp_path):
    inc = tmp_path / "incoming"
    _write(inc / "w.csv")
    state = tmp_path / "state"
    items = watch.find_stable(inc, settle_seconds=0, sleep=lambda s: None)
    sha = watch.content_sha256(items[0].path)
    watch.record(watch.ledger_path(state), sha, item=items[0], status="started")  # crashed run
    with watch.wave_lock(state / "locks", "w"):
        out = watch.process_ready(items, lambda i: "x", state_dir=state)
    assert [o.action for o in out] == ["skipped-locked"]
    out = watch.process_ready(items, lambda i: "x", state_dir=state)
    assert [o.action for o in out] == ["ran"]


def test_serve_config_validation(tmp_path):
    good = tmp_path / "serve.yaml"
    good.write_text(
        "programmes:\n  - name: spring\n    cron: '0 6 * * 1'\n    inputs: [data/raw/2026-spring]\n"
        "watch:\n  incoming: data/incoming\n  interval_seconds: 30\n"
    )
    cfg = watch.load_serve_config(good)
    assert cfg.programmes[0].timezone == "Europe/London" and cfg.watch.interval_seconds == 30
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "programmes:\n  - name: Spring Wave\n    cron: x\n    inputs: [a]\n    when: 1\n"
    )
    with pytest.raises(ConfigError, match=r"programmes\.0\.name(.|\n)*programmes\.0\.when"):
        watch.load_serve_config(bad)
    dup = tmp_path / "dup.yaml"
    dup.write_text("programmes:\n" + "  - {name: a, cron: '* * * * *', inputs: [x]}\n" * 2)
    with pytest.raises(ConfigError, match="unique"):
        watch.load_serve_config(dup)
    with pytest.raises(ConfigError, match="does not exist"):
        watch.load_serve_config(tmp_path / "nope.yaml")
