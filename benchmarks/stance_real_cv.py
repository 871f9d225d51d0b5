"""Stance options on the real CLS dev pairs, side by side, by cross-validation grouped by page.

Pairs are (quote, theme) where both blind coders tagged the theme, with the adjudicated stance
(``benchmarks/cls_real.py``'s ``stance_pairs``); only **dev** quotes are read, so every choice
made from this table leaves the test split unseen. Each option is re-trained on each training
fold (5 folds, all quotes of a source page in one fold, ``--reps`` repeats) and scored on the
held-out fold: accuracy and macro-F1 over positive / negative / neutral.

The input text of a pair is either the whole answer or, as the pipeline does, the sentences
where the rules tagger found the theme's evidence (the whole answer when it found none).

Usage:
    python benchmarks/stance_real_cv.py --out results.json [--shared ../shared] [--reps 3]
        [--embedder minilm]
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from cls_real import _SYMBOL, grouped_folds, load, stance_pairs, stance_scores  # noqa: E402


def evidence_texts(texts: list[str], themes: list[str]) -> list[str]:
    """The sentences carrying each pair's theme evidence (the whole text when there are none)."""
    from cls_text.codebook import load_codebook
    from cls_text.tag.rules import RulesTagger

    ev = RulesTagger(codebook=load_codebook()).fit().explain(texts)
    return [
        " ".join(dict.fromkeys(e.sentence for e in ev_i.get(t, []))) or x
        for ev_i, t, x in zip(ev, themes, texts, strict=True)
    ]


def blocks(
    texts: list[str], themes: list[str], ids: list[str], embedder: str = "minilm-static"
) -> dict[str, np.ndarray]:
    """Feature blocks of the pairs: embedding, theme one-hot, cue, polarity margin, probs."""
    from cls_text.codebook import load_codebook
    from cls_text.tag.embeddings import make_embedder
    from cls_text.tag.stance.learned import stance_features
    from cls_text.tag.stance.theme import make_theme_stance

    ts = make_theme_stance(load_codebook(), learned=None)
    assert ts is not None
    cue = np.array([ts.cue_score(s, t) for s, t in zip(texts, themes, strict=True)])
    own = np.array([ts.cue_score(s, t, own=True) for s, t in zip(texts, themes, strict=True)])
    margin, _ = ts._polarity(texts, [""] * len(texts))
    emb = make_embedder(embedder).encode(texts)
    base = stance_features(emb, themes, ids, cue, margin)
    return {"base": base, "cues": (own, cue)}


def cv_predict(X: np.ndarray, y: np.ndarray, groups: np.ndarray, rep: int, **lr) -> np.ndarray:
    """Out-of-fold class probabilities (columns: positive, negative, neutral)."""
    from sklearn.linear_model import LogisticRegression

    order = ["positive", "negative", "neutral"]
    P = np.zeros((len(y), 3))
    for te in grouped_folds(groups, 5, rep):
        tr = np.setdiff1d(np.arange(len(y)), te)
        m = LogisticRegression(max_iter=5000, **lr).fit(X[tr], y[tr])
        cols = [list(m.classes_).index(c) for c in order]
        P[te] = m.predict_proba(X[te])[:, cols]
    return P


def decide(P: np.ndarray, cues: tuple[np.ndarray, np.ndarray], band: float, rule: str) -> list[str]:
    """Labels from probabilities: neutral when P(+) and P(-) are within ``band``, then a cue
    override ``rule``: "none", "total>=1" (the rule shipped before), "total>=2", or
    "own>=1|total>=2" (what ships: a theme-own cue score of at least 1, or a total cue score of
    at least 2, decides)."""
    from cls_text.tag.stance.learned import cue_override

    order = np.array(["positive", "negative", "neutral"])
    lab = order[np.argmax(P, axis=1)]
    if band > 0:
        lab = np.where(np.abs(P[:, 0] - P[:, 1]) < band, "neutral", lab)
    own, total = cues
    if rule == "own>=1|total>=2":
        return [_SYMBOL.get(x, x) for x in cue_override(list(lab), own, total)]
    if rule.startswith("total>="):
        at = float(rule.removeprefix("total>="))
        lab = np.where(total >= at, "positive", np.where(total <= -at, "negative", lab))
    return list(lab)


def options_grid() -> list[tuple[str, str, dict, str, float]]:
    """(name, input, LogisticRegression params, cue-override rule, neutral band)."""
    out: list[tuple[str, str, dict, str, float]] = []
    for inp in ("whole", "evidence"):
        for C in (1.0, 3.0, 10.0):
            for rule in ("none", "total>=1", "total>=2", "own>=1|total>=2"):
                out.append((f"{inp}: C {C}, override {rule}", inp, {"C": C}, rule, 0.0))
            bal = {"C": C, "class_weight": "balanced"}
            out.append((f"{inp}: C {C} balanced, override none", inp, bal, "none", 0.0))
            out.append((f"{inp}: C {C}, neutral band 0.1", inp, {"C": C}, "none", 0.1))
    return out


def run(shared: Path, reps: int, embedder: str = "minilm-static") -> dict[str, object]:
    """Every option's mean dev-CV accuracy and macro-F1."""
    data = load(shared)
    dev = np.flatnonzero(data["quotes"]["split"].to_numpy() == "dev")
    pairs = stance_pairs(data, dev)
    texts, themes = pairs["text"].tolist(), pairs["theme"].tolist()
    y = pairs["stance"].to_numpy()
    groups = data["quotes"].set_index("quote_id").loc[pairs["quote_id"], "source_url"].to_numpy()
    inputs = {"whole": texts, "evidence": evidence_texts(texts, themes)}
    feats = {k: blocks(v, themes, data["ids"], embedder) for k, v in inputs.items()}
    rows = []
    for name, inp, lr, rule, band in options_grid():
        X, cues = feats[inp]["base"], feats[inp]["cues"]
        runs = [
            stance_scores(list(y), decide(cv_predict(X, y, groups, r, **lr), cues, band, rule))
            for r in range(reps)
        ]
        row: dict[str, object] = {"option": name}
        for m in ("accuracy", "macro_f1"):
            v = [float(r[m]) for r in runs]
            row[m], row[m + "_sd"] = round(float(np.mean(v)), 4), round(float(np.std(v)), 4)
        rows.append(row)
        print(f"{name:45s} acc {rows[-1]['accuracy']:.3f} macro-F1 {rows[-1]['macro_f1']:.3f}")
    counts = {s: int((y == s).sum()) for s in _SYMBOL.values()}
    return {"n_pairs": len(y), "support": counts, "reps": reps, "embedder": embedder,
            "options": rows}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Run the options and write the JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("results.json"))
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--reps", type=int, default=3, help="repeats of the grouped 5-fold CV")
    ap.add_argument("--embedder", default="minilm-static", help="minilm-static (shipped) or minilm")
    args = ap.parse_args(argv)
    if not (args.shared / "data" / "cls_real" / "quotes.csv").is_file():
        print(f"real CLS quotes not found under '{args.shared}' (pass --shared)", file=sys.stderr)
        return 0
    t0 = time.time()
    stamp = {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
             "machine": f"{os.cpu_count()} vCPU"}  # fmt: skip
    res = stamp | run(args.shared, args.reps, args.embedder)
    res["seconds"] = round(time.time() - t0, 1)
    args.out.write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out} in {res['seconds']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
