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

import fnmatch
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.errors import BenchError
from bench.results.keys import KeyCatalog
from bench.results.pairing import Pairing, pair_rows, paired_values
from bench.results.runrecord import RunRecord, find_runs, read_score_rows

_ROOT = Path(__file__).resolve().parent.parent.parent
DIRECTIONS = ("higher", "lower", "both")
TOLERANCE_KEYS = ("default", "metrics", "exclude")
RULE_KEYS = ("tolerance", "direction")
# Float noise allowed on top of a tolerance, so that a tolerance of 0 accepts equal values.
_EPS = 1e-12
_GLOB = re.compile(r"[*?\[]")


@dataclass(frozen=True, slots=True)
class Rule:
    """How far a metric may move before it counts as a regression.

    Attributes:
        tolerance: Largest allowed move the bad way, absolute, in metric units.
        direction: ``higher`` (higher is better: a drop fails), ``lower`` (a rise fails) or
            ``both`` (a move either way fails; for descriptive values such as lengths); None
            in a tolerance file entry that leaves it to the metric's declared direction.
    """

    tolerance: float
    direction: str | None = None

    def directed(self, higher_is_better: bool | None) -> Rule:
        """This rule with the direction a metric declares, unless the file gave one."""
        if self.direction is not None:
            return self
        return Rule(self.tolerance, direction_of(higher_is_better))

    def fails(self, delta: float) -> bool:
        """Whether ``delta`` (run minus baseline) breaks this rule; NaN or inf always does."""
        if not math.isfinite(delta):
            return True
        limit = self.tolerance + _EPS
        if self.direction == "higher":
            return delta < -limit
        if self.direction == "lower":
            return delta > limit
        return abs(delta) > limit

    def worse(self, delta: float) -> bool:
        """Whether ``delta`` points the bad way at all (any move for ``both``)."""
        if self.direction == "higher":
            return delta < 0
        if self.direction == "lower":
            return delta > 0
        return delta != 0

    def describe(self) -> str:
        """The allowed delta as shown in the table: ``-0.005``, ``+0.01`` or ``±1``."""
        sign = {"higher": "-", "lower": "+", "both": "±", None: "?"}[self.direction]
        return f"{sign}{self.tolerance:g}"


@dataclass(frozen=True, slots=True)
class Tolerances:
    """Per-metric rules: exact names first, then glob patterns in file order, then the default.

    Attributes:
        default: Rule of every metric no other entry matches.
        rules: ``(name or glob pattern, rule)`` pairs in file order.
        exclude: Names or glob patterns of metrics that are not compared at all.
        source: Where the tolerances came from, for messages.
    """

    default: Rule
    rules: tuple[tuple[str, Rule], ...] = ()
    exclude: tuple[str, ...] = ()
    source: str = "<built-in>"

    def rule(self, metric: str) -> Rule | None:
        """The rule for ``metric``, or None when it is excluded."""
        if any(fnmatch.fnmatchcase(metric, pattern) for pattern in self.exclude):
            return None
        for name, rule in self.rules:
            if name == metric:
                return rule
        for name, rule in self.rules:
            if _GLOB.search(name) and fnmatch.fnmatchcase(metric, name):
                return rule
        return self.default

    def check_names(self, known: set[str]) -> None:
        """Reject exact metric names (not patterns) that no compared run has.

        Raises:
            BenchError: naming the first unknown metric and the known ones.
        """
        for name in [n for n, _ in self.rules] + list(self.exclude):
            if not _GLOB.search(name) and name not in known:
                raise BenchError(
                    f"{self.source}: unknown metric {name!r}; known: {', '.join(sorted(known))}"
                )


def _tolerance_value(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise BenchError(f"{where}: tolerance must be a number >= 0, got {value!r}")
    if value < 0:
        raise BenchError(f"{where}: tolerance must be a number >= 0, got {value!r}")
    return float(value)


def _rule(value: Any, where: str) -> Rule:
    if not isinstance(value, Mapping):
        return Rule(_tolerance_value(value, where))
    unknown = sorted(str(k) for k in value if k not in RULE_KEYS)
    if unknown:
        raise BenchError(f"{where}: unknown key {unknown[0]!r}; allowed: {', '.join(RULE_KEYS)}")
    if "tolerance" not in value:
        raise BenchError(f"{where}: missing 'tolerance'")
    direction = value.get("direction")
    if direction is not None and direction not in DIRECTIONS:
        raise BenchError(
            f"{where}: direction must be one of {', '.join(DIRECTIONS)}, got {direction!r}"
        )
    return Rule(_tolerance_value(value["tolerance"], where), direction)


def parse_tolerances(data: Any, source: str = "<built-in>") -> Tolerances:
    """Validate a parsed tolerance file (see ``conf/compare/default.yaml``).

    Args:
        data: The parsed YAML document.
        source: The file name, for error messages.

    Raises:
        BenchError: on unknown keys, bad values or a missing ``default``.
    """
    if not isinstance(data, Mapping):
        raise BenchError(f"{source}: expected a mapping with keys {', '.join(TOLERANCE_KEYS)}")
    unknown = sorted(str(k) for k in data if k not in TOLERANCE_KEYS)
    if unknown:
        raise BenchError(
            f"{source}: unknown key {unknown[0]!r}; allowed: {', '.join(TOLERANCE_KEYS)}"
        )
    if "default" not in data:
        raise BenchError(f"{source}: missing 'default' (the tolerance of unlisted metrics)")
    default = _rule(data["default"], f"{source}: default")
    metrics = data.get("metrics") or {}
    if not isinstance(metrics, Mapping):
        raise BenchError(f"{source}: 'metrics' must map metric names or patterns to tolerances")
    rules = tuple((str(k), _rule(v, f"{source}: metrics.{k}")) for k, v in metrics.items())
    exclude = data.get("exclude") or []
    if not isinstance(exclude, list) or not all(isinstance(x, str) for x in exclude):
        raise BenchError(f"{source}: 'exclude' must be a list of metric names or patterns")
    return Tolerances(default, rules, tuple(exclude), source)


def direction_of(higher_is_better: bool | None) -> str:
    """The gate's direction of a declared ``higher_is_better`` (None: a move either way)."""
    return {True: "higher", False: "lower", None: "both"}[higher_is_better]


def load_tolerances(path: Path) -> Tolerances:
    """Read and validate a tolerance file.

    Raises:
        BenchError: when the file is missing, is not YAML, or is not a valid tolerance file.
    """
    import yaml

    from bench.data.io import read_text

    text = read_text(path, "tolerance file")  # a FIFO or device is refused, never waited on
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise BenchError(f"{path}: invalid YAML ({first})") from None
    return parse_tolerances(data, _display(path))


def _display(path: Path) -> str:
    """``path`` relative to the project when inside it (``conf/compare/default.yaml``)."""
    try:
        return path.resolve().relative_to(_ROOT).as_posix()
    except ValueError:
        return str(path)


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
                    label, "n_clusters", str(n_base), str(n_new), f"{n_new - n_base:+d}", "±0",
                    "-", True,
                )  # fmt: skip
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
            base_mean = base.mean(metric)
            new_mean = new.mean(metric)
            assert base_mean is not None  # load_side checked every mean
            if new_mean is None:
                out.rows.append(
                    GateRow(
                        label, metric, _fmt(base_mean), "missing from run", "-",
                        rule.describe(), "-", True,
                    )  # fmt: skip
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
                    label, metric, _fmt(base_mean), _fmt(new_mean), f"{delta:+.4f}",
                    rule.describe(), p_cell, failed,
                )  # fmt: skip
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
