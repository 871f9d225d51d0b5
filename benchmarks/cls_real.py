"""Benchmark the taggers on real coded CLS quotes: dev cross-validation, test split, coders.

The quotes live outside the repository (``../shared/data/cls_real/quotes.csv``; never copied
in); the codes (two blind coders and the adjudicated gold) and the dev/test split by source page
are in ``benchmarks/data/cls_real_codes/``. One run writes:

- ``coders``: agreement of the two coders (micro-F1, samples-F1, Cohen's kappa per theme);
- ``zero_shot``: the codebook-only tagger (what a user's own codebook gets), on dev and test;
- ``default``: the shipped default tagger: dev figures by repeated grouped cross-validation
  (the model re-trained on each training fold), test figures of the shipped model;
- ``accurate``: the same for the opt-in accurate variant (``tagger: accurate``: the default's
  heads and stance classifier over all-mpnet-base-v2, its stance figures included), when the
  encoder is fetched (``models/fetch_mpnet.py``);
- ``learning_curve``: the adapted tagger on 0..200 coded quotes, on dev (repeated CV);
- ``stance``: stance accuracy and macro-F1 on real pairs where both coders tagged the theme;
- ``answers_per_s``: measured on distinct NHS comments (embedding included).

Usage:
    python benchmarks/cls_real.py --out results.json [--shared ../shared] [--reps 3]
        [--skip-test] [--fast] [--accuracy-out cls_text/tag/models/cls-default/accuracy.json]
    python benchmarks/cls_real.py --stance-only --out benchmarks/results/cls_real.json
    python benchmarks/cls_real.py --accuracy-only \
        --accuracy-out cls_text/tag/models/cls-default/accuracy.json
    python benchmarks/cls_real.py --accuracy-only --model cls-default-mpnet \
        --accuracy-out cls_text/tag/models/cls-default-mpnet/accuracy.json

``--accuracy-out`` also writes the shipped default's per-theme accuracy on the test split (with
page-bootstrap 95% intervals) and the coders' agreement, which the report's methods section shows
for runs with the default codebook; ``--accuracy-only`` writes just that file (a look at test:
log it in ``test_looks.md``).
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
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
CODES = ROOT / "benchmarks" / "data" / "cls_real_codes"
STANCES = ("positive", "negative", "neutral")
_SYMBOL = {"+": "positive", "-": "negative", "0": "neutral"}


# -- data ------------------------------------------------------------------------------------
def load(shared: Path) -> dict[str, object]:
    """Quotes (with split), codes per coder, theme ids."""
    from cls_text.codebook import load_codebook

    quotes = pd.read_csv(shared / "data" / "cls_real" / "quotes.csv", dtype=str).fillna("")
    split = pd.read_csv(CODES / "split.csv", dtype=str)
    quotes = quotes.merge(split, on="quote_id").sort_values("quote_id").reset_index(drop=True)
    codes = pd.read_csv(CODES / "codes.csv", dtype=str).fillna("")
    return {"quotes": quotes, "codes": codes, "ids": load_codebook().theme_ids()}


def indicator(codes: pd.DataFrame, coder: str, qids: list[str], ids: list[str]) -> np.ndarray:
    """0/1 matrix of one coder's themes for the quotes ``qids``."""
    sub = codes[codes["coder"] == coder]
    pos = {q: i for i, q in enumerate(qids)}
    Y = np.zeros((len(qids), len(ids)), dtype=np.int64)
    for q, t in zip(sub["quote_id"], sub["theme"], strict=True):
        if q in pos and t in ids:
            Y[pos[q], ids.index(t)] = 1
    return Y


# -- metrics ---------------------------------------------------------------------------------
def samples_f1(Y: np.ndarray, P: np.ndarray) -> float:
    """Mean per-quote F1 (a quote with no theme in either: 1)."""
    Y, P = Y.astype(bool), P.astype(bool)
    tp = (Y & P).sum(1)
    d = Y.sum(1) + P.sum(1)
    return float(np.where(d > 0, 2 * tp / np.maximum(d, 1), 1.0).mean())


