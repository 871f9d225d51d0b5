"""Agreement between two sets of theme tags: per-theme and overall figures.

Pure functions over 0/1 indicator matrices, so the same code scores a model against coded data,
one coder against another, and the benchmarks. Per theme: precision, recall, F1, Cohen's kappa
and support; overall: micro, macro and samples F1 (and macro-F1 over themes with enough
examples, since F1 on a theme with three examples is noise).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np


def _prf(tp: float, fp: float, fn: float) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
    return p, r, f


def cohen_kappa(a: np.ndarray, b: np.ndarray) -> float:
    """Cohen's kappa of two 0/1 vectors.

    When both raters give one constant label, expected agreement is 1 and kappa is undefined;
    we return 1.0 if they agree everywhere (nothing to disagree about) and 0.0 otherwise,
    rather than NaN, so reports and JSON stay numeric.
    """
    a = np.asarray(a, dtype=bool)
    b = np.asarray(b, dtype=bool)
    n = len(a)
    if n == 0:
        return 0.0
    po = float((a == b).mean())
    pa, pb = a.mean(), b.mean()
    pe = float(pa * pb + (1 - pa) * (1 - pb))
    if pe >= 1.0 - 1e-12:
        return 1.0 if po == 1.0 else 0.0
    return (po - pe) / (1.0 - pe)


def evaluate_tags(
    y_true: object, y_pred: object, classes: Sequence[str], *, min_support: int = 20
) -> dict[str, Any]:
    """Score predicted tags against true tags.

    Args:
        y_true: (n, k) 0/1 matrix of reference tags.
        y_pred: (n, k) 0/1 matrix of predicted tags, same column order.
        classes: The k theme ids.
        min_support: Themes with at least this many true examples count in ``macro_f1_min``.

    Returns:
        A JSON-ready dict: ``n``, ``micro_precision``, ``micro_recall``, ``micro_f1``,
        ``macro_f1`` (over themes with any true or predicted tag), ``macro_f1_min`` (over
        themes with support >= ``min_support``), ``min_support``, ``samples_f1`` (rows with
        neither true nor predicted tags count as 0, as scikit-learn's ``zero_division=0``),
        ``mean_kappa`` and ``per_theme``: {id: {precision, recall, f1, kappa, support,
        predicted}}.

    Raises:
        ValueError: if the shapes differ from each other or from ``classes``.
    """
    t = np.asarray(y_true).astype(bool)
    p = np.asarray(y_pred).astype(bool)
    if t.ndim != 2 or t.shape != p.shape:
        raise ValueError(f"y_true {t.shape} and y_pred {p.shape} must be 2-D and the same shape")
    if t.shape[1] != len(classes):
        raise ValueError(f"{len(classes)} classes for {t.shape[1]} columns")
    tp = (t & p).sum(axis=0).astype(float)
    fp = (~t & p).sum(axis=0).astype(float)
    fn = (t & ~p).sum(axis=0).astype(float)
    per_theme, f1s, f1s_min, kappas = _per_theme(t, p, (tp, fp, fn), classes, min_support)
    mp, mr, mf = _prf(tp.sum(), fp.sum(), fn.sum())
    row_tp = (t & p).sum(axis=1)
    row_denom = t.sum(axis=1) + p.sum(axis=1)
    samples = np.divide(2 * row_tp, row_denom, out=np.zeros(len(t)), where=row_denom > 0)
    return {
        "n": int(t.shape[0]),
        "micro_precision": round(mp, 4),
        "micro_recall": round(mr, 4),
        "micro_f1": round(mf, 4),
        "macro_f1": round(float(np.mean(f1s)), 4) if f1s else 0.0,
        "macro_f1_min": round(float(np.mean(f1s_min)), 4) if f1s_min else 0.0,
        "min_support": min_support,
        "samples_f1": round(float(samples.mean()), 4) if len(t) else 0.0,
        "mean_kappa": round(float(np.mean(kappas)), 4) if kappas else 0.0,
        "per_theme": per_theme,
    }


def _per_theme(
    t: np.ndarray,
    p: np.ndarray,
    counts: tuple[np.ndarray, np.ndarray, np.ndarray],
    classes: Sequence[str],
    min_support: int,
) -> tuple[dict[str, dict[str, float | int]], list[float], list[float], list[float]]:
    """Per-theme figures, and the F1s and kappas the macro averages are taken over.

    Returns:
        (per_theme, F1 of themes with any true or predicted tag, F1 of themes with support
        >= ``min_support``, kappa of themes with any true or predicted tag).
    """
    tp, fp, fn = counts
    per_theme: dict[str, dict[str, float | int]] = {}
    f1s, f1s_min, kappas = [], [], []
    for j, cid in enumerate(classes):
        prec, rec, f1 = _prf(tp[j], fp[j], fn[j])
        kappa = cohen_kappa(t[:, j], p[:, j])
        support = int(t[:, j].sum())
        per_theme[str(cid)] = {
            "precision": round(prec, 4),
            "recall": round(rec, 4),
            "f1": round(f1, 4),
            "kappa": round(kappa, 4),
            "support": support,
            "predicted": int(p[:, j].sum()),
        }
        if support or p[:, j].any():
            f1s.append(f1)
            kappas.append(kappa)
        if support >= min_support:
            f1s_min.append(f1)
    return per_theme, f1s, f1s_min, kappas


def format_report(metrics: dict[str, Any]) -> str:
    """Render :func:`evaluate_tags` output as a plain-text table for the terminal."""
    lines = [f"{'theme':<40} {'prec':>6} {'rec':>6} {'f1':>6} {'kappa':>6} {'support':>8}"]
    for cid, m in metrics["per_theme"].items():
        lines.append(
            f"{cid[:40]:<40} {m['precision']:>6.3f} {m['recall']:>6.3f} {m['f1']:>6.3f} "
            f"{m['kappa']:>6.3f} {m['support']:>8d}"
        )
    lines.append("")
    lines.append(
        f"micro-F1 {metrics['micro_f1']:.3f}  macro-F1 {metrics['macro_f1']:.3f}  "
        f"macro-F1(support>={metrics['min_support']}) {metrics['macro_f1_min']:.3f}  "
        f"samples-F1 {metrics['samples_f1']:.3f}  mean kappa {metrics['mean_kappa']:.3f}  "
        f"(n={metrics['n']})"
    )
    return "\n".join(lines)


def evaluate_file(
    path: str | Path,
    model_name: str,
    models_dir: str | Path,
    *,
    codebook_path: str | Path | None = None,
    version: str | None = None,
    out: str | Path | None = None,
) -> dict[str, Any]:
    """Score a saved model on a coded CSV: ``cls-text evaluate CODED.csv --model NAME``.

    Args:
        path: Coded CSV (see :func:`cls_text.io.coded_file.read_coded`).
        model_name: Saved model name under ``models_dir``.
        models_dir: The models directory.
        codebook_path: If given, the model's codebook hash is checked against it.
        version: Model version (default: current).
        out: Where to write the figures as JSON (None: don't write).

    Returns:
        :func:`evaluate_tags` output plus ``model`` (name, version) and ``data_sha256``.
    """
    from cls_text.codebook.model import load_codebook
    from cls_text.io.artifacts import current_version, load_model
    from cls_text.io.coded_file import read_coded
    from cls_text.io.writers import sha256_file, write_json_atomic

    codebook = load_codebook(codebook_path) if codebook_path is not None else None
    version = version or current_version(models_dir, model_name)
    model = load_model(models_dir, model_name, codebook=codebook, version=version)
    classes = [str(c) for c in model.classes_]
    frame, Y = read_coded(path, codebook if codebook is not None else classes)
    metrics = evaluate_tags(Y, model.predict(frame), classes)
    metrics["model"] = {"name": model_name, "version": version}
    metrics["data_sha256"] = sha256_file(path)
    if out is not None:
        write_json_atomic(out, metrics)
    return metrics
