"""System-level means and 95% confidence intervals.

With two or more clusters: a seeded percentile bootstrap over clusters (Efron & Tibshirani,
1993), resampling the per-cluster scores, never re-tokenising. With one cluster there is nothing
to resample over clusters, so the interval comes from a jackknife over references (Quenouille,
1956; Tukey, 1958): each reference is left out in turn and the score recomputed,
``se = sqrt((n-1)/n * sum((theta_i - mean(theta))^2))``, interval ``theta +- t_{n-1} * se``.
Every interval records which of the two it is. Intervals of bounded metrics (ROUGE lies in
[0, 1]) are clipped to the bounds: a t-interval from few references can otherwise leave them.
The jackknife of a ``max`` over references is a rough guide (the statistic is not smooth); with
few references prefer reporting several clusters.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

# Two-sided 97.5% quantiles of Student's t for df = 1..30 (standard tables).
_T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


_BLOCK = 4_000_000  # floats of resampled values held at once by the bootstrap
# Resamples of a bootstrap or permutation test: the percentiles need every resampled mean in
# memory (8 bytes a key), and beyond a million the Monte-Carlo error is far below the printed
# precision while the time grows without bound. Resample indices are drawn a block at a time
# (the same stream as one draw), so memory does not grow with clusters x samples.
MAX_SAMPLES = 1_000_000


def check_samples(value: object, what: str) -> int:
    """``value`` if it is an integer from 1 to ``MAX_SAMPLES``, else a one-line BenchError."""
    from bench.errors import BenchError

    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_SAMPLES:
        raise BenchError(f"{what} must be an integer from 1 to {MAX_SAMPLES:,}, got {value!r}")
    return value


def blocks(n_samples: int, width: int) -> list[int]:
    """Sizes of the blocks of ``n_samples`` resamples of ``width`` values each."""
    step = max(1, _BLOCK // max(1, width))
    return [min(step, n_samples - start) for start in range(0, n_samples, step)]


def t975(df: int) -> float:
    """97.5% quantile of Student's t with ``df`` degrees of freedom (normal beyond 30)."""
    if df < 1:
        raise ValueError(f"degrees of freedom must be >= 1, got {df}")
    return _T975[df - 1] if df <= len(_T975) else 1.960


@dataclass(frozen=True, slots=True)
class Interval:
    """A mean with its 95% confidence interval and how it was obtained."""

    mean: float
    low: float | None
    high: float | None
    method: str

    def as_dict(self) -> dict[str, float | str | None]:
        """JSON-ready form."""
        return {"mean": self.mean, "low": self.low, "high": self.high, "method": self.method}


def bootstrap(
    per_cluster: Sequence[Mapping[str, float]],
    n_samples: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> dict[str, Interval]:
    """Percentile bootstrap over clusters for every key, one shared set of resamples."""
    if n_samples < 1:
        raise ValueError(f"bootstrap samples must be >= 1, got {n_samples}")
    keys = list(per_cluster[0])
    values = np.array([[row[k] for k in keys] for row in per_cluster], dtype=np.float64)
    n = values.shape[0]
    if n_samples > MAX_SAMPLES:
        raise ValueError(f"bootstrap samples must be <= {MAX_SAMPLES:,}, got {n_samples:,}")
    rng = np.random.default_rng(seed)
    # Resampled means a block of resamples at a time, indices drawn per block (the generator
    # gives the same stream in blocks as in one draw): values[idx] whole would be
    # n_samples x n x keys floats (600 MB at 5,000 clusters); same arithmetic, so same bits.
    means = np.empty((n_samples, values.shape[1]))
    start = 0
    for size in blocks(n_samples, n * values.shape[1]):
        idx = rng.integers(0, n, size=(size, n))
        means[start : start + size] = values[idx].mean(axis=1)
        start += size
    alpha = (1 - level) / 2
    low = np.quantile(means, alpha, axis=0)
    high = np.quantile(means, 1 - alpha, axis=0)
    centre = values.mean(axis=0)
    method = f"bootstrap over {n} clusters (percentile, n={n_samples}, seed={seed})"
    return {
        k: Interval(float(centre[i]), float(low[i]), float(high[i]), method)
        for i, k in enumerate(keys)
    }


def jackknife(estimate: float, leave_one_out: Sequence[float]) -> Interval:
    """Jackknife 95% interval of ``estimate`` from its leave-one-out values."""
    n = len(leave_one_out)
    if n < 2:
        raise ValueError("a jackknife needs at least 2 leave-one-out values")
    mean_loo = sum(leave_one_out) / n
    se = math.sqrt((n - 1) / n * sum((x - mean_loo) ** 2 for x in leave_one_out))
    half = t975(n - 1) * se
    return Interval(
        estimate, estimate - half, estimate + half, f"jackknife over {n} references (t, df={n - 1})"
    )


def _clip(iv: Interval, bounds: tuple[float, float] | None) -> Interval:
    if bounds is None or iv.low is None or iv.high is None:
        return iv
    lo, hi = bounds
    return Interval(iv.mean, min(max(iv.low, lo), hi), max(min(iv.high, hi), lo), iv.method)


def aggregate(
    per_cluster: Sequence[Mapping[str, float]],
    reference_loo: Sequence[Mapping[str, Sequence[float]]] | None = None,
    n_samples: int = 1000,
    seed: int = 0,
    bounds: Mapping[str, tuple[float, float]] | None = None,
) -> dict[str, Interval]:
    """Means and intervals: bootstrap over clusters, or jackknife over references for one."""
    if not per_cluster:
        raise ValueError("no per-cluster scores to aggregate")
    bounds = bounds or {}
    if len(per_cluster) >= 2:
        raw = bootstrap(per_cluster, n_samples, seed)
    else:
        only = per_cluster[0]
        loo = reference_loo[0] if reference_loo else {}
        raw = {}
        for k, v in only.items():
            if len(loo.get(k, ())) >= 2:
                raw[k] = jackknife(v, loo[k])
            else:
                # Reference-based values with one reference, and values that do not depend on
                # references at all (lengths, fact checks): nothing to resample.
                raw[k] = Interval(v, None, None, "none (1 cluster)")
    return {k: _clip(iv, bounds.get(k)) for k, iv in raw.items()}
