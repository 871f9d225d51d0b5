"""Golden outputs: the sample waves' tagged tables are the bytes the previous release wrote.

``tests/data/golden/sample_waves_rules.json`` holds the sha256 of ``tagged.csv`` and
``quarantine.csv``, the content hash and schema of ``tagged.parquet``, and the manifest's
counts, as written for both sample waves by the release before the stage-package redesign
(``tagger: rules``, so the figures do not move when a learned model is retrained). Any intended
difference must be listed in CHANGELOG.md with its reason and the file re-captured.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml

from cls_text.codebook import load_codebook
from cls_text.config import parse_config
from cls_text.run.wave import WaveOptions, run_wave
from cls_text.tag.select import build_rules

REPO = Path(__file__).resolve().parents[1]
GOLDEN = json.loads((REPO / "tests" / "data" / "golden" / "sample_waves_rules.json").read_text())
GOLDEN_KEY = REPO / "tests" / "data" / "golden" / "id.key"  # test-only key
WAVES = {
    "2026-W1": ("data/raw/2026-spring", "data/configs/spring_2026.yaml"),
    "2026-W2": ("data/raw/2026-autumn", "data/configs/autumn_2026.yaml"),
}

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("wave", sorted(WAVES))
def test_sample_wave_tables_equal_the_golden_outputs(wave, tmp_path):
    folder, config = WAVES[wave]
    raw = yaml.safe_load((REPO / config).read_text()) | {"tagger": "rules"}
    # A fixed test key, so the pseudonymised ids are the same in every session.
    raw["redaction"] = (raw.get("redaction") or {}) | {"id_key_file": str(GOLDEN_KEY)}
    cfg = parse_config(raw, source=config)
    cb = load_codebook(None)
    opts = WaveOptions(wave=wave, out_dir=tmp_path / wave, topics=False, report=False)
    res = run_wave(
        [REPO / folder], cfg, cb, build_rules(cb), {"kind": "rules", "name": "rules"}, opts
    )
    gold = GOLDEN[wave]
    for name in ("tagged.csv", "quarantine.csv"):
        assert hashlib.sha256((res.out_dir / name).read_bytes()).hexdigest() == gold["sha256"][name]
    table = pq.read_table(res.out_dir / "tagged.parquet")
    assert str(table.schema) == gold["parquet_schema"]
    rows = pd.util.hash_pandas_object(table.to_pandas(), index=True).to_numpy().tobytes()
    assert hashlib.sha256(rows).hexdigest() == gold["parquet_rows_sha256"]
    for key in ("conservation", "redactions", "theme_counts"):
        assert res.manifest[key] == gold[key], key
