"""Synthetic answers: the sentence pools and how one answer is put together.

Answers mix one to three themed sentences (voice by respondent type, positive or negative, with
site-specific weights and a wave trend), off-codebook topics, openers and tails, all drawn from
``pools.yaml`` with a seeded :class:`numpy.random.Generator`.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

import numpy as np
import yaml

# --- sentence pools ------------------------------------------------------------------------
# Kept as YAML data (pools.yaml) so that they read like prose and stay easy to extend.
# Template keys: "s+"/"s-"
# staff or partner voice, "c+"/"c-" community-member voice (falls back to the staff voice).
# Written for this project; no sentence comes from a real respondent or a published evaluation.
_POOLS: dict[str, Any] = yaml.safe_load(
    resources.files("cls_text.datasets").joinpath("pools.yaml").read_text("utf-8")
)
FILLERS: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in _POOLS["fillers"].items()}
TEMPLATES: dict[str, dict[str, tuple[str, ...]]] = {
    theme: {key: tuple(v) for key, v in cells.items()}
    for theme, cells in _POOLS["templates"].items()
}
#: Topics outside the codebook (digital exclusion, transport, cost of living, housing).
OFF_CODEBOOK: tuple[tuple[str, ...], ...] = tuple(tuple(t) for t in _POOLS["off_codebook"])
OPENERS: tuple[str, ...] = tuple(_POOLS["openers"])
TAILS: tuple[str, ...] = tuple(_POOLS["tails"])
SHORT_ANSWERS: tuple[str, ...] = tuple(_POOLS["short_answers"])
#: Junk answers real exports are full of (non-substantive).
NON_SUBSTANTIVE: tuple[str, ...] = tuple(_POOLS["non_substantive"])

#: Theme ids in codebook order (the default codebook's).
THEME_IDS: tuple[str, ...] = tuple(TEMPLATES)

#: Invented local areas (none is a real council).
DEFAULT_SITES: tuple[str, ...] = (
    "Northvale",
    "Eastbrook",
    "Westmere",
    "Southcombe",
    "Kirkhaven",
    "Ashby Fen",
)

#: The four open questions of the sample surveys, in export order.
DEFAULT_QUESTIONS: tuple[str, ...] = (
    "What has worked well about the new way of working?",
    "What could be better?",
    "How has this changed things for you or the people you support?",
    "Anything else you would like to tell us?",
)

#: Prevalence multipliers for a second wave: more trust, less bureaucracy, more money worries.
WAVE2_TREND: dict[str, float] = {"trust": 1.8, "bureaucracy": 0.5, "resources": 1.4}

RESPONDENT_MIX: dict[str, float] = {"staff": 0.45, "community member": 0.42, "partner": 0.13}

#: Relative theme weights by respondent type (codebook order; unlisted themes weigh 1).
_TYPE_WEIGHTS: dict[str, dict[str, float]] = {
    "staff": {
        "trust": 2.6,
        "bureaucracy": 2.6,
        "workforce": 2.2,
        "culture": 2.0,
        "leadership": 1.8,
        "partnership": 1.4,
        "resources": 1.3,
        "conversations": 1.4,
        "wellbeing": 0.6,
    },
    "community member": {
        "access": 2.8,
        "community": 2.6,
        "conversations": 2.2,
        "wellbeing": 2.4,
        "prevention": 1.3,
        "trust": 0.4,
        "workforce": 0.2,
        "leadership": 0.2,
        "culture": 0.3,
        "bureaucracy": 0.8,
    },
    "partner": {
        "partnership": 3.0,
        "community": 1.8,
        "resources": 2.0,
        "coproduction": 1.6,
        "workforce": 0.4,
        "wellbeing": 0.8,
    },
}

#: Per-site character: which themes each invented area talks about more (or less).
_SITE_WEIGHTS: dict[str, dict[str, float]] = {
    "Northvale": {"community": 1.6, "resilience": 1.5, "access": 0.8},
    "Eastbrook": {"access": 1.6, "bureaucracy": 1.4, "resources": 1.3},
    "Westmere": {"coproduction": 2.0, "culture": 1.3},
    "Southcombe": {"prevention": 1.7, "wellbeing": 1.3},
    "Kirkhaven": {"partnership": 1.8, "leadership": 1.4},
    "Ashby Fen": {"resilience": 1.8, "community": 1.3, "access": 1.3},
}

#: Share of positive stance per question (index into the question list; later ones reuse the last).
POSITIVE_BY_QUESTION = (0.85, 0.2, 0.65, 0.5)
MESS_RATE = 0.06  # share of answers replaced by junk ("n/a", "-", blank, ...)


def _weights(rtype: str, site: str, trend: Mapping[str, float] | None) -> np.ndarray:
    base = _TYPE_WEIGHTS.get(rtype, {})
    profile = _SITE_WEIGHTS.get(site)
    if profile is None:
        # Unknown sites still get a stable character: derived from the name, not from hash().
        crc = zlib.crc32(site.encode("utf-8"))
        profile = {
            THEME_IDS[crc % len(THEME_IDS)]: 1.6,
            THEME_IDS[(crc // 7) % len(THEME_IDS)]: 1.3,
        }
    w = np.array(
        [base.get(t, 1.0) * profile.get(t, 1.0) * (trend or {}).get(t, 1.0) for t in THEME_IDS]
    )
    return w / w.sum()


def _fill(template: str, rng: np.random.Generator, slots: Mapping[str, Sequence[str]]) -> str:
    """Fill ``{slot}`` placeholders from the slot pools (only the slots the template uses)."""
    values = {}
    for key, pool in slots.items():
        if "{" + key + "}" in template:
            values[key] = pool[int(rng.integers(len(pool)))]
    return template.format(**values)


def _sentence(theme: str, positive: bool, voice: str, rng: np.random.Generator, site: str) -> str:
    cell = TEMPLATES[theme]
    key = ("s" if voice != "community member" else "c") + ("+" if positive else "-")
    pool = cell.get(key) or cell["s+" if positive else "s-"]
    slots = {**FILLERS, "site": (site,)}
    text = _fill(pool[int(rng.integers(len(pool)))], rng, slots)
    text = text[0].upper() + text[1:]  # templates may start with a slot ("{worker} ...")
    if rng.random() < 0.15 and text.endswith("."):
        text = f"{text[:-1]}, {TAILS[int(rng.integers(len(TAILS)))]}."
    return text


def make_answer(
    rng: np.random.Generator,
    *,
    respondent_type: str,
    site: str,
    positive_share: float = 0.6,
    trend: Mapping[str, float] | None = None,
) -> str:
    """Compose one free-text answer: 1-5 theme sentences (or a short reply), maybe off-codebook.

    Args:
        rng: The generator to draw from (advanced in place; that is what keeps waves varied).
        respondent_type: Voice and theme mix: "staff", "community member" or "partner".
        site: Area name; shifts which themes are talked about.
        positive_share: Probability that each theme sentence is positive.
        trend: Optional theme-id -> prevalence multiplier.

    Returns:
        The answer text (British English, may contain £, é and curly apostrophes).
    """
    roll = rng.random()
    if roll < 0.07:
        return SHORT_ANSWERS[int(rng.integers(len(SHORT_ANSWERS)))]
    n_themes = int(rng.choice([1, 1, 1, 2, 2, 3, 4, 5]))
    themes = rng.choice(
        len(THEME_IDS), size=n_themes, replace=False, p=_weights(respondent_type, site, trend)
    )
    parts = []
    for idx in themes:
        parts.append(
            _sentence(
                THEME_IDS[int(idx)], bool(rng.random() < positive_share), respondent_type, rng, site
            )
        )
    if rng.random() < 0.3:
        first = parts[0]
        if len(first) > 1 and first[1].islower() and not first.startswith(("I ", "I’")):
            first = first[0].lower() + first[1:]
        parts[0] = OPENERS[int(rng.integers(len(OPENERS)))] + " " + first
    if rng.random() < 0.14:
        topic = OFF_CODEBOOK[int(rng.integers(len(OFF_CODEBOOK)))]
        sentence = _fill(topic[int(rng.integers(len(topic)))], rng, {**FILLERS, "site": (site,)})
        parts.insert(int(rng.integers(len(parts) + 1)), sentence)
    text = " ".join(parts)
    # Some respondents write one long lower-case line; some press return between thoughts.
    if rng.random() < 0.08:
        text = text.lower().replace("’", "'")
    elif len(parts) > 2 and rng.random() < 0.2:
        text = "\n".join(parts)
    return text
