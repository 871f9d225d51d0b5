"""Saved models: versioned directories with a model card, checked on load.

Layout::

    models/<name>/<version>/model.joblib   the fitted estimator (no embedding weights)
    models/<name>/<version>/card.json      model card (see :func:`save_model`)
    models/<name>/<version>/card.md        the same card for people
    models/<name>/current                  the version in use (one line, e.g. ``v3``)

Versions are never overwritten, so a wave tagged last year can be re-tagged with the model it
used; a new version becomes current when saved (or later, through :func:`promote`). Loading
checks the file's sha256 against its card (joblib files are pickles: never load one whose
hash does not match) and the codebook hash against the caller's codebook, because a model
trained on other theme definitions would silently tag the wrong themes.
"""

from __future__ import annotations

import hashlib
import platform
import re
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import joblib
import numpy as np

from cls_text.codebook.model import Codebook
from cls_text.errors import ClsTextError, ModelError
from cls_text.io.writers import atomic_path, write_json_atomic, write_text_atomic

MODEL_FILE = "model.joblib"
CARD_FILE = "card.json"
CURRENT_FILE = "current"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
_VERSION = re.compile(r"^v(\d+)$")
#: Packages whose versions a model card records (a pickle needs the same major versions).
LIBRARIES = ("cls-text", "scikit-learn", "numpy", "scipy", "pandas", "joblib", "torch")


def _check_name(name: str) -> str:
    if not _NAME.match(name):
        raise ModelError(
            f"model name '{name}' is not valid: use lower-case letters, digits, '-', '_' or '.', "
            "starting with a letter or digit (at most 64 characters)"
        )
    return name


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def library_versions(
    libraries: Sequence[str] = LIBRARIES, *, missing: str = "not installed", python: bool = True
) -> dict[str, str]:
    """Return the versions of Python and of the libraries a saved model depends on.

    Every saved model (tagger versions, the topic model) records them the same way, so one
    function reads them; ``missing`` stands for a library that is not installed.
    """
    out = {"python": platform.python_version()} if python else {}
    for lib in libraries:
        try:
            out[lib] = metadata.version(lib)
        except metadata.PackageNotFoundError:
            out[lib] = missing
    return out


