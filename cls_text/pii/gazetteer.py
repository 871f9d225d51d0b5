"""The person-name gazetteer shipped as package data (``cls_text/pii/data``).

``names.tsv`` holds ~38,600 lower-cased first names and surnames (US Census 1990 lists, public
domain; Faker's UK, Irish, South Asian, Nigerian and European name lists, MIT) with an
``ambiguous`` flag for names that are also common English words (Hope, Will, May, Brown).
``common_words.txt`` holds ~30,000 common lower-case English words (from spaCy's lexeme
probabilities). ``data/rebuild_gazetteer.py`` rebuilds both; ``data/NOTICE.md`` gives licences.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True, slots=True)
class NameInfo:
    """What the gazetteer knows about one lower-cased name."""

    first: bool
    surname: bool
    ambiguous: bool


@dataclass(frozen=True, slots=True)
class Gazetteer:
    """Name lookup tables; build with :func:`load_gazetteer` (cached, loaded once)."""

    names: dict[str, NameInfo]
    common_words: frozenset[str]


@lru_cache(maxsize=1)
def load_gazetteer(data_dir: Path = DATA_DIR) -> Gazetteer:
    """Load the shipped name lists (about 30 ms; cached per process).

    Raises:
        FileNotFoundError: if the package data is missing (a broken install), naming the file.
    """
    names_path = data_dir / "names.tsv"
    common_path = data_dir / "common_words.txt"
    for path in (names_path, common_path):
        if not path.is_file():
            raise FileNotFoundError(
                f"PII gazetteer file missing: {path.name} in cls_text/pii/data; reinstall "
                "cls-text or run cls_text/pii/data/rebuild_gazetteer.py"
            )
    table: dict[str, NameInfo] = {}
    lines = names_path.read_text(encoding="utf-8").splitlines()
    for line in lines[1:]:
        name, first, surname, ambiguous = line.split("\t")
        table[name] = NameInfo(first == "1", surname == "1", ambiguous == "1")
    common = frozenset(common_path.read_text(encoding="utf-8").split())
    return Gazetteer(names=table, common_words=common)
