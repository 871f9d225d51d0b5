"""Write the synthetic survey-tool exports in this folder (run from the repository root).

    python tests/data/exports/make_exports.py

Every respondent, answer and id is invented. Each file copies the layout of one tool's export:
its header rows, id and date columns, the "who are you" question and the columns a tool adds
(e-mail, IP address, progress). The files are committed; this script documents and rebuilds them.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

HERE = Path(__file__).parent

WELL = "What has worked well about the new way of working?"
BETTER = "What could be better?"

#: (respondent type as the tool's option reads, worked well, could be better, day, hh:mm)
ANSWERS = [
    (
        "Staff",
        "The daily huddle means everyone knows who is visiting whom.",
        "More time to write up notes after each visit, please.",
        13,
        "09:14",
    ),
    (
        "Member of the public",
        "My dad's carers now come at the same time every day.",
        "Nothing really",
        13,
        "10:02",
    ),
    (
        "Volunteer",
        "Being able to phone one number for help has made a big difference.",
        "The parking at the hub is a nightmare on market days.",
        14,
        "11:45",
    ),
    (
        "Carer",
        "The team listened when I said I was struggling to cope.",
        "I still had to tell my story three times to three people.",
        14,
        "15:30",
    ),
    (
        "Prefer not to say",
        "-",
        "Waiting times for an occupational therapy assessment are far too long.",
        15,
        "08:05",
    ),
    (
        "Staff",
        "Working alongside the district nurses has cut out so much duplication.",
        "Not enough cover when colleagues are off sick in the winter.",
        16,
        "12:20",
    ),
    (
        "Member of the public",
        "Roedd y staff yn garedig iawn ac yn gwrando arnaf bob tro.",
        "Dim byd",
        17,
        "17:55",
    ),
    (
        "Staff",
        "Shared records mean I no longer chase paperwork from the hospital.",
        "The laptop is slow and crashes when I am out in rural areas.",
        18,
        "13:10",
    ),
    (
        "Carer",
        "Knowing the names of the people who visit mum is reassuring.",
        "Communication about changes to visit times could be much better.",
        19,
        "19:40",
    ),
    (
        "Member of the public",
        "The new community connector found me a walking group nearby.",
        "none",
        20,
        "10:33",
    ),
    (
        "Volunteer",
        "Training days with the paid staff made us feel part of the team.",
        "Expenses take weeks to come through, which puts people off.",
        21,
        "14:00",
    ),
    (
        "Staff",
        "Fewer hand-offs between teams so people are not lost in the system.",
        "Rotas are published too late to plan childcare around them.",
        22,
        "16:25",
    ),
]


def _uk(day: int, hhmm: str) -> str:
    return f"{day:02d}/03/2026 {hhmm}:00"


def _write_csv(name: str, rows: list[list[object]]) -> None:
    with (HERE / name).open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)


def microsoft_forms() -> None:
    """Forms (Excel download): ID, Start time, Completion time, Email, Name, then questions."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    who = "Are you staff or a member of the public?"
    ws.append(["ID", "Start time", "Completion time", "Email", "Name", who, WELL, BETTER])
    for i, (t, w, b, d, hm) in enumerate(ANSWERS, start=1):
        ws.append([i, _uk(d, hm), _uk(d, hm[:3] + "59"), "anonymous", None, t, w, b])
    wb.save(HERE / "microsoft_forms.xlsx")


def smartsurvey() -> None:
    """SmartSurvey CSV: UserNo, ID, Started, Ended, IP Address, Status, then questions."""
    rows: list[list[object]] = [
        [
            "UserNo",
            "ID",
            "Started",
            "Ended",
            "IP Address",
            "Status",
            "Which best describes you?",
            WELL,
            BETTER,
        ]
    ]
    for i, (t, w, b, d, hm) in enumerate(ANSWERS, start=1):
        rows.append([i, 80412000 + i * 7, _uk(d, hm), _uk(d, hm), "", "Completed", t, w, b])
    _write_csv("smartsurvey.csv", rows)


