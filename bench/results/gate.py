"""The regression gate: tolerances, matching baseline systems to runs, the verdict table.

A run's system is matched to a baseline system by its system label (:mod:`bench.results.identity`:
the summarizer's name plus the settings that are part of its identity, never paths) and by its
dataset signature (equal on every field both record). For every key of the baseline the
system-level mean of the run is compared with the baseline's (``delta = run - baseline``); a key
fails when it moves the bad way by more than its tolerance. The bad way is the metric's declared
direction (``metric_info`` in run.json: higher, lower, or either way for a value without one);
a tolerance file entry may override it. A key that no run declares (records written before
``metric_info``) needs a direction in the tolerance file, or the gate refuses to run.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.errors import BenchError
from bench.results.keys import KeyCatalog
from bench.results.pairing import Pairing, pair_rows, paired_values
from bench.results.runrecord import RunRecord, find_runs, read_score_rows
from bench.results.tolerances import Rule, Tolerances

# --- runs and matching --------------------------------------------------------------------


def load_side(path: Path, what: str) -> list[RunRecord]:
    """Every run of a run.json file, a run directory, or a directory of runs (a sweep).

    Args:
        path: A run.json file or a directory searched recursively for run.json files.
        what: ``baseline`` or ``run``, for messages.

    Raises:
        BenchError: nothing found, an unusable run.json, a score without a mean, or two runs
            of one system on one dataset.
    """
    if not path.exists():
        raise BenchError(f"{what} not found: {path}")
    runs = find_runs(path)
    if not runs:
        raise BenchError(f"no run.json under {what} directory {path}")
    seen: dict[tuple[str, str], RunRecord] = {}
    for run in runs:
        for key, value in run.scores.items():
            if value.get("mean") is None:
                raise BenchError(f"{run.run_file}: scores.{key} has no numeric 'mean'")
        ident = (run.label, json.dumps(run.dataset_signature, sort_keys=True))
        if ident in seen:
            raise BenchError(
                f"{what}: two runs are labelled {run.label!r} on one dataset: "
                f"{seen[ident].run_file} and {run.run_file}"
            )
        seen[ident] = run
    return runs


def same_dataset(a: RunRecord, b: RunRecord) -> bool:
    """Whether two runs were scored on the same data: equal on every signature field both have."""
    sa, sb = a.dataset_signature, b.dataset_signature
    return all(sa[k] == sb[k] for k in sa.keys() & sb.keys())


def _dataset_difference(a: RunRecord, b: RunRecord) -> str:
    sa, sb = a.dataset_signature, b.dataset_signature
    keys = sorted(k for k in sa.keys() & sb.keys() if sa[k] != sb[k])
    return "; ".join(f"{k} {sa[k]} vs {sb[k]}" for k in keys)


def match(base: RunRecord, runs: Sequence[RunRecord]) -> tuple[RunRecord | None, str]:
    """The run of ``base``'s system on ``base``'s dataset, or None and why there is none."""
    named = [r for r in runs if r.label == base.label]
    for run in named:
        if same_dataset(base, run):
            return run, ""
    if named:
        return None, (
            f"baseline system {base.label}: same name, other dataset signature "
            f"({_dataset_difference(base, named[0])})"
        )
    labels = ", ".join(sorted({r.label for r in runs}))
    return None, f"baseline system {base.label}: no run with that name; runs: {labels}"


# --- the gate -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GateRow:
    """One line of the gate's table."""

    system: str
    metric: str
    baseline: str
    run: str
    delta: str
    tolerance: str
    p_value: str
    failed: bool


@dataclass(frozen=True, slots=True)
class SignificanceOptions:
    """Settings of the paired test (``--significance``)."""

    test: str = "approximate_randomization"
    alpha: float = 0.05
    n_samples: int = 1000
    seed: int = 0


