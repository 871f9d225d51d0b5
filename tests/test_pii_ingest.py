"""Personal data at ingest: pseudonymised ids, redacted metadata and quarantine, recall gaps."""

from __future__ import annotations

import json
import stat

import pytest

from cls_text import schema as S
from cls_text.config import parse_config
from cls_text.errors import ConfigError
from cls_text.ingest.chunks import ingest_wave
from cls_text.ingest.long import to_long
from cls_text.io.readers import read_table
from cls_text.io.writers import write_csv
from cls_text.pii import Redactor
from cls_text.pii.pseudonym import PSEUDONYM, load_key, pseudonymise_id
from cls_text.run.chunk_loop import redact_table

Q = "Any comments?"


def _cfg(tmp_path, **redaction):
    redaction.setdefault("id_key_file", str(tmp_path / "keys" / "id.key"))
    return parse_config(
        {"columns": {"id": "id", "questions": [Q], "site": "site"}, "redaction": redaction}
    )


def _xlsx(tmp_path, rows, name="w.xlsx"):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["id", "site", Q])
    for row in rows:
        ws.append(row)
    path = tmp_path / name
    wb.save(path)
    return path


def test_number_cell_reason_names_type_and_length_and_text_is_redacted(tmp_path):
    path = _xlsx(tmp_path, [["R1", "North", 4857773430], ["R2", "North", "fine"]])
    res = to_long(read_table(path), _cfg(tmp_path), wave="W")
    q = res.quarantine.iloc[0]
    assert q[S.REASON] == f"expected text in column '{Q}', got int (10 characters)"
    assert "4857773430" not in q[S.TEXT] and q[S.TEXT] in ("[NHS_NO]", "[PHONE]")


def test_json_object_reason_never_copies_content(tmp_path):
    path = tmp_path / "w.json"
    recs = [
        {"id": "R1", "site": "North", Q: {"text": "Ring Siobhan on 07700 900123"}},
        {"id": "R2", "site": "North", Q: "fine"},
    ]
    path.write_text(json.dumps(recs))
    res = to_long(read_table(path), _cfg(tmp_path), wave="W")
    q = res.quarantine.iloc[0]
    assert q[S.REASON].startswith(f"expected text in column '{Q}', got dict (")
    assert "Siobhan" not in q[S.REASON] + q[S.TEXT] and "07700" not in q[S.TEXT]


def test_quarantined_text_is_redacted_before_it_is_cut(tmp_path):
    path = tmp_path / "w.csv"
    answer = "x" * 180 + " thaddeus.vanderbilt@example.org and more"
    path.write_text(f"id,site,{Q}\nR1,North,{answer},extra field\n")
    res = to_long(read_table(path), _cfg(tmp_path), wave="W")
    text = res.quarantine[S.TEXT].iloc[0]
    assert "thaddeus" not in text and "@ex" not in text
    assert len(text) <= 200


def test_ids_are_pseudonymised_stably_with_the_key_outside_outputs(tmp_path):
    csv1, csv2 = tmp_path / "a.csv", tmp_path / "b.csv"
    csv1.write_text(f"id,site,{Q}\njo.bloggs@example.org,North,Fine service\n")
    csv2.write_text(f"id,site,{Q}\njo.bloggs@example.org,North,Still fine\n")
    cfg = _cfg(tmp_path)
    a = to_long(read_table(csv1), cfg, wave="W1").long
    b = to_long(read_table(csv2), cfg, wave="W2").long
    rid = a[S.RESPONDENT_ID].iloc[0]
    assert PSEUDONYM.match(rid) and rid == b[S.RESPONDENT_ID].iloc[0]
    assert "example.org" not in rid
    key_path = tmp_path / "keys" / "id.key"
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert rid == pseudonymise_id("jo.bloggs@example.org", load_key(key_path))
    other = to_long(read_table(csv1), _cfg(tmp_path, id_key_file=str(tmp_path / "k2")), wave="W1")
    assert other.long[S.RESPONDENT_ID].iloc[0] != rid


def test_ids_can_be_kept_when_pseudonymisation_is_off(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(f"id,site,{Q}\nR1,North,Fine service\n")
    res = to_long(read_table(path), _cfg(tmp_path, pseudonymise_ids=False), wave="W")
    assert res.long[S.RESPONDENT_ID].tolist() == ["R1"]


def test_a_damaged_key_file_is_never_replaced(tmp_path):
    bad = tmp_path / "bad.key"
    bad.write_text("not a key\n")
    with pytest.raises(ConfigError, match="does not hold a key"):
        load_key(bad)
    assert bad.read_text() == "not a key\n"


def test_duplicate_id_reason_does_not_name_the_id(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(f"id,site,{Q}\njo@example.org,North,One\njo@example.org,North,Two\n")
    res = to_long(read_table(path), _cfg(tmp_path), wave="W")
    assert res.quarantine[S.REASON].tolist() == [
        "respondent id already appears at row 2 of this file "
        "(duplicated respondent; the first row is kept)"
    ]


@pytest.mark.parametrize(
    "site, expected",
    [
        ("Dr Siobhan Patel Surgery", "Dr [NAME] Surgery"),
        ("Northvale", "Northvale"),
        (7700900123, "[PHONE]"),
    ],
)
def test_site_metadata_is_redacted(tmp_path, site, expected):
    path = _xlsx(tmp_path, [["R1", site, "Fine service"]])
    res = to_long(read_table(path), _cfg(tmp_path), wave="W")
    assert res.long[S.SITE].tolist() == [expected]


@pytest.mark.parametrize(
    "text_in, text_out",
    [
        ("I spoke to jamie mcgregor yesterday", "I spoke to [NAME] yesterday"),
        ("jamie mcgregor was great", "[NAME] was great"),
        ("my ni is pr 45 67 89 d", "my ni is [NI_NO]"),
        ("NI QQ 12 34 56 C", "NI [NI_NO]"),
        ("specimen QQ123456C", "specimen [NI_NO]"),
        ("national insurance number: DF 12 34 56 X", "national insurance number: [NI_NO]"),
        ("NI no. is zz 99 88 77 a", "NI no. is [NI_NO]"),
        ("we met at 12 34 56 in the hall", "we met at 12 34 56 in the hall"),
        ("the bill was paid in march", "the bill was paid in march"),
    ],
)
def test_recall_gaps_are_closed(text_in, text_out):
    assert Redactor().redact(text_in).text == text_out


def test_no_planted_identifier_in_written_outputs(tmp_path):
    path = tmp_path / "w.csv"
    path.write_text(
        f"id,site,{Q}\n"
        "siobhan.kerr@example.org,Dr Moira Baxter Surgery,Call me on 07700 900456\n"
        'R2,North,"' + "y" * 190 + ' thaddeus.vanderbilt@example.org",oops\n'
    )
    cfg = _cfg(tmp_path)
    data = ingest_wave([path], cfg, wave="W")
    long, _ = redact_table(data.long, cfg)
    quarantine, _ = redact_table(data.quarantine, cfg)
    out = tmp_path / "out"
    out.mkdir()
    write_csv(long, out / "tagged.csv")
    write_csv(quarantine, out / "quarantine.csv")
    blob = "".join(p.read_text(encoding="utf-8-sig") for p in out.iterdir())
    for planted in ("siobhan.kerr", "Moira", "Baxter", "07700 900456", "thaddeus", "vanderbilt"):
        assert planted not in blob, planted
