"""Paired significance tests."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from bench.results.significance import (
    approximate_randomization,
    paired_bootstrap,
    paired_test,
)


@pytest.mark.parametrize("test", ["paired_bootstrap", "approximate_randomization"])
def test_identical_systems_are_never_significant(test):
    a = [0.3, 0.5, 0.2, 0.4]
    result = paired_test(test, a, a, 500, seed=0)
    assert result.delta == 0.0 and result.p_value == 1.0 and not result.significant()


@pytest.mark.parametrize("test", ["paired_bootstrap", "approximate_randomization"])
def test_a_consistent_large_shift_is_significant(test):
    rng = np.random.default_rng(0)
    a = rng.uniform(0.2, 0.4, size=50)
    b = a + 0.1 + rng.normal(0, 0.01, size=50)
    result = paired_test(test, a, b, 1000, seed=1)
    assert result.delta == pytest.approx(float(np.mean(b - a)))
    assert result.p_value == pytest.approx(1 / 1001)
    assert result.significant(0.01)


@pytest.mark.parametrize("test", ["paired_bootstrap", "approximate_randomization"])
def test_tests_are_reproducible_with_a_seed(test):
    a, b = [0.1, 0.4, 0.3, 0.35, 0.2], [0.15, 0.38, 0.36, 0.3, 0.28]
    assert paired_test(test, a, b, 300, seed=4) == paired_test(test, a, b, 300, seed=4)


def test_approximate_randomization_converges_to_the_exact_permutation_p_value():
    a = [0.31, 0.42, 0.25, 0.50, 0.38, 0.29]
    b = [0.35, 0.40, 0.33, 0.55, 0.41, 0.30]
    d = np.subtract(b, a)
    observed = abs(d.mean())
    flips = list(itertools.product([-1, 1], repeat=len(d)))
    exact = sum(abs((np.array(s) * d).mean()) >= observed - 1e-12 for s in flips) / len(flips)
    approx = approximate_randomization(a, b, 20000, seed=0).p_value
    assert approx == pytest.approx(exact, abs=0.01)


def test_paired_bootstrap_of_a_noisy_small_difference_is_not_significant():
    rng = np.random.default_rng(3)
    a = rng.uniform(0, 1, size=30)
    b = a + rng.normal(0, 0.2, size=30)
    b = b - (b - a).mean() + 0.001
    assert paired_bootstrap(a, b, 1000, seed=0).p_value > 0.5


def test_bad_inputs_are_rejected():
    with pytest.raises(ValueError, match="equal numbers"):
        paired_bootstrap([0.1], [0.1, 0.2])
    with pytest.raises(ValueError, match="unknown test"):
        paired_test("t_test", [0.1], [0.2])
