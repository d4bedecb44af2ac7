"""``bench-compare``: the regression gate between a committed baseline and a new run or sweep.

Runs are matched by system (name plus the settings that are part of its identity, never paths:
:mod:`bench.results.identity`) and dataset signature; a baseline system without a match is a
failure whose note says why (no run of that name, or one on another dataset). For every metric
the system-level mean of the run is compared with the baseline's (``delta = run - baseline``). A
metric fails when it moves the bad way (its declared direction, ``metric_info`` in run.json,
unless the tolerance file gives one) by more than its tolerance (absolute, in metric units;
``conf/compare/default.yaml``; the logic lives in :mod:`bench.results.gate`). With
``--significance`` a metric also fails when a paired test over clusters (or over references,
when both runs scored a single cluster and recorded per-reference scores) finds a move the bad
way significant at
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
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from bench.errors import ArgumentParser, BenchError
from bench.paths import DEFAULT_TOLERANCES
from bench.results.gate import SignificanceOptions, gate_report, load_side, run_gate
from bench.results.runrecord import RunRecord
from bench.results.tolerances import load_tolerances

PROG = "bench-compare"


# --- writing a baseline -----------------------------------------------------------------------

BASELINE_FILES = ("scores.jsonl", "run.json")  # run.json, the completeness marker, last


def baseline_dirname(label: str) -> str:
    """A directory name for a run label: ``lead``, ``lead_budget=words250``.

    Then escaped as sweep folders are (``bench.run.safe_dirname``): a label such as ``..`` or
    ``.`` (a system name is whatever a run.json says) never names a folder outside the baseline.
    """
    from bench.run import safe_dirname

    return safe_dirname(re.sub(r"[^A-Za-z0-9._=+,-]+", "_", label).strip("_") or "run")


def write_baseline(runs: Sequence[RunRecord], dest: Path, prune: bool = False) -> list[Path]:
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
    from bench.fileio import atomic_write_text
    from bench.results.fileset import replace_set

    names: dict[str, RunRecord] = {}
    texts: dict[str, dict[str, str]] = {}
    for run in runs:
        name = baseline_dirname(run.label)
        if name in names:
            raise BenchError(f"runs {names[name].label!r} and {run.label!r} map to one directory")
        names[name] = run
        texts[name] = {}
        for file in BASELINE_FILES:
            path = run.path / file
            if not path.is_file():
                raise BenchError(f"{run.path}: no {file} to copy into the baseline")
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
    result = run_gate(baseline, run, tolerances, significance)
    markdown = gate_report(result, args.baseline, args.run, tolerances, significance)
    print(markdown, end="", flush=True)
    if args.summary is not None:
        _append(args.summary, markdown + "\n")
    return 1 if result.failed else 0


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
