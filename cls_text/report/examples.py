"""Safe example quotes for the report, and readable evidence for the spreadsheet.

Example quotes come from ``cls_text.report.quotes.select_quotes`` (which applies small-number
suppression and screens out anything identifying) when that module is installed, or from the
``quotes`` mapping the caller passes. The report never picks quotes itself: a raw "first three
tagged answers" could show an answer from a group of two people, which is how respondents get
recognised.
"""

from __future__ import annotations

import importlib
import json

import pandas as pd

from cls_text.schema import RESPONDENT_ID, RESPONDENT_TYPE, SITE, TEXT, EvidenceCells


def example_quotes(
    tagged: pd.DataFrame,
    theme_id: str,
    quotes: dict[str, pd.DataFrame] | None = None,
    *,
    n: int = 3,
    evidence: EvidenceCells | None = None,
) -> pd.DataFrame:
    """Up to ``n`` safe example quotes for one theme (a frame with at least ``text``).

    ``quotes[theme_id]`` wins when given; otherwise ``cls_text.report.quotes.select_quotes`` is
    used if present (reading evidence through ``evidence`` when given); otherwise the result is
    empty and the report says so.
    """
    if quotes is not None and theme_id in quotes:
        frame = quotes[theme_id]
    else:
        try:
            module = importlib.import_module("cls_text.report.quotes")
        except ModuleNotFoundError:
            return pd.DataFrame(columns=[TEXT])
        frame = module.select_quotes(tagged, theme_id, n=n, evidence=evidence)
    if frame is None or TEXT not in frame.columns:
        return pd.DataFrame(columns=[TEXT])
    return frame.head(n).reset_index(drop=True)


def evidence_text(value: object) -> str:
    """Render a ``<theme>_evidence`` JSON cell as readable text: 'term: "sentence"; ...'."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return ""
    try:
        items = json.loads(str(value)) if str(value) else []
    except json.JSONDecodeError:
        return str(value)
    parts = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        matched = str(item.get("matched") or item.get("term") or "")
        sentence = str(item.get("sentence", "")).strip()
        neg = " (negated)" if item.get("negated") else ""
        parts.append(f'{matched}{neg}: "{sentence}"' if sentence else matched + neg)
    return "; ".join(parts)


def attribute_quotes(quotes: pd.DataFrame, tagged: pd.DataFrame, *, min_base: int) -> pd.DataFrame:
    """Add ``attribution`` ("staff, Northvale") to example quotes, as far as is safe to show.

    The respondent type is shown when at least ``min_base`` respondents of that type answered,
    and the site only when at least ``min_base`` respondents of that type *and* site answered:
    a quote labelled with a group of three people points at one of them.
    """
    if quotes.empty or RESPONDENT_ID not in tagged.columns:
        return quotes.assign(attribution=pd.Series(dtype=object))
    cols = [c for c in (RESPONDENT_ID, RESPONDENT_TYPE, SITE) if c in tagged.columns]
    people = tagged[cols].drop_duplicates(RESPONDENT_ID)  # three columns, not the whole table
    by_type = people[RESPONDENT_TYPE].value_counts() if RESPONDENT_TYPE in people else None
    both = (
        people.groupby([RESPONDENT_TYPE, SITE]).size()
        if RESPONDENT_TYPE in people and SITE in people
        else None
    )
    labels = []
    for row in quotes.to_dict("records"):
        rtype, site = str(row.get(RESPONDENT_TYPE) or ""), str(row.get(SITE) or "")
        parts = []
        if rtype and by_type is not None and by_type.get(rtype, 0) >= min_base:
            parts.append(rtype)
            if site and both is not None and both.get((rtype, site), 0) >= min_base:
                parts.append(site)
        labels.append(", ".join(parts))
    return quotes.assign(attribution=labels)
