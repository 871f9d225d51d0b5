"""Generate the hostile input corpus into a folder (at test time: nothing binary is committed).

Each entry is a file a survey tool, a spreadsheet user or an attacker could drop into the
incoming folder. ``python tests/hostile/make_corpus.py OUT_DIR`` writes them for inspection.
"""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

HEADER = "respondent_id,respondent_type,site,What worked well?,What could be better?\n"


def _row(i: int, a: str = "The hub was really helpful", b: str = "Waiting was long") -> str:
    return f"R{i:04d},staff,Northshire,{a},{b}\n"


def _good_rows(n: int = 5, start: int = 1) -> str:
    return "".join(_row(i) for i in range(start, start + n))


def truncated_csv(d: Path) -> Path:
    """Export cut off mid-record (an unterminated quote, then end of file)."""
    p = d / "truncated.csv"
    p.write_text(HEADER + _good_rows(4) + 'R0099,staff,Northshire,"The hub was rea')
    return p


def ragged_csv(d: Path) -> Path:
    """A short row in the middle (copy-paste damage)."""
    p = d / "ragged.csv"
    p.write_text(HEADER + _good_rows(3) + "R0050,staff\n" + _good_rows(2, start=60))
    return p


def mixed_encoding_csv(d: Path) -> Path:
    """Mostly UTF-8 (accents included) with one row pasted from a Windows-1252 document."""
    p = d / "mixed_encoding.csv"
    accented = "".join(_row(i, "Café staff were lovely", "Zoë and Chloé helped") for i in (4, 5, 6))
    good = (HEADER + _good_rows(3) + accented).encode("utf-8")
    bad = _row(8, "Caf\u00e9 \u2013 great").encode("cp1252")
    p.write_bytes(good + bad + _good_rows(2, start=9).encode("utf-8"))
    return p


def nul_bytes_csv(d: Path) -> Path:
    """NUL bytes inside a cell (a classic of exports from old databases)."""
    p = d / "nul_bytes.csv"
    p.write_bytes((HEADER + _good_rows(3)).encode() + _row(9, "fine\x00\x00then").encode())
    return p


