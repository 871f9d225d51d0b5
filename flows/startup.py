"""Starting Prefect from the command line: one retry, then one paragraph instead of a traceback.

Prefect runs each flow against a temporary API server that it starts inside the process. On a
busy 2-core machine that server can miss its start-up timeout. ``flows/__init__.py`` raises the
timeout (unless the user set one); :func:`call_flow` retries once more, and if the server still
does not answer, raises :class:`PrefectStartError`, whose message says what happened, which
setting governs it, and how to start a server by hand.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any, TypeVar

from cls_text.errors import ClsTextError

T = TypeVar("T")

TIMEOUT_SETTING = "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"
_TIMEOUT_MESSAGE = "ephemeral Prefect API server"


class PrefectStartError(ClsTextError):
    """Prefect's temporary API server did not start, twice."""


def is_startup_timeout(err: BaseException) -> bool:
    """True for Prefect's "Timed out while attempting to connect to ephemeral ..." error."""
    return isinstance(err, RuntimeError) and _TIMEOUT_MESSAGE in str(err)


def startup_message() -> str:
    """The paragraph printed when the temporary server does not start."""
    timeout = os.environ.get(TIMEOUT_SETTING, "?")
    return (
        f"Prefect's temporary API server did not start within {timeout} s, twice, so nothing "
        "was processed and no output was written. This happens when the computer is very busy. "
        f"Run the command again when it is quieter, or allow more time with "
        f"'export {TIMEOUT_SETTING}=600', or start a Prefect server once by hand in another "
        "terminal ('prefect server start --host 127.0.0.1') and point cls-text at it with "
        "'export PREFECT_API_URL=http://127.0.0.1:4200/api' (see docs/operations.md, "
        "'Start-up')."
    )


def call_flow(
    flow: Callable[..., T], /, *, on_retry: Callable[[], None] | None = None, **kwargs: Any
) -> T:
    """Call a Prefect flow; on a server start-up timeout, try exactly once more.

    Args:
        flow: The flow (or any callable).
        on_retry: Called before the second attempt (e.g. to tell the user).
        **kwargs: The flow's parameters.

    Raises:
        PrefectStartError: the server timed out on both attempts.
    """
    for attempt in (1, 2):
        try:
            return flow(**kwargs)
        except RuntimeError as err:
            if not is_startup_timeout(err):
                raise
            if attempt == 2:
                raise PrefectStartError(startup_message()) from None
            if on_retry is not None:
                on_retry()
    raise AssertionError("unreachable")  # pragma: no cover


class _HideUserErrorTracebacks(logging.Filter):
    """Prefect logs failed tasks with their traceback; for user errors the message is enough."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, ClsTextError):
            record.exc_info = None
            record.exc_text = None
        return True


def quiet_prefect_tracebacks() -> None:
    """Log user errors inside Prefect tasks as their message, without the traceback."""
    hide = _HideUserErrorTracebacks()
    names = ["prefect", "prefect.flow_runs", "prefect.task_runs", "prefect.engine"]
    for name in names:
        for handler in logging.getLogger(name).handlers:
            handler.addFilter(hide)


def drain_prefect() -> None:
    """Send the logs and events Prefect still holds to its API (each wait capped at 5 s).

    Called before a command leaves by ``os._exit``, which skips the at-exit hooks that would
    otherwise do this.
    """
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all(timeout=5)
    EventsWorker.drain_all(timeout=5)
