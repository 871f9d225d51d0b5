"""What a wave run counts: the conservation proof (chunk by chunk) and the theme table.

Nothing is lost: for every input file, answers in = tagged + non-substantive + quarantined, for
every chunk and for the whole file. A mismatch is a bug in cls-text and stops the run before
anything is published (:class:`~cls_text.errors.ConservationError`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from cls_text import schema as S
from cls_text.codebook import Codebook
from cls_text.config import ColumnMap, PipelineConfig
from cls_text.errors import ClsTextError, ConservationError
from cls_text.ingest.census import check_against_source
from cls_text.ingest.chunks import Chunk
from cls_text.ingest.files import FileReport
from cls_text.ingest.text import has_flag, untagged_non_english

_KEYS = ("respondents_in", "answers_in", "tagged", "non_substantive", "quarantined")


def _check(counts: dict[str, int], what: str) -> None:
    if counts["answers_in"] != counts["tagged"] + counts["non_substantive"] + counts["quarantined"]:
        raise ConservationError(
            f"answers from {what} do not add up: {counts}. This is a bug in cls-text; no output "
            "was written. Please report it with the manifest of the last good run."
        )


class WaveCounts:
    """Conservation and theme counts, accumulated chunk by chunk."""

    def __init__(self) -> None:
        self.per_file: dict[str, dict[str, int]] = {}
        self.filled: Counter[str] = Counter()  # non-empty answers per file, for the census
        self.waves: set[str] = set()
        # Answers flagged non_english per file, and those no tagger saw. They are rows of the
        # tagged table, so the proof counts them under "tagged" (as the census does).
        self.non_english: Counter[str] = Counter()
        self.non_english_untagged: Counter[str] = Counter()

    def add(self, chunk: Chunk, tagged: pd.DataFrame) -> None:
        """Count one tagged chunk; raises ConservationError when the chunk does not add up."""
        non_sub_mask = tagged[S.NON_SUBSTANTIVE].astype(bool)
        non_sub = int(non_sub_mask.sum())
        got = {
            "respondents_in": chunk.respondents_in,
            "answers_in": chunk.answers_in,
            "tagged": len(tagged) - non_sub,
            "non_substantive": non_sub,
            "quarantined": len(chunk.quarantine),
        }
        _check(got, f"a chunk of '{chunk.file}'")
        acc = self.per_file.setdefault(chunk.file, dict.fromkeys(_KEYS, 0))
        for k, v in got.items():
            acc[k] += v
        self.waves |= set(tagged[S.WAVE]) | set(chunk.quarantine[S.WAVE])
        self.non_english[chunk.file] += int(has_flag(tagged, S.NON_ENGLISH).sum())
        self.non_english_untagged[chunk.file] += int(untagged_non_english(tagged).sum())
        q_text = chunk.quarantine[S.TEXT].astype(str)
        self.filled[chunk.file] += int(
            tagged[S.TEXT].astype(str).ne("").sum() + q_text.ne("").sum()
        )

    def conservation(self, files: Sequence[FileReport]) -> dict[str, dict[str, int]]:
        """The per-file proof for the manifest; raises ConservationError when a file is off."""
        out: dict[str, dict[str, int]] = {}
        for f in files:
            c = dict(self.per_file.get(f.name) or dict.fromkeys(_KEYS, 0))
            if c["answers_in"] != f.answers_in:
                raise ConservationError(
                    f"answers from '{f.name}': {f.answers_in} read but {c['answers_in']} counted. "
                    "This is a bug in cls-text; no output was written."
                )
            _check(c, f"'{f.name}'")
            out[f.name] = c
        return out

    def non_english_summary(self, codebook: Codebook) -> dict[str, object]:
        """The manifest's ``non_english`` entry: how many answers, and whether they were tagged.

        ``untagged`` answers are in the tagged table with no themes; every share leaves them
        out of its base (the codebook's ``tag_non_english`` tags them instead).
        """
        return {
            "answers": sum(self.non_english.values()),
            "untagged": sum(self.non_english_untagged.values()),
            "tagged_by_codebook": codebook.tag_non_english,
            "per_file": {f: n for f, n in sorted(self.non_english.items()) if n},
        }

    def check_sources(
        self, paths: Sequence[Path], cfg: PipelineConfig, column_maps: dict[str, ColumnMap]
    ) -> None:
        """Prove every file's answers were accounted for against the file itself (census).

        Raises:
            ConservationError: naming the file and both counts when they differ.
        """
        for path in paths:
            if path.name not in column_maps:  # a file with no data rows: nothing to account for
                continue
            counts = self.per_file[path.name] | {"answers_filled": self.filled[path.name]}
            check_against_source(path, cfg, counts, column_map=column_maps[path.name])

    def wave_label(self, wave: str | None) -> str:
        """The run's wave label; one run processes one wave.

        Raises:
            ClsTextError: when the inputs' wave column holds several waves, or none is known.
            StoreError: when the label cannot name a wave (checked before anything is published).
        """
        from cls_text.io.store import check_wave_label

        found = sorted(self.waves - {""})
        if wave and found == [wave]:
            return check_wave_label(wave, what="--wave")
        if len(found) == 1:
            return check_wave_label(found[0], what="the wave column holds")
        if not found and wave:
            return check_wave_label(wave, what="--wave")
        raise ClsTextError(
            f"The inputs hold answers from several waves ({', '.join(found[:5])}); "
            "process one wave per run (split the file, or pass --wave to label them all as one)."
        )


def theme_counts(tagged: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """Quotes and respondents per theme over substantive answers (the run's headline table).

    Answers not in English that no tagger saw are left out, like non-substantive ones: they
    were not looked at, so they must not dilute a theme's share.

    Needs only the id, flag and theme columns, so it runs on a column-pruned read of the
    staged partition.
    """
    keep = ~tagged[S.NON_SUBSTANTIVE].astype(bool) & ~untagged_non_english(tagged)
    ids = [S.RESPONDENT_ID, *(t.id for t in codebook.themes)]
    sub = tagged.loc[keep.to_numpy(), ids]  # these columns only: the table is wide
    n_q = len(sub)
    n_r = sub[S.RESPONDENT_ID].nunique()
    rows = []
    for t in codebook.themes:
        hit = sub[sub[t.id] == 1]
        n_hit = hit[S.RESPONDENT_ID].nunique()
        rows.append(
            {
                "theme": t.id,
                "label": t.label,
                "quotes": len(hit),
                "share_of_quotes": round(len(hit) / n_q, 4) if n_q else 0.0,
                "respondents": n_hit,
                "share_of_respondents": round(n_hit / n_r, 4) if n_r else 0.0,
            }
        )
    return pd.DataFrame(rows)