@dataclass
class GateResult:
    """Rows of the gate's table plus notes printed under it."""

    rows: list[GateRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    n_systems: int = 0

    @property
    def failed(self) -> list[GateRow]:
        """The failing rows."""
        return [r for r in self.rows if r.failed]


def _fmt(value: float) -> str:
    return f"{value:.4f}"


def _rules(
    baseline: Sequence[RunRecord], runs: Sequence[RunRecord], tolerances: Tolerances
) -> dict[str, Rule | None]:
    """Every baseline key's rule with its direction (None: excluded).

    Raises:
        BenchError: a key whose direction neither a run's metric contract nor the tolerance
            file gives.
    """
    catalog = KeyCatalog.of_runs([*runs, *baseline])  # the run's contracts first
    rules: dict[str, Rule | None] = {}
    unknown = []
    for key in dict.fromkeys(k for b in baseline for k in b.scores):
        rule = tolerances.rule(key)
        if rule is not None and rule.direction is None:
            if not catalog.declared(key):
                unknown.append(key)
                continue
            rule = rule.directed(catalog.direction(key))
        rules[key] = rule
    if unknown:
        raise BenchError(
            f"no direction known for {', '.join(sorted(unknown))}: no compared run.json declares "
            f"them (metric_info, written since schema 1); give each a direction in "
            f"{tolerances.source} (metrics: KEY: {{tolerance: T, direction: higher|lower|both}}) "
            "or exclude it"
        )
    return rules


def _pairing(base: RunRecord, new: RunRecord) -> Pairing:
    """The paired units of a baseline run and its run, or an error when they differ."""
    try:
        rows = read_score_rows(base), read_score_rows(new)
    except BenchError as exc:
        raise BenchError(f"--significance needs per-cluster scores: {exc}") from None
    pairing = pair_rows(*rows)
    if pairing.mismatch:
        raise BenchError(
            f"{base.label}: baseline and run were scored on different {pairing.mismatch} "
            f"({pairing.detail})"
        )
    return pairing


def run_gate(
    baseline: Sequence[RunRecord],
    runs: Sequence[RunRecord],
    tolerances: Tolerances,
    significance: SignificanceOptions | None = None,
) -> GateResult:
    """Compare every baseline system with the run's system of the same label and dataset.

    Args:
        baseline: Baseline runs.
        runs: New runs.
        tolerances: Per-key tolerances (and optional directions).
        significance: When given, a key that can be paired over units also fails on a
            significant move the bad way, whatever its tolerance.

    Raises:
        BenchError: no baseline system has a run, a tolerance names an unknown key, or a key
            has no known direction.
    """
    from bench.results.significance import paired_test

    matches = [(base, *match(base, runs)) for base in baseline]
    if not any(new is not None for _, new, _ in matches):
        raise BenchError(
            "no matching systems: "
            + "; ".join(why for _, _, why in matches)
            + f" (baseline has {', '.join(b.label for b in baseline)}; "
            f"run has {', '.join(r.label for r in runs)})"
        )
    tolerances.check_names({k for r in [*baseline, *runs] for k in r.scores})
    rules = _rules(baseline, runs, tolerances)
    out = GateResult(n_systems=len(baseline))
    untested: set[str] = set()
    few_units: set[str] = set()
    for base, new, why in matches:
        label = base.label
        if new is None:
            row = GateRow(
                label, "(all metrics)", f"{len(base.scores)} metrics", "missing from run",
                "-", "-", "-", True,
            )  # fmt: skip
            out.rows.append(row)
            out.notes.append(f"{why}.")
            continue
        n_base, n_new = base.n_clusters, new.n_clusters
        if n_base is not None and n_new is not None and n_base != n_new:
            out.rows.append(
                GateRow(
                    label,
                    "n_clusters",
                    str(n_base),
                    str(n_new),
                    f"{n_new - n_base:+d}",
                    "±0",
                    "-",
                    True,
                )
            )
        changed = sorted(
            k
            for k in base.signatures.keys() & new.signatures.keys()
            if base.signatures[k] != new.signatures[k]
        )
        if changed:
            out.notes.append(
                f"{label}: signature of {', '.join(changed)} differs from the "
                "baseline (scores may not be comparable)."
            )
        pairing = _pairing(base, new) if significance is not None else None
        for metric in base.scores:
            rule = rules.get(metric)
            if rule is None:
                continue
            base_mean = float(base.scores[metric]["mean"])  # load_side checked every mean
            new_mean = new.mean(metric)
            if new_mean is None:
                out.rows.append(
                    GateRow(
                        label,
                        metric,
                        _fmt(base_mean),
                        "missing from run",
                        "-",
                        rule.describe(),
                        "-",
                        True,
                    )
                )
                continue
            delta = new_mean - base_mean
            failed = rule.fails(delta)
            p_cell = "-"
            if significance is not None and pairing is not None:
                values = paired_values(pairing, metric, base_mean, new_mean)
                if values is None:
                    untested.add(metric)
                    p_cell = "n/a"
                else:
                    result = paired_test(
                        significance.test, *values, significance.n_samples, significance.seed
                    )
                    p_cell = f"{result.p_value:.4f}"
                    failed = failed or (
                        rule.worse(result.delta) and result.significant(significance.alpha)
                    )
                    if significance.test == "approximate_randomization" and (
                        2.0 ** (1 - pairing.n_units) >= significance.alpha
                    ):
                        few_units.add(f"{label} ({pairing.n_units} {pairing.kind}s)")
            out.rows.append(
                GateRow(
                    label,
                    metric,
                    _fmt(base_mean),
                    _fmt(new_mean),
                    f"{delta:+.4f}",
                    rule.describe(),
                    p_cell,
                    failed,
                )
            )
        extra = sorted(set(new.scores) - set(base.scores))
        if extra:
            out.notes.append(f"{label}: not in the baseline, not compared: {', '.join(extra)}.")
    matched = {id(new) for _, new, _ in matches if new is not None}
    new_systems = [r.label for r in runs if id(r) not in matched]
    if new_systems:
        out.notes.append(f"Systems not in the baseline (not compared): {', '.join(new_systems)}.")
    if untested:
        out.notes.append(
            "Not tested (no paired per-unit scores whose mean is the shown value), "
            f"judged by tolerance: {', '.join(sorted(untested))}."
        )
    if few_units and significance is not None:
        out.notes.append(
            f"Too few units for approximate randomization to reach p < "
            f"{significance.alpha:g}: {', '.join(sorted(few_units))}."
        )
    return out


def gate_report(
    comparison: GateResult,
    baseline: Path,
    run: Path,
    tolerances: Tolerances,
    significance: SignificanceOptions | None = None,
) -> str:
    """The verdict, the table and the notes, as Markdown for a CI step summary."""
    failed = comparison.failed
    verdict = "FAIL" if failed else "PASS"
    if significance is None:
        rule = "a metric fails when it moves the bad way by more than its tolerance"
    else:
        rule = (
            "a metric fails when it moves the bad way by more than its tolerance, or when a "
            f"paired {significance.test.replace('_', ' ')} test (n={significance.n_samples}, "
            f"seed={significance.seed}) finds a move the bad way significant at "
            f"alpha={significance.alpha:g}"
        )
    header = ["System", "Metric", "Baseline", "Run", "Delta", "Tolerance"]
    if significance is not None:
        header.append("p-value")
    header.append("Status")
    cells = []
    for r in comparison.rows:
        row = [r.system, r.metric, r.baseline, r.run, r.delta, r.tolerance]
        if significance is not None:
            row.append(r.p_value)
        row.append("FAIL" if r.failed else "PASS")
        cells.append(row)
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(header)]
    right = {"Baseline", "Run", "Delta", "Tolerance", "p-value"}

    def line(row: Sequence[str]) -> str:
        padded = [
            c.rjust(w) if h in right else c.ljust(w)
            for c, w, h in zip(row, widths, header, strict=True)
        ]
        return "| " + " | ".join(padded) + " |"

    rule_line = (
        "| "
        + " | ".join(
            ("-" * (w - 1) + ":") if h in right else "-" * w
            for w, h in zip(widths, header, strict=True)
        )
        + " |"
    )
    lines = [
        f"### bench-compare: {verdict}",
        "",
        f"Baseline `{baseline}` vs run `{run}`. Delta is run minus baseline; {rule} "
        f"(tolerances: `{tolerances.source}`).",
        "",
        line(header),
        rule_line,
        *(line(c) for c in cells),
        "",
        f"{comparison.n_systems} baseline system(s), {len(comparison.rows)} comparison(s), "
        f"{len(failed)} failed.",
    ]
    if comparison.notes:
        lines += ["", *(f"- {note}" for note in comparison.notes)]
    return "\n".join(lines) + "\n"