def tag_scores(Y: np.ndarray, P: np.ndarray, ids: list[str]) -> dict[str, object]:
    """samples/micro/macro F1 and per-theme F1, precision, support."""
    Y, P = Y.astype(bool), P.astype(bool)
    tp, fp, fn = (Y & P).sum(0), (~Y & P).sum(0), (Y & ~P).sum(0)
    f1 = np.where(2 * tp + fp + fn > 0, 2 * tp / np.maximum(2 * tp + fp + fn, 1), 0.0)
    prec = np.where(tp + fp > 0, tp / np.maximum(tp + fp, 1), 0.0)
    micro = 2 * tp.sum() / max(2 * tp.sum() + fp.sum() + fn.sum(), 1)
    return {
        "samples_f1": round(samples_f1(Y, P), 4),
        "micro_f1": round(float(micro), 4),
        "macro_f1": round(float(f1.mean()), 4),
        "per_theme": {
            t: {
                "f1": round(float(f1[j]), 4),
                "precision": round(float(prec[j]), 4),
                "support": int(Y[:, j].sum()),
                "predicted": int(P[:, j].sum()),
            }
            for j, t in enumerate(ids)
        },  # fmt: skip
    }


def mean_scores(runs: list[dict[str, object]], ids: list[str]) -> dict[str, object]:
    """Mean and SD over repeated-CV runs."""
    out: dict[str, object] = {}
    for m in ("samples_f1", "micro_f1", "macro_f1"):
        v = [float(r[m]) for r in runs]
        out[m], out[m + "_sd"] = round(float(np.mean(v)), 4), round(float(np.std(v)), 4)
    out["per_theme"] = {
        t: {k: round(float(np.mean([r["per_theme"][t][k] for r in runs])), 4)
            for k in ("f1", "precision")} | {"support": runs[0]["per_theme"][t]["support"]}
        for t in ids
    }  # fmt: skip
    return out


def grouped_folds(groups: np.ndarray, k: int, seed: int) -> list[np.ndarray]:
    """Row indices of k folds; all quotes of one source page in one fold."""
    urls = np.array(sorted(set(groups.tolist())))
    rng = np.random.default_rng(seed)
    rng.shuffle(urls)
    fold_of = {u: i % k for i, u in enumerate(urls)}
    f = np.array([fold_of[g] for g in groups])
    return [np.flatnonzero(f == i) for i in range(k)]


# -- sections --------------------------------------------------------------------------------
def coders(data: dict) -> dict[str, object]:
    """Agreement of coder_a and coder_b on all quotes (kappa per theme)."""
    from cls_text.review.evaluate import cohen_kappa

    q, ids = data["quotes"], data["ids"]
    qids = q["quote_id"].tolist()
    A = indicator(data["codes"], "coder_a", qids, ids)
    B = indicator(data["codes"], "coder_b", qids, ids)
    s = tag_scores(A, B, ids)
    return {
        "n_quotes": len(qids),
        "micro_f1": s["micro_f1"],
        "samples_f1": s["samples_f1"],
        "kappa": {t: round(float(cohen_kappa(A[:, j], B[:, j])), 4) for j, t in enumerate(ids)},
    }


def _speed(tagger: object, texts: list[str]) -> float:
    t = time.perf_counter()
    tagger.predict(texts)  # type: ignore[attr-defined]
    return round(len(texts) / (time.perf_counter() - t), 1)


def speed_texts(shared: Path, n: int) -> list[str]:
    """Distinct real comments (NHS feedback) for timing: no cache hits."""
    path = shared / "data" / "nhs_patient_feedback" / "v6framework_230831.csv"
    df = pd.read_csv(path, dtype=str)
    col = "FFT answer" if "FFT answer" in df.columns else df.columns[1]
    texts = [t for t in df[col].dropna().drop_duplicates().tolist() if t.strip()]
    return texts[:n]


