"""Time the masks that keep untagged answers not in English out of every share.

``untagged_non_english`` runs in every prevalence call of a report, so on a million-answer wave
it must cost little. Synthetic rows: 1 % flagged ``non_english`` and untagged, 10 %
non-substantive (also untagged), the rest tagged.

    python benchmarks/non_english_mask.py --rows 1000000 --out results.json
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from cls_text import schema as S
from cls_text.ingest.text import has_flag, untagged_non_english


def _frame(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    kind = rng.choice(3, size=rows, p=[0.89, 0.10, 0.01])
    flags = np.array(["", "non_substantive", "non_english"], dtype=object)[kind]
    tagger = np.where(kind == 0, "rules", "")
    return pd.DataFrame({S.FLAGS: flags, S.TAGGER: tagger})


def _best(fn, df: pd.DataFrame, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn(df)
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    """Print and optionally save the best of a few timings of each mask."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    df = _frame(args.rows)
    assert int(untagged_non_english(df).sum()) == int((df[S.FLAGS] == "non_english").sum())
    result = {
        "rows": args.rows,
        "has_flag_s": round(_best(lambda d: has_flag(d, S.NON_ENGLISH), df, args.repeats), 4),
        "untagged_non_english_s": round(_best(untagged_non_english, df, args.repeats), 4),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(result, indent=2))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
