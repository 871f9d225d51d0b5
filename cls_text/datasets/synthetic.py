"""Synthetic Community Led Support survey waves, for demos, tests and benchmarks.

Real CLS feedback cannot live in a public repository, yet every step of the pipeline needs
realistic input: survey-tool exports with junk columns, British English answers of every length,
several themes per answer, topics the codebook does not cover, and the mess real exports have.
This module makes such data deterministically from a seeded :class:`numpy.random.Generator`, so
the same seed always gives the same frame and test expectations can be exact.

Everything here is invented. Personal identifiers are drawn from obviously fake pools (surnames
such as "Exampleton", Ofcom drama phone ranges, ``example.org`` e-mails, postcodes in areas that
do not exist) and :func:`planted_identifiers` lists every one, so an end-to-end test can assert
that none of them survives redaction.

Functions are pure: no file is read or written here (``data/make_sample_waves.py`` writes files).
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import yaml

from cls_text import schema

# --- sentence pools ------------------------------------------------------------------------
# Kept as YAML text so that they read like prose and stay easy to extend. Template keys: "s+"/"s-"
# staff or partner voice, "c+"/"c-" community-member voice (falls back to the staff voice).
# Written for this project; no sentence comes from a real respondent or a published evaluation.
_POOLS_YAML = """
fillers:
  group:
  - lunch club
  - walking group
  - men’s shed
  - knit and natter
  - coffee morning
  - carers’ café
  - singing group
  - community allotment
  - chair yoga class
  venue:
  - library
  - village hall
  - church hall
  - community centre
  - leisure centre
  - community café
  - GP surgery
  weeks:
  - three
  - six
  - eight
  - twelve
  - sixteen
  worker:
  - the community connector
  - my social worker
  - the lady at the talking point
  - the occupational therapist
  - the local area coordinator
  - the carers’ worker
  person:
  - my mum
  - my dad
  - my husband
  - my wife
  - my son
  - my neighbour
  - my nan
  org:
  - the GP practice
  - housing
  - the district nurses
  - the voluntary sector
  - the hospital discharge team
  - the mental health team
  - Citizens Advice
  amount:
  - £500
  - £2,000
  - £250
  - £15,000
  - £40
