from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import spacy
import yaml

from cls_text.codebook.model import load_codebook

SHARED_THEMES = (
    Path(__file__).resolve().parents[1] / ".." / "shared" / "codebook" / "cls_themes.yaml"
)
EXPECTED_IDS = [
    "trust",
    "bureaucracy",
    "resilience",
    "access",
    "community",
    "conversations",
    "coproduction",
    "culture",
    "leadership",
    "partnership",
    "prevention",
    "wellbeing",
    "workforce",
    "resources",
]


@pytest.fixture(scope="module")
def codebook():
    return load_codebook()


@pytest.fixture(scope="module")
def lemmatise():
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()

    def _lemmas(text: str) -> str:
        # Lower-case first: the lookup tables are case-sensitive.
        return " " + " ".join(t.lemma_ for t in nlp(text.lower())) + " "

    return _lemmas


def test_loads_with_the_fourteen_themes_in_order(codebook):
    assert codebook.id == "cls_default"
    assert codebook.version == "1.0.0"
    assert codebook.theme_ids() == EXPECTED_IDS


@pytest.mark.parametrize("theme_id", EXPECTED_IDS)
def test_theme_has_enough_terms_and_examples(codebook, theme_id):
    theme = codebook.theme(theme_id)
    assert len(theme.terms) >= 15
    assert len(theme.examples) >= 3


@pytest.mark.parametrize("theme_id", EXPECTED_IDS)
def test_terms_are_lower_case_stripped_and_unique(codebook, theme_id, lemmatise):
    terms = codebook.theme(theme_id).terms
    for term in terms:
        assert term.strip() == term and term, f"{theme_id}: blank or padded term {term!r}"
        assert term == term.lower(), f"{theme_id}: term {term!r} is not lower case"
    assert not [t for t, n in Counter(terms).items() if n > 1]
    # Two spellings with the same lemmas would match exactly the same text.
    lemma_dups = [t for t, n in Counter(lemmatise(t) for t in terms).items() if n > 1]
    assert not lemma_dups, f"{theme_id}: terms with identical lemmas {lemma_dups}"


@pytest.mark.parametrize("theme_id", EXPECTED_IDS)
def test_each_example_contains_one_of_its_terms(codebook, theme_id, lemmatise):
    theme = codebook.theme(theme_id)
    term_lemmas = [lemmatise(t) for t in theme.terms]
    for example in theme.examples:
        ex = lemmatise(example)
        hits = [t for t, lem in zip(theme.terms, term_lemmas, strict=True) if lem in ex]
        assert hits, f"{theme_id}: example matches none of its terms: {example!r}"


@pytest.mark.parametrize("theme_id", EXPECTED_IDS)
def test_false_friends_contain_a_term_of_their_theme(codebook, theme_id, lemmatise):
    # A false friend that contains none of the theme's terms can never suppress anything.
    theme = codebook.theme(theme_id)
    term_lemmas = [lemmatise(t) for t in theme.terms]
    for ff in theme.false_friends:
        assert any(lem in lemmatise(ff) for lem in term_lemmas), f"{theme_id}: {ff!r}"


def test_false_friends_are_not_terms_of_the_same_theme(codebook):
    for theme in codebook.themes:
        assert not set(theme.false_friends) & set(theme.terms), theme.id


def test_terms_shared_between_themes_are_the_intended_few(codebook, lemmatise):
    owners: dict[str, set[str]] = {}
    for theme in codebook.themes:
        for term in theme.terms:
            owners.setdefault(lemmatise(term).strip(), set()).add(theme.id)
    shared = {t for t, ids in owners.items() if len(ids) > 1}
    assert shared == {"burnout", "burn out", "talk point"}


def test_trust_false_friends_cover_nhs_organisations(codebook):
    ffs = codebook.theme("trust").false_friends
    assert "nhs trust" in ffs
    assert "foundation trust" in ffs


def test_stop_words_are_programme_jargon(codebook):
    stop = set(codebook.stop_words)
    assert {"cls", "community led support", "talking point", "council"} <= stop
    assert all(w == w.lower().strip() and w for w in stop)


@pytest.mark.skipif(not SHARED_THEMES.is_file(), reason="../shared/codebook not available")
def test_definitions_match_the_shared_theme_definitions(codebook):
    shared = yaml.safe_load(SHARED_THEMES.read_text(encoding="utf-8"))
    assert [t["id"] for t in shared["themes"]] == EXPECTED_IDS
    for theirs in shared["themes"]:
        ours = codebook.theme(theirs["id"])
        for field in ("label", "definition", "include", "exclude", "polarity"):
            assert getattr(ours, field) == theirs.get(field, ""), (ours.id, field)
