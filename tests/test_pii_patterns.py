from __future__ import annotations

import pytest

from cls_text.pii import patterns as P


def spans(find, text):
    return [text[s.start : s.end] for s in find(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("email jane.doe@example.org today", ["jane.doe@example.org"]),
        ("J_Smith+care@mail.example.co.uk.", ["J_Smith+care@mail.example.co.uk"]),
        ("o'neill.k@example.com", ["o'neill.k@example.com"]),
        ("meet @ the hub at 2", []),
        ("no email here, just @home", []),
    ],
)
def test_emails(text, expected):
    assert spans(P.find_emails, text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("see www.example.org/groups/x.", ["www.example.org/groups/x"]),
        ("https://example.co.uk/a?b=1, thanks", ["https://example.co.uk/a?b=1"]),
        ("on facebook.com/jane.doe99", ["facebook.com/jane.doe99"]),
        ("follow @janedoe_77 for dates", ["@janedoe_77"]),
        ("e.g. the hub, i.e. the centre", []),
        ("it was 3.5 hours", []),
    ],
)
def test_urls(text, expected):
    assert spans(P.find_urls, text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("ring 07700 900123 please", ["07700 900123"]),
        ("ring 07700900123.", ["07700900123"]),
        ("+44 7700 900123", ["+44 7700 900123"]),
        ("+447700900123", ["+447700900123"]),
        ("call (0131) 496 0000", ["(0131) 496 0000"]),
        ("0131-496-0000 is the desk", ["0131-496-0000"]),
        ("+44 (0)20 7946 0000", ["+44 (0)20 7946 0000"]),
        ("01632 960123", ["01632 960123"]),
        ("ring 07700 900123 2 days later", ["07700 900123"]),
        # hard negatives
        ("I rang 111 and 999", []),
        ("on 01/02/2023 at 10.30", []),
        ("between 2019 and 2023", []),
        ("ref 12345", []),
        ("0800 11", []),
    ],
)
def test_phones(text, expected):
    assert spans(P.find_phones, text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("NHS 943 476 5919", [("943 476 5919", "NHS_NO")]),
        ("9434765919", [("9434765919", "NHS_NO")]),
        ("943-476-5919", [("943-476-5919", "NHS_NO")]),
        ("my NHS number is 123 456 7890", [("123 456 7890", "NHS_NO")]),  # cue, bad check digit
        # hard negatives: wrong check digit, no cue
        ("invoice 943 476 5918", []),
        ("order 1234567890", []),
    ],
)
def test_health_numbers(text, expected):
    found = [(text[s.start : s.end], s.type) for s in P.find_health_numbers(text)]
    assert found == expected


def _chi(prefix: str) -> str:
    for last in range(10):
        for mid in range(1000):
            d = f"{prefix}{mid:03d}{last}"
            if P.mod11_ok(d):
                return d
    raise AssertionError("no valid CHI")


def test_chi_numbers_are_typed_chi():
    chi = _chi("010150")
    found = P.find_health_numbers(f"Mum's CHI {chi} was on the form")
    assert [s.type for s in found] == ["CHI_NO"]
    grouped = f"{chi[:6]} {chi[6:]}"
    assert [s.type for s in P.find_health_numbers(f"CHI: {grouped}")] == ["CHI_NO"]


def test_mod11():
    assert P.mod11_ok("9434765919")
    assert not P.mod11_ok("9434765918")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("NI AB 12 34 56 C", ["AB 12 34 56 C"]),
        ("JK123456D", ["JK123456D"]),
        ("ni no TW 98 76 54 A.", ["TW 98 76 54 A"]),
        ("GB123456A", []),  # invalid prefix
        ("AB12", []),
        ("DA 12 34 56 A", []),  # D never starts an NI number
    ],
)
def test_ni_numbers(text, expected):
    assert spans(P.find_ni_numbers, text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("at EH6 6QU now", ["EH6 6QU"]),
        ("SW1A 1AA", ["SW1A 1AA"]),
        ("m1 1ae", ["m1 1ae"]),
        ("G128QQ.", ["G128QQ"]),
        ("B33 8TH, Birmingham", ["B33 8TH"]),
        # hard negatives
        ("up the A9 and the M6", []),
        ("B12 injections", []),
        ("EH12 is a big area", []),
        ("COVID19 test", []),
    ],
)
def test_postcodes(text, expected):
    assert spans(P.find_postcodes, text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("DOB 12/03/48", ["12/03/48"]),
        ("date of birth: 3rd March 1948", ["3rd March 1948"]),
        ("born on March 3, 1948 in Leith", ["March 3, 1948"]),
        ("born in May 1950", ["May 1950"]),
        ("since 12 March 1985", ["12 March 1985"]),  # full date in a birth year
        ("12.03.1948", ["12.03.1948"]),
        # hard negatives
        ("in May we moved", []),
        ("on 12/03/2024 I rang", []),
        ("May 2024 was busy", []),
        ("between 2019 and 2023", []),
        ("3 March", []),
    ],
)
def test_dates_of_birth(text, expected):
    assert spans(P.find_dates_of_birth, text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("I live at 12 High Street, Leith", ["12 High Street"]),
        ("Flat 3, 7 St Mary's Road.", ["Flat 3, 7 St Mary's Road"]),
        ("send it to 39A Union Court please", ["39A Union Court"]),
        ("at 14/2 Brunswick Wynd", ["14/2 Brunswick Wynd"]),
        ("4 Main Rd.", ["4 Main Rd"]),
        # hard negatives
        ("we walked 2 miles up the hill", []),
        ("3 close friends came", []),
        ("the Church Hall on Station Road", []),
        ("12 weeks on the waiting list", []),
    ],
)
def test_addresses(text, expected):
    assert spans(P.find_addresses, text) == expected
