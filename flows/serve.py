"""Long-running serving: cron schedules per survey programme and an incoming-folder watcher.

``cls-text serve --config serve.yaml`` (or ``python -m flows.serve serve.yaml``) builds one
deployment per programme (cron) and, when configured, the ``watch-incoming`` deployment (an
interval schedule), then serves them all from this process with ``prefect.serve``. Scheduling
needs a real Prefect API: :func:`prefect_api` uses ``PREFECT_API_URL`` when it answers, and
otherwise starts ``prefect server start`` on 127.0.0.1 as a child process and stops it on exit.

Why the watcher calls ``process-wave`` as a subflow rather than ``run_deployment``: the wave's
lock and ledger entry must live exactly as long as the run. A subflow runs inside the watcher's
process, so the lock is released when the run ends, however it ends, and the ledger records its
real outcome. Waves still run at the same time as each other when they come from different
deployments (each served run is its own process); two runs of one wave never overlap because
both the watcher and the cron programmes take the same per-wave lock.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger

from cls_text.errors import ConfigError
from cls_text.io.lifetime import die_with_parent
from cls_text.run import watch
from cls_text.run.watch import Item, ServeConfig, load_serve_config
from flows.wave import process_wave

#: A busy 2-core laptop can take minutes to start a server (the CLI waits as long, 300 s,
#: for Prefect's temporary one).
SERVER_START_TIMEOUT_S = 300.0


@flow(name="scheduled-wave")
def scheduled_wave(
    inputs: list[str],
    lock_name: str = "scheduled",
    state_dir: str = "data/watch",
    wave: str | None = None,
    out_dir: str | None = None,
    config: str | None = None,
    codebook: str | None = None,
    topics: bool = True,
    report: bool = True,
    store_dir: str | None = "data/store",
) -> str:
    """Run ``process-wave`` under the wave's lock (cron programmes use this).

    Its own two parameters, the lock's, come first. The lock is the wave's, under
    ``<state_dir>/locks``, so a cron run and the watcher never process one wave at once; a run
    without a wave label locks ``lock_name`` instead (the programme's name). The other
    parameters are ``process-wave``'s.
    """
    with watch.wave_lock(Path(state_dir) / "locks", wave or lock_name):
        return process_wave(
            inputs=inputs,
            wave=wave,
            out_dir=out_dir,
            config=config,
            codebook=codebook,
            topics=topics,
            report=report,
            store_dir=_programme_store(store_dir, config),
        )


def _programme_store(store_root: str | None, config: str | None) -> str | None:
    """The programme's own store under ``store_root`` (the config's ``programme:``)."""
    if not store_root:
        return None
    from cls_text.config import load_config
    from cls_text.io.store import programme_store

    return str(programme_store(store_root, load_config(config).programme_id))


@flow(name="watch-incoming")
def watch_incoming(
    incoming: str,
    state_dir: str = "data/watch",
    out_root: str = "data/processed",
    settle_seconds: float = 10.0,
    config: str | None = None,
    codebook: str | None = None,
    stale_after_s: float = 6 * 3600,
    topics: bool = True,
    report: bool = True,
    store_dir: str | None = "data/store",
) -> list[dict[str, str]]:
    """Start a wave run for each complete, new, unlocked file or folder in ``incoming``.

    The wave label is the folder name (or the file name without extension); outputs go to
    ``<out_root>/<wave>/``. A run that fails is recorded in the ledger and reported here, and
    leaves that folder as it was (a failed wave publishes nothing); renaming the file retries
    it. Symlinks are never followed: an item that is or holds one is refused with a warning.
    """
    logger = get_run_logger()
    refused: list[str] = []
    ready = watch.find_stable(incoming, settle_seconds=settle_seconds, refused=refused)
    for line in refused:
        logger.warning(line)

    def run(item: Item) -> str:
        return process_wave(
            inputs=[str(item.path)],
            wave=item.wave,
            out_dir=str(Path(out_root) / item.wave),
            config=config,
            codebook=codebook,
            topics=topics,
            report=report,
            store_dir=_programme_store(store_dir, config),
        )

    outcomes = watch.process_ready(
        ready,
        run,
        state_dir=state_dir,
        stale_after_s=stale_after_s,
        out_dir_of=lambda item: Path(out_root) / item.wave,
    )
    for o in outcomes:
        logger.info("%s (%s): %s %s", o.wave, o.name, o.action, o.detail)
    failed = [o for o in outcomes if o.action == "failed"]
    if failed:
        # Fail the watcher run too, so Prefect notifications fire with the wave's message.
        raise RuntimeError("; ".join(f"wave {o.wave}: {o.detail}" for o in failed))
    return [{"wave": o.wave, "action": o.action, "detail": o.detail} for o in outcomes]


def build_deployments(cfg: ServeConfig) -> list[Any]:
    """One deployment per programme (cron) plus the watcher (interval), ready for serving."""
    from prefect.schedules import Cron

    deployments = []
    for p in cfg.programmes:
        state_dir = cfg.watch.state_dir if cfg.watch else "data/watch"
        deployments.append(
            scheduled_wave.to_deployment(
                name=p.name,
                schedule=Cron(p.cron, timezone=p.timezone),
                parameters={
                    "inputs": p.inputs,
                    "wave": p.wave,
                    "out_dir": p.out_dir,
                    "config": p.config,
                    "codebook": p.codebook,
                    "lock_name": p.name,
                    "state_dir": state_dir,
                    "topics": p.topics,
                    "report": p.report,
                    "store_dir": p.store_dir,
                },
                tags=["cls-text", "programme"],
            )
        )
    if cfg.watch is not None:
        w = cfg.watch
        deployments.append(
            watch_incoming.to_deployment(
                name="incoming",
                interval=timedelta(seconds=w.interval_seconds),
                parameters={
                    "incoming": w.incoming,
                    "state_dir": w.state_dir,
                    "out_root": w.out_root,
                    "settle_seconds": w.settle_seconds,
                    "config": w.config,
                    "codebook": w.codebook,
                    "stale_after_s": w.stale_after_s,
                    "topics": w.topics,
                    "report": w.report,
                    "store_dir": w.store_dir,
                },
                tags=["cls-text", "watcher"],
                concurrency_limit=1,  # overlapping scans would race for the same files
            )
        )
    return deployments


def _healthy(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/health", timeout=timeout) as resp:  # noqa: S310
            return bool(resp.status == 200)
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(port: int, base: dict[str, str] | os._Environ[str]) -> dict[str, str]:
    """Environment of the child ``prefect server start`` on ``port``.

    The UI looks for its API on port 4200 unless ``PREFECT_UI_API_URL`` says otherwise, so on
    any other port it would show "Can't connect to Server API": the URL is set to this port.
    """
    env = {
        **base,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_UI_ENABLED": base.get("PREFECT_UI_ENABLED", "true"),
        "PREFECT_UI_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_UI_URL": f"http://127.0.0.1:{port}",
    }
    env.pop("PREFECT_API_URL", None)
    return env


def ui_address(api_url: str) -> str:
    """The Prefect UI's address for an API URL (the UI is served at the API's root).

    Examples:
        >>> ui_address("http://127.0.0.1:41234/api")
        'http://127.0.0.1:41234'
    """
    return api_url.rstrip("/").removesuffix("/api")


@contextlib.contextmanager
def prefect_api(timeout_s: float = SERVER_START_TIMEOUT_S) -> Iterator[str]:
    """Yield a Prefect API URL: ``PREFECT_API_URL`` if it answers, else a child server.

    The child server listens on 127.0.0.1 only, with analytics off, and is stopped (SIGTERM,
    then SIGKILL after 10 s, to its whole process group) when the block exits.

    Raises:
        RuntimeError: when the child server is not healthy within ``timeout_s``.
    """
    url = os.environ.get("PREFECT_API_URL")
    if url and _healthy(url):
        yield url
        return
    port = _free_port()
    url = f"http://127.0.0.1:{port}/api"
    env = server_env(port, os.environ)
    cmd = [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1"]
    proc = subprocess.Popen(  # noqa: S603
        [*cmd, "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=die_with_parent(os.getpid()),  # noqa: PLW1509 (no threads in the child yet)
    )
    try:
        deadline = time.monotonic() + timeout_s
        while not _healthy(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"The local Prefect server did not start on 127.0.0.1:{port} within "
                    f"{timeout_s:.0f} s (exit status {proc.poll()}). Start one yourself with "
                    "'prefect server start --host 127.0.0.1' and set PREFECT_API_URL."
                )
            time.sleep(0.5)
        os.environ["PREFECT_API_URL"] = url
        yield url
    finally:
        _stop_group(proc)


def _stop_group(proc: subprocess.Popen[bytes]) -> None:
    """Stop the child server and everything it started (uvicorn, services): its whole group.

    ``prefect server start`` runs the API in processes of its own; signalling only the leader
    can leave one listening on the port after ``serve`` has exited.
    """
    for sig, wait_s in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=wait_s)
            break
        except subprocess.TimeoutExpired:
            continue
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # stragglers whose leader has already gone


def serve(config_path: str | Path, *, limit: int | None = None) -> None:
    """Serve the configured deployments until interrupted (Ctrl-C or SIGTERM)."""
    cfg = load_serve_config(config_path)
    if not cfg.programmes and cfg.watch is None:
        raise ConfigError(
            f"Serve config '{config_path}' defines no programmes and no watcher: nothing to serve."
        )
    with prefect_api() as url:
        print(f"Prefect UI: {ui_address(url)}  (API: {url})", flush=True)
        # Settings are read when the client is made: point Prefect at the server now.
        from prefect import serve as prefect_serve
        from prefect.settings import PREFECT_API_URL, temporary_settings

        with temporary_settings({PREFECT_API_URL: url}):
            prefect_serve(*build_deployments(cfg), limit=limit)


if __name__ == "__main__":
    serve(sys.argv[1])
