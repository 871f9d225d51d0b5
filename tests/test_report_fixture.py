"""Loader for tests/data/report_fixture.csv, shared by the store, trends and report tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cls_text.codebook.model import Codebook, parse_codebook

FIXTURE = Path(__file__).resolve().parent / "data" / "report_fixture.csv"
THEME_IDS = ["trust", "money", "partnership"]
W1, W2 = "2026-W1", "2026-W2"


def load_fixture() -> pd.DataFrame:
    df = pd.read_csv(FIXTURE, dtype=str, keep_default_na=False)
    for col in ("non_substantive", "duplicate_answer"):
        df[col] = df[col] == "True"
    df["source_row"] = df["source_row"].astype(int)
    for t in THEME_IDS:
        df[t] = pd.to_numeric(df[t].replace("", None)).astype("Int64")
        df[t + "_score"] = pd.to_numeric(df[t + "_score"].replace("", None)).astype(float)
    return df


def wave(df: pd.DataFrame, label: str) -> pd.DataFrame:
    """One wave; wave 1 was tagged under codebook 1.0.0, which had no 'partnership' theme."""
    part = df.loc[df["wave"] == label].reset_index(drop=True)
    if label == W1:
        part = part.drop(columns=[c for c in part.columns if c.startswith("partnership")])
    return part


def fixture_codebook(version: str = "1.1.0") -> Codebook:
    themes = [
        {"id": "trust", "label": "Trust", "definition": "Trust given or withheld."},
        {"id": "money", "label": "Money", "definition": "Budgets and funding."},
    ]
    if version != "1.0.0":
        themes.append(
            {"id": "partnership", "label": "Partnership", "definition": "Working with partners."}
        )
    return parse_codebook(
        {"id": "fixture", "name": "Fixture", "version": version, "themes": themes}
    )


def test_fixture_loads_two_waves_with_nullable_themes():
    df = load_fixture()
    assert sorted(df["wave"].unique()) == [W1, W2]
    assert len(wave(df, W2)) == 12 and len(wave(df, W1)) == 6
    assert str(df["trust"].dtype) == "Int64"
    assert df.loc[df["wave"] == W1, "partnership"].isna().all()
    assert "partnership" not in wave(df, W1).columns
