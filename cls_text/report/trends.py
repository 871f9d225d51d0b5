"""Statistics across groups and waves: prevalence with intervals, change, stance, co-occurrence.

Every function here is pure: it takes a tagged long table (one wave or the cumulative store)
and returns a new DataFrame. Reports, Prefect artifacts and the store all use the same numbers,
so a figure in ``report.html`` can be traced to one call here.

Definitions (the ones evaluators are told in the report's methods section):

- Only *substantive* answers count: rows flagged ``non_substantive`` ("n/a", "nothing") or
  ``duplicate_answer`` (the same respondent pasting the same text again) are left out of both
  numerators and denominators, so a theme's share is not diluted by empty answers. So are
  answers flagged ``non_english`` that no tagger saw (English-only models do not tag them).
- *Share of quotes* = substantive answers tagged with the theme / substantive answers.
- *Share of respondents* = distinct respondents with at least one answer tagged with the theme /
  distinct respondents with at least one substantive answer in the group. A respondent is a
  (wave, respondent_id) pair, so ids re-used across waves never merge two people.
- A theme column that is missing (NA) for a row — a wave tagged under a codebook version that
  did not have the theme — means "not coded", not "absent": those rows drop out of that theme's
  denominators instead of counting as zero.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence

import numpy as np
import pandas as pd

from cls_text.ingest.text import untagged_non_english
from cls_text.report.proportions import Z95 as Z95
from cls_text.report.proportions import two_proportion_test, wilson_arrays
from cls_text.report.proportions import wilson_interval as wilson_interval
from cls_text.report.stance import NEGATIVE, NEUTRAL, POSITIVE, normalize_stance_series
from cls_text.schema import (
    DATE,
    DUPLICATE_ANSWER,
    FLAGS,
    NON_SUBSTANTIVE,
    RESPONDENT_ID,
    TAGGER,
    WAVE,
    stance_col,
)

PREVALENCE_COLUMNS = (
    "n_quotes",
    "k_quotes",
    "share_quotes",
    "n_resp",
    "k_resp",
    "share_resp",
    "ci_low",
    "ci_high",
    "ci_low_quotes",
    "ci_high_quotes",
)


def substantive_mask(df: pd.DataFrame) -> pd.Series:
    """True for the rows that count towards prevalence (see :func:`substantive_rows`)."""
    keep = ~untagged_non_english(df)
    for col in (NON_SUBSTANTIVE, DUPLICATE_ANSWER):
        if col in df.columns:
            keep &= ~df[col].fillna(False).astype(bool)
    return keep


def substantive_rows(df: pd.DataFrame) -> pd.DataFrame:
    """Rows that count towards prevalence (substantive, not repeated, looked at by a tagger).

    Left out: non-substantive answers, duplicate answers, and answers in another language that
    were left untagged (nobody looked for their themes, so they are not "no theme").
    """
    return df.loc[substantive_mask(df)]


def _check(df: pd.DataFrame, theme_ids: Sequence[str], by: Sequence[str]) -> None:
    if isinstance(theme_ids, str):
        raise ValueError("theme_ids: expected a list of theme ids, got str")
    missing = [c for c in (*by, RESPONDENT_ID) if c not in df.columns]
    if missing:
        raise ValueError(f"tagged table lacks column(s) {missing}; has {list(df.columns)}")
    unknown = [t for t in theme_ids if t not in df.columns]
    if unknown:
        raise ValueError(f"theme column(s) {unknown} not in the tagged table")


def _narrow(df: pd.DataFrame, cols: Sequence[str]) -> pd.DataFrame:
    """Only the columns a statistic needs (the tagged table is wide; copying it is the cost)."""
    keep = [*cols, RESPONDENT_ID, WAVE, NON_SUBSTANTIVE, DUPLICATE_ANSWER, FLAGS, TAGGER]
    return df[list(dict.fromkeys(c for c in keep if c in df.columns))]


def _respondent_key(df: pd.DataFrame) -> pd.Series:
    if WAVE in df.columns:
        return df[WAVE].astype(str) + "\x1f" + df[RESPONDENT_ID].astype(str)
    return df[RESPONDENT_ID].astype(str)


def prevalence(df: pd.DataFrame, theme_ids: Sequence[str], by: Sequence[str] = ()) -> pd.DataFrame:
    """Share of quotes and of respondents tagged with each theme, per group, with 95% CIs.

    Args:
        df: Tagged long table (one wave or several).
        theme_ids: Theme columns to count (0/1, NA where not coded).
        by: Grouping columns, e.g. ``[WAVE, RESPONDENT_TYPE]``; empty for one overall row.

    Returns:
        One row per theme x group: ``theme``, the ``by`` columns, then ``PREVALENCE_COLUMNS``.
        ``ci_low``/``ci_high`` are the Wilson interval of ``share_resp`` (the headline
        figure); ``ci_low_quotes``/``ci_high_quotes`` that of ``share_quotes``. Groups with no
        coded answers for a theme are left out.

    Raises:
        ValueError: A grouping column or theme column is missing.
    """
    by = list(by)
    _check(df, theme_ids, by)
    sub = substantive_rows(_narrow(df, [*by, *theme_ids]))
    # Integer codes once (respondents, groups), then plain numpy counting per theme: the
    # report calls this for every grouping, and a pandas groupby per theme was the bottleneck.
    resp = pd.factorize(_respondent_key(sub))[0].astype(np.int64)
    group, labels = _group_codes(sub, by)
    frames = [_theme_counts(sub[theme], theme, group, labels, resp) for theme in theme_ids]
    cols = ["theme", *by, "n_quotes", "k_quotes", "n_resp", "k_resp"]
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)
    out = out[cols]
    for c in ("n_quotes", "k_quotes", "n_resp", "k_resp"):
        out[c] = out[c].astype(int)
    _add_shares(out)
    return out[["theme", *by, *PREVALENCE_COLUMNS]]


def _group_codes(sub: pd.DataFrame, by: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Group number per row and one row of ``by`` values per group (one group when no ``by``)."""
    if by:
        keyed = sub[by].astype(str)
        grouped = keyed.groupby(by, sort=True)
        group = grouped.ngroup().to_numpy().astype(np.int64)
        labels = grouped.size().index.to_frame(index=False)
    else:
        group = np.zeros(len(sub), dtype=np.int64)
        labels = pd.DataFrame(index=[0])
    return group, labels


