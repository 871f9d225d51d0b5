from __future__ import annotations

import pandas as pd
import pytest

from cls_text import schema as S
from cls_text.config import ColumnMap, PipelineConfig, load_config
from cls_text.errors import InputFileError
from cls_text.ingest.chunks import ingest_wave
from cls_text.ingest.columns import detect_column_map
from cls_text.ingest.long import make_quote_id, to_long
from cls_text.io.readers import read_table
from cls_text.pii.pseudonym import key_file, load_key, pseudonymise_id


def pid(raw: str) -> str:
    """The pseudonym a raw respondent id gets in the outputs of a test run."""
    return pseudonymise_id(raw, load_key(key_file()))


def test_wide_to_long_and_quarantine(wide_csv, wide_config):
    cfg = load_config(wide_config)
    data = ingest_wave([wide_csv], cfg, wave="2026-W1")
    long, q = data.long, data.quarantine
    # 5 respondents x 2 questions = 10 answers; every one is somewhere.
    assert data.files[0].answers_in == 10
    assert len(long) + len(q) == 10
    reasons = q.set_index([S.SOURCE_ROW, S.QUESTION])[S.REASON]
    assert "missing respondent id" in reasons[(4, "What worked well?")]
    assert "already appears at row 3" in reasons[(5, "What could be better?")]
    r1 = long[long[S.RESPONDENT_ID] == pid("R1")].set_index(S.QUESTION)
    assert r1.loc["What worked well?", S.RESPONDENT_TYPE] == "staff"
    assert r1.loc["What worked well?", S.DATE] == "2026-03-14"  # UK day-first
    assert bool(r1.loc["What could be better?", S.NON_SUBSTANTIVE]) is True
    r3 = long[long[S.RESPONDENT_ID] == pid("R3")]
    assert r3[S.DUPLICATE_ANSWER].tolist() == [False, True]
    assert "bad_date" in r3[S.FLAGS].iloc[0]
    assert r3[S.RESPONDENT_TYPE].iloc[0] == "staff"  # canonical synonym


def test_quote_id_is_stable_and_independent_of_row_order(tmp_path, wide_config):
    from tests.conftest import WIDE_HEADER, WIDE_ROWS

    a = tmp_path / "a.csv"
    b = tmp_path / "b" / "a.csv"
    b.parent.mkdir()
    a.write_text(WIDE_HEADER + "".join(WIDE_ROWS))
    b.write_text(WIDE_HEADER + "".join(reversed(WIDE_ROWS[:2])))
    cfg = load_config(wide_config)
    ids_a = ingest_wave([a], cfg, wave="W").long.set_index(S.TEXT)[S.QUOTE_ID]
    ids_b = ingest_wave([b], cfg, wave="W").long.set_index(S.TEXT)[S.QUOTE_ID]
    shared = ids_b.index.intersection(ids_a.index)
    assert len(shared) >= 3
    assert (ids_a[shared] == ids_b[shared]).all()
    assert make_quote_id("W", "R1", "q") != make_quote_id("W2", "R1", "q")


def test_long_text_is_kept_and_flagged_wrong_type_is_quarantined(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["ID", "Comments"])
    ws.append(["a", "fine answer here"])
    ws.append(["b", 42])
    ws.append(["c", "x" * 50])
    ws.append(["d", "=SUM(A1:A2)"])
    path = tmp_path / "w.xlsx"
    wb.save(path)
    cfg = PipelineConfig(columns=ColumnMap(id="ID", questions=("Comments",)), max_text_chars=40)
    res = to_long(read_table(path), cfg, wave="W")
    assert res.long[S.RESPONDENT_ID].tolist() == [pid("a"), pid("c")]
    assert res.long[S.LONG_ANSWER].tolist() == [False, True]
    assert res.long[S.FLAGS].tolist() == ["", "long_answer"]
    reasons = dict(zip(res.quarantine[S.RESPONDENT_ID], res.quarantine[S.REASON], strict=True))
    assert reasons[pid("b")] == "expected text in column 'Comments', got int (2 characters)"
    assert "formula" in reasons[pid("d")]
    assert set(res.quarantine[S.COLUMN]) == {"Comments"}


def test_missing_mapped_columns_name_file_and_columns(wide_csv):
    cfg = PipelineConfig(columns=ColumnMap(id="Response ID", questions=("Q9",)))
    with pytest.raises(InputFileError) as err:
        to_long(read_table(wide_csv), cfg, wave="W")
    msg = str(err.value)
    assert "wave.csv" in msg and "'Response ID' (id)" in msg and "'Q9' (question)" in msg
    assert "'Respondent ID'" in msg  # lists what the file has


def test_column_names_match_case_insensitively(wide_csv):
    cfg = PipelineConfig(columns=ColumnMap(id="respondent id", questions=("WHAT WORKED WELL?",)))
    res = to_long(read_table(wide_csv), cfg, wave="W")
    assert res.answers_in == 5


def test_detect_column_map_explains_choice(tmp_path):
    rows = [
        {
            "Response ID": f"r{i}",
            "Start time": "2026-03-01 10:00",
            "Which best describes you?": "Staff" if i % 2 else "Resident",
            "Local area": "Northvale",
            "Tell us what worked": f"The new way of working has been much better for people {i}",
            "Consent": "Yes",
        }
        for i in range(20)
    ]
    path = tmp_path / "w.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    cm, why = detect_column_map(read_table(path))
    assert cm.id == "Response ID"
    assert cm.questions == ("Tell us what worked",)
    assert cm.respondent_type == "Which best describes you?"
    assert cm.site == "Local area"
    assert any("open-question" in w for w in why)


def test_detect_fails_clearly_without_text(tmp_path):
    path = tmp_path / "w.csv"
    pd.DataFrame({"ID": ["a", "b"], "Score": [1, 2]}).to_csv(path, index=False)
    with pytest.raises(InputFileError, match="no column looks like free-text"):
        detect_column_map(read_table(path))


def test_no_wave_is_an_error(wide_csv, wide_config):
    with pytest.raises(InputFileError, match="no wave is known"):
        to_long(read_table(wide_csv), load_config(wide_config), wave=None)


def test_same_answer_in_two_files_is_quarantined_once(tmp_path, wide_config):
    from tests.conftest import WIDE_HEADER, WIDE_ROWS

    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text(WIDE_HEADER + WIDE_ROWS[0])
    b.write_text(WIDE_HEADER + WIDE_ROWS[0])
    data = ingest_wave([a, b], load_config(wide_config), wave="W")
    assert len(data.long) == 2 and len(data.quarantine) == 2
    assert (data.quarantine[S.SOURCE_FILE] == "b.csv").all()
    assert data.long[S.QUOTE_ID].is_unique


@pytest.mark.parametrize(
    "raw, iso",
    [
        ("2026-03-05", "2026-03-05"),
        ("2026-10-03 11:04", "2026-10-03"),
        ("2026-10-03T11:04:00", "2026-10-03"),
        ("05/03/2026", "2026-03-05"),
        ("5 March 2026", "2026-03-05"),
        ("", ""),
    ],
)
def test_dates_are_iso_and_uk_day_first(tmp_path, raw, iso):
    path = tmp_path / "w.csv"
    pd.DataFrame({"ID": ["a"], "When": [raw], "Q": ["some answer"]}).to_csv(path, index=False)
    cfg = PipelineConfig(columns=ColumnMap(id="ID", questions=("Q",), date="When"))
    res = to_long(read_table(path), cfg, wave="W")
    assert res.long[S.DATE].tolist() == [iso]
