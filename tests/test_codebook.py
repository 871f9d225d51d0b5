from __future__ import annotations

import copy

import pytest

from cls_text.codebook.model import load_codebook, parse_codebook
from cls_text.errors import CodebookError
from tests.conftest import TINY_CODEBOOK


def _with(**changes):
    data = copy.deepcopy(TINY_CODEBOOK)
    data.update(changes)
    return data


def _theme_change(index, **changes):
    data = copy.deepcopy(TINY_CODEBOOK)
    data["themes"][index].update(changes)
    return data


@pytest.mark.parametrize(
    "data, match",
    [
        (_with(version="1.0"), "semantic version"),
        (_with(colour="red"), "colour: unknown key"),
        (_theme_change(1, id="trust"), "appears more than once"),
        (_theme_change(0, id="Trust Me"), "theme 'Trust Me', field 'id'.*snake_case"),
        (_theme_change(1, synonyms=["x"]), "theme 'bureaucracy', field 'synonyms': unknown key"),
        (_theme_change(0, terms=["ok", " "]), "theme 'trust', field 'terms'.*empty"),
        (_theme_change(0, id="text"), "reserved"),
        (_theme_change(0, id="trust_score"), "may not end"),
        (_with(themes=[]), "themes"),
    ],
)
def test_invalid_codebooks_name_theme_and_field(data, match):
    with pytest.raises(CodebookError, match=match):
        parse_codebook(data)


def test_load_errors(tmp_path):
    with pytest.raises(CodebookError, match="does not exist"):
        load_codebook(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("themes: [unclosed")
    with pytest.raises(CodebookError, match="not valid YAML"):
        load_codebook(bad)


def test_hash_is_content_based(tiny_codebook_path, tiny_codebook):
    loaded = load_codebook(tiny_codebook_path)
    assert loaded.content_hash() == tiny_codebook.content_hash()
    changed = parse_codebook(_theme_change(0, terms=["trust"]))
    assert changed.content_hash() != tiny_codebook.content_hash()


def test_default_codebook_has_the_fourteen_cls_themes():
    cb = load_codebook()
    assert len(cb.themes) == 14
    for key in ("trust", "bureaucracy", "resilience"):
        assert key in cb.theme_ids()
    assert cb.summary()["version"] == cb.version
