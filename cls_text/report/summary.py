"""The figures behind a wave report, and the sentences that describe them.

:func:`compute_report_data` runs every statistic once (through :mod:`cls_text.report.trends`) and
returns a frozen :class:`ReportData`; the HTML, XLSX and Markdown writers only format it, so
all three always agree. Sentences are generated from the numbers by :func:`theme_sentence`,
never written by hand, so a reader can check each one against the tables.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from cls_text.codebook.model import Codebook, version_key
from cls_text.ingest.text import has_flag, untagged_non_english
from cls_text.report import trends
from cls_text.schema import (
    DUPLICATE_ANSWER,
    NON_ENGLISH,
    NON_SUBSTANTIVE,
    QUESTION,
    RESPONDENT_ID,
    RESPONDENT_TYPE,
    SITE,
    WAVE,
)

#: Below this many respondents in a group, no percentage is stated (it would mislead).
MIN_BASE = 10

#: Why a change is shown but not tested, as readers see it.
NOT_TESTED = "not tested: the theme's definition or terms changed between the codebook versions"

#: Plural nouns for respondent types, as they read in a sentence.
GROUP_NOUNS = {
    "": "respondents",
    "staff": "staff",
    "community member": "community members",
    "partner": "partners",
    "other": "other respondents",
}


def pct(value: float | None) -> str:
    """Format a fraction as a whole percentage ("31%"); missing values as "–"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{round(100 * float(value))}%"


def theme_sentence(
    label: str,
    *,
    share: float,
    ci_low: float,
    ci_high: float,
    n: int,
    group: str = "",
    previous_share: float | None = None,
    previous_wave: str | None = None,
    significant: bool | None = None,
    min_base: int = MIN_BASE,
    tested: bool = True,
) -> str:
    """One factual sentence about a theme's prevalence, built only from the figures.

    Args:
        label: Theme label as readers know it ("Trust").
        share: Share of respondents raising it (0–1).
        ci_low: Lower end of its 95% interval.
        ci_high: Upper end.
        n: Respondents in the base.
        group: Respondent type ("staff") or "" for all respondents.
        previous_share: Same share in the previous wave, if there was one.
        previous_wave: Label of the previous wave.
        significant: Whether the change passed the FDR-corrected test.
        min_base: Smallest base for which a percentage is stated.
        tested: False when the theme's definition or terms changed between the two waves'
            codebook versions: the earlier share is shown, and no change is claimed.

    Returns:
        e.g. "Trust was raised by 31% of staff (CI 25–37%), up from 22% in wave 1."

    Examples:
        >>> theme_sentence("Trust", share=0.31, ci_low=0.25, ci_high=0.37, n=100, group="staff",
        ...                previous_share=0.22, previous_wave="wave 1", significant=True)
        'Trust was raised by 31% of staff (CI 25–37%), up from 22% in wave 1.'
    """
    noun = GROUP_NOUNS.get(group, group or "respondents")
    if n < min_base:
        return (
            f"{label}: too few {noun} answered (n={n}) to give a reliable percentage "
            f"(at least {min_base} needed)."
        )
    low, high = pct(ci_low).rstrip("%"), pct(ci_high)
    text = f"{label} was raised by {pct(share)} of {noun} (CI {low}–{high})"
    if previous_share is not None and previous_wave and not math.isnan(previous_share):
        before = f"{pct(previous_share)} in {previous_wave}"
        if not tested:
            text += f", compared with {before} ({NOT_TESTED})"
        elif significant and share > previous_share:
            text += f", up from {before}"
        elif significant and share < previous_share:
            text += f", down from {before}"
        else:
            text += f", compared with {before} (no statistically significant change)"
    return text + "."


@dataclass(frozen=True, slots=True)
class ReportData:
    """Every table a report shows, computed once.

    Attributes:
        wave: The reported wave.
        waves: All waves in time order (history plus this one).
        labels: Theme id -> label, codebook order.
        overall: Prevalence of each theme in this wave (one row per theme).
        by_type: Prevalence by respondent type, this wave.
        by_site: Prevalence by site, this wave.
        by_question: Prevalence by question, this wave.
        trend: Prevalence by wave, all waves.
        changes: Change since the previous wave, overall.
        changes_by_type: Change since the previous wave, by respondent type.
        stance: Stance balance per theme, this wave.
        cooccurrence: Theme pairs on the same answer, this wave.
        headline: One row per theme for the summary table (readable columns).
        sentences: Theme id -> list of sentences (overall first, then by respondent type).
        counts: Respondents, answers and substantive answers in this wave.
        codebook_by_wave: wave -> codebook version it was tagged with (where known).
        untested: Themes whose change into this wave is shown but not tested (definition or
            terms changed between the previous wave's codebook version and this one's).
    """

    wave: str
    waves: list[str]
    labels: dict[str, str]
    overall: pd.DataFrame
    by_type: pd.DataFrame
    by_site: pd.DataFrame
    by_question: pd.DataFrame
    trend: pd.DataFrame
    changes: pd.DataFrame
    changes_by_type: pd.DataFrame
    stance: pd.DataFrame
    cooccurrence: pd.DataFrame
    headline: pd.DataFrame
    sentences: dict[str, list[str]]
    counts: dict[str, int]
    codebook_by_wave: dict[str, str] = field(default_factory=dict)
    untested: list[str] = field(default_factory=list)


