"""What a report compares with, and how its columns were read, in words for its readers.

A trend is only as good as the like-for-like of its two waves: the report names every wave it
compares, the codebook version each was tagged with, and the themes whose definition or terms
changed between those versions (shown, never tested). It also repeats how each input file's
columns were mapped, so a reader sees when, for example, no respondent-type column was found
and every respondent counted as "other".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cls_text.report.summary import NOT_TESTED, ReportData


def _with_version(data: ReportData, wave: str) -> str:
    version = data.codebook_by_wave.get(wave)
    return f"{wave} (codebook {version})" if version else wave


def previous_wave(data: ReportData) -> str | None:
    """The wave a change is tested against (the one before this wave), or None."""
    if data.wave not in data.waves:
        return None
    i = data.waves.index(data.wave)
    return data.waves[i - 1] if i > 0 else None


def comparison_sentence(data: ReportData) -> str:
    """Which waves the report compares, with their codebook versions.

    Examples:
        "This wave, 2026-W2 (codebook 1.3.0), is compared with 2026-W1 (codebook 1.2.0);
        changes are tested against 2026-W1."
    """
    earlier = [w for w in data.waves if w != data.wave]
    this = _with_version(data, data.wave)
    if not earlier:
        return f"This wave, {this}, is compared with no earlier wave (none in its store)."
    listed = ", ".join(_with_version(data, w) for w in earlier)
    prev = previous_wave(data)
    tested = f"; changes are tested against {prev}" if prev else ""
    return f"This wave, {this}, is compared with {listed}{tested}."


def untested_sentence(data: ReportData) -> str:
    """The themes shown but not tested for change ("" when there are none)."""
    if not data.untested:
        return ""
    labels = ", ".join(data.labels.get(t, t) for t in data.untested)
    return f"Changes shown for {labels} are {NOT_TESTED}."


def column_notes(manifest: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(file name, how a column was read) for every input file, as the run detected them."""
    return [
        (str(f.get("name", "")), str(note))
        for f in manifest.get("inputs", []) or []
        for note in f.get("detected_map", []) or []
    ]
