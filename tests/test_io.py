from __future__ import annotations

import pandas as pd
import pytest

from cls_text.io.writers import (
    atomic_path,
    neutralise_formula,
    staged_dir,
    write_csv,
    write_parquet,
    write_xlsx,
)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+44 7700", "'+44 7700"),
        ("-2", "'-2"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("fine", "fine"),
        ("a=b", "a=b"),
        (5, 5),
    ],
)
def test_neutralise_formula(value, expected):
    assert neutralise_formula(value) == expected


def test_csv_and_xlsx_are_neutralised_parquet_is_exact(tmp_path):
    import openpyxl

    df = pd.DataFrame({"id": ["a"], "text": ['=HYPERLINK("http://x")']})
    write_csv(df, tmp_path / "t.csv")
    assert "'=HYPERLINK" in (tmp_path / "t.csv").read_text(encoding="utf-8-sig")
    write_xlsx({"s": df}, tmp_path / "t.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    assert ws["B2"].value == '\'=HYPERLINK("http://x")'
    assert ws["B2"].data_type == "s"
    write_parquet(df, tmp_path / "t.parquet")
    assert pd.read_parquet(tmp_path / "t.parquet")["text"][0] == df["text"][0]


def test_writes_are_byte_identical(tmp_path):
    df = pd.DataFrame({"id": ["a", "b"], "n": [1, 2], "x": [0.5, 0.25]})
    for name, writer in (("t.csv", write_csv), ("t.parquet", write_parquet)):
        writer(df, tmp_path / "1" / name)
        writer(df, tmp_path / "2" / name)
        assert (tmp_path / "1" / name).read_bytes() == (tmp_path / "2" / name).read_bytes()


def test_atomic_path_leaves_old_file_on_failure(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("crash")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_staged_dir_publishes_whole_or_nothing(tmp_path):
    out = tmp_path / "wave"
    with staged_dir(out) as stage:
        (stage / "a.csv").write_text("1")
    assert (out / "a.csv").read_text() == "1"
    with pytest.raises(RuntimeError):
        with staged_dir(out) as stage:
            (stage / "a.csv").write_text("2")
            (stage / "b.csv").write_text("2")
            raise RuntimeError("crash mid-way")
    assert (out / "a.csv").read_text() == "1"
    assert not (out / "b.csv").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wave"]


def test_a_workbook_written_twice_has_the_same_bytes(tmp_path):
    import zipfile

    sheets = {"tagged": pd.DataFrame({"text": ["a", "=b"], "score": [0.5, 1.0]})}
    first = write_xlsx(sheets, tmp_path / "a.xlsx")
    core = zipfile.ZipFile(first).read("docProps/core.xml").decode()
    # a fixed creation date, not the clock's: a re-run a second later gives the same bytes
    assert '<dcterms:created xsi:type="dcterms:W3CDTF">1980-01-01T00:00:00Z' in core
    assert first.read_bytes() == write_xlsx(sheets, tmp_path / "b.xlsx").read_bytes()