def surveymonkey() -> None:
    """SurveyMonkey CSV, two header rows: question, then 'Response' / 'Open-Ended Response'."""
    head = [
        "Respondent ID",
        "Collector ID",
        "Start Date",
        "End Date",
        "IP Address",
        "Email Address",
        "First Name",
        "Last Name",
        "Which best describes you?",
        "",
        WELL,
        BETTER,
    ]
    sub = [
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "Response",
        "Other (please specify)",
        "Open-Ended Response",
        "Open-Ended Response",
    ]
    rows: list[list[object]] = [head, sub]
    for i, (t, w, b, d, hm) in enumerate(ANSWERS, start=1):
        when = _uk(d, hm)  # a UK account writes day-first dates
        rows.append([114920000000 + i, 431000001, when, when, "", "", "", "", t, "", w, b])
    _write_csv("surveymonkey.csv", rows)


def qualtrics() -> None:
    """Qualtrics CSV, three header rows: names, question text, ImportId JSON."""
    names = [
        "StartDate",
        "EndDate",
        "Status",
        "Progress",
        "Finished",
        "RecordedDate",
        "ResponseId",
        "DistributionChannel",
        "UserLanguage",
        "Q1",
        "Q2",
        "Q3",
    ]
    texts = [
        "Start Date",
        "End Date",
        "Response Type",
        "Progress",
        "Finished",
        "Recorded Date",
        "Response ID",
        "Distribution Channel",
        "User Language",
        "Are you staff or a member of the public?",
        WELL,
        BETTER,
    ]
    ids = [
        json.dumps({"ImportId": k, "timezone": "Europe/London"}, separators=(",", ":"))
        if "Date" in k
        else json.dumps({"ImportId": k}, separators=(",", ":"))
        for k in [
            "startDate",
            "endDate",
            "status",
            "progress",
            "finished",
            "recordedDate",
            "_recordId",
            "distributionChannel",
            "userLanguage",
            "QID1",
            "QID2_TEXT",
            "QID3_TEXT",
        ]
    ]
    rows: list[list[object]] = [names, texts, ids]
    for i, (t, w, b, d, hm) in enumerate(ANSWERS, start=1):
        when = f"2026-03-{d:02d} {hm}:00"
        rid = f"R_{i:02d}xQ7vLmN3kPq{i * 37 % 100:02d}"
        rows.append([when, when, "IP Address", 100, "True", when, rid, "anonymous", "EN", t, w, b])
    _write_csv("qualtrics.csv", rows)


def google_forms() -> None:
    """Google Forms CSV: Timestamp, then one column per question; no id column at all."""
    rows: list[list[object]] = [["Timestamp", "Which best describes you?", WELL, BETTER]]
    for t, w, b, d, hm in ANSWERS:
        rows.append([f"{d:02d}/03/2026 {hm}:00", t, w, b])
    _write_csv("google_forms.csv", rows)


def citizen_space() -> None:
    """Citizen Space CSV: Unique Response Number, Started on, Submitted on, then questions."""
    rows: list[list[object]] = [
        [
            "Unique Response Number",
            "Response ID",
            "Started on",
            "Submitted on",
            "What is your name?",
            "Which best describes you?",
            WELL,
            BETTER,
        ]
    ]
    for i, (t, w, b, d, hm) in enumerate(ANSWERS, start=1):
        rows.append(
            [
                f"ANON-K7{i:02d}Q-BX3{i % 10}-{chr(65 + i)}",
                f"{7001 + i}",
                _uk(d, hm),
                _uk(d, hm),
                "",
                t,
                w,
                b,
            ]
        )
    _write_csv("citizen_space.csv", rows)


if __name__ == "__main__":
    for make in (
        microsoft_forms,
        smartsurvey,
        surveymonkey,
        qualtrics,
        google_forms,
        citizen_space,
    ):
        make()
