"""A stance classifier trained on real coded (quote, theme) pairs, on top of the cues.

The sidecar cues and the general polarity model (:mod:`~cls_text.tag.stance.theme`) read words;
coders read the sentence *for the theme*. This multinomial logistic model sees the sentence's
static MiniLM embedding, which theme it is about (one-hot over the default codebook's themes),
the theme's cue score and the polarity model's P(+) - P(-), and predicts "+", "-" or "0". It is
trained by ``models/train_stance.py`` on the real dev pairs both coders tagged (adjudicated
stance) and shipped as plain arrays (``models/stance-cls/weights.npz``, sha256 in its card).
A theme it was not trained on gets a zero one-hot: the cues and polarity still count.
``tagger: accurate`` runs use the same design trained over all-mpnet-base-v2
(``models/stance-cls-mpnet/``); each card names the encoder its weights fit.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from cls_text.io.artifacts import load_checked_arrays

#: Package-data folder of the shipped stance classifier.
STANCE_CLS = "stance-cls"
#: The same classifier over all-mpnet-base-v2, used by ``tagger: accurate`` runs.
ACCURATE_STANCE = "stance-cls-mpnet"
LABELS = ("+", "-", "0")
#: The cue score is scaled up so that, under one regularisation, the theme-relative cues can
#: outweigh what the embedding says about a sentence's general tone ("less paperwork").
CUE_SCALE = 3.0
#: A total cue score (common lists included) at least this large decides the stance over the
#: classifier; any cue of the theme's own decides too (``theme.cue_override``). Chosen on the
#: real dev pairs by grouped CV (``benchmarks/stance_real_cv.py``): letting any total score of 1
#: decide cost 4 points of accuracy against the classifier alone (one common word such as
#: "still" or "need to" is often wrong for the theme).
CUE_OVERRIDE = 2.0


def stance_features(
    embeddings: np.ndarray,
    theme_ids: Sequence[str],
    known: Sequence[str],
    cue: np.ndarray,
    margin: np.ndarray,
) -> np.ndarray:
    """Design matrix: embedding, theme one-hot (over ``known``), cue score, polarity margin."""
    onehot = np.zeros((len(theme_ids), len(known)))
    index = {t: i for i, t in enumerate(known)}
    for r, t in enumerate(theme_ids):
        if t in index:
            onehot[r, index[t]] = 1.0
    return np.c_[np.asarray(embeddings, dtype=np.float64), onehot, CUE_SCALE * cue, margin]


class LearnedStance:
    """Apply shipped stance weights: ``predict(X) -> ["+", "-", "0", ...]``.

    Args:
        arrays: ``coef`` (3, d), ``intercept`` (3,), ``classes``, ``theme_ids``.
        embedder: The embedder the weights were trained with (the static MiniLM).
    """

    def __init__(self, arrays: dict[str, np.ndarray], embedder: Any) -> None:
        self.coef = np.asarray(arrays["coef"], dtype=np.float64)
        self.intercept = np.asarray(arrays["intercept"], dtype=np.float64)
        self.classes = [str(c) for c in arrays["classes"]]
        self.theme_ids = [str(t) for t in arrays["theme_ids"]]
        self.embedder = embedder

    def predict(
        self, sentences: list[str], theme_ids: list[str], cue: np.ndarray, margin: np.ndarray
    ) -> list[str]:
        """One stance label per (sentence, theme)."""
        if not sentences:
            return []
        emb = self.embedder.encode(sentences)
        X = stance_features(emb, theme_ids, self.theme_ids, cue, margin)
        z = X @ self.coef.T + self.intercept
        return [self.classes[i] for i in np.argmax(z, axis=1)]


def cue_override(found: Sequence[str], own: np.ndarray, total: np.ndarray) -> list[str]:
    """A clear theme-relative cue decides over the classifier's labels ``found``.

    "cut out a layer of sign-off" is + for bureaucracy whatever its tone: a cue of the theme's
    own (``own`` score of at least 1: a bare burden such as "forms" is not enough) decides, and
    so does a total cue score (``total``, common lists
    included) of at least ``CUE_OVERRIDE``; the classifier decides everywhere else.
    """
    out = []
    for lab, o, q in zip(found, own, total, strict=True):
        if abs(o) >= 1:
            out.append("+" if o > 0 else "-")
        elif abs(q) >= CUE_OVERRIDE:
            out.append("+" if q > 0 else "-")
        else:
            out.append(lab)
    return out


def stance_cls_dir(name: str = STANCE_CLS) -> Path:
    """The package-data folder of a shipped stance classifier (:data:`ACCURATE_STANCE`: mpnet)."""
    return Path(str(resources.files("cls_text.tag").joinpath("models", name)))


def load_learned_stance(
    model_dir: str | Path | None = None, *, embedder: Any = None, reuse: Any = None
) -> LearnedStance | None:
    """The shipped stance classifier, or None when it is not installed.

    Args:
        model_dir: Its folder (None: the default's).
        embedder: The encoder to read sentences with (None: the one its card names).
        reuse: An encoder already in use (the tagger's), taken instead when it is exactly the
            card's: the tagger has already encoded most evidence sentences, so they are cache
            hits rather than a second pass of the model.

    Raises:
        ClsTextError: when the weights file's sha256 differs from the one in its card.
    """
    folder = Path(model_dir or stance_cls_dir())
    card_path = folder / "card.json"
    if not card_path.is_file():
        return None
    card = json.loads(card_path.read_text("utf-8"))
    weights = card["weights"]
    arrays = load_checked_arrays(
        folder / weights["file"], weights["sha256"], "models/train_stance.py"
    )
    if embedder is None:
        from cls_text.tag.embeddings import make_embedder

        # The weights only fit the encoder they were trained over, which the card names.
        embedder = make_embedder(card.get("embedder", "minilm-static"))  # lazy: loads nothing
        if reuse is not None and getattr(reuse, "model_id", None) == embedder.model_id:
            embedder = reuse
    return LearnedStance(arrays, embedder)
