"""Rebuild the shipped stance model from the public NHS patient feedback release.

Trains
:class:`~cls_text.tag.stance.model.StanceModel` on the analysts' sentiment scores of the ``train``
rows of ``splits/realtext_random80-20_seed42.csv`` (1-2 -> "+", 3 -> "0", 4-5 -> "-"), reports
accuracy on the ``test`` rows (3-class, and 5-class from the same estimator fitted on the raw
scores), and saves the 3-class model as the next version of the packaged
``cls_text/tag/models/stance/``. The data is
never copied into the repository: only the fitted vocabulary and coefficients are.

    python models/rebuild_stance.py --data ../shared/data/nhs_patient_feedback
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cls_text.io.artifacts import save_model  # noqa: E402
from cls_text.io.writers import sha256_file  # noqa: E402
from cls_text.tag.stance.model import (  # noqa: E402
    DEFAULT_MODELS_DIR,
    STANCE_MODEL_NAME,
    StanceModel,
    sentiment_to_stance,
)

DATA_FILE = "v6framework_230831.csv"
SPLIT = "splits/realtext_random80-20_seed42.csv"


def load(data: Path) -> pd.DataFrame:
    """Return the NHS rows with a sentiment score, their split and 3-class stance."""
    df = pd.read_csv(data / DATA_FILE)
    df = df.merge(pd.read_csv(data / SPLIT), on="Comment ID", validate="one_to_one")
    df = df[df["Comment sentiment"].notna()].copy()
    df["text"] = df["FFT answer"].astype(str)
    df["question"] = df["FFT question"].fillna("").astype(str)
    df["score"] = df["Comment sentiment"].astype(int)
    df["stance"] = [sentiment_to_stance(s) for s in df["score"]]
    return df


def main(argv: list[str] | None = None) -> None:
    """Train, report test accuracy and save the next version of the stance model."""
    ap = argparse.ArgumentParser(description="Rebuild the shipped stance model")
    ap.add_argument(
        "--data", type=Path, default=ROOT / ".." / "shared" / "data" / "nhs_patient_feedback"
    )
    ap.add_argument("--models-dir", type=Path, default=DEFAULT_MODELS_DIR)
    ap.add_argument("--C", type=float, default=4.0)
    ap.add_argument("--dry-run", action="store_true", help="report accuracy, save nothing")
    args = ap.parse_args(argv)
    df = load(args.data)
    train, test = df[df["split"] == "train"], df[df["split"] == "test"]
    cols = ["text", "question"]
    model = StanceModel(C=args.C).fit(train[cols], train["stance"])
    acc3 = float(np.mean(model.predict(test[cols]) == test["stance"].to_numpy()))
    five = StanceModel(C=args.C).fit(train[cols], train["score"].astype(str))
    acc5 = float(np.mean(five.predict(test[cols]) == test["score"].astype(str).to_numpy()))
    majority3 = float(test["stance"].value_counts(normalize=True).iloc[0])
    report = {
        "test_accuracy_3class": round(acc3, 4),
        "test_accuracy_5class": round(acc5, 4),
        "test_majority_baseline_3class": round(majority3, 4),
        "n_train": len(train),
        "n_test": len(test),
    }
    print(json.dumps(report, indent=2))
    if args.dry_run:
        return
    vdir = save_model(
        model,
        args.models_dir,
        STANCE_MODEL_NAME,
        codebook=None,
        train_sha256=sha256_file(args.data / DATA_FILE),
        cv_metrics=None,
        params=model.get_params(),
        extra={
            "source": "NHS patient feedback, pxtextmining v6 public release "
            "(v6framework_230831.csv, MIT, Copyright (c) 2021 NHS England); train rows of " + SPLIT,
            "labels": "Comment sentiment 1-2 -> '+', 3 -> '0', 4-5 -> '-'",
            "evaluation": report,
            "rebuild": "python models/rebuild_stance.py --data ../shared/data/nhs_patient_feedback",
            "intended_use": "polarity of evidence sentences of tagged themes; a general signal, "
            "not trained on CLS data",
        },
    )
    print(f"saved {args.models_dir / STANCE_MODEL_NAME / vdir.name}")


if __name__ == "__main__":
    main()
