"""Theme-relative stance: is an evidence sentence for (+) or against (-) what the theme values?

A general polarity model reads "less paperwork now" as negative (it mentions paperwork) and
"we are trusted to decide" as neutral. For a Community Led Support theme the stance is relative
to the theme: fewer forms is + for bureaucracy, "I still have to fill three forms" is -. This
module combines the shipped polarity model (:mod:`~cls_text.tag.stance.model`, with the question as
context)
with per-theme *cues* kept as data in a sidecar YAML next to the codebook
(``codebooks/cls_default.stance.yaml``; see docs/stance.md):

- ``positive`` / ``negative``: phrases that mark the stance for the theme ("trusted to" is +
  for trust, "micromanage" is -). A trailing ``*`` matches any word ending ("form*").
- ``burdens`` and ``reducers``: things that are bad for the theme (paperwork, forms, waiting)
  count as -; a reducer near a burden ("less paperwork", "scrapped the forms", "no longer
  wait") turns it into +. A "still"/"more"-type ``intensifier`` near a burden keeps it -.
- A negator in the few words before a cue ("not trusted", "never listened") flips it; a
  clause break (comma, "but") stops the look-back. Negating a burden ("no forms") makes it +.

The cue score is added to ``model_weight * (P(+) - P(-))`` from the polarity model; its sign
gives the stance. Without any cue the polarity model decides alone: by its most likely class, or,
when the sidecar sets ``zero_band``, by the sign of P(+) - P(-) with "0" only inside the band
(CLS answers are rarely neutral about a theme they raise). A codebook without a sidecar
behaves exactly as :func:`cls_text.tag.stance.model.predict_stance` does.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from cls_text.codebook.model import Codebook
from cls_text.errors import StanceCueError
from cls_text.tag.base import CORE_NEGATORS, reject_bare_str
from cls_text.tag.stance.learned import cue_override

#: Suffix of a stance sidecar: ``my_codebook.yaml`` -> ``my_codebook.stance.yaml``.
SIDECAR_SUFFIX = ".stance.yaml"
DEFAULT_NEGATORS = (*CORE_NEGATORS, "nobody", "none", "cannot", "lack of", "rarely")
_CLAUSE_BREAK = re.compile(r"[,;:.!?()]|\bbut\b|\bhowever\b|\bthough\b|\balthough\b")
_WORD = re.compile(r"[a-z']+")


def _norm(text: str) -> str:
    """Lower-case, straight apostrophes, "n't" split off ("don't" -> "do n't")."""
    return text.lower().replace("\u2019", "'").replace("n't", " n't")


def _phrases(value: list[str]) -> list[str]:
    out = []
    for p in value:
        p = " ".join(_norm(str(p)).split())
        if not p or p == "*":
            raise ValueError("cue phrases must not be blank")
        out.append(p)
    return out


class ThemeCues(BaseModel):
    """Cues for one theme (every list may be empty)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    positive: list[str] = Field(default_factory=list)
    negative: list[str] = Field(default_factory=list)
    burdens: list[str] = Field(default_factory=list)
    reducers: list[str] = Field(default_factory=list)
    intensifiers: list[str] = Field(default_factory=list)

    @field_validator("positive", "negative", "burdens", "reducers", "intensifiers")
    @classmethod
    def _clean(cls, value: list[str]) -> list[str]:
        return _phrases(value)


