"""Child processes that go when their parent goes, however the parent ends.

A run starts helpers (Prefect's temporary server, the spreadsheet writer, ``serve``'s server).
A parent that is killed outright (SIGKILL, out of memory) runs no clean-up, so each child asks
Linux for a parent-death signal (``PR_SET_PDEATHSIG``): SIGTERM the moment its parent dies. The
parent may die before the child asked; the child then already has a new parent and must notice
that itself. Elsewhere than Linux there is no such signal, and only that check is left.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable

#: prctl(2) option: the signal this process gets when its parent dies.
PR_SET_PDEATHSIG = 1


def ask_to_die_with_parent() -> None:
    """Ask Linux to SIGTERM this process when its parent dies (elsewhere: nothing)."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def die_with_parent(parent_pid: int) -> Callable[[], None]:
    """A ``preexec_fn`` for a child of ``parent_pid``: ask for the signal, or exit if too late."""

    def hook() -> None:
        ask_to_die_with_parent()
        if os.getppid() != parent_pid:
            os._exit(1)

    return hook