def zero_shot(data: dict, dev: np.ndarray, test: np.ndarray | None, speed: list[str],
              embedder: str) -> dict[str, object]:  # fmt: skip
    """The codebook-only tagger: no training, so dev and test are scored directly."""
    from cls_text.tag.embeddings import make_embedder
    from cls_text.tag.zeroshot import ZeroShotTagger

    q, ids = data["quotes"], data["ids"]
    Y = indicator(data["codes"], "gold", q["quote_id"].tolist(), ids)
    tagger = ZeroShotTagger(embedder=make_embedder(embedder)).fit()
    P = tagger.predict(q["text"].tolist())
    out = {"embedder": embedder, "dev": tag_scores(Y[dev], P[dev], ids)}
    if test is not None:
        out["test"] = tag_scores(Y[test], P[test], ids)
    out["answers_per_s"] = _speed(ZeroShotTagger(embedder=make_embedder(embedder)).fit(), speed)
    return out


def shipped_params(model: str = "cls-default") -> dict[str, object]:
    """A shipped default's training settings (its card), so dev CV measures what ships."""
    from cls_text.tag.default import default_model_dir, read_default_card

    return dict((read_default_card(default_model_dir(model)) or {}).get("params") or {})


def default_cv(data: dict, dev: np.ndarray, reps: int, embedder: str = "minilm-static",
               model: str = "cls-default"):  # fmt: skip
    """Repeated grouped CV on dev of a default tagger (re-trained on each training fold)."""
    from cls_text.tag.default import DefaultTagger
    from cls_text.tag.embeddings import make_embedder

    q, ids = data["quotes"], data["ids"]
    Y = indicator(data["codes"], "gold", q["quote_id"].tolist(), ids)
    texts, groups = q["text"].to_numpy(), q["source_url"].to_numpy()
    emb = make_embedder(embedder)
    runs = []
    for r in range(reps):
        P = np.zeros_like(Y)
        for fold in grouped_folds(groups[dev], 5, r):
            te = dev[fold]
            tr = np.setdiff1d(dev, te)
            m = DefaultTagger(embedder=emb, **shipped_params(model))
            m.fit(list(texts[tr]), Y[tr], groups=list(groups[tr]))
            P[te] = m.predict(list(texts[te]))
        runs.append(tag_scores(Y[dev], P[dev], ids))
    return mean_scores(runs, ids)


def learning_curve(data: dict, dev: np.ndarray, reps: int, sizes: tuple[int, ...]):
    """Adapted tagger on n coded quotes; n=0 is the default itself. Mean and SD over runs.

    In each outer fold the training fold's source pages are split in two halves: the default is
    trained on one half, and the n coded quotes (a team's own reviewed quotes) are drawn from
    the other, so the coded quotes are new to the default, as they are in use. n is capped at
    the size of that half (about 85 quotes); the figure at n=0 is the default trained on half
    the training fold, so it is lower than the shipped default's.
    """
    from cls_text.tag.adapt import AdaptedTagger
    from cls_text.tag.default import DefaultTagger
    from cls_text.tag.embeddings import make_embedder

    q, ids = data["quotes"], data["ids"]
    Y = indicator(data["codes"], "gold", q["quote_id"].tolist(), ids)
    texts, groups = q["text"].to_numpy(), q["source_url"].to_numpy()
    emb = make_embedder("minilm-static")
    res: dict[int, list[float]] = {n: [] for n in sizes}
    used: dict[int, list[int]] = {n: [] for n in sizes}
    for r in range(reps):
        preds = {n: np.zeros_like(Y) for n in sizes}
        for fold in grouped_folds(groups[dev], 5, 100 + r):
            te = dev[fold]
            tr = np.setdiff1d(dev, te)
            half = grouped_folds(groups[tr], 2, 200 + r)
            base_rows, pool = tr[half[0]], tr[half[1]]
            base = DefaultTagger(embedder=emb, **shipped_params()).fit(
                list(texts[base_rows]), Y[base_rows], groups=list(groups[base_rows])
            )
            order = np.random.default_rng(r).permutation(pool)
            for n in sizes:
                if n == 0:
                    preds[n][te] = base.predict(list(texts[te]))
                    continue
                pick = order[: min(n, len(order))]
                used[n].append(len(pick))
                ad = AdaptedTagger(base=base, embedder=emb).fit(
                    list(texts[pick]), Y[pick], groups=list(groups[pick])
                )
                preds[n][te] = ad.predict(list(texts[te]))
        for n in sizes:
            res[n].append(samples_f1(Y[dev], preds[n][dev]))
    return [
        {"n": n, "n_used": int(np.mean(used[n])) if used[n] else 0,
         "samples_f1": round(float(np.mean(v)), 4), "sd": round(float(np.std(v)), 4)}
        for n, v in res.items()
    ]  # fmt: skip


