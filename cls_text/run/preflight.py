"""Checks of everything a user supplies, run before Prefect starts or any model loads.

A wave run spends its first minute on imports, Prefect's server and model loading. A typo in a
path, a config key, a codebook or the wave label must not wait for that: :func:`preflight`
checks them all in a few seconds and raises the same one-paragraph errors the run would.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cls_text.codebook.model import Codebook, load_codebook
from cls_text.config import PipelineConfig, load_config, parse_config
from cls_text.errors import InputFileError
from cls_text.ingest.chunks import DEFAULT_CHUNK_ROWS, raw_chunks
from cls_text.ingest.columns import (
    configured_notes,
    detect_column_map,
    prepare_export,
    resolve_columns,
)
from cls_text.ingest.files import expand_inputs
from cls_text.io.store import check_compare_with, check_wave_label, programme_store


@dataclass(frozen=True)
class Preflight:
    """What the checks found: the run can start with these.

    Attributes:
        files: The input files (folders expanded).
        config: The validated config.
        codebook: The validated codebook.
        programme: The survey programme (names the store).
        store_dir: The programme's store, or None when the run keeps no store.
        compare: Whether the report compares with earlier waves.
        compare_with: The one earlier wave to compare with (None: every earlier wave).
        notes: Per file name, how its columns were mapped (detected or configured).
    """

    files: list[Path]
    config: PipelineConfig
    codebook: Codebook
    programme: str
    store_dir: Path | None
    compare: bool = True
    compare_with: str | None = None
    notes: dict[str, list[str]] = field(default_factory=dict)


#: Rows of each file the checks read (the runner's first chunk).
PREFLIGHT_ROWS = DEFAULT_CHUNK_ROWS


def check_file(path: Path, cfg: PipelineConfig, *, wave: str | None) -> list[str]:
    """Read one export and check its column map and wave; return the mapping notes.

    Raises:
        InputFileError: unreadable file, missing mapped columns, undetectable columns, or no
            wave known (neither ``--wave`` nor a wave column).
        StoreError: a wave column holds a value that cannot name a wave.
    """
    # The first chunk is what the run detects its column map from; reading no more keeps the
    # checks at a few seconds for any file size (later rows are checked as the run reads them).
    first = next(iter(raw_chunks(path, cfg, PREFLIGHT_ROWS)), None)
    if first is None:
        raise InputFileError(path, "it holds no data rows.", "check the export includes responses.")
    raw = prepare_export(first)
    if cfg.columns is None:
        cm, notes = detect_column_map(raw)
    else:
        cm, notes = cfg.columns, configured_notes(raw, cfg.columns)
    cols = resolve_columns(raw, cm)
    if "wave" in cols:
        for label in sorted({str(v).strip() for v in raw.frame[cols["wave"]]} - {"", "nan"}):
            check_wave_label(label, what=f"the wave column '{cols['wave']}' holds")
    elif not wave:
        raise InputFileError(
            path, "no wave is known.", "pass --wave (e.g. --wave 2026-W1) or map a wave column."
        )
    return notes


def preflight(
    inputs: Sequence[str | Path],
    *,
    wave: str | None = None,
    config: str | Path | None = None,
    codebook: str | Path | None = None,
    store_root: str | Path | None = "data/store",
    programme: str | None = None,
    compare: bool | None = None,
    compare_with: str | None = None,
    read_files: bool = True,
) -> Preflight:
    """Check a wave run's inputs, in the order a user would fix them.

    Args:
        inputs: Export files or folders of them.
        wave: The ``--wave`` label, if given.
        config: Config YAML (None: defaults, detected column map).
        codebook: Codebook YAML (None: the packaged CLS codebook).
        store_root: Folder of the programmes' stores (None: keep no store, compare nothing).
        programme: Overrides the config's ``programme:``.
        compare: Overrides the config's ``store: compare:`` (``--no-compare``).
        compare_with: Overrides the config's ``store: compare_with:``.
        read_files: Read each file and check its columns (off for streamed runs of huge files,
            whose columns the stream checks on its first chunk).

    Returns:
        What the run needs, checked.

    Raises:
        ClsTextError: the first problem found, as a one-paragraph message.
    """
    if wave is not None:
        check_wave_label(wave, what="--wave")
    cfg = load_config(config)
    if cfg.tagger == "accurate":
        from cls_text.tag.mpnet_model import check_mpnet

        check_mpnet()  # its weights are fetched separately: say so before any work
    cb = load_codebook(codebook)
    files = expand_inputs(inputs)
    notes = {f.name: check_file(f, cfg, wave=wave) for f in files} if read_files else {}
    prog = programme or cfg.programme_id
    if programme is not None:
        parse_config({"programme": programme}, source="--programme")  # same check as the key
    do_compare = cfg.store.compare if compare is None else compare
    against = compare_with if compare_with is not None else cfg.store.compare_with
    store_dir = programme_store(store_root, prog) if store_root else None
    if against and do_compare:
        check_compare_with(store_dir or Path(), against, wave=wave)
    return Preflight(
        files=files,
        config=cfg,
        codebook=cb,
        programme=prog,
        store_dir=store_dir,
        compare=do_compare,
        compare_with=against if do_compare else None,
        notes=notes,
    )
