"""Real survey tools' export layouts read with no config (tests/data/exports/, synthetic)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cls_text import schema as S
from cls_text.config import PipelineConfig
from cls_text.errors import InputFileError
from cls_text.ingest.columns import NO_RESPONDENT_TYPE, ROW_ID_COLUMN, detect_column_map
from cls_text.ingest.long import to_long
from cls_text.ingest.text import flag_answers, is_non_english, is_non_substantive
from cls_text.io.readers import read_table

EXPORTS = Path(__file__).parent / "data" / "exports"
WELL = "What has worked well about the new way of working?"


@pytest.mark.parametrize(
    "name, id_col, type_col, date_col, header_rows",
    [
        ("microsoft_forms.xlsx", "ID", "Are you staff or a member of the public?", "Start time", 1),
        ("smartsurvey.csv", "ID", "Which best describes you?", "Started", 1),
        ("surveymonkey.csv", "Respondent ID", "Which best describes you?", "Start Date", 2),
        ("qualtrics.csv", "ResponseId", "Are you staff or a member of the public?", "StartDate", 3),
        ("google_forms.csv", ROW_ID_COLUMN, "Which best describes you?", "Timestamp", 1),
        (
            "citizen_space.csv",
            "Unique Response Number",
            "Which best describes you?",
            "Started on",
            1,
        ),
    ],
)
def test_each_export_layout_reads_with_no_config(name, id_col, type_col, date_col, header_rows):
    res = to_long(read_table(EXPORTS / name), PipelineConfig(), wave="2026-W1")
    joined = "\n".join(res.detected)
    assert f"respondent id column: '{id_col}'" in joined
    assert f"respondent type column: '{type_col}'" in joined
    assert f"date column: '{date_col}'" in joined
    assert (f"{header_rows} header rows folded" in joined) == (header_rows > 1)
    long = res.long
    assert res.quarantine.empty
    assert len(long) == 24  # 12 respondents x 2 open questions
    assert set(long[S.QUESTION]) == {WELL, "What could be better?"}
    # Staff / member of the public / volunteer / carer / prefer not to say -> the schema's types.
    assert long.drop_duplicates(S.RESPONDENT_ID)[S.RESPONDENT_TYPE].value_counts().to_dict() == {
        "community member": 7,
        "staff": 4,
        "other": 1,
    }
    assert "unmapped_respondent_type" not in set(long[S.FLAGS])
    # 13/03/2026 is read day-first (UK); Qualtrics' ISO dates stay year-first.
    assert sorted(set(long[S.DATE]))[0] == "2026-03-13"
    flagged = flag_answers(long)
    assert flagged[S.NON_SUBSTANTIVE].sum() == 4  # "-", "Nothing really", "none", "Dim byd"
    welsh = flagged[flagged[S.TEXT].str.startswith("Roedd y staff")]
    assert welsh[S.FLAGS].tolist() == ["non_english"]


def test_a_column_named_respondent_is_the_id(tmp_path):
    p = tmp_path / "export.csv"
    rows = [f"R{i},The team were helpful and kind to my family number {i}" for i in range(6)]
    p.write_text("Respondent,Comments\n" + "\n".join(rows) + "\n", encoding="utf-8")
    cm, notes = detect_column_map(read_table(p))
    assert cm.id == "Respondent"
    assert NO_RESPONDENT_TYPE in notes


def test_no_id_and_no_text_still_say_what_is_missing(tmp_path):
    p = tmp_path / "export.csv"
    p.write_text("Respondent ID,Score\n1,3\n2,4\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="free-text"):
        detect_column_map(read_table(p))


@pytest.mark.parametrize(
    "text", ["nothing really", "Not really.", "No", "none", "-", ".", "Dim byd", "Dim", "N/A"]
)
def test_common_and_welsh_empty_answers_are_non_substantive(text):
    assert is_non_substantive(text)


@pytest.mark.parametrize(
    "text, foreign",
    [
        ("Mae angen mwy o staff yn y ganolfan", True),
        ("Czas oczekiwania na wizytę jest zdecydowanie za długi.", True),
        ("Personalul a fost foarte amabil și m-a ascultat.", True),
        ("Waiting times are far too long for everyone", False),
        ("more staff pls, too long waits for appt", False),
        ("Brilliant!", False),  # too short to judge
    ],
)
def test_answers_not_in_english_are_flagged(text, foreign):
    assert is_non_english(text) is foreign


def test_flags_keep_non_english_apart_from_non_substantive():
    df = pd.DataFrame(
        {
            S.RESPONDENT_ID: ["1", "2", "3"],
            S.TEXT: ["Dim byd", "Roedd y staff yn garedig iawn ac yn gwrando", "Staff were kind"],
        }
    )
    out = flag_answers(df)
    assert out[S.FLAGS].tolist() == ["non_substantive", "non_english", ""]
