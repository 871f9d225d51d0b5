"""The layout of review files: the sheet and column names that writing and importing share.

:mod:`cls_text.review.queue` writes ``review.xlsx``/``review.csv`` with these names and
:mod:`cls_text.review.reviewed` reads them back; both re-export them.
"""

from __future__ import annotations

from cls_text.report.stance import STANCE_VALUES

QUEUE, AUDIT, INSTRUCTIONS = "queue", "audit", "instructions"
MACHINE_THEMES, REASON, SHEET, CODEBOOK = "machine_themes", "reason", "sheet", "codebook"
TICKS = ("x", "1", "0")
STANCES = STANCE_VALUES
