"""Re-capture the golden outputs of the sample waves (run from the repository root).

    python tests/data/golden/capture.py

Only after an *intended* change to the tagged tables, listed in CHANGELOG.md with its reason:
the golden file is what tests/test_golden_outputs.py holds every later change to.
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import yaml

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO))

from cls_text.codebook import load_codebook  # noqa: E402
from cls_text.config import parse_config  # noqa: E402
from cls_text.run.wave import WaveOptions, run_wave  # noqa: E402
from cls_text.tag.select import build_rules  # noqa: E402

GOLDEN_KEY = Path(__file__).with_name("id.key")  # test-only key: never a programme's own
WAVES = {
    "2026-W1": ("data/raw/2026-spring", "data/configs/spring_2026.yaml"),
    "2026-W2": ("data/raw/2026-autumn", "data/configs/autumn_2026.yaml"),
}


def capture(wave: str, out: Path) -> dict:
    """Run one sample wave with the rules tagger and describe its tagged tables."""
    folder, config = WAVES[wave]
    raw = yaml.safe_load((REPO / config).read_text()) | {"tagger": "rules"}
    # A fixed test key, so the pseudonymised ids are the same in every session.
    raw["redaction"] = (raw.get("redaction") or {}) | {"id_key_file": str(GOLDEN_KEY)}
    cb = load_codebook(None)
    opts = WaveOptions(wave=wave, out_dir=out, topics=False, report=False)
    res = run_wave(
        [REPO / folder],
        parse_config(raw, source=config),
        cb,
        build_rules(cb),
        {"kind": "rules", "name": "rules"},
        opts,
    )
    table = pq.read_table(out / "tagged.parquet")
    rows = pd.util.hash_pandas_object(table.to_pandas(), index=True).to_numpy().tobytes()
    return {
        "sha256": {
            name: hashlib.sha256((out / name).read_bytes()).hexdigest()
            for name in ("tagged.parquet", "tagged.csv", "quarantine.csv")
        },
        "parquet_schema": str(table.schema),
        "parquet_rows_sha256": hashlib.sha256(rows).hexdigest(),
        **{k: res.manifest[k] for k in ("conservation", "redactions", "theme_counts")},
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        golden = {w: capture(w, Path(tmp) / w) for w in WAVES}
    path = Path(__file__).with_name("sample_waves_rules.json")
    path.write_text(json.dumps(golden, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