def stance_pairs(data: dict, rows: np.ndarray) -> pd.DataFrame:
    """(quote, theme) pairs both coders tagged, with the gold stance."""
    q, codes = data["quotes"].iloc[rows], data["codes"]
    key = codes.set_index(["coder", "quote_id", "theme"])["stance"].to_dict()
    out = []
    for qid, text in zip(q["quote_id"], q["text"], strict=True):
        for t in data["ids"]:
            if (("coder_a", qid, t) in key and ("coder_b", qid, t) in key
                    and ("gold", qid, t) in key):  # fmt: skip
                out.append({"quote_id": qid, "text": text, "theme": t,
                            "stance": key[("gold", qid, t)]})  # fmt: skip
    return pd.DataFrame(out)


def stance_scores(true: list[str], pred: list[str]) -> dict[str, object]:
    """Accuracy and macro-F1 over the three stance values."""
    t, p = np.array(true), np.array(pred)
    f1 = []
    for s in STANCES:
        tp = ((t == s) & (p == s)).sum()
        fp, fn = ((t != s) & (p == s)).sum(), ((t == s) & (p != s)).sum()
        f1.append(2 * tp / max(2 * tp + fp + fn, 1))
    counts = {s: int((t == s).sum()) for s in STANCES}
    return {"n": len(t), "accuracy": round(float((t == p).mean()), 4) if len(t) else 0.0,
            "macro_f1": round(float(np.mean(f1)), 4), "support": counts}  # fmt: skip


def _train_stance_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "train_stance", ROOT / "models" / "train_stance.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


