"""NHS patient feedback benchmark: our supervised tagger vs two published reference pipelines.

Trains on the ``train`` rows of ``splits/realtext_random80-20_seed42.csv``, scores the ``test``
rows on the 50 v6 theme columns, and writes one JSON with, for each of ``ours``, ``tfidf_lr``
and ``pxtextmining_svc``: micro_f1, macro_f1_20 (labels with >= 20 test examples), samples_f1,
per-label F1, fit_s, predict_per_s and peak_rss_mb. Each pipeline runs in its own child process
so that peak memory is its own. Nothing is tuned on the test rows.

    python benchmarks/nhs_feedback.py --data ../shared/data/nhs_patient_feedback --out results.json
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cls_text.review.evaluate import evaluate_tags  # noqa: E402
from cls_text.tag.supervised import DEFAULT_EMBEDDER  # noqa: E402

METHODS = ("ours", "tfidf_lr", "pxtextmining_svc")
SPLIT = "splits/realtext_random80-20_seed42.csv"
DATA_FILE = "v6framework_230831.csv"
TEXT_COL, QUESTION_COL, GROUP_COL = "FFT answer", "FFT question", "Respondent ID"
SENTIMENT_COL = "Comment sentiment"


def load_nhs(data: Path) -> tuple[pd.DataFrame, list[str]]:
    """Return the real-text rows (with a ``split`` column) and the 50 label column names."""
    df = pd.read_csv(data / DATA_FILE)
    labels = list(df.columns[df.columns.get_loc(SENTIMENT_COL) + 1 :])
    split = pd.read_csv(data / SPLIT)
    df = df.merge(split, on="Comment ID", how="inner", validate="one_to_one")
    df[labels] = df[labels].fillna(0).astype(int)
    df["text"] = df[TEXT_COL].astype(str)
    df["question"] = df[QUESTION_COL].fillna("").astype(str)
    return df.reset_index(drop=True), labels


#: Time spent embedding inside "ours" (included in fit_s / predict_per_s).
TIMINGS: dict[str, float] = {}


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


# --- the three pipelines ------------------------------------------------------------------------
def fit_ours(X: pd.DataFrame, Y: np.ndarray, labels: list[str], args: argparse.Namespace):
    from cls_text.tag.embeddings import Embedder
    from cls_text.tag.supervised import SupervisedTagger

    name = "none" if args.no_embeddings else args.embedder
    embedder = None if name == "none" else Embedder(name, cache_dir=args.cache_dir)
    tagger = SupervisedTagger(
        classes=labels, embedder=embedder, C=args.C, char_ngrams=not args.no_char, cv=args.cv
    )
    if embedder is not None:  # embed first (cached inside) to report the time it takes
        t0 = time.perf_counter()
        embedder.encode(X["text"].tolist())
        TIMINGS["fit_embedding_s"] = round(time.perf_counter() - t0, 2)
    tagger.fit(X, Y)

    def predict(Xp: pd.DataFrame) -> np.ndarray:
        if embedder is not None:
            t0 = time.perf_counter()
            embedder.encode(Xp["text"].tolist())
            TIMINGS["predict_embedding_s"] = round(time.perf_counter() - t0, 2)
        return tagger.predict(Xp)

    return tagger, predict


def _learnable(Y: np.ndarray) -> np.ndarray:
    return (Y.sum(axis=0) >= 2) & (Y.sum(axis=0) < len(Y))


def fit_tfidf_lr(X: pd.DataFrame, Y: np.ndarray, labels: list[str], args: argparse.Namespace):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import make_pipeline

    keep = _learnable(Y)
    model = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
        OneVsRestClassifier(LogisticRegression(class_weight="balanced", max_iter=1000)),
    ).fit(X["text"].tolist(), Y[:, keep])

    def predict(Xp: pd.DataFrame) -> np.ndarray:
        out = np.zeros((len(Xp), Y.shape[1]), dtype=int)
        out[:, keep] = model.predict_proba(Xp["text"].tolist()) >= 0.5
        return out

    return model, predict


def fit_pxtextmining_svc(X: pd.DataFrame, Y: np.ndarray, labels: list[str], args):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.multioutput import MultiOutputClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import SVC

    keep = _learnable(Y)
    model = make_pipeline(
        TfidfVectorizer(),
        MultiOutputClassifier(
            SVC(C=15, class_weight="balanced", probability=True, max_iter=1000, random_state=0)
        ),
    ).fit(X["text"].tolist(), Y[:, keep])

    def predict(Xp: pd.DataFrame) -> np.ndarray:
        texts = Xp["text"].tolist()
        hard = np.asarray(model.predict(texts))
        proba = np.column_stack([p[:, 1] for p in model.predict_proba(texts)])
        pred = (hard == 1) | (proba > 0.5)
        none = ~pred.any(axis=1)
        pred[none, proba[none].argmax(axis=1)] = True  # top label when none is predicted
        out = np.zeros((len(Xp), Y.shape[1]), dtype=int)
        out[:, keep] = pred
        return out

    return model, predict


FITTERS = {"ours": fit_ours, "tfidf_lr": fit_tfidf_lr, "pxtextmining_svc": fit_pxtextmining_svc}


def run_split(
    method: str, train: pd.DataFrame, test: pd.DataFrame, labels: list[str], args
) -> dict:
    Ytr = train[labels].to_numpy()
    t0 = time.perf_counter()
    model, predict = FITTERS[method](train[["text", "question"]], Ytr, labels, args)
    fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    pred = predict(test[["text", "question"]])
    pred_s = time.perf_counter() - t0
    m = evaluate_tags(test[labels].to_numpy(), pred, labels, min_support=20)
    out = {
        "micro_f1": m["micro_f1"],
        "macro_f1_20": m["macro_f1_min"],
        "samples_f1": m["samples_f1"],
        "fit_s": round(fit_s, 2),
        "predict_per_s": round(len(test) / pred_s, 1),
        "n_train": len(train),
        "n_test": len(test),
        "per_label_f1": {k: v["f1"] for k, v in m["per_theme"].items()},
        "per_label_support": {k: v["support"] for k, v in m["per_theme"].items()},
    }
    if method == "ours":
        out["train_cv_micro_f1"] = model.cv_metrics_["micro_f1"]
        out["train_cv_macro_f1_20"] = model.cv_metrics_["macro_f1_min"]
        out["too_few_examples"] = model.too_few_examples_
        emb = model.featurizer_.embedder
        out["embedder"] = emb.model_id if emb is not None else None
        out.update(TIMINGS)
    return out


def run_child(args: argparse.Namespace) -> dict:
    df, labels = load_nhs(args.data)
    if args.max_train:
        tr = df[df["split"] == "train"].sample(n=args.max_train, random_state=0)
        df = pd.concat([tr, df[df["split"] == "test"]])
    if args.grouped_cv:
        from sklearn.model_selection import GroupKFold

        folds = []
        gkf = GroupKFold(n_splits=5, shuffle=True, random_state=0)
        for tr_idx, te_idx in gkf.split(df, groups=df[GROUP_COL]):
            folds.append(run_split(args.only, df.iloc[tr_idx], df.iloc[te_idx], labels, args))
        keys = ("micro_f1", "macro_f1_20", "samples_f1", "fit_s", "predict_per_s")
        result = {k: round(float(np.mean([f[k] for f in folds])), 4) for k in keys}
        result.update({k + "_sd": round(float(np.std([f[k] for f in folds])), 4) for k in keys})
        result["folds"] = [{k: f[k] for k in keys} for f in folds]
    else:
        result = run_split(
            args.only, df[df["split"] == "train"], df[df["split"] == "test"], labels, args
        )
    result["peak_rss_mb"] = round(rss_mb(), 1)
    return result


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data/nhs_patient_feedback"))
    ap.add_argument("--out", type=Path, default=Path("results.json"))
    ap.add_argument("--methods", nargs="+", choices=METHODS, default=list(METHODS))
    ap.add_argument("--grouped-cv", action="store_true", help="5-fold CV grouped by respondent")
    ap.add_argument("--max-train", type=int, default=0, help="subsample train rows (smoke runs)")
    ap.add_argument("--C", type=float, default=0.5, help="ours: inverse regularisation")
    ap.add_argument("--cv", type=int, default=5, help="ours: internal CV folds")
    ap.add_argument(
        "--embedder",
        choices=["minilm", "minilm-static", "none"],
        default=DEFAULT_EMBEDDER,  # what cls-text train ships with
        help="ours: sentence embedder (none: TF-IDF only)",
    )
    ap.add_argument("--no-embeddings", action="store_true", help="ours: same as --embedder none")
    ap.add_argument("--no-char", action="store_true", help="ours: no character n-grams")
    ap.add_argument("--cache-dir", type=Path, default=None, help="ours: embedding cache")
    ap.add_argument("--only", choices=METHODS, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.only:
        print(json.dumps(run_child(args)))
        return
    results: dict = {"command": " ".join(sys.argv), "split": SPLIT, "grouped_cv": args.grouped_cv}
    for method in args.methods:
        cmd = [sys.executable, __file__, "--only", method, *(argv or sys.argv[1:])]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise SystemExit(f"{method} failed:\n{proc.stderr[-3000:]}")
        results[method] = json.loads(proc.stdout.strip().splitlines()[-1])
        r = results[method]
        print(
            f"{method:<18} micro {r['micro_f1']:.3f} macro20 {r['macro_f1_20']:.3f} "
            f"samples {r['samples_f1']:.3f} fit {r['fit_s']:.1f}s "
            f"predict {r['predict_per_s']:.0f}/s rss {r['peak_rss_mb']:.0f} MB",
            flush=True,
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
