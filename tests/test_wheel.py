"""A built wheel carries everything the pipeline loads at run time (no repository needed)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow

_CHECK = """
import sys
from pathlib import Path
root = Path(sys.argv[1]).resolve()
import cls_text
from cls_text.codebook import load_codebook
from cls_text.tag.embeddings import MINILM_STATIC_DIR, Embedder
from cls_text.tag.stance.model import DEFAULT_MODELS_DIR, predict_stance
assert Path(cls_text.__file__).resolve().is_relative_to(root), cls_text.__file__
assert MINILM_STATIC_DIR.resolve().is_relative_to(root) and DEFAULT_MODELS_DIR.is_relative_to(root)
cb = load_codebook(None)
vec = Embedder("minilm-static").encode(["The hub was a lifeline."])
labels = predict_stance(["Staff were brilliant and kind."], ["What has worked well?"])
print(cb.id, vec.shape, labels)
"""


def test_the_wheel_holds_the_codebook_and_the_shipped_models(tmp_path):
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(REPO),
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path / "dist"),
        ],
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = (tmp_path / "dist").glob("cls_text-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for needed in (
        "cls_text/codebook/data/cls_default.yaml",
        "cls_text/tag/models/minilm-static/model.safetensors",
        "cls_text/tag/models/stance/current",
        "cls_text/tag/models/stance/v1/model.joblib",
        "cls_text/datasets/pools.yaml",
        "cls_text/pii/data/names.tsv",
    ):
        assert needed in names, needed
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    run = subprocess.run(
        [sys.executable, "-c", _CHECK, str(site)],
        cwd=tmp_path,  # not the repository: nothing may be read from it
        env={"PYTHONPATH": str(site), "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.startswith("cls_default (1, 256)")
