"""UMAP's one-off cost in a new process: numba compiling it, with and without the disk cache.

Usage (from the repository root)::

    python benchmarks/umap_startup.py --out results.json

Each measurement is a fresh Python process that imports umap and fits the topics step's UMAP
(``cls_text.topics.model``'s settings: 15 neighbours, 5 components, euclidean, seeded) twice on
3,000 unit-length 384-dimensional vectors. Three processes share one empty ``NUMBA_CACHE_DIR``:

1. ``cold``: caching switched on (``cache_umap_compilation``), nothing cached yet;
2. ``warm``: the same, after process 1 wrote the cache (what every later run gets);
3. ``uncached``: caching not switched on for umap (the code before this change; pynndescent's
   own cached functions still come from the cache process 1 wrote).

The embedding's checksum is printed per fit: it must be the same in every process.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

CHILD = """
import json, sys, time, warnings
warnings.filterwarnings("ignore", category=ImportWarning)
t = time.perf_counter()
import numpy as np
from umap import UMAP
out = {"import_s": round(time.perf_counter() - t, 2), "fits": []}
if sys.argv[1] == "1":
    from cls_text.topics.jit_cache import cache_umap_compilation
    out["functions_cached"] = cache_umap_compilation()
rng = np.random.default_rng(0)
for _ in range(2):
    X = rng.normal(size=(3000, 384)).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    t, c = time.perf_counter(), time.process_time()
    Y = UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="euclidean", random_state=0,
             init="spectral", low_memory=True, n_jobs=1).fit_transform(X)
    out["fits"].append({"wall_s": round(time.perf_counter() - t, 2),
                        "cpu_s": round(time.process_time() - c, 2),
                        "checksum": float(np.abs(Y).sum())})
print(json.dumps(out))
"""


def run_child(cache_dir: str, enable: bool) -> dict:
    """One fresh process: import umap, fit twice, report times and checksums."""
    env = {**os.environ, "NUMBA_CACHE_DIR": cache_dir, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, "1" if enable else "0"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    """Run the three processes and write the results JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("results.json"))
    args = parser.parse_args()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as cache_dir:
        results = {
            "cold": run_child(cache_dir, enable=True),
            "warm": run_child(cache_dir, enable=True),
            "uncached": run_child(cache_dir, enable=False),
        }
    meta = {
        "date": time.strftime("%Y-%m-%d"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_avg_before": [round(x, 2) for x in load_before],
        "load_avg_after": [round(x, 2) for x in os.getloadavg()],
    }
    args.out.write_text(json.dumps({"meta": meta, "results": results}, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
