"""Benchmark the PII redactor: per-type precision/recall, leak rate and throughput.

    python benchmarks/pii.py --out results.json [--full-run]

Entity-level scoring on benchmarks/data/pii_testset.jsonl: a gold entity is *recalled* when a
predicted span of the same type overlaps it; a predicted span is *correct* when it overlaps a
gold entity of its type; a gold entity *leaks* when any of its characters is left outside every
predicted span (of any type), i.e. part of it would reach the output.

The *ingest leak* part (``benchmarks/data/make_pii_exports.py``) plants identifiers where
sentences never put them: respondent ids, the site column, quarantined rows, numbers a
spreadsheet stored as numbers, formulas, long answers and lower-case forms. It ingests, redacts
and writes the wave tables, then searches every written file for every planted identifier.
``--full-run`` runs the whole wave (``cls-text run``: tagging, topics, report, review, store) in
a scratch project folder with Prefect's home and result storage inside it, and searches every
file written there, caches included.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cls_text.pii import ENTITY_TYPES, RedactionConfig, Redactor  # noqa: E402

DEFAULT_TESTSET = ROOT / "benchmarks" / "data" / "pii_testset.jsonl"
DEV_QUOTES = ROOT / "benchmarks" / "data" / "cls_dev_quotes.csv"


def _load_module(path: Path):
    import importlib.util

    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def score(rows: list[dict], redactor: Redactor) -> dict:
    tp_gold: Counter[str] = Counter()
    n_gold: Counter[str] = Counter()
    tp_pred: Counter[str] = Counter()
    n_pred: Counter[str] = Counter()
    leaks = 0
    misses: list[dict] = []
    false_pos: list[dict] = []
    for row in rows:
        text = row["text"]
        pred = redactor.find(text)
        gold = row["entities"]
        for g in gold:
            n_gold[g["type"]] += 1
            if any(p.type == g["type"] and p.start < g["end"] and g["start"] < p.end for p in pred):
                tp_gold[g["type"]] += 1
            covered = set()
            for p in pred:
                covered.update(range(max(p.start, g["start"]), min(p.end, g["end"])))
            if len(covered) < g["end"] - g["start"]:
                leaks += 1
                misses.append({"id": row["id"], "type": g["type"], "text": text})
        for p in pred:
            n_pred[p.type] += 1
            if any(p.type == g["type"] and p.start < g["end"] and g["start"] < p.end for g in gold):
                tp_pred[p.type] += 1
            else:
                false_pos.append({"id": row["id"], "type": p.type, "span": text[p.start : p.end]})
    per_type = {}
    for t in ENTITY_TYPES:
        if n_gold[t] == 0 and n_pred[t] == 0:
            continue
        per_type[t] = {
            "precision": round(tp_pred[t] / n_pred[t], 4) if n_pred[t] else None,
            "recall": round(tp_gold[t] / n_gold[t], 4) if n_gold[t] else None,
            "n": n_gold[t],
            "n_predicted": n_pred[t],
        }
    total = sum(n_gold.values())
    return {
        "per_type": per_type,
        "leak_rate": round(leaks / total, 4) if total else 0.0,
        "n_entities": total,
        "n_sentences": len(rows),
        "hard_negative_false_positives": sum(
            1 for f in false_pos if f["id"] in {r["id"] for r in rows if r["kind"] != "positive"}
        ),
        "misses": misses,
        "false_positives": false_pos,
    }


def throughput(texts: list[str], min_seconds: float) -> float:
    redactor = Redactor(RedactionConfig(pseudonymise=True))
    done, start = 0, time.perf_counter()
    while True:
        for i, t in enumerate(texts):
            redactor.redact(t, key=str(i % 50))
        done += len(texts)
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return done / elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description="PII redaction benchmark")
    ap.add_argument("--testset", type=Path, default=DEFAULT_TESTSET)
    ap.add_argument("--out", type=Path, required=True, help="JSON file to write")
    ap.add_argument("--min-seconds", type=float, default=3.0, help="timing loop length")
    ap.add_argument(
        "--full-run", action="store_true", help="also run a whole wave and search every file"
    )
    args = ap.parse_args()

    rows = load(args.testset)
    t0 = time.perf_counter()
    redactor = Redactor()
    load_s = time.perf_counter() - t0
    result = score(rows, redactor)
    result["by_split"] = {}
    for split in sorted({r.get("split", "dev") for r in rows}):
        part = score([r for r in rows if r.get("split", "dev") == split], redactor)
        result["by_split"][split] = {
            k: part[k]
            for k in (
                "per_type",
                "leak_rate",
                "n_entities",
                "n_sentences",
                "hard_negative_false_positives",
            )
        }
    texts = [r["text"] for r in rows]
    result["quotes_per_s"] = round(throughput(texts, args.min_seconds), 1)
    if DEV_QUOTES.is_file():
        import pandas as pd

        dev = pd.read_csv(DEV_QUOTES, comment="#")["text"].astype(str).tolist()
        result["quotes_per_s_dev_quotes"] = round(throughput(dev, args.min_seconds), 1)
        dev_counts: Counter[str] = Counter()
        for q in dev:
            dev_counts.update(redactor.redact(q).counts)
        result["dev_quotes_redactions"] = dict(dev_counts)
    exports = _load_module(ROOT / "benchmarks" / "data" / "make_pii_exports.py")
    result["ingest_leaks"] = exports.ingest_leaks()
    if args.full_run:
        result["full_run_leaks"] = exports.full_run_leaks()
    result["load_seconds"] = round(load_s, 3)
    result["python"] = platform.python_version()
    result["cpu_count"] = os.cpu_count()
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    summary = {k: v for k, v in result.items() if k not in ("misses", "false_positives")}
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
