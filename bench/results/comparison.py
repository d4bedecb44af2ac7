"""Which runs a table shows, under which labels and columns, and their tests against a baseline.

:func:`collect_runs` gathers complete runs, :func:`select_columns` picks the columns (the keys
the runs' metric contracts mark as default, or the ones asked for), :func:`compare` validates
the options and runs the paired tests (:mod:`bench.results.pairing`). The renderers
(:mod:`bench.results.render`) and plots (:mod:`bench.results.plots`) draw a :class:`Comparison`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from bench.errors import BenchError
from bench.results.identity import format_label, is_path_setting, is_system_setting
from bench.results.keys import KeyCatalog
from bench.results.pairing import RunTest, significance_tests
from bench.results.runrecord import EXECUTION_KEYS, RunRecord, find_runs

CI_FORMATS = ("bracket", "pm", "none")
# Overrides that say where or how a run was executed, never what it is.
_NOT_CONTEXT = ("sweep=", "paths.", "hydra.", *(f"{key}=" for key in EXECUTION_KEYS))


def context(run: RunRecord) -> list[str]:
    """The run's overrides outside its system identity (dataset, seed, metrics...), no paths."""
    out = []
    for override in run.record.get("overrides", []):
        key, _, value = override.partition("=")
        if is_system_setting(override) or override.startswith(_NOT_CONTEXT):
            continue
        if not is_path_setting(key.lstrip("+~"), value):
            out.append(override)
    return out


def _label(run: RunRecord, shared: set[str]) -> str:
    """The system label, with the context that tells this run apart from the others shown."""
    extra = [o for o in context(run) if o not in shared]
    if not extra:
        return run.system_label
    return format_label(run.system_label, extra)


def unique_labels(runs: Sequence[RunRecord]) -> list[RunRecord]:
    """Labels that tell the runs of one table apart.

    A run reads as its system label (:mod:`bench.results.identity`), plus the context
    overrides that not every run shares (``dataset=wcep`` in a sweep over datasets); runs whose
    labels still collide get their directory, relative to the colliding runs', appended.
    """
    if runs:
        shared = set.intersection(*(set(context(r)) for r in runs))
        runs = [replace(r, label=_label(r, shared)) for r in runs]
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


def collect_runs(directories: Sequence[Path]) -> list[RunRecord]:
    """Complete runs under every directory (run or sweep dirs), each once, labels made unique.

    Raises:
        BenchError: a directory does not exist, or no complete run was found.
    """
    runs: list[RunRecord] = []
    seen: set[Path] = set()
    for directory in directories:
        if not directory.exists():
            raise BenchError(f"no such directory: {directory}")
        if not directory.is_dir():
            raise BenchError(f"not a directory: {directory}")
        for run in find_runs(directory):
            key = run.path.resolve()
            if key not in seen:
                seen.add(key)
                runs.append(run)
    if not runs:
        where = ", ".join(str(d) for d in directories)
        raise BenchError(f"no complete runs (parseable run.json) found under {where}")
    return unique_labels(runs)


def available_keys(runs: Sequence[RunRecord]) -> list[str]:
    """Every score key recorded by at least one run."""
    return sorted({k for r in runs for k in r.scores})


