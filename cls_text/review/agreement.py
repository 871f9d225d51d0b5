"""Agreement between the tagger and reviewers, and between reviewers, reported honestly.

Figures come from the **blind audit sample** only (reviewers saw no machine tags, and the
sample is random, not the hard cases of the queue). Only quotes a reviewer actually reviewed
count: an untouched row is missing, never "agrees that no theme applies". Every figure carries
a bootstrap 95% interval (quotes resampled, so a quote coded by two reviewers moves as one),
because with ~100 audit quotes a single F1 hides a wide range.

- :func:`tagger_agreement`: per-theme precision, recall, F1 and Cohen's kappa of the tagger
  against reviewers, plus micro, macro and samples F1.
- :func:`human_agreement`: on quotes two or more reviewers coded, human–human Cohen's kappa
  (mean over reviewer pairs) and Krippendorff's alpha per theme, and whether the tagger's
  kappa on those same quotes falls below, inside or above the human band (the 95% interval
  of the human–human kappa).
- :func:`agreement_summary` bundles both for the manifest; :func:`format_methods` writes the
  methods paragraph of the wave report.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from cls_text import schema as S
from cls_text.codebook.model import Codebook
from cls_text.codebook.versions import NEEDS_REVIEW, map_decisions
from cls_text.io import coded as cs
from cls_text.review.evaluate import cohen_kappa, evaluate_tags


def decision_matrix(
    decisions: pd.DataFrame, codebook: Codebook, *, origin: str | None = "audit"
) -> pd.DataFrame:
    """Turn decision records into one row per (quote, reviewer) with a 0/1 column per theme.

    Args:
        decisions: Latest decisions (:func:`cls_text.io.coded.latest_decisions`). When
            they carry ``codebook_version`` they are mapped to ``codebook``'s version first
            (:func:`cls_text.codebook.versions.map_decisions`) and ambiguous ones dropped.
        codebook: Gives the theme columns.
        origin: Keep only decisions from this sheet ("audit"); None keeps all.
    """
    d = decisions if origin is None else decisions[decisions[cs.ORIGIN] == origin]
    if cs.CODEBOOK_VERSION in d and len(d):
        # Carry decisions to this codebook's version; ones a split made ambiguous are out.
        d = map_decisions(d, codebook)
        d = d[~d[NEEDS_REVIEW]]
    ids = codebook.theme_ids()
    rows = []
    for _, r in d.iterrows():
        ticked = set(cs.split_themes(r[S.THEMES]))
        rows.append({S.QUOTE_ID: r[S.QUOTE_ID], cs.REVIEWER: r[cs.REVIEWER]} | {
            t: int(t in ticked) for t in ids
        })  # fmt: skip
    return pd.DataFrame(rows, columns=[S.QUOTE_ID, cs.REVIEWER, *ids])


def _counts_kappa(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Cohen's kappa from confusion counts (any shape), with the convention of cohen_kappa."""
    tn = n - tp - fp - fn
    with np.errstate(divide="ignore", invalid="ignore"):
        po = (tp + tn) / n
        pa, pb = (tp + fn) / n, (tp + fp) / n
        pe = pa * pb + (1 - pa) * (1 - pb)
        k = (po - pe) / (1 - pe)
    degenerate = pe >= 1 - 1e-12
    return np.where(degenerate, np.where(po >= 1 - 1e-12, 1.0, 0.0), k)


def _ci(samples: np.ndarray, level: float) -> list[float]:
    lo, hi = np.nanquantile(samples, [(1 - level) / 2, 1 - (1 - level) / 2])
    return [round(float(lo), 4), round(float(hi), 4)]


def _row_nanmean(x: np.ndarray) -> np.ndarray:
    """Mean of each row over its finite entries (NaN for a row with none), without warnings."""
    ok = np.isfinite(x)
    total = np.where(ok, x, 0.0).sum(axis=1)
    count = ok.sum(axis=1)
    return np.divide(total, count, out=np.full(len(x), np.nan), where=count > 0)


def _boot_weights(groups: np.ndarray, n_boot: int, seed: int) -> np.ndarray:
    """(n_boot, rows) weights: quotes resampled with replacement, rows weighted by their quote."""
    uniq, inv = np.unique(groups, return_inverse=True)
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(len(uniq), np.full(len(uniq), 1 / len(uniq)), size=n_boot)
    return counts[:, inv].astype(float)


