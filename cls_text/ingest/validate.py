"""Schema of the long table, checked once after ingest (pandera).

Ingest already quarantines every answer it cannot use, so a failure here means a gap between
what ingest promises and what it produced. The check still speaks the user's language: each
failure names the source file, its row and the column.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from cls_text import schema as S
from cls_text.errors import ClsTextError

_NON_EMPTY = pa.Check.str_length(min_value=1)

LONG_SCHEMA = pa.DataFrameSchema(
    {
        S.QUOTE_ID: pa.Column(str, [pa.Check.str_matches(r"^[0-9a-f]{16}$")], unique=True),
        S.RESPONDENT_ID: pa.Column(str, _NON_EMPTY),
        S.RESPONDENT_TYPE: pa.Column(str, pa.Check.isin(S.RESPONDENT_TYPES)),
        S.SITE: pa.Column(str),
        S.WAVE: pa.Column(str, _NON_EMPTY),
        S.DATE: pa.Column(str, pa.Check.str_matches(r"^(\d{4}-\d{2}-\d{2})?$")),
        S.QUESTION: pa.Column(str, _NON_EMPTY),
        S.TEXT: pa.Column(str),
        S.SOURCE_FILE: pa.Column(str, _NON_EMPTY),
        S.SOURCE_ROW: pa.Column(int, pa.Check.ge(1)),
        S.NON_SUBSTANTIVE: pa.Column(bool),
        S.DUPLICATE_ANSWER: pa.Column(bool),
        S.LONG_ANSWER: pa.Column(bool),
        S.FLAGS: pa.Column(str),
    },
    strict=False,
    coerce=False,
)


def validate_long(df: pd.DataFrame) -> pd.DataFrame:
    """Check the long table against :data:`LONG_SCHEMA`.

    Raises:
        ClsTextError: one line per failure (at most 20), naming file, row and column.
    """
    if df.empty:
        return df
    try:
        return LONG_SCHEMA.validate(df, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
        lines = ["The long table failed its schema check:"]
        for _, case in cases.head(20).iterrows():
            col = case.get("column")
            idx = case.get("index")
            where = ""
            if idx is not None and not pd.isna(idx) and int(idx) in df.index:
                row = df.loc[int(idx)]
                where = f"file '{row[S.SOURCE_FILE]}', row {row[S.SOURCE_ROW]}, "
            lines.append(
                f"  - {where}column '{col}': {case.get('check')} (got {case.get('failure_case')!r})"
            )
        raise ClsTextError("\n".join(lines)) from None
