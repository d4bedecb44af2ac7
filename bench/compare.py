"""``bench-compare``: the regression gate between a committed baseline and a new run or sweep.

Runs are matched by their label (system name plus the overrides that are not paths, as in the
comparison tables). For every metric the system-level mean of the run is compared with the
baseline's (``delta = run - baseline``). A metric fails when it moves the bad way by more than its
tolerance (absolute, in metric units; ``conf/compare/default.yaml``). With ``--significance`` a
metric also fails when a paired test over clusters (or over references, when both runs scored a
single cluster and recorded per-reference scores) finds a move the bad way significant at
``--alpha``, even within its tolerance; metrics without paired per-unit values are judged by the
tolerance alone.
A system of the baseline that the run lacks fails; systems only in the run are listed, not
compared.

``--write-baseline`` copies run.json and scores.jsonl of every run under ``--run`` into
``--baseline/<label>/`` instead (``make baseline``).

Only scores are read: paths, git information and package versions in run.json are ignored, so a
baseline committed from one checkout gates a clone anywhere.

Exit status: 0 every comparison passes, 1 a regression (or a baseline system missing from the
run), 2 bad usage or input, reported as one line ``bench-compare: error: ...``.
"""

from __future__ import annotations

import argparse
import contextlib
import fnmatch
import json
import math
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from bench.errors import ArgumentParser, BenchError
from bench.paths import DEFAULT_TOLERANCES, ROOT

PROG = "bench-compare"
DIRECTIONS = ("higher", "lower", "both")
TOLERANCE_KEYS = ("default", "metrics", "exclude")
RULE_KEYS = ("tolerance", "direction")
# Float noise allowed on top of a tolerance, so that a tolerance of 0 accepts equal values.
_EPS = 1e-12
_GLOB = re.compile(r"[*?\[]")


# --- tolerances -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rule:
    """How far a metric may move before it counts as a regression.

    Attributes:
        tolerance: Largest allowed move the bad way, absolute, in metric units.
        direction: ``higher`` (higher is better: a drop fails), ``lower`` (a rise fails) or
            ``both`` (a move either way fails; for descriptive values such as lengths).
    """

    tolerance: float
    direction: str = "higher"

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
        sign = {"higher": "-", "lower": "+", "both": "±"}[self.direction]
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
    direction = value.get("direction", "higher")
    if direction not in DIRECTIONS:
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
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


# --- runs -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Run:
    """The parts of one run that a comparison reads.

    Attributes:
        label: System name plus non-path overrides; how runs are matched.
        path: The run.json file.
        means: System-level mean of every metric.
        n_clusters: Number of clusters scored, if recorded.
        signatures: Metric signature strings, if recorded.
    """

    label: str
    path: Path
    means: dict[str, float]
    n_clusters: int | None = None
    signatures: dict[str, str] = field(default_factory=dict)

    @property
    def directory(self) -> Path:
        """The run directory (holding scores.jsonl)."""
        return self.path.parent


def run_label(record: Mapping[str, Any], path: Path) -> str:
    """The label of a run record, as in the comparison tables."""
    from bench.results.tables import RunSummary

    return RunSummary.of(dict(record), path).label


def read_run(path: Path) -> Run:
    """Read one run.json.

    Raises:
        BenchError: when the file cannot be read, is not JSON or has no usable ``scores``.
    """
    from bench.data.io import read_text

    try:
        record = json.loads(read_text(path, "run record"))  # a FIFO is refused, never waited on
    except json.JSONDecodeError as exc:
        raise BenchError(f"{path}: invalid JSON ({exc.msg}, line {exc.lineno})") from None
    from bench.results.records import check_run_record

    check_run_record(record, path)
    means: dict[str, float] = {}
    for key, value in record["scores"].items():
        if value.get("mean") is None:
            raise BenchError(f"{path}: scores.{key} has no numeric 'mean'")
        means[str(key)] = float(value["mean"])
    n = record.get("n_clusters")
    signatures = record.get("signatures")
    return Run(
        label=run_label(record, path.parent),
        path=path,
        means=means,
        n_clusters=n if isinstance(n, int) and not isinstance(n, bool) else None,
        signatures=signatures if isinstance(signatures, dict) else {},
    )


