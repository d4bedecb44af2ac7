"""``bench-table``: comparison tables and plots of runs and sweeps.

``bench-table DIR...`` collects every complete run (a parseable ``run.json``) under the given run
or sweep directories and writes ``comparison.md``, ``.csv`` and ``.tex`` plus two plots (metric
bars, score against output length) into ``--out`` (default: the first DIR); it prints the
Markdown table. Columns, labels, display scale, decimals and which value is best come from the
metric contracts recorded in run.json (``metric_info``): a new metric shows up by itself.

With ``--baseline`` every other run is compared with the baseline by a seeded, two-sided paired
test (:mod:`bench.results.pairing`) over the per-cluster values in ``scores.jsonl`` matched
by ``cluster_id``; when both runs scored a single cluster the units are the references instead,
each system's score against each single reference (``per_reference``, matched by ``ref_id``).
A run that cannot be paired is marked as not tested and the caption says why.

The pieces: :mod:`~bench.results.runrecord` (reading runs), :mod:`~bench.results.keys` (labels
and formatting), :mod:`~bench.results.comparison` (selection and tests),
:mod:`~bench.results.render` (Markdown, CSV, LaTeX) and :mod:`~bench.results.plots`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bench.errors import ArgumentParser, BenchError, run_reporting_errors
from bench.results.comparison import (
    CI_FORMATS,
    Comparison,
    TableOptions,
    collect_runs,
    compare,
    order_runs,
    select_columns,
    unique_labels,
)
from bench.results.render import render_csv, render_latex, render_markdown
from bench.results.runrecord import RunRecord

OUTPUT_STEM = "comparison"
LENGTH_PLOT_STEM = "comparison_length"
PLOT_SUFFIXES = (".png", ".pdf")


def _columns(columns: Sequence[tuple[str, str]] | None) -> tuple[tuple[str, str], ...] | None:
    return None if columns is None else tuple(columns)


def to_markdown(runs: Sequence[RunRecord], columns: Sequence[tuple[str, str]] | None = None) -> str:
    """A Markdown table with its caption below (default options and columns)."""
    return render_markdown(compare(runs, TableOptions(columns=_columns(columns))))


def to_csv(runs: Sequence[RunRecord], columns: Sequence[tuple[str, str]] | None = None) -> str:
    """CSV with raw (unscaled) mean, low and high per column, for further processing."""
    return render_csv(compare(runs, TableOptions(columns=_columns(columns))))


def to_latex(runs: Sequence[RunRecord], columns: Sequence[tuple[str, str]] | None = None) -> str:
    """A booktabs LaTeX table fragment (default options)."""
    return render_latex(compare(runs, TableOptions(columns=_columns(columns))))


def run_table(record: Mapping[str, Any], out_dir: Path) -> str:
    """The Markdown table ``bench-run`` prints for the run it just recorded in ``out_dir``."""
    return to_markdown(unique_labels([RunRecord.of(dict(record), out_dir)]))


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
    from bench.fileio import atomic_write_text
    from bench.results.fileset import replace_set
    from bench.results.plots import plot_comparison, plot_length_tradeoff

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
        written += plot_comparison(cmp, staging / OUTPUT_STEM)
        if cmp.metric_keys:
            written += plot_length_tradeoff(cmp, staging / LENGTH_PLOT_STEM)
    return [out_dir / path.name for path in written]


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

    def work() -> str:
        cmp, out_dir = build(sys.argv[1:] if argv is None else argv)
        write_outputs(cmp, out_dir)
        return render_markdown(cmp)

    return run_reporting_errors("bench-table", work)


if __name__ == "__main__":
    sys.exit(main())
