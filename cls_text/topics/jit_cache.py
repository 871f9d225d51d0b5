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
    from numba.core.caching import NullCache
    from numba.core.dispatcher import Dispatcher

    switched = 0
    for name, module in list(sys.modules.items()):
        if name in _done or module is None or name.split(".")[0] not in JIT_PACKAGES:
            continue
        _done.add(name)
        for value in list(vars(module).values()):
            if (
                isinstance(value, Dispatcher)
                and isinstance(value._cache, NullCache)
                and not value.overloads
                and getattr(value.py_func, "__module__", None) == name
                and "<locals>" not in value.py_func.__qualname__
            ):
                value.enable_caching()
                switched += 1
    return switched
