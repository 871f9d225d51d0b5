"""Answers not in English: kept and counted, not tagged unless the codebook asks for it."""

from __future__ import annotations

import pandas as pd
import pytest

from cls_text import schema as S
from cls_text.codebook.model import load_codebook, parse_codebook
from cls_text.errors import CodebookError
from cls_text.ingest.text import untagged_non_english
from cls_text.report import compute_report_data
from cls_text.report.counts import conservation_line, lede
from cls_text.report.trends import prevalence
from cls_text.run.counts import theme_counts
from cls_text.run.manifest import console_summary
from cls_text.tag.frame import tag_frame
from cls_text.tag.rules import RulesTagger

WELSH = "Dim digon o ymddiriedaeth, gormod o waith papur a biwrocratiaeth."
#: A trust answer in English, and the same words in a Welsh answer that mentions "trust"
ROWS = [
    ("r1", "We are trusted now and the paperwork has gone.", ""),
    ("r2", f"{WELSH} No trust.", "non_english"),
    ("r3", "n/a", "non_substantive"),
]


def _long() -> pd.DataFrame:
    return pd.DataFrame(
        {
            S.QUOTE_ID: [f"q{i}" for i in range(len(ROWS))],
            S.RESPONDENT_ID: [r for r, _, _ in ROWS],
            S.RESPONDENT_TYPE: ["staff"] * len(ROWS),
            S.WAVE: ["W1"] * len(ROWS),
            S.TEXT: [t for _, t, _ in ROWS],
            S.QUESTION: ["What could be better?"] * len(ROWS),
            S.NON_SUBSTANTIVE: [f == "non_substantive" for _, _, f in ROWS],
            S.DUPLICATE_ANSWER: [False] * len(ROWS),
            S.FLAGS: [f for _, _, f in ROWS],
        }
    )


def _tag(codebook):
    return tag_frame(_long(), RulesTagger(codebook=codebook).fit(), codebook, tagger_name="rules")


def _with_option(codebook, value=True):
    return parse_codebook(codebook.model_dump(mode="json") | {"tag_non_english": value})


def test_answers_not_in_english_stay_in_the_table_with_no_themes(tiny_codebook):
    out = _tag(tiny_codebook)
    assert len(out) == 3  # nothing dropped
    assert out[S.FLAGS].tolist() == ["", "non_english", "non_substantive"]
    assert out[S.THEMES].tolist()[1:] == ["", ""]
    assert out.loc[0, S.THEMES] != ""  # the English answer is tagged
    assert out[S.TAGGER].tolist() == ["rules", "", ""]
    assert out.loc[1, [*tiny_codebook.theme_ids()]].sum() == 0
    assert untagged_non_english(out).tolist() == [False, True, False]


def test_a_codebook_can_ask_for_every_language_to_be_tagged(tiny_codebook):
    out = _tag(_with_option(tiny_codebook))
    assert out[S.TAGGER].tolist() == ["rules", "rules", ""]
    assert "trust" in out.loc[1, S.THEMES].split(";")  # "No trust." matched
    assert not untagged_non_english(out).any()


def test_the_option_is_validated_and_leaves_older_hashes_alone(tiny_codebook):
    default = load_codebook(None)
    # The hash of a codebook without the option is the hash it had before the option existed.
    raw = default.model_dump(mode="json")
    del raw["tag_non_english"]
    import hashlib
    import json

    before = hashlib.sha256(
        json.dumps(raw, sort_keys=True, ensure_ascii=False).encode("utf-8")
    ).hexdigest()
    assert default.content_hash() == before
    assert _with_option(default).content_hash() != before
    assert _with_option(default, False).content_hash() == before
    data = tiny_codebook.model_dump(mode="json")
    with pytest.raises(CodebookError, match="tag_non_englsh.*unknown key"):
        parse_codebook({**data, "tag_non_englsh": True})
    with pytest.raises(CodebookError, match="tag_non_english"):
        parse_codebook({**data, "tag_non_english": "sometimes"})


def test_untagged_answers_are_in_no_share_and_are_counted(tiny_codebook):
    out = _tag(tiny_codebook)
    table = theme_counts(out, tiny_codebook).set_index("theme")
    # one substantive answer was looked at: the Welsh one does not dilute the shares
    assert table.loc["trust", "share_of_quotes"] == 1.0
    prev = prevalence(out, tiny_codebook.theme_ids()).set_index("theme")
    assert prev.loc["trust", "n_quotes"] == 1 and prev.loc["trust", "n_resp"] == 1
    data = compute_report_data(out, tiny_codebook)
    assert data.counts["non_english"] == 1 and data.counts["non_english_untagged"] == 1
    assert "1 answer was not in English: 1 kept but not tagged" in lede(data.counts, {})
    tagged_all = _tag(_with_option(tiny_codebook))
    assert prevalence(tagged_all, ["trust"]).loc[0, "n_quotes"] == 2
    assert "were tagged (the codebook asks for it)" in lede(
        compute_report_data(tagged_all, tiny_codebook).counts, {}
    )


def test_conservation_line_and_console_say_how_many_were_left_untagged():
    totals = {
        "answers_in": 3,
        "respondents_in": 3,
        "tagged": 2,
        "non_substantive": 1,
        "quarantined": 0,
    }
    assert conservation_line(totals, non_english=1) == (
        "3 answers read from 3 respondents = 2 tagged (of which 1 not in English: kept, no "
        "themes looked for) + 1 with nothing to say + 0 quarantined."
    )
    manifest = {
        "wave": "W1",
        "conservation": {"total": totals},
        "non_english": {"answers": 1, "untagged": 1},
        "inputs": [{"name": "a.csv", "detected_map": ["respondent id column: 'ID'"]}],
    }
    lines = console_summary(manifest)
    assert lines[0] == (
        "Wave W1: 3 answers read = 2 tagged + 1 with nothing to say + 0 quarantined."
    )
    assert lines[1].startswith("1 answer(s) not in English (flagged non_english): 1 kept but")
    assert len(lines) == 2  # nothing missing to repeat