def _current_wave(tagged: pd.DataFrame) -> str:
    waves = sorted(set(tagged[WAVE].astype(str))) if WAVE in tagged.columns else []
    if len(waves) != 1:
        raise ValueError(f"the tagged table must hold exactly one wave, found {waves}")
    return waves[0]


def combine_history(tagged: pd.DataFrame, history: pd.DataFrame | None) -> pd.DataFrame:
    """This wave plus earlier waves from the store (this wave's rows in history are replaced)."""
    if history is None or history.empty:
        return tagged
    wave = _current_wave(tagged)
    earlier = history.loc[history[WAVE].astype(str) != wave]
    return pd.concat([earlier, tagged], ignore_index=True, sort=False)


def _lookup(frame: pd.DataFrame, theme: str, **where: str) -> pd.Series | None:
    mask = frame["theme"] == theme
    for col, value in where.items():
        mask &= frame[col].astype(str) == value
    rows = frame.loc[mask]
    return None if rows.empty else rows.iloc[0]


def _sentence_for(
    label: str, row: pd.Series, change: pd.Series | None, group: str = "", min_base: int = MIN_BASE
) -> str:
    return theme_sentence(
        label,
        share=float(row["share_resp"]),
        ci_low=float(row["ci_low"]),
        ci_high=float(row["ci_high"]),
        n=int(row["n_resp"]),
        group=group,
        previous_share=None if change is None else float(change["previous_share"]),
        previous_wave=None if change is None else str(change["previous_wave"]),
        significant=None if change is None else bool(change["significant"]),
        min_base=min_base,
        tested=True if change is None else bool(change.get("tested", True)),
    )


def _repeated_answers(tagged: pd.DataFrame) -> int:
    if DUPLICATE_ANSWER not in tagged.columns:
        return 0
    dup = tagged[DUPLICATE_ANSWER].fillna(False).astype(bool)
    if NON_SUBSTANTIVE in tagged.columns:
        dup &= ~tagged[NON_SUBSTANTIVE].fillna(False).astype(bool)
    return int(dup.sum())


def _untested(
    codebook: Codebook, order: list[str], versions: dict[str, str]
) -> dict[str, list[str]]:
    """Wave -> themes redefined between the previous wave's codebook version and its own."""
    out: dict[str, list[str]] = {}
    for before, now in zip(order[:-1], order[1:], strict=True):
        v0, v1 = versions.get(before), versions.get(now)
        if v0 and v1 and v0 != v1:
            low, high = sorted((v0, v1), key=version_key)
            out[now] = codebook.redefined(low, high)
    return out


