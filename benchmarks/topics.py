"""Topic quality benchmark: the project's topics vs BERTopic's defaults on the same texts.

For each corpus it fits (1) the project's topic model (explicit seeded sub-models, stop words
with survey filler and codebook terms, phrases within a sentence, KeyBERTInspired + MMR
keywords) and (2) ``BERTopic()`` with its defaults, given only the local embedder (nothing may
be downloaded) and a seeded UMAP so reruns agree. Both get the same documents and the same
embeddings, and are scored on those documents with NPMI coherence of each topic's top 10
keywords (mean over topics, and weighted by topic size) and topic diversity (distinct share of
all top-10 words). UMAP's numba code is compiled, and BERTopic imported, before either model is
timed, so ``fit_s`` holds no one-off cost of whichever model runs first.

Corpora:
  * ``nhs``: a seeded sample of the NHS patient comments (``--nhs``, the pxtextmining data);
  * ``<wave>-residual``: the sentences of a tagged sample wave that no theme explains (what the
    wave's emergent topics are fitted on), for each ``--tagged`` table;
  * ``<wave>-answers`` (defaults only, for reference): every substantive answer of the wave,
    which is what the topics step fitted before it used the residual.

    cls-text demo   # tags the two sample waves
    python benchmarks/topics.py --tagged data/processed/2026-W1/tagged.parquet \
        data/processed/2026-W2/tagged.parquet --nhs ../shared/data/nhs_patient_feedback --out t.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cls_text import schema as S  # noqa: E402
from cls_text.codebook import load_codebook  # noqa: E402
from cls_text.topics import TopicConfig, discover_topics  # noqa: E402
from cls_text.topics.coherence import npmi_coherence, topic_diversity  # noqa: E402
from cls_text.topics.config import stop_word_list  # noqa: E402
from cls_text.topics.model import import_bertopic, make_backend, quiet_bertopic  # noqa: E402
from cls_text.topics.residual import codebook_stop_words, residual_sentences  # noqa: E402


def _content(keywords: list[list[str]]) -> list[list[str]]:
    """Each topic's keywords without English stop words ("the", "was"): what it is about."""
    return [
        [k for k in ks if any(w not in ENGLISH_STOP_WORDS for w in k.split())] for ks in keywords
    ]


def _score(keywords: list[list[str]], sizes: list[int], docs: list[str], stop: list[str]) -> dict:
    content = npmi_coherence(_content(keywords), docs, stop_words=stop)
    ok_c = [v for v in content if not np.isnan(v)]
    npmi = npmi_coherence(keywords, docs, stop_words=stop)
    ok = [(v, s) for v, s in zip(npmi, sizes, strict=True) if not np.isnan(v)]
    return {
        "n_topics": len(keywords),
        "npmi_mean": round(float(np.mean([v for v, _ in ok])), 4) if ok else None,
        "npmi_weighted": (
            round(float(np.average([v for v, _ in ok], weights=[s for _, s in ok])), 4)
            if ok
            else None
        ),
        "npmi_content_mean": round(float(np.mean(ok_c)), 4) if ok_c else None,
        "stop_word_share": round(
            1 - sum(map(len, _content(keywords))) / max(sum(map(len, keywords)), 1), 4
        ),
        "diversity": round(topic_diversity(keywords), 4) if keywords else None,
        "keywords_per_topic": round(float(np.mean([len(k[:10]) for k in keywords])), 2)
        if keywords
        else None,
        "top_topics": [", ".join(k[:5]) for k in keywords[:5]],
    }


def run_ours(docs: list[str], emb: np.ndarray, stop: list[str], embedder: object) -> dict:
    t0 = time.perf_counter()
    res = discover_topics(docs, emb, cfg=TopicConfig(), stop_words=stop, embedding_model=embedder)
    seconds = time.perf_counter() - t0
    table = res.topics
    keywords = [k.split(", ") for k in table["keywords"]] if not table.empty else []
    out = _score(keywords, table["size"].tolist(), docs, stop_word_list(stop))
    out |= {
        "fit_s": round(seconds, 1),
        "outlier_share": round(res.outlier_share, 4),
        "labels": table["label"].head(5).tolist(),
    }
    return out


