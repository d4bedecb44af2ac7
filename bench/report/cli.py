"""``bench-report``: one self-contained HTML page of a sweep (or of any runs and sweeps).

    bench-report results/sweeps/<stamp>                 # writes <stamp>/report.html
    bench-report results/sweeps/a results/runs/b --out paper/report.html --baseline lead

The page (:mod:`bench.report.html`) needs no network: open it from disk or a CI artifact.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from bench.errors import BenchError, run_reporting_errors

PROG = "bench-report"
log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``bench-report``."""
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n")[0])
    parser.add_argument("folders", type=Path, nargs="+", help="sweep or run folders")
    parser.add_argument("--out", type=Path, help="the HTML file (default: FOLDER/report.html)")
    parser.add_argument("--baseline", help="mark significance against this system")
    parser.add_argument("--max-clusters", type=int, default=50,
                        help="clusters shown side by side (default 50)")  # fmt: skip
    parser.add_argument("--ngram", type=int, default=2, help="n of the shared n-grams shown")
    return parser


def _run(args: argparse.Namespace) -> str:
    from bench.fileio import atomic_write_text
    from bench.report.build import build_report
    from bench.report.html import render
    from bench.results.comparison import TableOptions

    for folder in args.folders:
        if not folder.is_dir():
            raise BenchError(f"{folder} is not a folder of runs")
    if args.max_clusters < 1 or args.ngram < 1:
        raise BenchError("--max-clusters and --ngram must be at least 1")
    report = build_report(args.folders, TableOptions(baseline=args.baseline), args.max_clusters)
    out = args.out or args.folders[0] / "report.html"
    atomic_write_text(out, render(report, ngram=args.ngram))
    return f"wrote {out}\n"


def run_cli(argv: Sequence[str]) -> int:
    """Build and write the report; errors are one line and exit status 2."""
    args = build_parser().parse_args(argv)
    return run_reporting_errors(PROG, lambda: _run(args))


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Entry point of ``bench-report``."""
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    sys.exit(run_cli(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    main()
