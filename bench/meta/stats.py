"""Correlation of metric scores with human judgements, with intervals and a paired test.

Scores are matrices of systems x inputs (``NaN`` where a system has no summary of an input).
Three levels, as in Deutsch, Dror and Roth ("A Statistical Analysis of Summarization Evaluation
Metrics Using Resampling Methods", TACL 2021):

- ``system``: the correlation of the per-system means (over the inputs each system has);
- ``summary``: per input, the correlation across systems, then the mean over inputs (inputs
  where it is undefined, e.g. a constant column, are left out and counted);
- ``global``: the correlation over all (system, input) pairs.

Coefficients: Kendall's tau-b and tau-c (Stuart's), Spearman's rho (Pearson on average ranks)
and Pearson's r. Intervals: the percentile bootstrap resampling systems, inputs or both (the
paper's BOOT-SYSTEMS / BOOT-INPUTS / BOOT-BOTH). The paired test of two metrics is the
paper's permutation test: under the null hypothesis that both correlate equally with people,
their (standardised) scores are exchangeable, so each cell (or each system's row, or each
input's column) swaps the two metrics' scores with probability 1/2.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bench.agreement import ranks

COEFFICIENTS = ("kendall_b", "kendall_c", "spearman", "pearson")
LEVELS = ("system", "summary", "global")
RESAMPLING = ("systems", "inputs", "both")


def _pairs(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float, float]:
    """Concordant minus discordant pairs, pairs untied in x, untied in y, and all pairs."""
    dx = np.sign(x[:, None] - x[None, :])
    dy = np.sign(y[:, None] - y[None, :])
    upper = np.triu_indices(len(x), k=1)
    dx, dy = dx[upper], dy[upper]
    return float(np.sum(dx * dy)), float(np.sum(dx != 0)), float(np.sum(dy != 0)), len(dx)


def kendall_b(x: np.ndarray, y: np.ndarray) -> float:
    """Kendall's tau-b: (C - D) / sqrt((n0 - n1)(n0 - n2)); NaN when either side is constant."""
    s, untied_x, untied_y, _ = _pairs(x, y)
    if untied_x == 0 or untied_y == 0:
        return float("nan")
    return s / float(np.sqrt(untied_x * untied_y))


def kendall_c(x: np.ndarray, y: np.ndarray) -> float:
    """Stuart's tau-c: 2 (C - D) / (n^2 (m - 1) / m), m the fewer distinct values of x and y."""
    n = len(x)
    m = min(len(np.unique(x)), len(np.unique(y)))
    if n < 2 or m < 2:
        return float("nan")
    s = _pairs(x, y)[0]
    return 2.0 * s / (n * n * (m - 1) / m)