class StanceSidecar(BaseModel):
    """A stance sidecar file: cues per theme id plus the combination settings."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    codebook: str
    note: str = ""
    model_weight: float = Field(default=1.0, ge=0.0)
    cue_weight: float = Field(default=1.0, gt=0.0)
    window: int = Field(default=3, ge=1, le=10)
    zero_band: float | None = Field(default=None, ge=0.0, le=1.0)
    negators: list[str] = Field(default_factory=lambda: list(DEFAULT_NEGATORS))
    common: ThemeCues = Field(default_factory=ThemeCues)
    themes: dict[str, ThemeCues] = Field(default_factory=dict)

    @field_validator("negators")
    @classmethod
    def _clean(cls, value: list[str]) -> list[str]:
        return _phrases(value)


def _format_error(source: object, err: ValidationError) -> str:
    lines = [f"Stance cues '{source}' are not valid:"]
    for e in err.errors():
        loc = [str(p) for p in e["loc"]]
        if len(loc) >= 2 and loc[0] == "themes":
            where = f"theme '{loc[1]}', field '{'.'.join(loc[2:]) or '(theme)'}'"
        else:
            where = ".".join(loc) or "(file)"
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            msg = "unknown key (valid: positive, negative, burdens, reducers, intensifiers)"
        lines.append(f"  - {where}: {msg}")
    return "\n".join(lines)


def parse_stance_cues(
    data: object, codebook: Codebook, *, source: object = "<dict>", strict: bool = True
) -> StanceSidecar:
    """Validate a parsed sidecar against ``codebook``.

    With ``strict=False`` (the packaged sidecar, looked up by codebook id), cues for themes the
    codebook does not have are dropped with a warning instead of failing: a user's edited copy
    of the default codebook, or a theme renamed in a new version, must not stop a run.

    Raises:
        StanceCueError: listing every problem, each naming the theme and field.
    """
    if not isinstance(data, dict):
        raise StanceCueError(f"Stance cues '{source}' must be a mapping with 'codebook', 'themes'.")
    try:
        side = StanceSidecar.model_validate(data)
    except ValidationError as err:
        raise StanceCueError(_format_error(source, err)) from None
    if side.codebook != codebook.id:
        raise StanceCueError(
            f"Stance cues '{source}' are for codebook '{side.codebook}', not '{codebook.id}'."
        )
    unknown = sorted(set(side.themes) - set(codebook.theme_ids()))
    if unknown and not strict:
        warnings.warn(
            f"Stance cues '{source}' ignore themes not in codebook '{codebook.id}': {unknown}",
            stacklevel=2,
        )
        keep = {t: c for t, c in side.themes.items() if t not in unknown}
        return side.model_copy(update={"themes": keep})
    if unknown:
        raise StanceCueError(
            f"Stance cues '{source}' name themes not in codebook '{codebook.id}': {unknown}; "
            f"valid: {codebook.theme_ids()}"
        )
    return side


def sidecar_path(codebook_path: str | Path) -> Path:
    """Where the stance sidecar of a codebook file lives: ``<stem>.stance.yaml`` beside it."""
    p = Path(codebook_path)
    return p.with_name(p.name.removesuffix(".yaml").removesuffix(".yml") + SIDECAR_SUFFIX)


def load_stance_cues(codebook: Codebook, path: str | Path | None = None) -> StanceSidecar | None:
    """Load the stance cues for ``codebook``, or None when it has no sidecar.

    Args:
        codebook: The codebook the cues must match (its id and theme ids).
        path: A sidecar file; None looks for the packaged ``<codebook id>.stance.yaml``.

    Raises:
        StanceCueError: ``path`` is missing, or the file is not YAML or does not validate.
    """
    if path is None:
        name = f"{codebook.id}{SIDECAR_SUFFIX}"
        try:
            text = resources.files("cls_text.codebook.data").joinpath(name).read_text("utf-8")
        except (FileNotFoundError, OSError):
            return None
        source: object = f"packaged {name}"
    else:
        p = Path(path)
        if not p.is_file():
            raise StanceCueError(f"Stance cues file '{p}' does not exist.")
        text, source = p.read_text(encoding="utf-8"), p
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise StanceCueError(f"Stance cues '{source}' are not valid YAML: {err}") from None
    return parse_stance_cues(data, codebook, source=source, strict=path is not None)


def _alternation(phrases: Sequence[str]) -> re.Pattern[str] | None:
    if not phrases:
        return None
    parts = []
    for p in sorted(set(phrases), key=len, reverse=True):
        star = p.endswith("*")
        body = r"\s+".join(re.escape(w) for w in p.rstrip("*").split())
        parts.append(body + (r"[\w'-]*" if star else r"\b"))
    return re.compile(r"(?<![\w'])(?:" + "|".join(parts) + ")")


@dataclass(frozen=True)
class _Compiled:
    positive: re.Pattern[str] | None
    negative: re.Pattern[str] | None
    burdens: re.Pattern[str] | None
    reducers: re.Pattern[str] | None
    intensifiers: re.Pattern[str] | None


def _merge(a: ThemeCues, b: ThemeCues) -> _Compiled:
    return _Compiled(
        *(
            _alternation([*getattr(a, f), *getattr(b, f)])
            for f in ("positive", "negative", "burdens", "reducers", "intensifiers")
        )
    )


class ThemeStance:
    """Theme-relative stance: polarity model + per-theme cues (see the module docstring).

    Args:
        cues: The validated sidecar.
        model: A fitted
                :class:`~cls_text.tag.stance.model.StanceModel`; None loads the shipped one (and
            without it only the lexicon fallback and the cues are used).
    """

    def __init__(self, cues: StanceSidecar, model: Any = None, learned: Any = None) -> None:
        from cls_text.tag.stance.model import load_stance_model

        self.cues = cues
        self.model = model if model is not None else load_stance_model()
        #: Optional :class:`cls_text.tag.stance.learned.LearnedStance` deciding from the cues,
        #: the polarity and the sentence embedding (shipped for the default codebook).
        self.learned = learned
        self._compiled = {t: _merge(cues.common, c) for t, c in cues.themes.items()}
        self._common = _merge(cues.common, ThemeCues())
        # The theme's own cues (without the common lists): the ones that decide over the
        # learned classifier, because general words ("still", "need to") mislead for a theme.
        self._own = {t: _merge(ThemeCues(), c) for t, c in cues.themes.items()}
        self._negator = _alternation(cues.negators)

    def _negated(self, text: str, start: int) -> bool:
        before = text[:start]
        breaks = list(_CLAUSE_BREAK.finditer(before))
        if breaks:
            before = before[breaks[-1].end() :]
        words = before.split()[-self.cues.window :]
        return bool(self._negator and self._negator.search(" ".join(words) + " "))

    def _near(self, pattern: re.Pattern[str] | None, text: str, start: int, end: int) -> bool:
        """Does ``pattern`` occur within ``window`` words of [start, end) in the same clause?"""
        if pattern is None:
            return False
        w = self.cues.window + 1
        before = text[:start]
        breaks = list(_CLAUSE_BREAK.finditer(before))
        if breaks:
            before = before[breaks[-1].end() :]
        after = text[end:]
        brk = _CLAUSE_BREAK.search(after)
        if brk:
            after = after[: brk.start()]
        ctx = " ".join(before.split()[-w:]) + " | " + " ".join(after.split()[:w])
        return bool(pattern.search(ctx))

    def cue_score(self, sentence: str, theme_id: str, *, own: bool = False) -> float:
        """Sum of cue polarities in ``sentence`` for ``theme_id`` (negation applied).

        With ``own``, only the theme's own cues count (not the sidecar's ``common`` lists).
        """
        text = " " + _norm(sentence) + " "
        if own:
            c = self._own.get(theme_id, _merge(ThemeCues(), ThemeCues()))
        else:
            c = self._compiled.get(theme_id, self._common)
        score = 0.0
        taken: list[tuple[int, int]] = []
        for pat, sign in ((c.positive, 1.0), (c.negative, -1.0)):
            if pat is None:
                continue
            for m in pat.finditer(text):
                if any(m.start() < e and s < m.end() for s, e in taken):
                    continue
                taken.append((m.start(), m.end()))
                neg = self._negated(text, m.start()) and not (
                    self._negator and self._negator.match(m.group(0))
                )
                score += -sign if neg else sign
        if c.burdens is not None:
            for m in c.burdens.finditer(text):
                if any(m.start() < e and s < m.end() for s, e in taken):
                    continue
                # A reducer wins over an intensifier: "no more forms" is fewer forms.
                if self._near(c.reducers, text, m.start(), m.end()):
                    score += 1.0
                elif self._near(c.intensifiers, text, m.start(), m.end()):
                    score -= 1.0
                elif self._negated(text, m.start()):
                    score += 1.0
                else:
                    score -= 0.5
        return score

    def _polarity(self, sentences: list[str], questions: list[str]) -> tuple[np.ndarray, list[str]]:
        """P(+) - P(-) and the model's own label per sentence."""
        from cls_text.tag.stance.model import lexicon_stance

        if self.model is None:
            labels = [lexicon_stance(s or "") for s in sentences]
            margin = np.array([{"+": 0.5, "-": -0.5}.get(x, 0.0) for x in labels])
            return margin, labels
        import pandas as pd

        frame = pd.DataFrame({"text": sentences, "question": questions})
        proba = self.model.predict_proba(frame)
        classes = [str(c) for c in self.model.classes_]
        pos = proba[:, classes.index("+")] if "+" in classes else 0.0
        neg = proba[:, classes.index("-")] if "-" in classes else 0.0
        labels = [classes[i] for i in np.argmax(proba, axis=1)]
        labels = ["0" if not s.strip() else lab for s, lab in zip(sentences, labels, strict=True)]
        return np.asarray(pos - neg, dtype=np.float64), labels

    def predict(
        self,
        sentences: Sequence[str],
        questions: Sequence[str] | None,
        theme_ids: Sequence[str],
    ) -> list[str]:
        """Return "+", "-" or "0" per (sentence, question, theme).

        Raises:
            ValueError: for a bare string or lists of different lengths.
        """
        reject_bare_str(sentences)
        sentences = [s or "" for s in sentences]
        qs = list(questions) if questions is not None else [""] * len(sentences)
        if not (len(qs) == len(theme_ids) == len(sentences)):
            raise ValueError(
                f"{len(sentences)} sentences, {len(qs)} questions, {len(theme_ids)} theme ids"
            )
        if not sentences:
            return []
        margin, labels = self._polarity(sentences, qs)
        if self.learned is not None:
            cues = np.array([self.cue_score(s, t) if s.strip() else 0.0
                             for s, t in zip(sentences, theme_ids, strict=True)])  # fmt: skip
            found = self.learned.predict(sentences, list(theme_ids), cues, margin)
            own = np.array([self.cue_score(s, t, own=True) if s.strip() else 0.0
                            for s, t in zip(sentences, theme_ids, strict=True)])  # fmt: skip
            found = cue_override(found, own, cues)
            return ["0" if not s.strip() else lab for s, lab in zip(sentences, found, strict=True)]
        out = []
        for s, t, m, lab in zip(sentences, theme_ids, margin, labels, strict=True):
            cue = self.cue_score(s, t) if s.strip() else 0.0
            band = self.cues.zero_band
            if cue == 0.0 and (band is None or not s.strip()):
                out.append(lab)
                continue
            if cue == 0.0 and band is not None:
                out.append("0" if abs(m) <= band else ("+" if m > 0 else "-"))
                continue
            z = self.cues.cue_weight * cue + self.cues.model_weight * float(m)
            out.append("+" if z > 0 else ("-" if z < 0 else lab))
        return out


def make_theme_stance(
    codebook: Codebook,
    path: str | Path | None = None,
    *,
    model: Any = None,
    learned: Any = "auto",
    learned_model: str | None = None,
    encoder: Any = None,
) -> ThemeStance | None:
    """A :class:`ThemeStance` for ``codebook``, or None when it has no stance sidecar.

    Args:
        learned: The stance classifier; ``"auto"`` loads the shipped one for the default
            codebook's sidecar (the cues it was trained with), None uses cues + polarity only.
        learned_model: With ``"auto"``: the shipped classifier's folder name (None: the
            default's; ``"stance-cls-mpnet"``: the accurate tagger's).
        encoder: The tagger's encoder, reused when it is the classifier's (shared vectors).
    """
    cues = load_stance_cues(codebook, path)
    if cues is None:
        return None
    if isinstance(learned, str) and learned == "auto":
        from cls_text.tag.stance.learned import load_learned_stance, stance_cls_dir

        folder = stance_cls_dir(learned_model) if learned_model else None
        learned = (
            load_learned_stance(folder, reuse=encoder) if cues.codebook == "cls_default" else None
        )
    return ThemeStance(cues, model=model, learned=learned)
