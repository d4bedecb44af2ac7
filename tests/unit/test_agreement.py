"""ROC-AUC, balanced accuracy and the dev-split threshold (``bench.agreement``), by hand."""

from __future__ import annotations

import numpy as np
import pytest

from bench import agreement
from bench.agreement import roc_auc


@pytest.mark.parametrize(
    ("scores", "positive", "auc"),
    [
        ([0.9, 0.8, 0.1, 0.2], [True, True, False, False], 1.0),
        ([0.1, 0.2, 0.9, 0.8], [True, True, False, False], 0.0),
        ([0.5, 0.5, 0.5, 0.5], [True, False, True, False], 0.5),
        # positives 0.8, 0.4; negatives 0.6, 0.4: pairs won 1 + 0 + 1 + 0.5 of 4
        ([0.8, 0.4, 0.6, 0.4], [True, True, False, False], 0.625),
    ],
)
def test_roc_auc_by_hand(scores, positive, auc):
    assert roc_auc(scores, positive) == pytest.approx(auc)


def test_roc_auc_needs_both_classes():
    assert roc_auc([0.1, 0.2], [True, True]) is None


def test_auc_and_balanced_accuracy():
    scores = np.array([0.1, 0.4, 0.35, 0.8])
    positive = np.array([False, False, True, True])
    assert agreement.roc_auc(scores, positive) == pytest.approx(0.75)  # sklearn's value
    assert agreement.balanced_accuracy(scores >= 0.35, positive) == pytest.approx(0.75)
    # 0.35 and 0.8 both give 0.75; ties go to the lowest threshold
    assert agreement.best_threshold(scores, positive) == pytest.approx(0.35)
    assert agreement.best_threshold(np.array([0.1, 0.2, 0.7, 0.9]), positive) == pytest.approx(0.7)


def test_best_threshold_needs_both_classes_and_sizes_must_agree():
    assert agreement.best_threshold([0.2, 0.4], [True, True]) is None
    assert agreement.balanced_accuracy([True, False], [True, True]) is None
    with pytest.raises(ValueError, match="3 scores but 2 labels"):
        roc_auc([0.1, 0.2, 0.3], [True, False])
