from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / ".." / "shared" / "data" / "nhs_patient_feedback"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.nhs,
    pytest.mark.skipif(not (DATA / "v6framework_230831.csv").is_file(), reason="NHS data absent"),
]


def _bench():
    spec = importlib.util.spec_from_file_location(
        "nhs_feedback", REPO / "benchmarks" / "nhs_feedback.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_reduced_benchmark_writes_all_keys(tmp_path):
    bench = _bench()
    out = tmp_path / "results.json"
    bench.main(
        [
            "--data",
            str(DATA),
            "--out",
            str(out),
            "--methods",
            "ours",
            "tfidf_lr",
            "--max-train",
            "400",
            "--no-embeddings",
            "--no-char",
            "--cv",
            "3",
        ]
    )
    res = json.loads(out.read_text())
    for method in ("ours", "tfidf_lr"):
        r = res[method]
        for key in (
            "micro_f1",
            "macro_f1_20",
            "samples_f1",
            "fit_s",
            "predict_per_s",
            "peak_rss_mb",
        ):
            assert key in r
        assert r["n_train"] == 400 and r["n_test"] == 1241
        assert len(r["per_label_f1"]) == 50
        assert 0.2 < r["micro_f1"] < 0.9  # 400 examples learn something, far from perfect
    assert res["ours"]["too_few_examples"]  # many of the 50 labels have < 5 examples in 400 rows


def test_loader_reads_real_text_rows_and_50_labels():
    df, labels = _bench().load_nhs(DATA)
    assert len(labels) == 50 and len(df) == 6205
    assert set(df["split"]) == {"train", "test"}
