"""The manifest: what went into a wave run and what came out, as one JSON document.

It is the run's audit trail: input files with their sha256, the codebook's id/version/hash,
the tagger used, parameters, counts per theme, the conservation proof (answers in = tagged +
non-substantive + quarantined, per file), redaction counts per type (never values), step
timings and the Prefect flow-run id. Timestamps live here and only here, so the data files
themselves stay byte-identical across re-runs.
"""

from __future__ import annotations

import platform
from dataclasses import asdict
from datetime import UTC, datetime
from importlib import metadata
from typing import Any

import pandas as pd

from cls_text.codebook.model import Codebook
from cls_text.ingest.files import FileReport


def package_version() -> str:
    """Installed cls-text version (``0+unknown`` when run from a bare checkout)."""
    try:
        return metadata.version("cls-text")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def build_manifest(
    *,
    wave: str,
    files: list[FileReport],
    codebook: Codebook,
    tagger: dict[str, Any],
    parameters: dict[str, Any],
    theme_counts: pd.DataFrame,
    conservation: dict[str, dict[str, int]],
    redactions: dict[str, int],
    timings: dict[str, float],
    outputs: dict[str, str],
    flow_run_id: str | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Assemble the manifest (pure: the caller writes it)."""
    totals = {
        k: sum(c[k] for c in conservation.values())
        for k in ("respondents_in", "answers_in", "tagged", "non_substantive", "quarantined")
    }
    return {
        "cls_text_version": package_version(),
        "python": platform.python_version(),
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "wave": wave,
        "flow_run_id": flow_run_id,
        "inputs": [asdict(f) for f in files],
        "codebook": codebook.summary() | {"name": codebook.name},
        "tagger": tagger,
        "parameters": parameters,
        "theme_counts": theme_counts.to_dict("records"),
        "conservation": {"per_file": conservation, "total": totals, "holds": True},
        "redactions": dict(sorted(redactions.items())),
        "timings_s": {k: round(v, 3) for k, v in timings.items()},
        "outputs": outputs,
        **(extra or {}),
    }


def console_summary(manifest: dict[str, Any]) -> list[str]:
    """The lines a finished run prints: what was counted, and what was not tagged or mapped.

    The same figures as the manifest, in words, so a user sees at the console that answers
    not in English were left untagged, or that no respondent-type column was found.
    """
    total = (manifest.get("conservation") or {}).get("total") or {}
    lines = []
    if total:
        lines.append(
            f"Wave {manifest.get('wave', '')}: {total['answers_in']:,} answers read = "
            f"{total['tagged']:,} tagged + {total['non_substantive']:,} with nothing to say + "
            f"{total['quarantined']:,} quarantined."
        )
    foreign = manifest.get("non_english") or {}
    if foreign.get("answers"):
        n, untagged = int(foreign["answers"]), int(foreign.get("untagged", 0))
        lines.append(
            f"{n:,} answer(s) not in English (flagged non_english): "
            + (
                f"{untagged:,} kept but not tagged (the tagger reads English only; set "
                "'tag_non_english: true' in a codebook written for their language)."
                if untagged
                else "tagged, as the codebook asks."
            )
        )
    for f in manifest.get("inputs", []):
        # the detection notes that say something is missing ("no respondent-type column ...")
        lines += [f"{f['name']}: {n}" for n in f.get("detected_map", []) if n.startswith("no ")]
    return lines
