"""Regenerate the SYNTHETIC sample survey waves under data/raw/ (byte-identically).

Usage (from the repository root)::

    python data/make_sample_waves.py            # write data/raw/...
    python data/make_sample_waves.py --check    # exit 1 if the files on disk differ

The CSV is written in Windows-1252 with CRLF line endings, as Excel's "CSV" export does, so the
encoding matters (it contains £, é and ’). The Excel file is written with xlsxwriter; its zip entry
times and document timestamps are pinned so that the bytes depend only on the generator.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import zipfile
from datetime import datetime
from pathlib import Path

import pandas as pd
import xlsxwriter

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script without installing the package
    sys.path.insert(0, str(REPO))

from cls_text.datasets.answers import WAVE2_TREND  # noqa: E402
from cls_text.datasets.synthetic import make_wave  # noqa: E402
from cls_text.io.writers import write_bytes_atomic  # noqa: E402

SPRING = Path("raw/2026-spring/cls_survey_spring_2026.csv")
AUTUMN = Path("raw/2026-autumn/cls_survey_autumn_2026.xlsx")
_FIXED_ZIP_TIME = (2026, 1, 1, 0, 0, 0)
_FIXED_DOC_TIME = "2026-01-01T00:00:00Z"


def spring_frame() -> pd.DataFrame:
    """The spring wave: wide export, 300 respondents (+1 duplicated row), no trend."""
    return make_wave(
        300, wave="2026-spring", seed=2026, style="wide", start="2026-03-02", mess=True
    )


def autumn_frame() -> pd.DataFrame:
    """The autumn wave: Forms-style export, 310 respondents, :data:`WAVE2_TREND` applied."""
    return make_wave(
        310,
        wave="2026-autumn",
        seed=2026,
        style="forms",
        start="2026-09-07",
        trend=WAVE2_TREND,
        mess=True,
    )


def csv_bytes(df: pd.DataFrame) -> bytes:
    """Encode a frame as a Windows-1252 CSV with CRLF line endings."""
    text = df.to_csv(index=False, lineterminator="\r\n")
    return text.encode("cp1252")


def xlsx_bytes(df: pd.DataFrame) -> bytes:
    """Write a frame to xlsx bytes: data on the first sheet, a notes sheet after it.

    xlsxwriter is used (not openpyxl) because its output does not depend on whether lxml is
    installed. Cells are written one by one so that answers starting with "=" stay text and
    numeric ids become numbers, as a survey tool exports them.
    """
    raw = io.BytesIO()
    wb = xlsxwriter.Workbook(raw, {"in_memory": True})
    wb.set_properties({"created": datetime(2026, 1, 1), "author": "cls-text synthetic generator"})
    when = wb.add_format({"num_format": "dd/mm/yyyy hh:mm"})
    ws = wb.add_worksheet("Form1")
    for col, name in enumerate(df.columns):
        ws.write_string(0, col, str(name))
    for r, row in enumerate(df.itertuples(index=False), start=1):
        for col, value in enumerate(row):
            if isinstance(value, pd.Timestamp | datetime):
                ws.write_datetime(r, col, pd.Timestamp(value).to_pydatetime(), when)
            elif isinstance(value, str) and value.isdigit():
                ws.write_number(r, col, int(value))
            elif isinstance(value, str) and value:
                ws.write_string(r, col, value)
    notes = wb.add_worksheet("About")
    notes.write_string(
        0, 0, "SYNTHETIC sample data made by data/make_sample_waves.py; no real people."
    )
    wb.close()
    return _pin_zip(raw.getvalue())


def _pin_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed entry times and pinned document timestamps."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            payload = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                payload = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                    rb"\g<1>" + _FIXED_DOC_TIME.encode() + rb"\g<2>",
                    payload,
                )
            entry = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, payload)
    return out.getvalue()


def build() -> dict[Path, bytes]:
    """Return the bytes of every sample file, keyed by path relative to data/."""
    return {SPRING: csv_bytes(spring_frame()), AUTUMN: xlsx_bytes(autumn_frame())}


def main(argv: list[str] | None = None) -> int:
    """Write (or with --check, verify) the sample files; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    parser.add_argument("--check", action="store_true", help="verify instead of writing")
    args = parser.parse_args(argv)
    status = 0
    for rel, data in build().items():
        path = args.out / rel
        if args.check:
            same = path.is_file() and path.read_bytes() == data
            print(f"{'ok     ' if same else 'DIFFERS'} {rel}")
            status |= 0 if same else 1
        else:
            write_bytes_atomic(path, data)
            print(f"wrote {rel} ({len(data):,} bytes)")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
