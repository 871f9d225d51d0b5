"""The steps of a wave run as plain functions: what the Prefect flow (and benchmarks) call.

Each step takes and returns values (DataFrames, small dataclasses), so it can be tested and
timed without Prefect; ``flows/wave.py`` only wraps each one in a task.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from cls_text import schema as S
from cls_text.codebook.model import Codebook
from cls_text.config import PipelineConfig
from cls_text.errors import ClsTextError, ConservationError, InputFileError
from cls_text.ingest.long import QUARANTINE_COLUMNS, to_long
from cls_text.ingest.text import flag_answers
from cls_text.ingest.validate import validate_long
from cls_text.io.readers import SUPPORTED, read_table
from cls_text.io.writers import sha256_file, write_csv, write_parquet, write_xlsx

if TYPE_CHECKING:
    from cls_text.tag.frame import StanceFn


@dataclass
class FileReport:
    """What the manifest records about one input file."""

    name: str
    sha256: str
    bytes: int
    encoding: str | None
    respondents_in: int
    answers_in: int
    detected_map: list[str] = field(default_factory=list)


@dataclass
class WaveData:
    """A wave after ingest: the usable long table, the quarantine, and per-file facts."""

    long: pd.DataFrame
    quarantine: pd.DataFrame
    files: list[FileReport]


def expand_inputs(paths: Sequence[str | Path]) -> list[Path]:
    """Expand folders into the survey files they hold (sorted, hidden files skipped).

    Raises:
        InputFileError: a path does not exist, or a folder holds no supported file.
    """
    out: list[Path] = []
    for item in paths:
        p = Path(item)
        if p.is_dir():
            found = sorted(
                f
                for f in p.rglob("*")
                if f.is_file()
                and f.suffix.lower() in SUPPORTED
                and not any(part.startswith((".", "~$")) for part in f.relative_to(p).parts)
            )
            if not found:
                raise InputFileError(
                    p,
                    "the folder holds no survey files.",
                    f"put {', '.join(SUPPORTED)} files in it.",
                )
            out.extend(found)
        elif p.is_file():
            out.append(p)
        else:
            raise InputFileError(p, "no such file or folder.", "check the path.")
    names = [f.name for f in out]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise InputFileError(
            out[names.index(sorted(dupes)[0])],
            "two input files share the name, so rows could not be traced to one of them.",
            "rename one of them.",
        )
    return out


def ingest_wave(paths: Sequence[str | Path], cfg: PipelineConfig, *, wave: str | None) -> WaveData:
    """Read every input file, melt to the long table, quarantine unusable answers, flag the rest.

    All files are read and checked before anything is returned, so a bad file stops the run
    before a single output is written.
    """
    files = expand_inputs(paths)
    longs: list[pd.DataFrame] = []
    quarantines: list[pd.DataFrame] = []
    reports: list[FileReport] = []
    for path in files:
        raw = read_table(path, sheet=cfg.sheet, encoding=cfg.encoding)
        res = to_long(raw, cfg, wave=wave)
        longs.append(res.long)
        quarantines.append(res.quarantine)
        reports.append(
            FileReport(
                name=path.name,
                sha256=sha256_file(path),
                bytes=path.stat().st_size,
                encoding=raw.encoding,
                respondents_in=res.respondents_in,
                answers_in=res.answers_in,
                detected_map=res.detected,
            )
        )
    long = pd.concat(longs, ignore_index=True) if longs else pd.DataFrame()
    quarantine = pd.concat(quarantines, ignore_index=True)
    # The same respondent answering the same question in two files: keep the first file's answer.
    dup = long.duplicated(subset=[S.QUOTE_ID], keep="first")
    if dup.any():
        moved = long[dup].copy()
        moved[S.REASON] = "same respondent, wave and question already answered in an earlier file"
        moved[S.COLUMN] = S.RESPONDENT_ID
        quarantine = pd.concat([quarantine, moved[QUARANTINE_COLUMNS]], ignore_index=True)
        long = long[~dup].reset_index(drop=True)
    long = flag_answers(long)
    validate_long(long)
    return WaveData(long=long, quarantine=quarantine.reset_index(drop=True), files=reports)


def conservation(data: WaveData, tagged: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Count, per input file, answers in = tagged + non-substantive + quarantined.

    Raises:
        ConservationError: when any file's counts do not add up (a bug: never silent).
    """
    out: dict[str, dict[str, int]] = {}
    for f in data.files:
        rows = tagged[tagged[S.SOURCE_FILE] == f.name]
        non_sub = int(rows[S.NON_SUBSTANTIVE].sum())
        counts = {
            "respondents_in": f.respondents_in,
            "answers_in": f.answers_in,
            "tagged": int(len(rows) - non_sub),
            "non_substantive": non_sub,
            "quarantined": int((data.quarantine[S.SOURCE_FILE] == f.name).sum()),
        }
        if (
            counts["answers_in"]
            != counts["tagged"] + counts["non_substantive"] + counts["quarantined"]
        ):
            raise ConservationError(
                f"answers from '{f.name}' do not add up: {counts}. This is a bug in cls-text; "
                "no output was written. Please report it with the manifest of the last good run."
            )
        out[f.name] = counts
    return out


