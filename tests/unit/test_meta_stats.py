"""bench.meta.stats: coefficients against scipy, levels by hand, intervals and the paired test."""

from __future__ import annotations

import numpy as np
import pytest

from bench.meta import stats

scipy_stats = pytest.importorskip("scipy.stats")

REFERENCE = {
    "kendall_b": lambda a, b: scipy_stats.kendalltau(a, b, variant="b")[0],
    "kendall_c": lambda a, b: scipy_stats.kendalltau(a, b, variant="c")[0],
    "spearman": lambda a, b: scipy_stats.spearmanr(a, b)[0],
    "pearson": lambda a, b: scipy_stats.pearsonr(a, b)[0],
}


@pytest.mark.parametrize("coefficient", stats.COEFFICIENTS)
def test_coefficients_equal_scipy_with_and_without_ties(coefficient):
    rng = np.random.default_rng(0)
    for trial in range(100):
        n = int(rng.integers(3, 20))
        x = rng.integers(0, 4, n).astype(float)  # many ties
        y = rng.random(n) if trial % 2 else rng.integers(0, 3, n).astype(float)
        if np.std(x) == 0 or np.std(y) == 0:
            continue
        expected = REFERENCE[coefficient](x, y)
        assert stats.FUNCTIONS[coefficient](x, y) == pytest.approx(expected, abs=1e-12)
        # the vectorised per-column form used by the summary level agrees
        col = stats.column_correlations(np.c_[x, y], np.c_[y, x], coefficient)
        assert col[0] == pytest.approx(expected, abs=1e-12)


def test_levels_by_hand():
    metric = np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 3.0]])  # 3 systems x 2 inputs
    human = np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    # system means: metric 1.5, 1.5, 3 (a tie) vs human 1, 2, 3
    assert stats.correlate(metric, human, "system", "kendall_b") == pytest.approx(2 / np.sqrt(6))
    # per input: column 0 perfectly concordant (1.0); column 1: pairs (2,1)/(1,2) discordant,
    # the other two concordant -> 1/3; the mean is 2/3
    assert stats.correlate(metric, human, "summary", "kendall_b") == pytest.approx(2 / 3)
    x, y = metric.ravel(), human.ravel()
    assert stats.correlate(metric, human, "global", "pearson") == pytest.approx(
        np.corrcoef(x, y)[0, 1]
    )


def test_missing_cells_and_constant_inputs_are_left_out():
    metric = np.array([[1.0, 5.0, np.nan], [2.0, 5.0, 1.0], [3.0, 5.0, 2.0]])
    human = np.array([[1.0, 1.0, 1.0], [2.0, 2.0, 2.0], [3.0, 3.0, 3.0]])
    # input 1 is constant in the metric: undefined, left out; input 2 has two systems
    assert stats.defined_inputs(metric, human, "kendall_b") == 2
    assert stats.correlate(metric, human, "summary", "kendall_b") == pytest.approx(1.0)


def test_bootstrap_is_seeded_and_brackets_the_value():
    rng = np.random.default_rng(3)
    human = rng.random((8, 30))
    metric = human + rng.normal(0, 0.3, human.shape)
    a = stats.bootstrap(metric, human, "summary", "spearman", "both", 200, seed=5)
    b = stats.bootstrap(metric, human, "summary", "spearman", "both", 200, seed=5)
    assert a == b
    assert a.low <= a.value <= a.high and a.high - a.low > 0.01
    with pytest.raises(ValueError, match="unknown resampling"):
        stats.bootstrap(metric, human, "system", "pearson", "clusters", 10)


def test_the_permutation_test_separates_a_good_metric_from_noise():
    rng = np.random.default_rng(1)
    human = rng.random((10, 40))
    good = human + rng.normal(0, 0.1, human.shape)
    noise = rng.random(human.shape)
    better = stats.permutation_test(good, noise, human, "summary", "kendall_b", "both", 300)
    worse = stats.permutation_test(noise, good, human, "summary", "kendall_b", "both", 300)
    assert better.delta > 0.3 and better.p_value < 0.01
    assert worse.delta < 0 and worse.p_value > 0.9