def pearson(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson's r; NaN when either side is constant."""
    x = x - x.mean()
    y = y - y.mean()
    denominator = float(np.sqrt(np.dot(x, x) * np.dot(y, y)))
    return float(np.dot(x, y)) / denominator if denominator > 0 else float("nan")


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rho: Pearson's r of the average ranks."""
    return pearson(ranks(x), ranks(y))


FUNCTIONS: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {
    "kendall_b": kendall_b,
    "kendall_c": kendall_c,
    "spearman": spearman,
    "pearson": pearson,
}


def _both(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    keep = ~(np.isnan(x) | np.isnan(y))
    return x[keep], y[keep]


def correlate(metric: np.ndarray, human: np.ndarray, level: str, coefficient: str) -> float:
    """The correlation of two systems x inputs matrices at one level (module docstring)."""
    fn = FUNCTIONS[coefficient]
    if level == "system":
        with np.errstate(all="ignore"):
            x, y = _both(np.nanmean(metric, axis=1), np.nanmean(human, axis=1))
        return fn(x, y) if len(x) >= 2 else float("nan")
    if level == "global":
        x, y = _both(metric.ravel(), human.ravel())
        return fn(x, y) if len(x) >= 2 else float("nan")
    if level == "summary":
        values = column_correlations(metric, human, coefficient)
        values = values[~np.isnan(values)]
        return float(values.mean()) if len(values) else float("nan")
    raise ValueError(f"unknown level {level!r}; choose from {', '.join(LEVELS)}")


def defined_inputs(metric: np.ndarray, human: np.ndarray, coefficient: str) -> int:
    """How many inputs enter the summary level (their correlation is defined)."""
    return int(np.sum(~np.isnan(column_correlations(metric, human, coefficient))))


def _column_ranks(x: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Average ranks within each column over its valid cells (NaN elsewhere)."""
    a, b = x[:, None, :], x[None, :, :]
    both = valid[:, None, :] & valid[None, :, :]
    below = np.sum((b < a) & both, axis=1)
    equal = np.sum((b == a) & both, axis=1)
    return np.where(valid, below + (equal + 1) / 2.0, np.nan)


def column_correlations(metric: np.ndarray, human: np.ndarray, coefficient: str) -> np.ndarray:
    """Per input (column), the correlation across systems over the cells both sides have.

    Vectorised over columns: the summary level and its bootstrap call this thousands of times.
    NaN for a column with fewer than two such cells or a constant side.
    """
    valid = ~(np.isnan(metric) | np.isnan(human))
    x = np.where(valid, metric, 0.0)
    y = np.where(valid, human, 0.0)
    n = valid.sum(axis=0).astype(float)
    with np.errstate(all="ignore"):
        if coefficient in ("pearson", "spearman"):
            if coefficient == "spearman":
                x = np.nan_to_num(_column_ranks(x, valid))
                y = np.nan_to_num(_column_ranks(y, valid))
            mx = np.where(valid, x - x.sum(axis=0) / n, 0.0)
            my = np.where(valid, y - y.sum(axis=0) / n, 0.0)
            den = np.sqrt((mx * mx).sum(axis=0) * (my * my).sum(axis=0))
            out = np.where(den > 0, (mx * my).sum(axis=0) / np.where(den > 0, den, 1.0), np.nan)
        elif coefficient in ("kendall_b", "kendall_c"):
            pair = valid[:, None, :] & valid[None, :, :]
            upper = np.triu(np.ones((len(x), len(x)), dtype=bool), k=1)[:, :, None] & pair
            dx = np.sign(x[:, None, :] - x[None, :, :]) * upper
            dy = np.sign(y[:, None, :] - y[None, :, :]) * upper
            s = (dx * dy).sum(axis=(0, 1))
            if coefficient == "kendall_b":
                den = np.sqrt((dx != 0).sum(axis=(0, 1)) * (dy != 0).sum(axis=(0, 1)))
                out = np.where(den > 0, s / np.where(den > 0, den, 1.0), np.nan)
            else:
                m = np.array([
                    min(len(np.unique(x[valid[:, j], j])), len(np.unique(y[valid[:, j], j])))
                    for j in range(x.shape[1])
                ], dtype=float)  # fmt: skip
                den = n * n * (m - 1) / np.where(m > 0, m, 1.0)
                out = np.where((m >= 2) & (den > 0), 2.0 * s / np.where(den > 0, den, 1.0), np.nan)
        else:
            raise ValueError(
                f"unknown coefficient {coefficient!r}; choose from {', '.join(COEFFICIENTS)}"
            )
    return np.where(n >= 2, out, np.nan)


def _check_resampling(resample: str) -> None:
    if resample not in RESAMPLING:
        raise ValueError(f"unknown resampling {resample!r}; choose from {', '.join(RESAMPLING)}")


def _resample(rng: np.random.Generator, shape: tuple[int, int], how: str) -> tuple[np.ndarray, ...]:
    rows = (
        rng.integers(0, shape[0], shape[0]) if how in ("systems", "both") else np.arange(shape[0])
    )
    cols = rng.integers(0, shape[1], shape[1]) if how in ("inputs", "both") else np.arange(shape[1])
    return rows, cols


@dataclass(frozen=True, slots=True)
class Estimate:
    """A correlation with its percentile bootstrap interval."""

    value: float
    low: float
    high: float
    method: str

    def as_dict(self) -> dict[str, float | str]:
        """The JSON form."""
        return {"value": self.value, "low": self.low, "high": self.high, "method": self.method}


def bootstrap(
    metric: np.ndarray,
    human: np.ndarray,
    level: str,
    coefficient: str,
    resample: str = "both",
    n_samples: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
) -> Estimate:
    """The correlation and its percentile interval, resampling systems, inputs or both."""
    _check_resampling(resample)
    value = correlate(metric, human, level, coefficient)
    rng = np.random.default_rng(seed)
    samples = []
    for _ in range(n_samples):
        rows, cols = _resample(rng, metric.shape, resample)
        sample = correlate(metric[np.ix_(rows, cols)], human[np.ix_(rows, cols)], level,
                           coefficient)  # fmt: skip
        if not np.isnan(sample):
            samples.append(sample)
    if not samples:
        return Estimate(value, float("nan"), float("nan"), f"bootstrap {resample}")
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(samples, [tail, 100 - tail])
    method = f"percentile bootstrap over {resample} (n={n_samples}, seed={seed})"
    return Estimate(value, float(low), float(high), method)


def standardise(matrix: np.ndarray) -> np.ndarray:
    """Scores minus their mean over all cells, divided by their standard deviation."""
    sd = float(np.nanstd(matrix))
    return (matrix - np.nanmean(matrix)) / (sd if sd > 0 else 1.0)


@dataclass(frozen=True, slots=True)
class PairedTest:
    """Whether metric A correlates better with people than metric B (one-sided)."""

    delta: float  # corr(A) - corr(B)
    p_value: float
    method: str

    def as_dict(self) -> dict[str, float | str]:
        """The JSON form."""
        return {"delta": self.delta, "p_value": self.p_value, "method": self.method}


def permutation_test(
    a: np.ndarray,
    b: np.ndarray,
    human: np.ndarray,
    level: str,
    coefficient: str,
    resample: str = "both",
    n_samples: int = 1000,
    seed: int = 0,
) -> PairedTest:
    """Deutsch et al.'s permutation test of H0: corr(A, human) <= corr(B, human).

    Both metrics are standardised first so that their scores are exchangeable; ``resample``
    swaps per cell (``both``), per system (``systems``) or per input (``inputs``). The p-value
    counts the permuted differences at least as large as the observed one (plus one).
    """
    _check_resampling(resample)
    a, b = standardise(a), standardise(b)
    observed = correlate(a, human, level, coefficient) - correlate(b, human, level, coefficient)
    rng = np.random.default_rng(seed)
    at_least = 0
    for _ in range(n_samples):
        if resample == "both":
            swap = rng.random(a.shape) < 0.5
        elif resample == "systems":
            swap = np.repeat(rng.random((a.shape[0], 1)) < 0.5, a.shape[1], axis=1)
        else:
            swap = np.repeat(rng.random((1, a.shape[1])) < 0.5, a.shape[0], axis=0)
        a2, b2 = np.where(swap, b, a), np.where(swap, a, b)
        delta = correlate(a2, human, level, coefficient) - correlate(b2, human, level, coefficient)
        at_least += delta >= observed - 1e-12
    p = (at_least + 1) / (n_samples + 1)
    method = f"permutation over {resample} (n={n_samples}, seed={seed}), one-sided"
    return PairedTest(float(observed), float(p), method)