def select_columns(
    runs: Sequence[RunRecord],
    keys: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> tuple[tuple[str, str], ...]:
    """Columns ``(key, header)``: the given keys, or the runs' default keys.

    The default keys are those the recorded metric contracts mark ``default`` (and every key
    no contract declares); headers are the declared labels.

    Raises:
        BenchError: a key no run recorded, a key given twice, or a label for an unselected key.
    """
    available = available_keys(runs)
    catalog = KeyCatalog.of_runs(runs)
    if keys is None:
        keys = catalog.default_keys(available) or available
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
    return tuple((k, labels.get(k, catalog.label(k))) for k in keys)


def _match(token: str, runs: Sequence[RunRecord]) -> list[int]:
    """Runs named by ``token``: the run with that exact label, else every run of that system."""
    exact = [i for i, r in enumerate(runs) if r.label == token]
    return exact or [i for i, r in enumerate(runs) if token in (r.system, r.system_label)]


def resolve_run(token: str, runs: Sequence[RunRecord], what: str) -> RunRecord:
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


def order_runs(runs: Sequence[RunRecord], order: Sequence[str]) -> list[RunRecord]:
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


def ci_methods(runs: Sequence[RunRecord], keys: Sequence[str], catalog: KeyCatalog) -> list[str]:
    """The distinct CI methods of the keys with a direction (not descriptive values)."""
    return sorted(
        {
            str(r.scores[k].get("method"))
            for r in runs
            for k in keys
            if catalog.direction(k) is not None and isinstance(r.scores.get(k), dict)
        }
    )


@dataclass(frozen=True, slots=True)
class TableOptions:
    """What a comparison shows and how, and the significance test settings.

    Attributes:
        columns: ``(score key, header)`` pairs, in order; None for the default columns.
        ci: ``bracket`` (``mean [low, high]``), ``pm`` (``mean ± half-width``) or ``none``.
        percent: show keys at their declared display scale (e.g. ROUGE in percent).
        names: display names of runs, keyed by run label.
        baseline: label (or system) of the run to test the others against; None for no tests.
        test: ``paired_bootstrap`` or ``approximate_randomization``.
        n_samples: resamples (or permutations) of the test.
        seed: seed of the test.
        alpha: significance level.
    """

    columns: tuple[tuple[str, str], ...] | None = None
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

    runs: tuple[RunRecord, ...]
    options: TableOptions
    catalog: KeyCatalog
    baseline: RunRecord | None = None
    tests: Mapping[str, RunTest] = field(default_factory=dict)

    @property
    def columns(self) -> tuple[tuple[str, str], ...]:
        """The ``(key, header)`` columns shown."""
        return self.options.columns or ()

    @property
    def keys(self) -> list[str]:
        """The keys of the columns shown."""
        return [k for k, _ in self.columns]

    def name(self, run: RunRecord) -> str:
        """The display name of ``run``."""
        return self.options.names.get(run.label, run.label)

    @property
    def metric_keys(self) -> list[str]:
        """The selected keys with a direction (tested, bold), not descriptive values."""
        return [k for k in self.keys if self.catalog.direction(k) is not None]

    def fmt(self, value: float, key: str) -> str:
        """``value`` of ``key`` as shown."""
        return self.catalog.fmt(value, key, self.options.percent)

    def mark(self, run: RunRecord, key: str) -> int:
        """+1 significantly better than the baseline, -1 significantly worse, 0 otherwise."""
        test = self.tests.get(run.label)
        result = test.results.get(key) if test is not None else None
        if result is None or not result.significant(self.options.alpha):
            return 0
        better = result.delta > 0 if self.catalog.direction(key) else result.delta < 0
        return 1 if better else -1

    def best(self, key: str) -> str | None:
        """The best shown mean of a column by its direction; None without one, or on ties."""
        direction = self.catalog.direction(key)
        if direction is None:
            return None
        shown = [
            self.fmt(s["mean"], key)
            for r in self.runs
            if (s := r.score(key))
            and isinstance(s["mean"], int | float)
            and math.isfinite(s["mean"])
        ]
        if len(shown) < 2 or len(set(shown)) < 2:
            return None
        return (max if direction else min)(shown, key=float)

    def ci_methods(self) -> list[str]:
        """The distinct CI methods of the metric columns."""
        return ci_methods(self.runs, self.keys, self.catalog)


def compare(runs: Sequence[RunRecord], options: TableOptions | None = None) -> Comparison:
    """Validate the options, fill in the default columns and run the significance tests.

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
    columns = options.columns if options.columns is not None else select_columns(runs)
    options = replace(options, names=names, columns=columns)
    catalog = KeyCatalog.of_runs(runs)
    if options.baseline is None:
        return Comparison(tuple(runs), options, catalog)
    baseline = resolve_run(options.baseline, runs, "baseline")
    keys = [k for k, _ in columns if catalog.direction(k) is not None]
    tests = significance_tests(runs, baseline, keys, options.test, options.n_samples, options.seed)
    return Comparison(tuple(runs), options, catalog, baseline, tests)
