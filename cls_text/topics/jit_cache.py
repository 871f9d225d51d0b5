"""Keep UMAP's compiled code between runs, so only the first run on a machine compiles it.

UMAP and pynndescent are numba code compiled on first call. pynndescent asks numba to cache
most of its functions on disk (``cache=True``), but umap-learn 0.5 asks for almost none, so
every new process compiled UMAP's layout, fuzzy-set and spectral code again: on a 3,000-answer
fit the first fit in a process took about 21-24 CPU-seconds against about 9 for a later fit
(docs/benchmarks.md, "One wave runner"). :func:`cache_umap_compilation` switches numba's disk
cache on for the module-level compiled functions of both libraries before their first call.

The cached machine code is what numba would compile anyway (same function, same types, same
flags, keyed by the source file's stamp), so results are unchanged; numba recompiles by itself
when the library or the CPU changes. The files go where numba puts any cache: beside the
library's sources when that folder is writable, else numba's per-user cache folder, or
``NUMBA_CACHE_DIR`` when set.
"""

from __future__ import annotations

import sys
from typing import Any

#: The libraries whose compiled functions are cached (those UMAP runs).
JIT_PACKAGES = ("umap", "pynndescent")

_done: set[str] = set()


def cache_umap_compilation() -> int:
    """Switch numba's disk cache on for UMAP's and pynndescent's compiled functions.

    Call it after ``umap`` is imported and before a fit. Only functions defined at module level
    are touched (closures built at run time cannot be cached by numba); functions that already
    cache, or were already compiled in this process, are left as they are. Idempotent.

    Returns:
        How many functions were switched on by this call.
    """
    switched = 0
    for name, module in list(sys.modules.items()):
        if name in _done or module is None or name.split(".")[0] not in JIT_PACKAGES:
            continue
        _done.add(name)
        for dispatcher in _cacheable(name, list(vars(module).values())):
            try:
                dispatcher.enable_caching()
            except RuntimeError:  # numba found no writable cache folder: compile as before
                continue
            switched += 1
    return switched


def _cacheable(module: str, values: list[Any]) -> list[Any]:
    """The module's own compiled functions that numba can cache without a mix-up.

    numba's cache index is keyed by the Python function and the argument types, not by the
    compile options, so a function compiled twice with different options (umap's layout step
    exists as a serial and a ``parallel=True`` variant) could read the other variant's code.
    Of such twins only the single serial variant is cached (the one the topics step runs).
    """
    from numba.core.caching import NullCache
    from numba.core.dispatcher import Dispatcher

    found = [
        v
        for v in values
        if isinstance(v, Dispatcher)
        and isinstance(getattr(v, "_cache", None), NullCache)
        and not v.overloads
        and getattr(v.py_func, "__module__", None) == module
        and "<locals>" not in v.py_func.__qualname__
    ]
    twins: dict[int, list[Any]] = {}
    for v in found:
        twins.setdefault(id(v.py_func), []).append(v)
    chosen = []
    for group in twins.values():
        serial = [v for v in group if not v.targetoptions.get("parallel")]
        if len(group) == 1 or len(serial) == 1:
            chosen.append(group[0] if len(group) == 1 else serial[0])
    return chosen
