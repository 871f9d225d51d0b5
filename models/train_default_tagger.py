"""Train the shipped default tagger on the real coded dev quotes and write its package data.

Reads the quotes from ``../shared/data/cls_real/quotes.csv`` (kept outside the repository; no
quote text is written anywhere) and the adjudicated codes and dev/test split from
``benchmarks/data/cls_real_codes/``. Only dev quotes are used: the test split stays unseen.
Writes ``cls_text/tag/models/cls-default/weights.npz`` (plain arrays, words hashed, no
vocabulary) and ``card.json`` (sha256 of the weights, training data hash, parameters).

``--embedder mpnet`` trains the accurate variant over all-mpnet-base-v2 instead (fetch its
weights first with ``python models/fetch_mpnet.py``) and writes ``cls-default-mpnet/``.

Usage:
    python models/train_default_tagger.py [--shared ../shared] [--embedder mpnet]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
CODES = ROOT / "benchmarks" / "data" / "cls_real_codes"
MODELS = ROOT / "cls_text" / "tag" / "models"
#: Output folder per encoder: the default, and the accurate variant (``tagger: accurate``).
OUT = {"minilm-static": MODELS / "cls-default", "mpnet": MODELS / "cls-default-mpnet"}
PARAMS = {
    "C": 3.0,
    "n_features": 2**18,
    "min_df": 2,
    "min_positives": 3,
    "shrinkage": 0.5,
    "best_theme_floor": 0.5,
    "prior_scale": 1.0,
}
#: Settings per encoder, each chosen on dev by grouped CV (docs/benchmarks.md): the accurate
#: variant's heads over mpnet's 768 dimensions want more regularisation and 6 positives.
PARAMS_FOR = {"minilm-static": PARAMS, "mpnet": PARAMS | {"C": 1.0, "min_positives": 6}}


def load_dev(shared: Path) -> tuple[pd.DataFrame, np.ndarray, list[str]]:
    """Dev quotes (text, source_url) and their gold indicator matrix."""
    from cls_text.codebook import load_codebook

    ids = load_codebook().theme_ids()
    quotes = pd.read_csv(shared / "data" / "cls_real" / "quotes.csv", dtype=str).fillna("")
    split = pd.read_csv(CODES / "split.csv", dtype=str)
    codes = pd.read_csv(CODES / "codes.csv", dtype=str).fillna("")
    dev = quotes.merge(split, on="quote_id")
    dev = dev[dev["split"] == "dev"].sort_values("quote_id").reset_index(drop=True)
    gold = codes[codes["coder"] == "gold"]
    pos = {q: i for i, q in enumerate(dev["quote_id"])}
    Y = np.zeros((len(dev), len(ids)), dtype=np.int64)
    for q, t in zip(gold["quote_id"], gold["theme"], strict=True):
        if q in pos and t in ids:
            Y[pos[q], ids.index(t)] = 1
    return dev, Y, ids


def main(argv: list[str] | None = None) -> int:
    """Train and write the default model."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--embedder", choices=sorted(OUT), default="minilm-static")
    args = ap.parse_args(argv)
    if not (args.shared / "data" / "cls_real" / "quotes.csv").is_file():
        print(f"no real quotes under {args.shared}: nothing trained", file=sys.stderr)
        return 1
    from cls_text.codebook import load_codebook
    from cls_text.tag.default import DefaultTagger
    from cls_text.tag.embeddings import make_embedder

    dev, Y, ids = load_dev(args.shared)
    book = load_codebook()
    out = OUT[args.embedder]
    embedder = make_embedder(args.embedder)
    params = PARAMS_FOR[args.embedder]
    tagger = DefaultTagger(codebook=book, embedder=embedder, **params).fit(
        dev["text"].tolist(), Y, groups=dev["source_url"].tolist()
    )
    out.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    np.savez_compressed(buf, **tagger.to_arrays())
    (out / "weights.npz").write_bytes(buf.getvalue())
    training = hashlib.sha256(
        json.dumps([dev["quote_id"].tolist(), Y.tolist()]).encode("utf-8")
    ).hexdigest()
    card = {
        "name": out.name,
        "model_class": "cls_text.tag.default.DefaultTagger",
        "trained": date.today().isoformat(),
        "trained_by": "models/train_default_tagger.py",
        "training_data": {
            "quotes": "real CLS quotes, dev split only (benchmarks/data/cls_real_codes/split.csv)",
            "labels": "adjudicated gold codes (benchmarks/data/cls_real_codes/codes.csv)",
            "n_quotes": len(dev),
            "positives": {t: int(Y[:, j].sum()) for j, t in enumerate(ids)},
            "sha256_ids_and_labels": training,
        },
        "codebook": {"id": book.id, "version": book.version, "hash": book.content_hash()},
        "embedder": args.embedder,
        "embedder_id": embedder.model_id,
        "params": params,
        "weights": {
            "file": "weights.npz",
            "sha256": hashlib.sha256((out / "weights.npz").read_bytes()).hexdigest(),
            "bytes": (out / "weights.npz").stat().st_size,
        },
        "measured": "see docs/benchmarks.md (real CLS quotes, dev CV and test split)",
    }
    (out / "card.json").write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out / 'weights.npz'} ({card['weights']['bytes']} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
