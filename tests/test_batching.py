from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cls_text import batching
from cls_text import schema as S
from cls_text.codebook import load_codebook
from cls_text.config import PipelineConfig
from cls_text.pipeline import redact_wave, tag_wave
from cls_text.taggers import build_rules

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


def test_embed_to_memmap_streams_batches(tmp_path):
    calls: list[int] = []

    def encode(texts):
        calls.append(len(texts))
        return np.array([[len(t), 1.0, 2.0] for t in texts])

    texts = ["a", "bb", "ccc", "dddd", "eeeee"]
    mm = batching.embed_to_memmap(texts, encode, tmp_path / "e.f32", dim=3, batch_size=2)
    assert calls == [2, 2, 1]
    assert isinstance(mm, np.memmap) and mm.dtype == np.float32 and mm.shape == (5, 3)
    assert mm[:, 0].tolist() == [1, 2, 3, 4, 5]
    assert (tmp_path / "e.f32").stat().st_size == 5 * 3 * 4


def test_embed_to_memmap_rejects_wrong_shape(tmp_path):
    with pytest.raises(ValueError, match=r"rows 0\.\.1, expected \(2, 4\)"):
        batching.embed_to_memmap(["a", "b"], lambda t: np.zeros((2, 3)), tmp_path / "x", dim=4)


def test_iter_csv_chunks(tmp_path):
    p = tmp_path / "q.csv"
    pd.DataFrame({"id": range(25), "text": ["007"] * 25}).to_csv(p, index=False)
    chunks = list(batching.iter_csv_chunks(p, chunk_rows=10))
    assert [len(c) for c in chunks] == [10, 10, 5]
    assert chunks[0]["text"].iloc[0] == "007"  # kept as text
    with pytest.raises(ValueError, match="chunk_rows"):
        next(batching.iter_csv_chunks(p, chunk_rows=0))


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
