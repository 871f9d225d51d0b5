"""Small-data benchmark: how our tagger learns from 10 to 200 coded examples per theme.

For each size k and seed, picks up to k positive examples per label from the NHS ``train`` rows
(the union of those rows is the training set; a row keeps all its labels), fits the tagger and
the TF-IDF + LR reference, and scores the ``test`` rows. The 0 point (zero-shot) is not run
here: it needs a codebook for the NHS labels.

    python benchmarks/learning_curve.py --data ../shared/data/nhs_patient_feedback --out curve.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from nhs_feedback import fit_ours, fit_tfidf_lr, load_nhs  # noqa: E402

from cls_text.review.evaluate import evaluate_tags  # noqa: E402


def sample_per_label(train: pd.DataFrame, labels: list[str], k: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    chosen: set[int] = set()
    for label in labels:
        pos = np.flatnonzero(train[label].to_numpy() == 1)
        if len(pos):
            chosen.update(rng.choice(pos, size=min(k, len(pos)), replace=False).tolist())
    return train.iloc[sorted(chosen)]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data/nhs_patient_feedback"))
    ap.add_argument("--out", type=Path, default=Path("learning_curve.json"))
    ap.add_argument("--sizes", type=int, nargs="+", default=[10, 25, 50, 100, 200])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--methods", nargs="+", default=["ours", "tfidf_lr"])
    ap.add_argument("--C", type=float, default=0.3)
    ap.add_argument("--cv", type=int, default=5)
    ap.add_argument("--no-embeddings", action="store_true")
    ap.add_argument("--no-char", action="store_true")
    ap.add_argument("--cache-dir", type=Path, default=None)
    args = ap.parse_args(argv)
    df, labels = load_nhs(args.data)
    train, test = df[df["split"] == "train"], df[df["split"] == "test"]
    fitters = {"ours": fit_ours, "tfidf_lr": fit_tfidf_lr}
    rows = []
    for k in args.sizes:
        for seed in args.seeds:
            sub = sample_per_label(train, labels, k, seed)
            for method in args.methods:
                t0 = time.perf_counter()
                _, predict = fitters[method](
                    sub[["text", "question"]], sub[labels].to_numpy(), labels, args
                )
                fit_s = time.perf_counter() - t0
                m = evaluate_tags(
                    test[labels].to_numpy(), predict(test[["text", "question"]]), labels
                )
                row = {
                    "k": k,
                    "seed": seed,
                    "method": method,
                    "n_train": len(sub),
                    "micro_f1": m["micro_f1"],
                    "macro_f1_20": m["macro_f1_min"],
                    "samples_f1": m["samples_f1"],
                    "fit_s": round(fit_s, 2),
                }
                print(json.dumps(row), flush=True)
                rows.append(row)
    summary = (
        pd.DataFrame(rows)
        .groupby(["method", "k"])[["n_train", "micro_f1", "macro_f1_20", "samples_f1"]]
        .agg(["mean", "std"])
        .round(4)
    )
    summary.columns = ["_".join(c) for c in summary.columns]
    result = {
        "command": " ".join(sys.argv),
        "runs": rows,
        "summary": summary.reset_index().to_dict("records"),
        "zero_shot_point": "not run: needs a codebook for the 50 NHS labels",
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(summary.to_string())


if __name__ == "__main__":
    main()
