"""The incoming-folder watcher's logic: when is a wave ready, was it seen, who holds its lock.

Sites drop a wave's export (a file, or a folder of files) into an incoming folder, often over a
slow network share. The ``watch-incoming`` flow (flows/serve.py) calls this module to decide,
without Prefect:

* **ready**: an item's size and modification time are the same across two scans taken
  ``settle_seconds`` apart (a file still being copied keeps growing), and it is not empty;
* **new**: the sha256 of its content is not in the ledger (a JSON file written atomically), so
  the same content is never processed twice, whatever it is renamed to;
* **free**: no live run holds the wave's lock file (``<wave>.lock`` with pid, host and
  time, created with ``O_EXCL``). A lock whose process is gone, or that is older than
  ``stale_after_s``, is stale and is taken over.

The serve configuration (cron programmes and the watcher's settings) lives in
:mod:`cls_text.run.serve_config` and is re-exported here.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from cls_text.errors import ClsTextError, WaveLockedError
from cls_text.io.readers import SUPPORTED
from cls_text.io.writers import sha256_file, write_json_atomic
from cls_text.run.serve_config import (  # noqa: F401 - re-exported: the serve config's old home
    Programme,
    ServeConfig,
    WatchSettings,
    load_serve_config,
)

LedgerStatus = Literal["started", "completed", "failed"]


# -- scanning ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Item:
    """A candidate wave in the incoming folder: one top-level file or folder."""

    path: Path
    size: int
    mtime_ns: int
    n_files: int

    @property
    def wave(self) -> str:
        """The wave label: the folder name, or the file name without its extension."""
        return self.path.name if self.path.is_dir() else self.path.stem


def _survey_files(folder: Path) -> list[Path]:
    """Survey files under ``folder``; symlinks are never followed (see :func:`links_in`)."""
    out = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not (here / d).is_symlink())
        for name in filenames:
            f = here / name
            if f.is_symlink() or not f.is_file() or f.suffix.lower() not in SUPPORTED:
                continue
            if any(part.startswith((".", "~$")) for part in f.relative_to(folder).parts):
                continue
            out.append(f)
    return sorted(out)


def links_in(path: Path) -> list[Path]:
    """The symlinks at or under ``path`` (not followed)."""
    if path.is_symlink():
        return [path]
    found = []
    for dirpath, dirnames, filenames in os.walk(path, followlinks=False):
        here = Path(dirpath)
        found += [here / n for n in (*dirnames, *filenames) if (here / n).is_symlink()]
    return sorted(found)


def scan(incoming: str | Path, *, refused: list[str] | None = None) -> dict[Path, Item]:
    """Snapshot the incoming folder: each visible top-level survey file or folder.

    Hidden names (``.x``), Office lock files (``~$x``) and partial-download suffixes are
    skipped; a folder counts with the survey files inside it. A symlink is never followed,
    wherever it points (out of the folder, or back at it, which would run a wave twice): an
    item that is or holds one is refused, and a line saying so is added to ``refused`` so the
    flow can log it.
    """
    root = Path(incoming)
    out: dict[Path, Item] = {}
    if not root.is_dir():
        return out
    for p in sorted(root.iterdir()):
        if p.name.startswith((".", "~$")):
            continue
        if links := links_in(p):
            if refused is not None:
                refused.append(
                    f"'{p.name}' was not processed: it is or holds a symlink ('{links[0]}'); "
                    "the watcher never follows links. Copy the files into the folder instead."
                )
            continue
        if p.is_dir():
            files = _survey_files(p)
        elif p.is_file() and p.suffix.lower() in SUPPORTED:
            files = [p]
        else:
            continue
        stats = [f.stat() for f in files]
        out[p] = Item(
            path=p,
            size=sum(s.st_size for s in stats),
            mtime_ns=max((s.st_mtime_ns for s in stats), default=0),
            n_files=len(files),
        )
    return out


def stable_items(before: dict[Path, Item], after: dict[Path, Item]) -> list[Item]:
    """Items present in both scans with the same size, file count and mtime, and not empty."""
    return [
        item
        for path, item in after.items()
        if path in before and before[path] == item and item.size > 0 and item.n_files > 0
    ]


def find_stable(
    incoming: str | Path,
    *,
    settle_seconds: float,
    sleep: Callable[[float], None] = time.sleep,
    refused: list[str] | None = None,
) -> list[Item]:
    """Scan twice, ``settle_seconds`` apart, and return the items that did not change.

    Items refused for symlinks are described in ``refused`` (once per call).
    """
    before = scan(incoming, refused=refused)
    if not before:
        return []
    sleep(settle_seconds)
    return stable_items(before, scan(incoming))


def content_sha256(path: str | Path) -> str:
    """sha256 of a file, or of a folder's survey files (relative names and contents)."""
    p = Path(path)
    if p.is_file():
        return sha256_file(p)
    h = hashlib.sha256()
    for f in _survey_files(p):
        h.update(f.relative_to(p).as_posix().encode("utf-8") + b"\0")
        h.update(sha256_file(f).encode("ascii") + b"\n")
    return h.hexdigest()


