from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from cls_text import schema as S
from cls_text.codebook.model import parse_codebook
from cls_text.io import coded as cs
from cls_text.review.queue import (
    AUDIT,
    QUEUE,
    ReviewImportError,
    import_review,
    rank_queue,
    sample_audit,
    write_review,
)

CB = parse_codebook(
    {
        "id": "mini",
        "name": "Mini",
        "version": "1.0.0",
        "themes": [
            {"id": "trust", "label": "Trust", "definition": "d", "terms": ["trust"]},
            {"id": "waiting", "label": "Waiting", "definition": "d", "terms": ["wait"]},
        ],
    }
)


def make_tagged(n: int = 40, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        s_trust, s_wait = rng.uniform(0, 1, 2)
        rows.append(
            {
                S.QUOTE_ID: f"q{i:03d}",
                S.RESPONDENT_ID: f"r{i}",
                S.RESPONDENT_TYPE: "staff" if i % 4 else "community member",
                S.SITE: "north" if i % 2 else "south",
                S.WAVE: "2026-W1",
                S.QUESTION: "What worked?",
                S.TEXT: f"answer {i} about trust and waiting" if i != 3 else "=HYPERLINK(1)",
                S.NON_SUBSTANTIVE: i == 5,
                "trust": int(s_trust >= 0.5),
                "trust_score": s_trust,
                "waiting": int(s_wait >= 0.5),
                "waiting_score": s_wait,
                S.THEMES: ";".join(
                    t for t, s in (("trust", s_trust), ("waiting", s_wait)) if s >= 0.5
                ),
            }
        )
    return pd.DataFrame(rows)


def test_audit_is_stratified_seeded_and_excludes_non_substantive():
    tagged = make_tagged(40)
    a1 = sample_audit(tagged, 20, seed=1)
    a2 = sample_audit(tagged.sample(frac=1, random_state=3), 20, seed=1)
    assert len(a1) == 20
    assert list(a1[S.QUOTE_ID]) == list(a2[S.QUOTE_ID])  # input order does not matter
    assert "q005" not in set(a1[S.QUOTE_ID])
    # proportional: 10 of 39 substantive quotes are community members -> about 5 of 20
    assert 4 <= (a1[S.RESPONDENT_TYPE] == "community member").sum() <= 6
    assert set(sample_audit(tagged, 20, seed=2)[S.QUOTE_ID]) != set(a1[S.QUOTE_ID])


def test_queue_ranks_near_threshold_then_disagreement_first():
    tagged = make_tagged(30)
    q = rank_queue(tagged, CB, size=5)
    margins = (tagged.set_index(S.QUOTE_ID)[["trust_score", "waiting_score"]] - 0.5).abs().min(1)
    margins = margins.drop("q005")
    assert list(q[S.QUOTE_ID]) == list(margins.sort_values().index[:5])
    other = tagged.copy()
    other.loc[other[S.QUOTE_ID] == "q020", "trust"] = 1 - other.loc[20, "trust"]
    q2 = rank_queue(tagged, CB, size=5, second_opinion=other, exclude={"q000"})
    assert q2.iloc[0][S.QUOTE_ID] == "q020" and q2.iloc[0]["reason"] == "taggers disagree"
    assert "q000" not in set(q2[S.QUOTE_ID])
    cand = pd.DataFrame({S.QUOTE_ID: ["q011", "q011"], "candidate": ["transport", "bus"]})
    q3 = rank_queue(tagged, CB, size=5, candidates=cand)
    assert q3.iloc[0][S.QUOTE_ID] == "q011" and "transport" in q3.iloc[0]["reason"]
    many = pd.DataFrame({S.QUOTE_ID: [f"q{i:03d}" for i in range(10, 20)],
                         "candidate": ["a", "b"] * 5})  # fmt: skip
    q5 = rank_queue(tagged, CB, size=8, candidates=many)
    picked = q5[q5["reason"].str.startswith("candidate")]
    assert len(picked) == 2 and set(picked["reason"]) == {
        "candidate theme: a",
        "candidate theme: b",
    }
    redo = pd.DataFrame({S.QUOTE_ID: ["q012"], "reason": ["codebook split: 'x'"]})
    q4 = rank_queue(tagged, CB, size=5, candidates=cand, rereview=redo)
    assert list(q4[S.QUOTE_ID][:2]) == ["q012", "q011"] and q4.iloc[0]["reason"].startswith("code")


def test_write_review_files(tmp_path: Path):
    paths = write_review(make_tagged(40), CB, tmp_path, queue_size=10, audit_size=8)
    wb = openpyxl.load_workbook(paths["review_xlsx"])
    assert wb.sheetnames == [QUEUE, AUDIT, "instructions"]
    queue, audit = wb[QUEUE], wb[AUDIT]
    qhead = [c.value for c in queue[1]]
    ahead = [c.value for c in audit[1]]
    assert "machine_themes" in qhead and "machine_themes" not in ahead  # blind
    assert queue.max_row == 11 and audit.max_row == 9
    qids = {r[0] for r in queue.iter_rows(min_row=2, values_only=True)}
    aids = {r[0] for r in audit.iter_rows(min_row=2, values_only=True)}
    assert not qids & aids
    sha_col = qhead.index(cs.TEXT_SHA) + 1
    assert queue.column_dimensions[openpyxl.utils.get_column_letter(sha_col)].hidden
    assert queue.protection.sheet
    sqrefs = [str(dv.sqref) for dv in queue.data_validations.dataValidation]
    formulas = sorted(dv.formula1 for dv in queue.data_validations.dataValidation)
    assert len(sqrefs) == 3 and '"x,1,0"' in formulas
    assert '"positive,neutral,mixed,negative"' in formulas
    for theme in CB.theme_ids():  # theme headers are never cut ("bure", "com")
        letter = openpyxl.utils.get_column_letter(qhead.index(theme) + 1)
        assert queue.column_dimensions[letter].width >= min(len(theme) + 2, 24)
        assert queue[f"{letter}1"].alignment.wrap_text
    texts = [c.value for c in queue["F"][1:]] + [c.value for c in audit["F"][1:]]
    assert all(not str(t).startswith("=") for t in texts)
    csv = pd.read_csv(paths["review_csv"], dtype=str, keep_default_na=False)
    assert len(csv) == 18 and set(csv["sheet"]) == {QUEUE, AUDIT}


def _fill(path: Path, edits: dict[tuple[str, int], dict[str, object]]) -> None:
    wb = openpyxl.load_workbook(path)
    for (sheet, row), values in edits.items():
        ws = wb[sheet]
        head = [c.value for c in ws[1]]
        for col, value in values.items():
            ws.cell(row=row, column=head.index(col) + 1, value=value)
    wb.save(path)


def test_import_roundtrip_idempotent_and_supersedes(tmp_path: Path):
    tagged = make_tagged(40)
    tagged.loc[3, S.NON_SUBSTANTIVE] = False
    paths = write_review(tagged, CB, tmp_path / "w", queue_size=40, audit_size=5)
    xlsx = paths["review_xlsx"]
    _fill(xlsx, {(AUDIT, 2): {"trust": "x", "stance": "+", "reviewer": "ann"},
                 (AUDIT, 3): {"stance": "Negative", "reviewer": "ann"},
                 (QUEUE, 2): {"waiting": 1, "reviewer": "bob"}})  # fmt: skip
    store = tmp_path / "store"
    res = import_review(xlsx, CB, store)
    assert (res.n_reviewed, res.n_added, res.already_imported) == (3, 3, False)
    assert res.reviewers == ("ann", "bob") and res.wave == "2026-W1"
    again = import_review(xlsx, CB, store)
    assert again.n_added == 0 and again.already_imported
    hist = cs.read_history(store)
    assert len(hist) == 3
    first = hist[hist[cs.REVIEWER] == "ann"].iloc[0]
    # an older '+' is read and stored as the word; words are accepted in any case
    assert first[S.THEMES] == "trust" and first[cs.STANCE] == "positive"
    assert first[cs.ORIGIN] == AUDIT
    second = hist[hist[cs.REVIEWER] == "ann"].iloc[1]
    assert second[S.THEMES] == "" and second[cs.STANCE] == "negative"  # reviewed, none apply
    # a corrected file supersedes, history keeps both
    _fill(xlsx, {(AUDIT, 2): {"trust": "", "waiting": "x"}})
    import_review(xlsx, CB, store)
    latest = cs.latest_decisions(store)
    assert len(latest) == 3 and len(cs.read_history(store)) == 6
    qid = first[S.QUOTE_ID]
    row = latest[(latest[S.QUOTE_ID] == qid) & (latest[cs.REVIEWER] == "ann")].iloc[0]
    assert row[S.THEMES] == "waiting"


def test_import_keeps_formula_text_exact(tmp_path: Path):
    tagged = make_tagged(10)
    paths = write_review(tagged, CB, tmp_path, queue_size=10, audit_size=0)
    wb = openpyxl.load_workbook(paths["review_xlsx"])
    row = [r[0].row for r in wb[QUEUE].iter_rows(min_row=2) if r[0].value == "q003"][0]
    _fill(paths["review_xlsx"], {(QUEUE, row): {"trust": "x", "reviewer": "ann"}})
    import_review(paths["review_xlsx"], CB, tmp_path / "s")
    assert cs.read_history(tmp_path / "s").iloc[0][S.TEXT] == "=HYPERLINK(1)"


@pytest.mark.parametrize(
    "edit, message",
    [
        ({"trust": "x"}, r"row 2 \(quote q\d+\): has ticks.*no reviewer"),
        ({"reviewer": "ann", "text": "changed"}, r"row 2 .*text was edited"),
        ({"reviewer": "ann", "trust": "yes please"}, r"row 2 .*'trust' has 'yes please'"),
        ({"reviewer": "ann", "stance": "++"}, r"row 2 .*stance '\+\+'"),
    ],
)
def test_import_row_errors(tmp_path: Path, edit: dict[str, object], message: str):
    paths = write_review(make_tagged(10), CB, tmp_path, queue_size=5, audit_size=0)
    _fill(paths["review_xlsx"], {(QUEUE, 2): edit})
    with pytest.raises(ReviewImportError, match=message):
        import_review(paths["review_xlsx"], CB, tmp_path / "s")
    assert cs.read_history(tmp_path / "s").empty  # nothing appended on error


def test_import_unknown_theme_and_duplicates(tmp_path: Path):
    paths = write_review(make_tagged(10), CB, tmp_path, queue_size=5, audit_size=0)
    wb = openpyxl.load_workbook(paths["review_xlsx"])
    ws = wb[QUEUE]
    ws.cell(row=1, column=ws.max_column + 1, value="transport")
    ws.cell(row=3, column=1, value=ws.cell(row=2, column=1).value)
    for r in (2, 3):
        ws.cell(row=r, column=[c.value for c in ws[1]].index("reviewer") + 1, value="ann")
    wb.save(paths["review_xlsx"])
    with pytest.raises(ReviewImportError) as err:
        import_review(paths["review_xlsx"], CB, tmp_path / "s")
    msg = str(err.value)
    assert "column 'transport' is not a theme id" in msg
    assert "row 3" in msg and "also on row 2" in msg


def test_import_csv(tmp_path: Path):
    paths = write_review(make_tagged(12), CB, tmp_path, queue_size=4, audit_size=3)
    df = pd.read_csv(paths["review_csv"], dtype=str, keep_default_na=False, encoding="utf-8-sig")
    df.loc[4, ["waiting", "reviewer"]] = ["1", "cat"]
    df.to_csv(paths["review_csv"], index=False, encoding="utf-8-sig")
    res = import_review(paths["review_csv"], CB, tmp_path / "s", wave="2026-W1")
    assert res.n_added == 1
    rec = cs.read_history(tmp_path / "s").iloc[0]
    assert rec[cs.ORIGIN] == AUDIT and rec[S.THEMES] == "waiting"
    df.loc[5, "waiting"] = "x"
    df.to_csv(paths["review_csv"], index=False, encoding="utf-8-sig")
    with pytest.raises(ReviewImportError, match=r"sheet 'audit', row 7 "):
        import_review(paths["review_csv"], CB, tmp_path / "s")


def test_queue_puts_an_answer_without_any_score_last_rather_than_failing():
    tagged = make_tagged(12)
    tagged.loc[2, ["trust_score", "waiting_score"]] = np.nan
    q = rank_queue(tagged, CB, size=11)
    assert q.iloc[-1][S.QUOTE_ID] == "q002" and q.iloc[-1]["reason"] == "no theme score"
    assert "q002" not in set(rank_queue(tagged, CB, size=10)[S.QUOTE_ID])


def test_blank_and_whitespace_answers_are_never_offered_for_review():
    tagged = make_tagged(10)
    tagged.loc[1, S.TEXT] = " \u00a0\t"
    tagged.loc[2, S.TEXT] = None
    ids = set(sample_audit(tagged, 100)[S.QUOTE_ID]) | set(rank_queue(tagged, CB)[S.QUOTE_ID])
    assert ids == {f"q{i:03d}" for i in range(10)} - {"q001", "q002", "q005"}
