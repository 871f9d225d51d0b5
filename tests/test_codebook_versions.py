from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cls_text import schema as S
from cls_text.codebook.model import parse_codebook
from cls_text.codebook.versions import (
    NEEDS_REVIEW,
    check_codebook,
    diff_codebooks,
    format_diff,
    map_decisions,
    map_tagged,
    rereview_queue,
    theme_mapping,
)
from cls_text.errors import CodebookError
from cls_text.io import coded as cs


def theme(tid: str, terms: tuple[str, ...] = ("x",), definition: str = "d") -> dict:
    return {"id": tid, "label": tid, "definition": definition, "terms": list(terms),
            "examples": ["e"]}  # fmt: skip


V1 = parse_codebook(
    {"id": "cb", "name": "n", "version": "1.0.0",
     "themes": [theme("trust", ("trust",)), theme("wait", ("wait",)), theme("cost", ("cost",)),
                theme("price", ("price",)), theme("access", ("access",)), theme("old", ("old",))]}
)  # fmt: skip
V2 = parse_codebook(
    {
        "id": "cb",
        "name": "n",
        "version": "2.0.0",
        "themes": [
            theme("trust", ("trust", "faith"), definition="new definition"),
            theme("waiting_times", ("wait",)),
            theme("money", ("cost", "price")),
            theme("physical_access", ("ramp",)),
            theme("digital_access", ("online",)),
            theme("new_one", ("new",)),
        ],
        "changes": [
            {"version": "1.1.0", "op": "rename", "source": ["wait"], "target": ["waiting"]},
            {"version": "1.2.0", "op": "merge", "source": ["cost", "price"], "target": ["money"]},
            {"version": "1.2.0", "op": "split", "source": ["access"],
             "target": ["physical_access", "digital_access"]},
            {"version": "1.3.0", "op": "retire", "source": ["old"]},
            {"version": "2.0.0", "op": "rename", "source": ["waiting"],
             "target": ["waiting_times"]},
            {"version": "2.0.0", "op": "add", "target": ["new_one"]},
            {"version": "2.0.0", "op": "edit_definition", "source": ["trust"], "target": ["trust"]},
        ],
    }
)  # fmt: skip


def test_theme_mapping_follows_log():
    mp = theme_mapping(V1.theme_ids(), V2, "1.0.0")
    assert mp.targets == {
        "trust": ("trust",), "wait": ("waiting_times",), "cost": ("money",),
        "price": ("money",), "access": (), "old": (),
    }  # fmt: skip
    assert mp.ambiguous == {"access": ("digital_access", "physical_access")}
    # from an intermediate version only later steps apply
    assert theme_mapping(["waiting"], V2, "1.1.0").targets == {"waiting": ("waiting_times",)}
    with pytest.raises(CodebookError, match="newer than cb 1.0.0"):
        theme_mapping(["trust"], V1, "2.0.0")


def test_map_decisions_and_rereview():
    d = pd.DataFrame(
        [
            {S.QUOTE_ID: "a", cs.REVIEWER: "ann", S.THEMES: "wait;cost;price;old",
             cs.CODEBOOK_VERSION: "1.0.0"},
            {S.QUOTE_ID: "b", cs.REVIEWER: "ann", S.THEMES: "access;trust",
             cs.CODEBOOK_VERSION: "1.0.0"},
            {S.QUOTE_ID: "c", cs.REVIEWER: "ann", S.THEMES: "", cs.CODEBOOK_VERSION: "1.0.0"},
            {S.QUOTE_ID: "d", cs.REVIEWER: "bob", S.THEMES: "new_one",
             cs.CODEBOOK_VERSION: "2.0.0"},
        ]
    )  # fmt: skip
    m = map_decisions(d, V2)
    assert list(m[S.THEMES]) == ["waiting_times;money", "trust", "", "new_one"]
    assert list(m[NEEDS_REVIEW]) == [False, True, False, False]
    assert set(m[cs.CODEBOOK_VERSION]) == {"2.0.0"} and m.iloc[0]["mapped_from"] == "1.0.0"
    assert list(d[S.THEMES])[0] == "wait;cost;price;old"  # input untouched
    rq = rereview_queue(d, V2)
    assert list(rq[S.QUOTE_ID]) == ["b"] and "access" in rq.iloc[0]["reason"]


