"""Hydra callbacks: after a sweep, write and print the comparison table, report failed jobs."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from bench.results.comparison import compare, unique_labels
from bench.results.fileset import FAILED_DIR, prune_empty
from bench.results.render import render_markdown
from bench.results.runrecord import find_runs
from bench.results.tables import write_outputs

log = logging.getLogger(__name__)


def write_comparison(sweep_dir: Path, leave_out: frozenset[Path] = frozenset()) -> str | None:
    """Write the comparison of the sweep's runs into ``sweep_dir``; return the Markdown.

    The same files as ``bench-table SWEEP_DIR``: comparison.md, .csv, .tex, the metric bars
    (comparison.png, .pdf) and score against length (comparison_length.png, .pdf). Runs in
    the folders ``leave_out`` (jobs that failed in this sweep: their earlier results are not
    of this sweep's inputs) are left out.
    """
    gone = {p.resolve() for p in leave_out}
    runs = unique_labels([r for r in find_runs(sweep_dir) if r.path.resolve() not in gone])
    if not runs:
        return None
    comparison = compare(runs)
    write_outputs(comparison, sweep_dir)
    return render_markdown(comparison)


def _failures(sweep_dir: Path) -> list[Path]:
    return sorted((sweep_dir / FAILED_DIR).glob("*.json"))


def _make_output_dir(directory: str) -> None:
    """Create the run or sweep folder before Hydra does, or exit 2 with one line saying why.

    Hydra creates it outside the task function, where a failure would be a traceback.
    """
    try:
        Path(directory).mkdir(parents=True, exist_ok=True)
        probe = Path(directory) / ".write-test"
        probe.touch()
        probe.unlink()
    except OSError as exc:
        print(
            f"bench-run: error: cannot create or write the results directory {directory}: "
            f"{exc.strerror or exc}",
            file=sys.stderr,
        )
        sys.exit(2)


class CheckOutputDir(Callback):
    """Checks that the run (or sweep) folder can be created and written before anything runs."""

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        """The folder of a single run."""
        _make_output_dir(str(config.hydra.run.dir))

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        """The folder of a sweep."""
        _make_output_dir(str(config.hydra.sweep.dir))


class SweepTable(Callback):
    """Builds the comparison table of every run in the sweep directory when the sweep ends.

    Jobs that failed on bad input are listed and make the command exit with status 2; when no
    job completed, the sweep leaves no directory behind.
    """

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Forget failures of an earlier attempt at this sweep: its jobs run (or resume) again."""
        sweep_dir = Path(config.hydra.sweep.dir)
        for path in _failures(sweep_dir):
            path.unlink(missing_ok=True)
        if (sweep_dir / FAILED_DIR).is_dir():
            prune_empty(sweep_dir / FAILED_DIR, sweep_dir)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Write the table files, print the Markdown table, report failures.

        Exits 2 when a job failed or the table could not be written, whatever the cause: Hydra
        turns an exception raised here into a warning and exit status 0.
        """
        sweep_dir = Path(config.hydra.sweep.dir)
        failed = _failures(sweep_dir)
        stale = frozenset(p for p in map(_failed_dir, failed) if p is not None)
        markdown, table_error = None, None
        try:
            markdown = write_comparison(sweep_dir, stale)
        except Exception as exc:  # any cause: the sweep must not exit 0 without its table
            table_error = _one_line(exc)
            log.debug("comparison table of %s failed", sweep_dir, exc_info=True)
        if markdown is not None:
            print(f"\nComparison ({sweep_dir}):\n\n{markdown}", flush=True)
        kept = sorted(str(p) for p in stale if (p / "run.json").is_file())
        if kept:
            print(f"bench-run: earlier results of the failed job(s) left out of the table "
                  f"(stale): {', '.join(kept)}", file=sys.stderr)  # fmt: skip
        if table_error is not None:
            print(f"bench-run: error: no comparison table: {table_error}", file=sys.stderr)
        if not failed:
            if table_error is not None:
                sys.exit(2)
            return
        jobs = [_failed_job(p) for p in failed]
        if markdown is None and table_error is None:
            for path in failed:
                path.unlink(missing_ok=True)
            (sweep_dir / "multirun.yaml").unlink(missing_ok=True)
            results_dir = Path(config.paths.results_dir)
            prune_empty(sweep_dir / FAILED_DIR, results_dir)
            prune_empty(sweep_dir, results_dir)
        print(f"bench-run: {len(failed)} job(s) failed: {'; '.join(jobs)}", file=sys.stderr)
        sys.exit(2)


def _one_line(exc: BaseException) -> str:
    """An error as one line: the project's message, or the exception type and its message."""
    from bench.errors import BenchError

    if isinstance(exc, BenchError):
        text = str(exc)
    elif isinstance(exc, OSError):
        where = f": {exc.filename}" if exc.filename else ""
        text = f"{exc.strerror or exc}{where}"
    else:
        text = f"{type(exc).__name__}: {exc}"
    return " ".join(text.split())


def _failed_dir(path: Path) -> Path | None:
    """The output folder of a failed job from its failure record (None if unreadable)."""
    try:
        return Path(json.loads(path.read_text(encoding="utf-8"))["output_dir"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _failed_job(path: Path) -> str:
    """The overrides of a failed job from its failure record (the file name if unreadable)."""
    try:
        return " ".join(json.loads(path.read_text(encoding="utf-8"))["overrides"])
    except (OSError, ValueError, KeyError, TypeError):
        return f"job {path.stem}"
