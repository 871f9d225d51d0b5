"""Contrastive fine-tuning of MiniLM on the real dev quotes (SetFit-style), grouped CV on dev.

On each training fold of the same grouped 5-fold splits as ``benchmarks/cls_real.py``, the
local all-MiniLM-L6-v2 is fine-tuned on pairs of training quotes (label 1 when the two share a
gold theme, 0 when they share none; cosine-similarity loss, seeded, CPU), then the default
tagger's heads are trained on its embeddings and scored on the held-out fold. The same run
scores the untuned MiniLM with the same heads and folds, so the difference is the fine-tuning's.
The test split is never read.

Usage:
    python benchmarks/cls_real_setfit.py --out results.json [--shared ../shared] [--reps 1]
        [--pairs 10] [--epochs 1]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "models"))

import cls_real as B  # noqa: E402
import rebuild_minilm_static as R  # noqa: E402


class TunedEmbedder:
    """An ``encode`` function as a tagger's embedder: L2-normalised, memoised per text."""

    def __init__(self, encode: Callable[[list[str]], np.ndarray], name: str) -> None:
        self._encode, self.name, self._memo = encode, name, {}

    @property
    def model_id(self) -> str:
        return self.name

    def encode(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._memo]
        if missing:
            v = np.asarray(self._encode(missing), dtype=np.float32)
            v /= np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
            self._memo.update(zip(missing, v, strict=True))
        return np.stack([self._memo[t] for t in texts])


def sentence_encoder(model: object) -> Callable[[list[str]], np.ndarray]:
    """``encode`` of a sentence-transformers model."""
    return lambda texts: model.encode(texts, batch_size=64, convert_to_numpy=True)  # type: ignore[attr-defined]


def distil(model: object) -> Callable[[list[str]], np.ndarray]:
    """``encode`` of a static model distilled from a sentence-transformers MiniLM, by the
    shipped recipe (``models/rebuild_minilm_static.py``)."""
    from model2vec import StaticModel
    from tokenizers import Tokenizer

    from cls_text.tag.static_model import MINILM_STATIC_DIR

    path = MINILM_STATIC_DIR / "tokenizer.json"
    vocab = json.loads(path.read_text(encoding="utf-8"))["model"]["vocab"]
    pieces = [p for p, _ in sorted(vocab.items(), key=lambda kv: kv[1])]
    rows = R.static_rows(R.piece_vectors(model[0].auto_model, vocab), pieces)  # type: ignore[index]
    static = StaticModel(vectors=rows, tokenizer=Tokenizer.from_file(str(path)), normalize=True)
    return lambda texts: static.encode(texts, max_length=512, use_multiprocessing=False)


def pair_rows(
    Y: np.ndarray, per_quote: int, rng: np.random.Generator
) -> list[tuple[int, int, float]]:
    """``per_quote`` pairs per quote, half sharing a theme (1.0), half sharing none (0.0)."""
    share = (Y @ Y.T) > 0
    out = []
    for i in range(len(Y)):
        pos = np.flatnonzero(share[i] & (np.arange(len(Y)) != i))
        neg = np.flatnonzero(~share[i])
        for pool, label in ((pos, 1.0), (neg, 0.0)):
            if len(pool):
                for j in rng.choice(pool, size=min(per_quote // 2, len(pool)), replace=False):
                    out.append((i, int(j), label))
    return out


def fine_tune(base: object, texts: list[str], Y: np.ndarray, args, seed: int) -> object:
    """A copy of ``base`` tuned on pairs of ``texts`` (cosine-similarity loss, AdamW)."""
    import torch

    torch.manual_seed(seed)
    model = copy.deepcopy(base)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr)
    rng = np.random.default_rng(seed)
    for _ in range(args.epochs):
        rows = pair_rows(Y, args.pairs, rng)
        rng.shuffle(rows)
        for s in range(0, len(rows), args.batch):
            batch = rows[s : s + args.batch]
            a = model.preprocess([texts[i] for i, _, _ in batch])
            b = model.preprocess([texts[j] for _, j, _ in batch])
            ea = model(a)["sentence_embedding"]
            eb = model(b)["sentence_embedding"]
            cos = torch.nn.functional.cosine_similarity(ea, eb)
            loss = torch.nn.functional.mse_loss(cos, torch.tensor([lab for *_, lab in batch]))
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()
    return model


def run(data: dict, dev: np.ndarray, args) -> dict[str, object]:
    """MiniLM and the static distillation, untuned and tuned, under the default's heads."""
    from cls_text.tag.default import DefaultTagger
    from cls_text.tag.embeddings import make_embedder

    q, ids = data["quotes"], data["ids"]
    Y = B.indicator(data["codes"], "gold", q["quote_id"].tolist(), ids)
    texts, groups = q["text"].to_numpy(), q["source_url"].to_numpy()
    base = make_embedder("minilm", num_threads=args.threads)._load_model()  # type: ignore[attr-defined]
    fixed = {"minilm": TunedEmbedder(sentence_encoder(base), "minilm"),
             "static": make_embedder("minilm-static")}  # fmt: skip
    params = B.shipped_params()
    runs: dict[str, list] = {"minilm": [], "tuned": [], "static": [], "tuned_static": []}
    for r in range(args.reps):
        P = {k: np.zeros_like(Y) for k in runs}
        for f, fold in enumerate(B.grouped_folds(groups[dev], 5, r)):
            te = dev[fold]
            tr = np.setdiff1d(dev, te)
            t = time.time()
            model = fine_tune(base, list(texts[tr]), Y[tr], args, 100 * r + f)
            embs = fixed | {
                "tuned": TunedEmbedder(sentence_encoder(model), "tuned"),
                "tuned_static": TunedEmbedder(distil(model), "tuned-static"),
            }
            print(f"rep {r} fold {f}: tuned in {time.time() - t:.0f} s", flush=True)
            for k, emb in embs.items():
                m = DefaultTagger(embedder=emb, **params)
                m.fit(list(texts[tr]), Y[tr], groups=list(groups[tr]))
                P[k][te] = m.predict(list(texts[te]))
        for k in runs:
            runs[k].append(B.tag_scores(Y[dev], P[k][dev], ids))
            print(
                k, {m: runs[k][-1][m] for m in ("samples_f1", "micro_f1", "macro_f1")}, flush=True
            )
    return {k: B.mean_scores(v, ids) for k, v in runs.items()}


def main(argv: list[str] | None = None) -> int:
    """Run the comparison and write the JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("results.json"))
    ap.add_argument("--shared", type=Path, default=B.ROOT.parent / "shared")
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--pairs", type=int, default=10, help="pairs per training quote per epoch")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=2e-5)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="torch threads")
    args = ap.parse_args(argv)
    if not (args.shared / "data" / "cls_real" / "quotes.csv").is_file():
        print(f"real CLS quotes not found under '{args.shared}' (pass --shared)", file=sys.stderr)
        return 0
    data = B.load(args.shared)
    dev = np.flatnonzero(data["quotes"]["split"].to_numpy() == "dev")
    t = time.time()
    res = run(data, dev, args)
    keys = ("reps", "pairs", "epochs", "batch", "lr", "threads")
    out = {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
           "machine": f"{os.cpu_count()} vCPU", "n_dev": len(dev),
           "settings": {k: getattr(args, k) for k in keys},
           "seconds": round(time.time() - t, 1)} | res  # fmt: skip
    args.out.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
