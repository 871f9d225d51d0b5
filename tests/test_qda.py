from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest
from lxml import etree

from cls_text import schema as S
from cls_text.codebook.model import parse_codebook
from cls_text.errors import QdaError
from cls_text.io import coded as cs
from cls_text.review.qda import MACHINE_USER, NS, export_qdpx, import_qdpx, read_qdpx

XSD = Path(__file__).resolve().parent / "data" / "refi" / "Project-mrt2019.xsd"
CB = parse_codebook(
    {
        "id": "mini",
        "name": "Mini",
        "version": "1.0.0",
        "themes": [
            {"id": "trust", "label": "Trust & empowerment", "definition": "d"},
            {"id": "waiting", "label": "Waiting", "definition": "w"},
        ],
    }
)
Q = f"{{{NS}}}"


def ev(text: str, sentence: str) -> str:
    s = text.index(sentence)
    return S.evidence_to_json([S.Evidence("t", "t", s, s + 1, sentence, s, s + len(sentence), 1.0)])


def make_tagged() -> pd.DataFrame:
    t1 = "They trusted us. We waited weeks."
    t2 = "Staff <ok> & “quotes” é"
    return pd.DataFrame(
        [
            {S.QUOTE_ID: "q1", S.RESPONDENT_ID: "r1", S.RESPONDENT_TYPE: "staff", S.SITE: "north",
             S.WAVE: "2026-W1", S.QUESTION: "What worked?", S.TEXT: t1,
             "trust": 1, "trust_evidence": ev(t1, "They trusted us."),
             "waiting": 1, "waiting_evidence": ev(t1, "We waited weeks.")},
            {S.QUOTE_ID: "q2", S.RESPONDENT_ID: "r1", S.RESPONDENT_TYPE: "staff", S.SITE: "north",
             S.WAVE: "2026-W1", S.QUESTION: "Q2", S.TEXT: t2,
             "trust": 1, "trust_evidence": "[]", "waiting": 0, "waiting_evidence": "[]"},
            {S.QUOTE_ID: "q3", S.RESPONDENT_ID: "r2", S.RESPONDENT_TYPE: "community member",
             S.SITE: "", S.WAVE: "2026-W1", S.QUESTION: "Q2", S.TEXT: "Nothing to add",
             "trust": 0, "trust_evidence": "[]", "waiting": 0, "waiting_evidence": "[]"},
        ]
    )  # fmt: skip


def qde(path: Path) -> etree._Element:
    with zipfile.ZipFile(path) as zf:
        return etree.fromstring(zf.read("project.qde"))


def test_export_validates_against_refi_schema_and_is_deterministic(tmp_path: Path):
    a = export_qdpx(make_tagged(), CB, tmp_path / "a.qdpx")
    b = export_qdpx(make_tagged(), CB, tmp_path / "b.qdpx")
    assert a.read_bytes() == b.read_bytes()
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    root = qde(a)
    schema.assertValid(root)
    assert [c.get("name") for c in root.iter(Q + "Code")] == ["Trust & empowerment", "Waiting"]
    assert len(list(root.iter(Q + "TextSource"))) == 3
    assert len(list(root.iter(Q + "Case"))) == 2
    with zipfile.ZipFile(a) as zf:
        texts = sorted(zf.read(n).decode() for n in zf.namelist() if n.startswith("sources/"))
    assert "Staff <ok> & “quotes” é" in texts


def test_schema_rejects_a_broken_project(tmp_path: Path):
    root = qde(export_qdpx(make_tagged(), CB, tmp_path / "a.qdpx"))
    next(root.iter(Q + "PlainTextSelection")).attrib.pop("startPosition")
    assert not etree.XMLSchema(etree.parse(str(XSD))).validate(root)


def test_round_trip_gives_the_same_codings(tmp_path: Path):
    tagged = make_tagged()
    got = read_qdpx(export_qdpx(tagged, CB, tmp_path / "a.qdpx"), CB)
    assert set(got["user"]) == {MACHINE_USER}
    spans = {
        (r[S.QUOTE_ID], r["theme"], r[S.TEXT][r["start"] : r["end"]]) for _, r in got.iterrows()
    }
    assert spans == {
        ("q1", "trust", "They trusted us."),
        ("q1", "waiting", "We waited weeks."),
        ("q2", "trust", "Staff <ok> & “quotes” é"),  # no evidence: the whole quote
    }
    # same codings as the tagged table
    expected = {(r[S.QUOTE_ID], t) for _, r in tagged.iterrows() for t in ("trust", "waiting")
                if r[t]}  # fmt: skip
    assert set(zip(got[S.QUOTE_ID], got["theme"], strict=True)) == expected


