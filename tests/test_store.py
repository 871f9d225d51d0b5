from __future__ import annotations

import pandas as pd
import pytest
from test_report_fixture import W1, W2, fixture_codebook, load_fixture, wave

from cls_text.errors import StoreError
from cls_text.io import store
from cls_text.report import trends


@pytest.fixture()
def filled(tmp_path):
    df = load_fixture()
    root = tmp_path / "store"
    store.append_wave(
        wave(df, W1), root, wave=W1, codebook_summary=fixture_codebook("1.0.0").summary()
    )
    store.append_wave(wave(df, W2), root, wave=W2, codebook_summary=fixture_codebook().summary())
    return root, df


def test_append_writes_hive_partitions_and_metadata(filled):
    root, _ = filled
    assert sorted(p.name for p in root.iterdir()) == [f"wave={W1}", f"wave={W2}"]
    assert (root / f"wave={W2}" / "part-0.parquet").is_file()
    waves = store.store_waves(root)
    assert list(waves["wave"]) == [W1, W2]
    assert list(waves["codebook_version"]) == ["1.0.0", "1.1.0"]
    assert list(waves["n_rows"]) == [6, 12]
    assert waves["theme_ids"].tolist() == [["trust", "money"], ["trust", "money", "partnership"]]


def test_read_store_aligns_themes_by_id_with_na_not_zero(filled):
    root, df = filled
    got = store.read_store(root)
    assert len(got) == 18
    assert str(got["partnership"].dtype) == "Int64"
    w1 = got[got["wave"] == W1]
    assert w1["partnership"].isna().all()
    assert w1["trust"].tolist() == [1, 0, 0, 0, 0, 0]
    assert set(w1["codebook_version"]) == {"1.0.0"}
    # Round trip: wave 2's exact text and tags come back unchanged.
    w2 = got[got["wave"] == W2].reset_index(drop=True)
    src = wave(df, W2)
    assert w2["text"].tolist() == src["text"].tolist()
    assert w2["money"].tolist() == src["money"].tolist()
    # The statistics read the store as they read the wave files.
    prev = trends.prevalence(got, ["partnership"])
    assert prev.loc[0, "n_resp"] == 6


def test_read_store_subset_and_unknown_wave(filled):
    root, _ = filled
    assert set(store.read_store(root, waves=[W2])["wave"]) == {W2}
    with pytest.raises(StoreError, match="2030-W9"):
        store.read_store(root, waves=["2030-W9"])


def test_reprocessing_replaces_only_that_partition(filled):
    root, df = filled
    w1_bytes = (root / f"wave={W1}" / "part-0.parquet").read_bytes()
    smaller = wave(df, W2).head(3)
    store.append_wave(smaller, root, wave=W2, codebook_summary=fixture_codebook().summary())
    got = store.read_store(root)
    assert (got["wave"] == W2).sum() == 3
    assert (got["wave"] == W1).sum() == 6
    assert (root / f"wave={W1}" / "part-0.parquet").read_bytes() == w1_bytes
    assert not [p for p in root.iterdir() if p.name.startswith(".")]  # no staging left behind


def test_query_store_through_duckdb(filled):
    root, _ = filled
    out = store.query_store(
        root,
        "SELECT wave, count(*) AS n, sum(trust) AS trust, count(partnership) AS coded "
        "FROM store GROUP BY wave ORDER BY wave",
    )
    assert out["wave"].tolist() == [W1, W2]
    assert out["n"].tolist() == [6, 12]
    assert out["trust"].tolist() == [1, 5]
    assert out["coded"].tolist() == [0, 12]  # partnership is NULL, not 0, in wave 1


def test_query_store_keeps_numeric_wave_labels_as_text(tmp_path):
    df = wave(load_fixture(), W2).assign(wave="2026")
    store.append_wave(df, tmp_path, wave="2026", codebook_summary=fixture_codebook().summary())
    out = store.query_store(tmp_path, "SELECT DISTINCT wave FROM store")
    assert out["wave"].tolist() == ["2026"]


