"""How well a consistency check agrees with human factuality labels.

The figures of the SummaC and AggreFact benchmarks (Laban et al., TACL 2022; Tang et al., ACL
2023) for a binary flag "has fact issues" against the label ``error`` / ``faithful``:
balanced accuracy (the mean of the recall on error rows and on faithful rows, 50 for chance
whatever the class balance), ROC-AUC of the continuous score (faithful rows should score
higher), recall per annotated error type and the false-alarm rate on faithful rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bench.agreement import balanced_accuracy, roc_auc
from bench.data.labels import LabelledSummary


@dataclass(frozen=True, slots=True)
class Rate:
    """``hits`` of ``n`` rows."""

    hits: int
    n: int

    @property
    def rate(self) -> float | None:
        """``hits / n`` (None when there are no rows)."""
        return self.hits / self.n if self.n else None


@dataclass(frozen=True, slots=True)
class Validity:
    """Agreement of a check with the labels of one group of rows."""

    n_faithful: int
    n_error: int
    balanced_accuracy: float | None
    roc_auc: float | None
    error_recall: Rate
    false_alarms: Rate
    recall_by_type: dict[str, Rate]


def validity(
    rows: Sequence[LabelledSummary], flagged: Sequence[bool], scores: Sequence[float]
) -> Validity:
    """Balanced accuracy of ``flagged``, ROC-AUC of ``scores``, recalls and false alarms."""
    if not len(rows) == len(flagged) == len(scores):
        raise ValueError(f"{len(rows)} rows, {len(flagged)} flags and {len(scores)} scores")
    errors = [f for r, f in zip(rows, flagged, strict=True) if r.is_error]
    faithful = [f for r, f in zip(rows, flagged, strict=True) if not r.is_error]
    recall = Rate(sum(errors), len(errors))
    alarms = Rate(sum(faithful), len(faithful))
    balanced = balanced_accuracy(flagged, [r.is_error for r in rows])
    by_type: dict[str, list[bool]] = {}
    for row, flag in zip(rows, flagged, strict=True):
        for kind in row.error_types if row.is_error else ():
            by_type.setdefault(kind, []).append(flag)
    auc = roc_auc(scores, [not r.is_error for r in rows])
    return Validity(
        n_faithful=len(faithful),
        n_error=len(errors),
        balanced_accuracy=None if balanced is None else 100 * balanced,
        roc_auc=None if auc is None else 100 * auc,
        error_recall=recall,
        false_alarms=alarms,
        recall_by_type={k: Rate(sum(v), len(v)) for k, v in sorted(by_type.items())},
    )
