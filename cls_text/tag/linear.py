"""Linear scorers of the supervised tagger: one model per theme, or one ridge for all.

Kept apart from the tagger so that its fitting and cross-validation read as the steps they are;
the dual ridge helpers let every fold share one Gram matrix.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.svm import LinearSVC

#: Linear models the tagger can use.
ESTIMATORS = ("ridge", "svm", "logreg")


def make_linear(kind: str, C: float, random_state: int) -> Any:
    """One unfitted linear model of kind ``kind`` (one of :data:`ESTIMATORS`)."""
    if kind == "ridge":
        return Ridge(alpha=1.0 / C, random_state=random_state)
    if kind == "logreg":
        return LogisticRegression(
            C=C,
            class_weight="balanced",
            solver="liblinear",
            max_iter=1000,
            random_state=random_state,
        )
    if kind == "svm":
        return LinearSVC(C=C, class_weight="balanced", max_iter=5000, random_state=random_state)
    raise ValueError(f"estimator must be one of {ESTIMATORS}, got '{kind}'")


def fit_multi(kind: str, C: float, random_state: int, F: sp.csr_matrix, Y: np.ndarray) -> Any:
    """Fit scorers for every column of ``Y`` (n, m): one Ridge for all, or one model per column.

    Ridge solves all themes in one pass (about 0.5 s for 5,000 quotes x 50 themes); per-theme
    SVMs or logistic regressions cost 50x that, which matters with internal cross-validation.
    A column with a single class gets a constant score.
    """
    if kind == "ridge":
        return make_linear(kind, C, random_state).fit(F, 2.0 * Y - 1.0)
    models: list[Any] = []
    for j in range(Y.shape[1]):
        yj = Y[:, j]
        if yj.min() == yj.max():
            models.append(1.0 if yj[0] else -1.0)
        else:
            models.append(make_linear(kind, C, random_state).fit(F, yj))
    return models


def decide_multi(model: Any, F: sp.csr_matrix) -> np.ndarray:
    """Scores (n, m) of a model from :func:`fit_multi`."""
    if not isinstance(model, list):
        out = np.asarray(model.predict(F), dtype=np.float64)
        return out.reshape(F.shape[0], -1)
    cols = [
        np.full(F.shape[0], m, dtype=np.float64) if isinstance(m, float) else m.decision_function(F)
        for m in model
    ]
    return np.column_stack(cols) if cols else np.zeros((F.shape[0], 0))


def gram(F: sp.csr_matrix, n_dense: int) -> np.ndarray:
    """Return F @ F.T (+1 for an intercept feature) as a dense array.

    The trailing ``n_dense`` columns (embeddings, question type) are dense; multiplying them as
    dense arrays is ~3x faster than one sparse product over everything.
    """
    n_sparse = F.shape[1] - n_dense
    sparse_part = F[:, :n_sparse]
    K = np.asarray((sparse_part @ sparse_part.T).toarray(), dtype=np.float64)
    if n_dense:
        dense = F[:, n_sparse:].toarray().astype(np.float64)
        K += dense @ dense.T
    return K + 1.0


def solve_dual(K: np.ndarray, Y: np.ndarray, alpha: float) -> np.ndarray:
    """Dual ridge coefficients: (K + alpha I)^-1 (2Y - 1), for all themes at once."""
    A = K + alpha * np.eye(len(K))
    return np.asarray(scipy.linalg.solve(A, 2.0 * Y - 1.0, assume_a="pos"))
