"""Codebook versions: what changed, lint checks, and carrying coded data across versions.

A codebook carries a semantic version and a change log
(:class:`~cls_text.codebook.model.CodebookChange`: add, rename, merge, split, retire,
edit_definition, edit_terms). Coded examples remember the codebook version they were coded
with, so when the codebook moves on they can be carried forward:

- **rename** ``a -> b``: a tick on ``a`` becomes a tick on ``b``.
- **merge** ``a, b -> c``: a tick on either becomes a tick on ``c``.
- **split** ``a -> b, c``: a tick on ``a`` cannot be assigned to ``b`` or ``c`` without
  reading the quote again, so the decision is flagged ``needs_review`` and routed back to the
  review queue; it is not guessed. (No tick on ``a`` still means neither ``b`` nor ``c``.)
- **retire** ``a``: the tick is dropped.
- **add**, **edit_definition**, **edit_terms**: nothing to map (an edited definition or term
  list is listed by :func:`diff_codebooks` so evaluators can judge whether old codings still
  hold, and a report does not test such a theme for change across the versions).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from cls_text import schema as S
from cls_text.codebook.model import Codebook, CodebookChange
from cls_text.errors import CodebookError
from cls_text.io import coded as cs

_SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
NEEDS_REVIEW = "needs_review"
REVIEW_REASON = "review_reason"


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


# --- mapping -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ThemeMapping:
    """Where each theme id of an older version goes in a newer one.

    ``targets[old]`` is the tuple of new ids a tick on ``old`` becomes (empty when retired);
    ``ambiguous[old]`` is set when a split made the tick's destination unknowable.
    """

    from_version: str
    to_version: str
    targets: dict[str, tuple[str, ...]] = field(default_factory=dict)
    ambiguous: dict[str, tuple[str, ...]] = field(default_factory=dict)


def theme_mapping(old_ids: Sequence[str], codebook: Codebook, from_version: str) -> ThemeMapping:
    """Follow the change log from ``from_version`` up to ``codebook.version``.

    Args:
        old_ids: Theme ids valid in ``from_version``.
        codebook: The current codebook (its change log is used).
        from_version: The version the ids belong to.

    Raises:
        CodebookError: ``from_version`` is newer than the codebook.
    """
    if _version_key(from_version) > _version_key(codebook.version):
        raise CodebookError(
            f"coded with codebook version {from_version}, newer than {codebook.id} "
            f"{codebook.version}; load the newer codebook"
        )
    current: dict[str, set[str]] = {t: {t} for t in old_ids}  # old id -> current ids
    ambiguous: dict[str, set[str]] = {}
    lo, hi = _version_key(from_version), _version_key(codebook.version)
    steps = [c for c in codebook.changes if lo < _version_key(c.version) <= hi]
    for ch in sorted(steps, key=lambda c: _version_key(c.version)):
        for old, now in current.items():
            hit = now & set(ch.source)
            if not hit or ch.op in ("add", "edit_definition", "edit_terms"):
                continue
            now -= hit
            if ch.op in ("rename", "merge"):
                now |= set(ch.target)
            elif ch.op == "split":
                ambiguous.setdefault(old, set()).update(ch.target)
            # retire: dropped
        for old in list(ambiguous):
            # later renames/merges of split children move the ambiguity along
            for src, dst in ((s, ch.target) for s in ch.source if ch.op in ("rename", "merge")):
                if src in ambiguous[old]:
                    ambiguous[old] = (ambiguous[old] - {src}) | set(dst)
    return ThemeMapping(
        from_version=from_version,
        to_version=codebook.version,
        targets={k: tuple(sorted(v)) for k, v in current.items()},
        ambiguous={k: tuple(sorted(v)) for k, v in ambiguous.items()},
    )


def _ids_at(codebook: Codebook, version: str) -> list[str]:
    """Theme ids valid at an older version, reconstructed by undoing the change log."""
    ids = set(codebook.theme_ids())
    newer = [c for c in codebook.changes if _version_key(c.version) > _version_key(version)]
    for ch in sorted(newer, key=lambda c: _version_key(c.version), reverse=True):
        if ch.op in ("rename", "merge", "split", "add"):
            ids -= set(ch.target)
        if ch.op in ("rename", "merge", "split", "retire"):
            ids |= set(ch.source)
    return sorted(ids)


def map_decisions(decisions: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """Carry coded decisions to ``codebook``'s version.

    Returns a copy with ``themes`` rewritten in current ids, ``codebook_version`` set to the
    current version, ``mapped_from`` holding the original version, and ``needs_review`` /
    ``review_reason`` set where a split made a tick ambiguous (those rows keep their
    unambiguous ticks but must not be used for training or agreement until re-reviewed).
    """
    out = decisions.copy()
    order = {t: i for i, t in enumerate(codebook.theme_ids())}
    themes, flags, reasons, mapped_from = [], [], [], []
    cache: dict[str, ThemeMapping] = {}
    for _, r in out.iterrows():
        version = str(r.get(cs.CODEBOOK_VERSION, "") or codebook.version)
        if version not in cache:
            cache[version] = theme_mapping(_ids_at(codebook, version), codebook, version)
        mp = cache[version]
        new: set[str] = set()
        unsure: list[str] = []
        for t in cs.split_themes(r[S.THEMES]):
            new |= set(mp.targets.get(t, (t,)))
            if t in mp.ambiguous:
                unsure.append(f"'{t}' was split into {', '.join(mp.ambiguous[t])}")
        themes.append(S.THEME_SEP.join(sorted(new & set(order), key=order.__getitem__)))
        flags.append(bool(unsure))
        reasons.append(("codebook split: " + "; ".join(unsure)) if unsure else "")
        mapped_from.append(version)
    out[S.THEMES] = themes
    out["mapped_from"] = mapped_from
    out[cs.CODEBOOK_VERSION] = codebook.version
    out[NEEDS_REVIEW] = flags
    out[REVIEW_REASON] = reasons
    return out


def rereview_queue(decisions: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """Quotes whose coding a split made ambiguous, as ``quote_id``, ``reason`` for the queue.

    Pass the result as ``rereview=`` to :func:`cls_text.review.queue.write_review`.
    """
    mapped = map_decisions(decisions, codebook)
    need = mapped[mapped[NEEDS_REVIEW]]
    out = need[[S.QUOTE_ID, REVIEW_REASON]].drop_duplicates(S.QUOTE_ID)
    return out.rename(columns={REVIEW_REASON: "reason"}).reset_index(drop=True)


def map_tagged(tagged: pd.DataFrame, from_version: str, codebook: Codebook) -> pd.DataFrame:
    """Carry a past wave's tagged table through renames, merges and retirements.

    0/1 tags are OR-ed and scores take the maximum across merged themes; evidence lists are
    concatenated and the stance of the highest-scoring source is kept. Themes created by a
    split are left out (their columns are absent): re-tag the wave to get them.
    """
    old_ids = [t for t in _ids_at(codebook, from_version) if t in tagged]
    mp = theme_mapping(old_ids, codebook, from_version)
    out = tagged.drop(columns=[c for t in old_ids for c in _theme_cols(t) if c in tagged])
    for new in codebook.theme_ids():
        srcs = [o for o in old_ids if new in mp.targets[o]]
        if not srcs:
            continue
        out[new] = tagged[srcs].max(axis=1).astype(int)
        scores = [S.score_col(s) for s in srcs if S.score_col(s) in tagged]
        if scores:
            out[S.score_col(new)] = tagged[scores].max(axis=1)
            best = tagged[scores].to_numpy().argmax(axis=1)
            if all(S.stance_col(s) in tagged for s in srcs):
                stance = tagged[[S.stance_col(s) for s in srcs]].to_numpy()
                out[S.stance_col(new)] = [stance[i, b] for i, b in enumerate(best)]
        if all(S.evidence_col(s) in tagged for s in srcs):
            out[S.evidence_col(new)] = [
                S.evidence_to_json([e for s in srcs for e in S.evidence_from_json(row[s])])
                for row in tagged[[S.evidence_col(s) for s in srcs]]
                .rename(columns=dict(zip([S.evidence_col(s) for s in srcs], srcs, strict=True)))
                .to_dict("records")
            ]
    present = [t for t in codebook.theme_ids() if t in out]
    if S.THEMES in out:
        out[S.THEMES] = [
            S.THEME_SEP.join(t for t in present if row[t])
            for row in out[present].to_dict("records")
        ]
    return out


def _theme_cols(theme_id: str) -> list[str]:
    return [theme_id, S.score_col(theme_id), S.stance_col(theme_id), S.evidence_col(theme_id)]


# --- diff ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CodebookDiff:
    """What changed between two codebooks."""

    old_version: str
    new_version: str
    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: dict[str, dict[str, Any]]
    log: tuple[CodebookChange, ...]


def diff_codebooks(old: Codebook, new: Codebook) -> CodebookDiff:
    """Compare two codebooks theme by theme, plus the change-log entries between them."""
    a = {t.id: t for t in old.themes}
    b = {t.id: t for t in new.themes}
    changed: dict[str, dict[str, Any]] = {}
    for tid in sorted(set(a) & set(b)):
        da, db = a[tid].model_dump(), b[tid].model_dump()
        fields: dict[str, Any] = {}
        for key in da:
            if da[key] == db[key]:
                continue
            if isinstance(da[key], tuple):
                fields[key] = {
                    "added": sorted(set(db[key]) - set(da[key])),
                    "removed": sorted(set(da[key]) - set(db[key])),
                }
            else:
                fields[key] = {"old": da[key], "new": db[key]}
        if fields:
            changed[tid] = fields
    lo, hi = _version_key(old.version), _version_key(new.version)
    log = tuple(c for c in new.changes if lo < _version_key(c.version) <= hi)
    return CodebookDiff(
        old_version=old.version,
        new_version=new.version,
        added=tuple(t for t in b if t not in a),
        removed=tuple(t for t in a if t not in b),
        changed=changed,
        log=log,
    )


def format_diff(diff: CodebookDiff) -> str:
    """Render a :class:`CodebookDiff` for the terminal (``cls-text codebook diff A B``)."""
    lines = [f"codebook {diff.old_version} -> {diff.new_version}"]
    for c in diff.log:
        arrow = f"{', '.join(c.source)} -> {', '.join(c.target)}".strip(" ->")
        lines.append(f"  [{c.version}] {c.op}: {arrow}" + (f" ({c.note})" if c.note else ""))
    lines += [f"  + {t}" for t in diff.added] + [f"  - {t}" for t in diff.removed]
    for tid, fields in diff.changed.items():
        for key, val in fields.items():
            if "added" in val:
                parts = [f"+{x}" for x in val["added"]] + [f"-{x}" for x in val["removed"]]
                lines.append(f"  ~ {tid}.{key}: {', '.join(parts)}")
            else:
                lines.append(f"  ~ {tid}.{key}: {val['old']!r} -> {val['new']!r}")
    if len(lines) == 1:
        lines.append("  (no changes)")
    return "\n".join(lines)


# --- lint ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LintIssue:
    """One finding of :func:`check_codebook`."""

    level: str  # "error" or "warning"
    theme: str
    message: str

    def __str__(self) -> str:
        return f"{self.level}: theme '{self.theme}': {self.message}"


def check_codebook(source: Codebook | str | Path) -> list[LintIssue]:
    """Lint a codebook: ids not snake_case, themes without terms or examples, shared terms.

    A path is read as raw YAML first, so ids that would stop :func:`load_codebook` are still
    reported alongside everything else rather than one error at a time.
    """
    if isinstance(source, Codebook):
        data: dict[str, Any] = source.model_dump()
    else:
        p = Path(source)
        if not p.is_file():
            raise CodebookError(f"Codebook file '{p}' does not exist.")
        try:
            data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as err:
            raise CodebookError(f"Codebook '{p}' is not valid YAML: {err}") from None
    issues: list[LintIssue] = []
    owners: dict[str, list[str]] = {}
    themes = data.get("themes") or []
    ids = {str(t.get("id", "")) for t in themes if isinstance(t, dict)}
    for i, t in enumerate(themes):
        tid = str(t.get("id", f"#{i + 1}")) if isinstance(t, dict) else f"#{i + 1}"
        if not isinstance(t, dict):
            issues.append(LintIssue("error", tid, "is not a mapping"))
            continue
        if not _SNAKE.match(tid):
            issues.append(LintIssue("error", tid, "id is not snake_case (e.g. 'staff_morale')"))
        if not t.get("terms"):
            issues.append(
                LintIssue("warning", tid, "has no terms: the rules tagger cannot find it")
            )
        if not t.get("examples"):
            issues.append(LintIssue("warning", tid, "has no examples"))
        for term in t.get("terms") or ():
            owners.setdefault(str(term).strip().lower(), []).append(tid)
    for term, who in sorted(owners.items()):
        if len(set(who)) > 1:
            for tid in sorted(set(who)):
                others = ", ".join(sorted(set(who) - {tid}))
                issues.append(
                    LintIssue("warning", tid, f"term '{term}' is also a term of {others}")
                )
    for ch in data.get("changes") or []:
        for tid in ch.get("target") or ():
            if ch.get("op") in ("add", "rename", "merge", "split") and tid not in ids:
                later = any(tid in (c.get("source") or ()) for c in data.get("changes") or ())
                if not later:
                    issues.append(
                        LintIssue("error", tid, f"change {ch.get('op')} in {ch.get('version')} "
                                  "names a theme that is not in the codebook")
                    )  # fmt: skip
    return issues