def order_tagged(tagged: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """Fix row and column order so outputs are byte-identical across re-runs."""
    theme_cols = [
        c
        for t in codebook.theme_ids()
        for c in (t, S.score_col(t), S.stance_col(t), S.evidence_col(t))
    ]
    cols = [*S.LONG_COLUMNS, S.THEMES, S.TAGGER, *theme_cols]
    extra = [c for c in tagged.columns if c not in cols]
    out = tagged[cols + extra].sort_values([S.SOURCE_FILE, S.SOURCE_ROW, S.QUOTE_ID], kind="stable")
    out = out.reset_index(drop=True)
    out[S.SOURCE_ROW] = out[S.SOURCE_ROW].astype("int64")
    return out


def write_wave_outputs(
    tagged: pd.DataFrame, quarantine: pd.DataFrame, out_dir: str | Path
) -> dict[str, Path]:
    """Write tagged.parquet/.csv/.xlsx and quarantine.csv atomically; return their paths."""
    out = Path(out_dir)
    q = quarantine.sort_values([S.SOURCE_FILE, S.SOURCE_ROW, S.QUESTION], kind="stable")
    q = q.reset_index(drop=True)
    paths = {
        "tagged_parquet": write_parquet(tagged, out / "tagged.parquet"),
        "tagged_csv": write_csv(tagged, out / "tagged.csv"),
        "quarantine_csv": write_csv(q, out / "quarantine.csv"),
    }
    paths["tagged_xlsx"] = write_xlsx({"tagged": tagged, "quarantine": q}, out / "tagged.xlsx")
    return paths


def theme_counts(tagged: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """Quotes and respondents per theme over substantive answers (the run's headline table)."""
    sub = tagged[~tagged[S.NON_SUBSTANTIVE].astype(bool)]
    n_q = len(sub)
    n_r = sub[S.RESPONDENT_ID].nunique()
    rows = []
    for t in codebook.themes:
        hit = sub[sub[t.id] == 1]
        rows.append(
            {
                "theme": t.id,
                "label": t.label,
                "quotes": len(hit),
                "share_of_quotes": round(len(hit) / n_q, 4) if n_q else 0.0,
                "respondents": hit[S.RESPONDENT_ID].nunique(),
                "share_of_respondents": round(hit[S.RESPONDENT_ID].nunique() / n_r, 4)
                if n_r
                else 0.0,
            }
        )
    return pd.DataFrame(rows)


__all__ = [
    "ClsTextError",
    "FileReport",
    "WaveData",
    "conservation",
    "expand_inputs",
    "ingest_wave",
    "order_tagged",
    "theme_counts",
    "write_wave_outputs",
]


def redact_wave(long: pd.DataFrame, cfg: PipelineConfig) -> tuple[pd.DataFrame, dict[str, int]]:
    """Redact personal data from every answer (on by default); return counts per type.

    Runs before anything is written for evaluation writers: tagged tables, evidence, reports,
    reviews and example quotes all see only the redacted text.
    """
    from cls_text.pii import RedactionConfig, Redactor

    rcfg = RedactionConfig.model_validate(cfg.redaction)
    if not rcfg.enabled:
        return long, {}
    redacted, counts = Redactor(rcfg).redact_frame(long, text_col=S.TEXT, key_col=S.RESPONDENT_ID)
    return redacted, dict(counts)


def single_wave(data: WaveData, wave: str | None) -> str:
    """The run's wave label; one run processes one wave.

    Raises:
        ClsTextError: when the inputs' wave column holds several waves.
    """
    waves = sorted(set(data.long[S.WAVE]) | set(data.quarantine[S.WAVE]) - {""})
    if wave and waves == [wave]:
        return wave
    if len(waves) == 1:
        return waves[0]
    if not waves and wave:
        return wave
    raise ClsTextError(
        f"The inputs hold answers from several waves ({', '.join(waves[:5])}); "
        "process one wave per run (split the file, or pass --wave to label them all as one)."
    )


def tag_wave(
    long: pd.DataFrame, tagger: object, codebook: Codebook, info: dict[str, object]
) -> pd.DataFrame:
    """Tag the redacted long table with the chosen tagger, stance and evidence; fix its order."""
    from cls_text.tag.frame import tag_frame

    stance = make_stance(codebook)
    tagged = tag_frame(long, tagger, codebook, tagger_name=str(info["name"]), stance=stance)
    return order_tagged(tagged, codebook)


def make_stance(
    codebook: Codebook | None = None, cues_path: str | Path | None = None
) -> StanceFn | None:
    """Stance of evidence sentences, relative to each tag's theme.

    With stance cues for the codebook (``cues_path``, else the packaged
    ``<codebook id>.stance.yaml``), the theme-aware stance of :mod:`cls_text.tag.stance.theme`;
    without them, the shipped polarity model (else its lexicon fallback), as before.

    Raises:
        StanceCueError: ``cues_path`` is missing or invalid, or a packaged sidecar is invalid.
    """
    try:
        from cls_text.tag.stance.model import predict_stance
    except ImportError:
        return None
    if codebook is not None:
        from cls_text.tag.stance.theme import make_theme_stance

        theme_stance = make_theme_stance(codebook, cues_path)
        if theme_stance is not None:
            return theme_stance.predict

    def stance(sentences: list[str], questions: list[str], theme_ids: list[str]) -> list[str]:
        return predict_stance(sentences, questions)

    return stance
