"""Generate the synthetic PII test set (benchmarks/data/pii_testset.jsonl).

Every sentence is synthetic (no real respondent, no real identifier): phone numbers come from
Ofcom's drama ranges (07700 900xxx, 0131 496 0xxx, 020 7946 0xxx...), NHS/CHI numbers are random
digits with a valid check digit, e-mail domains are example.* or common webmail names, and names
are common UK given names and surnames. Sentences imitate care-feedback answers. Each entity is
annotated with its character span and type; hard-negative sentences (places, months, words that
are also names, "NHS Trust", programme names) carry no entities.

    python benchmarks/data/make_pii_testset.py --out benchmarks/data/pii_testset.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

FIRST = """Jenny Sarah Margaret Siobhan Karen Fiona Eilidh Kirsty Morag Aisling Priya Aisha Fatima
Agnieszka Olga Chloe Megan Shona Lorraine Sandra Tracey Mandy Bernadette Niamh Catriona Ailsa
Gillian Yvonne Heather Linda Moira Janice Deborah Julie Nicola Gemma Leanne Samantha Jasmine
David John Michael Gary Stuart Graeme Callum Declan Hamish Euan Craig Darren Wayne Kevin Neil
Mohammed Tariq Imran Rajesh Wojciech Piotr Tomasz Kwame Chidi Tendai Oluwaseun Ravi Sanjay
Alistair Malcolm Fraser Ross Kieran Connor Liam Owen Rhys Gareth Dylan Iain Sean""".split()
SURNAMES = """Patel McAllister O'Neill Smith MacDonald Campbell Stewart Robertson Thomson Anderson
Henderson Paterson Fraser Kowalski Nowak Khan Ahmed Hussain Singh Kaur Okafor Mensah Begum
McLaughlin Docherty Quinn Gallagher Doherty Hughes Jones Evans Davies Williams Taylor Wilson
Murray Reid Ferguson Sutherland Cameron Kerr Gillespie Whitfield Ramsay Pritchard Oyelaran
Chaudhry Mahmood Nicholson Armstrong Baxter Lindsay""".split()
# given names that are also ordinary words: redacted only where context makes them names
AMBIG = "Hope Will May Rose Grace Faith Joy Dawn Mark Sue Bill Pat Holly Robin Summer".split()
TITLES = "Mrs Mr Ms Miss Dr Dr. Nurse Sister Cllr".split()
REL = [
    "carer",
    "support worker",
    "social worker",
    "key worker",
    "daughter",
    "son",
    "husband",
    "wife",
    "neighbour",
    "friend",
    "link worker",
    "befriender",
    "OT",
    "community connector",
]
STREETS = [
    "High",
    "Main",
    "Church",
    "Station",
    "Mill",
    "Victoria",
    "Park",
    "King",
    "Queen",
    "Albert",
    "George",
    "Market",
    "Bridge",
    "Castle",
    "Springfield",
    "Glebe",
    "Brunswick",
    "St Mary's",
    "Union",
    "Commercial",
]
STYPES = [
    "Street",
    "Road",
    "Avenue",
    "Lane",
    "Drive",
    "Crescent",
    "Court",
    "Place",
    "Gardens",
    "Terrace",
    "Way",
    "Close",
    "Rd",
    "St",
    "Grove",
    "Wynd",
    "Brae",
]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
PC_OUT = [
    "EH6",
    "EH12",
    "G12",
    "G41",
    "M1",
    "M14",
    "SW1A",
    "B33",
    "CR2",
    "DN55",
    "KY1",
    "DD3",
    "AB10",
    "IV2",
    "PA1",
    "FK8",
    "LS6",
    "S10",
    "NE1",
    "CF10",
    "BT9",
    "L8",
    "BS5",
    "W1A",
]
PC_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
NI_FIRST = "ABCEGHJKLMNOPRSTWXYZ"
NI_SECOND = "ABCEGHJKLMNPRSTWXYZ"
WEBMAIL = ["example.org", "example.com", "example.co.uk", "mail.example.net"]


def mod11(d9: str) -> int | None:
    total = sum(int(c) * w for c, w in zip(d9, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return None if check == 10 else check


def gen_nhs(r: random.Random) -> str:
    while True:
        d9 = r.choice("467") + "".join(r.choice("0123456789") for _ in range(8))
        c = mod11(d9)
        if c is not None:
            d = d9 + str(c)
            return r.choice([f"{d[:3]} {d[3:6]} {d[6:]}", d, f"{d[:3]}-{d[3:6]}-{d[6:]}"])


def gen_chi(r: random.Random) -> str:
    while True:
        dd, mm, yy = r.randint(1, 28), r.randint(1, 12), r.randint(30, 99)
        d9 = f"{dd:02d}{mm:02d}{yy:02d}" + "".join(r.choice("0123456789") for _ in range(3))
        c = mod11(d9)
        if c is not None:
            d = d9 + str(c)
            return r.choice([d, f"{d[:6]} {d[6:]}"])


def gen_phone(r: random.Random) -> str:
    n3 = f"{r.randint(0, 999):03d}"
    n4 = f"{r.randint(0, 999):03d}"
    forms = [
        f"07700 900{n3}",
        f"07700900{n3}",
        f"+44 7700 900{n3}",
        f"+447700900{n3}",
        f"(0131) 496 0{n3}",
        f"0131 496 0{n3}",
        f"0131-496-0{n3}",
        f"0141 496 0{n3}",
        f"020 7946 0{n3}",
        f"+44 (0)20 7946 0{n3}",
        f"0161 496 0{n4}",
        f"01632 960{n3}",
        f"07700-900-{n3}",
        f"(01632) 960{n3}",
        f"0113 496 0{n3}",
        f"+44 131 496 0{n3}",
    ]
    return r.choice(forms)


def gen_postcode(r: random.Random) -> str:
    pc = f"{r.choice(PC_OUT)} {r.randint(0, 9)}{r.choice(PC_LETTERS)}{r.choice(PC_LETTERS)}"
    roll = r.random()
    return pc.lower() if roll < 0.15 else pc.replace(" ", "") if roll < 0.3 else pc


def gen_ni(r: random.Random) -> str:
    while True:
        p = r.choice(NI_FIRST) + r.choice(NI_SECOND)
        if p not in {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"}:
            break
    d = "".join(r.choice("0123456789") for _ in range(6))
    s = r.choice("ABCD")
    return r.choice([f"{p} {d[:2]} {d[2:4]} {d[4:]} {s}", f"{p}{d}{s}"])


def gen_dob(r: random.Random) -> str:
    d, m, y = r.randint(1, 28), r.randint(1, 12), r.randint(1925, 1999)
    return r.choice(
        [
            f"{d:02d}/{m:02d}/{y}",
            f"{d}/{m}/{y % 100:02d}",
            f"{d} {MONTHS[m - 1]} {y}",
            f"{d}th {MONTHS[m - 1]} {y}",
            f"{MONTHS[m - 1]} {d}, {y}",
            f"{d:02d}.{m:02d}.{y}",
        ]
    )


def gen_email(r: random.Random) -> str:
    f, s = r.choice(FIRST).lower(), r.choice(SURNAMES).lower().replace("'", "")
    user = r.choice([f"{f}.{s}", f"{f}{r.randint(1, 99)}", f"{f[0]}{s}", f"{f}_{s}"])
    return f"{user}@{r.choice(WEBMAIL)}"


def gen_url(r: random.Random) -> str:
    slug = r.choice(FIRST).lower() + r.choice(SURNAMES).lower().replace("'", "")
    return r.choice(
        [
            f"www.facebook.com/{slug}",
            f"https://www.example.org/people/{slug}",
            f"@{slug}",
            f"instagram.com/{slug}",
            f"http://{slug}.example.co.uk",
        ]
    )


def gen_address(r: random.Random) -> str:
    num = r.choice([str(r.randint(1, 240)), f"{r.randint(1, 90)}A", f"{r.randint(1, 40)}/2"])
    return f"{num} {r.choice(STREETS)} {r.choice(STYPES)}"


GEN = {
    "PHONE": gen_phone,
    "EMAIL": gen_email,
    "POSTCODE": gen_postcode,
    "NHS_NO": gen_nhs,
    "CHI_NO": gen_chi,
    "NI_NO": gen_ni,
    "DATE_OF_BIRTH": gen_dob,
    "URL": gen_url,
    "ADDRESS": gen_address,
    "FIRST": lambda r: r.choice(FIRST),
    "FULL": lambda r: f"{r.choice(FIRST)} {r.choice(SURNAMES)}",
    "SURNAME": lambda r: r.choice(SURNAMES),
    "AMBIG": lambda r: r.choice(AMBIG),
}
NAME_SLOTS = {"FIRST", "FULL", "SURNAME", "AMBIG"}

POSITIVE = [
    # names: titles
    "{TITLE} {SURNAME} was really kind to my mum.",
    "I was seen by {TITLE} {SURNAME} at the hub and she sorted everything.",
    "{TITLE} {SURNAME} never called back.",
    "We finally got a visit from {TITLE} {FULL} after six weeks.",
    # names: cue phrases (including ambiguous names)
    "My {REL} {FIRST} has been a lifeline.",
    "My {REL} {AMBIG} comes every Tuesday and we have a laugh.",
    "A lady called {AMBIG} from the council rang me back the same day.",
    "A man called {FIRST} helped me fill in the forms.",
    "Thanks to {FIRST} I got the equipment I needed.",
    "Thanks to {AMBIG} for listening, it made all the difference.",
    "Thank you {FIRST}, you were brilliant.",
    "I spoke to {FIRST} at the Talking Point and she was lovely.",
    "{FIRST} from the hub phoned me twice to check I was ok.",
    "{FIRST} was brilliant with my dad.",
    "{FULL} at the community centre went above and beyond.",
    "The worker, {FULL}, listened properly for once.",
    "My daughter {FIRST} came with me to the Talking Point.",
    "I was helped by {FIRST} and {FIRST} at the drop-in.",
    "Please pass my thanks to {FULL}.",
    "{FIRST}'s advice about the blue badge was spot on.",
    "Our team lead {FIRST} trusts us to make decisions now.",
    "I met with {FULL} and we agreed a plan.",
    "Staff like {FIRST} make the difference.",
    "Everyone, especially {FIRST}, made me feel welcome.",
    # structured identifiers
    "You can reach me on {PHONE} if you want to follow up.",
    "My number is {PHONE}, please ring after 2pm.",
    "Call me on {PHONE} or my son on {PHONE}.",
    "I left my details ({PHONE}) but nobody called.",
    "Email me at {EMAIL} about the next session.",
    "My email is {EMAIL} if you need more.",
    "I live at {ADDRESS}, {POSTCODE} and the bus doesn't come here.",
    "Send the letter to {ADDRESS} please.",
    "We are at {POSTCODE}, miles from any Talking Point.",
    "My postcode is {POSTCODE}.",
    "My NHS number is {NHS_NO} if that helps.",
    "NHS no {NHS_NO}, they lost my referral twice.",
    "My CHI number is {CHI_NO}.",
    "Mum's CHI {CHI_NO} was on the form but they still asked for it again.",
    "My NI number is {NI_NO}, the benefits team needed it.",
    "National Insurance {NI_NO} - they still couldn't find my claim.",
    "My date of birth is {DATE_OF_BIRTH}.",
    "DOB {DATE_OF_BIRTH}, I am a carer for my husband.",
    "I was born on {DATE_OF_BIRTH} and have lived here all my life.",
    "Our group is on {URL} if anyone wants to join.",
    "Follow us at {URL} for dates.",
    "{FIRST} ({EMAIL}) was the one who helped.",
    "Ring {FIRST} on {PHONE}, she knows my case.",
    "{TITLE} {SURNAME}, {ADDRESS}, {POSTCODE}, NHS {NHS_NO}.",
]

NEGATIVE = [
    "I hope the service keeps going next year.",
    "Hope is what the Talking Point gave me.",
    "Will the funding continue after March?",
    "May was a difficult month but June was better.",
    "In May we moved to Bath to be near my daughter.",
    "The Reading group at the library on Tuesday is great.",
    "Sandwell council were very helpful this time.",
    "We went to the Rose garden in Edinburgh with the befriending group.",
    "Faith groups in Angus have been a big part of this.",
    "Grace periods on the bills helped a lot.",
    "Mark my words, this way of working is better.",
    "The NHS Trust did its best but the waiting list is long.",
    "Community Led Support has changed how we work in Fife.",
    "Talking Points in Leeds and Wakefield are busy on Mondays.",
    "I rang 111 and the GP surgery but nobody could help.",
    "We drove up the A9 to Inverness for the appointment.",
    "The B12 injections are now done at the local surgery.",
    "Christmas was lonely before I joined the group.",
    "My carer comes at 9am and 5pm every day.",
    "Staff have more trust in each other now.",
    "There is less bureaucracy and more time for conversations.",
    "The council in Glasgow answered within 2 days.",
    "I have been waiting 12 weeks for an OT assessment.",
    "We had 3 close friends come to the drop-in.",
    "The Health and Social Care Partnership funded 4 new posts.",
    "Joy and laughter at the lunch club, every Friday.",
    "Dawn visits are too early for my mum.",
    "The Summer programme in Sheffield was brilliant.",
    "Staff at Dudley and Walsall worked together well.",
    "April and August were the busiest months.",
    "Brighton and Hove have a similar model.",
    "I felt listened to for the first time in years.",
    "Call the Talking Point on the main council number.",
    "Age UK and Citizens Advice came to the hub.",
    "We meet at the Church Hall on Station Road.",
    "Between 2019 and 2023 the waiting list halved.",
    "Social Work staff now go out to the community.",
    "The Kingdom Housing Association was involved too.",
    "Support in Lincoln has improved a lot.",
    "Ward 3 at the Royal Infirmary was excellent.",
]


# --- held-out split: written after the rules were tuned on the split above and never used
# to tune them; different names, templates and formats (lower-case names, Gaelic, South Asian
# and African names, names that are also words, more varied number formats).
H_FIRST = """Emma Lucy Ian Alan Andrew Scott Zoe Anjali Nadia Bilal Farhan Shabana Seonaid Mhairi
Ruaridh Chipo Nnamdi Ama Krzysztof Magdalena Brenda Elaine Kenny Derek Gordon Norma Irene Agnes
Rab Shug Jamie Kayleigh Demi Jordan Aleksandra Gulnaz Yusuf Ibrahim Bronwen Cerys""".split()
H_SURNAMES = """Macleod Grant Walker Kelly Akhtar Iqbal Zielinski Adeyemi Mutasa Bell Wood Green
Young Hill Shaw Lennox Boyle Rafferty Nwosu Mahmood Jamieson Cairns""".split()
H_AMBIG = "Ruby Daisy Jack Holly Ivy Sky Ray Bob Rob Chris Amber Crystal Sandy Penny".split()
H_POSITIVE = [
    "Big thanks to the OT, {FIRST}, who sorted the rails in a week.",
    "{FIRST} and her team at the Talking Point were patient with my dad.",
    "The social worker ({FULL}) was great but left after a month.",
    "My key worker is called {AMBIG} and she never rushes me.",
    "We asked for {AMBIG} again because she knew the family.",
    "I would like to thank {FULL} for all her help.",
    "{FIRST} listened, which nobody had done for years.",
    "I phoned {FIRST} at the hub and she came out the same week.",
    "Our neighbour {FIRST} told us about the drop-in.",
    "The nurse, {TITLE} {SURNAME}, explained my options.",
    "Staff such as {FIRST} and {FIRST} go the extra mile.",
    "{TITLE} {SURNAME} from the GP practice joined the meeting.",
    "thanks to {LOWER} for everything",
    "tel: {PHONE} (mornings only)",
    "My mobile's {PHONE}.",
    "Contact: {EMAIL}",
    "They sent it to {EMAIL} but I never got it.",
    "Our flat is {ADDRESS}, {POSTCODE}, top floor.",
    "{POSTCODE} is not covered by the bus pass scheme.",
    "The form wanted my NHS number ({NHS_NO}) three times.",
    "CHI no. {CHI_NO} - please note for the record.",
    "Dad's national insurance number is {NI_NO}.",
    "d.o.b. {DATE_OF_BIRTH}",
    "He was born {DATE_OF_BIRTH} and is 80 now.",
    "The group page is {URL}.",
    "{FIRST} {SURNAME} rang me from the council about the assessment.",
]
H_NEGATIVE = [
    "Ruby wedding anniversary lunch was organised by the hub.",
    "Jack of all trades, that's what the link workers have to be.",
    "Holly and ivy decorations at the Christmas lunch were lovely.",
    "Ray of sunshine, this service.",
    "The Amber warning meant the bus didn't run.",
    "Penny pinching by the council has hit the day centre.",
    "Sky high waiting lists before this started.",
    "Green spaces near the hub help people get out.",
    "Young carers in Falkirk now have a group.",
    "Hill walking group is run by volunteers in Perth.",
    "Wood working shed at the community centre is popular.",
    "Bell rang at 10 and nobody answered.",
    "The Grant from the lottery paid for the minibus.",
    "Kelly's Cafe hosts the Talking Point on a Monday.",
    "Walker frames were delivered quickly.",
    "Crystal clear explanations from the team.",
    "Sandy beaches are no use if you can't get there.",
    "Daisy chain of referrals - that's how it used to be.",
    "The Young Persons team in Stirling helped us.",
    "Chris Hoy velodrome trip was great for the men's group.",
]


# --- lower-case forms (added with the ingest leak benchmark; appended with their own seed so
# the rows above stay as they were): full names typed in lower case, NI numbers in lower case
# with spaces, the QQ specimen prefix and NI-shaped tokens with an unissued prefix after a cue.
def gen_ni_lower(r: random.Random) -> str:
    d = "".join(r.choice("0123456789") for _ in range(6))
    p = r.choice(NI_FIRST) + r.choice(NI_SECOND)
    return f"{p} {d[:2]} {d[2:4]} {d[4:]} {r.choice('ABCD')}".lower()


def gen_ni_specimen(r: random.Random) -> str:
    d = "".join(r.choice("0123456789") for _ in range(6))
    return r.choice([f"QQ {d[:2]} {d[2:4]} {d[4:]} C", f"QQ{d}C"])


def gen_ni_unissued(r: random.Random) -> str:
    d = "".join(r.choice("0123456789") for _ in range(6))
    return f"{r.choice('DFIQUV')}{r.choice('DFIOQUV')} {d[:2]} {d[2:4]} {d[4:]} {r.choice('ABCD')}"


LOWER_GEN = {
    "NI_LOWER": gen_ni_lower,
    "NI_SPECIMEN": gen_ni_specimen,
    "NI_UNISSUED": gen_ni_unissued,
}
LOWER_POSITIVE = [
    "i spoke to {LOWER_FULL} yesterday and she sorted it",
    "{LOWER_FULL} was brilliant with my dad",
    "please pass my thanks to {LOWER_FULL}",
    "my ni number is {NI_LOWER}",
    "ni no {NI_LOWER} for the claim",
    "NI number {NI_SPECIMEN} was on the letter",
    "National Insurance number {NI_UNISSUED} was refused",
    "my NI is {NI_UNISSUED} if that helps",
]
LOWER_NEGATIVE = [
    "the bill was paid in march",
    "we will hope for the best",
    "i rang at 12 34 every day",
    "my mum and dad came along",
    "grace and faith groups helped",
    "ni hao from the chinese group",
]


def _lower_rows(r: random.Random, first: list[str], last: list[str], n: int, split: str):
    rows: list[dict[str, object]] = []
    seen: set[str] = set()
    while len(rows) < n:
        template = r.choice(LOWER_POSITIVE)
        out, ents, pos = "", [], 0
        for m in re.finditer(r"\{(\w+)\}", template):
            out += template[pos : m.start()]
            if m.group(1) == "LOWER_FULL":
                value, typ = f"{r.choice(first)} {r.choice(last)}".lower(), "NAME"
            else:
                value, typ = LOWER_GEN[m.group(1)](r), "NI_NO"
            ents.append({"start": len(out), "end": len(out) + len(value), "type": typ})
            out += value
            pos = m.end()
        out += template[pos:]
        if out not in seen:
            seen.add(out)
            rows.append({"text": out, "entities": ents, "kind": "positive", "split": split})
    rows += [
        {"text": t, "entities": [], "kind": "hard_negative", "split": split} for t in LOWER_NEGATIVE
    ]
    return rows


def fill(template: str, r: random.Random) -> tuple[str, list[dict[str, object]]]:
    out = ""
    ents: list[dict[str, object]] = []
    pos = 0
    for m in re.finditer(r"\{(\w+)\}", template):
        out += template[pos : m.start()]
        slot = m.group(1)
        if slot == "TITLE":
            out += r.choice(TITLES)
        elif slot == "REL":
            out += r.choice(REL)
        elif slot == "LOWER":
            value = str(GEN["FIRST"](r)).lower()
            ents.append({"start": len(out), "end": len(out) + len(value), "type": "NAME"})
            out += value
        else:
            value = GEN[slot](r)
            typ = "NAME" if slot in NAME_SLOTS else slot
            ents.append({"start": len(out), "end": len(out) + len(value), "type": typ})
            out += value
        pos = m.end()
    out += template[pos:]
    return out, ents


def _split(
    r: random.Random, templates: list[str], negatives: list[str], n: int, split: str
) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    seen: set[str] = set()
    while len(rows) < n:
        text, ents = fill(r.choice(templates), r)
        if text not in seen:
            seen.add(text)
            rows.append({"text": text, "entities": ents, "kind": "positive", "split": split})
    rows += [
        {"text": t, "entities": [], "kind": "hard_negative", "split": split} for t in negatives
    ]
    return rows


def build(n_positive: int = 520, n_heldout: int = 200, seed: int = 0) -> list[dict[str, object]]:
    r = random.Random(seed)
    rows = _split(r, POSITIVE, NEGATIVE, n_positive, "dev")
    # held-out split: swap in its own name lists
    saved = dict(GEN)
    GEN["FIRST"] = lambda r: r.choice(H_FIRST)
    GEN["FULL"] = lambda r: f"{r.choice(H_FIRST)} {r.choice(H_SURNAMES)}"
    GEN["SURNAME"] = lambda r: r.choice(H_SURNAMES)
    GEN["AMBIG"] = lambda r: r.choice(H_AMBIG)
    try:
        rows += _split(r, H_POSITIVE, H_NEGATIVE, n_heldout, "heldout")
    finally:
        GEN.update(saved)
    lower = random.Random(seed + 1)
    rows += _lower_rows(lower, FIRST, SURNAMES, 40, "dev")
    rows += _lower_rows(lower, H_FIRST, H_SURNAMES, 40, "heldout")
    for i, row in enumerate(rows):
        row["id"] = f"pii{i:04d}"
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).with_name("pii_testset.jsonl"))
    ap.add_argument("--n", type=int, default=520, help="number of positive sentences")
    ap.add_argument("--n-heldout", type=int, default=200, help="positive held-out sentences")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rows = build(args.n, args.n_heldout, args.seed)
    keys = ("id", "split", "kind", "text", "entities")
    lines = [json.dumps({k: row[k] for k in keys}) for row in rows]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(rows)} sentences to {args.out.name}")


if __name__ == "__main__":
    main()
