"""The shipped static MiniLM distillation: where it lives and loading it after a hash check.

The model files are package data checked file by file against pinned sha256 digests, because
the package's author is not the model's and a swapped file must not load silently.
"""

from __future__ import annotations

import hashlib
import os
from importlib import resources
from pathlib import Path
from typing import Any

from cls_text.errors import EmbeddingModelError

#: sha256 of each file of the shipped static distillation (``cls_text/tag/models/minilm-static/``).
MINILM_STATIC_SHA256: dict[str, str] = {
    "model.safetensors": "8b8b9374edfdf8a5f5d74e4ccfab547a23eb85c643e997c099f59caf24f897c3",
    "tokenizer.json": "da089fc49261bf6cd2374f24315318ef83fae7d0aee8d7d98cc72349f7071c4d",
    "config.json": "e236f30137406f66a7a5573417fde6401df04fd80337ba52f5b130e18fe55cc9",
}
#: Where the static distillation lives: package data, so a wheel install has it too.
MINILM_STATIC_DIR = Path(str(resources.files("cls_text.tag").joinpath("models", "minilm-static")))


def sha256_of(path: Path, *, chunk: int = 1 << 20) -> str:
    """Return the sha256 hex digest of a file."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def load_static_model(model_dir: str | Path | None = None) -> Any:
    """Load the static MiniLM distillation after checking the sha256 of each of its files.

    Loading reads a local folder only (model2vec falls back to a model hub for a path that does
    not exist, so a missing folder is reported here first) and never imports torch.

    Args:
        model_dir: The folder (None: :data:`MINILM_STATIC_DIR`).

    Raises:
        EmbeddingModelError: if the folder or a file is missing, or a file's hash differs.
    """
    folder = Path(model_dir) if model_dir is not None else MINILM_STATIC_DIR
    rebuild = "rebuild it with: python models/rebuild_minilm_static.py"
    for name, expected in MINILM_STATIC_SHA256.items():
        path = folder / name
        if not path.is_file():
            raise EmbeddingModelError(f"static model file '{path}' not found; {rebuild}")
        digest = sha256_of(path)
        if digest != expected:
            raise EmbeddingModelError(
                f"'{path}' has sha256 {digest}, expected {expected} (minilm-static); {rebuild}, "
                "or restore the file from the repository"
            )
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from model2vec import StaticModel

    return StaticModel.from_pretrained(folder, normalize=True)
