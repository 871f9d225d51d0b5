"""Chunks tagged on threads or on a Dask cluster give the bytes of one chunk tagged inline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SPRING = REPO / "data" / "raw" / "2026-spring"
SPRING_CONFIG = REPO / "data" / "configs" / "spring_2026.yaml"
FAST = {"topics": False, "report": False, "store_dir": None}
TABLES = ("tagged.parquet", "tagged.csv", "quarantine.csv")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def rules_config(tmp_path_factory) -> str:
    cfg = yaml.safe_load(SPRING_CONFIG.read_text())
    cfg["tagger"] = "rules"
    # pseudonymised placeholders make numbering across chunks matter
    cfg.setdefault("redaction", {})["pseudonymise"] = True
    path = tmp_path_factory.mktemp("cfg") / "spring_rules.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return str(path)


@pytest.fixture(scope="module")
def reference(prefect_harness, rules_config, tmp_path_factory) -> Path:
    from flows.wave import process_wave

    out = tmp_path_factory.mktemp("ref") / "2026-W1"
    process_wave(
        inputs=[str(SPRING)],
        wave="2026-W1",
        out_dir=str(out),
        config=rules_config,
        **FAST,
    )
    return out


def _assert_same(a: Path, b: Path) -> None:
    for name in TABLES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    ma, mb = (json.loads((p / "manifest.json").read_text()) for p in (a, b))
    for key in ("conservation", "redactions", "inputs", "codebook"):
        assert ma[key] == mb[key], key


def test_threads_with_small_chunks_match_one_chunk(reference, rules_config, tmp_path):
    from flows.runners import run_on_runner
    from flows.wave import process_wave

    out = tmp_path / "2026-W1"
    run_on_runner(
        process_wave,
        task_runner="default",
        inputs=[str(SPRING)],
        wave="2026-W1",
        out_dir=str(out),
        config=rules_config,
        chunk_rows=97,
        **FAST,
    )
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["parameters"]["chunk_rows"] == 97
    assert manifest["chunks"] > 1
    assert sum(manifest["redactions"].values()) > 0
    _assert_same(reference, out)


def test_dask_local_cluster_matches_one_chunk(reference, rules_config, tmp_path):
    pytest.importorskip("prefect_dask")
    from flows.runners import run_on_runner
    from flows.wave import process_wave

    out = tmp_path / "2026-W1"
    run_on_runner(
        process_wave,
        task_runner="dask",
        inputs=[str(SPRING)],
        wave="2026-W1",
        out_dir=str(out),
        config=rules_config,
        chunk_rows=300,
        **FAST,
    )
    _assert_same(reference, out)
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]


def test_make_task_runner_rejects_bad_combinations():
    from flows.runners import make_task_runner

    with pytest.raises(ValueError, match="needs --task-runner dask"):
        make_task_runner("default", "tcp://127.0.0.1:8786")
    with pytest.raises(ValueError, match="'default' or 'dask'"):
        make_task_runner("ray")  # type: ignore[arg-type]
