"""Train the shipped stance classifier on real coded dev pairs and write its package data.

Pairs are (quote, theme) where both blind coders tagged the theme, labelled with the
adjudicated stance; only dev quotes are used. Reads the quotes from
``../shared/data/cls_real/quotes.csv`` (never copied: only weights are written) and the codes
from ``benchmarks/data/cls_real_codes/``. Writes ``cls_text/tag/models/stance-cls/``.

``--embedder mpnet`` trains the same classifier over all-mpnet-base-v2 for ``tagger:
accurate`` runs (fetch it first: ``python models/fetch_mpnet.py``) and writes
``cls_text/tag/models/stance-cls-mpnet/``.

Usage:
    python models/train_stance.py [--shared ../shared] [--embedder mpnet]
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
#: Output folder per encoder (the card records the encoder; the loader builds it from there).
OUT = {"minilm-static": MODELS / "stance-cls", "mpnet": MODELS / "stance-cls-mpnet"}
SYMBOL = {"positive": "+", "negative": "-", "neutral": "0"}
C = 3.0


def dev_pairs(shared: Path) -> pd.DataFrame:
    """Dev (quote, theme) pairs both coders tagged, with the gold stance."""
    quotes = pd.read_csv(shared / "data" / "cls_real" / "quotes.csv", dtype=str).fillna("")
    split = pd.read_csv(CODES / "split.csv", dtype=str)
    codes = pd.read_csv(CODES / "codes.csv", dtype=str).fillna("")
    dev = quotes.merge(split, on="quote_id")
    dev = dev[dev["split"] == "dev"]
    key = codes.set_index(["coder", "quote_id", "theme"])["stance"].to_dict()
    rows = []
    for qid, text in zip(dev["quote_id"], dev["text"], strict=True):
        for (coder, q, t), s in key.items():
            if coder == "gold" and q == qid and t != "none" and s in SYMBOL:
                if ("coder_a", q, t) in key and ("coder_b", q, t) in key:
                    rows.append({"text": text, "theme": t, "stance": SYMBOL[s]})
    return pd.DataFrame(rows)


def design(
    pairs: pd.DataFrame, theme_ids: list[str], embedder: str = "minilm-static"
) -> np.ndarray:
    """The features :class:`cls_text.tag.stance.learned.LearnedStance` computes."""
    from cls_text.codebook import load_codebook
    from cls_text.tag.embeddings import make_embedder
    from cls_text.tag.stance.learned import stance_features
    from cls_text.tag.stance.theme import make_theme_stance

    ts = make_theme_stance(load_codebook(), learned=None)
    texts, themes = pairs["text"].tolist(), pairs["theme"].tolist()
    cue = np.array([ts.cue_score(s, t) for s, t in zip(texts, themes, strict=True)])
    margin, _ = ts._polarity(texts, [""] * len(texts))
    emb = make_embedder(embedder).encode(texts)
    return stance_features(emb, themes, theme_ids, cue, margin)


def main(argv: list[str] | None = None) -> int:
    """Train and write the stance classifier."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--embedder", choices=sorted(OUT), default="minilm-static")
    args = ap.parse_args(argv)
    if not (args.shared / "data" / "cls_real" / "quotes.csv").is_file():
        print(f"no real quotes under {args.shared}: nothing trained", file=sys.stderr)
        return 1
    from sklearn.linear_model import LogisticRegression

    from cls_text.codebook import load_codebook

    ids = load_codebook().theme_ids()
    pairs = dev_pairs(args.shared)
    X = design(pairs, ids, args.embedder)
    out = OUT[args.embedder]
    lr = LogisticRegression(C=C, max_iter=5000).fit(X, pairs["stance"].to_numpy())
    arrays = {
        "coef": lr.coef_.astype(np.float32),
        "intercept": lr.intercept_.astype(np.float64),
        "classes": np.array([str(c) for c in lr.classes_]),
        "theme_ids": np.array(ids),
    }
    out.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    (out / "weights.npz").write_bytes(buf.getvalue())
    card = {
        "name": out.name,
        "model_class": "cls_text.tag.stance.learned.LearnedStance",
        "trained": date.today().isoformat(),
        "trained_by": "models/train_stance.py",
        "training_data": {
            "pairs": "real CLS dev quotes x themes both coders tagged; adjudicated stance",
            "n_pairs": len(pairs),
            "labels": {s: int((pairs["stance"] == s).sum()) for s in ("+", "-", "0")},
        },
        "features": f"{args.embedder} embedding, theme one-hot, cue score, polarity P(+)-P(-)",
        **({} if args.embedder == "minilm-static" else {"embedder": args.embedder}),
        "params": {"C": C},
        "weights": {
            "file": "weights.npz",
            "sha256": hashlib.sha256((out / "weights.npz").read_bytes()).hexdigest(),
            "bytes": (out / "weights.npz").stat().st_size,
        },
    }
    (out / "card.json").write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out / 'weights.npz'} from {len(pairs)} pairs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
