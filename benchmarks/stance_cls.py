"""Stance on the synthetic CLS development quotes: NHS model vs lexicon vs majority vs theme-aware.

Every coded (quote, theme) pair of benchmarks/data/cls_dev_quotes.csv with a stance is scored.
The evidence sentence is the sentence(s) where the rules tagger matched the theme's terms, else
the whole quote (as the pipeline does). Quotes are split DEV/TEST by benchmarks/cls_dev.py's
``split_of``; the cues and weights were written and tuned on DEV only; TEST is the headline.

Usage:
    python benchmarks/stance_cls.py --out results.json
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import confusion_matrix, f1_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from cls_dev import DATA, load_quotes, split_of  # noqa: E402

from cls_text import schema as S  # noqa: E402
from cls_text.codebook.model import load_codebook  # noqa: E402
from cls_text.tag.rules import RulesTagger  # noqa: E402
from cls_text.tag.stance.model import STANCES, lexicon_stance, predict_stance  # noqa: E402
from cls_text.tag.stance.theme import ThemeStance, make_theme_stance  # noqa: E402

#: Settings searched on DEV with --tune (the sidecar ships the chosen ones).
GRID = {
    "model_weight": (0.0, 0.5, 1.0, 2.0, 4.0),
    "zero_band": (None, 0.0, 0.2),
    "window": (2, 3, 4),
}


def tune(ts: ThemeStance, sents: list[str], qs: list[str], themes: list[str], true: list[str]):
    """DEV accuracy of every GRID setting, best first (ties: the simpler, earlier setting)."""
    import itertools

    rows = []
    for mw, zb, win in itertools.product(*GRID.values()):
        cues = ts.cues.model_copy(update={"model_weight": mw, "zero_band": zb, "window": win})
        pred = ThemeStance(cues, model=ts.model).predict(sents, qs, themes)
        acc = sum(p == t for p, t in zip(pred, true, strict=True)) / len(true)
        rows.append({"model_weight": mw, "zero_band": zb, "window": win, "dev_accuracy": acc})
    return sorted(rows, key=lambda r: -r["dev_accuracy"])


def pairs(df: pd.DataFrame, rules: RulesTagger) -> pd.DataFrame:
    """One row per coded (quote, theme) stance, with the evidence sentence."""
    evidence = rules.explain(df[[S.TEXT, S.QUESTION]].reset_index(drop=True))
    rows = []
    for ev, (_, r) in zip(evidence, df.iterrows(), strict=True):
        for part in filter(None, r["stance"].split(";")):
            theme, _, label = part.strip().rpartition(":")
            sent = " ".join(dict.fromkeys(e.sentence for e in ev.get(theme, [])))
            rows.append(
                {
                    "quote_id": r[S.QUOTE_ID],
                    "split": r["split"],
                    "theme": theme,
                    "question": r[S.QUESTION],
                    "sentence": sent or r[S.TEXT],
                    "from_evidence": bool(sent),
                    "true": label,
                }
            )
    return pd.DataFrame(rows)


def score(
    true: list[str], pred: list[str], quotes: list[str], *, seed: int = 0
) -> dict[str, object]:
    """Accuracy (with a 95 % bootstrap interval resampling quotes), macro-F1, confusion."""
    labels = list(STANCES)
    hit = np.array([t == p for t, p in zip(true, pred, strict=True)], dtype=np.float64)
    groups = pd.Series(hit).groupby(pd.Series(quotes)).agg(["sum", "count"]).to_numpy()
    rng = np.random.default_rng(seed)
    boots = []
    for _ in range(2000):
        g = groups[rng.integers(0, len(groups), len(groups))]
        boots.append(g[:, 0].sum() / g[:, 1].sum())
    return {
        "n": len(true),
        "n_quotes": len(groups),
        "accuracy": round(float(hit.mean()), 4),
        "accuracy_ci95_by_quote": [round(float(np.percentile(boots, q)), 4) for q in (2.5, 97.5)],
        "macro_f1": round(
            float(f1_score(true, pred, labels=labels, average="macro", zero_division=0.0)), 4
        ),
        "confusion": {
            "labels": labels,
            "rows_true_cols_pred": confusion_matrix(true, pred, labels=labels).tolist(),
        },
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True, help="JSON file for the results")
    ap.add_argument("--data", type=Path, default=DATA, help="coded quotes CSV")
    ap.add_argument("--show-errors", choices=["dev"], default=None, help="print DEV errors")
    ap.add_argument("--tune", action="store_true", help="grid-search settings on DEV only")
    ap.add_argument("--speed-n", type=int, default=20_000, help="sentences for timing (0: skip)")
    args = ap.parse_args(argv)

    codebook = load_codebook()
    df = load_quotes(args.data)
    df["split"] = [split_of(q) for q in df[S.QUOTE_ID]]
    P = pairs(df, RulesTagger(codebook=codebook).fit())
    dev_mask = (P["split"] == "dev").to_numpy()
    majority = Counter(P.loc[dev_mask, "true"]).most_common(1)[0][0]  # from DEV only
    theme_stance = make_theme_stance(codebook)
    assert theme_stance is not None, "the default codebook ships a stance sidecar"
    sents, qs, themes = P["sentence"].tolist(), P["question"].tolist(), P["theme"].tolist()
    preds = {
        "nhs_model": predict_stance(sents, qs),
        "lexicon": [lexicon_stance(s) for s in sents],
        "majority": [majority] * len(P),
        "theme_aware": theme_stance.predict(sents, qs, themes),
    }
    results: dict[str, dict[str, object]] = {}
    for name, pred in preds.items():
        P[name] = pred
        results[name] = {
            split: score(
                P.loc[m, "true"].tolist(), P.loc[m, name].tolist(), P.loc[m, "quote_id"].tolist()
            )
            for split, m in (("dev", dev_mask), ("test", ~dev_mask))
        }
    if args.show_errors:
        for _, r in P[dev_mask & (P["theme_aware"] != P["true"])].iterrows():
            print(f"{r['theme']:14s} true {r['true']} pred {r['theme_aware']} | {r['sentence']}")
    tuning = None
    if args.tune:
        d = P[dev_mask]
        tuning = tune(
            theme_stance,
            d["sentence"].tolist(),
            d["question"].tolist(),
            d["theme"].tolist(),
            d["true"].tolist(),
        )
        print("DEV tuning, best 5:", json.dumps(tuning[:5]))
    timings = {}
    if args.speed_n:
        k = args.speed_n // len(P) + 1
        big_s, big_q, big_t = (sents * k)[: args.speed_n], (qs * k)[: args.speed_n], themes * k
        t0 = time.perf_counter()
        theme_stance.predict(big_s, big_q, big_t[: args.speed_n])
        dt = time.perf_counter() - t0
        timings = {
            "sentences": args.speed_n,
            "seconds": round(dt, 2),
            "per_s": round(args.speed_n / dt),
        }
    out = {
        "data": args.data.name,
        "n_pairs": int(len(P)),
        "n_dev": int(dev_mask.sum()),
        "n_test": int((~dev_mask).sum()),
        "evidence_sentence_share": round(float(P["from_evidence"].mean()), 3),
        "majority_class_from_dev": majority,
        "codebook": codebook.summary(),
        "python": platform.python_version(),
        "results": results,
        "theme_aware_settings": {
            k: getattr(theme_stance.cues, k) for k in ("model_weight", "zero_band", "window")
        },
        "dev_tuning_top5": tuning[:5] if tuning else None,
        "theme_aware_speed": timings,
    }
    args.out.write_text(json.dumps(out, indent=2), encoding="utf-8")
    for name, res in results.items():
        d, t = res["dev"], res["test"]
        print(
            f"{name:12s} DEV acc {d['accuracy']:.3f} macro-F1 {d['macro_f1']:.3f} (n={d['n']}) | "
            f"TEST acc {t['accuracy']:.3f} {t['accuracy_ci95_by_quote']} "
            f"macro-F1 {t['macro_f1']:.3f} (n={t['n']})"
        )
    print(json.dumps(timings))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