def _theme_counts(
    column: pd.Series, theme: str, group: np.ndarray, labels: pd.DataFrame, resp: np.ndarray
) -> pd.DataFrame:
    """Coded and tagged answers and respondents of one theme per group (groups with none out)."""
    n_groups = len(labels)
    n_r_all = int(resp.max()) + 1 if len(resp) else 1
    values = pd.to_numeric(column).to_numpy(dtype=float, na_value=np.nan)
    coded = ~np.isnan(values)
    g, r, t = group[coded], resp[coded], values[coded] == 1
    n_quotes = np.bincount(g, minlength=n_groups)
    k_quotes = np.bincount(g[t], minlength=n_groups)
    pairs = np.unique(g * n_r_all + r)
    n_resp = np.bincount(pairs // n_r_all, minlength=n_groups)
    pairs_t = np.unique(g[t] * n_r_all + r[t])
    k_resp = np.bincount(pairs_t // n_r_all, minlength=n_groups)
    part = labels.assign(n_quotes=n_quotes, k_quotes=k_quotes, n_resp=n_resp, k_resp=k_resp).loc[
        n_quotes > 0
    ]
    part.insert(0, "theme", theme)
    return part


def _add_shares(out: pd.DataFrame) -> None:
    """Add both shares and their Wilson intervals to a table of counts, in place."""
    n_q, k_q = out["n_quotes"].to_numpy(), out["k_quotes"].to_numpy()
    n_r, k_r = out["n_resp"].to_numpy(), out["k_resp"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        out["share_quotes"] = np.where(n_q > 0, k_q / np.maximum(n_q, 1), np.nan)
        out["share_resp"] = np.where(n_r > 0, k_r / np.maximum(n_r, 1), np.nan)
    out["ci_low"], out["ci_high"] = wilson_arrays(k_r, n_r)
    out["ci_low_quotes"], out["ci_high_quotes"] = wilson_arrays(k_q, n_q)


def wave_order(df: pd.DataFrame) -> list[str]:
    """Waves in time order: by earliest answer date, then by label (undated waves last)."""
    if WAVE not in df.columns or df.empty:
        return []
    waves = df[WAVE].astype(str)
    if DATE in df.columns:
        dates = df[DATE].astype(str).where(df[DATE].astype(str).str.len() > 0)
        first = dates.groupby(waves).min()
    else:
        first = pd.Series(dtype=object)
    labels = sorted(waves.unique())
    return sorted(labels, key=lambda w: (str(first.get(w, "")) or "9999", w))


def wave_changes(
    df: pd.DataFrame,
    theme_ids: Sequence[str],
    by: Sequence[str] = (),
    *,
    waves: Sequence[str] | None = None,
    alpha: float = 0.05,
    untested: Mapping[str, Collection[str]] | None = None,
) -> pd.DataFrame:
    """Change in the share of respondents since the previous wave, with an FDR-controlled flag.

    Each theme x group is compared between consecutive waves with a pooled two-proportion
    z-test (statsmodels ``proportions_ztest``). Because a report makes many such comparisons
    at once, p-values are adjusted with Benjamini–Hochberg (``multipletests(method="fdr_bh")``)
    across every comparison in the table, and only ``p_adjusted < alpha`` is flagged: with 14
    themes x 4 groups, about 3 raw p < 0.05 would be expected by chance alone.

    Args:
        df: Tagged long table covering at least two waves.
        theme_ids: Themes to compare.
        by: Extra grouping columns (e.g. ``[RESPONDENT_TYPE]``); the wave is always one.
        waves: Wave labels in time order; default :func:`wave_order`.
        alpha: False-discovery rate.
        untested: Wave -> themes whose change into that wave is shown but not tested (their
            definition or terms changed between the two waves' codebook versions). They get
            no z or p-value, never count as significant, and take no part in the correction.

    Returns:
        ``theme``, ``by`` columns, ``wave``, ``previous_wave``, ``share``, ``previous_share``,
        ``change`` (share - previous_share, in fractions), ``k``, ``n``, ``previous_k``,
        ``previous_n``, ``z``, ``p_value``, ``p_adjusted``, ``significant``, ``tested``.
        Empty with these columns when there are fewer than two waves.
    """
    by = list(by)
    cols = ["theme", *by, WAVE, *_CHANGE_COLUMNS]
    order = list(waves) if waves is not None else wave_order(df)
    if len(order) < 2:
        return pd.DataFrame(columns=cols)
    pairs = _consecutive_pairs(prevalence(df, theme_ids, by=[WAVE, *by]), by, order)
    skip = untested or {}
    tested = [
        theme not in skip.get(w, ()) for theme, w in zip(pairs["theme"], pairs[WAVE], strict=True)
    ]
    tests = [
        two_proportion_test(int(k0), int(n0), int(k1), int(n1)) if ok else (math.nan, math.nan)
        for k0, n0, k1, n1, ok in zip(
            pairs["previous_k"],
            pairs["previous_n"],
            pairs["k_resp"],
            pairs["n_resp"],
            tested,
            strict=True,
        )
    ]
    pairs = pairs.rename(columns={"share_resp": "share", "k_resp": "k", "n_resp": "n"})
    pairs["change"] = pairs["share"] - pairs["previous_share"]
    pairs["z"] = [z for z, _ in tests]
    pairs["p_value"] = [p for _, p in tests]
    out = pairs[cols[:-3]].reset_index(drop=True)
    _flag_significant(out, alpha)
    out["tested"] = tested
    return out[cols]


#: Columns of :func:`wave_changes` after the theme, grouping and wave columns.
_CHANGE_COLUMNS = (
    "previous_wave",
    "share",
    "previous_share",
    "change",
    "k",
    "n",
    "previous_k",
    "previous_n",
    "z",
    "p_value",
    "p_adjusted",
    "significant",
    "tested",
)


def _consecutive_pairs(prev: pd.DataFrame, by: list[str], order: list[str]) -> pd.DataFrame:
    """Each wave's prevalence row joined to the previous wave's counts for the same group."""
    previous_of = dict(zip(order[1:], order[:-1], strict=True))
    now = prev.loc[prev[WAVE].isin(list(previous_of))].copy()
    now["previous_wave"] = now[WAVE].map(previous_of)
    before = prev[["theme", *by, WAVE, "k_resp", "n_resp", "share_resp"]].rename(
        columns={
            WAVE: "previous_wave",
            "k_resp": "previous_k",
            "n_resp": "previous_n",
            "share_resp": "previous_share",
        }
    )
    return now.merge(before, on=["theme", *by, "previous_wave"], how="inner")


def _flag_significant(out: pd.DataFrame, alpha: float) -> None:
    """Add Benjamini-Hochberg adjusted p-values and the FDR flag across all rows, in place."""
    from statsmodels.stats.multitest import multipletests

    out["p_adjusted"] = np.nan
    out["significant"] = False
    ok = out["p_value"].notna().to_numpy()
    if ok.any():
        reject, p_adj, _, _ = multipletests(out.loc[ok, "p_value"], alpha=alpha, method="fdr_bh")
        out.loc[ok, "p_adjusted"] = p_adj
        out.loc[ok, "significant"] = reject
    out["significant"] = out["significant"].astype(bool)


def stance_balance(
    df: pd.DataFrame, theme_ids: Sequence[str], by: Sequence[str] = ()
) -> pd.DataFrame:
    """How tagged quotes split between positive, negative, neutral and mixed stance per theme.

    Stance columns may hold the stance words or the older ``+`` / ``-`` / ``0`` codes.

    Args:
        df: Tagged long table.
        theme_ids: Themes; each needs its ``<id>_stance`` column.
        by: Grouping columns.

    Returns:
        ``theme``, ``by``, ``n_tagged``, ``n_positive``, ``n_negative``, ``n_neutral``,
        ``n_mixed`` (mixed or no stance), their ``share_*`` and ``net``
        ((positive - negative) / tagged, from -1 to +1). Only substantive tagged quotes count;
        themes or groups with no tagged quote are left out.
    """
    by = list(by)
    _check(df, theme_ids, by)
    stances = [stance_col(t) for t in theme_ids if stance_col(t) in df.columns]
    sub = substantive_rows(_narrow(df, [*by, *theme_ids, *stances]))
    frames = []
    for theme in theme_ids:
        col = stance_col(theme)
        if col not in sub.columns:
            raise ValueError(f"stance column '{col}' not in the tagged table")
        tagged = sub.loc[pd.to_numeric(sub[theme]).fillna(0).astype(int) == 1]
        if tagged.empty:
            continue
        stance = normalize_stance_series(tagged[col])
        part = pd.DataFrame(
            {
                "pos": (stance == POSITIVE).astype(int),
                "neg": (stance == NEGATIVE).astype(int),
                "neu": (stance == NEUTRAL).astype(int),
                **{c: tagged[c].astype(str) for c in by},
            }
        )
        keys = by or (lambda _: 0)
        agg = part.groupby(keys, sort=True, dropna=False).agg(
            n_tagged=("pos", "size"),
            n_positive=("pos", "sum"),
            n_negative=("neg", "sum"),
            n_neutral=("neu", "sum"),
        )
        agg = agg.reset_index(drop=not by)
        agg.insert(0, "theme", theme)
        frames.append(agg)
    cols = ["theme", *by, "n_tagged", "n_positive", "n_negative", "n_neutral"]
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)
    out = out[cols].astype({c: int for c in cols[-4:]})
    out["n_mixed"] = out["n_tagged"] - out["n_positive"] - out["n_negative"] - out["n_neutral"]
    n = out["n_tagged"].where(out["n_tagged"] > 0)
    for kind in ("positive", "negative", "neutral", "mixed"):
        out[f"share_{kind}"] = out[f"n_{kind}"] / n
    out["net"] = (out["n_positive"] - out["n_negative"]) / n
    return out


def cooccurrence(df: pd.DataFrame, theme_ids: Sequence[str]) -> pd.DataFrame:
    """How often pairs of themes are tagged on the same answer.

    Counted over substantive answers where both themes are coded. ``jaccard`` (both / either)
    says how much two themes overlap; ``lift`` (observed both / expected if independent) says
    whether they go together more than their sizes alone would predict (> 1) or less (< 1).

    Returns:
        One row per ordered pair including the diagonal: ``theme_a``, ``theme_b``, ``n``
        (answers coded for both), ``n_a``, ``n_b``, ``n_both``, ``jaccard``, ``lift``.
    """
    _check(df, theme_ids, ())
    sub = substantive_rows(_narrow(df, theme_ids))
    rows = []
    for a in theme_ids:
        for b in theme_ids:
            coded = sub[a].notna() & sub[b].notna()
            ta = pd.to_numeric(sub.loc[coded, a]).astype(int).to_numpy() == 1
            tb = pd.to_numeric(sub.loc[coded, b]).astype(int).to_numpy() == 1
            n = int(coded.sum())
            n_a, n_b, both = int(ta.sum()), int(tb.sum()), int((ta & tb).sum())
            either = int((ta | tb).sum())
            jac = both / either if either else math.nan
            lift = both * n / (n_a * n_b) if n_a and n_b else math.nan
            rows.append((a, b, n, n_a, n_b, both, jac, lift))
    return pd.DataFrame(
        rows, columns=["theme_a", "theme_b", "n", "n_a", "n_b", "n_both", "jaccard", "lift"]
    )
