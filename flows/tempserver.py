"""Prefect's temporary API server, started so that it neither hears Ctrl-C nor outlives us.

Without ``PREFECT_API_URL``, Prefect starts a temporary API server (uvicorn) as a child process
on the first flow call. Started Prefect's way, that child has two faults a user sees:

- it sits in the terminal's process group, so Ctrl-C stops the server at the same moment as
  the run; the dying run then keeps retrying the dead API (``Connection refused``) for minutes;
- a run killed outright (SIGKILL, out of memory) runs no clean-up, so the server stays up,
  holding its port, with nobody left to stop it.

:func:`start_temporary_server` starts the same server, with the same command and settings,
before the flow does, but in a session of its own (the terminal's Ctrl-C does not reach it;
the run stops it last, once Prefect has written the run's final state) and, on Linux, with
``PR_SET_PDEATHSIG`` so the kernel sends it SIGTERM when the run dies in any way. Prefect then
finds its server already running and uses it.

:func:`launch_temporary_server` starts that process early, without waiting for it: the CLI
calls it before importing the pipeline (spaCy, torch, the tagger), so the server boots on the
other core while this process imports; :func:`start_temporary_server` then adopts the process
and waits for its health check as before.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import random
import socket
import subprocess
import sys
from collections.abc import Callable
from typing import Any

from cls_text.io.lifetime import die_with_parent

#: Environment Prefect gives its temporary server (no UI; marks it as ephemeral).
SERVER_ENV = {
    "PREFECT_UI_ENABLED": "0",
    "PREFECT__SERVER_EPHEMERAL": "1",
    "PREFECT__SERVER_FINAL": "1",
}

#: Seconds uvicorn waits for open connections when it is stopped.
GRACEFUL_SHUTDOWN_S = 1

#: The ports Prefect picks its temporary server's port from.
PORT_RANGE = range(8000, 9000)

#: A server process launched early and not yet adopted: (port, process).
_launched: list[tuple[int, subprocess.Popen[Any]]] = []


def server_command(port: int) -> list[str]:
    """The command Prefect uses for its temporary server (uvicorn on 127.0.0.1:``port``)."""
    import prefect

    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--app-dir",
        str(prefect.__module_path__.parent),
        "--factory",
        "prefect.server.api.server:create_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "error",
        "--lifespan",
        "on",
        # Prefect's stop waits 5 s for the server; our own open client connections would
        # otherwise hold uvicorn's graceful shutdown for all of them.
        "--timeout-graceful-shutdown",
        str(GRACEFUL_SHUTDOWN_S),
    ]


def _popen_tethered(port: int) -> subprocess.Popen[Any]:
    """Start uvicorn on ``port`` in its own session, tied to this process."""
    from prefect.settings import get_current_settings

    env = {
        **os.environ,
        **SERVER_ENV,
        **get_current_settings().to_environment_variables(exclude_unset=True),
    }
    return subprocess.Popen(  # noqa: S603
        server_command(port),
        env=env,
        start_new_session=True,
        preexec_fn=die_with_parent(os.getpid()),  # noqa: PLW1509
    )


def _tethered_popen(server: Any) -> Callable[[], subprocess.Popen[Any]]:
    """Start ``server``'s uvicorn tethered; the first call adopts an early-launched process."""
    early = _launched.pop() if _launched else None
    if early is not None:
        server.port = early[0]

    def popen() -> subprocess.Popen[Any]:
        nonlocal early
        if early is not None and early[0] == server.port:
            proc, early = early[1], None
            return proc
        return _popen_tethered(server.port)

    return popen


def _server_needed() -> bool:
    """True when a run would start a temporary server (no server URL, ephemeral mode, POSIX)."""
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED

    if os.name != "posix":  # no sessions, no preexec_fn: Prefect starts it its own way
        return False
    return not PREFECT_API_URL.value() and bool(PREFECT_SERVER_EPHEMERAL_ENABLED.value())


def _free_port() -> int | None:
    """A free port in Prefect's range, picked as Prefect picks it (None after 10 tries)."""
    for _ in range(10):
        port = random.choice(PORT_RANGE)  # noqa: S311 - not a secret
        with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    return None


def launch_temporary_server() -> None:
    """Start the temporary server's process now and return at once (it boots meanwhile).

    Booting the server takes several seconds of the other core; the run uses them to import
    and load its models. :func:`start_temporary_server` adopts the process and waits for it
    to answer. A process never adopted (the run failed first) is stopped on exit. Does nothing
    when no temporary server is needed or one is already launched or running.
    """
    server_module = sys.modules.get("prefect.server.api.server")
    if server_module is not None and server_module.SubprocessASGIServer().running:
        return
    if _launched or not _server_needed():
        return
    port = _free_port()
    if port is None:  # Prefect's own start-up will look again
        return
    _launched.append((port, _popen_tethered(port)))
    atexit.register(_stop_unadopted)


def _stop_unadopted() -> None:
    """Stop an early-launched server that no run adopted."""
    while _launched:
        _launched.pop()[1].terminate()


def start_temporary_server() -> Any:
    """Start Prefect's temporary API server tethered to this process; None when not needed.

    Not needed when ``PREFECT_API_URL`` names a server, or when Prefect's ephemeral mode is
    off; not done outside POSIX systems (Windows has no sessions). Prefect's own start-up
    loop (health check, another port when one is taken, the start-up timeout) is kept: only
    the way the process is started is replaced.

    Raises:
        RuntimeError: Prefect's "Timed out while attempting to connect to ephemeral Prefect
            API server" (see :func:`flows.startup.call_flow`).
    """
    if not _server_needed():
        _stop_unadopted()
        return None
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()
    if not server.running:
        if not hasattr(server, "_run_uvicorn_command"):  # another Prefect: its own way
            _stop_unadopted()
            return None
        server._run_uvicorn_command = _tethered_popen(server)
        server.start()
    return server


def signal_temporary_server() -> None:
    """Ask the temporary server to stop (SIGTERM) without waiting for it.

    Used on the way out of an interrupted run, which leaves by ``os._exit``: the run's state is
    already written, and waiting for the server (and for the interpreter to tear down torch)
    would hold the terminal for seconds after Ctrl-C.
    """
    _stop_unadopted()
    server_module = sys.modules.get("prefect.server.api.server")
    if server_module is None:  # nothing started Prefect's way
        return
    for server in list(server_module.SubprocessASGIServer._instances.values()):
        proc = server.server_process
        if proc is not None and proc.poll() is None:
            proc.terminate()
