from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cls_text import schema as S
from cls_text.codebook.model import load_codebook
from cls_text.config import PipelineConfig
from cls_text.run import batching
from cls_text.run.pipeline import redact_wave, tag_wave
from cls_text.tag.select import build_rules

NAMES = ["Margaret Thompson", "David Wilson", "Sarah Jones", "Peter Brown"]


def _long(n_resp: int = 9, per: int = 3) -> pd.DataFrame:
    rows = []
    for r in range(n_resp):
        for q in range(per):
            name = NAMES[(r + q) % len(NAMES)]
            rows.append(
                {
                    S.QUOTE_ID: f"q{r:03d}{q}",
                    S.RESPONDENT_ID: f"R{r:03d}",
                    S.TEXT: f"{name} at the hub was really helpful, call 07700 900{r:03d}. "
                    f"Waiting times were long.",
                    S.QUESTION: f"Q{q}",
                    S.NON_SUBSTANTIVE: False,
                }
            )
    return pd.DataFrame(rows)


def test_split_never_cuts_a_respondent_and_concatenates_back():
    long = _long()
    parts = batching.split_batches(long, 4)
    assert len(parts) > 1
    assert pd.concat(parts).equals(long)
    seen: set[str] = set()
    for p in parts:
        ids = set(p[S.RESPONDENT_ID])
        assert not ids & seen
        seen |= ids


def test_split_falls_back_to_one_batch_when_respondent_not_contiguous():
    long = _long(4, 2)
    long = pd.concat([long, long.iloc[[0]]], ignore_index=True)  # R000 again at the end
    assert len(batching.split_batches(long, 2)) == 1


@pytest.mark.parametrize("bad", [0, -5])
def test_split_rejects_non_positive_batch_size(bad):
    with pytest.raises(ValueError, match="batch_size must be a positive"):
        batching.split_batches(_long(), bad)


@pytest.mark.parametrize("pseudonymise", [True, False])
def test_batched_redaction_equals_whole_wave(pseudonymise):
    cfg = PipelineConfig(redaction={"pseudonymise": pseudonymise})
    long = _long()
    whole, counts = redact_wave(long, cfg)
    parts = batching.split_batches(long, 5)
    assert len(parts) >= 3
    redacted = [batching.redact_batch(i, p, cfg) for i, p in enumerate(parts)]
    frames, merged_counts = batching.renumber_placeholders(list(reversed(redacted)))
    got = pd.concat(frames)
    assert got[S.TEXT].tolist() == whole[S.TEXT].tolist()
    assert merged_counts == counts
    if pseudonymise:
        # the fixture really exercises renumbering: numbers above the first batch's
        assert got[S.TEXT].str.contains(r"\[PHONE-9\]").any()


def test_literal_placeholder_text_is_detected():
    long = _long(2, 1)
    assert not batching.has_literal_placeholders(long)
    long.loc[0, S.TEXT] = "they called me [NAME-1] in the letter"
    assert batching.has_literal_placeholders(long)


def test_batched_tagging_equals_whole_wave():
    cb = load_codebook(None)
    tagger = build_rules(cb)
    info = {"kind": "rules", "name": "rules"}
    long = _long()
    long[S.SOURCE_FILE] = "f.csv"
    long[S.SOURCE_ROW] = np.arange(1, len(long) + 1)
    for col in S.LONG_COLUMNS:
        if col not in long:
            long[col] = "" if col not in (S.DUPLICATE_ANSWER,) else False
    whole = tag_wave(long, tagger, cb, info)
    parts = [batching.tag_batch(p, tagger, cb, info) for p in batching.split_batches(long, 7)]
    merged = batching.merge_tagged(parts, cb)
    pd.testing.assert_frame_equal(merged, whole)


def test_content_key_depends_on_content_not_identity():
    from cls_text.config import PipelineConfig

    a = _long(3, 2)
    b = _long(3, 2)
    cfg = PipelineConfig()
    key = batching.content_key("tag", a, cfg, {"name": "rules"}, object())
    assert key == batching.content_key("tag", b, PipelineConfig(), {"name": "rules"}, object())
    b.loc[0, S.TEXT] = "changed"
    assert key != batching.content_key("tag", b, cfg, {"name": "rules"}, object())
    assert key != batching.content_key("tag", a, PipelineConfig(tagger="rules"), {"name": "rules"})
    assert key != batching.content_key("tag", a, cfg, {"name": "zeroshot"}, object())
