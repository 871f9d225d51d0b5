"""Ad-hoc tagging of any quotes file (``cls-text tag``), outside the wave flow.

For a quick look at a spreadsheet of quotes: one row per quote, an id column and a text column.
Personal data is redacted before tagging unless the caller turns it off, because the evidence
columns quote sentences of the text.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cls_text import schema as S
from cls_text.codebook.model import load_codebook
from cls_text.config import parse_config
from cls_text.errors import InputFileError
from cls_text.ingest.text import is_non_substantive, normalize_text
from cls_text.io.readers import Formula, read_table
from cls_text.io.writers import write_csv, write_parquet, write_xlsx
from cls_text.tag.frame import stance_for, tag_frame
from cls_text.tag.select import select_tagger


def _find_column(raw_columns: list[str], name: str, role: str, path: Path) -> str:
    if name in raw_columns:
        return name
    folded = {c.casefold().strip(): c for c in raw_columns}
    if name.casefold().strip() in folded:
        return folded[name.casefold().strip()]
    shown = ", ".join(f"'{c}'" for c in raw_columns[:25])
    raise InputFileError(
        path,
        f"it has no {role} column '{name}'. Its columns are: {shown}.",
        f"pass --{role}-column with one of those names.",
    )


def tag_quotes(
    df: pd.DataFrame,
    *,
    codebook: str | Path | None = None,
    tagger: str = "auto",
    redact: bool = True,
    models_dir: str | Path = "models",
) -> pd.DataFrame:
    """Tag a frame with ``quote_id`` and ``text`` columns; return the tagged long table."""
    cb = load_codebook(codebook)
    long = df[[S.QUOTE_ID, S.TEXT]].copy()
    long[S.TEXT] = long[S.TEXT].map(normalize_text)
    for col in (S.RESPONDENT_ID, S.RESPONDENT_TYPE, S.SITE, S.WAVE, S.DATE, S.QUESTION, S.FLAGS):
        long[col] = df[col] if col in df.columns else ""
    long[S.RESPONDENT_ID] = long[S.RESPONDENT_ID].where(
        long[S.RESPONDENT_ID] != "", long[S.QUOTE_ID]
    )
    long[S.NON_SUBSTANTIVE] = long[S.TEXT].map(is_non_substantive)
    long[S.DUPLICATE_ANSWER] = False
    cfg = parse_config({"tagger": tagger}, source="--tagger")
    if redact:
        from cls_text.run.chunk_loop import redact_table

        long, _ = redact_table(long, cfg)
    model, info = select_tagger(cb, cfg, models_dir=models_dir)
    stance = stance_for(cb, info, model)
    return tag_frame(long, model, cb, tagger_name=str(info["name"]), stance=stance)  # type: ignore[arg-type]


def tag_quotes_file(
    path: str | Path,
    *,
    text_column: str = "text",
    id_column: str = "id",
    out: str | Path = "tagged.csv",
    codebook: str | Path | None = None,
    tagger: str = "auto",
    redact: bool = True,
) -> Path:
    """Tag a quotes file and write the id column, ``themes``, 0/1 columns, scores and evidence.

    Raises:
        InputFileError: missing columns, blank or repeated ids, or non-text cells.
    """
    p = Path(path)
    raw = read_table(p)
    cols = list(raw.frame.columns)
    id_col = _find_column(cols, id_column, "id", p)
    text_col = _find_column(cols, text_column, "text", p)
    ids = [str(v).strip() for v in raw.frame[id_col]]
    seen: dict[str, int] = {}
    problems: list[str] = []
    texts: list[str] = []
    for pos, (qid, value) in enumerate(zip(ids, raw.frame[text_col], strict=True)):
        row = raw.row_numbers[pos]
        if pos in raw.row_problems:
            problems.append(f"row {row}: {raw.row_problems[pos]}")
        if not qid:
            problems.append(f"row {row}: blank id in column '{id_col}'")
        elif qid in seen:
            problems.append(f"row {row}: id '{qid}' repeats row {seen[qid]}")
        seen.setdefault(qid, row)
        if isinstance(value, Formula) or not isinstance(value, str):
            problems.append(f"row {row}: expected text in column '{text_col}', got {value!r:.40}")
            value = ""
        texts.append(value)
    if problems:
        listed = "; ".join(problems[:10]) + (
            f"; and {len(problems) - 10} more" if len(problems) > 10 else ""
        )
        raise InputFileError(
            p, f"some rows cannot be tagged: {listed}.", "fix those rows and re-run."
        )
    frame = pd.DataFrame({S.QUOTE_ID: ids, S.TEXT: texts})
    tagged = tag_quotes(frame, codebook=codebook, tagger=tagger, redact=redact)
    cb = load_codebook(codebook)
    keep = [S.QUOTE_ID, S.THEMES, S.TAGGER]
    for t in cb.theme_ids():
        keep += [t, S.score_col(t), S.stance_col(t), S.evidence_col(t)]
    result = tagged[keep].rename(columns={S.QUOTE_ID: id_col})
    target = Path(out)
    suffix = target.suffix.lower()
    if suffix == ".parquet":
        return write_parquet(result, target)
    if suffix == ".xlsx":
        return write_xlsx({"tagged": result}, target)
    return write_csv(result, target)
