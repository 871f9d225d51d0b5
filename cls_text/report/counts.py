"""Counts that reconcile: what each number in a report counts, and how they add up.

A wave has several honest counts (rows in the export, answers after quarantine, answers with
something to say), and a reader who meets two of them without labels sees a contradiction. These
helpers phrase every count with what it counts, and state the conservation line from the
manifest: every answer read is tagged, set aside as saying nothing, or quarantined.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _n(value: object) -> str:
    return f"{int(value):,}" if isinstance(value, int | float) else str(value)


def _foreign_part(non_english: int) -> str:
    if not non_english:
        return ""
    return f" (of which {_n(non_english)} not in English: kept, no themes looked for)"


def conservation_line(totals: Mapping[str, Any], *, non_english: int = 0) -> str:
    """The manifest's conservation totals as one sentence ("" when there are none).

    ``non_english`` answers that no tagger saw are rows of the tagged table, so the proof
    counts them as tagged; the sentence says how many of the tagged they are.

    Examples:
        >>> conservation_line({"answers_in": 12, "respondents_in": 3, "tagged": 9,
        ...                    "non_substantive": 2, "quarantined": 1})
        '12 answers read from 3 respondents = 9 tagged + 2 with nothing to say + 1 quarantined.'
    """
    if not totals or "answers_in" not in totals:
        return ""
    parts = [f"{_n(totals.get('tagged', 0))} tagged{_foreign_part(non_english)}"]
    parts.append(f"{_n(totals.get('non_substantive', 0))} with nothing to say")
    parts.append(f"{_n(totals.get('quarantined', 0))} quarantined")
    people = (
        f" from {_n(totals['respondents_in'])} respondents" if "respondents_in" in totals else ""
    )
    return f"{_n(totals['answers_in'])} answers read{people} = " + " + ".join(parts) + "."


def count_rows(counts: Mapping[str, int], totals: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(what is counted, count) rows: the export, then what the report covers, then analysed."""
    labels = (
        ("respondents_in", "Respondents in the export (every row read)"),
        ("answers_in", "Answers in the export (one per respondent and question)"),
        ("quarantined", "Answers quarantined (unreadable or invalid, see quarantine.csv)"),
    )
    rows = [(label, _n(totals[k])) for k, label in labels if k in totals]
    covered = (
        ("respondents", "Respondents in this report (after quarantine)"),
        ("answers", "Answers in this report (after quarantine)"),
        ("substantive_answers", "Answers with something to say (analysed)"),
        (
            "repeated_answers",
            "Tagged answers repeating the respondent's earlier answer (not counted)",
        ),
        ("substantive_respondents", "Respondents with one or more such answers (share base)"),
        ("non_english", "Answers not in English (flagged non_english)"),
        (
            "non_english_untagged",
            "Of them, left untagged: English-only tagger (in no share's base)",
        ),
    )
    rows += [(label, _n(counts.get(k, 0))) for k, label in covered]
    return rows


def lede(counts: Mapping[str, int], totals: Mapping[str, Any]) -> str:
    """The report's opening count sentence, naming what each number counts."""
    start = ""
    if "respondents_in" in totals and "answers_in" in totals:
        start = (
            f"The export held {_n(totals['answers_in'])} answers from "
            f"{_n(totals['respondents_in'])} respondents; "
            f"{_n(totals.get('quarantined', 0))} answers were quarantined, leaving "
        )
    else:
        start = "This report covers "
    return (
        f"{start}{_n(counts.get('answers', 0))} answers from {_n(counts.get('respondents', 0))} "
        f"respondents. {_n(counts.get('substantive_answers', 0))} answers from "
        f"{_n(counts.get('substantive_respondents', 0))} respondents had something to say and "
        f"were analysed{_repeats(counts)}; shares of respondents are out of these respondents."
        f"{' ' if counts.get('non_english') else ''}{non_english_sentence(counts)}"
    )


def non_english_sentence(counts: Mapping[str, int]) -> str:
    """The report's sentence on answers not in English ("" when there are none)."""
    n, untagged = int(counts.get("non_english", 0)), int(counts.get("non_english_untagged", 0))
    if not n:
        return ""
    were = "answer was" if n == 1 else "answers were"
    if untagged:
        return (
            f"{_n(n)} {were} not in English: {_n(untagged)} kept but not tagged (the tagger "
            "reads English only) and left out of every share's base."
        )
    return f"{_n(n)} {were} not in English and were tagged (the codebook asks for it)."


def _repeats(counts: Mapping[str, int]) -> str:
    n = int(counts.get("repeated_answers", 0))
    if not n:
        return ""
    plural = "s" if n != 1 else ""
    return f" ({_n(n)} tagged answer{plural} repeating the respondent's earlier answer not counted)"