def stance(data: dict, dev: np.ndarray, test: np.ndarray | None, reps: int,
           embedder: str = "minilm-static",
           learned_model: str | None = None) -> dict[str, object]:  # fmt: skip
    """Stance on real pairs both coders tagged: cues + polarity, and the learned classifier.

    The learned classifier's dev figure is grouped CV on the dev pairs (re-trained per fold);
    its test figure is the shipped model's (``learned_model``: which one; ``embedder``: the
    encoder it reads, for the dev CV).
    """
    from sklearn.linear_model import LogisticRegression

    from cls_text.codebook import load_codebook
    from cls_text.tag.stance.learned import cue_override
    from cls_text.tag.stance.theme import make_theme_stance

    book = load_codebook()
    cues_only = make_theme_stance(book, learned=None)
    shipped = make_theme_stance(book, learned_model=learned_model)
    ts_mod = _train_stance_module()
    out: dict[str, object] = {}
    for name, rows in (("dev", dev), ("test", test)):
        if rows is None:
            continue
        pairs = stance_pairs(data, rows)
        texts, themes = pairs["text"].tolist(), pairs["theme"].tolist()
        pred = cues_only.predict(texts, None, themes)
        gold = pairs["stance"].tolist()
        out[f"cues_{name}"] = stance_scores(gold, [_SYMBOL.get(p, p) for p in pred])
        if name == "test":
            pred = shipped.predict(texts, None, themes)
            out["test"] = stance_scores(gold, [_SYMBOL.get(p, p) for p in pred])
            continue
        X = ts_mod.design(pairs.assign(stance=pairs["stance"]), data["ids"], embedder)
        y = np.array(gold)
        urls = data["quotes"].set_index("quote_id").loc[pairs["quote_id"], "source_url"]
        cue = np.array([cues_only.cue_score(t, th) for t, th in zip(texts, themes, strict=True)])
        own = np.array([cues_only.cue_score(t, th, own=True)
                        for t, th in zip(texts, themes, strict=True)])  # fmt: skip
        runs, hybrid = [], []
        for r in range(reps):
            P = np.empty(len(y), dtype=object)
            for te in grouped_folds(urls.to_numpy(), 5, r):
                tr = np.setdiff1d(np.arange(len(y)), te)
                P[te] = (
                    LogisticRegression(C=ts_mod.C, max_iter=5000).fit(X[tr], y[tr]).predict(X[te])
                )
            runs.append(stance_scores(gold, list(P)))
            # what ships: a clear theme-relative cue decides, the classifier elsewhere
            # (cue_override keeps the labels it does not override, here "positive", ...)
            H = [_SYMBOL.get(x, x) for x in cue_override(list(P), own, cue)]
            hybrid.append(stance_scores(gold, list(H)))
        for key, rs in (("dev_cv_classifier_only", runs), ("dev_cv", hybrid)):
            out[key] = {k: round(float(np.mean([r[k] for r in rs])), 4)
                        for k in ("accuracy", "macro_f1")} | {"n": len(y)}  # fmt: skip
    return out


def _shipped(model: str) -> object:
    from cls_text.tag.default import default_model_dir, load_default_tagger

    return load_default_tagger(model_dir=default_model_dir(model))


def default_test(data: dict, test: np.ndarray, speed: list[str],
                 model: str = "cls-default") -> dict[str, object]:  # fmt: skip
    """A shipped default model on the test split, and its speed (a fresh copy: no cache)."""
    q, ids = data["quotes"], data["ids"]
    Y = indicator(data["codes"], "gold", q["quote_id"].tolist(), ids)
    P = _shipped(model).predict(q["text"].iloc[test].tolist())  # type: ignore[attr-defined]
    speed_figure = _speed(_shipped(model), speed)
    return {"test": tag_scores(Y[test], P, ids), "answers_per_s": speed_figure}


def accurate(data: dict, dev: np.ndarray, test: np.ndarray | None, reps: int,
             speed: list[str]) -> dict[str, object]:  # fmt: skip
    """The opt-in accurate variant, measured like the default (skipped without its weights)."""
    from cls_text.errors import EmbeddingModelError
    from cls_text.tag.default import ACCURATE_MODEL
    from cls_text.tag.mpnet_model import check_mpnet
    from cls_text.tag.stance.learned import ACCURATE_STANCE

    try:
        check_mpnet()
    except EmbeddingModelError as exc:
        return {"skipped": str(exc)}
    cv = default_cv(data, dev, reps, "mpnet", ACCURATE_MODEL)
    out: dict[str, object] = {"embedder": "mpnet", "dev_cv": cv}
    if test is not None:
        out |= default_test(data, test, speed, ACCURATE_MODEL)
    else:
        out["answers_per_s"] = _speed(_shipped(ACCURATE_MODEL), speed)
    st = stance(data, dev, test, reps, "mpnet", ACCURATE_STANCE)
    out["stance"] = st | {k: st.get("test", st["dev_cv"])[k] for k in ("accuracy", "macro_f1")}
    return out


