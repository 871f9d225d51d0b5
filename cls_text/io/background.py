"""Spreadsheet writing in a second process, beside the rest of a run.

Why: ``tagged.xlsx`` and ``report.xlsx`` are written cell by cell in pure Python
(xlsxwriter), about a fifth of a 10k-answer wave's time, and so are the steps that come after
them (topics, the report's figures). Both hold Python's GIL, so a thread would not overlap them;
a second process does, on any machine with two cores or more. The work and the bytes are the
same: the worker calls the same functions on the same arguments.

Inside :func:`background_writes`, :func:`defer` hands a call to one worker process (started at
once, so its imports overlap the caller's work) and returns; leaving the block waits for every
call and re-raises the first error. If the block is left by an error or Ctrl-C, the worker is
killed and reaped before the error goes on, so a caller that then removes its staging folder
races with nothing. The worker ignores Ctrl-C (its parent decides) and, on Linux, is killed by the
kernel when its parent dies (``PR_SET_PDEATHSIG``). Outside the block, :func:`defer` just calls.
"""

from __future__ import annotations

import contextlib
import contextvars
import multiprocessing as mp
import os
import queue
import signal
from collections.abc import Callable, Iterator
from typing import Any

from cls_text.io.lifetime import ask_to_die_with_parent

#: Seconds between checks that the worker is still alive while waiting for its results.
_POLL_S = 1.0

_ACTIVE: contextvars.ContextVar[_Worker | None] = contextvars.ContextVar(
    "cls_text_background_writer", default=None
)


def _next_job(jobs: Any, parent: int) -> Any:
    """The next call, or None once the parent says so or is gone.

    The parent may die before the worker asked for the parent-death signal (it is still
    importing), or on a system without one: then this process has a new parent, and stops.
    """
    while os.getppid() == parent:
        try:
            return jobs.get(timeout=_POLL_S)
        except queue.Empty:
            continue
    return None


def _serve(jobs: Any, results: Any, parent: int) -> None:
    """The worker's loop: run each call, answer None or the error it raised."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    ask_to_die_with_parent()
    while (job := _next_job(jobs, parent)) is not None:
        fn, args, kwargs = job
        try:
            fn(*args, **kwargs)
            results.put(None)
        except BaseException as exc:  # handed back to the parent, which raises it
            results.put(_portable(exc))


def _portable(exc: BaseException) -> BaseException:
    """The error itself when it can cross processes, else a RuntimeError naming it."""
    import pickle

    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")


class _Worker:
    """One spawned worker process and the calls sent to it."""

    def __init__(self) -> None:
        ctx = mp.get_context("spawn")  # never fork a process that runs threads
        self._jobs = ctx.Queue()
        self._results = ctx.Queue()
        self._proc = ctx.Process(
            target=_serve,
            args=(self._jobs, self._results, os.getpid()),
            name="cls-text-writer",
            daemon=True,
        )
        self._proc.start()
        self._pending = 0
        self._error: BaseException | None = None

    def submit(self, fn: Callable[..., Any], args: tuple, kwargs: dict) -> None:
        self._jobs.put((fn, args, kwargs))
        self._pending += 1

    def busy(self) -> bool:
        """Still working on an earlier call (answers already in are collected first)."""
        while self._pending:
            try:
                self._collect(self._results.get_nowait())
            except queue.Empty:
                return True
        return False

    def wait(self) -> None:
        """Wait for every call sent; raise the first error any of them raised."""
        while self._pending:
            try:
                self._collect(self._results.get(timeout=_POLL_S))
            except queue.Empty:
                if not self._proc.is_alive():
                    raise RuntimeError(
                        f"the spreadsheet writer stopped (exit code {self._proc.exitcode})"
                    ) from None
        if self._error is not None:
            raise self._error

    def _collect(self, err: BaseException | None) -> None:
        self._pending -= 1
        self._error = self._error or err

    def stop(self, *, kill: bool) -> None:
        """End the worker: politely after a clean finish, at once otherwise."""
        if kill:
            self._proc.kill()
        else:
            self._jobs.put(None)
        self._proc.join(timeout=None if kill else 30)
        if self._proc.is_alive():
            self._proc.kill()
            self._proc.join()
        for q in (self._jobs, self._results):
            q.close()
            q.cancel_join_thread()


def parallel_capable() -> bool:
    """More than one core available to this process: a second process can run beside it."""
    try:
        return len(os.sched_getaffinity(0)) > 1
    except AttributeError:  # not on Linux
        return (os.cpu_count() or 1) > 1


@contextlib.contextmanager
def background_writes(enabled: bool | None = None) -> Iterator[None]:
    """Send :func:`defer` calls made inside to one worker process; wait for them on the way out.

    Args:
        enabled: Use a worker (None: when more than one core is available); False makes
            :func:`defer` call at once, as outside the block.
    """
    if enabled is None:
        enabled = parallel_capable()
    if not enabled or _ACTIVE.get() is not None:
        yield
        return
    worker = _Worker()
    token = _ACTIVE.set(worker)
    try:
        yield
        worker.wait()
    except BaseException:
        _ACTIVE.reset(token)
        worker.stop(kill=True)
        raise
    _ACTIVE.reset(token)
    worker.stop(kill=False)


def wait_for_background() -> None:
    """Wait for the active worker's calls so far (re-raising their first error); else nothing."""
    worker = _ACTIVE.get()
    if worker is not None:
        worker.wait()


def defer(
    fn: Callable[..., Any], /, *args: Any, inline_if_busy: bool = False, **kwargs: Any
) -> None:
    """Call ``fn(*args, **kwargs)``: in the background worker when one is active, else now.

    ``fn`` must be a module-level function and the arguments picklable; the call's result is
    not returned (it writes a file). Its error surfaces when the :func:`background_writes`
    block ends. ``inline_if_busy``: call it here when the worker is still busy with an earlier
    call (a large wave's ``tagged.xlsx``), rather than queue it behind that call while this
    process runs out of other work and waits.
    """
    worker = _ACTIVE.get()
    if worker is None or (inline_if_busy and worker.busy()):
        fn(*args, **kwargs)
    else:
        worker.submit(fn, args, kwargs)
