"""Turn any tagger's predictions into the tagged long table: tags, scores, stance, evidence.

Taggers differ (rules, zero-shot, supervised) but the table they produce is one shape (see
docs/architecture.md). Evidence always comes from the rules tagger where its terms matched,
because a term in a sentence is the easiest thing for a reader to check; where a learned
tagger tags a theme with no matching term, its own ``explain`` supplies the sentence.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from cls_text import schema as S
from cls_text.codebook.model import Codebook
from cls_text.ingest.text import has_flag
from cls_text.tag.rules import RulesTagger
from cls_text.tag.stance import StanceFn, make_stance


def tagger_input(df: pd.DataFrame) -> pd.DataFrame:
    """The X every tagger receives: text plus question (context for learned taggers)."""
    return df[[S.TEXT, S.QUESTION]].reset_index(drop=True)


def tag_frame(
    df: pd.DataFrame,
    tagger: object,
    codebook: Codebook,
    *,
    tagger_name: str,
    rules: RulesTagger | None = None,
    stance: StanceFn | None = None,
) -> pd.DataFrame:
    """Add theme columns to the long table.

    Non-substantive answers are kept with no themes, and so are answers flagged
    ``non_english`` unless the codebook sets ``tag_non_english`` (the shipped taggers are
    English-only); neither names a tagger. Theme columns follow codebook order.

    Args:
        df: The long table (after redaction: evidence quotes the text as given here).
        tagger: A fitted tagger (see docs/architecture.md) whose ``classes_`` are the codebook ids.
        codebook: The codebook; fixes column order.
        tagger_name: Recorded per row in the ``tagger`` column.
        rules: Rules tagger for evidence; ``tagger`` itself when it is one; else built.
        stance: ``f(sentences, questions, theme_ids) -> ["+", "-", "0", ...]``, one label per
            tag; None gives "0" for every tag.

    Returns:
        A new DataFrame: the input columns plus, per theme ``t``: ``t``, ``t_score``,
        ``t_stance``, ``t_evidence``; and ``themes``, ``tagger``.
    """
    ids = codebook.theme_ids()
    if list(getattr(tagger, "classes_", [])) != ids:
        raise ValueError(
            f"tagger classes {list(getattr(tagger, 'classes_', []))} do not match codebook "
            f"'{codebook.id}' themes {ids}"
        )
    out = df.reset_index(drop=True).copy()
    n, k = len(out), len(ids)
    tags = np.zeros((n, k), dtype=np.int64)
    scores = np.zeros((n, k), dtype=np.float64)
    evidence: list[dict[str, list[S.Evidence]]] = [{} for _ in range(n)]
    mask = _to_tag(out, codebook)
    idx = np.flatnonzero(mask)
    if len(idx):
        sub = tagger_input(out.iloc[idx])
        if rules is None:
            rules = evidence_rules(tagger, codebook)
        sub_scores, sub_tags, sub_evidence = _tag_rows(sub, tagger, rules, ids)
        scores[idx] = sub_scores
        tags[idx] = sub_tags
        for j, row in enumerate(idx):
            evidence[row] = sub_evidence[j]
    stances = _stances(out, tags, evidence, ids, stance)
    new_cols = _theme_columns(ids, tags, scores, stances, evidence)
    new_cols[S.TAGGER] = np.where(mask, tagger_name, "")
    return pd.concat([out, pd.DataFrame(new_cols, index=out.index)], axis=1)


def _to_tag(df: pd.DataFrame, codebook: Codebook) -> np.ndarray:
    """Rows a tagger sees: substantive, and in English unless the codebook tags every language."""
    mask = ~df[S.NON_SUBSTANTIVE].to_numpy(dtype=bool)
    if not codebook.tag_non_english:
        mask &= ~has_flag(df, S.NON_ENGLISH).to_numpy(dtype=bool)
    return mask


def evidence_rules(tagger: object, codebook: Codebook) -> RulesTagger:
    """The rules tagger whose evidence the table shows.

    The tagger itself when it is one; the default rules tagger of this codebook that a learned
    tagger already runs (``rules_``), so that its memo parses each chunk once; else a new one.
    """
    if isinstance(tagger, RulesTagger):
        return tagger
    own = getattr(tagger, "rules_", None)
    if isinstance(own, RulesTagger) and own.codebook_ == codebook and _is_default(own):
        return own
    return RulesTagger(codebook=codebook).fit()


def _is_default(rules: RulesTagger) -> bool:
    """Whether ``rules`` has the default parameters (its codebook aside)."""
    defaults = RulesTagger().get_params()
    return all(v == defaults[k] for k, v in rules.get_params().items() if k != "codebook")


def _tag_rows(
    sub: pd.DataFrame, tagger: object, rules: RulesTagger, ids: list[str]
) -> tuple[np.ndarray, np.ndarray, list[dict[str, list[S.Evidence]]]]:
    """Scores, tags and evidence of the rows to tag: rules evidence first, then the tagger's."""
    rule_ev = rules.explain(sub)
    if tagger is rules:
        sub_scores = rules.scores_from_evidence(rule_ev)
        sub_tags = rules.decide(rule_ev)
    else:
        sub_scores = np.asarray(tagger.predict_proba(sub), dtype=np.float64)  # type: ignore[attr-defined]
        sub_tags = np.asarray(tagger.predict(sub), dtype=np.int64)  # type: ignore[attr-defined]
    extra = _missing_evidence(tagger, sub, rule_ev, sub_tags, ids)
    evidence: list[dict[str, list[S.Evidence]]] = []
    for j in range(len(sub)):
        merged = {t: v for t, v in rule_ev[j].items() if sub_tags[j, ids.index(t)]}
        merged.update(extra.get(j, {}))
        evidence.append(merged)
    return sub_scores, sub_tags, evidence


