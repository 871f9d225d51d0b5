from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from flows.cli import app

runner = CliRunner()


def test_help_lists_every_command():
    res = runner.invoke(app, ["--help"])
    assert res.exit_code == 0
    for cmd in ("run", "demo", "tag", "train", "evaluate", "retrain", "review", "codebook", "qda"):
        assert cmd in res.output


def test_tag_writes_ids_themes_indicators_and_evidence(tmp_path, tiny_codebook_path):
    src = tmp_path / "quotes.csv"
    pd.DataFrame(
        {
            "quote_id": ["a", "b", "c"],
            "text": ["Too much paperwork.", "=1+1 no trust at all", "Call 07700 900123 please"],
        }
    ).to_csv(src, index=False)
    out = tmp_path / "tagged.csv"
    res = runner.invoke(
        app,
        [
            "tag",
            str(src),
            "--text-column",
            "text",
            "--id-column",
            "quote_id",
            "--out",
            str(out),
            "--codebook",
            str(tiny_codebook_path),
            "--tagger",
            "rules",
        ],
    )
    assert res.exit_code == 0, res.output
    df = pd.read_csv(out, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert df["quote_id"].tolist() == ["a", "b", "c"]
    assert df["themes"].tolist() == ["bureaucracy", "trust", ""]
    assert df["bureaucracy"].tolist() == ["1", "0", "0"]
    assert '"matched":"paperwork"' in df.loc[0, "bureaucracy_evidence"]
    assert "07700" not in out.read_text(encoding="utf-8-sig")  # redacted before tagging
    assert "text" not in df.columns


@pytest.mark.parametrize(
    "args, message",
    [
        (["--id-column", "nope"], "no id column 'nope'"),
        (["--text-column", "body"], "no text column 'body'"),
    ],
)
def test_tag_bad_columns_exit_2_with_clear_message(tmp_path, args, message):
    src = tmp_path / "quotes.csv"
    pd.DataFrame({"id": ["a"], "text": ["x"]}).to_csv(src, index=False)
    res = runner.invoke(app, ["tag", str(src), *args, "--tagger", "rules"])
    assert res.exit_code == 2
    assert message in res.output
    assert "Traceback" not in res.output


def test_tag_repeated_ids_are_named(tmp_path):
    src = tmp_path / "quotes.csv"
    pd.DataFrame({"id": ["a", "a"], "text": ["x", "y"]}).to_csv(src, index=False)
    res = runner.invoke(app, ["tag", str(src), "--tagger", "rules"])
    assert res.exit_code == 2
    assert "row 3: id 'a' repeats row 2" in res.output


def test_codebook_check_and_diff(tmp_path, tiny_codebook_path):
    res = runner.invoke(app, ["codebook", "check", str(tiny_codebook_path)])
    assert "issue(s)" in res.output
    res = runner.invoke(app, ["codebook", "diff", str(tiny_codebook_path), str(tiny_codebook_path)])
    assert res.exit_code == 0