templates:
  trust:
    s+:
    - We’re trusted to use our professional judgement now instead of asking permission for
      every little thing.
    - Having a small devolved budget means I can just buy the kettle or the taxi without waiting
      weeks.
    - Managers let us try things and accept that not all of them will work.
    - I feel empowered to make decisions with the person there and then.
    s-:
    - Every decision still gets second-guessed by someone above me.
    - It feels like there’s no trust, we are micromanaged and have to justify every phone
      call.
    - We were told we had autonomy but anything over {amount} still goes up the chain.
    - My judgement gets overruled by people who have never met the family.
    c+:
    - They trusted me to know what I needed rather than telling me.
    - For once I felt in charge of my own support and they let me decide.
    c-:
    - It felt like they didn’t trust me to manage my own money.
    - Decisions about {person} were made without asking us, we weren’t trusted.
  bureaucracy:
    s+:
    - Far less paperwork, so I spend my time with people instead of at a screen.
    - We’ve cut out a whole layer of sign off and the forms are half the length.
    - No more triage and referral forms bouncing between teams, we just pick it up.
    - The recording is proportionate now, a few lines rather than a twelve page assessment.
    s-:
    - The paperwork is still endless and the IT system crashes twice a day.
    - Everything has to go to panel, which adds weeks and a pile of forms.
    - Red tape stops community groups doing the simplest things, the risk assessments alone
      put volunteers off.
    - I type the same case notes into three different systems.
    - We still need proper records to keep people safe, so some process has to stay.
    c+:
    - No forms to fill in, they just wrote down what mattered and got on with it.
    - It was simple, one conversation and no paperwork.
    c-:
    - I had to fill in the same form three times and jump through hoops to prove I was eligible.
    - Too much red tape, I was told I didn’t meet the criteria after waiting {weeks} weeks.
    - The online form kept timing out and then they lost my referral.
  resilience:
    s+:
    - During the pandemic the teams adapted within days and the community stepped up.
    - When the floods hit {site}, the hub became the place everyone turned to.
    - We’ve come through a hard winter and the team is stronger for it.
    s-:
    - We are constantly firefighting and the team is at breaking point.
    - Since covid we’ve never really recovered, everyone is overwhelmed.
    - Staff are burnt out from lurching from one crisis to the next.
    c+:
    - After my husband died they helped me get back on my feet.
    - I’m coping much better now and I know I can get through the bad days.
    - In lockdown the volunteers kept us going with shopping and phone calls.
    c-:
    - I’m at the end of my tether caring for {person} on my own.
    - I was struggling to cope and nobody seemed to notice until I fell apart.
    - Honestly I feel overwhelmed most days.
  access:
    s+:
    - Our waiting list has gone from {weeks} weeks to almost nothing.
    - People can drop in to the talking point at the {venue} and see someone the same day.
    - No wrong door really does mean people get a conversation straight away.
    s-:
    - The waiting list is creeping back up and people are waiting {weeks} weeks again.
    - The front door is still a call centre and people get bounced around.
    - There aren’t enough drop-in sessions in the outlying villages.
    c+:
    - I walked in to the {venue} without an appointment and was seen straight away.
    - Much quicker than before, someone rang me back the same day.
    - Being able to talk to someone face to face made all the difference.
    c-:
    - I waited {weeks} weeks for anyone to get back to me.
    - You ring and you’re on hold for an hour, then cut off.
    - I was passed from pillar to post and had to chase every step.
    - The talking point is only open on a Tuesday morning when I’m at work.
  community:
    s+:
    - We connect people to things like the {group} at the {venue} rather than straight to
      services.
    - Volunteers and neighbours are doing amazing things in {site}.
    - Knowing the local groups means I can signpost people to something that fits.
    s-:
    - There’s very little in the community for younger disabled people.
    - Some of the small groups have folded and there’s nothing locally to link people into.
    c+:
    - Going to the {group} has given me a reason to get out of the house.
    - I’ve made friends at the {group} and I don’t feel so lonely.
    - '{worker} put me in touch with the {group} and it’s been a lifeline.'
    - The café at the {venue} is a lovely place to meet people.
    c-:
    - There’s nothing locally for people like me, I’m stuck indoors most days.
    - I still feel very isolated since moving to {site}.
  conversations:
    s+:
    - We start with what matters to the person, not with what’s wrong with them.
    - Strengths-based conversations mean we build on what people can already do.
    - It feels like proper social work again, listening rather than assessing.
    s-:
    - Some conversations are still a tick list dressed up as a chat.
    - We’re told to be person-centred but the forms are still all about deficits.
    c+:
    - '{worker} really listened and asked what mattered to me.'
    - For the first time I was treated as a person, not a case number.
    - They took the time to understand our situation and what {person} is good at.
    c-:
    - Nobody listened, they’d already decided what I needed.
    - I felt like just a number and had to tell my story all over again.
    - The conversation was rushed and all about what I can’t do.
  coproduction:
    s+:
    - People with lived experience helped design the hubs from the start.
    - Residents sat on the interview panel and it changed who we recruited.
    - We co-produced the leaflet with carers and it’s far better for it.
    s-:
    - The co-production feels tokenistic, the decisions were already made.
    - We talk about a shared vision but communities aren’t really round the table.
    c+:
    - We had a real say in how the hub was set up and they listened.
    - I’m on the carers’ forum and we’ve seen our ideas used.
    c-:
    - Nobody asked us, things are still done to us not with us.
    - There was a consultation but we never heard what happened to our views.
  culture:
    s+:
    - The new way of working has changed the culture, we talk about people not cases.
    - Test and learn gave us licence to try things and learn from what didn’t work.
    - It’s embedded now and nobody wants to go back to the old way.
    s-:
    - Some colleagues see it as a rebrand of the same old thing.
    - There’s still a lot of resistance and it feels like lip service in places.
    - Outside the pilot teams it’s business as usual.
    c+:
    - It feels like the council has changed its whole attitude.
    c-:
    - Same old system with a new name as far as I can see.
  leadership:
    s+:
    - Senior managers have backed this from the start and it shows.
    - My team leader gives us permission to try things and has an open door.
    - Having councillors championing it has kept it going.
    s-:
    - Leadership is too top-down, decisions come from people who don’t do the job.
    - Senior managers talk the talk but don’t walk the talk.
    - Our manager left and nobody has picked up the leadership since.
    c+:
    - You can tell the people in charge actually care about it.
    c-:
    - The bosses at the council seem out of touch with what happens here.
  partnership:
    s+:
    - Working alongside {org} in the same hub means much less duplication.
    - Partnership working with the voluntary sector is the best it has ever been.
    - We now pick up the phone to {org} instead of sending a referral.
    s-:
    - Health and social care still work in silos.
    - '{org} don’t share information so people have to repeat everything.'
    - Partners aren’t joined up and families fall between the gaps.
    c+:
    - Everyone seemed to talk to each other, {org} knew what was going on.
    c-:
    - The NHS and the council didn’t talk to each other, I had to pass messages between them.
  prevention:
    s+:
    - We’re getting to people earlier, before they hit crisis.
    - A bit of help early on stops things escalating into a care package.
    - Fewer people are coming through for long-term care since the hubs opened.
    s-:
    - We still only see people when it’s already a crisis.
    - There’s no capacity for early help, it’s all reactive.
    c+:
    - A grab rail and a lift to the {group} means {person} can stay at home.
    - Getting help early stopped me ending up back in hospital.
    c-:
    - Help only came when it was too late and {person} had to go into a care home.
    - I asked for help months ago but nothing happened until it reached crisis point.
  wellbeing:
    s+:
    - People are more confident and more in control of their lives.
    - We’re seeing real outcomes, people feel less isolated and happier.
    s-:
    - Some people’s needs are still unmet and they fall through the gaps.
    c+:
    - My confidence has come back and it has changed my life.
    - '{person} is more independent now and much happier.'
    - My anxiety is better because I know who to call.
    - I feel like myself again.
    c-:
    - My mental health has got worse and nobody followed up.
    - We feel let down, {person}’s care has been poor.
  workforce:
    s+:
    - Morale in the team is the best it’s been in years.
    - I love my job again, this is why I came into social work.
    - I feel valued and the work is rewarding.
    s-:
    - Workload is unmanageable and two of the team are off sick with stress.
    - Recruitment is a real problem and we rely on agency staff.
    - I’m exhausted and thinking of leaving.
    - Caseloads have crept up again and the long hours are taking their toll.
    c+:
    - The staff seem happier and less rushed than they used to.
    c-:
    - The staff are clearly overworked, you can see the stress on their faces.
  resources:
    s+:
    - It costs very little and saves money on packages of care.
    - A small grant of {amount} kept the {group} going for a year.
    - It’s good value for money and the savings are real.
    s-:
    - Funding is only ever short-term so we can’t plan beyond March.
    - The cuts mean we’re doing more with less.
    - Everything at panel is about cost rather than what the person needs.
    - Without sustainable funding the hubs will close.
    c+:
    - The group got a grant and it’s free to go.
    c-:
    - The day centre closed because of cuts and there’s nothing to replace it.
    - Everything is about money, they offered the cheapest option.