def load_checked_arrays(path: Path, sha256: str, rebuild: str) -> dict[str, Any]:
    """The arrays of a shipped ``.npz`` weights file, after checking its sha256 against its card.

    Raises:
        ClsTextError: when the file's sha256 differs, naming the script that rebuilds it.
    """
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != sha256:
        raise ClsTextError(
            f"'{path}' has sha256 {digest}, expected {sha256}; rebuild it with: python {rebuild}"
        )
    with np.load(path, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def list_versions(models_dir: str | Path, name: str) -> list[str]:
    """Return the saved versions of a model, oldest first (``[]`` if there are none)."""
    root = Path(models_dir) / _check_name(name)
    if not root.is_dir():
        return []
    found = [p.name for p in root.iterdir() if p.is_dir() and _VERSION.match(p.name)]
    return sorted(found, key=lambda v: int(v[1:]))


def current_version(models_dir: str | Path, name: str) -> str:
    """Return the version in use: the ``current`` pointer, else the newest version.

    Raises:
        ModelError: if the model has no saved version.
    """
    root = Path(models_dir) / _check_name(name)
    pointer = root / CURRENT_FILE
    if pointer.is_file():
        version = pointer.read_text(encoding="utf-8").strip()
        if (root / version).is_dir():
            return version
        raise ModelError(f"'{pointer}' points to version '{version}', which does not exist")
    versions = list_versions(models_dir, name)
    if not versions:
        raise ModelError(
            f"no model '{name}' in '{models_dir}'; "
            f"train one first (cls-text train ... --name {name})"
        )
    return versions[-1]


def promote(models_dir: str | Path, name: str, version: str) -> None:
    """Make ``version`` the one :func:`load_model` uses by default.

    Raises:
        ModelError: if that version does not exist.
    """
    if version not in list_versions(models_dir, name):
        raise ModelError(
            f"model '{name}' has no version '{version}'; saved: {list_versions(models_dir, name)}"
        )
    write_text_atomic(Path(models_dir) / name / CURRENT_FILE, version + "\n")


def save_model(
    model: Any,
    models_dir: str | Path,
    name: str,
    *,
    codebook: Codebook | None,
    train_sha256: str,
    cv_metrics: dict[str, Any] | None,
    params: dict[str, Any],
    extra: dict[str, Any] | None = None,
    make_current: bool = True,
) -> Path:
    """Save a fitted model as the next version of ``name`` and return its directory.

    Args:
        model: A fitted estimator. Embedders inside it pickle without their weights.
        models_dir: The models directory (``models/`` in a project).
        name: The model's name (a directory name: lower-case, digits, ``-``, ``_``, ``.``).
        codebook: The codebook the model was trained with (None for codebook-free models such
            as the stance model).
        train_sha256: sha256 of the training data file.
        cv_metrics: Cross-validated figures (e.g. ``SupervisedTagger.cv_metrics_``).
        params: Training parameters (e.g. ``model.get_params()`` made JSON-safe).
        extra: Anything else for the card (data description, intended use...).
        make_current: Point ``current`` at the new version.

    Returns:
        The new version's directory.
    """
    root = Path(models_dir) / _check_name(name)
    versions = list_versions(models_dir, name)
    version = f"v{int(versions[-1][1:]) + 1 if versions else 1}"
    vdir = root / version
    vdir.mkdir(parents=True, exist_ok=False)
    with atomic_path(vdir / MODEL_FILE) as tmp:
        joblib.dump(model, tmp, compress=3)
    card = {
        "name": name,
        "version": version,
        "model_class": f"{type(model).__module__}.{type(model).__qualname__}",
        "model_sha256": _sha256(vdir / MODEL_FILE),
        "codebook": codebook.summary() if codebook is not None else None,
        "classes": [str(c) for c in getattr(model, "classes_", [])],
        "train_data_sha256": train_sha256,
        "params": _json_safe(params),
        "cv_metrics": cv_metrics,
        "libraries": library_versions(),
        **(extra or {}),
    }
    write_json_atomic(vdir / CARD_FILE, card)
    write_text_atomic(vdir / "card.md", render_card(card))
    if make_current:
        promote(models_dir, name, version)
    return vdir


def read_card(models_dir: str | Path, name: str, *, version: str | None = None) -> dict[str, Any]:
    """Return the model card of a version (default: the current one)."""
    import json

    version = version or current_version(models_dir, name)
    path = Path(models_dir) / _check_name(name) / version / CARD_FILE
    if not path.is_file():
        raise ModelError(f"model card '{path}' is missing; the model directory is incomplete")
    card: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return card


def load_model(
    models_dir: str | Path,
    name: str,
    *,
    codebook: Codebook | None = None,
    version: str | None = None,
) -> Any:
    """Load a saved model after checking its file hash and, if given, the codebook hash.

    Raises:
        ModelError: if the model is missing, its file does not match its card, or it was
            trained with a different codebook than ``codebook``.
    """
    version = version or current_version(models_dir, name)
    card = read_card(models_dir, name, version=version)
    path = Path(models_dir) / name / version / MODEL_FILE
    if not path.is_file():
        raise ModelError(f"model file '{path}' is missing")
    digest = _sha256(path)
    if digest != card.get("model_sha256"):
        raise ModelError(
            f"'{path}' has sha256 {digest} but its card says {card.get('model_sha256')}: "
            "the file was changed or damaged; re-train or restore it"
        )
    if codebook is not None:
        saved = card.get("codebook") or {}
        if saved.get("hash") != codebook.content_hash():
            raise ModelError(
                f"model '{name}' {version} was trained with codebook '{saved.get('id')}' "
                f"{saved.get('version')} (hash {str(saved.get('hash'))[:12]}), but the codebook in "
                f"use is '{codebook.id}' {codebook.version} (hash {codebook.content_hash()[:12]}); "
                "re-train the model on this codebook or use the codebook it was trained with"
            )
    return joblib.load(path)


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return repr(value)


def render_card(card: dict[str, Any]) -> str:
    """Render a model card as Markdown for people."""
    lines = [f"# Model card: {card['name']} {card['version']}", ""]
    cb = card.get("codebook")
    if cb:
        lines.append(f"- Codebook: `{cb['id']}` {cb['version']} (sha256 `{cb['hash']}`)")
    lines.append(f"- Model: `{card['model_class']}` (sha256 `{card['model_sha256']}`)")
    lines.append(f"- Training data sha256: `{card['train_data_sha256']}`")
    lines.append(f"- Parameters: `{card['params']}`")
    lines.append(
        "- Libraries: " + ", ".join(f"{k} {v}" for k, v in sorted(card["libraries"].items()))
    )
    for key in sorted(
        set(card)
        - {
            "name",
            "version",
            "codebook",
            "model_class",
            "model_sha256",
            "train_data_sha256",
            "params",
            "libraries",
            "cv_metrics",
            "classes",
        }
    ):
        lines.append(f"- {key}: {card[key]}")
    m = card.get("cv_metrics")
    if m and "per_theme" in m:
        lines += ["", "## Cross-validated figures (training data only)", ""]
        lines.append(
            f"micro-F1 {m['micro_f1']}, macro-F1 {m['macro_f1']}, samples-F1 {m['samples_f1']}"
        )
        lines += [
            "",
            "| theme | precision | recall | F1 | kappa | support |",
            "|---|---|---|---|---|---|",
        ]
        for tid, t in m["per_theme"].items():
            lines.append(
                f"| {tid} | {t['precision']} | {t['recall']} | {t['f1']} | {t['kappa']} | "
                f"{t['support']} |"
            )
    return "\n".join(lines) + "\n"