def load_side(path: Path, what: str) -> dict[str, Run]:
    """Every run of a run.json file, a run directory, or a directory of runs (a sweep).

    Args:
        path: A run.json file or a directory searched recursively for run.json files.
        what: ``baseline`` or ``run``, for messages.

    Returns:
        Runs by label, in path order.

    Raises:
        BenchError: when nothing is found, a run.json is unusable, or two runs share a label.
    """
    from bench.results.fileset import find_run_files

    if not path.exists():
        raise BenchError(f"{what} not found: {path}")
    files = [path] if path.is_file() else find_run_files(path)
    if not files:
        raise BenchError(f"no run.json under {what} directory {path}")
    runs: dict[str, Run] = {}
    for file in files:
        run = read_run(file)
        if run.label in runs:
            raise BenchError(
                f"{what}: two runs are labelled {run.label!r}: {runs[run.label].path} and {file}"
            )
        runs[run.label] = run
    return runs


# --- paired units for the significance test ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class Units:
    """Per-unit scores of one run: by cluster, or by reference when there is one cluster."""

    kind: str  # "cluster" or "reference"
    scores: dict[str, dict[str, float]]


def read_units(run: Run) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, float]]]:
    """Per-cluster and (for a single cluster) per-reference scores from scores.jsonl.

    Returns:
        ``(by_cluster, by_reference)``; ``by_reference`` is empty unless the run has exactly one
        cluster with recorded per-reference scores.

    Raises:
        BenchError: when scores.jsonl is missing or malformed.
    """
    from bench.results.records import read_jsonl

    path = run.directory / "scores.jsonl"
    if not path.is_file():
        raise BenchError(f"--significance needs per-cluster scores: {path} not found")
    try:
        rows = read_jsonl(path)
    except ValueError as exc:
        raise BenchError(str(exc)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BenchError(f"cannot read {path}: {exc}") from None
    by_cluster: dict[str, dict[str, float]] = {}
    for no, row in enumerate(rows, start=1):
        if not isinstance(row, dict) or not isinstance(row.get("scores"), dict):
            raise BenchError(f"{path} line {no}: expected an object with 'cluster_id' and 'scores'")
        cid = str(row.get("cluster_id"))
        if cid in by_cluster:
            raise BenchError(f"{path}: cluster {cid!r} appears twice")
        by_cluster[cid] = _numbers(row["scores"])
    by_reference: dict[str, dict[str, float]] = {}
    if len(rows) == 1 and isinstance(rows[0].get("per_reference"), dict):
        by_reference = {
            str(ref): _numbers(values)
            for ref, values in rows[0]["per_reference"].items()
            if isinstance(values, dict)
        }
    return by_cluster, by_reference


def _numbers(values: Mapping[str, Any]) -> dict[str, float]:
    return {
        str(k): float(v)
        for k, v in values.items()
        if isinstance(v, int | float) and not isinstance(v, bool)
    }


def paired_units(baseline: Run, run: Run) -> tuple[Units, Units]:
    """The units both runs can be paired on: clusters, or references of a single cluster.

    Raises:
        BenchError: when the two runs were scored on different clusters or references.
    """
    base_clusters, base_refs = read_units(baseline)
    run_clusters, run_refs = read_units(run)
    if set(base_clusters) != set(run_clusters):
        raise BenchError(
            f"{baseline.label}: baseline and run were scored on different clusters "
            f"(only in baseline: {_few(set(base_clusters) - set(run_clusters))}; "
            f"only in run: {_few(set(run_clusters) - set(base_clusters))})"
        )
    if base_refs and run_refs:
        if set(base_refs) != set(run_refs):
            raise BenchError(
                f"{baseline.label}: baseline and run were scored against different references "
                f"({', '.join(sorted(base_refs))} vs {', '.join(sorted(run_refs))})"
            )
        return Units("reference", base_refs), Units("reference", run_refs)
    return Units("cluster", base_clusters), Units("cluster", run_clusters)


def _few(items: set[str], n: int = 3) -> str:
    shown = sorted(items)[:n]
    more = f", ... ({len(items)} in all)" if len(items) > n else ""
    return (", ".join(shown) + more) if shown else "none"


# --- comparison -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the comparison table."""

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
class Comparison:
    """Rows of the table plus notes printed under it."""

    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    n_systems: int = 0

    @property
    def failed(self) -> list[Row]:
        """The failing rows."""
        return [r for r in self.rows if r.failed]


def _fmt(value: float) -> str:
    return f"{value:.4f}"


def compare(
    baseline: Mapping[str, Run],
    run: Mapping[str, Run],
    tolerances: Tolerances,
    significance: SignificanceOptions | None = None,
) -> Comparison:
    """Compare every baseline system with the run's system of the same label.

    Args:
        baseline: Baseline runs by label.
        run: New runs by label.
        tolerances: Per-metric rules.
        significance: When given, a metric that can be paired over units also fails on a
            significant move the bad way, whatever its tolerance.

    Returns:
        The table rows and notes.

    Raises:
        BenchError: when no system is in both, or a tolerance names an unknown metric.
    """
    from bench.results.significance import paired_test

    common = [label for label in baseline if label in run]
    if not common:
        raise BenchError(
            f"no matching systems: baseline has {', '.join(baseline)}; run has {', '.join(run)}"
        )
    known = {k for r in [*baseline.values(), *run.values()] for k in r.means}
    tolerances.check_names(known)
    out = Comparison(n_systems=len(baseline))
    untested: set[str] = set()
    few_units: set[str] = set()
    for label, base in baseline.items():
        new = run.get(label)
        if new is None:
            n = len(base.means)
            out.rows.append(
                Row(label, "(all metrics)", f"{n} metrics", "missing from run", "-", "-", "-", True)
            )
            continue
        n_base, n_new = base.n_clusters, new.n_clusters
        if n_base is not None and n_new is not None and n_base != n_new:
            row = Row(
                label,
                "n_clusters",
                str(n_base),
                str(n_new),
                f"{n_new - n_base:+d}",
                "±0",
                "-",
                True,
            )
            out.rows.append(row)
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
        units = paired_units(base, new) if significance is not None else None
        for metric, base_mean in base.means.items():
            rule = tolerances.rule(metric)
            if rule is None:
                continue
            if metric not in new.means:
                out.rows.append(
                    Row(
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
            delta = new.means[metric] - base_mean
            failed = rule.fails(delta)
            p_cell = "-"
            if significance is not None and units is not None:
                a, b = _paired(units, metric, base_mean, new.means[metric])
                if a is None or b is None:
                    untested.add(metric)
                    p_cell = "n/a"
                else:
                    result = paired_test(
                        significance.test, a, b, significance.n_samples, significance.seed
                    )
                    p_cell = f"{result.p_value:.4f}"
                    failed = failed or (
                        rule.worse(result.delta) and result.significant(significance.alpha)
                    )
                    if significance.test == "approximate_randomization" and (
                        2.0 ** (1 - len(a)) >= significance.alpha
                    ):
                        few_units.add(f"{label} ({len(a)} {units[0].kind}s)")
            out.rows.append(
                Row(
                    label,
                    metric,
                    _fmt(base_mean),
                    _fmt(new.means[metric]),
                    f"{delta:+.4f}",
                    rule.describe(),
                    p_cell,
                    failed,
                )
            )
        extra = sorted(set(new.means) - set(base.means))
        if extra:
            out.notes.append(f"{label}: not in the baseline, not compared: {', '.join(extra)}.")
    new_systems = [label for label in run if label not in baseline]
    if new_systems:
        out.notes.append(f"Systems not in the baseline (not compared): {', '.join(new_systems)}.")
    if untested:
        out.notes.append(
            f"Not tested (no paired per-unit scores whose mean is the shown value), "
            f"judged by tolerance: "
            f"{', '.join(sorted(untested))}."
        )
    if few_units and significance is not None:
        out.notes.append(
            f"Too few units for approximate randomization to reach p < "
            f"{significance.alpha:g}: {', '.join(sorted(few_units))}."
        )
    return out


def _paired(
    units: tuple[Units, Units], metric: str, base_value: float, new_value: float
) -> tuple[list[float] | None, list[float] | None]:
    """Per-unit values of both runs, or (None, None) when they cannot be tested.

    Over references, only a value that is the mean over them is tested: the test says nothing
    about the best reference's score (``multi_ref=max``) or a pooled one.
    """
    from bench.results.significance import is_mean_of

    base, new = units
    ids = sorted(base.scores)
    if len(ids) < 2:
        return None, None
    if not all(metric in base.scores[i] and metric in new.scores[i] for i in ids):
        return None, None
    a = [base.scores[i][metric] for i in ids]
    b = [new.scores[i][metric] for i in ids]
    if base.kind == "reference" and not (is_mean_of(base_value, a) and is_mean_of(new_value, b)):
        return None, None
    return a, b


def to_markdown(
    comparison: Comparison,
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


# --- writing a baseline -----------------------------------------------------------------------

BASELINE_FILES = ("scores.jsonl", "run.json")  # run.json, the completeness marker, last


def baseline_dirname(label: str) -> str:
    """A directory name for a run label: ``lead``, ``lead_budget=words250``.

    Then escaped as sweep folders are (``bench.run.safe_dirname``): a label such as ``..`` or
    ``.`` (a system name is whatever a run.json says) never names a folder outside the baseline.
    """
    from bench.run import safe_dirname

    return safe_dirname(re.sub(r"[^A-Za-z0-9._=+,-]+", "_", label).strip("_") or "run")


def write_baseline(runs: Mapping[str, Run], dest: Path, prune: bool = False) -> list[Path]:
    """Copy each run's run.json and scores.jsonl into ``dest/<label>/``, byte for byte.

    Every file is read (and must be UTF-8 text) before anything in ``dest`` changes, so bad
    input leaves the baseline as it was. With ``prune``, run directories already in ``dest``
    that are not among ``runs`` are removed (only the files this function writes, then the
    directory if empty; other files are kept), and only once every new system is written.

    Returns:
        The directories written, sorted.

    Raises:
        BenchError: when a run's files cannot be read or two labels give one directory name.
    """
    from bench.results.fileset import replace_set
    from bench.results.records import atomic_write_text

    names: dict[str, Run] = {}
    texts: dict[str, dict[str, str]] = {}
    for label, run in runs.items():
        name = baseline_dirname(label)
        if name in names:
            raise BenchError(f"runs {names[name].label!r} and {label!r} map to one directory")
        names[name] = run
        texts[name] = {}
        for file in BASELINE_FILES:
            path = run.directory / file
            if not path.is_file():
                raise BenchError(f"{run.directory}: no {file} to copy into the baseline")
            try:
                texts[name][file] = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise BenchError(f"cannot read {path}: {_reason(exc)}") from None
    if dest.exists() and not dest.is_dir():
        raise BenchError(f"baseline destination is not a directory: {dest}")
    written = []
    try:
        for name in sorted(names):
            # one set per run: a failure or kill part-way keeps the old baseline of this run whole
            with replace_set(dest / name, BASELINE_FILES) as staging:
                for file, text in texts[name].items():
                    atomic_write_text(staging / file, text)
            written.append(dest / name)
        # Pruned last: a failure above leaves every earlier system of the baseline in place.
        for old in sorted(dest.glob("*/run.json")) if prune else []:
            if old.parent.name not in names:
                for file in BASELINE_FILES:
                    (old.parent / file).unlink(missing_ok=True)
                with contextlib.suppress(OSError):
                    old.parent.rmdir()
    except OSError as exc:
        raise BenchError(f"cannot write the baseline {dest}: {_reason(exc)}") from None
    return written


def _reason(exc: BaseException) -> str:
    """A short reason for a failed read or write."""
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 text ({exc.reason} at byte {exc.start})"
    if isinstance(exc, OSError):
        where = f": {exc.filename}" if exc.filename else ""
        return f"{exc.strerror or exc}{where}"
    return str(exc)


# --- command line -----------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The ``bench-compare`` argument parser."""
    parser = ArgumentParser(
        prog=PROG,
        description="Compare a run or sweep with a committed baseline; exit 1 on a regression.",
    )
    parser.add_argument(
        "--baseline",
        required=True,
        type=Path,
        help="baseline run.json, run directory or directory of runs",
    )
    parser.add_argument(
        "--run", required=True, type=Path, help="run directory or sweep directory to check"
    )
    parser.add_argument(
        "--tolerances",
        type=Path,
        default=DEFAULT_TOLERANCES,
        help="tolerance file (default: conf/compare/default.yaml)",
    )
    parser.add_argument(
        "--significance",
        action="store_true",
        help="also fail on significant drops (paired test), even within tolerance",
    )
    parser.add_argument("--alpha", type=float, default=0.05, help="significance level")
    parser.add_argument(
        "--test",
        default="approximate_randomization",
        choices=("approximate_randomization", "paired_bootstrap"),
        help="paired test for --significance",
    )
    parser.add_argument("--n-samples", type=int, default=1000, help="resamples of the paired test")
    parser.add_argument("--seed", type=int, default=0, help="seed of the paired test")
    parser.add_argument(
        "--summary", type=Path, help="also append the table to this file ($GITHUB_STEP_SUMMARY)"
    )
    parser.add_argument(
        "--write-baseline",
        action="store_true",
        help="instead of comparing, copy run.json and scores.jsonl of every "
        "run under --run into --baseline/<label>/",
    )
    parser.add_argument(
        "--prune",
        action="store_true",
        help="with --write-baseline: also remove baseline runs that --run does not have",
    )
    return parser


def _append(path: Path, text: str) -> None:
    try:
        with path.open("a", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        raise BenchError(f"cannot write summary {path}: {exc.strerror or exc}") from None


def run_cli(argv: Sequence[str]) -> int:
    """Parse ``argv``, compare (or write the baseline), print the table; return the exit status.

    Raises:
        BenchError: on bad usage or input.
    """
    args = build_parser().parse_args(list(argv))
    if args.prune and not args.write_baseline:
        raise BenchError("--prune goes with --write-baseline")
    if args.write_baseline:
        runs = load_side(args.run, "run")
        for path in write_baseline(runs, args.baseline, prune=args.prune):
            print(f"{PROG}: wrote {path}")
        return 0
    significance = None
    if args.significance:
        if not 0.0 < args.alpha < 1.0:
            raise BenchError(f"--alpha must be between 0 and 1, got {args.alpha}")
        from bench.results.aggregate import check_samples

        check_samples(args.n_samples, "--n-samples")
        if args.seed < 0:
            raise BenchError(f"--seed must be >= 0, got {args.seed}")
        significance = SignificanceOptions(args.test, args.alpha, args.n_samples, args.seed)
    tolerances = load_tolerances(args.tolerances)
    baseline = load_side(args.baseline, "baseline")
    run = load_side(args.run, "run")
    comparison = compare(baseline, run, tolerances, significance)
    markdown = to_markdown(comparison, args.baseline, args.run, tolerances, significance)
    print(markdown, end="", flush=True)
    if args.summary is not None:
        _append(args.summary, markdown + "\n")
    return 1 if comparison.failed else 0


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Console entry point: exit 0 (pass), 1 (regression) or 2 (usage or input error)."""
    try:
        status = run_cli(sys.argv[1:] if argv is None else argv)
    except BenchError as exc:
        message = " ".join(str(exc).split())
        print(f"{PROG}: error: {message}", file=sys.stderr)
        sys.exit(2)
    sys.exit(status)


if __name__ == "__main__":
    main()
