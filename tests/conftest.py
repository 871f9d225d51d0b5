"""Shared fixtures: a tiny codebook and tiny synthetic exports (no real people)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
if "CLS_TEXT_ID_KEY_FILE" not in os.environ:
    # The respondent-id pseudonym key of a test session: never the project's data/keys/.
    import atexit
    import shutil
    import tempfile

    _KEY_DIR = tempfile.mkdtemp(prefix="cls-text-tests-")
    atexit.register(shutil.rmtree, _KEY_DIR, True)
    os.environ["CLS_TEXT_ID_KEY_FILE"] = os.path.join(_KEY_DIR, "id.key")

from hypothesis import settings  # noqa: E402

from cls_text.codebook.model import Codebook, parse_codebook  # noqa: E402

# No per-example deadline: on a busy machine (the suite on a third of a core) Hypothesis's
# default 200 ms deadline fails correct code. Speed is measured in benchmarks/, not here.
settings.register_profile("cls-text", deadline=None)
settings.load_profile("cls-text")

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
NHS_DIR = SHARED / "data" / "nhs_patient_feedback"

TINY_CODEBOOK = {
    "id": "tiny",
    "name": "Tiny test codebook",
    "version": "1.0.0",
    "themes": [
        {
            "id": "trust",
            "label": "Trust",
            "definition": "Trust and autonomy.",
            "terms": ["trust", "autonomy", "professional judgement", "micromanage"],
            "false_friends": ["nhs trust", "foundation trust"],
            "examples": ["We are trusted to make decisions."],
        },
        {
            "id": "bureaucracy",
            "label": "Bureaucracy",
            "definition": "Forms, paperwork and process.",
            "terms": ["paperwork", "red tape", "bureaucratic", "tick box", "form", "panel"],
            "examples": ["Endless paperwork."],
        },
        {
            "id": "resilience",
            "label": "Resilience",
            "definition": "Coping with adversity.",
            "terms": ["cope", "overwhelmed", "breaking point", "bounce back"],
            "negation": "drop",
            "examples": ["We coped through the floods."],
        },
    ],
}


@pytest.fixture()
def tiny_codebook() -> Codebook:
    return parse_codebook(TINY_CODEBOOK)


@pytest.fixture()
def tiny_codebook_path(tmp_path: Path) -> Path:
    import yaml

    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(TINY_CODEBOOK), encoding="utf-8")
    return path


WIDE_HEADER = "Respondent ID,Role,Area,Date,What worked well?,What could be better?\n"
WIDE_ROWS = [
    "R1,Member of staff,Northvale,14/03/2026,"
    "We are trusted to use our professional judgement now.,n/a\n",
    "R2,Local resident,Eastbrook,2026-03-15,"
    'The drop-in was quick and friendly.,"Less paperwork, please."\n',
    ",Local resident,Eastbrook,2026-03-15,An answer with no respondent id.,\n",
    "R2,Local resident,Eastbrook,2026-03-15,Duplicated respondent.,Duplicated respondent.\n",
    "R3,Staff,Northvale,not a date,Same answer twice here.,Same answer twice here.\n",
]


@pytest.fixture()
def wide_csv(tmp_path: Path) -> Path:
    path = tmp_path / "wave.csv"
    path.write_text(WIDE_HEADER + "".join(WIDE_ROWS), encoding="utf-8")
    return path


@pytest.fixture()
def wide_config(tmp_path: Path) -> Path:
    path = tmp_path / "map.yaml"
    path.write_text(
        "columns:\n"
        "  id: Respondent ID\n"
        "  questions: ['What worked well?', 'What could be better?']\n"
        "  respondent_type: Role\n"
        "  site: Area\n"
        "  date: Date\n"
        "respondent_type_values:\n"
        "  Member of staff: staff\n"
        "  Local resident: community member\n",
        encoding="utf-8",
    )
    return path
