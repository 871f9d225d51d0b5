"""The tagger's accuracy on real coded quotes, for the report's methods section.

Accuracy is only claimed where it was measured on real answers: the shipped default tagger was
scored, theme by theme, on the held-out test split of real published CLS quotes coded by two
blind coders (``benchmarks/cls_real.py`` writes ``accuracy.json`` beside the shipped weights).
Those figures describe that model on that codebook only, so they are shown when the run's
codebook has the default codebook's content hash, the run used the shipped default tagger and the
weights are the ones that were scored; in every other case the report says plainly that no
accuracy on real quotes is known, rather than quoting a figure from synthetic quotes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ACCURACY_FILE = "accuracy.json"


def read_real_accuracy(model_dir: str | Path | None = None) -> dict[str, Any] | None:
    """The shipped default model's accuracy file, or None when it is missing or stale.

    Stale means the file was measured on other weights than the ones installed (a retrained
    default whose accuracy was not re-measured): its figures would describe another model.
    """
    from cls_text.tag.default import default_model_dir, read_default_card

    folder = Path(model_dir or default_model_dir())
    path, card = folder / ACCURACY_FILE, read_default_card(folder)
    if not path.is_file() or card is None:
        return None
    acc = json.loads(path.read_text("utf-8"))
    if acc.get("weights_sha256") != (card.get("weights") or {}).get("sha256"):
        return None
    return dict(acc)


def accuracy_for_run(
    manifest: dict[str, Any], model_dir: str | Path | None = None
) -> tuple[dict[str, Any] | None, str]:
    """The accuracy figures that apply to this run (or None) and, if none, the reason why."""
    from cls_text.tag.default import DEFAULT_MODEL, default_model_dir

    cb_hash = (manifest.get("codebook") or {}).get("hash", "")
    kind = (manifest.get("tagger") or {}).get("kind", "")
    if model_dir is None:  # the default or its accurate variant: each has its own figures
        model_dir = default_model_dir((manifest.get("tagger") or {}).get("model", DEFAULT_MODEL))
    acc = read_real_accuracy(model_dir)
    if acc is None:
        return None, "no measurement of the shipped default tagger on real quotes is installed"
    if cb_hash != (acc.get("codebook") or {}).get("hash"):
        return None, (
            "this run's codebook is not the default CLS codebook the tagger was measured with "
            "(its content hash differs), so no accuracy on real coded quotes is known for it; "
            "code a sample with 'cls-text review' and 'cls-text evaluate' to measure it"
        )
    if kind != "default":
        return None, (
            f"this run used the {kind or 'unknown'} tagger; accuracy on real coded quotes is known "
            "only for the shipped default tagger"
        )
    return acc, ""


def _ci(pair: list[float] | None) -> str:
    return f"{pair[0]:.2f}–{pair[1]:.2f}" if pair else "n/a"


def accuracy_methods(manifest: dict[str, Any], model_dir: str | Path | None = None) -> str:
    """The methods-section paragraph and per-theme table (Markdown) for the wave report."""
    acc, why = accuracy_for_run(manifest, model_dir)
    if acc is None:
        return f"**Accuracy on real quotes.** Not known: {why}."
    test, coders = acc["test"], acc["coders"]
    lines = [
        f"**Accuracy on real quotes.** The tagger was scored on {test['n_quotes']} real "
        f"published CLS quotes from {test['n_pages']} source pages that it never saw in "
        f"training, against the adjudicated codes of two blind coders ({acc['date']}). "
        f"Micro-F1 {test['micro_f1']:.2f} (95% CI {_ci(test['micro_f1_ci'])}), samples-F1 "
        f"{test['samples_f1']:.2f} (95% CI {_ci(test['samples_f1_ci'])}). The coders' own "
        f"agreement, the ceiling for any tagger, is micro-F1 {coders['micro_f1']:.2f} on "
        f"{coders['n_quotes']} quotes. Intervals: {acc['interval']}. Few test quotes carry "
        "some themes, so their intervals are wide.",
        "",
        "| theme | precision (95% CI) | recall (95% CI) | F1 (95% CI) | test quotes with theme "
        "| coders' kappa |",
        "|---|---|---|---|---|---|",
    ]
    for t, m in test["per_theme"].items():
        kappa = coders["kappa"].get(t)
        lines.append(
            f"| {t} | {m['precision']:.2f} ({_ci(m['precision_ci'])}) | {m['recall']:.2f} "
            f"({_ci(m['recall_ci'])}) | {m['f1']:.2f} ({_ci(m['f1_ci'])}) | {m['support']} | "
            f"{'n/a' if kappa is None else f'{kappa:.2f}'} |"
        )
    return "\n".join(lines)


def accuracy_rows(
    manifest: dict[str, Any], model_dir: str | Path | None = None
) -> list[tuple[str, str]]:
    """Key/value rows for the workbook's Methods sheet."""
    acc, why = accuracy_for_run(manifest, model_dir)
    if acc is None:
        return [("accuracy on real quotes", f"not known: {why}")]
    test, coders = acc["test"], acc["coders"]
    rows = [
        (
            "accuracy on real quotes",
            f"{test['n_quotes']} held-out real CLS quotes ({acc['date']}): micro-F1 "
            f"{test['micro_f1']:.2f} (95% CI {_ci(test['micro_f1_ci'])}), samples-F1 "
            f"{test['samples_f1']:.2f}; coders' agreement micro-F1 {coders['micro_f1']:.2f}; "
            f"{acc['interval']}",
        )
    ]
    for t, m in test["per_theme"].items():
        rows.append(
            (
                f"accuracy {t}",
                f"precision {m['precision']:.2f} ({_ci(m['precision_ci'])}), recall "
                f"{m['recall']:.2f} ({_ci(m['recall_ci'])}), F1 {m['f1']:.2f} "
                f"({_ci(m['f1_ci'])}), {m['support']} test quotes; coders' kappa "
                f"{coders['kappa'].get(t, float('nan')):.2f}",
            )
        )
    return rows
