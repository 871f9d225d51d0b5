"""Theme-relative stance: per-theme cues with negation, sidecar validation, fallback, wiring."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from cls_text.codebook.model import load_codebook
from cls_text.errors import CodebookError
from cls_text.tag.stance import make_stance
from cls_text.tag.stance.model import predict_stance
from cls_text.tag.stance.theme import (
    StanceCueError,
    ThemeStance,
    load_stance_cues,
    make_theme_stance,
    parse_stance_cues,
    sidecar_path,
)


class _FlatModel:
    """A polarity model with no opinion: P(+) = P(-) = P(0), so only the cues decide."""

    classes_ = np.array(["+", "-", "0"])

    def predict_proba(self, X: object) -> np.ndarray:
        return np.full((len(X), 3), 1 / 3)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def default_stance() -> ThemeStance:
    cues = load_stance_cues(load_codebook())
    assert cues is not None
    return ThemeStance(cues, model=_FlatModel())


@pytest.mark.parametrize(
    ("theme", "sentence", "sign"),
    [
        ("bureaucracy", "Less paperwork now.", 1),
        ("bureaucracy", "We scrapped the forms.", 1),
        ("bureaucracy", "No forms, no fuss.", 1),
        ("bureaucracy", "I still have to fill three forms.", -1),
        ("bureaucracy", "Endless paperwork.", -1),
        ("bureaucracy", "The paperwork.", -1),
        ("trust", "We are trusted to decide.", 1),
        ("trust", "We are not trusted to decide.", -1),
        ("trust", "Nobody trusts us.", -1),
        ("trust", "My manager micromanages everything.", -1),
        ("trust", "It was a slow start, but we are trusted now.", 1),
        ("access", "Much shorter waits for people.", 1),
        ("access", "Still waiting for the ramp to be fitted.", -1),
        ("access", "We no longer wait for weeks.", 1),
        ("access", "Very easy, they came out the next day.", 1),
        ("conversations", "She really listened.", 1),
        ("conversations", "They never listened to me.", -1),
        ("workforce", "Morale is low and people are leaving.", -1),
        ("workforce", "I feel valued.", 1),
        ("workforce", "I don't feel valued.", -1),
        ("prevention", "We get in early, before crisis.", 1),
        ("prevention", "We only get involved when it's already a crisis.", -1),
        ("leadership", "We haven't seen the director once.", -1),
        ("resources", "The funding keeps getting cut.", -1),
        ("community", "I made friends at the lunch club.", 1),
        ("community", "I feel lonely.", -1),
        ("wellbeing", "I feel more confident.", 1),
        ("culture", "It feels like a rebrand.", -1),
    ],
)
def test_cues_per_theme_with_negation(default_stance, theme, sentence, sign):
    assert np.sign(default_stance.cue_score(sentence, theme)) == sign
    expected = "+" if sign > 0 else "-"
    assert default_stance.predict([sentence], ["What changed?"], [theme]) == [expected]


def test_stance_is_theme_relative(default_stance):
    s = "Less paperwork, so we are trusted to get on with it."
    assert default_stance.cue_score("Less paperwork now.", "bureaucracy") > 0
    assert default_stance.predict([s, s], ["", ""], ["bureaucracy", "trust"]) == ["+", "+"]
    s = "Still too much recording."
    assert default_stance.predict([s], [""], ["bureaucracy"]) == ["-"]


def test_no_cue_defers_to_model_and_blank_is_zero(default_stance):
    # No cue: the flat model's margin is 0, inside the zero band -> "0".
    assert default_stance.predict(["The sky is blue.", "  "], ["", ""], ["trust", "trust"]) == [
        "0",
        "0",
    ]


def test_predict_checks_lengths(default_stance):
    with pytest.raises(ValueError, match="2 sentences, 1 questions, 2 theme ids"):
        default_stance.predict(["a", "b"], ["q"], ["trust", "trust"])
    with pytest.raises(ValueError, match="got str"):
        default_stance.predict("a", None, ["trust"])  # type: ignore[arg-type]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tiny.stance.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "codebook: tiny\nthemes:\n  trust:\n    postive: [trusted]\n",
            "theme 'trust', field 'postive': unknown key (valid: positive, negative",
        ),
        (
            "codebook: tiny\nthemes:\n  trust:\n    reducers: [no, less]\n",
            "theme 'trust', field 'reducers.0': Input should be a valid string",
        ),
        (
            "codebook: tiny\nthemes:\n  trust:\n    positive: ['  ']\n",
            "theme 'trust', field 'positive': cue phrases must not be blank",
        ),
        ("codebook: tiny\nwindow: 0\n", "window: Input should be greater than or equal to 1"),
        ("codebook: other\n", "are for codebook 'other', not 'tiny'"),
        (
            "codebook: tiny\nthemes:\n  staff_morale:\n    positive: [happy]\n",
            "name themes not in codebook 'tiny': ['staff_morale']",
        ),
        ("[1, 2]\n", "must be a mapping"),
        ("codebook: [unclosed\n", "not valid YAML"),
    ],
)
def test_sidecar_validation_messages(tmp_path, tiny_codebook, text, message):
    path = _write(tmp_path, text)
    with pytest.raises(StanceCueError, match=None) as err:
        load_stance_cues(tiny_codebook, path)
    assert message in str(err.value)
    assert isinstance(err.value, CodebookError)


def test_missing_sidecar_file_is_an_error(tmp_path, tiny_codebook):
    with pytest.raises(StanceCueError, match="does not exist"):
        load_stance_cues(tiny_codebook, tmp_path / "nope.stance.yaml")


def test_sidecar_path_sits_next_to_the_codebook():
    assert sidecar_path(Path("books/my_book.yaml")) == Path("books/my_book.stance.yaml")
    assert sidecar_path("my_book.yml") == Path("my_book.stance.yaml")


def test_codebook_without_sidecar_falls_back_to_todays_stance(tiny_codebook):
    assert load_stance_cues(tiny_codebook) is None
    assert make_theme_stance(tiny_codebook) is None
    stance = make_stance(tiny_codebook)
    assert stance is not None
    sents = ["Less paperwork now.", "Staff were rude and unhelpful."]
    qs = ["What worked well?", "What could be better?"]
    words = {"+": "positive", "-": "negative", "0": "neutral"}
    assert stance(sents, qs, ["bureaucracy", "trust"]) == [
        words[s] for s in predict_stance(sents, qs)
    ]


def test_make_stance_uses_theme_cues(tmp_path, tiny_codebook):
    # Default codebook: its packaged sidecar is used.
    stance = make_stance(load_codebook())
    assert stance is not None
    assert stance(["Less paperwork now."], [""], ["bureaucracy"]) == ["positive"]
    # A user's codebook with its own sidecar.
    cues = {"codebook": "tiny", "themes": {"trust": {"negative": ["panel"]}}}
    path = _write(tmp_path, yaml.safe_dump(cues))
    stance = make_stance(tiny_codebook, path)
    assert stance is not None
    assert stance(["It went to panel."], ["What worked well?"], ["trust"]) == ["negative"]


def test_parse_accepts_a_minimal_sidecar(tiny_codebook):
    side = parse_stance_cues({"codebook": "tiny"}, tiny_codebook)
    assert side.themes == {} and side.window == 3 and "not" in side.negators


def test_tagged_table_gets_theme_relative_stance():
    import pandas as pd

    from cls_text import schema as S
    from cls_text.tag.frame import tag_frame
    from cls_text.tag.rules import RulesTagger

    codebook = load_codebook()
    long = pd.DataFrame(
        {
            S.QUOTE_ID: ["q1", "q2"],
            S.TEXT: ["Less paperwork now.", "I still have to fill in three forms."],
            S.QUESTION: ["What has changed?", "What has changed?"],
            S.NON_SUBSTANTIVE: [False, False],
        }
    )
    tagger = RulesTagger(codebook=codebook).fit()
    tagged = tag_frame(long, tagger, codebook, tagger_name="rules", stance=make_stance(codebook))
    assert tagged["bureaucracy"].tolist() == [1, 1]
    assert tagged[S.stance_col("bureaucracy")].tolist() == ["positive", "negative"]


def test_packaged_sidecar_tolerates_a_changed_codebook(tiny_codebook):
    data = {"codebook": "tiny", "themes": {"trust": {"positive": ["trusted"]}, "gone": {}}}
    with pytest.raises(StanceCueError, match=r"not in codebook 'tiny': \['gone'\]"):
        parse_stance_cues(data, tiny_codebook)
    with pytest.warns(UserWarning, match="ignore themes not in codebook"):
        side = parse_stance_cues(data, tiny_codebook, strict=False)
    assert set(side.themes) == {"trust"}
