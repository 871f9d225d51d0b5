"""What a file really is, from its first bytes: binary formats and BOM-less UTF-16.

A PDF, a Word document or a picture renamed to ``.csv`` decodes as Windows-1252 garbage (or
crashes later on lone surrogates); a UTF-16 export without a byte-order mark decodes as text with
a NUL between every letter. Both are told apart here, before any decoding, so the reader can
say what the file is instead of quarantining noise.
"""

from __future__ import annotations

import io
import zipfile

#: Leading bytes of binary formats people rename to .csv, with the name a user recognises.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old-style Office file (.xls or .doc)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"{\\rtf", "an RTF document"),
)
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


def sniff_binary(data: bytes) -> str | None:
    """Name the binary format of a file's bytes, or None when it may be text.

    Zip archives are opened (not extracted) to tell an Excel workbook, a Word document and a
    plain zip apart.

    Examples:
        >>> sniff_binary(b"%PDF-1.7 ...")
        'a PDF document'
        >>> sniff_binary(b"id,answer\\n1,fine\\n") is None
        True
    """
    for magic, name in _MAGIC:
        if data.startswith(magic):
            return name
    if data.startswith(_ZIP_MAGIC):
        return _zip_kind(data)
    return None


def _zip_kind(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = zf.namelist()
    except zipfile.BadZipFile:
        return "a zip archive (damaged)"
    if "xl/workbook.xml" in names:
        return "an Excel workbook (.xlsx)"
    if "word/document.xml" in names:
        return "a Word document (.docx)"
    if "ppt/presentation.xml" in names:
        return "a PowerPoint presentation (.pptx)"
    if "content.xml" in names:
        return "an OpenDocument file (.ods/.odt)"
    return "a zip archive"


def utf16_without_bom(data: bytes) -> str | None:
    """``"utf-16-le"``/``"utf-16-be"`` when BOM-less bytes look like UTF-16, else None.

    Survey text is mostly ASCII, which UTF-16 stores as the letter and a NUL byte: more than
    a third of the odd (little-endian) or even (big-endian) bytes being NUL, and almost none
    of the others, says UTF-16. A text file with a few NUL bytes (a damaged export) does not
    come close to that share.
    """
    sample = data[: 64 * 1024]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    nul_even = even.count(0) / len(even)
    nul_odd = odd.count(0) / max(len(odd), 1)
    if nul_odd > 0.35 and nul_even < 0.05:
        return "utf-16-le"
    if nul_even > 0.35 and nul_odd < 0.05:
        return "utf-16-be"
    return None
