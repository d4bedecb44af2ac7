"""Comparison tables of runs: Markdown for reading, CSV for tools, LaTeX for papers.

``bench-table DIR...`` collects every complete run (a parseable ``run.json``) under the given run
or sweep directories and writes ``comparison.md``, ``.csv`` and ``.tex`` plus two plots (metric
bars, score against output length) into ``--out`` (default: the first DIR); it prints the
Markdown table.

With ``--baseline`` every other run is compared with the baseline by a seeded, two-sided paired
test (:mod:`bench.results.significance`) over the per-cluster values in ``scores.jsonl`` matched
by ``cluster_id``; when both runs scored a single cluster the units are the references instead,
each system's score against each single reference (``per_reference``, matched by ``ref_id``).
A run that cannot be paired is marked as not tested and the caption says why.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.errors import ArgumentParser, BenchError
from bench.results.records import EXECUTION_KEYS

if TYPE_CHECKING:
    from bench.results.significance import TestResult

DEFAULT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("rouge1_f", "R-1 F1"),
    ("rouge2_f", "R-2 F1"),
    ("rougeL_f", "R-L F1"),
    ("rougeLsum_f", "R-Lsum F1"),
    ("fact_consistency", "Fact"),
    ("nli_consistency", "NLI"),
    ("fact_nli_consistency", "Fact+NLI"),
    ("length_words", "Words"),
    ("length_bytes", "Bytes"),
)
CI_FORMATS = ("bracket", "pm", "none")
OUTPUT_STEM = "comparison"
LENGTH_PLOT_STEM = "comparison_length"
PLOT_SUFFIXES = (".png", ".pdf")
# Below this many paired units the caption cautions that bootstrap p-values come out too small.
FEW_UNITS = 10
_PERCENT = ("rouge",)
_ROUGE_NAMES = {"rouge1": "R-1", "rouge2": "R-2", "rougeL": "R-L", "rougeLsum": "R-Lsum"}
_VARIANTS = {"f": "F1", "p": "P", "r": "R"}
_TEST_NAMES = {
    "paired_bootstrap": "paired bootstrap",
    "approximate_randomization": "approximate randomization",
}


@dataclass(frozen=True, slots=True)
class RunSummary:
    """The parts of a run.json a table needs."""

    label: str
    path: Path
    record: dict[str, Any]

    @classmethod
    def of(cls, record: dict[str, Any], path: Path) -> RunSummary:
        """Wrap one run record."""
        return cls(_label(record), path, record)

    @property
    def system(self) -> str:
        """The summarizer name."""
        return str(self.record.get("system", "?"))

    def score(self, key: str) -> dict[str, Any] | None:
        """The ``{"mean", "low", "high", "method"}`` entry of ``key``, if recorded."""
        score = self.record["scores"].get(key)
        return score if isinstance(score, dict) and score.get("mean") is not None else None


def load_runs(directory: Path) -> list[RunSummary]:
    """Every run (a run.json) under ``directory``, in path order.

    Raises:
        BenchError: a run.json that cannot be read or parsed, or is not a run record: a table
            that left it out silently would look complete.
    """
    from bench.data.io import read_bytes
    from bench.results.fileset import find_run_files

    runs = []
    for path in find_run_files(directory):
        try:  # read_bytes refuses a FIFO or device named run.json instead of waiting on it
            record = json.loads(read_bytes(path, "run.json").decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BenchError(f"{path}: unreadable run.json ({_reason(exc)})") from None
        if not isinstance(record, dict) or not isinstance(record.get("scores"), dict):
            raise BenchError(f"{path}: not a bench-run run.json (no 'scores' mapping)")
        _check_record(record, path)
        runs.append(RunSummary.of(record, path.parent))
    return runs


def _check_record(record: dict[str, Any], path: Path) -> None:
    """A run.json whose fields have the wrong types or non-finite scores is an error naming it."""
    from bench.results.records import check_run_record

    check_run_record(record, path)


def _reason(exc: Exception) -> str:
    """A short reason for a failed parse of a JSON file."""
    if isinstance(exc, json.JSONDecodeError):
        return f"invalid JSON: {exc.msg}, line {exc.lineno}"
    return str(exc)


def collect_runs(directories: Sequence[Path]) -> list[RunSummary]:
    """Complete runs under every directory (run or sweep dirs), each once, labels made unique.

    Raises:
        BenchError: a directory does not exist, or no complete run was found.
    """
    runs: list[RunSummary] = []
    seen: set[Path] = set()
    for directory in directories:
        if not directory.exists():
            raise BenchError(f"no such directory: {directory}")
        if not directory.is_dir():
            raise BenchError(f"not a directory: {directory}")
        for run in load_runs(directory):
            key = run.path.resolve()
            if key not in seen:
                seen.add(key)
                runs.append(run)
    if not runs:
        where = ", ".join(str(d) for d in directories)
        raise BenchError(f"no complete runs (parseable run.json) found under {where}")
    return unique_labels(runs)


def unique_labels(runs: Sequence[RunSummary]) -> list[RunSummary]:
    """Labels that tell the runs of one table apart.

    Overrides every run shares (say ``summarizer.model=/some/path`` in a sweep over packings)
    are left out; runs whose labels still collide get their directory, relative to the colliding
    runs', appended.
    """
    if len(runs) > 1:
        shared = set.intersection(*(set(r.record.get("overrides", [])) for r in runs))
        runs = [replace(r, label=_label(r.record, shared)) for r in runs]
    groups: dict[str, list[int]] = {}
    for i, run in enumerate(runs):
        groups.setdefault(run.label, []).append(i)
    out = list(runs)
    for label, members in groups.items():
        if len(members) < 2:
            continue
        paths = [str(runs[i].path.resolve()) for i in members]
        base = os.path.commonpath(paths)
        for i, path in zip(members, paths, strict=True):
            out[i] = replace(
                runs[i], label=f"{label} [{Path(os.path.relpath(path, base)).as_posix()}]"
            )
    return out


def _label(record: dict[str, Any], leave_out: set[str] | frozenset[str] = frozenset()) -> str:
    extra = [
        o
        for o in record.get("overrides", [])
        if o not in leave_out
        and not o.startswith(("summarizer=", "sweep=", "paths.", "hydra."))
        and not o.startswith(tuple(f"{key}=" for key in EXECUTION_KEYS))
    ]
    name = str(record.get("system", "?"))
    return f"{name} ({', '.join(extra)})" if extra else name


def is_length(key: str) -> bool:
    """Whether ``key`` is an output length (never bold, never tested), not a metric."""
    return key.startswith("length_")


def scale(key: str, percent: bool = True) -> float:
    """The factor a value of ``key`` is shown with: 100 for ROUGE in percent, else 1."""
    return 100.0 if percent and key.startswith(_PERCENT) else 1.0


def _digits(key: str, percent: bool) -> int:
    if is_length(key):
        return 1
    return 2 if scale(key, percent) == 100.0 else 4


def _fmt(value: float, key: str, percent: bool) -> str:
    return f"{value * scale(key, percent):.{_digits(key, percent)}f}"


def column_label(key: str) -> str:
    """The default header of a key: ``rouge2_p`` -> ``R-2 P``, ``length_words`` -> ``Words``."""
    for k, label in DEFAULT_COLUMNS:
        if k == key:
            return label
    if is_length(key):
        return key.removeprefix("length_").replace("_", " ").capitalize()
    stem, _, variant = key.rpartition("_")
    if stem in _ROUGE_NAMES and variant in _VARIANTS:
        return f"{_ROUGE_NAMES[stem]} {_VARIANTS[variant]}"
    return key


def available_keys(runs: Sequence[RunSummary]) -> list[str]:
    """Every score key recorded by at least one run."""
    return sorted({k for r in runs for k in r.record["scores"]})


def select_columns(
    runs: Sequence[RunSummary],
    keys: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> tuple[tuple[str, str], ...]:
    """Columns ``(key, header)``: the given keys, or the default columns any run has.

    Raises:
        BenchError: a key no run recorded, a key given twice, or a label for an unselected key.
    """
    available = available_keys(runs)
    if keys is None:
        keys = [k for k, _ in DEFAULT_COLUMNS if k in available] or available
    else:
        for key in keys:
            if key not in available:
                raise BenchError(f"unknown column {key!r}; available: {', '.join(available)}")
        dupes = sorted({k for k in keys if list(keys).count(k) > 1})
        if dupes:
            raise BenchError(f"column {dupes[0]!r} selected twice")
    labels = dict(labels or {})
    for key in labels:
        if key not in keys:
            raise BenchError(
                f"label for unknown column {key!r}; selected columns: {', '.join(keys)}"
            )
    return tuple((k, labels.get(k, column_label(k))) for k in keys)


def _match(token: str, runs: Sequence[RunSummary]) -> list[int]:
    """Runs named by ``token``: the run with that exact label, else every run of that system."""
    exact = [i for i, r in enumerate(runs) if r.label == token]
    return exact or [i for i, r in enumerate(runs) if r.system == token]


def resolve_run(token: str, runs: Sequence[RunSummary], what: str) -> RunSummary:
    """The one run named by ``token`` (a run label, or a system with a single run).

    Raises:
        BenchError: no run or several runs match.
    """
    found = _match(token, runs)
    labels = ", ".join(repr(r.label) for r in runs)
    if not found:
        raise BenchError(f"unknown {what} {token!r}; runs: {labels}")
    if len(found) > 1:
        names = ", ".join(repr(runs[i].label) for i in found)
        raise BenchError(f"ambiguous {what} {token!r} matches {len(found)} runs: {names}")
    return runs[found[0]]


def order_runs(runs: Sequence[RunSummary], order: Sequence[str]) -> list[RunSummary]:
    """The runs named in ``order`` first, in that order, then the others as they were.

    A token names a run by label, or every run of a system by its name.

    Raises:
        BenchError: a token matches no run.
    """
    picked: list[int] = []
    for token in order:
        found = _match(token, runs)
        if not found:
            labels = ", ".join(repr(r.label) for r in runs)
            raise BenchError(f"unknown run {token!r} in --order; runs: {labels}")
        picked += [i for i in found if i not in picked]
    return [runs[i] for i in picked + [i for i in range(len(runs)) if i not in picked]]


# --------------------------------------------------------------------------- significance


@dataclass(frozen=True, slots=True)
class RunTest:
    """A run's paired tests against the baseline, per metric column, or why there are none.

    Attributes:
        units: what was paired, e.g. ``the 12 clusters``; empty when nothing could be.
        n_units: how many units were paired.
        results: the test of each metric column that could be tested.
        reason: why the run was not tested; empty when it was.
    """

    units: str
    n_units: int
    results: Mapping[str, TestResult] = field(default_factory=dict)
    reason: str = ""

    @property
    def tested(self) -> bool:
        """Whether at least one column was tested."""
        return not self.reason


@dataclass(frozen=True, slots=True)
class _Units:
    rows: list[dict[str, Any]] | None
    problem: str


def _unit_rows(run: RunSummary) -> _Units:
    from bench.results.records import read_jsonl

    path = run.path / "scores.jsonl"
    if not path.is_file():
        return _Units(None, "no scores.jsonl")
    try:
        rows = read_jsonl(path)
    except (OSError, UnicodeDecodeError, ValueError):
        return _Units(None, "an unreadable scores.jsonl")
    ok = all(
        isinstance(r, dict) and isinstance(r.get("scores"), dict) and "cluster_id" in r
        for r in rows
    )
    ids = [r["cluster_id"] for r in rows] if ok else []
    if not ok or not rows or len(set(ids)) != len(ids):
        return _Units(None, "a malformed scores.jsonl")
    return _Units(rows, "")


def _pair(
    base: list[dict[str, Any]], other: list[dict[str, Any]]
) -> tuple[str, list[Mapping[str, Any]], list[Mapping[str, Any]], str]:
    """(units, baseline values per unit, run values per unit, reason when they cannot pair).

    Over references, a key is only tested where its shown value is the mean over them (see
    significance_tests); over clusters the shown value is always the mean.
    """
    base_ids = [r["cluster_id"] for r in base]
    by_id = {r["cluster_id"]: r for r in other}
    if set(base_ids) != set(by_id):
        return "", [], [], "its clusters differ from the baseline's"
    if len(base_ids) >= 2:
        units = f"the {len(base_ids)} clusters"
        return units, [r["scores"] for r in base], [by_id[c]["scores"] for c in base_ids], ""
    b_refs, o_refs = base[0].get("per_reference"), other[0].get("per_reference")
    if not isinstance(b_refs, dict) or not b_refs:
        return "", [], [], "a single cluster and no per-reference scores for the baseline"
    if not isinstance(o_refs, dict) or not o_refs:
        return "", [], [], "a single cluster and no per-reference scores in its scores.jsonl"
    if set(b_refs) != set(o_refs):
        return "", [], [], "its references differ from the baseline's"
    if len(b_refs) < 2:
        return "", [], [], "a single cluster with a single reference"
    refs = sorted(b_refs)
    units = f"the {len(refs)} references of the single cluster"
    if not all(isinstance(b_refs[r], dict) and isinstance(o_refs[r], dict) for r in refs):
        return "", [], [], "malformed per-reference scores"
    return units, [b_refs[r] for r in refs], [o_refs[r] for r in refs], ""


def _values(units: Sequence[Mapping[str, Any]], key: str) -> list[float] | None:
    out = []
    for unit in units:
        value = unit.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            return None
        out.append(float(value))
    return out


def significance_tests(
    runs: Sequence[RunSummary],
    baseline: RunSummary,
    keys: Sequence[str],
    test: str = "paired_bootstrap",
    n_samples: int = 1000,
    seed: int = 0,
) -> dict[str, RunTest]:
    """Paired tests of every run but the baseline against it, keyed by run label."""
    from bench.results.significance import is_mean_of, paired_test

    base = _unit_rows(baseline)
    out: dict[str, RunTest] = {}
    for run in runs:
        if run.label == baseline.label:
            continue
        if base.rows is None:
            out[run.label] = RunTest("", 0, reason=f"the baseline has {base.problem}")
            continue
        mine = _unit_rows(run)
        if mine.rows is None:
            out[run.label] = RunTest("", 0, reason=f"it has {mine.problem}")
            continue
        units, a_units, b_units, reason = _pair(base.rows, mine.rows)
        if reason:
            out[run.label] = RunTest("", 0, reason=reason)
            continue
        by_reference = len(base.rows) < 2  # _pair pairs a single cluster over its references
        results = {}
        for key in keys:
            a, b = _values(a_units, key), _values(b_units, key)
            if a is None or b is None:
                continue
            if by_reference and not (
                is_mean_of(base.rows[0]["scores"].get(key), a)
                and is_mean_of(mine.rows[0]["scores"].get(key), b)
            ):
                continue
            results[key] = paired_test(test, a, b, n_samples, seed)
        if not results:
            reason = (
                "a single cluster whose shown scores are not the mean over its references "
                "(paired tests over references need a mean over references, e.g. "
                "metrics.rouge.multi_ref=mean)"
                if by_reference
                else "no per-unit values of the selected metrics"
            )
            out[run.label] = RunTest(units, len(a_units), reason=reason)
        else:
            out[run.label] = RunTest(units, len(a_units), results)
    return out


# --------------------------------------------------------------------------- the comparison


@dataclass(frozen=True, slots=True)
class TableOptions:
    """What a comparison shows and how, and the significance test settings.

    Attributes:
        columns: ``(score key, header)`` pairs, in order.
        ci: ``bracket`` (``mean [low, high]``), ``pm`` (``mean ± half-width``) or ``none``.
        percent: show ROUGE in percent.
        names: display names of runs, keyed by run label.
        baseline: label (or system) of the run to test the others against; None for no tests.
        test: ``paired_bootstrap`` or ``approximate_randomization``.
        n_samples: resamples (or permutations) of the test.
        seed: seed of the test.
        alpha: significance level.
    """

    columns: tuple[tuple[str, str], ...] = DEFAULT_COLUMNS
    ci: str = "bracket"
    percent: bool = True
    names: Mapping[str, str] = field(default_factory=dict)
    baseline: str | None = None
    test: str = "paired_bootstrap"
    n_samples: int = 1000
    seed: int = 0
    alpha: float = 0.05


@dataclass(frozen=True, slots=True)
class Comparison:
    """Runs with the options they are shown with and their tests against the baseline."""

    runs: tuple[RunSummary, ...]
    options: TableOptions
    baseline: RunSummary | None = None
    tests: Mapping[str, RunTest] = field(default_factory=dict)

    def name(self, run: RunSummary) -> str:
        """The display name of ``run``."""
        return self.options.names.get(run.label, run.label)

    @property
    def metric_keys(self) -> list[str]:
        """The selected columns that are metrics (not lengths)."""
        return [k for k, _ in self.options.columns if not is_length(k)]

    def mark(self, run: RunSummary, key: str) -> int:
        """+1 significantly better than the baseline, -1 significantly worse, 0 otherwise."""
        test = self.tests.get(run.label)
        result = test.results.get(key) if test is not None else None
        if result is None or not result.significant(self.options.alpha):
            return 0
        return 1 if result.delta > 0 else -1

    def best(self, key: str) -> str | None:
        """The best shown mean of a metric column, None for lengths, ties of all or one run."""
        if is_length(key):
            return None
        shown = [
            _fmt(s["mean"], key, self.options.percent)
            for r in self.runs
            if (s := r.score(key))
            and isinstance(s["mean"], int | float)
            and math.isfinite(s["mean"])
        ]
        if len(shown) < 2 or len(set(shown)) < 2:
            return None
        return max(shown, key=float)


def compare(runs: Sequence[RunSummary], options: TableOptions | None = None) -> Comparison:
    """Validate the options and run the significance tests.

    Raises:
        BenchError: an invalid option or an unknown baseline or run name.
    """
    from bench.results.aggregate import check_samples
    from bench.results.significance import TESTS

    options = options or TableOptions()
    if options.ci not in CI_FORMATS:
        raise BenchError(f"unknown CI format {options.ci!r}; choose from {', '.join(CI_FORMATS)}")
    if options.test not in TESTS:
        raise BenchError(f"unknown test {options.test!r}; choose from {', '.join(TESTS)}")
    check_samples(options.n_samples, "--samples")
    if isinstance(options.seed, bool) or options.seed < 0:
        raise BenchError(f"--seed must be an integer >= 0, got {options.seed!r}")
    if not 0.0 < options.alpha < 1.0:
        raise BenchError(f"--alpha must lie strictly between 0 and 1, got {options.alpha!r}")
    names = {resolve_run(k, runs, "run").label: v for k, v in options.names.items()}
    options = replace(options, names=names)
    if options.baseline is None:
        return Comparison(tuple(runs), options)
    baseline = resolve_run(options.baseline, runs, "baseline")
    keys = [k for k, _ in options.columns if not is_length(k)]
    tests = significance_tests(runs, baseline, keys, options.test, options.n_samples, options.seed)
    return Comparison(tuple(runs), options, baseline, tests)


# --------------------------------------------------------------------------- rendering


def latex_escape(text: str) -> str:
    """``text`` with the LaTeX special characters escaped, for text mode."""
    return "".join(_TEX.get(c, c) for c in text)


_TEX = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    "±": r"\ensuremath{\pm}",
}


@dataclass(frozen=True, slots=True)
class _Style:
    bold: Callable[[str], str]
    better: str
    worse: str
    pm: str
    text: Callable[[str], str]
    missing: str


_MD = _Style(lambda s: f"**{s}**", "†", "‡", "±", lambda s: s.replace("|", "\\|"), "-")
_TEX_STYLE = _Style(
    lambda s: f"\\textbf{{{s}}}", r"$^\dagger$", r"$^\ddagger$", r"$\pm$", latex_escape, "--"
)


def _cell(cmp: Comparison, run: RunSummary, key: str, style: _Style) -> str:
    score = run.score(key)
    if score is None:
        return style.missing
    percent = cmp.options.percent
    mean = _fmt(score["mean"], key, percent)
    head = style.bold(mean) if mean == cmp.best(key) else mean
    head += {1: style.better, -1: style.worse, 0: ""}[cmp.mark(run, key)]
    low, high = score.get("low"), score.get("high")
    if cmp.options.ci == "none" or low is None or high is None:
        return head
    if cmp.options.ci == "bracket":
        return f"{head} [{_fmt(low, key, percent)}, {_fmt(high, key, percent)}]"
    half = max(score["mean"] - low, high - score["mean"], 0.0)
    return f"{head} {style.pm} {_fmt(half, key, percent)}"


def _rows(cmp: Comparison, style: _Style) -> list[list[str]]:
    rows = [["System", *[style.text(label) for _, label in cmp.options.columns]]]
    for r in cmp.runs:
        rows.append(
            [style.text(cmp.name(r)), *[_cell(cmp, r, k, style) for k, _ in cmp.options.columns]]
        )
    return rows


def table_rows(
    runs: Sequence[RunSummary], columns: Sequence[tuple[str, str]] = DEFAULT_COLUMNS
) -> list[list[str]]:
    """Header plus one formatted (Markdown) row per run."""
    return _rows(compare(runs, TableOptions(columns=tuple(columns))), _MD)


def ci_methods(
    runs: Sequence[RunSummary], columns: Sequence[tuple[str, str]] = DEFAULT_COLUMNS
) -> list[str]:
    """The distinct CI methods of the metric (non-length) columns."""
    keys = [k for k, _ in columns if not is_length(k)]
    return sorted(
        {
            str(r.record["scores"][k].get("method"))
            for r in runs
            for k in keys
            if isinstance(r.record["scores"].get(k), dict)
        }
    )


def _sentences(cmp: Comparison, style: _Style) -> list[str]:
    """The caption, one sentence group per item, formatted with ``style``."""
    o, t = cmp.options, style.text
    keys = [k for k, _ in o.columns]
    half = " half-width of the 95% CI (the larger of mean - low and high - mean)"
    ci = {
        "bracket": t("mean with 95% CI [low, high]"),
        "pm": t("mean ") + style.pm + t(half),
        "none": t("mean (CIs not shown)"),
    }[o.ci]
    percent = o.percent and any(scale(k) == 100.0 for k in keys)
    n = ", ".join(sorted({str(r.record.get("n_clusters")) for r in cmp.runs}))
    first = (t("ROUGE in percent; ") if percent else "") + ci + t(f"; clusters: {n}.")
    if any(cmp.best(k) is not None for k in keys):
        first += t(" Best mean per metric column in bold.")
    out = [first]
    methods = ci_methods(cmp.runs, o.columns)
    if methods:
        out.append(t(f"CI: {'; '.join(methods)}."))
    if cmp.baseline is not None:
        out.append(_significance_text(cmp, style))
    return out


def _significance_text(cmp: Comparison, style: _Style) -> str:
    o, t = cmp.options, style.text
    base = cmp.name(cmp.baseline) if cmp.baseline is not None else "?"
    test = f"two-sided {_TEST_NAMES[o.test]} test, {o.n_samples} samples, seed {o.seed}"
    worse = f" significantly worse than {base} at p < {o.alpha:g}"
    text = (
        t(f"Significance against {base}: {test}; ")
        + style.better
        + t(" significantly better, ")
        + style.worse
        + t(f"{worse} (no correction for multiple comparisons).")
    )
    if not cmp.metric_keys:
        return text + t(" No metric column selected: nothing tested.")
    tested = [(r, cmp.tests[r.label]) for r in cmp.runs if r.label in cmp.tests]
    if not tested:
        return text + t(" No other run to test.")
    by_units: dict[str, list[str]] = {}
    for run, test in tested:
        if test.tested:
            by_units.setdefault(test.units, []).append(cmp.name(run))
    if len(by_units) == 1:
        text += t(f" Paired over {next(iter(by_units))}")
        if "references" in next(iter(by_units)):
            text += t(" (scores against each single reference)")
        text += t(".")
    elif by_units:
        groups = [f"{units} ({', '.join(names)})" for units, names in by_units.items()]
        text += t(f" Paired over {'; '.join(groups)}.")
    untested = [f"{cmp.name(r)}: {test.reason}" for r, test in tested if not test.tested]
    if untested:
        text += t(f" Not tested: {'; '.join(untested)}.")
    text += t(_few_units_note(o, [x.n_units for _, x in tested if x.tested]))
    return text


def _few_units_note(o: TableOptions, sizes: Sequence[int]) -> str:
    """A caution when there are too few units for the chosen test to mean much."""
    if o.test == "approximate_randomization":
        small = sorted({n for n in sizes if 2.0 ** (1 - n) > o.alpha})
        if small:
            return (
                f" With {' or '.join(map(str, small))} units approximate randomization cannot "
                f"reach p < {o.alpha:g} (smallest p about 2^(1-n))."
            )
        return ""
    small = sorted({n for n in sizes if n < FEW_UNITS})
    if not small:
        return ""
    return (
        f" Caution: with only {' or '.join(map(str, small))} units the paired bootstrap is "
        "anti-conservative (differences that all share a sign give a small p)."
    )


def _signatures(runs: Sequence[RunSummary]) -> list[str]:
    return sorted({str(v) for r in runs for v in r.record.get("signatures", {}).values()})


def caption(
    runs: Sequence[RunSummary], columns: Sequence[tuple[str, str]] = DEFAULT_COLUMNS
) -> str:
    """How the numbers were obtained: CI method of the metric columns, signatures."""
    return _md_caption(compare(runs, TableOptions(columns=tuple(columns))))


def _md_caption(cmp: Comparison) -> str:
    lines = _sentences(cmp, _MD)
    lines += [f"Signature: `{s}`" for s in _signatures(cmp.runs)]
    return "\n".join(lines)


def render_markdown(cmp: Comparison) -> str:
    """A Markdown table with its caption (CI, significance, signatures) below."""
    rows = _rows(cmp, _MD)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    out = [line(rows[0]), "| " + " | ".join("-" * w for w in widths) + " |"]
    out += [line(r) for r in rows[1:]]
    return "\n".join(out) + "\n\n" + _md_caption(cmp) + "\n"


def render_latex(cmp: Comparison, label: str = "tab:comparison") -> str:
    """A booktabs table fragment (``table`` with ``tabular`` and caption); needs booktabs."""
    rows = _rows(cmp, _TEX_STYLE)
    spec = "l" + "r" * (len(rows[0]) - 1)
    out = ["% Generated by bench-table; needs \\usepackage{booktabs}."]
    out += [f"% Signature: {s}" for s in _signatures(cmp.runs)]
    out += ["\\begin{table}[htbp]", "\\centering", f"\\begin{{tabular}}{{{spec}}}", "\\toprule"]
    out.append(" & ".join(rows[0]) + " \\\\")
    out.append("\\midrule")
    for row in rows[1:]:
        # A row opening with "[" would be read as the optional argument of the "\\" before it.
        first = "{}" + row[0] if row[0].startswith("[") else row[0]
        out.append(" & ".join([first, *row[1:]]) + " \\\\")
    out += ["\\bottomrule", "\\end{tabular}"]
    out.append("\\caption{" + " ".join(_sentences(cmp, _TEX_STYLE)) + "}")
    out += [f"\\label{{{label}}}", "\\end{table}"]
    return "\n".join(out) + "\n"


def _run_dirs(runs: Sequence[RunSummary]) -> list[str]:
    if len(runs) < 2:
        return [r.path.name for r in runs]
    paths = [str(r.path.resolve()) for r in runs]
    base = os.path.commonpath(paths)
    return [Path(os.path.relpath(p, base)).as_posix() for p in paths]


def render_csv(cmp: Comparison) -> str:
    """CSV with raw (unscaled) mean, low and high per column, for further processing.

    With a baseline, each metric column is followed by its p-value and ``better``, ``worse``,
    ``ns`` (not significant) or empty, and a ``significance`` column describes the test.
    """
    o = cmp.options
    tested = cmp.baseline is not None
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    header = ["system", "run_dir"]
    for key, _ in o.columns:
        header += [key, f"{key}_low", f"{key}_high"]
        if tested and not is_length(key):
            header += [f"{key}_p", f"{key}_sig"]
    if tested:
        header.append("significance")
    header.append("ci_method")
    writer.writerow(header)
    for r, run_dir in zip(cmp.runs, _run_dirs(cmp.runs), strict=True):
        test = cmp.tests.get(r.label)
        row: list[Any] = [cmp.name(r), run_dir]
        for key, _ in o.columns:
            s = r.record["scores"].get(key) or {}
            row += [s.get("mean", ""), s.get("low", ""), s.get("high", "")]
            if tested and not is_length(key):
                result = test.results.get(key) if test is not None else None
                if result is None:
                    row += ["", ""]
                else:
                    sig = {1: "better", -1: "worse", 0: "ns"}[cmp.mark(r, key)]
                    row += [result.p_value, sig]
        if tested:
            row.append(_csv_note(cmp, r, test))
        row.append("; ".join(ci_methods([r], o.columns)))
        writer.writerow(["" if v is None else v for v in row])
    return buf.getvalue()


def _csv_note(cmp: Comparison, run: RunSummary, test: RunTest | None) -> str:
    o = cmp.options
    if test is None:
        return "baseline"
    if not test.tested:
        return f"not tested: {test.reason}"
    base = cmp.name(cmp.baseline) if cmp.baseline is not None else "?"
    return (
        f"two-sided {o.test} vs {base}; paired over {test.units}; samples={o.n_samples}; "
        f"seed={o.seed}; alpha={o.alpha:g}"
    )


def to_markdown(
    runs: Sequence[RunSummary], columns: Sequence[tuple[str, str]] = DEFAULT_COLUMNS
) -> str:
    """A Markdown table with its caption below (default options)."""
    return render_markdown(compare(runs, TableOptions(columns=tuple(columns))))


def to_csv(runs: Sequence[RunSummary], columns: Sequence[tuple[str, str]] = DEFAULT_COLUMNS) -> str:
    """CSV with raw (unscaled) mean, low and high per column, for further processing."""
    return render_csv(compare(runs, TableOptions(columns=tuple(columns))))


def to_latex(
    runs: Sequence[RunSummary], columns: Sequence[tuple[str, str]] = DEFAULT_COLUMNS
) -> str:
    """A booktabs LaTeX table fragment (default options)."""
    return render_latex(compare(runs, TableOptions(columns=tuple(columns))))


def output_names() -> tuple[str, ...]:
    """The file names of one table set, comparison.md (its completeness marker) last."""
    stems = (OUTPUT_STEM, LENGTH_PLOT_STEM)
    plots = [f"{stem}{suffix}" for stem in stems for suffix in PLOT_SUFFIXES]
    return (f"{OUTPUT_STEM}.csv", f"{OUTPUT_STEM}.tex", *plots, f"{OUTPUT_STEM}.md")


def write_outputs(cmp: Comparison, out_dir: Path) -> list[Path]:
    """Write comparison.md, .csv, .tex and the plots (PNG and PDF) into ``out_dir`` as one set.

    The set replaces the previous one as a unit (:func:`bench.results.fileset.replace_set`):
    a failure or kill while writing leaves the previous tables whole, and no reader ever sees
    members of two sets beside a comparison.md.
    """
    from bench.results.fileset import replace_set
    from bench.results.plots import plot_comparison, plot_length_tradeoff
    from bench.results.records import atomic_write_text

    written = []
    with replace_set(out_dir, output_names()) as staging:
        for suffix, text in (
            (".md", render_markdown(cmp)),
            (".csv", render_csv(cmp)),
            (".tex", render_latex(cmp)),
        ):
            path = staging / f"{OUTPUT_STEM}{suffix}"
            atomic_write_text(path, text)
            written.append(path)
        names = [cmp.name(r) for r in cmp.runs]
        o = cmp.options
        marks = _plot_marks(cmp)
        written += plot_comparison(
            cmp.runs, staging / OUTPUT_STEM, o.columns, percent=o.percent, names=names, marks=marks
        )
        metrics = [(k, label) for k, label in o.columns if not is_length(k)]
        if metrics:
            written += plot_length_tradeoff(
                cmp.runs, staging / LENGTH_PLOT_STEM, metrics[0], percent=o.percent, names=names
            )
    return [out_dir / path.name for path in written]


def _plot_marks(cmp: Comparison) -> dict[tuple[int, str], str]:
    marks = {}
    for i, run in enumerate(cmp.runs):
        for key in cmp.metric_keys:
            mark = cmp.mark(run, key)
            if mark:
                marks[(i, key)] = "†" if mark > 0 else "‡"
    return marks


# --------------------------------------------------------------------------- command line


def _split_top(text: str, sep: str) -> list[str]:
    """Split at ``sep`` outside double quotes and brackets (labels hold commas and '=')."""
    parts, buf, depth, quoted = [], [], 0, False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in "([{":
            depth += 1
        elif not quoted and ch in ")]}":
            depth = max(depth - 1, 0)
        elif not quoted and depth == 0 and ch == sep:
            parts.append("".join(buf))
            buf = []
            continue
        buf.append(ch)
    parts.append("".join(buf))
    return parts


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1]
    return text


def parse_list(values: Sequence[str] | None) -> list[str] | None:
    """Items of repeated, comma-separated options; None when the option was not given."""
    if not values:
        return None
    return [item for v in values for p in _split_top(v, ",") if (item := _unquote(p))]


def parse_mapping(values: Sequence[str] | None, option: str) -> dict[str, str]:
    """``KEY=VALUE`` items of repeated, comma-separated options (values may be quoted).

    Raises:
        BenchError: an item without ``=``.
    """
    out = {}
    for item in parse_list(values) or []:
        key, *rest = _split_top(item, "=")
        if not rest or not _unquote(key):
            raise BenchError(f"{option}: expected KEY=LABEL, got {item!r}")
        out[_unquote(key)] = _unquote("=".join(rest))
    return out


def _parser() -> argparse.ArgumentParser:
    from bench.results.significance import TESTS

    p = ArgumentParser(
        prog="bench-table",
        description="Compare runs and sweeps: Markdown, CSV and LaTeX tables plus plots.",
    )
    p.add_argument("dirs", nargs="+", type=Path, metavar="DIR", help="run or sweep directories")
    p.add_argument("--out", type=Path, help="output directory (default: the first DIR)")
    p.add_argument(
        "--columns",
        action="append",
        metavar="KEY,...",
        help="score keys to show, e.g. rouge1_f,rouge2_f,length_words",
    )
    p.add_argument(
        "--labels",
        action="append",
        metavar='KEY="LABEL",...',
        help='column headers, e.g. rouge1_f="R-1",rouge2_f="R-2"',
    )
    p.add_argument(
        "--names",
        action="append",
        metavar='RUN="NAME",...',
        help="display names of runs (by run label or system)",
    )
    p.add_argument(
        "--order",
        action="append",
        metavar="RUN,...",
        help="row order by run label or system; the others follow",
    )
    p.add_argument(
        "--ci",
        choices=CI_FORMATS,
        default="bracket",
        help="interval as [low, high], as ± half-width, or not at all",
    )
    p.add_argument(
        "--percent",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="ROUGE in percent (default) or as fractions",
    )
    p.add_argument("--baseline", metavar="RUN", help="test every other run against this one")
    p.add_argument("--test", choices=TESTS, default="paired_bootstrap")
    p.add_argument("--samples", type=int, default=1000, help="test resamples (default 1000)")
    p.add_argument("--seed", type=int, default=0, help="test seed (default 0)")
    p.add_argument("--alpha", type=float, default=0.05, help="significance level (default 0.05)")
    return p


def build(argv: Sequence[str]) -> tuple[Comparison, Path]:
    """The comparison and output directory a ``bench-table`` command line asks for.

    Raises:
        BenchError: bad arguments, missing directories, no runs, unknown names.
    """
    args = _parser().parse_args(list(argv))
    runs = collect_runs(args.dirs)
    columns = select_columns(runs, parse_list(args.columns), parse_mapping(args.labels, "--labels"))
    if args.order:
        runs = order_runs(runs, parse_list(args.order) or [])
    options = TableOptions(
        columns=columns,
        ci=args.ci,
        percent=args.percent,
        names=parse_mapping(args.names, "--names"),
        baseline=args.baseline,
        test=args.test,
        n_samples=args.samples,
        seed=args.seed,
        alpha=args.alpha,
    )
    return compare(runs, options), args.out or args.dirs[0]


def main(argv: Sequence[str] | None = None) -> int:
    """``bench-table DIR...``: write the comparison files, print the Markdown table."""
    try:
        cmp, out_dir = build(sys.argv[1:] if argv is None else argv)
        write_outputs(cmp, out_dir)
    except BenchError as exc:
        print(f"bench-table: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"bench-table: error: {exc.strerror or exc}: {exc.filename}", file=sys.stderr)
        return 2
    print(render_markdown(cmp), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
