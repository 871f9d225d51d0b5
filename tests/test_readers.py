from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from cls_text.errors import InputFileError
from cls_text.io.readers import Formula, read_table

TEXT = "Café staff were great – £5 saved, naïve me"


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


@pytest.mark.parametrize(
    "encoding, prefix",
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("cp1252", b"")],
    ids=["utf8", "utf8-bom", "windows-1252"],
)
def test_csv_encodings_read_correctly(tmp_path, encoding, prefix):
    data = prefix + f'id,answer\n1,"{TEXT}"\n'.encode(encoding)
    table = read_table(_write(tmp_path, "a.csv", data))
    assert list(table.frame.columns) == ["id", "answer"]
    assert table.frame.loc[0, "answer"] == TEXT
    assert table.row_numbers == [2]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_csv_delimiter_is_sniffed(tmp_path, delimiter):
    rows = [["id", "answer"], ["1", "Some words, with a comma"], ["2", "More words here"]]
    body = "\n".join(delimiter.join(f'"{c}"' if "," in c else c for c in r) for r in rows)
    table = read_table(_write(tmp_path, "a.csv", body.encode()))
    assert table.frame["answer"].tolist() == ["Some words, with a comma", "More words here"]


def test_mostly_utf8_file_quarantines_only_bad_row(tmp_path):
    data = "id,answer\n1,Café fine\n".encode() + b"2,bad \xff byte\n" + "3,naïve ok\n".encode()
    table = read_table(_write(tmp_path, "a.csv", data))
    assert table.encoding == "utf-8"
    assert table.frame.loc[0, "answer"] == "Café fine"
    assert set(table.row_problems) == {1}
    assert "not valid text" in table.row_problems[1]


def test_ragged_and_nul_rows_are_reported_not_dropped(tmp_path):
    data = b"id,answer\n1,ok\n2,too,many,fields\n3,has \x00 nul\n"
    table = read_table(_write(tmp_path, "a.csv", data))
    assert len(table.frame) == 3
    assert "4 fields" in table.row_problems[1]
    assert "NUL" in table.row_problems[2]


@pytest.mark.parametrize(
    "name, data, match",
    [
        ("e.csv", b"", "empty"),
        ("h.csv", b"id,answer\n", "no data rows"),
        ("x.pdf", b"%PDF", "not a supported format"),
        ("bad.xlsx", b"not a zip", "not a valid XLSX"),
        ("bad.json", b"{not json", "not valid JSON"),
        ("obj.json", b'{"a": 1}', "single list"),
        ("badhead.csv", b"id,\x81\x8d\n1,x\n", r"row 1, column 2\) holds bytes"),
    ],
)
def test_unreadable_files_raise_clear_errors(tmp_path, name, data, match):
    path = _write(tmp_path, name, data)
    with pytest.raises(InputFileError, match=match) as err:
        read_table(path)
    assert name in str(err.value)
    assert "Fix:" in str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(InputFileError, match="does not exist"):
        read_table(tmp_path / "nope.csv")


def test_xlsx_first_visible_sheet_types_and_formulas(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    hidden = wb.active
    hidden.title = "hidden"
    hidden.sheet_state = "hidden"
    hidden.append(["x"])
    ws = wb.create_sheet("data")
    ws.append(["id", "answer", "score"])
    ws.append([101, "Great help", 5])
    ws.append([102, "=1+1", 3])
    path = tmp_path / "w.xlsx"
    wb.save(path)
    table = read_table(path)
    assert list(table.frame.columns) == ["id", "answer", "score"]
    assert table.frame.loc[0, "answer"] == "Great help"
    assert table.frame.loc[0, "id"] == 101
    assert isinstance(table.frame.loc[1, "answer"], Formula)
    assert table.row_numbers == [2, 3]


def test_xlsx_named_sheet_missing(tmp_path):
    pd.DataFrame({"id": [1], "answer": ["x"]}).to_excel(tmp_path / "w.xlsx", index=False)
    with pytest.raises(InputFileError, match="no sheet 'Responses'"):
        read_table(tmp_path / "w.xlsx", sheet="Responses")


def test_zip_bomb_disguised_as_xlsx_is_refused(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"0" * (30 * 1024 * 1024))
    with pytest.raises(InputFileError, match="zip bomb"):
        read_table(path)


def test_json_and_jsonl(tmp_path):
    recs = [{"id": "a", "answer": "One"}, {"id": "b", "answer": "Two", "extra": 1}]
    j = _write(tmp_path, "r.json", json.dumps({"responses": recs}).encode())
    table = read_table(j)
    assert table.frame["answer"].tolist() == ["One", "Two"]
    assert table.frame.loc[0, "extra"] == ""
    lines = "\n".join(json.dumps(r) for r in recs) + "\n{broken\n"
    jl = _write(tmp_path, "r.jsonl", lines.encode())
    table = read_table(jl)
    assert len(table.frame) == 3
    assert "not valid JSON" in table.row_problems[2]


def test_json_wrong_nesting_row_is_reported(tmp_path):
    rows = [{"id": "a", "answer": "x"}, ["not", "obj"]]
    j = _write(tmp_path, "r.json", json.dumps(rows).encode())
    table = read_table(j)
    assert "not an object" in table.row_problems[1]
