from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cls_text.ingest.text import is_non_substantive, lower_keep_offsets, normalize_text


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", True),
        ("  ", True),
        ("N/A", True),
        ("n/a.", True),
        ("-", True),
        ("Nothing", True),
        ("No comment!", True),
        ("did not answer", True),
        ("...", True),
        ("No trust at all", False),
        ("Nothing has changed for the better", False),
        ("OK", False),
    ],
)
def test_non_substantive(text, expected):
    assert is_non_substantive(text) is expected


@pytest.mark.parametrize(
    "text_in, text_out",
    [
        ("  Great   service ", "Great service"),
        ("line one\r\n\r\nline  two", "line one\nline two"),
        ("bell\x07 char", "bell char"),
        ("Cafe\u0301", "Café"),
    ],
)
def test_normalize_text(text_in, text_out):
    assert normalize_text(text_in) == text_out


@given(st.text())
def test_normalize_text_is_idempotent(text):
    once = normalize_text(text)
    assert normalize_text(once) == once


@given(st.text())
def test_lower_keeps_length(text):
    assert len(lower_keep_offsets(text)) == len(text)
