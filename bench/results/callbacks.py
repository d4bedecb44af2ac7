"""Hydra callbacks: after a sweep, write and print the comparison table."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from bench.results.plots import plot_comparison
from bench.results.records import atomic_write_text
from bench.results.tables import load_runs, to_csv, to_markdown

log = logging.getLogger(__name__)


def write_comparison(sweep_dir: Path) -> str | None:
    """Write comparison.md, .csv, .png and .pdf into ``sweep_dir``; return the Markdown."""
    runs = load_runs(sweep_dir)
    if not runs:
        log.warning("no complete runs under %s: no comparison table written", sweep_dir)
        return None
    markdown = to_markdown(runs)
    atomic_write_text(sweep_dir / "comparison.md", markdown)
    atomic_write_text(sweep_dir / "comparison.csv", to_csv(runs))
    plot_comparison(runs, sweep_dir / "comparison")
    return markdown


class SweepTable(Callback):
    """Builds the comparison table of every run in the sweep directory when the sweep ends."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Write the table files and print the Markdown table."""
        sweep_dir = Path(config.hydra.sweep.dir)
        markdown = write_comparison(sweep_dir)
        if markdown is not None:
            print(f"\nComparison ({sweep_dir}):\n\n{markdown}", flush=True)