def _changes_into(
    combined: pd.DataFrame,
    ids: list[str],
    order: list[str],
    wave: str,
    untested: dict[str, list[str]],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Changes into ``wave`` from the wave before it: overall, and by respondent type."""
    changes = trends.wave_changes(combined, ids, waves=order, untested=untested)
    changes_by_type = trends.wave_changes(
        combined, ids, by=[RESPONDENT_TYPE], waves=order, untested=untested
    )
    changes = changes.loc[changes[WAVE] == wave] if not changes.empty else changes
    if not changes_by_type.empty:
        changes_by_type = changes_by_type.loc[changes_by_type[WAVE] == wave]
    return changes, changes_by_type


def _group_sentences(
    label: str, theme: str, by_type: pd.DataFrame, changes_by_type: pd.DataFrame, min_base: int
) -> list[str]:
    """One sentence per respondent type about a theme, each with that group's own change."""
    lines = []
    for group_row in by_type.loc[by_type["theme"] == theme].itertuples(index=False):
        group = str(getattr(group_row, RESPONDENT_TYPE))
        g_change = (
            _lookup(changes_by_type, theme, **{RESPONDENT_TYPE: group})
            if not changes_by_type.empty
            else None
        )
        row_g = pd.Series(group_row._asdict())
        lines.append(_sentence_for(label, row_g, g_change, group, min_base))
    return lines


def significance_word(change: pd.Series | None) -> str:
    """The change's verdict: yes, no, not tested (the theme was redefined), or "" (none)."""
    if change is None:
        return ""
    if not bool(change.get("tested", True)):
        return "not tested"
    return "yes" if change["significant"] else "no"


def _headline_row(
    theme: str, label: str, row: pd.Series, change: pd.Series | None, st: pd.Series | None
) -> dict[str, object]:
    """A theme's row of the summary table, in the words and formats readers see."""
    return {
        "theme": theme,
        "label": label,
        "respondents": f"{row['k_resp']} of {row['n_resp']}",
        "share of respondents": pct(row["share_resp"]),
        "95% CI": f"{pct(row['ci_low'])}–{pct(row['ci_high'])}",
        "share of answers": pct(row["share_quotes"]),
        "change since previous wave": (
            ""
            if change is None
            else f"{100 * float(change['change']):+.0f} pts vs {change['previous_wave']}"
        ),
        "significant": significance_word(change),
        "stance (positive / negative / other)": (
            ""
            if st is None
            else f"{st['n_positive']} / {st['n_negative']} / "
            f"{int(st['n_tagged']) - int(st['n_positive']) - int(st['n_negative'])}"
        ),
    }


def _wave_counts(tagged: pd.DataFrame) -> dict[str, int]:
    """Respondents and answers in the wave, all and substantive, and repeated answers."""
    sub = tagged.loc[trends.substantive_mask(tagged).to_numpy(), [RESPONDENT_ID]]
    return {
        "respondents": int(tagged[RESPONDENT_ID].nunique()),
        "answers": len(tagged),
        "substantive_answers": len(sub),
        "substantive_respondents": int(sub[RESPONDENT_ID].nunique()),
        # tagged, but the same respondent repeating an earlier answer: counted once
        "repeated_answers": _repeated_answers(tagged),
        # flagged non_english, and those of them no tagger saw (in no share's base)
        "non_english": int(has_flag(tagged, NON_ENGLISH).sum()),
        "non_english_untagged": int(untagged_non_english(tagged).sum()),
    }


def _codebook_versions(combined: pd.DataFrame) -> dict[str, str]:
    """Wave -> codebook version it was tagged with, where the table records one."""
    codebook_by_wave: dict[str, str] = {}
    if "codebook_version" in combined.columns:
        known = combined.dropna(subset=["codebook_version"])
        codebook_by_wave = dict(
            zip(known[WAVE].astype(str), known["codebook_version"].astype(str), strict=True)
        )
    return codebook_by_wave


def compute_report_data(
    tagged: pd.DataFrame,
    codebook: Codebook,
    history: pd.DataFrame | None = None,
    *,
    min_base: int = MIN_BASE,
) -> ReportData:
    """Compute every figure of a wave report.

    Args:
        tagged: This wave's tagged long table (exactly one wave).
        codebook: The codebook it was tagged with (theme order and labels).
        history: Earlier waves (e.g. :func:`cls_text.io.store.read_store`), or None.
        min_base: Smallest group (respondents) for which a sentence states a percentage.

    Raises:
        ValueError: ``tagged`` holds no wave or several, or lacks a theme column.
    """
    wave = _current_wave(tagged)
    ids = codebook.theme_ids()
    labels = {t.id: t.label for t in codebook.themes}
    combined = combine_history(tagged, history)
    # Themes a past wave was not coded for are NA there, and a past codebook may have had
    # themes this one retired; trends follow the current codebook's ids only.
    for t in ids:
        if t not in combined.columns:
            combined[t] = pd.NA
    order = trends.wave_order(combined)
    overall = trends.prevalence(tagged, ids)
    codebook_by_wave = _codebook_versions(combined) | {wave: codebook.version}
    untested = _untested(codebook, order, codebook_by_wave)
    changes, changes_by_type = _changes_into(combined, ids, order, wave, untested)
    by_type = trends.prevalence(tagged, ids, by=[RESPONDENT_TYPE])
    stance = trends.stance_balance(tagged, ids)

    sentences: dict[str, list[str]] = {}
    head_rows = []
    for t in ids:
        row = _lookup(overall, t)
        if row is None:
            continue
        change = _lookup(changes, t) if not changes.empty else None
        sentences[t] = [
            _sentence_for(labels[t], row, change, "", min_base),
            *_group_sentences(labels[t], t, by_type, changes_by_type, min_base),
        ]
        st = _lookup(stance, t) if not stance.empty else None
        head_rows.append(_headline_row(t, labels[t], row, change, st))
    return ReportData(
        wave=wave,
        waves=order,
        labels=labels,
        overall=overall,
        by_type=by_type,
        by_site=trends.prevalence(tagged, ids, by=[SITE]) if SITE in tagged else overall.iloc[:0],
        by_question=trends.prevalence(tagged, ids, by=[QUESTION]),
        trend=trends.prevalence(combined, ids, by=[WAVE]),
        changes=changes.reset_index(drop=True),
        changes_by_type=changes_by_type.reset_index(drop=True),
        stance=stance,
        cooccurrence=trends.cooccurrence(tagged, ids),
        headline=pd.DataFrame(head_rows),
        sentences=sentences,
        counts=_wave_counts(tagged),
        codebook_by_wave=codebook_by_wave,
        untested=list(untested.get(wave, [])),
    )
