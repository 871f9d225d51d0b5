"""Rebuild ``names.tsv``, the person-name gazetteer shipped with cls_text.pii.

Run by hand, never at pipeline run time (the pipeline only reads the TSV). Needs two packages
that are *not* runtime dependencies, pinned so the output is reproducible::

    pip install --target build-gazetteer names==0.3.0 faker==40.54.0
    PYTHONPATH=build-gazetteer python cls_text/pii/data/rebuild_gazetteer.py

Sources (see NOTICE.md beside this file for licences):

- US Census 1990 name frequency lists (public domain), as shipped by the ``names`` package:
  all 5,494 first names and the 30,000 most frequent surnames.
- Faker's person-name lists (MIT), every locale, Latin-script names only (a UK survey meets
  Irish, Polish, Romanian, Lithuanian, Portuguese, Nigerian, Ghanaian and Pakistani names).

It also writes ``common_words.txt``: lower-case words whose log-probability exceeds
``COMMON_MIN`` and that are written lower-case more often than capitalised.

Each name gets an ``ambiguous`` flag from spaCy's English lexeme probabilities
(spacy-lookups-data, MIT): a name is ambiguous when its lower-case form is a common word
nearly as often as (within ``MARGIN`` log-prob of) the capitalised form is written. "Hope",
"Will", "May", "Rose", "Grace", "Mark", "Brown" are ambiguous; "Jenny", "Patel", "Siobhan" are
not. Ambiguous names are redacted only with context (a title, a cue phrase, a neighbouring
name), which is what keeps ordinary words intact.
"""

from __future__ import annotations

import gzip
import importlib
import json
import pkgutil
import unicodedata
from pathlib import Path

import spacy_lookups_data

HERE = Path(__file__).resolve().parent
MARGIN = 1.0
COMMON_MIN = -16.0
N_SURNAMES = 30_000


def _census(path: Path, limit: int | None = None) -> list[str]:
    rows = path.read_text(encoding="ascii").splitlines()
    return [r.split()[0].lower() for r in rows[:limit] if r.strip()]


def _faker(prefix: str) -> set[str]:
    """Names from every Faker person locale (non-Latin scripts are dropped later)."""
    import faker.providers.person as people  # build-time only

    out: set[str] = set()
    for mod in pkgutil.iter_modules(people.__path__):
        provider = importlib.import_module(f"faker.providers.person.{mod.name}").Provider
        for attr in dir(provider):
            value = getattr(provider, attr)
            if attr.startswith(prefix) and isinstance(value, (list, tuple, dict)):
                out.update(str(name).lower() for name in value)
    return out


def _keep(name: str) -> bool:
    # single Latin-script words of 2+ letters (hyphen / apostrophe allowed inside)
    core = name.replace("-", "").replace("'", "")
    if len(core) < 2 or not core.isalpha():
        return False
    return all("LATIN" in unicodedata.name(ch, "") for ch in core)


def main() -> None:
    """Write names.tsv next to this script."""
    import names  # build-time only

    census_dir = Path(names.__file__).resolve().parent
    first = set(_census(census_dir / "dist.male.first"))
    first |= set(_census(census_dir / "dist.female.first"))
    first |= _faker("first_name")
    last = set(_census(census_dir / "dist.all.last", N_SURNAMES)) | _faker("last_name")

    data_dir = Path(spacy_lookups_data.__file__).resolve().parent / "data"
    with gzip.open(data_dir / "en_lexeme_prob.json.gz", "rt", encoding="utf-8") as fh:
        prob: dict[str, float] = json.load(fh)

    rows = []
    for key in sorted(n for n in first | last if _keep(n)):
        lower_p = prob.get(key)
        cap_p = prob.get(key[:1].upper() + key[1:], -20.0)
        ambiguous = lower_p is not None and lower_p > cap_p - MARGIN
        rows.append(f"{key}\t{int(key in first)}\t{int(key in last)}\t{int(ambiguous)}")
    header = "name\tfirst\tsurname\tambiguous"
    (HERE / "names.tsv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    # Common lower-case English words: a capitalised token that is *not* one of these and
    # follows a cue ("my carer Tendai") is taken for a name even when no list knows it.
    common = sorted(
        w
        for w, p in prob.items()
        if w.isalpha() and w.islower() and p > COMMON_MIN and p > prob.get(w.capitalize(), -20.0)
    )
    (HERE / "common_words.txt").write_text("\n".join(common) + "\n", encoding="utf-8")
    print(f"wrote {len(rows)} names and {len(common)} common words")


if __name__ == "__main__":
    main()
