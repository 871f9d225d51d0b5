"""Pattern recognisers for structured identifiers.

E-mail, URL, phone, postcode, NHS/CHI/NI numbers, dates of birth and street addresses.

Each ``find_*`` function maps a text to a list of :class:`Span` and nothing else, so each can be
table-tested on its own. Regexes are compiled once at import. Checks that a regex cannot express
(NHS/CHI modulus-11 check digits, the length of a UK number, a plausible birth year) are done in
Python on the few candidates the regex finds, which keeps the redactor fast.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Span:
    """A detected entity: ``text[start:end]`` is replaced by the placeholder of ``type``."""

    start: int
    end: int
    type: str


# --- e-mail and URL ---------------------------------------------------------------------------
_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
_TLDS = r"(?:co\.uk|org\.uk|gov\.uk|nhs\.uk|ac\.uk|net\.uk|com|org|net|uk|scot|wales|info|io|me|ly)"
_URL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"'\]]+"
    rf"|(?<![\w@.-])[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.{_TLDS}\b(?:/[^\s<>\"'\]]*)?",
    re.IGNORECASE,
)
_HANDLE = re.compile(r"(?<![\w@.])@[A-Za-z0-9_]{2,30}\b")
_TRAILING = ".,;:!?)'\""


def find_emails(text: str) -> list[Span]:
    """E-mail addresses (``jane.doe@example.org``)."""
    return [Span(m.start(), m.end(), "EMAIL") for m in _EMAIL.finditer(text)]


def find_urls(text: str) -> list[Span]:
    """Web addresses (with or without scheme, bare ``example.co.uk``) and social handles."""
    spans = []
    for m in _URL.finditer(text):
        end = m.end()
        while end > m.start() and text[end - 1] in _TRAILING:
            end -= 1
        spans.append(Span(m.start(), end, "URL"))
    spans.extend(Span(m.start(), m.end(), "URL") for m in _HANDLE.finditer(text))
    return spans


# --- phone numbers ----------------------------------------------------------------------------
_PHONE = re.compile(
    r"(?<![\d+/.])(?:(?:\+|00)\s?44\s?(?:\(0\)\s?)?\(?|\(?0)\d[\d \t\-.()]{6,18}\d(?![\w])"
)
_DIGIT = re.compile(r"\d")


def _national_digits(candidate: str) -> int:
    digits = "".join(_DIGIT.findall(candidate))
    if digits.startswith("0044"):
        digits = digits[4:]
    elif digits.startswith("44") and candidate.lstrip().startswith("+"):
        digits = digits[2:]
    if digits.startswith("0"):
        digits = digits[1:]
    return len(digits)


def find_phones(text: str) -> list[Span]:
    """UK phone numbers as people write them.

    ``+44 7700 900123``, ``07700 900123``, ``(0131) 496 0000``, ``0131-496-0000``,
    ``+44 (0)20 7946 0000``. A candidate counts when its national significant number has 9 or
    10 digits; a candidate that runs on into another number ("07700 900123 2 days") is cut back
    at the last separator that leaves a valid length.
    """
    spans = []
    for m in _PHONE.finditer(text):
        cand = m.group()
        # try the whole candidate, then shorter prefixes ending at a group boundary
        ends = [len(cand)] + [
            i for i in range(len(cand) - 1, 0, -1) if cand[i] in " \t-.()" and cand[i - 1].isdigit()
        ]
        for end in ends:
            if _national_digits(cand[:end]) in (9, 10):
                spans.append(Span(m.start(), m.start() + end, "PHONE"))
                break
    return spans


# --- NHS and CHI numbers ----------------------------------------------------------------------
_TEN_DIGITS = re.compile(r"(?<![\w])(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?![\w])")
_ID_CUE = re.compile(
    r"(?:nhs|chi|patient|hospital|health)\s*(?:no\.?|num(?:ber)?|#|id)?\s*(?:is|:)?\s*$",
    re.IGNORECASE,
)


def mod11_ok(digits: str) -> bool:
    """Modulus-11 check digit used by NHS numbers and Scottish CHI numbers."""
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _chi_date_ok(digits: str) -> bool:
    day, month, year = int(digits[0:2]), int(digits[2:4]), int(digits[4:6])
    try:
        _dt.date(2000 + year, month, day)
    except ValueError:
        return False
    return True


def find_health_numbers(text: str) -> list[Span]:
    """NHS numbers (``943 476 5919``) and CHI numbers (``0101501234``: DDMMYY + 4 digits).

    A 10-digit number counts when its modulus-11 check digit is right, or when a cue ("NHS
    number", "CHI") comes just before it (a mistyped identifier still identifies). It is a CHI
    number when it starts with a valid date of birth and a "CHI" cue or a leading 0-3 says so,
    an NHS number otherwise (NHS numbers are issued from 400..., 600... and 700...).
    """
    spans = []
    for m in _TEN_DIGITS.finditer(text):
        digits = "".join(m.groups())
        before = text[max(0, m.start() - 30) : m.start()]
        cue = _ID_CUE.search(before)
        if not (mod11_ok(digits) or cue):
            continue
        is_chi = _chi_date_ok(digits) and (
            (cue is not None and "chi" in cue.group().lower()) or digits[0] in "0123"
        )
        spans.append(Span(m.start(), m.end(), "CHI_NO" if is_chi else "NHS_NO"))
    return spans


# --- National Insurance numbers, postcodes ----------------------------------------------------
_NI = re.compile(
    r"(?<![A-Za-z0-9])(?:(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]|QQ)"
    r" ?\d{2} ?\d{2} ?\d{2}(?: ?[A-D])?(?![A-Za-z0-9])",
    re.IGNORECASE,
)
#: Any NI-shaped token: two letters, six digits, an optional letter (prefix not checked).
_NI_SHAPE = re.compile(
    r"(?<![A-Za-z0-9])[A-Z]{2} ?\d{2} ?\d{2} ?\d{2}(?: ?[A-Z])?(?![A-Za-z0-9])", re.IGNORECASE
)
_NI_CUE = re.compile(
    r"(?:\bNI\b|\bN\.I\.|national\s+insurance)\s*(?:no\.?|num(?:ber)?|#)?\s*(?:is|was|:|-)?\s*$",
    re.IGNORECASE,
)
_POSTCODE = re.compile(
    r"(?<![A-Za-z0-9])(?:GIR ?0AA|[A-Z]{1,2}\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})(?![A-Za-z0-9])",
    re.IGNORECASE,
)


def find_ni_numbers(text: str) -> list[Span]:
    """National Insurance numbers (``AB 12 34 56 C``, ``pr 45 67 89 d``, the ``QQ`` specimen).

    Upper case with an issued prefix always counts; lower or mixed case needs the final
    letter (A-D) so that "at 12 34 56" stays. Recall first: after a cue ("NI", "national
    insurance number") any token of the shape counts, issued prefix or not.
    """
    spans = {}
    for m in _NI.finditer(text):
        token = m.group()
        if token.isupper() or token[-1].upper() in "ABCD" and token[-1].isalpha():
            spans[m.start()] = Span(m.start(), m.end(), "NI_NO")
    for m in _NI_SHAPE.finditer(text):
        if m.start() not in spans and _NI_CUE.search(text[max(0, m.start() - 40) : m.start()]):
            spans[m.start()] = Span(m.start(), m.end(), "NI_NO")
    return sorted(spans.values(), key=lambda s: s.start)


def find_postcodes(text: str) -> list[Span]:
    """Full UK postcodes (``EH6 6QU``, ``m1 1ae``). Outward codes alone ("M6") are kept."""
    return [Span(m.start(), m.end(), "POSTCODE") for m in _POSTCODE.finditer(text)]


# --- dates of birth ---------------------------------------------------------------------------
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DATE = re.compile(
    r"(?<![\w/.-])(?:"
    r"(?P<d1>\d{1,2})[/.-](?P<m1>\d{1,2})[/.-](?P<y1>\d{4}|\d{2})"
    rf"|(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?(?: of)? {_MONTH},? (?P<y2>\d{{4}})"
    rf"|{_MONTH} (?P<d3>\d{{1,2}})(?:st|nd|rd|th)?,? (?P<y3>\d{{4}})"
    rf"|(?P<cuedonly>{_MONTH} (?P<y4>\d{{4}}))"
    r")(?![\w/-])",
    re.IGNORECASE,
)
_DOB_CUE = re.compile(
    r"(?:d\.?o\.?b\.?|date of birth|birth ?date|born(?: on| in)?|birthday(?: is)?)\W{0,3}$",
    re.IGNORECASE,
)
#: Full dates in these years are taken for birth dates even without a cue: respondents date
#: events in the survey's own years, while older full dates are birthdays in care feedback.
BIRTH_YEARS = range(1900, 2011)


def find_dates_of_birth(text: str) -> list[Span]:
    """Dates of birth: a date right after a cue, or a full date in a birth year.

    Cues are "DOB", "date of birth", "born on"...; birth years are :data:`BIRTH_YEARS`. Month
    names alone ("in May") are never touched.
    """
    spans = []
    for m in _DATE.finditer(text):
        cued = _DOB_CUE.search(text[max(0, m.start() - 25) : m.start()]) is not None
        if m.group("cuedonly"):
            keep = cued
        else:
            year = m.group("y1") or m.group("y2") or m.group("y3") or ""
            keep = cued or (len(year) == 4 and int(year) in BIRTH_YEARS)
        if keep:
            spans.append(Span(m.start(), m.end(), "DATE_OF_BIRTH"))
    return spans


# --- street addresses -------------------------------------------------------------------------
_STREET_TYPES = (
    "Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Close|Crescent|Cres|Court|Ct|Place|Pl"
    "|Gardens|Gdns|Terrace|Terr|Way|Grove|Park|Square|Sq|Walk|View|Row|Wynd|Brae|Loan|Hill"
    "|Rise|Mews|Green|Gate|Vale|Parade|Boulevard|Quay|Wharf|Yard|Croft|Meadows?|Heights"
)
_ADDRESS = re.compile(
    r"(?<![\w/])(?:(?:Flat|flat|Apartment|Apt|Unit) ?\d+[A-Za-z]?(?:/\d+)?,? )?"
    r"\d{1,4}[A-Za-z]?(?:/\d+)?,? "
    r"(?:[A-Z][A-Za-z'’]*\.? ){1,3}"
    rf"(?i:{_STREET_TYPES})\b\.?"
)


def find_addresses(text: str) -> list[Span]:
    """Street addresses: a house number, one to three capitalised words and a street type.

    ``12 High Street``, ``Flat 3, 7 St Mary's Road``. Town and postcode are separate spans.
    """
    spans = []
    for m in _ADDRESS.finditer(text):
        end = m.end()
        if text[end - 1] == "." and (end == len(text) or text[end : end + 1].isspace()):
            end -= 1  # a full stop ending the sentence is not part of "Rd."
        spans.append(Span(m.start(), end, "ADDRESS"))
    return spans
