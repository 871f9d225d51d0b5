"""Which saved version of a model runs may use.

Both choosing a tagger for a run and retraining need this, so it lives beside the model
artifacts rather than in either of them.
"""

from __future__ import annotations

from pathlib import Path


def promoted_version(models_dir: str | Path, name: str) -> str | None:
    """The version runs may use, or None.

    The ``current`` pointer when there is one; else the newest version, unless its retrain
    decision was *not promoted* (a first model worse than the tagger in use).
    """
    from cls_text.io import artifacts

    versions = artifacts.list_versions(models_dir, name)
    if not versions:
        return None
    if (Path(models_dir) / name / artifacts.CURRENT_FILE).is_file():
        return artifacts.current_version(models_dir, name)
    card = artifacts.read_card(models_dir, name, version=versions[-1])
    refused = ((card.get("retrain") or {}).get("decision") or {}).get("promote") is False
    return None if refused else versions[-1]