def test_map_tagged_merges_columns():
    ev = S.evidence_to_json([S.Evidence("cost", "cost", 0, 4, "cost", 0, 4, 1.0)])
    tagged = pd.DataFrame(
        {
            S.QUOTE_ID: ["a", "b"], "cost": [1, 0], "cost_score": [0.9, 0.1],
            "cost_stance": ["-", ""], "cost_evidence": [ev, "[]"],
            "price": [0, 1], "price_score": [0.2, 0.7], "price_stance": ["", "+"],
            "price_evidence": ["[]", "[]"], S.THEMES: ["cost", "price"],
        }
    )  # fmt: skip
    out = map_tagged(tagged, "1.0.0", V2)
    assert "cost" not in out and list(out["money"]) == [1, 1]
    assert list(out["money_score"]) == [0.9, 0.7] and list(out["money_stance"]) == ["-", "+"]
    assert S.evidence_from_json(out.loc[0, "money_evidence"])[0].term == "cost"
    assert list(out[S.THEMES]) == ["money", "money"]


def test_diff():
    diff = diff_codebooks(V1, V2)
    assert "new_one" in diff.added and "wait" in diff.removed
    assert diff.changed["trust"]["terms"] == {"added": ["faith"], "removed": []}
    assert diff.changed["trust"]["definition"]["new"] == "new definition"
    text = format_diff(diff)
    assert "[1.2.0] merge: cost, price -> money" in text and "~ trust.terms: +faith" in text
    assert "(no changes)" in format_diff(diff_codebooks(V1, V1))


def test_check_codebook(tmp_path: Path):
    bad = tmp_path / "cb.yaml"
    bad.write_text(
        "id: cb\nname: n\nversion: 1.0.0\nthemes:\n"
        "- {id: Trust, label: T, definition: d, terms: [trust], examples: [e]}\n"
        "- {id: faith, label: F, definition: d, terms: [Trust, belief]}\n"
        "- {id: empty, label: E, definition: d}\n"
    )
    msgs = [str(i) for i in check_codebook(bad)]
    assert "error: theme 'Trust': id is not snake_case (e.g. 'staff_morale')" in msgs
    assert "warning: theme 'faith': term 'trust' is also a term of Trust" in msgs
    assert "warning: theme 'empty': has no terms: the rules tagger cannot find it" in msgs
    assert "warning: theme 'faith': has no examples" in msgs
    assert not [i for i in check_codebook(V1) if i.level == "error"]
    assert not [i for i in check_codebook(V2) if i.level == "error"]  # 'waiting' renamed later
    broken = V2.model_dump()
    broken["changes"] = [{"version": "2.0.0", "op": "add", "target": ["ghost"]}]
    (tmp_path / "b.yaml").write_text(__import__("yaml").safe_dump(broken))
    assert (
        "error: theme 'ghost': change add in 2.0.0 names a theme that is not in the codebook"
        in [str(i) for i in check_codebook(tmp_path / "b.yaml")]
    )


def test_wave_review_puts_quotes_a_split_made_ambiguous_first(tmp_path: Path):
    from cls_text.run.steps import rereview_quotes

    def decision(qid: str, themes: str) -> dict:
        return {S.QUOTE_ID: qid, cs.REVIEWER: "ann", S.THEMES: themes,
                cs.CODEBOOK_VERSION: "1.0.0", S.TEXT: f"quote {qid}", S.WAVE: "W1"}  # fmt: skip

    coded = tmp_path / "coded"
    cs.append_decisions(
        coded,
        [decision("b", "access;trust"), decision("c", "trust"), decision("z", "access")],
        source_file="review.xlsx",
        source_sha256="0" * 64,
    )
    tagged = pd.DataFrame({S.QUOTE_ID: ["a", "b", "c"], S.TEXT: ["x", "y", "z"]})
    rq = rereview_quotes(coded, tagged, V2)
    # only this wave's quote whose theme was split; "z" is not in the wave
    assert list(rq[S.QUOTE_ID]) == ["b"]
    assert rereview_quotes(tmp_path / "none", tagged, V2) is None
    assert rereview_quotes(coded, tagged, V1) is None  # nothing was split under V1