def tagger_agreement(
    decisions: pd.DataFrame,
    tagged: pd.DataFrame,
    codebook: Codebook,
    *,
    origin: str | None = "audit",
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> dict[str, Any]:
    """Score the tagger against reviewers on reviewed quotes, with bootstrap intervals.

    Each (quote, reviewer) pair is one row; quotes missing from ``tagged`` are dropped.

    Returns:
        A JSON-ready dict: ``n_quotes``, ``n_decisions``, ``reviewers``, the figures of
        :func:`cls_text.review.evaluate.evaluate_tags` and ``ci``: {``micro_f1``, ``macro_f1``,
        ``samples_f1``, and per theme {precision, recall, f1, kappa}} as [low, high].
    """
    ids = codebook.theme_ids()
    human = decision_matrix(decisions, codebook, origin=origin)
    machine = tagged[[S.QUOTE_ID, *ids]].drop_duplicates(S.QUOTE_ID)
    joined = human.merge(machine, on=S.QUOTE_ID, suffixes=("", "_m"))
    out: dict[str, Any] = {
        "n_quotes": int(joined[S.QUOTE_ID].nunique()),
        "n_decisions": len(joined),
        "reviewers": sorted(joined[cs.REVIEWER].unique().tolist()),
        "origin": origin or "all",
    }
    if joined.empty:
        return out | {"note": "no reviewed quotes: no agreement figures"}
    t = joined[ids].to_numpy(bool)
    p = joined[[f"{c}_m" for c in ids]].fillna(0).to_numpy(int).astype(bool)
    out |= evaluate_tags(t, p, ids, min_support=1)
    w = _boot_weights(joined[S.QUOTE_ID].to_numpy(), n_boot, seed)
    tp, fp, fn = w @ (t & p), w @ (~t & p), w @ (t & ~p)
    n = w.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        prec, rec = tp / (tp + fp), tp / (tp + fn)
        f1 = np.where(tp + fp + fn > 0, 2 * tp / (2 * tp + fp + fn), np.nan)
        kap = _counts_kappa(tp, fp, fn, n)
        stp, sfp, sfn = tp.sum(1), fp.sum(1), fn.sum(1)
        micro = 2 * stp / (2 * stp + sfp + sfn)
    row_tp = (t & p).sum(1)
    row_den = t.sum(1) + p.sum(1)
    row_f1 = np.divide(2 * row_tp, row_den, out=np.zeros(len(t)), where=row_den > 0)
    samples = (w @ row_f1) / n[:, 0]
    out["ci"] = {
        "level": level,
        "n_boot": n_boot,
        "micro_f1": _ci(micro, level),
        "macro_f1": _ci(_row_nanmean(f1), level) if np.isfinite(f1).any() else [0.0, 0.0],
        "samples_f1": _ci(samples, level),
        "per_theme": {
            c: {
                "precision": _ci(prec[:, j], level) if np.isfinite(prec[:, j]).any() else None,
                "recall": _ci(rec[:, j], level) if np.isfinite(rec[:, j]).any() else None,
                "f1": _ci(f1[:, j], level) if np.isfinite(f1[:, j]).any() else None,
                "kappa": _ci(kap[:, j], level),
            }
            for j, c in enumerate(ids)
        },
    }
    return out


def _alpha(matrix: np.ndarray) -> float | None:
    """Krippendorff's alpha (nominal) of a reviewers x quotes matrix; None when undefined."""
    import krippendorff

    values = matrix[~np.isnan(matrix)]
    if len(np.unique(values)) < 2:
        return None  # everyone gave the same value everywhere: alpha is undefined
    return round(
        float(krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")), 4
    )


def human_agreement(
    decisions: pd.DataFrame,
    codebook: Codebook,
    *,
    tagged: pd.DataFrame | None = None,
    origin: str | None = "audit",
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> dict[str, Any]:
    """Agreement between reviewers on quotes two or more of them coded.

    Returns:
        ``n_quotes`` (coded by 2+ reviewers), ``reviewers`` and ``per_theme``: {``kappa``
        (mean over reviewer pairs, weighted by shared quotes), ``kappa_ci``, ``alpha``
        (Krippendorff, nominal; None when undefined)}, and when ``tagged`` is given,
        ``tagger_kappa`` (mean over reviewers, same quotes) and ``tagger_vs_band``:
        "below", "inside" or "above" the human interval.
    """
    ids = codebook.theme_ids()
    m = decision_matrix(decisions, codebook, origin=origin)
    multi = m.groupby(S.QUOTE_ID)[cs.REVIEWER].transform("nunique") >= 2
    m = m[multi]
    reviewers = sorted(m[cs.REVIEWER].unique().tolist())
    out: dict[str, Any] = {"n_quotes": int(m[S.QUOTE_ID].nunique()), "reviewers": reviewers}
    if len(reviewers) < 2:
        return out | {"per_theme": {}, "note": "no quotes coded by two reviewers"}
    wide = {t: m.pivot_table(index=S.QUOTE_ID, columns=cs.REVIEWER, values=t) for t in ids}
    quotes = wide[ids[0]].index.to_numpy()
    machine = None
    if tagged is not None:
        machine = tagged.drop_duplicates(S.QUOTE_ID).set_index(S.QUOTE_ID).reindex(quotes)
    rng_w = _boot_weights(quotes, n_boot, seed)  # one weight per quote
    per: dict[str, Any] = {}
    for t in ids:
        grid = wide[t][reviewers].to_numpy(float)  # quotes x reviewers, NaN = not coded
        pair_k, pair_n, boot = [], [], []
        for a, b in combinations(range(len(reviewers)), 2):
            both = ~np.isnan(grid[:, a]) & ~np.isnan(grid[:, b])
            if not both.any():
                continue
            x, y = grid[both, a].astype(bool), grid[both, b].astype(bool)
            pair_k.append(cohen_kappa(x, y))
            pair_n.append(both.sum())
            wb = rng_w[:, both]
            tp, fp, fn = wb @ (x & y), wb @ (~x & y), wb @ (x & ~y)
            boot.append(_counts_kappa(tp, fp, fn, wb.sum(1)))
        weights = np.array(pair_n, float)
        kappa = float(np.average(pair_k, weights=weights))
        kboot = np.average(np.vstack(boot), axis=0, weights=weights)
        entry: dict[str, Any] = {
            "kappa": round(kappa, 4),
            "kappa_ci": _ci(kboot, level),
            "alpha": _alpha(grid.T),
        }
        if machine is not None and t in machine:
            mk = [
                cohen_kappa(grid[~np.isnan(grid[:, r]), r], machine[t].fillna(0).to_numpy()[
                    ~np.isnan(grid[:, r])])
                for r in range(len(reviewers))
                if (~np.isnan(grid[:, r])).any()
            ]  # fmt: skip
            tk = round(float(np.mean(mk)), 4)
            lo, hi = entry["kappa_ci"]
            entry["tagger_kappa"] = tk
            entry["tagger_vs_band"] = "below" if tk < lo else ("above" if tk > hi else "inside")
        per[t] = entry
    return out | {"per_theme": per}


def agreement_summary(
    decisions: pd.DataFrame,
    tagged: pd.DataFrame,
    codebook: Codebook,
    *,
    n_boot: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """Both sets of figures, JSON-ready, for the manifest (``manifest["agreement"]``)."""
    return {
        "codebook": codebook.summary(),
        "source": "blind audit sample",
        "tagger_vs_reviewers": tagger_agreement(
            decisions, tagged, codebook, n_boot=n_boot, seed=seed
        ),
        "reviewers": human_agreement(decisions, codebook, tagged=tagged, n_boot=n_boot, seed=seed),
    }


def format_methods(summary: dict[str, Any]) -> str:
    """Write the methods-section paragraph (Markdown) for the wave report."""
    tv = summary["tagger_vs_reviewers"]
    if "micro_f1" not in tv:
        return (
            "**Agreement.** No blind-audit quotes have been reviewed yet, so no agreement "
            "figures are reported for this wave."
        )
    ci = tv["ci"]
    lines = [
        f"**Agreement.** {tv['n_quotes']} quotes of a random blind audit sample, stratified by "
        f"respondent type and site, were coded by {len(tv['reviewers'])} reviewer(s) without "
        "seeing the machine's tags. Unreviewed quotes are excluded. Against the reviewers the "
        f"tagger reached micro-F1 {tv['micro_f1']:.2f} (95% CI {ci['micro_f1'][0]:.2f}–"
        f"{ci['micro_f1'][1]:.2f}), macro-F1 {tv['macro_f1']:.2f} and samples-F1 "
        f"{tv['samples_f1']:.2f} (95% CI {ci['samples_f1'][0]:.2f}–{ci['samples_f1'][1]:.2f}); "
        f"intervals are bootstraps over quotes ({ci['n_boot']} resamples).",
        "",
        "| theme | precision | recall | F1 (95% CI) | kappa (95% CI) | support |",
        "|---|---|---|---|---|---|",
    ]
    for t, m in tv["per_theme"].items():
        c = ci["per_theme"][t]
        f1ci = f"{c['f1'][0]:.2f}–{c['f1'][1]:.2f}" if c["f1"] else "n/a"
        lines.append(
            f"| {t} | {m['precision']:.2f} | {m['recall']:.2f} | {m['f1']:.2f} ({f1ci}) | "
            f"{m['kappa']:.2f} ({c['kappa'][0]:.2f}–{c['kappa'][1]:.2f}) | {m['support']} |"
        )
    hh = summary["reviewers"]
    if hh.get("per_theme"):
        lines += [
            "",
            f"{hh['n_quotes']} audit quotes were coded by two or more reviewers. Human–human "
            "agreement and where the tagger falls relative to it:",
            "",
            "| theme | human kappa (95% CI) | Krippendorff alpha | tagger kappa | tagger vs band |",
            "|---|---|---|---|---|",
        ]
        for t, m in hh["per_theme"].items():
            alpha = "n/a" if m["alpha"] is None else f"{m['alpha']:.2f}"
            lines.append(
                f"| {t} | {m['kappa']:.2f} ({m['kappa_ci'][0]:.2f}–{m['kappa_ci'][1]:.2f}) | "
                f"{alpha} | {m.get('tagger_kappa', float('nan')):.2f} | "
                f"{m.get('tagger_vs_band', 'n/a')} |"
            )
    return "\n".join(lines)