off_codebook:
- - I don’t have the internet and everything is online now.
  - Not everyone has a smartphone, {person} can’t use the online form.
  - Digital exclusion is a big issue for older people in {site}.
- - The buses are hopeless, there’s one an hour and none on a Sunday.
  - Transport is a problem, I can’t get to the {venue} without a lift.
  - Taxis cost a fortune and there’s no community transport any more.
- - With the cost of living, heating bills and food prices have gone through the roof.
  - More people are using the food bank and can’t afford their energy bills.
  - I’m having to choose between heating and eating this winter.
- - Our housing is damp and full of mould and the landlord won’t fix it.
  - There’s a two year wait on the housing list.
  - Housing is the biggest problem, people are stuck in unsuitable flats.
openers:
- Honestly,
- To be fair,
- Overall,
- On the whole,
- In my view
- Personally,
- I think
tails:
- to be honest
- if I’m honest
- in my experience
- most of the time
- for what it’s worth
- right now
- as far as I can tell
short_answers:
- Quicker help.
- Less paperwork.
- More funding.
- Friendly staff.
- Very good.
- All good
- More drop-ins please
- Listened to me.
- Not much.
non_substantive:
- ''
- n/a
- N/A
- '-'
- nothing
- Nothing
- no comment
- No comment
- None
- .
- na
- ' '
"""
_POOLS: dict[str, Any] = yaml.safe_load(_POOLS_YAML)
FILLERS: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in _POOLS["fillers"].items()}
TEMPLATES: dict[str, dict[str, tuple[str, ...]]] = {
    theme: {key: tuple(v) for key, v in cells.items()}
    for theme, cells in _POOLS["templates"].items()
}
#: Topics outside the codebook (digital exclusion, transport, cost of living, housing).
OFF_CODEBOOK: tuple[tuple[str, ...], ...] = tuple(tuple(t) for t in _POOLS["off_codebook"])
OPENERS: tuple[str, ...] = tuple(_POOLS["openers"])
TAILS: tuple[str, ...] = tuple(_POOLS["tails"])
SHORT_ANSWERS: tuple[str, ...] = tuple(_POOLS["short_answers"])
#: Junk answers real exports are full of (non-substantive).
NON_SUBSTANTIVE: tuple[str, ...] = tuple(_POOLS["non_substantive"])

#: Theme ids in codebook order (the default codebook's).
THEME_IDS: tuple[str, ...] = tuple(TEMPLATES)

#: Invented local areas (none is a real council).
DEFAULT_SITES: tuple[str, ...] = (
    "Northvale",
    "Eastbrook",
    "Westmere",
    "Southcombe",
    "Kirkhaven",
    "Ashby Fen",
)

#: The four open questions of the sample surveys, in export order.
DEFAULT_QUESTIONS: tuple[str, ...] = (
    "What has worked well about the new way of working?",
    "What could be better?",
    "How has this changed things for you or the people you support?",
    "Anything else you would like to tell us?",
)

#: Prevalence multipliers for a second wave: more trust, less bureaucracy, more money worries.
WAVE2_TREND: dict[str, float] = {"trust": 1.8, "bureaucracy": 0.5, "resources": 1.4}

RESPONDENT_MIX: dict[str, float] = {"staff": 0.45, "community member": 0.42, "partner": 0.13}

#: Relative theme weights by respondent type (codebook order; unlisted themes weigh 1).
_TYPE_WEIGHTS: dict[str, dict[str, float]] = {
    "staff": {
        "trust": 2.6,
        "bureaucracy": 2.6,
        "workforce": 2.2,
        "culture": 2.0,
        "leadership": 1.8,
        "partnership": 1.4,
        "resources": 1.3,
        "conversations": 1.4,
        "wellbeing": 0.6,
    },
    "community member": {
        "access": 2.8,
        "community": 2.6,
        "conversations": 2.2,
        "wellbeing": 2.4,
        "prevention": 1.3,
        "trust": 0.4,
        "workforce": 0.2,
        "leadership": 0.2,
        "culture": 0.3,
        "bureaucracy": 0.8,
    },
    "partner": {
        "partnership": 3.0,
        "community": 1.8,
        "resources": 2.0,
        "coproduction": 1.6,
        "workforce": 0.4,
        "wellbeing": 0.8,
    },
}

#: Per-site character: which themes each invented area talks about more (or less).
_SITE_WEIGHTS: dict[str, dict[str, float]] = {
    "Northvale": {"community": 1.6, "resilience": 1.5, "access": 0.8},
    "Eastbrook": {"access": 1.6, "bureaucracy": 1.4, "resources": 1.3},
    "Westmere": {"coproduction": 2.0, "culture": 1.3},
    "Southcombe": {"prevention": 1.7, "wellbeing": 1.3},
    "Kirkhaven": {"partnership": 1.8, "leadership": 1.4},
    "Ashby Fen": {"resilience": 1.8, "community": 1.3, "access": 1.3},
}

#: Share of positive stance per question (index into the question list; later ones reuse the last).
_POSITIVE_BY_QUESTION = (0.85, 0.2, 0.65, 0.5)
_MESS_RATE = 0.06  # share of answers replaced by junk ("n/a", "-", blank, ...)

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

_NAME_CUES = (
    "My worker {first} was brilliant and always rang back.",
    "{first} at the talking point sorted everything for me.",
    "Please pass on my thanks to {first} {last}, she went above and beyond.",
    "I spoke to {first} who listened properly for once.",
)
_CONTACT_CUES = (
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


def _weights(rtype: str, site: str, trend: Mapping[str, float] | None) -> np.ndarray:
    base = _TYPE_WEIGHTS.get(rtype, {})
    profile = _SITE_WEIGHTS.get(site)
    if profile is None:
        # Unknown sites still get a stable character: derived from the name, not from hash().
        crc = zlib.crc32(site.encode("utf-8"))
        profile = {
            THEME_IDS[crc % len(THEME_IDS)]: 1.6,
            THEME_IDS[(crc // 7) % len(THEME_IDS)]: 1.3,
        }
    w = np.array(
        [base.get(t, 1.0) * profile.get(t, 1.0) * (trend or {}).get(t, 1.0) for t in THEME_IDS]
    )
    return w / w.sum()


def _fill(template: str, rng: np.random.Generator, slots: Mapping[str, Sequence[str]]) -> str:
    """Fill ``{slot}`` placeholders from the slot pools (only the slots the template uses)."""
    values = {}
    for key, pool in slots.items():
        if "{" + key + "}" in template:
            values[key] = pool[int(rng.integers(len(pool)))]
    return template.format(**values)


def _sentence(theme: str, positive: bool, voice: str, rng: np.random.Generator, site: str) -> str:
    cell = TEMPLATES[theme]
    key = ("s" if voice != "community member" else "c") + ("+" if positive else "-")
    pool = cell.get(key) or cell["s+" if positive else "s-"]
    slots = {**FILLERS, "site": (site,)}
    text = _fill(pool[int(rng.integers(len(pool)))], rng, slots)
    text = text[0].upper() + text[1:]  # templates may start with a slot ("{worker} ...")
    if rng.random() < 0.15 and text.endswith("."):
        text = f"{text[:-1]}, {TAILS[int(rng.integers(len(TAILS)))]}."
    return text


def make_answer(
    rng: np.random.Generator,
    *,
    respondent_type: str,
    site: str,
    positive_share: float = 0.6,
    trend: Mapping[str, float] | None = None,
) -> str:
    """Compose one free-text answer: 1-5 theme sentences (or a short reply), maybe off-codebook.

    Args:
        rng: The generator to draw from (advanced in place; that is what keeps waves varied).
        respondent_type: Voice and theme mix: "staff", "community member" or "partner".
        site: Area name; shifts which themes are talked about.
        positive_share: Probability that each theme sentence is positive.
        trend: Optional theme-id -> prevalence multiplier.

    Returns:
        The answer text (British English, may contain £, é and curly apostrophes).
    """
    roll = rng.random()
    if roll < 0.07:
        return SHORT_ANSWERS[int(rng.integers(len(SHORT_ANSWERS)))]
    n_themes = int(rng.choice([1, 1, 1, 2, 2, 3, 4, 5]))
    themes = rng.choice(
        len(THEME_IDS), size=n_themes, replace=False, p=_weights(respondent_type, site, trend)
    )
    parts = []
    for idx in themes:
        parts.append(
            _sentence(
                THEME_IDS[int(idx)], bool(rng.random() < positive_share), respondent_type, rng, site
            )
        )
    if rng.random() < 0.3:
        first = parts[0]
        if len(first) > 1 and first[1].islower() and not first.startswith(("I ", "I’")):
            first = first[0].lower() + first[1:]
        parts[0] = OPENERS[int(rng.integers(len(OPENERS)))] + " " + first
    if rng.random() < 0.14:
        topic = OFF_CODEBOOK[int(rng.integers(len(OFF_CODEBOOK)))]
        sentence = _fill(topic[int(rng.integers(len(topic)))], rng, {**FILLERS, "site": (site,)})
        parts.insert(int(rng.integers(len(parts) + 1)), sentence)
    text = " ".join(parts)
    # Some respondents write one long lower-case line; some press return between thoughts.
    if rng.random() < 0.08:
        text = text.lower().replace("’", "'")
    elif len(parts) > 2 and rng.random() < 0.2:
        text = "\n".join(parts)
    return text


def make_wave(
    n_respondents: int,
    *,
    wave: str,
    seed: int,
    sites: Sequence[str] = DEFAULT_SITES,
    questions: Sequence[str] = DEFAULT_QUESTIONS,
    style: str = "wide",
    trend: Mapping[str, float] | None = None,
    start: str = "2026-03-02",
    days: int = 42,
    mess: bool = False,
) -> pd.DataFrame:
    """Make one survey wave in the WIDE shape a survey tool exports.

    One row per respondent; one column per open question; plus id, respondent type, area, date
    and junk columns ("Start time", "Consent", ...). Headers and type labels follow ``style``.

    Args:
        n_respondents: Number of rows (>= 1).
        wave: Wave label; mixed into the seed, so waves made with one seed still differ.
        seed: Seed of the numpy Generator; the same arguments always give the same frame.
        sites: Area names to spread respondents over.
        questions: Open-question headers, in column order.
        style: "wide" (Respondent ID / Role / Area / Date) or "forms" (Response ID /
            Which best describes you? / Local area / Submitted, with datetimes).
        trend: Theme-id -> prevalence multiplier, e.g. :data:`WAVE2_TREND`.
        start: ISO date of the first possible response.
        days: Responses fall in ``[start, start + days)``.
        mess: Plant what real exports contain: junk answers, a duplicated respondent, formula-like
            answers, phone/e-mail/name mentions, a missing id and a 5,000+ character answer.

    Returns:
        A DataFrame with string columns (the "forms" style has a datetime "Submitted").

    Raises:
        ValueError: On an unknown style or trend theme, no sites/questions, or n_respondents
            < 1 (or < 12 with ``mess``, which needs room for its planted rows).
    """
    if style not in STYLES:
        raise ValueError(f"style '{style}' is unknown; expected one of {sorted(STYLES)}")
    if n_respondents < (12 if mess else 1):
        raise ValueError(f"n_respondents must be >= {12 if mess else 1}, got {n_respondents}")
    if not sites or not questions:
        raise ValueError("sites and questions must each name at least one value")
    unknown = sorted(set(trend or {}) - set(THEME_IDS))
    if unknown:
        raise ValueError(f"trend names unknown theme ids {unknown}; valid: {list(THEME_IDS)}")
    spec = STYLES[style]
    # The wave label is mixed into the seed so two waves made with one seed still differ.
    rng = np.random.default_rng([seed, zlib.crc32(wave.encode("utf-8"))])
    types = list(RESPONDENT_MIX)
    rtypes = rng.choice(len(types), size=n_respondents, p=list(RESPONDENT_MIX.values()))
    site_idx = rng.integers(len(sites), size=n_respondents)
    first = date.fromisoformat(start)
    offsets = rng.integers(days, size=n_respondents)
    minutes = rng.integers(8 * 60, 21 * 60, size=n_respondents)
    durations = rng.integers(3, 40, size=n_respondents)

    rows: list[dict[str, object]] = []
    for i in range(n_respondents):
        rtype, site = types[int(rtypes[i])], sites[int(site_idx[i])]
        started = datetime.combine(first + timedelta(days=int(offsets[i])), datetime.min.time())
        started += timedelta(minutes=int(minutes[i]))
        finished = started + timedelta(minutes=int(durations[i]))
        rid = f"R{i + 1:04d}" if style == "wide" else str(1000 + i + 1)
        row: dict[str, object] = {spec.id: rid}
        junk = spec.junk
        row[junk[0]] = started.strftime("%d/%m/%Y %H:%M")
        row[junk[1]] = finished.strftime("%d/%m/%Y %H:%M")
        row[junk[2]] = "anonymous"
        row[junk[3]] = ""
        row[junk[4]] = "Yes"
        row[spec.type] = spec.types[rtype]
        row[spec.site] = site
        row[spec.date] = finished if style == "forms" else finished.date().isoformat()
        for q_pos, question in enumerate(questions):
            share = _POSITIVE_BY_QUESTION[min(q_pos, len(_POSITIVE_BY_QUESTION) - 1)]
            # Later questions are skipped more often: real respondents tire.
            if rng.random() < 0.04 + 0.05 * q_pos:
                answer = NON_SUBSTANTIVE[int(rng.integers(len(NON_SUBSTANTIVE)))]
            else:
                answer = make_answer(
                    rng, respondent_type=rtype, site=site, positive_share=share, trend=trend
                )
            row[question] = answer
        rows.append(row)
    frame = pd.DataFrame(rows)
    if mess:
        frame = _add_mess(frame, rng, spec=spec, questions=list(questions))
    return frame


def _add_mess(
    frame: pd.DataFrame,
    rng: np.random.Generator,
    *,
    spec: ExportStyle,
    questions: list[str],
) -> pd.DataFrame:
    """Plant the mess of real exports; every fake identifier is used at least once."""
    df = frame.copy()
    n = len(df)
    id_col, junk = spec.id, spec.junk
    cells = [
        (int(r), questions[int(q)])
        for r, q in zip(rng.permutation(n)[:n], rng.integers(len(questions), size=n), strict=True)
    ]
    cursor = iter(cells)

    def put(text: str, *, append: bool = True) -> None:
        r, q = next(cursor)
        old = str(df.loc[r, q])
        df.loc[r, q] = f"{old} {text}" if append and old.strip() else text

    junk_rate = rng.random(size=(n, len(questions))) < _MESS_RATE
    for r, qi in zip(*np.nonzero(junk_rate), strict=True):
        df.loc[int(r), questions[int(qi)]] = NON_SUBSTANTIVE[
            int(rng.integers(len(NON_SUBSTANTIVE)))
        ]
    # Names after a cue, full names, phones, e-mails and postcodes: each pool item at least once.
    for k, name in enumerate(FAKE_FIRST_NAMES):
        cue = _NAME_CUES[k % len(_NAME_CUES)]
        put(cue.format(first=name, last=FAKE_SURNAMES[k % len(FAKE_SURNAMES)]))
    for full in FAKE_FULL_NAMES:
        put(f"Special thanks to {full} for everything.")
    contacts = [*FAKE_PHONES, *FAKE_EMAILS, *FAKE_POSTCODES]
    for value in contacts:
        key = "postcode" if value in FAKE_POSTCODES else "email" if "@" in value else "phone"
        cue = next(c for c in _CONTACT_CUES if "{" + key + "}" in c and c.count("{") == 1)
        put(cue.format(**{key: value}))
    # Full names in the exported "Name" column and an address in "Email" (columns to be dropped).
    for k in range(3):
        r = int(rng.integers(n))
        df.loc[r, junk[3]] = FAKE_FULL_NAMES[k]
        df.loc[r, junk[2]] = FAKE_EMAILS[k]
    # Formula-like answers must stay text and be neutralised when written to spreadsheets.
    put("=== best thing ever ===", append=False)
    put("+ more staff in the hub please", append=False)
    put("-- nothing else to say --", append=False)
    put("@ the hub every week, it’s a lifeline", append=False)
    # One answer far over the default 4,000 character limit.
    long_parts: list[str] = []
    while sum(len(p) + 1 for p in long_parts) <= 5200:
        long_parts.append(make_answer(rng, respondent_type="community member", site="Northvale"))
    long_text = " ".join(long_parts)
    put(long_text, append=False)
    # A missing respondent id and one respondent exported twice (same id, same answers).
    df.loc[int(rng.integers(1, n)), id_col] = ""
    dup = int(rng.integers(n))
    df = pd.concat([df, df.iloc[[dup]]], ignore_index=True)
    return df


def _quote_id(wave: str, respondent_id: str, question: str) -> str:
    return hashlib.sha1(f"{wave}|{respondent_id}|{question}".encode()).hexdigest()[:12]


def make_quotes(
    n: int,
    *,
    seed: int,
    pool_size: int = 4000,
    waves: Sequence[str] = ("2026-spring", "2026-autumn"),
    sites: Sequence[str] = DEFAULT_SITES,
    questions: Sequence[str] = DEFAULT_QUESTIONS,
) -> pd.DataFrame:
    """Make a big LONG table of quotes for benchmarks (1M rows in a few seconds).

    Answers are composed once into a pool (per respondent type) and then sampled with numpy,
    so the cost is nearly independent of ``n``. Texts therefore repeat for large ``n``.

    Args:
        n: Number of rows (>= 0).
        seed: Seed of the numpy Generator.
        pool_size: Distinct answers composed per respondent type.
        waves: Wave labels spread over the rows.
        sites: Area names.
        questions: Open questions; each respondent answers them in order.

    Returns:
        Columns quote_id, respondent_id, respondent_type, site, wave, question, text.

    Raises:
        ValueError: If ``n`` is negative or ``pool_size`` < 1.
    """
    if n < 0 or pool_size < 1:
        raise ValueError(f"n must be >= 0 and pool_size >= 1, got n={n}, pool_size={pool_size}")
    rng = np.random.default_rng(seed)
    types = list(RESPONDENT_MIX)
    pools = []
    for rtype in types:
        pool = [
            make_answer(rng, respondent_type=rtype, site=sites[k % len(sites)], positive_share=0.6)
            for k in range(pool_size)
        ]
        pools.append(np.array(pool, dtype=object))
    n_q = len(questions)
    resp = np.arange(n) // n_q
    n_resp = int(resp[-1]) + 1 if n else 0
    resp_type = rng.choice(len(types), size=n_resp, p=list(RESPONDENT_MIX.values()))[resp]
    resp_site = rng.integers(len(sites), size=n_resp)[resp]
    resp_wave = rng.integers(len(waves), size=n_resp)[resp]
    pick = rng.integers(pool_size, size=n)
    text = np.empty(n, dtype=object)
    for k in range(len(types)):
        mask = resp_type == k
        text[mask] = pools[k][pick[mask]]
    rid = np.array([f"Q{i:07d}" for i in range(1, n_resp + 1)], dtype=object)[resp]
    q_arr = np.array(list(questions), dtype=object)[np.arange(n) % n_q]
    w_arr = np.array(list(waves), dtype=object)[resp_wave]
    qids = [_quote_id(w, r, q) for w, r, q in zip(w_arr, rid, q_arr, strict=True)]
    return pd.DataFrame(
        {
            schema.QUOTE_ID: qids,
            schema.RESPONDENT_ID: rid,
            schema.RESPONDENT_TYPE: np.array(types, dtype=object)[resp_type],
            schema.SITE: np.array(list(sites), dtype=object)[resp_site],
            schema.WAVE: w_arr,
            schema.QUESTION: q_arr,
            schema.TEXT: text,
        }
    )
