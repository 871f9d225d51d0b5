"""Speed of the shipped stance alone (default codebook: cues, polarity model, learned classifier).

Times :func:`cls_text.tag.stance.make_stance` on distinct public NHS patient comments (read from
``../shared/data/nhs_patient_feedback``, never copied), one theme per answer, cycling through the
default codebook's themes; the first call (loading the models) is timed apart.

``--with-tagger`` also times the tag step's work on the same answers: the shipped default
tagger's predictions, the rules tagger's evidence sentences and the stance of every tag (read
from its evidence sentence, as ``cls_text.tag.frame`` does), after one warm-up call.

Usage:
    python benchmarks/stance_speed.py --out results.json [--shared ../shared] [--n 2000]
        [--with-tagger]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import numpy as np  # noqa: E402
from cls_real import speed_texts  # noqa: E402


def tagger_with_stance(book: object, texts: list[str], stance: object) -> dict[str, object]:
    """Seconds and answers/s of default tagger + evidence + stance of every tag."""
    from cls_text.tag.default import load_default_tagger
    from cls_text.tag.frame import evidence_rules

    tagger = load_default_tagger()
    rules = evidence_rules(tagger, book)  # the tagger's own rules: each text parsed once
    ids = book.theme_ids()  # type: ignore[attr-defined]

    def step(batch: list[str]) -> int:
        tags, evidence = tagger.predict(batch), rules.explain(batch)
        rows, cols = np.nonzero(tags)
        sents = [" ".join(dict.fromkeys(e.sentence for e in evidence[r].get(ids[c], [])))
                 or batch[r] for r, c in zip(rows, cols, strict=True)]  # fmt: skip
        stance(sents, [""] * len(sents), [ids[c] for c in cols])  # type: ignore[operator]
        return len(sents)

    step(texts[:20])
    t0 = time.perf_counter()
    n_tags = step(texts)
    dt = time.perf_counter() - t0
    return {"answers": len(texts), "tags": n_tags, "seconds": round(dt, 3),
            "answers_per_s": round(len(texts) / dt)}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Time stance on ``--n`` answers and write the JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("results.json"))
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--with-tagger", action="store_true", help="also time tagger + stance")
    args = ap.parse_args(argv)
    if not (args.shared / "data" / "nhs_patient_feedback").is_dir():
        print(f"NHS comments not found under '{args.shared}' (pass --shared)", file=sys.stderr)
        return 0
    from cls_text.codebook import load_codebook
    from cls_text.tag.stance import make_stance

    book = load_codebook()
    ids = book.theme_ids()
    texts = speed_texts(args.shared, args.n)
    themes = [ids[i % len(ids)] for i in range(len(texts))]
    t0 = time.perf_counter()
    stance = make_stance(book)
    assert stance is not None
    stance(texts[:5], [""] * 5, themes[:5])
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    labels = stance(texts, [""] * len(texts), themes)
    dt = time.perf_counter() - t0
    res = {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
           "machine": f"{os.cpu_count()} vCPU", "load_average": list(os.getloadavg()),
           "answers": len(texts), "first_call_s": round(load_s, 2), "seconds": round(dt, 3),
           "answers_per_s": round(len(texts) / dt),
           "labels": {v: labels.count(v) for v in sorted(set(labels))}}  # fmt: skip
    if args.with_tagger:
        res["tagger_with_stance"] = tagger_with_stance(book, texts, stance)
    args.out.write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
