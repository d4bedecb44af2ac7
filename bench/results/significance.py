"""Paired significance tests between two systems scored on the same units.

Units are clusters, or, with a single cluster, the references (each system's score against each
reference). Both tests are seeded and two-sided, and add one to numerator and denominator so
that a p-value is never 0 (Davison & Hinkley, 1997):

- paired bootstrap (Koehn, 2004; Berg-Kirkpatrick et al., 2012): resample units with
  replacement; the null distribution is the resampled mean difference shifted by the observed
  one, ``p = (1 + #{|d* - d| >= |d|}) / (1 + N)``;
- approximate randomization (Noreen, 1989; Riezler & Maxwell, 2005): swap the two systems'
  scores of each unit with probability 1/2, ``p = (1 + #{|d*| >= |d|}) / (1 + N)``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from bench.results.aggregate import blocks

TESTS = ("paired_bootstrap", "approximate_randomization")


def is_mean_of(value: float | None, unit_values: Sequence[float] | None) -> bool:
    """Whether a reported value is the mean of its per-unit values.

    A paired test over references (the units of a single cluster) tests the mean over
    references; it says nothing about a value combined by another rule (the best reference, a
    pooled count), so such a value must not get a significance mark.
    """
    if value is None or not unit_values:
        return False
    mean = sum(unit_values) / len(unit_values)
    return abs(mean - value) <= 1e-9 * max(1.0, abs(value))


@dataclass(frozen=True, slots=True)
class TestResult:
    """Outcome of one paired test of ``b`` against ``a`` (``delta = mean(b) - mean(a)``)."""

    test: str
    delta: float
    p_value: float
    n_units: int
    n_samples: int
    seed: int

    def significant(self, alpha: float = 0.05) -> bool:
        """Whether the difference is significant at level ``alpha``."""
        return self.p_value < alpha

    def as_dict(self) -> dict[str, float | int | str]:
        """JSON-ready form."""
        return {
            "test": self.test,
            "delta": self.delta,
            "p_value": self.p_value,
            "n_units": self.n_units,
            "n_samples": self.n_samples,
            "seed": self.seed,
        }


def _diffs(a: Sequence[float], b: Sequence[float]) -> np.ndarray:
    if len(a) != len(b):
        raise ValueError(f"paired tests need equal numbers of units, got {len(a)} and {len(b)}")
    if len(a) == 0:
        raise ValueError("paired tests need at least one unit")
    return np.asarray(b, dtype=np.float64) - np.asarray(a, dtype=np.float64)


def _test(
    name: str,
    a: Sequence[float],
    b: Sequence[float],
    n_samples: int,
    seed: int,
    null_means: Callable[[np.ndarray, np.random.Generator, int], np.ndarray],
) -> TestResult:
    """Two-sided test: how often a mean difference drawn under the null is as extreme."""
    d = _diffs(a, b)
    observed = float(d.mean())
    if n_samples < 1:
        raise ValueError(f"paired tests need at least one sample, got {n_samples}")
    rng = np.random.default_rng(seed)
    # A block of resamples at a time (the same random stream as one draw of all of them).
    means = np.concatenate([null_means(d, rng, k) for k in blocks(n_samples, len(d))])
    extreme = int(np.sum(np.abs(means) >= abs(observed) - 1e-12))
    p = (1 + extreme) / (1 + n_samples)
    return TestResult(name, observed, min(p, 1.0), len(d), n_samples, seed)


def paired_bootstrap(
    a: Sequence[float], b: Sequence[float], n_samples: int = 1000, seed: int = 0
) -> TestResult:
    """Two-sided paired bootstrap test of ``b`` against ``a``."""

    def shifted_resamples(d: np.ndarray, rng: np.random.Generator, n: int) -> np.ndarray:
        return d[rng.integers(0, len(d), size=(n, len(d)))].mean(axis=1) - d.mean()

    return _test("paired_bootstrap", a, b, n_samples, seed, shifted_resamples)


def approximate_randomization(
    a: Sequence[float], b: Sequence[float], n_samples: int = 1000, seed: int = 0
) -> TestResult:
    """Two-sided approximate randomization test of ``b`` against ``a``."""

    def sign_flips(d: np.ndarray, rng: np.random.Generator, n: int) -> np.ndarray:
        return ((rng.integers(0, 2, size=(n, len(d))) * 2 - 1) * d).mean(axis=1)

    return _test("approximate_randomization", a, b, n_samples, seed, sign_flips)


def paired_test(
    test: str, a: Sequence[float], b: Sequence[float], n_samples: int = 1000, seed: int = 0
) -> TestResult:
    """Run the named test (``paired_bootstrap`` or ``approximate_randomization``)."""
    if test == "paired_bootstrap":
        return paired_bootstrap(a, b, n_samples, seed)
    if test == "approximate_randomization":
        return approximate_randomization(a, b, n_samples, seed)
    raise ValueError(f"unknown test {test!r}; choose from {', '.join(TESTS)}")
