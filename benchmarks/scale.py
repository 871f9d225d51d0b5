"""Scale benchmark: the one wave runner on 10k, 100k and 1M answers, end to end.

The same whole-process measurement as ``benchmarks/wave.py`` (``cls-text run`` with the shipped
default tagger, topics and report included), at sizes where bounded memory matters::

    python benchmarks/scale.py --out results.json                       # 10k, 100k, 1M
    python benchmarks/scale.py --sizes 100000 --task-runner dask --out results.json
    python benchmarks/scale.py --sizes 100000 --tagger rules --out results.json

Throughput at 1M should stay within 15% of 100k: memory is bounded by a chunk, and the
wave-level steps read the staged partition back from disk.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from wave import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main(default_sizes=(10_000, 100_000, 1_000_000)))
