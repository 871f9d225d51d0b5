"""Zero-shot tagging on the synthetic CLS development quotes: rules vs embeddings vs combined.

The quotes (benchmarks/data/cls_dev_quotes.csv) were written and coded for this project from the
theme definitions only, before the codebook's indicative terms were read. They are split by a
hash of ``quote_id`` into a DEV half (weights and thresholds are tuned on it) and a TEST half
(reported, never tuned on).

Usage:
    python benchmarks/cls_dev.py --out results.json
    python benchmarks/cls_dev.py --out results.json \
        --write-defaults cls_text/codebooks/cls_default.zeroshot.yaml
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from sklearn.metrics import f1_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cls_text import schema as S  # noqa: E402
from cls_text.codebook.model import load_codebook  # noqa: E402
from cls_text.tag.rules import RulesTagger  # noqa: E402
from cls_text.tag.zeroshot import ZeroShotTagger  # noqa: E402

DATA = ROOT / "benchmarks" / "data" / "cls_dev_quotes.csv"
DEV_SHARE = 60  # percent of quotes in the dev half


def load_quotes(path: Path = DATA) -> pd.DataFrame:
    """Read the quotes; the first line is a '#' comment marking the file as synthetic."""
    with path.open(encoding="utf-8") as fh:
        skip = 1 if fh.readline().startswith("#") else 0
    return pd.read_csv(path, skiprows=skip, dtype=str, keep_default_na=False)


def split_of(quote_id: str) -> str:
    """'dev' or 'test', from a hash of the id: stable whatever the row order."""
    h = int(hashlib.sha1(quote_id.encode("utf-8")).hexdigest()[:8], 16)
    return "dev" if h % 100 < DEV_SHARE else "test"


def indicator(themes: pd.Series, ids: list[str]) -> np.ndarray:
    sets = [set(filter(None, s.split(S.THEME_SEP))) for s in themes]
    unknown = set().union(*sets) - set(ids)
    if unknown:
        raise ValueError(f"{DATA.name}: unknown theme ids {sorted(unknown)}; valid: {ids}")
    return np.array([[int(t in s) for t in ids] for s in sets], dtype=np.int64)


def metrics(Y: np.ndarray, P: np.ndarray, ids: list[str], *, seed: int = 0) -> dict[str, object]:
    rng = np.random.default_rng(seed)
    per_sample = np.array(
        [f1_score(Y[i], P[i], zero_division=1.0) for i in range(len(Y))], dtype=np.float64
    )
    boots = [per_sample[rng.integers(0, len(Y), len(Y))].mean() for _ in range(2000)]
    return {
        "n": int(len(Y)),
        "samples_f1": round(float(per_sample.mean()), 4),
        "samples_f1_ci95": [round(float(np.percentile(boots, q)), 4) for q in (2.5, 97.5)],
        "samples_f1_empty_as_zero": round(
            float(f1_score(Y, P, average="samples", zero_division=0.0)), 4
        ),
        "micro_f1": round(float(f1_score(Y, P, average="micro", zero_division=0.0)), 4),
        "macro_f1": round(float(f1_score(Y, P, average="macro", zero_division=0.0)), 4),
        "no_theme_rate_true": round(float((Y.sum(1) == 0).mean()), 3),
        "no_theme_rate_pred": round(float((P.sum(1) == 0).mean()), 3),
        "per_theme_f1": {
            t: round(float(f1_score(Y[:, j], P[:, j], zero_division=0.0)), 3)
            for j, t in enumerate(ids)
        },
        "per_theme_support": {t: int(Y[:, j].sum()) for j, t in enumerate(ids)},
    }


def dev_cv(tagger: ZeroShotTagger, X: pd.DataFrame, Y: np.ndarray, *, repeats: int = 2) -> float:
    from sklearn.base import clone
    from sklearn.model_selection import KFold

    scores = []
    for seed in range(repeats):
        P = np.zeros_like(Y)
        for tr, te in KFold(5, shuffle=True, random_state=seed).split(X):
            P[te] = clone(tagger).fit(X.iloc[tr], Y[tr]).predict(X.iloc[te])
        scores.append(metrics(Y, P, [str(i) for i in range(Y.shape[1])])["samples_f1"])
    return round(float(np.mean(scores)), 4)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True, help="JSON file for the results")
    ap.add_argument("--data", type=Path, default=DATA, help="coded quotes CSV")
    ap.add_argument("--embedder", choices=["minilm", "hashing"], default="minilm")
    ap.add_argument("--cache-dir", type=Path, default=None, help="embedding cache directory")
    ap.add_argument(
        "--write-defaults",
        type=Path,
        default=None,
        help="write the DEV-tuned weights/thresholds of the combined tagger to this YAML",
    )
    ap.add_argument("--speed-n", type=int, default=10_000, help="quotes for the timing (0: skip)")
    ap.add_argument("--cv-repeats", type=int, default=2, help="repeats of 5-fold DEV CV (0: skip)")
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    from cls_text.tag.embeddings import make_embedder

    kwargs = {"cache_dir": args.cache_dir} if args.embedder == "minilm" else {}
    embedder = make_embedder(args.embedder, **kwargs)
    codebook = load_codebook()
    ids = codebook.theme_ids()
    df = load_quotes(args.data)
    df["split"] = [split_of(q) for q in df[S.QUOTE_ID]]
    dev, test = df[df.split == "dev"], df[df.split == "test"]
    Xd, Xt = dev[[S.TEXT, S.QUESTION]], test[[S.TEXT, S.QUESTION]]
    Yd, Yt = indicator(dev[S.THEMES], ids), indicator(test[S.THEMES], ids)

    rules = RulesTagger(codebook=codebook).fit()
    variants = {
        "rules": rules,
        "embeddings": ZeroShotTagger(codebook=codebook, embedder=embedder, rules=False),
        "combined": ZeroShotTagger(codebook=codebook, embedder=embedder),
        "combined_no_question": ZeroShotTagger(
            codebook=codebook, embedder=embedder, use_question=False
        ),
    }
    results: dict[str, object] = {}
    timings: dict[str, float] = {}
    for name, tagger in variants.items():
        t0 = time.perf_counter()
        if isinstance(tagger, ZeroShotTagger):
            tagger.fit(Xd, Yd)  # tunes weights + thresholds on DEV only
        timings[f"{name}_fit_s"] = round(time.perf_counter() - t0, 2)
        results[name] = {"dev": metrics(Yd, tagger.predict(Xd), ids)}
        t0 = time.perf_counter()
        results[name]["test"] = metrics(Yt, tagger.predict(Xt), ids)
        timings[f"{name}_predict_test_s"] = round(time.perf_counter() - t0, 3)
        if isinstance(tagger, ZeroShotTagger):
            results[name]["params"] = tagger.tuned_params()
    # Honest DEV estimate for design choices: 5-fold cross-validation within DEV, 2 repeats.
    for name in ("embeddings", "combined", "combined_no_question"):
        if args.cv_repeats:
            results[name]["dev_cv5x2_samples_f1"] = dev_cv(
                variants[name], Xd, Yd, repeats=args.cv_repeats
            )
    # The shipped default: fit() with no labels reads the packaged tuned defaults.
    shipped = ZeroShotTagger(codebook=codebook, embedder=embedder).fit()
    results["shipped_defaults"] = {"test": metrics(Yt, shipped.predict(Xt), ids)}

    # Speed of scoring with embeddings cached: N quotes made by repeating the set.
    combined = variants["combined"]
    assert isinstance(combined, ZeroShotTagger)
    if args.speed_n:
        big = pd.concat([df[[S.TEXT, S.QUESTION]]] * (args.speed_n // len(df) + 1))
        big = big.head(args.speed_n)
        combined.predict(big)  # warm the embedding cache
        combined._memo = None  # noqa: SLF001 - measure scoring, not the memo
        t0 = time.perf_counter()
        combined.predict(big)
        timings[f"predict_{args.speed_n}_cached_embeddings_s"] = round(time.perf_counter() - t0, 2)

    out = {
        "data": args.data.name,
        "n_quotes": int(len(df)),
        "n_dev": int(len(dev)),
        "n_test": int(len(test)),
        "codebook": codebook.summary(),
        "embedder": getattr(embedder, "model_id", type(embedder).__name__),
        "python": platform.python_version(),
        "results": results,
        "timings": timings,
    }
    args.out.write_text(json.dumps(out, indent=2), encoding="utf-8")
    if args.write_defaults is not None:
        params = combined.tuned_params()
        doc = {
            "note": (
                "Zero-shot combination weights and per-theme thresholds, tuned by "
                "benchmarks/cls_dev.py on the DEV half of the synthetic CLS development quotes "
                "(see docs/zeroshot.md). Keys of 'weights' are ZeroShotTagger feature names."
            ),
            "codebooks": {
                codebook.id: {
                    "codebook_version": codebook.version,
                    "codebook_hash": codebook.content_hash(),
                    "embedder": out["embedder"],
                    "default_threshold": round(
                        float(np.median(list(params["thresholds"].values()))), 3
                    ),
                    **params,
                }
            },
        }
        args.write_defaults.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    for name, res in results.items():
        t = res["test"]
        print(
            f"{name:22s} test samples-F1 {t['samples_f1']:.3f} {t['samples_f1_ci95']} "
            f"micro {t['micro_f1']:.3f} macro {t['macro_f1']:.3f}"
        )
    print(json.dumps(timings))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