def test_codebook_status_marks_older_versions(filled):
    root, _ = filled
    summary = fixture_codebook().summary() | {"theme_ids": ["trust", "money", "partnership"]}
    status = store.codebook_status(root, summary).set_index("wave")
    assert status.loc[W1, "older_codebook"] and not status.loc[W2, "older_codebook"]
    assert status.loc[W2, "same_codebook"] and not status.loc[W1, "same_codebook"]
    assert status.loc[W1, "missing_themes"] == ["partnership"]


@pytest.mark.parametrize("label", ["../etc", "a/b", "", "wave one"])
def test_bad_wave_labels_are_rejected(tmp_path, label):
    df = pd.DataFrame({"respondent_id": ["a"]})
    with pytest.raises(StoreError, match="cannot name a wave"):
        store.append_wave(df, tmp_path, wave=label, codebook_summary=fixture_codebook().summary())


def test_append_rejects_mixed_waves_and_incomplete_summary(tmp_path):
    df = load_fixture()
    with pytest.raises(StoreError, match="also holds"):
        store.append_wave(df, tmp_path, wave=W2, codebook_summary=fixture_codebook().summary())
    with pytest.raises(StoreError, match="hash"):
        store.append_wave(wave(df, W2), tmp_path, wave=W2, codebook_summary={"id": "x"})
    assert not (tmp_path / f"wave={W2}").exists()


def test_empty_store(tmp_path):
    assert store.read_store(tmp_path / "none").empty
    with pytest.raises(StoreError, match="holds no wave"):
        store.query_store(tmp_path, "SELECT 1")


def test_read_store_with_codebook_follows_renames(tmp_path):
    from cls_text.codebook.model import parse_codebook

    df = load_fixture()
    store.append_wave(
        wave(df, W1), tmp_path, wave=W1, codebook_summary=fixture_codebook("1.0.0").summary()
    )
    current = parse_codebook(
        {
            "id": "fixture",
            "name": "Fixture",
            "version": "2.0.0",
            "themes": [
                {"id": "trust", "label": "Trust", "definition": "d"},
                {"id": "funding", "label": "Funding", "definition": "d"},
            ],
            "changes": [
                {"version": "2.0.0", "op": "rename", "source": ["money"], "target": ["funding"]}
            ],
        }
    )
    got = store.read_store(tmp_path, codebook=current)
    assert "money" not in got.columns
    assert got["funding"].tolist() == [1, 1, 1, 0, 0, 0]
    assert str(got["funding"].dtype) == "Int64"
    assert set(got["codebook_version"]) == {"1.0.0"}
    # Without the codebook, the stored ids are kept as they are.
    assert "money" in store.read_store(tmp_path).columns


def test_programmes_have_separate_stores_and_never_mix(tmp_path):
    df = load_fixture()
    cb_old, cb = fixture_codebook("1.0.0"), fixture_codebook()
    ours = store.programme_store(tmp_path, "wellbeing-2026")
    other = store.programme_store(tmp_path, "cls-demo")
    store.append_wave(wave(df, W1), other, wave=W1, codebook_summary=cb_old.summary())
    trial = wave(df, W1).assign(wave="trial")
    store.append_wave(trial, ours, wave="trial", codebook_summary=cb.summary())
    history = store.comparison_history(ours, cb, wave=W2)
    assert set(history["wave"]) == {"trial"}
    assert store.comparison_history(other, cb, wave=W2)["wave"].unique().tolist() == [W1]
    with pytest.raises(StoreError, match="stored: trial"):
        store.comparison_history(ours, cb, wave=W2, compare_with=W1)


