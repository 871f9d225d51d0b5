"""CPU seconds of the tag step alone: ``tag_table`` with the shipped default tagger on a wave.

Usage (from the repository root; the table is a ``tagged.parquet`` of any earlier run, whose
redacted long-table columns are tagged again)::

    python benchmarks/tag_cpu.py data/processed/2026-W1/tagged.parquet --out results.json
    PYTHONPATH=../cls-text-previous python benchmarks/tag_cpu.py T.parquet --out previous.json

CPU time (``time.process_time``) rather than wall time, so that the figure means something on
a machine other work is loading; ``--tagged-out`` keeps the result for a byte comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import pandas as pd


def main(argv: list[str] | None = None) -> int:
    """Tag the table's answers once and write the CPU and wall seconds as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("tagged", type=Path)
    parser.add_argument("--out", type=Path, default=Path("results.json"))
    parser.add_argument("--tagged-out", type=Path)
    args = parser.parse_args(argv)

    from cls_text import schema as S
    from cls_text.codebook.model import load_codebook
    from cls_text.config import load_config
    from cls_text.tag.frame import tag_table
    from cls_text.tag.select import select_tagger

    cb = load_codebook(None)
    full = pd.read_parquet(args.tagged)
    theme_cols = [
        c for t in cb.theme_ids() for c in (t, S.score_col(t), S.stance_col(t), S.evidence_col(t))
    ]
    long = full.drop(columns=[*theme_cols, S.THEMES, S.TAGGER])
    tagger, info = select_tagger(cb, load_config(None), models_dir="models")
    cpu, wall = time.process_time(), time.perf_counter()
    out = tag_table(long, tagger, cb, info)
    result = {
        "rows": len(out),
        "tagger": info.get("name"),
        "tag_cpu_s": round(time.process_time() - cpu, 1),
        "tag_wall_s": round(time.perf_counter() - wall, 1),
        "load_avg_at_end": os.getloadavg(),
    }
    if args.tagged_out:
        out.to_parquet(args.tagged_out)
    args.out.write_text(json.dumps(result, indent=2) + "\n", "utf-8")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