def run_defaults(docs: list[str], emb: np.ndarray, embedder: object) -> dict:
    from bertopic import BERTopic
    from umap import UMAP

    # BERTopic's own UMAP settings, plus a seed: unseeded runs differ from one to the next.
    umap = UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=0)
    model = BERTopic(embedding_model=make_backend(embedder), umap_model=umap)
    t0 = time.perf_counter()
    with quiet_bertopic():
        topics, _ = model.fit_transform(docs, embeddings=emb)
    seconds = time.perf_counter() - t0
    ids = sorted({t for t in topics if t != -1})
    keywords = [[w for w, _ in model.get_topic(t)][:10] for t in ids]
    sizes = [int(np.sum(np.asarray(topics) == t)) for t in ids]
    out = _score(keywords, sizes, docs, [])
    out |= {
        "fit_s": round(seconds, 1),
        "outlier_share": round(float(np.mean(np.asarray(topics) == -1)), 4),
    }
    return out


def warm_up_umap() -> float:
    """Compile UMAP's numba code once, before either model is timed; return the seconds.

    The first UMAP fit in a process compiles its numba functions (10 s idle, over 100 s on a
    busy machine). Whichever model ran first used to pay it: ours, 180 s against 13 s on the
    NHS comments. Both metrics the two models use are compiled here, and ``bertopic`` (5-8 s to
    import) is imported, so neither model's ``fit_s`` holds a one-off cost.
    """
    from umap import UMAP

    t0 = time.perf_counter()
    import_bertopic()
    x = np.random.default_rng(0).normal(size=(300, 8)).astype(np.float32)
    for metric in ("cosine", "euclidean"):
        UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric=metric, random_state=0).fit(x)
    return round(time.perf_counter() - t0, 1)


def nhs_docs(folder: Path, n: int) -> list[str]:
    df = pd.read_csv(folder / "v6framework_230831.csv", usecols=["FFT answer"])
    texts = df["FFT answer"].dropna().astype(str)
    texts = texts[texts.str.split().str.len() >= 4].drop_duplicates()
    return texts.sample(n=min(n, len(texts)), random_state=0).tolist()


def wave_corpora(path: Path, codebook: object) -> tuple[str, list[str], list[str], list[str]]:
    tagged = pd.read_parquet(path)
    wave = str(tagged[S.WAVE].iloc[0]) if S.WAVE in tagged.columns else path.parent.name
    units = residual_sentences(tagged, codebook)
    sub = tagged.loc[~tagged[S.NON_SUBSTANTIVE].fillna(False).astype(bool)]
    answers = [t for t in sub[S.TEXT].fillna("").astype(str) if t.strip()]
    sites = sorted({str(s) for s in tagged.get(S.SITE, pd.Series(dtype=str)).dropna()})
    stop = codebook_stop_words(codebook, sites + [w for s in sites for w in s.split()])
    return wave, units["sentence"].tolist(), answers, stop


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tagged", type=Path, nargs="*", default=[])
    ap.add_argument("--nhs", type=Path, default=None)
    ap.add_argument("--nhs-n", type=int, default=2000)
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/topics.json"))
    args = ap.parse_args()

    from cls_text.tag.embeddings import Embedder

    embedder = Embedder()
    codebook = load_codebook()
    results: dict[str, dict] = {"umap_warm_up_s": {"seconds": warm_up_umap()}}

    def both(name: str, docs: list[str], stop: list[str]) -> None:
        emb = np.asarray(embedder.encode(docs), dtype=np.float32)
        results[name] = {
            "n_docs": len(docs),
            "ours": run_ours(docs, emb, stop, embedder),
            "bertopic_defaults": run_defaults(docs, emb, embedder),
        }
        if name == "nhs":  # keywords of real comments stay out of the results file
            for kind in ("ours", "bertopic_defaults"):
                results[name][kind].pop("top_topics", None)
                results[name][kind].pop("labels", None)
        print(json.dumps({name: results[name]}, indent=1), flush=True)

    if args.nhs is not None:
        both("nhs", nhs_docs(args.nhs, args.nhs_n), [])
    for path in args.tagged:
        wave, sentences, answers, stop = wave_corpora(path, codebook)
        both(f"{wave}-residual", sentences, stop)
        emb = np.asarray(embedder.encode(answers), dtype=np.float32)
        results[f"{wave}-answers"] = {
            "n_docs": len(answers),
            "bertopic_defaults": run_defaults(answers, emb, embedder),
        }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
