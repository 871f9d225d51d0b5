"""Conservation against the source file: duplicate and merged headers, stray quotes, UTF-16."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from cls_text import schema as S
from cls_text.config import parse_config
from cls_text.errors import ConservationError, InputFileError
from cls_text.ingest.census import census_file, check_against_source, output_counts
from cls_text.ingest.chunks import ingest_wave
from cls_text.io.readers import read_table

Q1, Q2 = "What worked well?", "What could be better?"
CFG = parse_config({"columns": {"id": "id", "questions": [Q1, Q2]}})


def ingest(path: Path, cfg=CFG):
    data = ingest_wave([path], cfg, wave="W1")
    counts = output_counts(
        data.long, data.quarantine, path.name, respondents_in=data.files[0].respondents_in
    )
    return data, counts


def test_duplicate_header_keeps_both_columns_and_conserves(tmp_path):
    p = tmp_path / "dup.csv"
    rows = "".join(f"R{i},Good {i},Bad {i},More {i}\n" for i in range(60))
    p.write_text(f"id,{Q1},{Q2},{Q1}\n" + rows)
    data, counts = ingest(p)
    assert sorted(set(data.long[S.QUESTION])) == sorted([Q1, Q2, f"{Q1} (2)"])
    assert len(data.long) == 180  # 60 respondents x 3 answer columns: none disappears
    assert set(data.long.loc[data.long[S.QUESTION] == f"{Q1} (2)", S.TEXT]) == {
        f"More {i}" for i in range(60)
    }
    check_against_source(p, CFG, counts)


def test_check_against_source_catches_a_column_the_long_table_lost(tmp_path):
    p = tmp_path / "dup.csv"
    p.write_text(f"id,{Q1},{Q2},{Q1}\n" + "".join(f"R{i},a,b,c\n" for i in range(60)))
    old = {"respondents_in": 60, "tagged": 120, "non_substantive": 0, "quarantined": 0}
    with pytest.raises(ConservationError) as err:
        check_against_source(p, CFG, old)
    msg = str(err.value)
    assert "'dup.csv'" in msg
    assert "answers: 180 in the file, 120 in the outputs" in msg


def test_check_against_source_catches_lost_text(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text(f"id,{Q1},{Q2}\nR1,a,b\nR2,c,\n")
    counts = {"respondents_in": 2, "tagged": 3, "non_substantive": 1, "quarantined": 0}
    check_against_source(p, CFG, counts)
    with pytest.raises(ConservationError, match="non-empty answers: 3 in the file, 2 in the"):
        check_against_source(p, CFG, {**counts, "answers_filled": 2})


def test_merged_header_cell_in_xlsx_keeps_every_column(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["id", Q1, Q2, None])
    ws.merge_cells("C1:D1")
    for i in range(5):
        ws.append([f"R{i}", f"Good {i}", f"Bad {i}", f"Also bad {i}"])
    p = tmp_path / "merged.xlsx"
    wb.save(p)
    assert census_file(p, CFG).headers == ("id", Q1, Q2, Q2)
    data, counts = ingest(p)
    assert len(data.long) == 15
    assert sorted(data.long.loc[data.long[S.QUESTION] == f"{Q2} (2)", S.TEXT]) == [
        f"Also bad {i}" for i in range(5)
    ]
    check_against_source(p, CFG, counts)


@pytest.mark.parametrize(
    "body, texts",
    [
        # a quote opened in a middle column runs to the next quote (in R4)
        (
            'R1,fine,ok\nR2,"The hub was great,Waiting\nR3,nice,meh\nR4,"Good, really",Fine\n',
            ["fine", "ok", '"The hub was great', "Waiting", "nice", "meh", "Good, really", "Fine"],
        ),
        # a quote opened in the last column leaves a record of the right width
        (
            'R1,fine,ok\nR2,good,"Waiting\nR3,nice,meh\n',
            ["fine", "ok", "good", "Waiting", "nice", "meh"],
        ),
    ],
)
def test_stray_quote_respondent_is_recovered(tmp_path, body, texts):
    p = tmp_path / "stray.csv"
    p.write_text(f"id,{Q1},{Q2}\n" + body)
    data, counts = ingest(p)
    assert data.long[S.TEXT].tolist() == texts
    assert data.quarantine.empty
    assert counts["respondents_in"] == len(texts) // 2
    check_against_source(p, CFG, counts)


def test_stray_quote_lines_that_are_not_rows_are_quarantined_with_reason(tmp_path):
    p = tmp_path / "stray.csv"
    p.write_text(f'id,{Q1},{Q2}\nR1,fine,ok\nR2,"The hub,was,great\nR3,nice\n')
    data, counts = ingest(p)
    reasons = set(data.quarantine[S.REASON])
    assert any("stray quote" in r for r in reasons)
    assert counts["respondents_in"] == 3 and counts["quarantined"] == 4
    check_against_source(p, CFG, counts)


def test_multiline_answer_is_one_record(tmp_path):
    p = tmp_path / "ml.csv"
    p.write_text(f'id,{Q1},{Q2}\nR1,"line one\nline two",ok\nR2,good,bad\n')
    data, counts = ingest(p)
    assert data.long[S.TEXT].tolist() == ["line one\nline two", "ok", "good", "bad"]
    check_against_source(p, CFG, counts)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_detected(tmp_path, codec):
    text = f"id,{Q1},{Q2}\r\n" + "".join(f"R{i},Café staff {i},Queue {i}\r\n" for i in range(60))
    p = tmp_path / "u16.csv"
    p.write_bytes(text.encode(codec))
    raw = read_table(p)
    assert raw.encoding == codec
    data, counts = ingest(p)
    assert counts["respondents_in"] == 60 and len(data.long) == 120
    assert data.long[S.TEXT].iloc[0] == "Café staff 0"
    check_against_source(p, CFG, counts)


def test_census_counts_utf16_records_the_reader_would_miscount(tmp_path):
    text = f"id,{Q1},{Q2}\n" + "".join(f"R{i},a,b\n" for i in range(60))
    p = tmp_path / "u16.csv"
    p.write_bytes(text.encode("utf-16-le"))
    census = census_file(p, CFG)
    assert census.records == 60
    with pytest.raises(ConservationError, match="respondents: 60 in the file, 122 in the"):
        check_against_source(
            p, CFG, {"respondents_in": 122, "tagged": 0, "non_substantive": 0, "quarantined": 120}
        )


def _docx(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<document/>")
    return path


@pytest.mark.parametrize(
    "name, data, what",
    [
        ("a.csv", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "a PDF document"),
        ("a.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a PNG image"),
        ("a.json", b"\xff\xd8\xff\xe0\x00\x10JFIF", "a JPEG image"),
        ("a.xlsx", b"%PDF-1.4\n", "a PDF document"),
    ],
)
def test_binary_files_are_named(tmp_path, name, data, what):
    p = tmp_path / name
    p.write_bytes(data)
    with pytest.raises(InputFileError, match=f"its content is {what}") as err:
        read_table(p)
    assert name in str(err.value) and "Fix:" in str(err.value)


def test_docx_and_zip_renamed_to_csv_are_named(tmp_path):
    docx = _docx(tmp_path / "notes.csv")
    with pytest.raises(InputFileError, match=r"a Word document \(\.docx\)"):
        read_table(docx)
    z = tmp_path / "data.csv"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("export.csv", "id,answer\n")
    with pytest.raises(InputFileError, match="its content is a zip archive"):
        read_table(z)


def test_xlsx_renamed_to_csv_says_rename_it(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["id", Q1])
    p = tmp_path / "book.csv"
    wb.save(p)
    with pytest.raises(InputFileError, match=r"Excel workbook.*rename it to \.xlsx"):
        read_table(p)


def test_nul_id_never_reaches_an_output_id(tmp_path):
    p = tmp_path / "nul.csv"
    p.write_bytes(f"id,{Q1},{Q2}\nR1,a,b\nR\x002,c,d\n".encode())
    data, counts = ingest(p)
    ids = [*data.long[S.RESPONDENT_ID], *data.quarantine[S.RESPONDENT_ID]]
    assert not any("\ufffe" in i or "\x00" in i for i in ids)
    assert len(data.quarantine) == 2
    check_against_source(p, CFG, counts)


def test_formula_in_xlsx_id_cell_is_quarantined_not_an_id(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["id", Q1, Q2])
    ws.append(["R1", "good", "bad"])
    ws.append(['=CONCAT("R","2")', "nice", "meh"])
    p = tmp_path / "f.xlsx"
    wb.save(p)
    data, counts = ingest(p)
    assert len(data.long) == 2
    assert (
        data.quarantine[S.REASON].tolist()
        == ["respondent id in column 'id' is a spreadsheet formula, not an id"] * 2
    )
    assert set(data.quarantine[S.RESPONDENT_ID]) == {""}
    assert not any("CONCAT" in i for i in data.long[S.RESPONDENT_ID])
    check_against_source(p, CFG, counts)


def test_check_without_config_map_detects_it(tmp_path):
    p = tmp_path / "d.csv"
    rows = "".join(f"R{i},The new way of working has been much better {i}\n" for i in range(10))
    p.write_text("Respondent ID,Tell us what worked\n" + rows)
    cfg = parse_config({})
    data, counts = ingest(p, cfg)
    check_against_source(p, cfg, counts)


def test_folded_surveymonkey_header_conserves(tmp_path):
    p = tmp_path / "sm.csv"
    rows = "".join(
        f"R{i},The staff at the hub were kind to me {i},The waiting list was far too long {i}\n"
        for i in range(6)
    )
    p.write_text("Respondent ID,Comments,\n,Open-Ended Response,Other (please specify)\n" + rows)
    cfg = parse_config({})
    data, counts = ingest(p, cfg)
    assert counts["respondents_in"] == 6
    check_against_source(p, cfg, counts)
    with pytest.raises(ConservationError, match="respondents: 6 in the file, 7 in the outputs"):
        check_against_source(p, cfg, {**counts, "respondents_in": 7})
