"""Agreement of a score or a flag with binary labels: ROC-AUC, balanced accuracy, dev threshold.

The one implementation behind ``bench-meta`` (metric scores against binary human judgements) and
``benchmarks/fact_validity.py`` (a consistency check against FRANK-style labels). Balanced
accuracy is the mean of the recall on positive and on negative rows (0.5 for chance whatever the
class balance); the area under the ROC curve is the Mann-Whitney probability that a positive row
scores above a negative one, ties counting one half. The threshold protocol is the one of the
SummaC and AggreFact benchmarks (Laban et al., TACL 2022; Tang et al., ACL 2023): one threshold
per dataset, chosen on its validation split, applied unchanged to its test split.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def ranks(x: np.ndarray) -> np.ndarray:
    """Ranks from 1, ties sharing their average rank."""
    x = np.asarray(x)
    order = np.argsort(x, kind="mergesort")
    sorted_x = x[order]
    out = np.empty(len(x))
    boundaries = np.flatnonzero(np.diff(sorted_x)) + 1
    starts = np.concatenate([[0], boundaries])
    ends = np.concatenate([boundaries, [len(x)]])
    for a, b in zip(starts, ends, strict=True):
        out[order[a:b]] = (a + b + 1) / 2.0
    return out


def _against_labels(
    values: Sequence[float] | Sequence[bool] | np.ndarray,
    positive: Sequence[bool] | np.ndarray,
    what: str,
    dtype: type,
) -> tuple[np.ndarray, np.ndarray]:
    """``values`` and ``positive`` as arrays of one length (a ValueError naming ``what`` if not)."""
    values = np.asarray(values, dtype=dtype)
    positive = np.asarray(positive, dtype=bool)
    if values.shape != positive.shape:
        raise ValueError(f"{len(values)} {what} but {len(positive)} labels")
    return values, positive


def roc_auc(
    scores: Sequence[float] | np.ndarray, positive: Sequence[bool] | np.ndarray
) -> float | None:
    """The area under the ROC curve of ``scores`` for ``positive`` rows (None: a class is empty)."""
    scores, positive = _against_labels(scores, positive, "scores", float)
    n_pos = int(positive.sum())
    n_neg = len(positive) - n_pos
    if n_pos == 0 or n_neg == 0:
        return None
    r = ranks(scores)
    return (float(r[positive].sum()) - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def balanced_accuracy(
    predicted: Sequence[bool] | np.ndarray, positive: Sequence[bool] | np.ndarray
) -> float | None:
    """The mean of the recall of positive rows and of negative rows; None when a class is empty."""
    predicted, positive = _against_labels(predicted, positive, "predictions", bool)
    if positive.all() or not positive.any():
        return None
    return float((predicted[positive].mean() + (~predicted[~positive]).mean()) / 2)


def best_threshold(
    scores: Sequence[float] | np.ndarray, positive: Sequence[bool] | np.ndarray
) -> float | None:
    """The threshold t whose ``score >= t`` predicts ``positive`` with the best balanced accuracy.

    Candidates are the distinct scores; on a tie the lowest wins. None when a class is empty.
    """
    scores, positive = _against_labels(scores, positive, "scores", float)
    best, best_t = -1.0, None
    for t in np.unique(scores):
        value = balanced_accuracy(scores >= t, positive)
        if value is None:
            return None
        if value > best:
            best, best_t = value, float(t)
    return best_t
