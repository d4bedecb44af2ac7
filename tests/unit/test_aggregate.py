"""System-level means and confidence intervals."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bench.results.aggregate import aggregate, bootstrap, jackknife, t975


def _rows(values):
    return [{"m": v} for v in values]


def test_bootstrap_is_reproducible_with_a_seed():
    rows = _rows([0.1, 0.4, 0.35, 0.8, 0.5])
    assert bootstrap(rows, 500, seed=3) == bootstrap(rows, 500, seed=3)
    assert bootstrap(rows, 500, seed=3)["m"].low != bootstrap(rows, 500, seed=4)["m"].low


def test_bootstrap_interval_collapses_at_zero_variance():
    iv = bootstrap(_rows([0.3] * 6), 200, seed=0)["m"]
    assert iv.low == pytest.approx(0.3) and iv.high == pytest.approx(0.3)
    assert iv.mean == pytest.approx(0.3)


def test_bootstrap_interval_matches_numpy_percentiles():
    values = [0.1, 0.4, 0.35, 0.8, 0.5, 0.2]
    iv = bootstrap(_rows(values), 1000, seed=11)["m"]
    rng = np.random.default_rng(11)
    means = np.array(values)[rng.integers(0, 6, size=(1000, 6))].mean(axis=1)
    assert (iv.low, iv.high) == (np.quantile(means, 0.025), np.quantile(means, 0.975))
    assert iv.low < iv.mean < iv.high
    assert "bootstrap over 6 clusters" in iv.method


def test_jackknife_hand_computed():
    iv = jackknife(0.5, [0.4, 0.6])
    # mean 0.5; se = sqrt(1/2 * (0.01 + 0.01)) = 0.1; t(0.975, 1) = 12.706
    assert iv.low == pytest.approx(0.5 - 1.2706)
    assert iv.high == pytest.approx(0.5 + 1.2706)
    iv4 = jackknife(0.3, [0.2, 0.3, 0.4, 0.3])
    se = math.sqrt(3 / 4 * 0.02)
    assert iv4.high - iv4.mean == pytest.approx(3.182 * se)
    assert "jackknife over 4 references" in iv4.method


def test_single_cluster_uses_reference_jackknife_and_says_so():
    out = aggregate([{"m": 0.3, "len": 100.0}], [{"m": [0.2, 0.3, 0.4, 0.3]}])
    assert out["m"].method.startswith("jackknife over 4 references")
    assert out["len"].low is None and out["len"].method.startswith("none")


def test_t_quantiles():
    assert t975(3) == 3.182
    assert t975(1000) == 1.96
    with pytest.raises(ValueError):
        t975(0)


def test_intervals_of_bounded_metrics_are_clipped_to_their_range():
    loo = [{"m": [0.1, 0.9]}]
    free = aggregate([{"m": 0.5}], loo)["m"]
    clipped = aggregate([{"m": 0.5}], loo, bounds={"m": (0.0, 1.0)})["m"]
    assert free.low < 0.0 and free.high > 1.0
    assert (clipped.low, clipped.high, clipped.mean) == (0.0, 1.0, 0.5)


def test_bootstrap_in_blocks_gives_the_same_bits_as_all_at_once(monkeypatch):
    import numpy as np

    from bench.results import aggregate as agg

    rng = np.random.default_rng(3)
    rows = [{f"m{j}": float(x) for j, x in enumerate(rng.random(7))} for _ in range(300)]
    monkeypatch.setattr(agg, "_BLOCK", 10**12)
    whole = agg.bootstrap(rows, 250, 5)
    monkeypatch.setattr(agg, "_BLOCK", 300 * 7 * 3)  # three resamples per block, last one short
    assert agg.bootstrap(rows, 250, 5) == whole