def test_comparison_leaves_out_the_wave_itself_and_honours_options(filled):
    root, _ = filled
    cb = fixture_codebook()
    # Re-running W2 compares with W1 only, never with W2's earlier run.
    assert set(store.comparison_history(root, cb, wave=W2)["wave"]) == {W1}
    assert store.comparison_history(root, cb, wave=W2, compare=False) is None
    assert set(store.comparison_history(root, cb, wave="2027-W1", compare_with=W2)["wave"]) == {W2}
    with pytest.raises(StoreError, match="is the wave being processed"):
        store.comparison_history(root, cb, wave=W2, compare_with=W2)
    assert store.comparison_history(root / "absent", cb, wave=W2) is None


def test_rerunning_a_wave_replaces_it_in_the_store(filled):
    root, df = filled
    summary = fixture_codebook().summary()
    store.append_wave(wave(df, W2).head(3), root, wave=W2, codebook_summary=summary)
    waves = store.store_waves(root)
    assert waves["wave"].tolist() == [W1, W2]
    assert waves.set_index("wave").loc[W2, "n_rows"] == 3


def test_describe_comparison_names_waves_versions_and_redefined_themes(filled):
    from cls_text.codebook.model import parse_codebook

    root, _ = filled
    base = fixture_codebook().model_dump(mode="json")
    base["version"] = "1.2.0"
    base["changes"] = [
        {"version": "1.1.0", "op": "add", "target": ["partnership"]},
        {"version": "1.2.0", "op": "edit_definition", "source": ["trust"], "target": ["trust"]},
    ]
    cb = parse_codebook(base)
    history = store.comparison_history(root, cb, wave="2026-W9")
    got = store.describe_comparison(history, cb)
    assert got["waves"] == [W1, W2]
    assert got["codebook_versions"] == {W1: "1.0.0", W2: "1.1.0"}
    assert got["changed_themes"] == ["trust"]  # money unchanged; partnership was only added
    assert store.describe_comparison(None, cb)["waves"] == []


def test_a_wave_stored_from_its_file_equals_the_wave_stored_from_its_table(tmp_path):
    from cls_text.io import write_parquet

    df = wave(load_fixture(), W2)
    summary = fixture_codebook().summary()
    write_parquet(df, tmp_path / "tagged.parquet")
    store.append_wave(df, tmp_path / "a", wave=W2, codebook_summary=summary)
    store.append_wave_file(
        tmp_path / "tagged.parquet", tmp_path / "b", wave=W2, codebook_summary=summary
    )
    for name in ("part-0.parquet", "wave.json"):
        a = (store.partition_dir(tmp_path / "a", W2) / name).read_bytes()
        assert a == (store.partition_dir(tmp_path / "b", W2) / name).read_bytes()
    pd.testing.assert_frame_equal(
        store.read_store(tmp_path / "b"), store.read_store(tmp_path / "a")
    )
    write_parquet(load_fixture(), tmp_path / "both.parquet")  # two waves in one file
    with pytest.raises(StoreError, match="also holds"):
        store.append_wave_file(
            tmp_path / "both.parquet", tmp_path / "c", wave=W2, codebook_summary=summary
        )
    assert not (tmp_path / "c").exists() or not any((tmp_path / "c").iterdir())


def test_a_wave_file_of_several_row_groups_is_stored_whole(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    df = wave(load_fixture(), W2)
    table = pa.Table.from_pandas(df, preserve_index=False)
    pq.write_table(table, tmp_path / "tagged.parquet", row_group_size=5)
    assert pq.ParquetFile(tmp_path / "tagged.parquet").num_row_groups == 3
    summary = fixture_codebook().summary()
    store.append_wave(df, tmp_path / "a", wave=W2, codebook_summary=summary)
    store.append_wave_file(
        tmp_path / "tagged.parquet", tmp_path / "b", wave=W2, codebook_summary=summary
    )
    pd.testing.assert_frame_equal(
        store.read_store(tmp_path / "b"), store.read_store(tmp_path / "a")
    )
    assert store.store_waves(tmp_path / "b")["n_rows"].tolist() == [len(df)]
