"""The streaming flow (flows/bulk.py) wires cls_text.run.bulk to Prefect and the CLI's --stream."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
SPRING = REPO / "data" / "raw" / "2026-spring"
SPRING_CONFIG = REPO / "data" / "configs" / "spring_2026.yaml"


def test_stream_flow_on_threads_matches_library(prefect_harness, tmp_path):
    from cls_text.codebook.model import load_codebook
    from cls_text.config import load_config
    from cls_text.run import bulk
    from cls_text.tag.select import build_rules
    from flows.bulk import run_stream

    cfg_dict = yaml.safe_load(SPRING_CONFIG.read_text())
    cfg_dict["tagger"] = "rules"
    cfg_path = tmp_path / "rules.yaml"
    cfg_path.write_text(yaml.safe_dump(cfg_dict))
    out = Path(
        run_stream(
            task_runner="default",
            inputs=[str(SPRING)],
            wave="2026-W1",
            out_dir=str(tmp_path / "flow"),
            config=str(cfg_path),
            chunk_rows=40,
            xlsx_max_rows=10,
        )
    )
    cb = load_codebook(None)
    ref = bulk.stream_wave(
        [SPRING],
        load_config(cfg_path),
        cb,
        build_rules(cb),
        {"kind": "rules", "name": "rules"},
        tmp_path / "lib",
        wave="2026-W1",
        chunk_rows=40,
    ).out_dir
    for name in ("tagged.parquet", "tagged.csv", "quarantine.csv"):
        assert (out / name).read_bytes() == (ref / name).read_bytes(), name
    m = json.loads((out / "manifest.json").read_text())
    assert m["flow_run_id"] and m["streaming"]["chunks"] > 1
    assert m["streaming"]["xlsx_skipped"] and not (out / "tagged.xlsx").exists()
    assert m["conservation"]["holds"]
