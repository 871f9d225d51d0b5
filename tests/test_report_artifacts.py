from __future__ import annotations

import pandas as pd
from test_report_fixture import W1, W2, fixture_codebook, load_fixture, wave

from cls_text import schema as S
from cls_text.report.artifacts import artifact_columns, artifact_key, run_artifacts

MANIFEST = {
    "conservation": {
        "holds": True,
        "total": {
            "answers_in": 14,
            "respondents_in": 7,
            "tagged": 10,
            "non_substantive": 2,
            "quarantined": 2,
        },
    }
}


def test_run_artifacts_payload(tmp_path):
    df = load_fixture()
    tagged = tmp_path / "tagged.xlsx"
    tagged.write_bytes(b"x")
    outputs = {"tagged_xlsx": tagged, "report_html": tmp_path / "missing.html"}
    payload = run_artifacts(
        wave(df, W2),
        fixture_codebook(),
        MANIFEST,
        outputs,
        history=wave(df, W1).assign(codebook_version="1.0.0"),
        min_base=2,
    )
    md = payload.markdown
    assert md.startswith(f"# Wave {W2}\n")
    assert (
        "14 answers read from 7 respondents = 10 tagged + 2 with nothing to say + 2 quarantined"
        in md
    )
    assert "| Trust | 50% | 19%–81% | 3 of 6 | +33.3 pts |" in md  # interval and change
    rows = pd.DataFrame(payload.prevalence)
    assert set(rows["by"]) == {"respondent type", "site"}
    trust_staff = rows[(rows["theme"] == "Trust") & (rows["group"] == "staff")].iloc[0]
    assert trust_staff["share %"] == round(
        100 * trust_staff["respondents raising it"] / trust_staff["respondents answering"], 1
    )
    assert trust_staff["95% CI low %"] < trust_staff["share %"] < trust_staff["95% CI high %"]
    (link,) = payload.links  # files that do not exist get no link
    assert link.key == "tagged-xlsx" and link.url == tagged.resolve().as_uri()
    assert link.text == "tagged.xlsx" and "Excel" in link.description


def test_small_groups_show_counts_only():
    df = load_fixture()
    payload = run_artifacts(wave(df, W2), fixture_codebook(), {}, {}, min_base=50)
    rows = pd.DataFrame(payload.prevalence)
    assert rows["share %"].isna().all() and (rows["respondents answering"] > 0).all()
    assert "Conservation" not in payload.markdown


def test_artifact_keys_are_kebab_case():
    assert artifact_key("Tagged_XLSX") == "tagged-xlsx"
    assert artifact_key("__") == "output"


def test_artifacts_from_the_pruned_columns_equal_those_from_the_whole_table():
    df, cb = wave(load_fixture(), W2), fixture_codebook()
    keep = artifact_columns(list(df.columns), cb)
    assert S.TEXT not in keep and not any(c.startswith("evidence") or "evidence" in c for c in keep)
    assert set(cb.theme_ids()) <= set(keep) and S.RESPONDENT_TYPE in keep
    whole = run_artifacts(df, cb, MANIFEST, {}, min_base=2)
    pruned = run_artifacts(df[keep], cb, MANIFEST, {}, min_base=2)
    assert pruned.markdown == whole.markdown and pruned.prevalence == whole.prevalence
