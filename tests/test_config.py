"""The run config: every section typed, every misspelt key a clear ConfigError."""

from __future__ import annotations

import pytest

from cls_text.config import DEFAULT_PROGRAMME, PipelineConfig, load_config, parse_config
from cls_text.errors import ConfigError

UNKNOWN = "unknown key (check its spelling against docs/user-guide.md)"


@pytest.mark.parametrize(
    "data, where",
    [
        ({"topcs": {}}, "topcs"),
        ({"topics": {"min_topic_sise": 5}}, "topics.min_topic_sise"),
        ({"redaction": {"pseudonymize": True}}, "redaction.pseudonymize"),
        ({"review": {"queue_sise": 10}}, "review.queue_sise"),
        ({"store": {"compare_wth": "2026-W1"}}, "store.compare_wth"),
        ({"columns": {"id": "ID", "questions": ["Q1"], "dat": "Date"}}, "columns.dat"),
    ],
)
def test_a_misspelt_key_anywhere_reads_the_same(data, where):
    with pytest.raises(ConfigError) as err:
        parse_config(data, source="survey.yaml")
    assert f"  - {where}: {UNKNOWN}" in str(err.value)
    assert str(err.value).startswith("Config 'survey.yaml' is not valid:")


def test_every_problem_is_listed_at_once():
    with pytest.raises(ConfigError) as err:
        parse_config({"topics": {"seed": "x"}, "review": {"audit_size": -1}, "tagger": "magic"})
    msg = str(err.value)
    assert "topics.seed" in msg and "review.audit_size" in msg and "tagger" in msg


def test_sections_keep_the_access_the_steps_use():
    cfg = parse_config({"topics": {"seed": 3}, "review": {"queue_size": 5}, "redaction": {}})
    assert dict(**cfg.topics) == {"seed": 3}
    assert dict(**cfg.review) == {"queue_size": 5}  # only what the config set
    assert cfg.review.audit_size == 100
    assert cfg.store.compare is True and cfg.store.compare_with is None
    from cls_text.pii.config import RedactionConfig

    assert RedactionConfig.model_validate(cfg.redaction).enabled is True


def test_programme_names_the_store_and_must_be_safe():
    assert PipelineConfig().programme_id == DEFAULT_PROGRAMME
    assert parse_config({"programme": "wellbeing-2026"}).programme_id == "wellbeing-2026"
    with pytest.raises(ConfigError, match="programme"):
        parse_config({"programme": "../elsewhere"})


def test_respondent_type_values_lie_over_the_common_answers():
    cfg = parse_config({"respondent_type_values": {"Volunteer": "partner"}})
    assert cfg.respondent_type_values["Volunteer"] == "partner"
    assert cfg.respondent_type_values["member of the public"] == "community member"


def test_load_config_file_errors(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "absent.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("topics: [1, 2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)
