"""The shipped default tagger's accuracy file: per-theme figures on the real test split.

``benchmarks/cls_real.py --accuracy-out PATH`` calls :func:`accuracy_record` and writes the
result beside the shipped weights (``cls_text/tag/models/cls-default/accuracy.json``), where the
report's methods section reads it (``cls_text.report.accuracy``). Intervals are percentile
bootstraps that resample whole source pages, because quotes from one page share a speaker and
a context: resampling single quotes would make the intervals look narrower than they are.
"""

from __future__ import annotations

from typing import Any

import numpy as np

N_BOOT, SEED = 2000, 0


def page_weights(groups: np.ndarray, n_boot: int, seed: int) -> np.ndarray:
    """(n_boot, rows) weights: source pages drawn with replacement, rows weighted by page."""
    pages, inverse = np.unique(groups, return_inverse=True)
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(len(pages), np.full(len(pages), 1 / len(pages)), size=n_boot)
    return counts[:, inverse].astype(float)


def _prf(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> tuple[np.ndarray, ...]:
    """Precision, recall, F1 (nan where undefined: no prediction, no positive)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        p = tp / (tp + fp)
        r = tp / (tp + fn)
        f = 2 * tp / (2 * tp + fp + fn)
    return p, r, f


def _interval(samples: np.ndarray) -> list[float] | None:
    ok = samples[~np.isnan(samples)]
    if len(ok) == 0:
        return None
    lo, hi = np.percentile(ok, [2.5, 97.5])
    return [round(float(lo), 4), round(float(hi), 4)]


def _samples_f1(Y: np.ndarray, P: np.ndarray, w: np.ndarray) -> np.ndarray:
    tp = (Y & P).sum(1)
    d = Y.sum(1) + P.sum(1)
    per = np.where(d > 0, 2 * tp / np.maximum(d, 1), 1.0)
    return (w @ per) / w.sum(1)


def split_figures(Y: np.ndarray, P: np.ndarray, groups: np.ndarray, ids: list[str]) -> dict:
    """Per-theme precision/recall/F1 with page-bootstrap 95% intervals, plus micro/samples-F1."""
    Y, P = Y.astype(bool), P.astype(bool)
    W = np.vstack([np.ones(len(Y)), page_weights(groups, N_BOOT, SEED)])  # row 0: the point
    tp, fp, fn = W @ (Y & P), W @ (~Y & P), W @ (Y & ~P)
    prec, rec, f1 = _prf(tp, fp, fn)
    micro = _prf(tp.sum(1), fp.sum(1), fn.sum(1))[2]
    sam = _samples_f1(Y, P, W)
    per_theme = {}
    for j, t in enumerate(ids):
        per_theme[t] = {
            "precision": round(float(np.nan_to_num(prec[0, j])), 4),
            "precision_ci": _interval(prec[1:, j]),
            "recall": round(float(np.nan_to_num(rec[0, j])), 4),
            "recall_ci": _interval(rec[1:, j]),
            "f1": round(float(np.nan_to_num(f1[0, j])), 4),
            "f1_ci": _interval(f1[1:, j]),
            "support": int(Y[:, j].sum()),
            "predicted": int(P[:, j].sum()),
        }
    return {
        "n_quotes": int(len(Y)),
        "n_pages": int(len(np.unique(groups))),
        "micro_f1": round(float(micro[0]), 4),
        "micro_f1_ci": _interval(micro[1:]),
        "samples_f1": round(float(sam[0]), 4),
        "samples_f1_ci": _interval(sam[1:]),
        "per_theme": per_theme,
    }


def accuracy_record(
    *,
    test: dict[str, Any],
    coders: dict[str, Any],
    card: dict[str, Any],
    codebook: Any,
    date: str,
) -> dict[str, Any]:
    """The packaged accuracy file's content (what the report's methods section shows)."""
    name = str(card.get("name", "cls-default"))
    return {
        "what": "the shipped default tagger scored on the held-out TEST split of real published "
        "CLS quotes against the adjudicated gold of two blind coders",
        "date": date,
        "tagger": f"default:{name}@{card.get('trained', '?')}",
        "weights_sha256": card["weights"]["sha256"],
        "codebook": {
            "id": codebook.id,
            "version": codebook.version,
            "hash": codebook.content_hash(),
        },
        "interval": f"95% percentile bootstrap over source pages ({N_BOOT} resamples, seed {SEED})",
        "test": test,
        "coders": {
            "n_quotes": coders["n_quotes"],
            "micro_f1": coders["micro_f1"],
            "kappa": coders["kappa"],
        },
        "command": "python benchmarks/cls_real.py --accuracy-only "
        + ("" if name == "cls-default" else f"--model {name} ")
        + f"--accuracy-out cls_text/tag/models/{name}/accuracy.json",
    }