# -- ledger -----------------------------------------------------------------------------------
def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def load_ledger(path: str | Path) -> dict[str, dict[str, Any]]:
    """Read the ledger (sha256 -> entry); a missing file is an empty ledger.

    Raises:
        ClsTextError: when the file exists but is not a ledger (never silently reset it:
            that would re-run every wave).
    """
    p = Path(path)
    if not p.exists():
        return {}
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ClsTextError(
            f"Watcher ledger '{p}' is not valid JSON ({err}); restore it from backup or move it "
            "away (every wave in the incoming folder would then run again)."
        ) from None
    if not isinstance(data, dict):
        raise ClsTextError(f"Watcher ledger '{p}' must hold a JSON object of sha256 -> entry.")
    return data


def record(
    ledger_path: str | Path, sha: str, *, item: Item, status: LedgerStatus, **extra: Any
) -> dict[str, Any]:
    """Add or update one ledger entry and write the ledger atomically; return the entry."""
    ledger = load_ledger(ledger_path)
    entry = dict(ledger.get(sha, {}))
    entry.update({"name": item.path.name, "wave": item.wave, "status": status, "at": _now()})
    entry.update(extra)
    ledger[sha] = entry
    write_json_atomic(ledger_path, ledger)
    return entry


# -- locks ------------------------------------------------------------------------------------
def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def lock_path(locks_dir: str | Path, wave: str) -> Path:
    """The lock file of a wave (wave label made safe for a file name)."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in wave)
    return Path(locks_dir) / f"{safe}.lock"


def lock_holder(path: str | Path, *, stale_after_s: float) -> dict[str, Any] | None:
    """The live holder of a lock file, or None when it is absent or stale."""
    p = Path(path)
    try:
        info = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (json.JSONDecodeError, UnicodeDecodeError):
        info = {}
    if not isinstance(info, dict):
        info = {}
    age = time.time() - float(info.get("time", p.stat().st_mtime if p.exists() else 0))
    if age > stale_after_s:
        return None
    if info.get("host") == socket.gethostname() and not _pid_alive(int(info.get("pid", 0))):
        return None
    if not info:
        # Half-written lock: treat as held until it is old enough to be stale.
        return {"pid": None, "host": None, "time": None}
    return info


@contextmanager
def wave_lock(
    locks_dir: str | Path, wave: str, *, stale_after_s: float = 6 * 3600
) -> Iterator[Path]:
    """Hold the wave's lock for the block, so two runs of one wave never overlap.

    Raises:
        WaveLockedError: when a live run holds it (names its pid, host and start time).
    """
    path = lock_path(locks_dir, wave)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "time": time.time()})
    for _ in range(2):  # second try after removing a stale lock
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            holder = lock_holder(path, stale_after_s=stale_after_s)
            if holder is not None:
                raise WaveLockedError(
                    f"Wave '{wave}' is already being processed (lock '{path}' held by pid "
                    f"{holder.get('pid')} on {holder.get('host')}); this run was not started."
                ) from None
            path.unlink(missing_ok=True)
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(body)
        break
    else:
        raise WaveLockedError(f"Wave '{wave}': could not take lock '{path}' (contended).")
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


# -- one watcher pass -------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Outcome:
    """What one watcher pass did with one item."""

    wave: str
    name: str
    sha256: str
    action: Literal["ran", "failed", "skipped-seen", "skipped-locked"]
    detail: str = ""


def ledger_path(state_dir: str | Path) -> Path:
    """Where the watcher keeps its ledger."""
    return Path(state_dir) / "ledger.json"


def process_ready(
    items: list[Item],
    run: Callable[[Item], str],
    *,
    state_dir: str | Path,
    stale_after_s: float = 6 * 3600,
    out_dir_of: Callable[[Item], Path] | None = None,
) -> list[Outcome]:
    """Run each new, unlocked item once with ``run(item) -> output folder``; record outcomes.

    Content ``completed`` in the ledger is skipped. Failed is not done: content that failed is
    not retried under the same name (it would fail again every pass), but is retried when the
    file or folder is renamed, and a corrected file (new content) runs anyway. A ``started``
    entry whose run died (lock stale) is run again. A run that raises is recorded as
    ``failed`` with its message, and the pass goes on to the next item: one bad file never
    stops the watcher. With ``out_dir_of``, a failed run also publishes nothing: outputs it
    published before failing are rolled back to what the folder held before (see
    :func:`keep_outputs_on_failure`).
    """
    state = Path(state_dir)
    ledger_file = ledger_path(state)
    locks = state / "locks"
    outcomes: list[Outcome] = []
    for item in items:
        sha = content_sha256(item.path)
        seen = load_ledger(ledger_file).get(sha) or {}
        status = seen.get("status")
        if status == "completed" or (status == "failed" and seen.get("name") == item.path.name):
            outcomes.append(Outcome(item.wave, item.path.name, sha, "skipped-seen", str(status)))
            continue
        try:
            with wave_lock(locks, item.wave, stale_after_s=stale_after_s):
                outcomes.append(_run_one(item, sha, run, ledger_file, out_dir_of))
        except WaveLockedError as err:
            outcomes.append(Outcome(item.wave, item.path.name, sha, "skipped-locked", str(err)))
    return outcomes


def _run_one(
    item: Item,
    sha: str,
    run: Callable[[Item], str],
    ledger_file: Path,
    out_dir_of: Callable[[Item], Path] | None,
) -> Outcome:
    record(ledger_file, sha, item=item, status="started")
    try:
        if out_dir_of is None:
            out = run(item)
        else:
            with keep_outputs_on_failure(out_dir_of(item)):
                out = run(item)
    except Exception as err:  # noqa: BLE001 - recorded, then the next item
        record(ledger_file, sha, item=item, status="failed", error=str(err))
        return Outcome(item.wave, item.path.name, sha, "failed", str(err))
    record(ledger_file, sha, item=item, status="completed", out_dir=out)
    return Outcome(item.wave, item.path.name, sha, "ran", out)


@contextmanager
def keep_outputs_on_failure(out_dir: str | Path) -> Iterator[None]:
    """On an exception in the block, put ``out_dir`` back as it was before the block.

    A wave run publishes its outputs in one step but can fail after that (updating the
    store, say); a failed wave must leave no outputs. Before the block the folder is
    snapshotted with hard links (no copy of the data: publishing replaces the folder, never
    its files in place); on failure the snapshot replaces whatever was published, or the
    folder is removed when there was none. On success the snapshot is dropped.
    """
    import shutil

    out = Path(out_dir)
    snap = out.parent / f".{out.name}.before-{os.getpid()}"
    shutil.rmtree(snap, ignore_errors=True)
    had = out.is_dir()
    if had:
        shutil.copytree(out, snap, copy_function=os.link, symlinks=True)
    try:
        yield
    except BaseException:
        if out.exists() and (not had or _changed(out, snap)):
            shutil.rmtree(out, ignore_errors=True)
            if had:
                os.replace(snap, out)
        raise
    finally:
        shutil.rmtree(snap, ignore_errors=True)


def _changed(out: Path, snap: Path) -> bool:
    """True when ``out`` no longer holds exactly the snapshot's files (by inode)."""

    def inodes(root: Path) -> set[tuple[str, int]]:
        return {(str(f.relative_to(root)), f.stat().st_ino) for f in root.rglob("*") if f.is_file()}

    return inodes(out) != inodes(snap)
