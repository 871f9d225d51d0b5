"""Stance values as written in outputs, and reading the older one-character codes.

Outputs write stance as words a spreadsheet filters naturally (``positive``, ``negative``,
``neutral``, ``mixed``). Tables written before the change hold ``+`` / ``-`` / ``0`` (sometimes
behind the formula guard, ``'+``); :func:`normalize_stance` reads both.
"""

from __future__ import annotations

import pandas as pd

POSITIVE, NEGATIVE, NEUTRAL, MIXED = "positive", "negative", "neutral", "mixed"
#: Stance values written in outputs, in display order.
STANCE_VALUES = (POSITIVE, NEUTRAL, MIXED, NEGATIVE)
_ALIASES = {
    "+": POSITIVE,
    "-": NEGATIVE,
    "0": NEUTRAL,
    "pos": POSITIVE,
    "neg": NEGATIVE,
    **{v: v for v in STANCE_VALUES},
}


def normalize_stance(value: object) -> str:
    """Return the stance word for a new or old stance value; "" when there is none.

    Raises:
        ValueError: for a value that is neither a stance word nor an old code.

    Examples:
        >>> normalize_stance("+"), normalize_stance("'-"), normalize_stance("Neutral")
        ('positive', 'negative', 'neutral')
    """
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return ""
    text = str(value).strip().lower()
    if text.startswith("'") and text[1:] in _ALIASES:
        text = text[1:]  # the spreadsheet formula guard
    if text in ("", "nan", "none"):
        return ""
    if text not in _ALIASES:
        raise ValueError(f"stance {value!r}: expected one of {list(STANCE_VALUES)} or +, -, 0")
    return _ALIASES[text]


def normalize_stance_series(values: pd.Series) -> pd.Series:
    """Map a column of stance values (old or new) to stance words ("" where blank)."""
    return values.map(normalize_stance).astype(object)
