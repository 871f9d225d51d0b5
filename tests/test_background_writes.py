"""The background writer: same files as writing inline, errors surface, nothing left running."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from cls_text import io as cio
from cls_text.io import background
from cls_text.io.background import background_writes, defer, wait_for_background


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"text": ["=1+1", "plain", None], "n": [1, 2, 3], "x": [0.5, None, 2.0]})


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def _fail(path: Path) -> None:
    raise OSError(f"disk full writing {path.name}")


def test_deferred_xlsx_holds_the_same_cells_as_an_inline_one(tmp_path):
    import openpyxl

    cio.write_xlsx({"s": _frame()}, tmp_path / "inline.xlsx")
    with background_writes(enabled=True):
        defer(cio.write_xlsx, {"s": _frame()}, tmp_path / "deferred.xlsx")
    a = [[c.value for c in r] for r in openpyxl.load_workbook(tmp_path / "inline.xlsx")["s"]]
    b = [[c.value for c in r] for r in openpyxl.load_workbook(tmp_path / "deferred.xlsx")["s"]]
    assert a == b
    assert a[1][0] == "'=1+1"  # neutralised in the worker too


def test_calls_run_in_order_and_are_done_when_the_block_ends(tmp_path):
    with background_writes(enabled=True):
        for i in range(3):
            defer(_write_text, tmp_path / "f.txt", str(i))
        wait_for_background()
        assert (tmp_path / "f.txt").read_text() == "2"
        defer(_write_text, tmp_path / "g.txt", "late")
    assert (tmp_path / "g.txt").read_text() == "late"


def test_an_error_in_the_worker_is_raised_by_the_block(tmp_path):
    with pytest.raises(OSError, match="disk full writing x.txt"):
        with background_writes(enabled=True):
            defer(_fail, tmp_path / "x.txt")


def test_an_error_in_the_block_kills_the_worker_before_it_goes_on(tmp_path, monkeypatch):
    workers: list[background._Worker] = []
    real = background._Worker

    def spy() -> background._Worker:
        workers.append(real())
        return workers[-1]

    monkeypatch.setattr(background, "_Worker", spy)
    with pytest.raises(KeyError):
        with background_writes(enabled=True):
            defer(_write_text, tmp_path / "a.txt", "a")
            raise KeyError("boom")
    assert not workers[0]._proc.is_alive()


def test_without_a_block_or_disabled_defer_calls_at_once(tmp_path):
    defer(_write_text, tmp_path / "now.txt", "now")
    assert (tmp_path / "now.txt").read_text() == "now"
    with background_writes(enabled=False):
        defer(_write_text, tmp_path / "off.txt", "off")
        assert (tmp_path / "off.txt").read_text() == "off"


def test_importing_bertopic_does_not_import_transformers_but_leaves_it_importable():
    code = (
        "import sys\n"
        "from cls_text.topics.model import import_bertopic\n"
        "bt = import_bertopic()\n"
        "assert 'transformers' not in sys.modules, 'transformers was imported'\n"
        "assert type(bt.representation.TextGeneration).__name__ == 'NotInstalled'\n"
        "import transformers\n"
        "print(transformers.__version__)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip()


def test_the_worker_ends_when_its_parent_is_killed_even_while_it_starts(tmp_path):
    """SIGKILL of the run, at once after the worker is started: the worker must not linger."""
    import os
    import time

    code = (
        "import os, signal\n"
        "from cls_text.io import background\n"
        "with background.background_writes(enabled=True):\n"
        "    print(background._ACTIVE.get()._proc.pid, flush=True)\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    out = tmp_path / "pid.txt"
    with out.open("w") as fh:  # not a pipe: a lingering worker would hold it open
        done = subprocess.run([sys.executable, "-c", code], stdout=fh, stderr=subprocess.DEVNULL)
    assert done.returncode == -9
    pid = int(out.read_text().split()[0])
    for _ in range(600):  # a bound for a hang, not a speed test
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.kill(pid, 9)
    raise AssertionError("the background worker outlived its killed parent")


def _sleep_then_write(path: Path, text: str, seconds: float) -> None:
    import time

    time.sleep(seconds)
    path.write_text(text, encoding="utf-8")


def test_a_call_allowed_inline_runs_here_while_the_worker_is_busy(tmp_path):
    with background_writes(enabled=True):
        defer(_sleep_then_write, tmp_path / "slow.txt", "slow", 3.0)
        defer(_write_text, tmp_path / "here.txt", "here", inline_if_busy=True)
        # Written by this process at once: the worker is still asleep on the first call.
        assert (tmp_path / "here.txt").read_text() == "here"
        assert not (tmp_path / "slow.txt").exists()
    assert (tmp_path / "slow.txt").read_text() == "slow"