def _theme_columns(
    ids: list[str],
    tags: np.ndarray,
    scores: np.ndarray,
    stances: np.ndarray,
    evidence: list[dict[str, list[S.Evidence]]],
) -> dict[str, object]:
    """The four columns per theme, in codebook order, then the ``themes`` summary column."""
    n = len(tags)
    new_cols: dict[str, object] = {}
    for c, theme_id in enumerate(ids):
        new_cols[theme_id] = tags[:, c]
        new_cols[S.score_col(theme_id)] = np.round(scores[:, c], 6)
        new_cols[S.stance_col(theme_id)] = stances[:, c]
        new_cols[S.evidence_col(theme_id)] = [
            S.evidence_to_json(evidence[i].get(theme_id, [])) if tags[i, c] else "[]"
            for i in range(n)
        ]
    new_cols[S.THEMES] = [
        S.THEME_SEP.join(ids[c] for c in np.flatnonzero(tags[i])) for i in range(n)
    ]
    return new_cols


def _missing_evidence(
    tagger: object,
    X: pd.DataFrame,
    rule_ev: list[dict[str, list[S.Evidence]]],
    tags: np.ndarray,
    ids: list[str],
) -> dict[int, dict[str, list[S.Evidence]]]:
    """Evidence from the tagger itself for tags that have no rules evidence."""
    need = [
        j
        for j in range(len(X))
        if any(tags[j, c] and ids[c] not in rule_ev[j] for c in range(len(ids)))
    ]
    if not need or not hasattr(tagger, "explain") or isinstance(tagger, RulesTagger):
        return {}
    if getattr(tagger, "remembers_last_batch", False):
        # It explains the whole chunk from the scores it already holds; asked for the rows
        # in need alone, it would miss that memo and score them all over again.
        every = tagger.explain(X)
        explained = [every[j] for j in need]
    else:
        explained = tagger.explain(X.iloc[need])
    out: dict[int, dict[str, list[S.Evidence]]] = {}
    for j, per_theme in zip(need, explained, strict=True):
        out[j] = {
            t: v for t, v in per_theme.items() if tags[j, ids.index(t)] and t not in rule_ev[j]
        }
    return out


def _stances(
    df: pd.DataFrame,
    tags: np.ndarray,
    evidence: Sequence[dict[str, list[S.Evidence]]],
    ids: list[str],
    stance: StanceFn | None,
) -> np.ndarray:
    """Stance per tag from the sentence that carries the evidence ("" where not tagged)."""
    out = np.full(tags.shape, "", dtype=object)
    rows, cols = np.nonzero(tags)
    if not len(rows):
        return out
    sentences: list[str] = []
    questions: list[str] = []
    themes: list[str] = []
    texts = df[S.TEXT].tolist()
    qs = df[S.QUESTION].tolist()
    pairs = list(zip(rows.tolist(), cols.tolist(), strict=True))
    for i, c in pairs:
        ev = evidence[i].get(ids[c], [])
        sentences.append(" ".join(dict.fromkeys(e.sentence for e in ev)) or texts[i])
        questions.append(qs[i])
        themes.append(ids[c])
    labels = stance(sentences, questions, themes) if stance is not None else ["0"] * len(sentences)
    for (r, c), label in zip(pairs, labels, strict=True):
        out[r, c] = label
    return out


def order_tagged(tagged: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """Fix row and column order so outputs are byte-identical across re-runs."""
    theme_cols = [
        c
        for t in codebook.theme_ids()
        for c in (t, S.score_col(t), S.stance_col(t), S.evidence_col(t))
    ]
    cols = [*S.LONG_COLUMNS, S.THEMES, S.TAGGER, *theme_cols]
    extra = [c for c in tagged.columns if c not in cols]
    out = tagged[cols + extra].sort_values([S.SOURCE_FILE, S.SOURCE_ROW, S.QUOTE_ID], kind="stable")
    out = out.reset_index(drop=True)
    out[S.SOURCE_ROW] = out[S.SOURCE_ROW].astype("int64")
    return out


def stance_for(codebook: Codebook, info: dict[str, object], tagger: object) -> StanceFn | None:
    """The stance function for a selected tagger: :func:`~cls_text.tag.stance.make_stance`.

    With the stance classifier that goes with the tagger (``stance_model`` in its info; none
    named: the default's), reading through the tagger's encoder when it is the classifier's.
    """
    name = info.get("stance_model")
    encoder = getattr(tagger, "embedder_", None)
    return make_stance(codebook, learned_model=str(name) if name else None, encoder=encoder)


def tag_table(
    long: pd.DataFrame, tagger: object, codebook: Codebook, info: dict[str, object]
) -> pd.DataFrame:
    """Tag a redacted long table (a chunk or a whole wave): tags, stance, evidence, fixed order.

    Row-wise: tagging chunks one by one gives the rows of tagging the wave at once.
    """
    stance = stance_for(codebook, info, tagger)
    tagged = tag_frame(long, tagger, codebook, tagger_name=str(info["name"]), stance=stance)
    return order_tagged(tagged, codebook)
