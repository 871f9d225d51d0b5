"""Give freed memory back to the operating system between the phases of a large run.

Why: the chunk loop allocates and frees a chunk's tables again and again, in several threads.
glibc's allocator keeps what a thread freed in that thread's arena, and Arrow's pool keeps its
freed buffers, so a process that has finished with them still *holds* them: after the chunks
of a 250,000-answer wave, asking gave back about 0.6 GB (1.55 -> 0.96 GB resident,
``benchmarks/wave_memory.py``) before the wave-level steps read the partition back. Both
allocators can be asked to let go; this module asks them, where they exist, and does nothing
elsewhere (macOS, Windows, musl).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _libc() -> Any:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


def release_freed_memory() -> None:
    """Collect garbage, then return the allocators' free memory to the OS (best effort)."""
    gc.collect()
    try:
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
    except (ImportError, AttributeError):  # pragma: no cover - pyarrow is a dependency
        pass
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