def big_cell_csv(d: Path) -> Path:
    """One 5 MB answer (a pasted document) among normal rows."""
    p = d / "big_cell.csv"
    big = "word " * (5 * 1024 * 1024 // 5)
    p.write_text(HEADER + _good_rows(3) + _row(9, big))
    return p


def wide_csv(d: Path, n_cols: int = 10_000) -> Path:
    """10,000 columns: an export of every field of a huge form."""
    p = d / "wide.csv"
    cols = ["respondent_id", "What worked well?"] + [f"field_{i}" for i in range(n_cols - 2)]
    lines = [",".join(cols)]
    for r in range(3):
        lines.append(",".join([f"R{r}", "The hub was really helpful"] + ["1"] * (n_cols - 2)))
    p.write_text("\n".join(lines) + "\n")
    return p


def empty_csv(d: Path) -> Path:
    p = d / "empty.csv"
    p.write_bytes(b"")
    return p


def header_only_csv(d: Path) -> Path:
    p = d / "header_only.csv"
    p.write_text(HEADER)
    return p


def wrong_nesting_json(d: Path) -> Path:
    """Responses nested two levels deep, not a list of records."""
    p = d / "wrong_nesting.json"
    p.write_text(json.dumps({"survey": {"responses": [{"id": 1, "answer": "x"}]}, "meta": {}}))
    return p


def scalar_records_json(d: Path) -> Path:
    """A list whose items are not all objects."""
    p = d / "scalar_records.json"
    recs: list[object] = [
        {"respondent_id": f"R{i}", "What worked well?": "The hub was really helpful"}
        for i in range(4)
    ]
    recs.insert(2, "just a string")
    p.write_text(json.dumps(recs))
    return p


def zip_bomb_xlsx(d: Path) -> Path:
    """A zip disguised as .xlsx whose sheet unpacks 1000:1 to 20 MB (a real bomb: far more)."""
    p = d / "zip_bomb.xlsx"
    with zipfile.ZipFile(p, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * (20 * 1024 * 1024))
    return p


def not_a_zip_xlsx(d: Path) -> Path:
    p = d / "not_a_zip.xlsx"
    p.write_text(HEADER + _good_rows(2))
    return p


def _workbook():
    import openpyxl

    return openpyxl.Workbook()


def merged_header_xlsx(d: Path) -> Path:
    """A two-row header with a merged group cell over the open questions."""
    wb = _workbook()
    ws = wb.active
    ws.title = "Responses"
    ws.append(["respondent_id", "respondent_type", "Open questions", None])
    ws.merge_cells("C1:D1")
    ws.append(["", "", "What worked well?", "What could be better?"])
    for i in range(4):
        ws.append([f"R{i}", "staff", "The hub was really helpful", "Waiting was long"])
    p = d / "merged_header.xlsx"
    wb.save(p)
    return p


def hidden_sheet_xlsx(d: Path) -> Path:
    """A hidden lookup sheet first, the data sheet second."""
    wb = _workbook()
    hidden = wb.active
    hidden.title = "lookup"
    hidden.append(["code", "meaning"])
    hidden.append(["1", "secret"])
    hidden.sheet_state = "hidden"
    ws = wb.create_sheet("Responses")
    ws.append(["respondent_id", "respondent_type", "What worked well?", "What could be better?"])
    for i in range(4):
        ws.append([f"R{i}", "staff", "The hub was really helpful", "Waiting was long"])
    p = d / "hidden_sheet.xlsx"
    wb.save(p)
    return p


def formulas_xlsx(d: Path) -> Path:
    """Answers that are formulas (computed cells and an injection attempt)."""
    wb = _workbook()
    ws = wb.active
    ws.append(["respondent_id", "respondent_type", "What worked well?", "What could be better?"])
    for i in range(4):
        ws.append([f"R{i}", "staff", "The hub was really helpful", "Waiting was long"])
    ws.append(["R9", "staff", '=HYPERLINK("http://example.invalid","click")', "=1+1"])
    p = d / "formulas.xlsx"
    wb.save(p)
    return p


def duplicate_header_csv(d: Path) -> Path:
    """Two columns share the header 'What worked well?' (the second was ignored once)."""
    p = d / "duplicate_header.csv"
    head = HEADER.rstrip("\n") + ",What worked well?\n"
    p.write_text(head + "".join(_row(i).rstrip("\n") + ",Also the cafe\n" for i in range(5)))
    return p


def stray_quote_csv(d: Path) -> Path:
    """An opening quote that is never closed runs the following rows into one cell."""
    p = d / "stray_quote.csv"
    bad = 'R0003,staff,Northshire,"The hub was great,Waiting was long\n'
    p.write_text(HEADER + _good_rows(2) + bad + _good_rows(3, start=4))
    return p


def utf16_no_bom_csv(d: Path) -> Path:
    """UTF-16 little-endian with no byte-order mark (some survey tools' 'Unicode text')."""
    p = d / "utf16_no_bom.csv"
    p.write_bytes((HEADER + _good_rows(5)).encode("utf-16-le"))
    return p


def pdf_renamed_csv(d: Path) -> Path:
    """A PDF report renamed to .csv."""
    p = d / "pdf_renamed.csv"
    p.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
    return p


def docx_renamed_csv(d: Path) -> Path:
    """A Word document renamed to .csv."""
    p = d / "docx_renamed.csv"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<document/>")
    return p


def merged_cell_header_xlsx(d: Path) -> Path:
    """One header row where a merged cell spans two answer columns."""
    wb = _workbook()
    ws = wb.active
    ws.append(
        ["respondent_id", "respondent_type", "What worked well?", None, "What could be better?"]
    )
    ws.merge_cells("C1:D1")
    for i in range(4):
        ws.append([f"R{i}", "staff", "The hub was really helpful", "The cafe too", "Waiting"])
    p = d / "merged_cell_header.xlsx"
    wb.save(p)
    return p


MAKERS = {
    "truncated.csv": truncated_csv,
    "ragged.csv": ragged_csv,
    "mixed_encoding.csv": mixed_encoding_csv,
    "nul_bytes.csv": nul_bytes_csv,
    "big_cell.csv": big_cell_csv,
    "wide.csv": wide_csv,
    "empty.csv": empty_csv,
    "header_only.csv": header_only_csv,
    "wrong_nesting.json": wrong_nesting_json,
    "scalar_records.json": scalar_records_json,
    "zip_bomb.xlsx": zip_bomb_xlsx,
    "not_a_zip.xlsx": not_a_zip_xlsx,
    "merged_header.xlsx": merged_header_xlsx,
    "hidden_sheet.xlsx": hidden_sheet_xlsx,
    "formulas.xlsx": formulas_xlsx,
    "duplicate_header.csv": duplicate_header_csv,
    "stray_quote.csv": stray_quote_csv,
    "utf16_no_bom.csv": utf16_no_bom_csv,
    "pdf_renamed.csv": pdf_renamed_csv,
    "docx_renamed.csv": docx_renamed_csv,
    "merged_cell_header.xlsx": merged_cell_header_xlsx,
}


def make_corpus(out: Path) -> dict[str, Path]:
    """Write every hostile file into ``out``; return name -> path."""
    out.mkdir(parents=True, exist_ok=True)
    return {name: make(out) for name, make in MAKERS.items()}


if __name__ == "__main__":
    for name, path in make_corpus(Path(sys.argv[1])).items():
        print(f"{name}: {path.stat().st_size} bytes")
