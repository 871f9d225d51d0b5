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
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from cls_text import schema
from cls_text.datasets.answers import (
    DEFAULT_QUESTIONS,
    DEFAULT_SITES,
    MESS_RATE,
    NON_SUBSTANTIVE,
    POSITIVE_BY_QUESTION,
    RESPONDENT_MIX,
    THEME_IDS,
    make_answer,
)
from cls_text.datasets.fakes import (
    CONTACT_CUES,
    FAKE_EMAILS,
    FAKE_FIRST_NAMES,
    FAKE_FULL_NAMES,
    FAKE_PHONES,
    FAKE_POSTCODES,
    FAKE_SURNAMES,
    NAME_CUES,
    STYLES,
    ExportStyle,
)


def _check_wave_args(
    n_respondents: int,
    style: str,
    sites: Sequence[str],
    questions: Sequence[str],
    trend: Mapping[str, float] | None,
    mess: bool,
) -> None:
    if style not in STYLES:
        raise ValueError(f"style '{style}' is unknown; expected one of {sorted(STYLES)}")
    if n_respondents < (12 if mess else 1):
        raise ValueError(f"n_respondents must be >= {12 if mess else 1}, got {n_respondents}")
    if not sites or not questions:
        raise ValueError("sites and questions must each name at least one value")
    unknown = sorted(set(trend or {}) - set(THEME_IDS))
    if unknown:
        raise ValueError(f"trend names unknown theme ids {unknown}; valid: {list(THEME_IDS)}")


def _export_columns(
    spec: ExportStyle,
    rid: str,
    rtype: str,
    site: str,
    started: datetime,
    finished: datetime,
    style: str,
) -> dict[str, object]:
    """A respondent's id, metadata and junk columns, as the survey tool exports them."""
    junk = spec.junk
    return {
        spec.id: rid,
        junk[0]: started.strftime("%d/%m/%Y %H:%M"),
        junk[1]: finished.strftime("%d/%m/%Y %H:%M"),
        junk[2]: "anonymous",
        junk[3]: "",
        junk[4]: "Yes",
        spec.type: spec.types[rtype],
        spec.site: site,
        spec.date: finished if style == "forms" else finished.date().isoformat(),
    }


def _answers(
    rng: np.random.Generator,
    questions: Sequence[str],
    rtype: str,
    site: str,
    trend: Mapping[str, float] | None,
) -> dict[str, object]:
    """One respondent's answers, question by question (later questions skipped more often)."""
    row: dict[str, object] = {}
    for q_pos, question in enumerate(questions):
        share = POSITIVE_BY_QUESTION[min(q_pos, len(POSITIVE_BY_QUESTION) - 1)]
        # Later questions are skipped more often: real respondents tire.
        if rng.random() < 0.04 + 0.05 * q_pos:
            answer = NON_SUBSTANTIVE[int(rng.integers(len(NON_SUBSTANTIVE)))]
        else:
            answer = make_answer(
                rng, respondent_type=rtype, site=site, positive_share=share, trend=trend
            )
        row[question] = answer
    return row


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
    _check_wave_args(n_respondents, style, sites, questions, trend, mess)
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
        row = _export_columns(spec, rid, rtype, site, started, finished, style)
        row |= _answers(rng, questions, rtype, site, trend)
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

    junk_rate = rng.random(size=(n, len(questions))) < MESS_RATE
    for r, qi in zip(*np.nonzero(junk_rate), strict=True):
        df.loc[int(r), questions[int(qi)]] = NON_SUBSTANTIVE[
            int(rng.integers(len(NON_SUBSTANTIVE)))
        ]
    # Names after a cue, full names, phones, e-mails and postcodes: each pool item at least once.
    for k, name in enumerate(FAKE_FIRST_NAMES):
        cue = NAME_CUES[k % len(NAME_CUES)]
        put(cue.format(first=name, last=FAKE_SURNAMES[k % len(FAKE_SURNAMES)]))
    for full in FAKE_FULL_NAMES:
        put(f"Special thanks to {full} for everything.")
    contacts = [*FAKE_PHONES, *FAKE_EMAILS, *FAKE_POSTCODES]
    for value in contacts:
        key = "postcode" if value in FAKE_POSTCODES else "email" if "@" in value else "phone"
        cue = next(c for c in CONTACT_CUES if "{" + key + "}" in c and c.count("{") == 1)
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
