from __future__ import annotations

import json
import socket

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from cls_text import schema as S
from cls_text.topics import (
    CANDIDATE_COLUMNS,
    OUTLIER,
    TOPIC_COLUMNS,
    AutoKMeans,
    TopicConfig,
    TopicModelError,
    candidate_themes,
    discover_topics,
    diverse_examples,
    load_topic_model,
    residual_mask,
    save_topic_model,
    stop_word_list,
)

VOCAB = [
    ["waiting", "list", "delay", "weeks", "months", "referral"],
    ["volunteer", "group", "cafe", "neighbours", "church", "hub"],
    ["paperwork", "forms", "panel", "process", "system", "admin"],
    ["transport", "bus", "lift", "travel", "rural", "distance"],
    ["loneliness", "isolated", "alone", "lonely", "company", "friendship"],
]


def make_docs(n: int, centers: int = 4, seed: int = 0) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Blobs in embedding space with matching words, so keywords can be checked too."""
    X, y = make_blobs(n_samples=n, centers=centers, n_features=16, random_state=seed)
    rng = np.random.default_rng(seed)
    texts = [" ".join(rng.choice(VOCAB[c], size=5)) for c in y]
    return texts, X.astype(np.float32), y


FAST = TopicConfig(reducer="pca")


@pytest.fixture(scope="module")
def small_wave():
    texts, X, y = make_docs(60)
    ids = [f"q{i:03d}" for i in range(60)]
    return texts, X, y, ids, discover_topics(texts, X, cfg=FAST, ids=ids)


# --- config --------------------------------------------------------------------------------


def test_config_rejects_unknown_key():
    with pytest.raises(ValidationError, match="min_topic_sise"):
        TopicConfig(min_topic_sise=5)


def test_config_min_docs_must_cover_min_topic_size():
    with pytest.raises(ValidationError, match="min_docs"):
        TopicConfig(min_docs=5, min_topic_size=10)


def test_stop_words_include_british_and_codebook_words_sorted():
    words = stop_word_list(["Locality", " "])
    assert {"whilst", "amongst", "the", "locality"} <= set(words)
    assert "" not in words and " " not in words
    assert words == sorted(words)


def test_auto_kmeans_chooses_the_number_of_blobs():
    X, y = make_blobs(n_samples=120, centers=4, n_features=5, random_state=1)
    km = AutoKMeans(min_size=10, k_max=10, random_state=0).fit(X)
    assert km.k_ == 4
    assert adjusted_rand_score(y, km.labels_) == 1.0
    assert np.array_equal(km.predict(X), km.labels_)


# --- discover_topics -----------------------------------------------------------------------


def test_small_wave_gives_several_topics_and_few_outliers(small_wave):
    texts, X, y, ids, res = small_wave
    assert not res.too_little_text and res.message == ""
    assert len(res.topics) > 1
    assert res.outlier_share < 0.2
    assert list(res.topics.columns) == list(TOPIC_COLUMNS)
    assert res.topics["size"].sum() == int((res.assignments != OUTLIER).sum())
    assert res.topics["size"].is_monotonic_decreasing
    assert adjusted_rand_score(y, res.assignments) > 0.9
    assert res.centroids.shape == (len(res.topics), X.shape[1])


def test_keywords_come_from_the_topic_vocabulary(small_wave):
    texts, X, y, ids, res = small_wave
    for row in res.topics.itertuples():
        members = np.flatnonzero(res.assignments == row.topic)
        majority = np.bincount(y[members]).argmax()
        first = row.keywords.split(", ")[0]
        assert set(first.split()) <= set(VOCAB[majority])
        assert set(row.representative_ids.split(";")) <= {ids[i] for i in members}


def test_to_frame_aligns_ids_and_topics(small_wave):
    texts, X, y, ids, res = small_wave
    frame = res.to_frame()
    assert frame[S.QUOTE_ID].tolist() == ids
    assert frame["topic"].tolist() == res.assignments.tolist()


def test_too_little_text_is_reported_not_raised():
    texts, X, _ = make_docs(5)
    res = discover_topics(texts, X, cfg=FAST)
    assert res.too_little_text
    assert "Too little text" in res.message and "5 non-blank" in res.message
    assert (res.assignments == OUTLIER).all() and res.topics.empty


def test_only_stop_words_is_too_little_text():
    _, X, _ = make_docs(40)
    res = discover_topics(["the and of it whilst"] * 40, X, cfg=FAST)
    assert res.too_little_text
    assert "stop words" in res.message


def test_blank_texts_stay_unassigned():
    texts, X, _ = make_docs(60)
    texts[3] = "   "
    res = discover_topics(texts, X, cfg=FAST)
    assert res.assignments[3] == OUTLIER
    assert res.params["n_usable"] == 59


def test_bad_inputs_raise():
    texts, X, _ = make_docs(30)
    with pytest.raises(ValueError, match="got str"):
        discover_topics("one text", X[:1], cfg=FAST)
    with pytest.raises(ValueError, match="one row per embedded text"):
        discover_topics(texts, X[:10], cfg=FAST)
    with pytest.raises(ValueError, match="unique"):
        discover_topics(texts, X, cfg=FAST, ids=["a"] * 30)


def test_hdbscan_path_reduces_outliers_below_20_percent():
    texts, X, y = make_docs(300, centers=3, seed=2)
    cfg = TopicConfig(reducer="pca", small_wave_max=0, min_topic_size=15)
    res = discover_topics(texts, X, cfg=cfg)
    assert res.params["clusterer"] == "HDBSCAN"
    assert len(res.topics) >= 2
    assert res.outlier_share < 0.2


def test_large_wave_fits_a_sample_and_assigns_the_rest():
    texts, X, y = make_docs(400, seed=3)
    cfg = TopicConfig(reducer="pca", max_fit_docs=100)
    res = discover_topics(texts, X, cfg=cfg)
    assert res.params["n_fit"] == 100
    assert (res.assignments != OUTLIER).all()
    assert adjusted_rand_score(y, res.assignments) > 0.9


@pytest.mark.slow
def test_same_inputs_and_seed_give_the_same_topics_with_umap():
    texts, X, _ = make_docs(150, seed=4)
    first = discover_topics(texts, X, cfg=TopicConfig(seed=7))
    second = discover_topics(texts, X, cfg=TopicConfig(seed=7))
    assert first.params["reducer"] == "UMAP"
    assert adjusted_rand_score(first.assignments, second.assignments) == 1.0
    assert first.topics["keywords"].tolist() == second.topics["keywords"].tolist()


# --- candidate themes ----------------------------------------------------------------------


def make_tagged(n_known: int = 40, n_new: int = 60) -> tuple[pd.DataFrame, np.ndarray, dict]:
    """Known themes sit on two blobs; the residual holds two new blobs (transport, loneliness)."""
    X, y = make_blobs(
        n_samples=n_known + n_new, centers=4, n_features=16, random_state=5, cluster_std=0.8
    )
    order = np.argsort(y, kind="stable")
    X, y = X[order], y[order]
    vocab = {0: VOCAB[0], 1: VOCAB[1], 2: VOCAB[3], 3: VOCAB[4]}
    rng = np.random.default_rng(0)
    texts = [" ".join(rng.choice(vocab[c], size=6)) for c in y]
    known = np.isin(y, [0, 1])
    df = pd.DataFrame(
        {
            S.QUOTE_ID: [f"q{i:03d}" for i in range(len(y))],
            S.RESPONDENT_TYPE: np.where(np.arange(len(y)) % 2, "staff", "community member"),
            S.SITE: np.where(np.arange(len(y)) % 3, "Northshire", ""),
            S.TEXT: texts,
            S.NON_SUBSTANTIVE: False,
            "access": (y == 0).astype(int),
            "access_score": np.where(y == 0, 0.9, 0.1),
            "community": (y == 1).astype(int),
            "community_score": np.where(y == 1, 0.9, 0.2),
        }
    )
    protos = {
        "access": X[y == 0].mean(axis=0),
        "community": X[y == 1].mean(axis=0),
    }
    assert known.sum() > 0
    return df, X.astype(np.float32), protos


def test_residual_mask_keeps_untagged_or_low_score_substantive_quotes():
    df = pd.DataFrame(
        {
            S.TEXT: ["a b c", "a b c", "", "a b c", "a b c"],
            S.NON_SUBSTANTIVE: [False, False, False, True, False],
            "access": [1, 0, 0, 0, 1],
            "access_score": [0.9, 0.1, 0.0, 0.0, 0.3],
        }
    )
    assert residual_mask(df, ["access"], threshold=0.5).tolist() == [
        False,
        True,
        False,
        False,
        True,
    ]


def test_candidate_themes_describe_the_residual_topics():
    df, X, protos = make_tagged()
    # Texts are random draws from each topic's words: coherent only by construction of the
    # topics, so the coherence bar is lowered here (test_candidate_thresholds covers it).
    cfg = TopicConfig(reducer="pca", min_docs=20, min_coherence=-1.0)
    cands = candidate_themes(df, X, protos, cfg=cfg)
    assert list(cands.columns) == list(CANDIDATE_COLUMNS)
    assert cands.attrs["n_residual"] == int((df["access"] + df["community"] == 0).sum())
    assert len(cands) >= 2
    residual_ids = set(df.loc[(df["access"] + df["community"]) == 0, S.QUOTE_ID])
    for row in cands.itertuples():
        ids = row.example_quote_ids.split(";")
        assert 3 <= len(ids) <= 5 and set(ids) <= residual_ids
        assert len(json.loads(row.example_texts)) == len(ids)
        assert row.nearest_theme in protos and -1.0 <= row.similarity <= 1.0
        assert sum(json.loads(row.by_respondent_type).values()) == pytest.approx(1.0, abs=0.01)
        assert "(unknown)" in json.loads(row.by_site)
    words = " ".join(cands["keywords"])
    assert "bus" in words or "transport" in words or "travel" in words
    assert "lonely" in words or "alone" in words or "isolated" in words


@pytest.mark.parametrize(
    "setting, kept",
    [({}, True), ({"min_coherence": 1.0}, False), ({"min_candidate_size": 99}, False)],
)
def test_candidate_thresholds(setting, kept):
    df, X, protos = make_tagged()
    cfg = TopicConfig(reducer="pca", min_docs=20, min_coherence=-1.0).model_copy(update=setting)
    cands = candidate_themes(df, X, protos, cfg=cfg)
    assert (len(cands) > 0) is kept
    for row in cands.itertuples():
        assert row.size >= cfg.min_candidate_size and row.coherence >= cfg.min_coherence
        assert len(row.example_quote_ids.split(";")) == 3  # three examples by default
        assert " " in row.label or "," not in row.label  # a phrase, never a keyword list


def test_candidate_themes_too_small_residual_says_so():
    df, X, protos = make_tagged(n_known=95, n_new=5)
    df["access"], df["access_score"] = 1, 0.9
    cands = candidate_themes(df, X, protos, cfg=FAST)
    assert cands.empty and list(cands.columns) == list(CANDIDATE_COLUMNS)
    assert cands.attrs["n_residual"] == 0
    assert "Too little text" in cands.attrs["message"]


def test_candidate_themes_rejects_misaligned_embeddings():
    df, X, protos = make_tagged()
    with pytest.raises(ValueError, match="one row per embedded tagged row"):
        candidate_themes(df, X[:5], protos, cfg=FAST)


def test_diverse_examples_skip_short_repeated_and_unsafe_quotes():
    texts = [
        "bus to the day centre stopped running",
        "bus to the day centre stopped running",
        "too short",
        "email me at someone@example.org about transport",
        "call 07700 900123 about the bus service please",
        "no lift to the hub since the rural route went",
        "travel costs too much from the villages now",
    ]
    emb = np.eye(len(texts), dtype=np.float32)
    centre = np.full(len(texts), 1 / np.sqrt(len(texts)), dtype=np.float32)
    picks = diverse_examples(texts, emb, centre, k=5)
    assert sorted(picks) == [0, 5, 6]


# --- persistence ---------------------------------------------------------------------------


def test_save_and_load_round_trip_without_network(small_wave, tmp_path, monkeypatch):
    texts, X, y, ids, res = small_wave
    out = save_topic_model(res.model, tmp_path / "topics", {"wave": "2026-W1"})
    assert (out / "bertopic" / "topic_embeddings.safetensors").is_file()
    assert not list((out / "bertopic").glob("*.pkl")) and not list(out.glob(".bertopic.*"))

    def no_network(*args, **kwargs):
        raise AssertionError("loading a topic model tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    model, card = load_topic_model(out)
    assert card["wave"] == "2026-W1" and card["serialization"] == "safetensors"
    assert card["n_topics"] == len(res.topics) and card["versions"]["bertopic"]
    for t in res.topics["topic"]:
        assert [w for w, _ in model.get_topic(t)] == [w for w, _ in res.model.get_topic(t)]


def test_load_refuses_incomplete_or_hub_backed_models(small_wave, tmp_path):
    with pytest.raises(TopicModelError, match="missing"):
        load_topic_model(tmp_path / "nothing")
    out = save_topic_model(small_wave[4].model, tmp_path / "m", {})
    cfg_file = out / "bertopic" / "config.json"
    config = json.loads(cfg_file.read_text())
    config["embedding_model"] = "sentence-transformers/all-MiniLM-L6-v2"
    cfg_file.write_text(json.dumps(config))
    with pytest.raises(TopicModelError, match="download"):
        load_topic_model(out)


def test_texts_without_embeddings_join_topics_by_ctfidf():
    texts, X, y = make_docs(200, seed=6)
    embedded = np.arange(0, 200, 2)  # half the texts embedded
    res = discover_topics(texts, X[embedded], cfg=FAST, embedded_index=embedded)
    assert res.params["n_embedded"] == 100 and res.params["n_by_ctfidf"] == 100
    assert res.outlier_share < 0.2
    assert adjusted_rand_score(y, res.assignments) > 0.9
    with pytest.raises(ValueError, match="positions"):
        discover_topics(texts, X[:2], cfg=FAST, embedded_index=[0, 500])


def test_candidate_themes_with_a_sample_of_embeddings():
    df, X, protos = make_tagged()
    embedded = np.arange(0, len(df), 2)
    cands = candidate_themes(
        df,
        X[embedded],
        protos,
        cfg=TopicConfig(reducer="pca", min_coherence=-1.0),
        embedded_index=embedded,
    )
    assert len(cands) >= 2
    embedded_ids = set(df[S.QUOTE_ID].iloc[embedded])
    for row in cands.itertuples():
        assert set(row.example_quote_ids.split(";")) <= embedded_ids
    assert cands["size"].sum() > len(
        embedded_ids & set(df.loc[df["access"] + df["community"] == 0, S.QUOTE_ID])
    )


# --- stop phrases, config errors, the wave step ------------------------------------------


def test_stop_phrases_are_removed_as_phrases_only():
    from cls_text.topics import stop_phrases
    from cls_text.topics.model import TextPreprocessor

    extra = ["council", "talking point", "adult social care", "community-led"]
    assert "talking" not in stop_word_list(extra) and "council" in stop_word_list(extra)
    pre = TextPreprocessor(stop_phrases(extra))
    out = pre(
        "The Talking  Point and [EMAIL] helped [NAME-3]; Adult Social Care was slow. Social care!"
    )
    assert "talking" not in out and "point" not in out and "email" not in out
    assert "name" not in out
    assert out.split()[-2:] == ["social", "care!"]
    assert "community-led" not in pre("a community-led hub")


def test_topic_config_errors_name_the_key():
    from cls_text.errors import ConfigError
    from cls_text.topics import topic_config

    assert topic_config({"seed": 3}).seed == 3
    with pytest.raises(ConfigError, match="min_topic_sise.*unknown key"):
        topic_config({"min_topic_sise": 4})


def test_embed_quotes_averages_sentence_vectors():
    from cls_text.tag.embeddings import HashingEmbedder
    from cls_text.topics import embed_quotes

    enc = HashingEmbedder(dim=32)
    out = embed_quotes(["Buses are rare. Taxis cost a lot.", "Lonely"], enc.encode)
    a, b = enc.encode(["Buses are rare.", "Taxis cost a lot."])
    mean = (a + b) / np.linalg.norm(a + b)
    assert out.shape == (2, 32)
    assert np.allclose(out[0], mean, atol=1e-6)
    assert np.allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-6)


def wave_frame(n: int) -> pd.DataFrame:
    df, _, _ = make_tagged(n_known=n // 2, n_new=n - n // 2)
    df[S.TEXT] = [t.capitalize() + ". " + t.split()[0] + " again." for t in df[S.TEXT]]
    return df


def test_wave_topics_writes_tables_and_model(tmp_path):
    from cls_text.codebook.model import load_codebook
    from cls_text.tag.embeddings import HashingEmbedder
    from cls_text.topics import wave_topics, write_topic_outputs

    cb = load_codebook()
    df = wave_frame(100)
    for t in cb.theme_ids():
        if t not in df.columns:
            df[t], df[S.score_col(t)] = 0, 0.0
    cfg = TopicConfig(reducer="pca", max_embed_docs=100)
    wt = wave_topics(df, cb, cfg=cfg, embedder=HashingEmbedder(dim=64))
    assert wt.params["n_substantive"] == 100 and wt.params["n_embedded"] == 100
    assert len(wt.topics.topics) >= 2 and wt.topics.outlier_share < 0.2
    assert set(wt.params["timings"]) == {"embed", "topics", "candidates"}
    paths = write_topic_outputs(wt, tmp_path, card={"wave": "w"})
    quote_topics = pd.read_csv(paths["quote_topics_csv"], encoding="utf-8-sig")
    assert quote_topics[S.QUOTE_ID].tolist() == df[S.QUOTE_ID].tolist()
    summary = json.loads(paths["topics_json"].read_text())
    assert summary["too_little_text"] is False
    assert (paths["model"] / "card.json").is_file()


def test_wave_topics_on_a_tiny_wave_says_too_little_text(tmp_path):
    from cls_text.codebook.model import load_codebook
    from cls_text.tag.embeddings import HashingEmbedder
    from cls_text.topics import wave_topics, write_topic_outputs

    df = wave_frame(8)
    wt = wave_topics(df, load_codebook(), cfg=FAST, embedder=HashingEmbedder(dim=16))
    assert wt.topics.too_little_text and wt.candidates.empty
    paths = write_topic_outputs(wt, tmp_path)
    assert "model" not in paths
    assert "Too little text" in json.loads(paths["topics_json"].read_text())["message"]


# --- the residual, phrases and coherence --------------------------------------------------------


def test_residual_sentences_leave_out_explained_sentences_and_filler():
    from cls_text.codebook.model import parse_codebook
    from cls_text.topics.residual import codebook_stop_words, residual_sentences

    cb = parse_codebook(
        {
            "id": "t",
            "name": "t",
            "version": "1.0.0",
            "themes": [{"id": "trust", "label": "Trust", "definition": "d", "terms": ["trust"]}],
        }
    )
    text = "We trust the team now.\nThe buses stop at six every evening. Thank you."
    ev = S.Evidence(
        term="trust", matched="trust", start=3, end=8, sentence="We trust the team now.",
        sent_start=0, sent_end=22, score=1.0, source="rules", negated=False,
    )  # fmt: skip
    df = pd.DataFrame(
        {
            S.QUOTE_ID: ["a", "b", "c"],
            S.TEXT: [text, "Nothing else to add.", "Rent went up again this spring for us."],
            S.NON_SUBSTANTIVE: [False, False, True],
            "trust": [1, 0, 0],
            "trust_evidence": [S.evidence_to_json([ev]), "", ""],
        }
    )
    units = residual_sentences(df, cb)
    assert units["sentence"].tolist() == ["The buses stop at six every evening."]
    assert units["unit_id"].tolist() == ["a#1"] and units[S.TEXT].tolist() == [text]
    assert "trust" in codebook_stop_words(cb) and "thanks" in codebook_stop_words(cb)


def test_residual_sentences_gather_spans_of_every_theme_per_row():
    """Spans of two themes, listed theme by theme, are matched to their rows (not their order)."""
    from cls_text.codebook.model import parse_codebook
    from cls_text.topics.residual import residual_sentences

    themes = [{"id": t, "label": t, "definition": "d", "terms": [t]} for t in ("aa", "bb")]
    cb = parse_codebook({"id": "t", "name": "t", "version": "1.0.0", "themes": themes})
    one = "Buses never come on time here. Rent keeps rising every single year. Shops shut at six."
    two = "Parks are lovely in the summer. Libraries closed down last year sadly."

    def ev(text: str, k: int) -> str:
        a = [0, *[i + 2 for i, c in enumerate(text) if c == "."]][k]
        b = text.index(".", a) + 1
        return S.evidence_to_json([S.Evidence(
            term="x", matched="x", start=a, end=a + 1, sentence=text[a:b], sent_start=a,
            sent_end=b, score=1.0, source="rules", negated=False,
        )])  # fmt: skip

    df = pd.DataFrame(
        {
            S.QUOTE_ID: ["q1", "q2"],
            S.TEXT: [one, two],
            "aa": [1, 1],
            "aa_evidence": [ev(one, 2), ev(two, 0)],
            "bb": [1, 0],
            "bb_evidence": [ev(one, 0), ""],
        }
    )
    units = residual_sentences(df, cb)
    assert units["unit_id"].tolist() == ["q1#1", "q2#1"]
    assert units["sentence"].tolist() == [
        "Rent keeps rising every single year.",
        "Libraries closed down last year sadly.",
    ]


def test_phrases_never_span_sentences():
    from cls_text.topics.model import PhraseAnalyzer

    analyse = PhraseAnalyzer(["the", "are", "in"], (1, 2))
    grams = analyse("People are stuck in unsuitable flats. Housing is the problem")
    assert "unsuitable flats" in grams and "flats housing" not in grams


def test_npmi_and_diversity():
    from cls_text.topics.coherence import npmi_coherence, topic_diversity

    docs = ["bus pass late", "bus pass again", "rent rise", "rent rise again", "late again"]
    together, apart = npmi_coherence([["bus", "pass"], ["bus", "rent"]], docs)
    assert together == pytest.approx(1.0) and apart == pytest.approx(-1.0)
    # a phrase formed by skipping a stop word counts as present
    assert npmi_coherence([["bus pass", "late"]], ["bus the pass late"], stop_words=["the"]) == [
        pytest.approx(1.0)
    ]
    assert topic_diversity([["bus", "pass"], ["bus", "rent"]]) == 0.75
    with pytest.raises(ValueError, match="got str"):
        npmi_coherence([["a", "b"]], "a b")


def test_phrase_labels_are_phrases():
    from cls_text.topics.discover import phrase_label

    assert phrase_label(["work", "feels", "managers"]) == "Work"
    assert (
        phrase_label(["bus", "bus pass", "pass late", "sunday buses"]) == "Bus pass · sunday buses"
    )


# --- keywords that co-occur ----------------------------------------------------------------------

#: A topic of short comments: each shares "staff" and "friendly", each adds its own rare phrase.
#: By specificity (c-TF-IDF, KeyBERT) the rare phrases rank first; they never share a comment.
STAFF_TOPIC = [
    "friendly staff, caring team on the ward",
    "staff were friendly and polite professional",
    "friendly staff, kind nurse at night",
    "the staff were friendly, quick discharge",
    "staff friendly, clean rooms everywhere",
]
OTHER_DOCS = ["parking was expensive", "long wait for parking", "car park full again"]


def test_topic_keywords_are_words_its_comments_share_not_rare_phrases():
    from cls_text.topics.coherence import npmi_coherence
    from cls_text.topics.keywords import coherent_keywords

    corpus = STAFF_TOPIC + OTHER_DOCS
    ranked = ["caring team", "polite professional", "kind nurse", "quick discharge"]
    ranked += ["clean rooms", "staff", "friendly", "ward"]
    chosen = coherent_keywords(ranked, STAFF_TOPIC, corpus, top_n=4, min_share=0.3)
    assert chosen == ["staff", "friendly"]  # the rare phrases are in one comment each
    before, after = npmi_coherence([ranked[:4], chosen], corpus)
    assert before == -1.0  # never together: what an NPMI of -0.52 on real comments came from
    assert after > 0.5


def test_discovered_topic_keywords_co_occur(small_wave):
    from cls_text.topics.coherence import npmi_coherence

    texts, X, y, ids, res = small_wave
    keywords = [k.split(", ") for k in res.topics["keywords"]]
    scores = npmi_coherence(keywords, texts)
    assert min(scores) > 0  # every topic's keywords meet in its documents more than by chance
    assert res.topics["coherence"].tolist() == pytest.approx(scores)


def _paired_phrase_docs(n_per_topic: int = 16) -> tuple[list[str], np.ndarray]:
    """Two topics; in each, every comment has the topic's words plus a phrase one other has."""
    X, y = make_blobs(n_samples=2 * n_per_topic, centers=2, n_features=8, random_state=0)
    shared = {0: "staff friendly", 1: "parking expensive"}
    rare = [f"{a} {b}" for a in ("amber", "basil", "cedar", "delta") for b in ("one", "two")]
    seen = {0: 0, 1: 0}
    texts = []
    for c in y:
        phrase = rare[(seen[c] // 2) % len(rare)] + (" north" if c else " south")
        seen[c] += 1
        texts.append(f"{shared[c]}. {phrase}")
    return texts, X.astype(np.float32)


def test_topic_keywords_on_rare_paired_phrases_still_co_occur():
    from cls_text.topics.coherence import npmi_coherence

    texts, X = _paired_phrase_docs()
    res = discover_topics(texts, X, cfg=TopicConfig(reducer="pca", min_docs=20))
    scores = npmi_coherence([k.split(", ") for k in res.topics["keywords"]], texts)
    assert len(scores) >= 2 and min(scores) > 0