def write_accuracy(data: dict, test: np.ndarray, out: Path, model: str = "cls-default") -> None:
    """The packaged accuracy file of a shipped default (see benchmarks/real_accuracy.py)."""
    from real_accuracy import accuracy_record, split_figures

    from cls_text.codebook import load_codebook
    from cls_text.tag.default import default_model_dir, read_default_card

    q, ids = data["quotes"], data["ids"]
    Y = indicator(data["codes"], "gold", q["quote_id"].tolist(), ids)[test]
    P = _shipped(model).predict(q["text"].iloc[test].tolist())  # type: ignore[attr-defined]
    figures = split_figures(Y, P, q["source_url"].to_numpy()[test], ids)
    card = read_default_card(default_model_dir(model)) or {}
    record = accuracy_record(test=figures, coders=coders(data), card=card,
                             codebook=load_codebook(),
                             date=datetime.now(UTC).strftime("%Y-%m-%d"))  # fmt: skip
    out.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}")


def stance_only(data: dict, dev: np.ndarray, test: np.ndarray | None, args) -> int:
    """Re-run the stance section alone and replace it in an existing results file."""
    res = json.loads(args.out.read_text("utf-8")) if args.out.is_file() else {}
    st = stance(data, dev, test, args.reps)
    res["stance"] = st | {k: st.get("test", st["dev_cv"])[k] for k in ("accuracy", "macro_f1")}
    res["stance"]["date"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    args.out.write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(res["stance"], indent=1))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run every section and write the JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("results.json"))
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--reps", type=int, default=3, help="repeats of the 5-fold dev CV")
    ap.add_argument("--skip-test", action="store_true", help="dev only (no look at test)")
    ap.add_argument("--fast", action="store_true", help="skip the slow full-MiniLM figures")
    ap.add_argument("--accuracy-out", type=Path, help="write the packaged accuracy file here")
    ap.add_argument("--accuracy-only", action="store_true", help="write only the accuracy file")
    ap.add_argument("--model", default="cls-default", help="model of the accuracy file")
    ap.add_argument(
        "--stance-only",
        action="store_true",
        help="run only the stance section and replace it in --out (kept otherwise)",
    )
    args = ap.parse_args(argv)
    if not (args.shared / "data" / "cls_real" / "quotes.csv").is_file():
        print(f"real CLS quotes not found under '{args.shared}': nothing to benchmark "
              "(pass --shared)", file=sys.stderr)  # fmt: skip
        return 0
    data = load(args.shared)
    split = data["quotes"]["split"].to_numpy()
    dev = np.flatnonzero(split == "dev")
    test = None if args.skip_test else np.flatnonzero(split == "test")
    if args.accuracy_out is not None and test is not None:
        write_accuracy(data, test, args.accuracy_out, args.model)
        if args.accuracy_only:
            return 0
    if args.stance_only:
        return stance_only(data, dev, test, args)
    speed = speed_texts(args.shared, 2000)
    t0 = time.time()
    res: dict[str, object] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} vCPU",
        "n": {"dev": len(dev), "test": 0 if test is None else len(test)},
        "coders": coders(data),
        "zero_shot": zero_shot(data, dev, test, speed[:300], "minilm"),
        "zero_shot_static": zero_shot(data, dev, test, speed, "minilm-static"),
    }
    default = {"dev_cv": default_cv(data, dev, args.reps)}
    if not args.fast:
        default["dev_cv_full_minilm"] = default_cv(data, dev, 1, embedder="minilm")
    if test is not None:
        default |= default_test(data, test, speed)
        keys = ("samples_f1", "micro_f1", "macro_f1", "per_theme")
        default |= {k: default["test"][k] for k in keys}
    res["default"] = default
    res["accurate"] = accurate(data, dev, test, args.reps, speed[:300])
    res["learning_curve"] = learning_curve(data, dev, args.reps, (0, 10, 25, 50, 100, 200))
    st = stance(data, dev, test, args.reps)
    res["stance"] = st | {k: st.get("test", st["dev_cv"])[k] for k in ("accuracy", "macro_f1")}
    res["seconds"] = round(time.time() - t0, 1)
    args.out.write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out} in {res['seconds']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
