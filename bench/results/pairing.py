"""Pairing two runs' per-unit scores, and the paired tests over them (tables and gate alike).

Units are the clusters, matched by ``cluster_id``; when both runs scored a single cluster they
are its references instead (each system's score against each single reference,
``per_reference`` in scores.jsonl, matched by ``ref_id``). Over references a key is only tested
where its shown value is the mean over them: the test says nothing about the best reference's
score (``multi_ref=max``) or a pooled one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.errors import BenchError
from bench.results.runrecord import RunRecord, read_score_rows
from bench.results.significance import TestResult, is_mean_of, paired_test


@dataclass(frozen=True, slots=True)
class Pairing:
    """Per-unit scores of a baseline and a run on the units both were scored on.

    Attributes:
        kind: ``cluster`` or ``reference``; empty when they cannot be paired.
        units: What was paired, e.g. ``the 12 clusters``.
        base: The baseline's scores per unit, in unit order.
        other: The run's scores per unit, in the same order.
        reason: Why they cannot be paired; empty when they can.
        mismatch: ``clusters`` or ``references`` when the two were scored on different units
            (not merely too few); empty otherwise.
        detail: Which units differ, for messages.
    """

    kind: str = ""
    units: str = ""
    base: Sequence[Mapping[str, Any]] = ()
    other: Sequence[Mapping[str, Any]] = ()
    reason: str = ""
    mismatch: str = ""
    detail: str = ""

    @property
    def n_units(self) -> int:
        """How many units were paired."""
        return len(self.base)


def _few(items: set[str], n: int = 3) -> str:
    shown = sorted(items)[:n]
    more = f", ... ({len(items)} in all)" if len(items) > n else ""
    return (", ".join(shown) + more) if shown else "none"


def pair_rows(base: Sequence[Mapping[str, Any]], other: Sequence[Mapping[str, Any]]) -> Pairing:
    """Pair two runs' scores.jsonl rows (as :func:`read_score_rows` returns them)."""
    base_ids = [str(r["cluster_id"]) for r in base]
    by_id = {str(r["cluster_id"]): r for r in other}
    if set(base_ids) != set(by_id):
        only_base, only_other = set(base_ids) - set(by_id), set(by_id) - set(base_ids)
        return Pairing(
            reason="its clusters differ from the baseline's",
            mismatch="clusters",
            detail=f"only in baseline: {_few(only_base)}; only in run: {_few(only_other)}",
        )
    if len(base_ids) >= 2:
        return Pairing(
            "cluster",
            f"the {len(base_ids)} clusters",
            [r["scores"] for r in base],
            [by_id[c]["scores"] for c in base_ids],
        )
    b_refs, o_refs = base[0].get("per_reference"), other[0].get("per_reference")
    if not isinstance(b_refs, dict) or not b_refs:
        return Pairing(reason="a single cluster and no per-reference scores for the baseline")
    if not isinstance(o_refs, dict) or not o_refs:
        return Pairing(reason="a single cluster and no per-reference scores in its scores.jsonl")
    if set(b_refs) != set(o_refs):
        return Pairing(
            reason="its references differ from the baseline's",
            mismatch="references",
            detail=f"{', '.join(sorted(b_refs))} vs {', '.join(sorted(o_refs))}",
        )
    if len(b_refs) < 2:
        return Pairing(reason="a single cluster with a single reference")
    refs = sorted(b_refs)
    if not all(isinstance(b_refs[r], dict) and isinstance(o_refs[r], dict) for r in refs):
        return Pairing(reason="malformed per-reference scores")
    units = f"the {len(refs)} references of the single cluster"
    return Pairing("reference", units, [b_refs[r] for r in refs], [o_refs[r] for r in refs])


def _values(units: Sequence[Mapping[str, Any]], key: str) -> list[float] | None:
    out = []
    for unit in units:
        value = unit.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            return None
        out.append(float(value))
    return out


def paired_values(
    pairing: Pairing, key: str, base_mean: float | None, other_mean: float | None
) -> tuple[list[float], list[float]] | None:
    """Both runs' per-unit values of ``key``, or None when ``key`` cannot be tested on them.

    ``base_mean`` and ``other_mean`` are the shown (system-level) values: over references only
    a value that is their mean is tested.
    """
    if pairing.reason or pairing.n_units < 2:
        return None
    a, b = _values(pairing.base, key), _values(pairing.other, key)
    if a is None or b is None:
        return None
    if pairing.kind == "reference" and not (is_mean_of(base_mean, a) and is_mean_of(other_mean, b)):
        return None
    return a, b


@dataclass(frozen=True, slots=True)
class RunTest:
    """A run's paired tests against the baseline, per key, or why there are none.

    Attributes:
        units: what was paired, e.g. ``the 12 clusters``; empty when nothing could be.
        n_units: how many units were paired.
        results: the test of each key that could be tested.
        reason: why the run was not tested; empty when it was.
    """

    units: str
    n_units: int
    results: Mapping[str, TestResult] = field(default_factory=dict)
    reason: str = ""

    @property
    def tested(self) -> bool:
        """Whether at least one key was tested."""
        return not self.reason


def _rows_or_reason(run: RunRecord) -> tuple[list[dict[str, Any]] | None, str]:
    try:
        return read_score_rows(run), ""
    except BenchError as exc:
        return None, str(exc).split(" (", 1)[0]


def significance_tests(
    runs: Sequence[RunRecord],
    baseline: RunRecord,
    keys: Sequence[str],
    test: str = "paired_bootstrap",
    n_samples: int = 1000,
    seed: int = 0,
) -> dict[str, RunTest]:
    """Paired tests of ``keys`` of every run but the baseline against it, keyed by run label."""
    base_rows, base_problem = _rows_or_reason(baseline)
    out: dict[str, RunTest] = {}
    for run in runs:
        if run.label == baseline.label:
            continue
        if base_rows is None:
            out[run.label] = RunTest("", 0, reason=f"the baseline has {base_problem}")
            continue
        rows, problem = _rows_or_reason(run)
        if rows is None:
            out[run.label] = RunTest("", 0, reason=f"it has {problem}")
            continue
        pairing = pair_rows(base_rows, rows)
        if pairing.reason:
            out[run.label] = RunTest("", 0, reason=pairing.reason)
            continue
        results = {}
        for key in keys:
            values = paired_values(pairing, key, baseline.mean(key), run.mean(key))
            if values is not None:
                results[key] = paired_test(test, *values, n_samples, seed)
        if results:
            out[run.label] = RunTest(pairing.units, pairing.n_units, results)
            continue
        reason = (
            "a single cluster whose shown scores are not the mean over its references "
            "(paired tests over references need a mean over references, e.g. "
            "metrics.rouge.multi_ref=mean)"
            if pairing.kind == "reference"
            else "no per-unit values of the selected metrics"
        )
        out[run.label] = RunTest(pairing.units, pairing.n_units, reason=reason)
    return out
