"""Compare settings of the default tagger on the real dev quotes only (grouped CV by page).

Each option is a set of ``DefaultTagger`` keyword arguments; each is re-trained on every
training fold of the same grouped 5-fold splits that ``benchmarks/cls_real.py`` uses, and scored
on the held-out fold against the gold codes. The test split is never read. The own-theme
codebook features depend on the text alone, so they are computed once per quote and reused
across folds and options (the figures are the same as without the cache, only faster).

Usage:
    python benchmarks/cls_real_options.py --out results.json [--shared ../shared] [--reps 1]
        [--grid '[{}, {"shrinkage": 1.0}, {"C": 0.3}, {"embedder": "mpnet"}]']
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cls_real as B  # noqa: E402

DEFAULT_GRID = [
    {},
    {"shrinkage": 1.0},
    {"shrinkage": 0.0},
    {"C": 0.3},
    {"C": 3.0},
    {"min_positives": 6},
    {"with_codebook_examples": True},
]

#: Option keys handled here rather than passed to ``DefaultTagger``: the codebook's examples
#: as extra training rows, the share of each training fold's source pages trained on (how
#: much more coded quotes would give: 0.5 trains on half the pages of every training fold),
#: and the embedder by name (``"mpnet"``: the optional accurate encoder).
SCRIPT_KEYS = ("with_codebook_examples", "train_fraction", "embedder")


def page_subset(rows: np.ndarray, groups: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """The rows of a random ``fraction`` of the source pages among ``rows`` (all when 1)."""
    if fraction >= 1.0:
        return rows
    pages = np.array(sorted(set(groups[rows].tolist())))
    keep = np.random.default_rng(seed).choice(pages, max(1, round(fraction * len(pages))), False)
    return rows[np.isin(groups[rows], keep)]


def codebook_examples(ids: list[str]) -> tuple[list[str], np.ndarray]:
    """The default codebook's example answers, each coded with its own theme only."""
    from cls_text.codebook import load_codebook

    texts, rows = [], []
    for theme in load_codebook().themes:
        for ex in theme.examples:
            texts.append(ex)
            rows.append([int(t == theme.id) for t in ids])
    return texts, np.array(rows, dtype=np.int64).reshape(-1, len(ids))


def _memo_own_features() -> None:
    """Cache ``DefaultTagger._own`` per text and embedder: it depends on nothing else here."""
    from cls_text.tag.default import DefaultTagger

    original, memo = DefaultTagger._own, {}

    def own(self, X, texts):  # type: ignore[no-untyped-def]
        model = self.embedder_.model_id
        missing = [t for t in dict.fromkeys(texts) if (model, t) not in memo]
        if missing:
            found = original(self, missing, missing)
            memo.update(((model, t), v) for t, v in zip(missing, found, strict=True))
        return np.stack([memo[model, t] for t in texts])

    DefaultTagger._own = own  # type: ignore[method-assign]


def option_cv(data: dict, dev: np.ndarray, reps: int, params: dict) -> dict:
    """Repeated grouped 5-fold CV on dev of ``DefaultTagger(**params)``."""
    from cls_text.tag.default import DefaultTagger
    from cls_text.tag.embeddings import make_embedder

    q, ids = data["quotes"], data["ids"]
    Y = B.indicator(data["codes"], "gold", q["quote_id"].tolist(), ids)
    texts, groups = q["text"].to_numpy(), q["source_url"].to_numpy()
    emb = make_embedder(params.get("embedder", "minilm-static"))
    kw = {k: v for k, v in params.items() if k not in SCRIPT_KEYS}
    ex_texts, ex_Y = codebook_examples(ids) if params.get("with_codebook_examples") else ([], None)
    runs, n_train = [], []
    for r in range(reps):
        P = np.zeros_like(Y)
        for i, fold in enumerate(B.grouped_folds(groups[dev], 5, r)):
            te = dev[fold]
            tr = page_subset(np.setdiff1d(dev, te), groups, params.get("train_fraction", 1.0),
                             1000 + 10 * r + i)  # fmt: skip
            n_train.append(len(tr))
            m = DefaultTagger(embedder=emb, **kw)
            train_texts, train_Y = list(texts[tr]), Y[tr]
            train_groups = list(groups[tr])
            if ex_Y is not None:  # examples join the training folds only, one group of their own
                train_texts, train_Y = train_texts + ex_texts, np.vstack([train_Y, ex_Y])
                train_groups += ["codebook-examples"] * len(ex_texts)
            m.fit(train_texts, train_Y, groups=train_groups)
            P[te] = m.predict(list(texts[te]))
        runs.append(B.tag_scores(Y[dev], P[dev], ids))
    s = B.mean_scores(runs, ids)
    pt = s["per_theme"]
    return s | {
        "params": params,
        "reps": reps,
        "n_train": round(float(np.mean(n_train)), 1),
        "min_theme_f1": min(v["f1"] for v in pt.values()),
        "min_precision": min(v["precision"] for v in pt.values()),
    }


def main(argv: list[str] | None = None) -> int:
    """Run every option and write the JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("results.json"))
    ap.add_argument("--shared", type=Path, default=B.ROOT.parent / "shared")
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--grid", type=json.loads, default=DEFAULT_GRID)
    args = ap.parse_args(argv)
    if not (args.shared / "data" / "cls_real" / "quotes.csv").is_file():
        print(f"real CLS quotes not found under '{args.shared}' (pass --shared)", file=sys.stderr)
        return 0
    _memo_own_features()
    data = B.load(args.shared)
    dev = np.flatnonzero(data["quotes"]["split"].to_numpy() == "dev")
    out = {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
           "machine": f"{os.cpu_count()} vCPU", "n_dev": len(dev), "options": []}  # fmt: skip
    for params in args.grid:
        t = time.time()
        res = option_cv(data, dev, args.reps, params) | {"seconds": round(time.time() - t, 1)}
        out["options"].append(res)
        shown = ("samples_f1", "samples_f1_sd", "micro_f1", "macro_f1", "min_theme_f1",
                 "min_precision", "n_train")  # fmt: skip
        print(json.dumps(params), {k: res[k] for k in shown}, flush=True)
        args.out.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
