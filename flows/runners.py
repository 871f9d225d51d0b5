"""Where a wave's chunks are tagged: Prefect's thread pool, a local Dask cluster or an existing one.

The runner is chosen when the flow is called (:func:`run_on_runner`); the chunk step is the
same on each, and so are the outputs, byte for byte (tests/flows/test_runners.py).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any, Literal

TaskRunnerName = Literal["default", "dask"]


def make_task_runner(name: TaskRunnerName = "default", address: str | None = None) -> Any:
    """Build the task runner: Prefect's thread pool, or Dask (local cluster or ``address``).

    Raises:
        ValueError: for an unknown runner name, or an address without ``--task-runner dask``.
    """
    if name == "default":
        if address:
            raise ValueError("a Dask address needs --task-runner dask")
        return _thread_pool()
    if name == "dask":
        from prefect_dask import DaskTaskRunner

        if address:
            return DaskTaskRunner(address=address)
        # One thread per worker process: redaction and tagging are pure Python (GIL-bound).
        return DaskTaskRunner(
            cluster_kwargs={"n_workers": 2, "threads_per_worker": 1, "dashboard_address": None}
        )
    raise ValueError(f"task runner must be 'default' or 'dask', got {name!r}")


def _thread_pool() -> Any:
    """Prefect's thread pool, except that Ctrl-C does not wait for the chunk being tagged.

    Prefect's pool waits, on the way out, for every task already running: after Ctrl-C the
    terminal would hang until the current chunk was tagged (seconds, or minutes for a big
    chunk). The run's staging folder is removed before the pool closes, and the process exits
    right after, so the abandoned thread can only finish a cached result nobody waits for.
    """
    from prefect.task_runners import ThreadPoolTaskRunner

    class InterruptibleThreadPool(ThreadPoolTaskRunner):  # type: ignore[type-arg]
        def __exit__(self, exc_type: Any, exc_value: Any, traceback: Any) -> None:
            executor = getattr(self, "_executor", None)
            if exc_type is not None and issubclass(exc_type, KeyboardInterrupt) and executor:
                for event in self._cancel_events.values():
                    event.set()
                executor.shutdown(wait=False, cancel_futures=True)
                self._executor = None
            super().__exit__(exc_type, exc_value, traceback)

    return InterruptibleThreadPool()


@contextlib.contextmanager
def _shared_api(needed: bool) -> Iterator[None]:
    """Give Dask workers this process's Prefect API instead of one temporary server each.

    Without ``PREFECT_API_URL``, every worker process would start its own temporary API
    server on first use (slow, and it times out on a loaded machine). Start the temporary
    server here and export its URL: worker processes inherit the environment.
    """
    from prefect.settings import PREFECT_API_URL

    if not needed or os.environ.get("PREFECT_API_URL"):
        yield
        return
    url = PREFECT_API_URL.value()  # e.g. set by a settings context (test harness)
    server = None
    if not url:
        from prefect.server.api.server import SubprocessASGIServer

        server = SubprocessASGIServer()
        server.start()
        url = server.api_url
    os.environ["PREFECT_API_URL"] = url
    try:
        yield
    finally:
        os.environ.pop("PREFECT_API_URL", None)
        if server is not None:
            server.stop()


def run_on_runner(
    flow_obj: Any,
    *,
    task_runner: TaskRunnerName = "default",
    dask_address: str | None = None,
    **params: Any,
) -> str:
    """Run ``flow_obj`` on the chosen task runner (Dask workers share this process's API).

    Prefect's temporary API server, when one is needed, is started first, tethered to this
    process (:mod:`flows.tempserver`): Ctrl-C stops the run, not the server under it, and the
    server dies with the run however the run ends.
    """
    from flows.tempserver import start_temporary_server

    runner = make_task_runner(task_runner, dask_address)
    start_temporary_server()
    with _shared_api(task_runner == "dask"):
        return str(flow_obj.with_options(task_runner=runner)(**params))
