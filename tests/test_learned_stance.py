from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from cls_text.codebook.model import load_codebook
from cls_text.errors import ClsTextError
from cls_text.tag.embeddings import HashingEmbedder
from cls_text.tag.stance.learned import (
    LearnedStance,
    cue_override,
    load_learned_stance,
    stance_cls_dir,
    stance_features,
)
from cls_text.tag.stance.theme import make_theme_stance


@pytest.mark.parametrize(
    "sentence, theme, stance",
    [
        ("We cut out a whole layer of sign-off.", "bureaucracy", "+"),
        ("No more triage and referral forms.", "bureaucracy", "+"),
        ("I still have to fill in three forms.", "bureaucracy", "-"),
        ("It is embedded now and nobody wants to go back.", "culture", "+"),
        ("The partners are not joined up.", "partnership", "-"),
        ("The partners aren't joined up.", "partnership", "-"),
        ("We cut out a whole layer of sign off.", "bureaucracy", "+"),
    ],
)
def test_shipped_stance_is_theme_relative(sentence, theme, stance):
    ts = make_theme_stance(load_codebook())
    assert ts.learned is not None
    assert ts.predict([sentence], None, [theme]) == [stance]


def test_theme_own_cue_decides_but_one_common_word_does_not():
    found = ["0", "0", "+", "+", "0"]
    own = np.array([1.0, 0.0, -2.0, -0.5, 0.0])
    total = np.array([1.0, -1.0, -2.0, -0.5, 2.5])
    # own cue +1 decides; a common word alone (total -1) and a bare burden (-0.5) leave the
    # classifier's label; a total of 2 or more decides.
    assert cue_override(found, own, total) == ["+", "0", "-", "+", "+"]


def test_blank_sentence_is_neutral():
    assert make_theme_stance(load_codebook()).predict(["  "], None, ["trust"]) == ["0"]


def test_unknown_theme_gets_a_zero_onehot():
    X = stance_features(np.ones((2, 3)), ["trust", "transport"], ["trust"], np.zeros(2), np.ones(2))
    assert X.shape == (2, 6) and X[0, 3] == 1 and X[1, 3] == 0


def test_learned_stance_applies_its_arrays():
    arrays = {
        "coef": np.array([[0, 0, 0, 0, 1.0, 0], [0, 0, 0, 0, -1.0, 0], [0, 0, 0, 0, 0, 0]]),
        "intercept": np.zeros(3),
        "classes": np.array(["+", "-", "0"]),
        "theme_ids": np.array(["trust"]),
    }
    ls = LearnedStance(arrays, HashingEmbedder(dim=3))
    assert ls.predict(["a", "b"], ["trust", "trust"], np.array([1.0, -1.0]), np.zeros(2)) == [
        "+",
        "-",
    ]


def test_tampered_stance_weights_are_refused(tmp_path: Path):
    folder = tmp_path / "s"
    shutil.copytree(stance_cls_dir(), folder)
    raw = bytearray((folder / "weights.npz").read_bytes())
    raw[-10] ^= 0xFF
    (folder / "weights.npz").write_bytes(bytes(raw))
    with pytest.raises(ClsTextError, match="sha256"):
        load_learned_stance(folder)
