"""Which files make a wave, and what the manifest records about each of them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cls_text.errors import InputFileError
from cls_text.io.readers import SUPPORTED
from cls_text.io.writers import sha256_file


@dataclass
class FileReport:
    """What the manifest records about one input file (counts filled in as it is read)."""

    name: str
    sha256: str
    bytes: int
    encoding: str | None
    respondents_in: int
    answers_in: int
    detected_map: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, path: Path) -> FileReport:
        """A report for ``path`` with its hash and size, before any row is read."""
        return cls(path.name, sha256_file(path), path.stat().st_size, None, 0, 0)


def _folder_files(folder: Path) -> list[Path]:
    found = sorted(
        f
        for f in folder.rglob("*")
        if f.is_file()
        and f.suffix.lower() in SUPPORTED
        and not any(part.startswith((".", "~$")) for part in f.relative_to(folder).parts)
    )
    if not found:
        raise InputFileError(
            folder, "the folder holds no survey files.", f"put {', '.join(SUPPORTED)} files in it."
        )
    return found


def expand_inputs(paths: Sequence[str | Path]) -> list[Path]:
    """Expand folders into the survey files they hold, in file-name order (hidden files skipped).

    File-name order is the order rows are read, numbered and written, so a wave given as a
    folder or as a list of its files gives the same outputs.

    Raises:
        InputFileError: a path does not exist, a folder holds no supported file, or two files
            share a name (rows could not be traced to one of them).
    """
    out: list[Path] = []
    for item in paths:
        p = Path(item)
        if p.is_dir():
            out.extend(_folder_files(p))
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
    return sorted(out, key=lambda f: f.name)
