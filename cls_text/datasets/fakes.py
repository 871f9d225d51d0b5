"""Obviously fake personal data and survey-tool export styles for the synthetic waves.

Every identifier here is invented (surnames such as "Exampleton", Ofcom drama phone ranges,
``example.org`` e-mails, postcodes in areas that do not exist) and :func:`planted_identifiers`
lists each one, so an end-to-end test can assert that none survives redaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# --- obviously fake personal data (every item is listed by planted_identifiers) -----------
FAKE_FIRST_NAMES: tuple[str, ...] = ("Jenny", "Gareth", "Priya", "Siobhan", "Tomasz", "Aisha")
FAKE_SURNAMES: tuple[str, ...] = ("Exampleton", "Testwell", "Samplesby", "Mockford")
#: The full names planted (each first name once, with a surname from the pool).
FAKE_FULL_NAMES: tuple[str, ...] = tuple(
    f"{first} {FAKE_SURNAMES[k % len(FAKE_SURNAMES)]}" for k, first in enumerate(FAKE_FIRST_NAMES)
)
FAKE_PHONES: tuple[str, ...] = (
    "07700 900123",
    "07700 900456",
    "01632 960321",
    "020 7946 0742",
)
FAKE_EMAILS: tuple[str, ...] = (
    "jenny.exampleton@example.org",
    "g.testwell@example.com",
    "priya.samplesby@example.org",
)
#: Valid-looking postcodes in areas (NV, EB) that do not exist.
FAKE_POSTCODES: tuple[str, ...] = ("NV4 7QX", "EB2 9LT")

NAME_CUES = (
    "My worker {first} was brilliant and always rang back.",
    "{first} at the talking point sorted everything for me.",
    "Please pass on my thanks to {first} {last}, she went above and beyond.",
    "I spoke to {first} who listened properly for once.",
)
CONTACT_CUES = (
    "If you want to talk more ring me on {phone}.",
    "Happy to be contacted, my email is {email}.",
    "My postcode is {postcode} if someone could visit.",
)


@dataclass(frozen=True, slots=True)
class ExportStyle:
    """Column headers and respondent-type labels of one survey tool's export."""

    id: str
    type: str
    site: str
    date: str
    #: Canonical respondent type -> the label the tool exports.
    types: Mapping[str, str]
    #: Columns a survey tool exports that the pipeline must ignore, in export order:
    #: start time, completion time, e-mail, name, consent.
    junk: tuple[str, str, str, str, str]


#: The two export styles of the sample waves.
STYLES: dict[str, ExportStyle] = {
    "wide": ExportStyle(
        id="Respondent ID",
        type="Role",
        site="Area",
        date="Date",
        types={"staff": "Staff", "community member": "Community member", "partner": "Partner"},
        junk=("Start time", "Completion time", "Email", "Name", "Consent"),
    ),
    "forms": ExportStyle(
        id="Response ID",
        type="Which best describes you?",
        site="Local area",
        date="Submitted",
        types={
            "staff": "Member of staff",
            "community member": "Local resident",
            "partner": "Partner organisation",
        },
        junk=("Start time", "Completion time", "Email", "Name", "I agree to take part"),
    ),
}


def planted_identifiers() -> list[str]:
    """Return every personal identifier the generator plants, so tests can check none leaks.

    Names appear both on their own (after a cue such as "my worker ...") and as full names,
    so first names, surnames and full names are all listed. With ``mess=True`` every item is
    planted at least once in every wave.
    """
    return [
        *FAKE_FIRST_NAMES,
        *FAKE_SURNAMES,
        *FAKE_FULL_NAMES,
        *FAKE_PHONES,
        *FAKE_EMAILS,
        *FAKE_POSTCODES,
    ]