def _add_human(path: Path, out: Path, *, code_name: str | None = None, user: bool = True) -> Path:
    root = qde(path)
    ann = "11111111-2222-3333-4444-555555555555"
    if user:
        etree.SubElement(root.find(Q + "Users"), Q + "User", guid=ann, name="ann")
    codes = {c.get("name"): c.get("guid") for c in root.iter(Q + "Code")}
    if code_name:
        code = etree.SubElement(root.find(Q + "CodeBook/" + Q + "Codes"), Q + "Code",
                                guid="99999999-2222-3333-4444-555555555555", name=code_name,
                                isCodable="true")  # fmt: skip
        codes[code_name] = code.get("guid")
    src = [s for s in root.iter(Q + "TextSource") if s.get("name") == "q3"][0]
    sel = etree.Element(Q + "PlainTextSelection", guid="aaaaaaaa-2222-3333-4444-555555555555",
                        startPosition="0", endPosition="7")  # fmt: skip
    src.insert(0, sel)
    coding = etree.SubElement(sel, Q + "Coding", guid="bbbbbbbb-2222-3333-4444-555555555555",
                              **({"creatingUser": ann} if user else {}))  # fmt: skip
    etree.SubElement(coding, Q + "CodeRef", targetGUID=codes[code_name or "Waiting"])
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(out, "w") as zout:
        for n in zin.namelist():
            data = etree.tostring(root) if n == "project.qde" else zin.read(n)
            zout.writestr(n, data)
    return out


def test_import_human_codings_only_and_idempotent(tmp_path: Path):
    exported = export_qdpx(make_tagged(), CB, tmp_path / "a.qdpx")
    coded = _add_human(exported, tmp_path / "coded.qdpx")
    etree.XMLSchema(etree.parse(str(XSD))).assertValid(qde(coded))
    store = tmp_path / "store"
    res = import_qdpx(coded, CB, store)
    assert (res.n_added, res.reviewers, res.wave) == (1, ("ann",), "2026-W1")
    rec = cs.read_history(store).iloc[0]
    assert (rec[S.QUOTE_ID], rec[S.THEMES], rec[cs.ORIGIN]) == ("q3", "waiting", "qdpx")
    assert rec[S.TEXT] == "Nothing to add" and rec[cs.CODEBOOK_VERSION] == "1.0.0"
    assert import_qdpx(coded, CB, store).already_imported
    assert len(cs.read_history(store)) == 1
    machine = import_qdpx(exported, CB, tmp_path / "s2", include_machine=True)
    assert machine.n_added == 2 and machine.reviewers == (MACHINE_USER,)


def test_import_errors(tmp_path: Path):
    exported = export_qdpx(make_tagged(), CB, tmp_path / "a.qdpx")
    unknown = _add_human(exported, tmp_path / "u.qdpx", code_name="Transport")
    with pytest.raises(QdaError, match=r"code\(s\) \['Transport'\] match no theme"):
        import_qdpx(unknown, CB, tmp_path / "s")
    anon = _add_human(exported, tmp_path / "n.qdpx", user=False)
    with pytest.raises(QdaError, match="quote q3 has codings with no user"):
        import_qdpx(anon, CB, tmp_path / "s")
    assert import_qdpx(anon, CB, tmp_path / "s", reviewer="cat").reviewers == ("cat",)
    (tmp_path / "bad.qdpx").write_text("not a zip")
    with pytest.raises(QdaError, match="is not a .qdpx"):
        read_qdpx(tmp_path / "bad.qdpx", CB)


def test_sources_carry_respondent_variables_for_qualcoder(tmp_path: Path):
    root = qde(export_qdpx(make_tagged(), CB, tmp_path / "a.qdpx"))
    etree.XMLSchema(etree.parse(str(XSD))).assertValid(root)
    names = {v.get("guid"): v.get("name") for v in root.iter(Q + "Variable")}
    got = {}
    for src in root.iter(Q + "TextSource"):
        values = {
            names[vv.find(Q + "VariableRef").get("targetGUID")]: vv.find(Q + "TextValue").text
            for vv in src.findall(Q + "VariableValue")
        }
        got[src.get("name")] = values
    assert got["q1"][S.RESPONDENT_ID] == "r1" and got["q1"][S.RESPONDENT_TYPE] == "staff"
    assert got["q1"][S.SITE] == "north" and got["q1"][S.WAVE] == "2026-W1"
    assert got["q3"][S.RESPONDENT_TYPE] == "community member"


def test_selections_on_a_sentence_that_starts_a_line_equal_the_sentence(tmp_path: Path):
    from cls_text.codebook.model import parse_codebook
    from cls_text.tag.rules import RulesTagger

    cb = parse_codebook(
        {
            "id": "mini",
            "name": "Mini",
            "version": "1.0.0",
            "themes": [{"id": "trust", "label": "Trust", "definition": "d", "terms": ["trust"]}],
        }
    )
    text = "Paperwork first.\nWe trust the team now."
    (ev_,) = RulesTagger(codebook=cb).fit().explain([text])
    row = {S.QUOTE_ID: "q1", S.RESPONDENT_ID: "r1", S.TEXT: text, "trust": 1,
           "trust_evidence": S.evidence_to_json(ev_["trust"])}  # fmt: skip
    root = qde(export_qdpx(pd.DataFrame([row]), cb, tmp_path / "a.qdpx"))
    (sel,) = root.iter(Q + "PlainTextSelection")
    start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
    assert text[start:end] == "We trust the team now."
