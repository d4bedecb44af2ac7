"""Experiment tracking: every job of a run or sweep logged to MLflow (``+tracking=mlflow``).

Off by default. ``bench-run ... +tracking=mlflow`` adds :class:`MLflowCallback` to Hydra's
callbacks (``conf/tracking/mlflow.yaml``); ``tracking.uri`` and ``tracking.experiment`` choose the
store (a local SQLite file works offline: ``sqlite:///mlflow.db``). Per completed job, one MLflow
run named after the system:

- params: the job's overrides, the system, dataset, budget, seed and every signature;
- metrics: each score's system mean and its interval bounds (``<key>``, ``<key>.ci_low``,
  ``<key>.ci_high``);
- tags: the mdsbench version, the git commit, the run folder;
- artifacts: run.json, scores.jsonl, summaries.jsonl and timing.json.

At the end of a sweep one more run (``sweep``) carries the sweep's tables, plots and its
``report.html`` (bench-report), written then.
A job that failed wrote no run.json and is not logged. The MLflow client is imported only
when the callback is built: without it the run stops at once, naming the pip extra.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from bench.results.callbacks import SweepTable

log = logging.getLogger(__name__)

EXTRA_HINT = "pip install 'mdsbench[tracking]'"
ARTIFACTS = ("run.json", "scores.jsonl", "summaries.jsonl", "timing.json")
SWEEP_ARTIFACTS = ("comparison.md", "comparison.csv", "comparison.tex", "comparison.png",
                   "comparison_length.png", "report.html")  # fmt: skip
_PARAM_LIMIT = 6000  # characters MLflow keeps of a parameter value


def _mlflow() -> Any:
    try:
        import mlflow
    except ImportError as exc:
        raise ImportError(f"+tracking=mlflow needs MLflow: {EXTRA_HINT}") from exc
    return mlflow


def _flat(prefix: str, value: Any, out: dict[str, str]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _flat(f"{prefix}.{key}" if prefix else str(key), inner, out)
    else:
        text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
        out[prefix] = text[:_PARAM_LIMIT]


def run_params(record: dict[str, Any]) -> dict[str, str]:
    """The MLflow params of one run.json: overrides, system, settings and every signature."""
    params: dict[str, str] = {}
    for key in ("system", "budget", "seed", "n_clusters", "cleaning", "perturb"):
        if key in record:
            _flat(key, record[key], params)
    params["overrides"] = " ".join(record.get("overrides", []))[:_PARAM_LIMIT] or "(none)"
    for key in ("signatures", "summarizer_signature", "dataset_signature"):
        _flat(key, record.get(key, {}), params)
    return params


def run_metrics(record: dict[str, Any]) -> dict[str, float]:
    """System means and interval bounds of every score of one run.json."""
    metrics: dict[str, float] = {}
    for key, score in record.get("scores", {}).items():
        metrics[key] = float(score["mean"])
        for bound in ("low", "high"):
            if score.get(bound) is not None:
                metrics[f"{key}.ci_{bound}"] = float(score[bound])
    return metrics


class MLflowCallback(Callback):
    """Logs every completed job, and the sweep's tables, to an MLflow store."""

    def __init__(self, uri: str = "sqlite:///mlflow.db", experiment: str = "mdsbench") -> None:
        """Check that MLflow is installed and the store can be opened, before any job runs."""
        self.mlflow = _mlflow()
        if not isinstance(uri, str) or not uri.strip():
            raise ValueError(f"tracking.uri must name an MLflow store, got {uri!r}")
        self.uri = uri
        self.experiment = experiment
        self.mlflow.set_tracking_uri(uri)
        self.mlflow.set_experiment(experiment)

    def _log(self, name: str, folder: Path, params: dict[str, str], metrics: dict[str, float],
             tags: dict[str, str], artifacts: tuple[str, ...]) -> None:  # fmt: skip
        with self.mlflow.start_run(run_name=name):
            self.mlflow.set_tags(tags)
            if params:
                self.mlflow.log_params(params)
            if metrics:
                self.mlflow.log_metrics(metrics)
            for artifact in artifacts:
                if (folder / artifact).is_file():
                    self.mlflow.log_artifact(str(folder / artifact))

    def on_job_end(self, config: DictConfig, job_return: Any, **kwargs: Any) -> None:
        """Log the job's results (a failed job wrote none and is skipped)."""
        from bench import __version__

        folder = Path(HydraConfig.get().runtime.output_dir)
        try:
            record = json.loads((folder / "run.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            log.info("tracking: no complete results in %s, nothing logged", folder)
            return
        git = record.get("git", {})
        tags = {
            "mdsbench": str(record.get("mdsbench", __version__)),
            "git_commit": str(git.get("commit", "unknown")) if isinstance(git, dict) else str(git),
            "run_dir": str(folder),
        }
        self._log(str(record.get("system", "run")), folder, run_params(record),
                  run_metrics(record), tags, ARTIFACTS)  # fmt: skip
        log.info("tracking: logged %s to %s (experiment %s)", folder, self.uri, self.experiment)

    def log_sweep(self, sweep_dir: Path) -> None:
        """Log the sweep's tables, plots and report as one more run."""
        present = tuple(a for a in SWEEP_ARTIFACTS if (sweep_dir / a).is_file())
        if present:
            self._log("sweep", sweep_dir, {}, {}, {"sweep_dir": str(sweep_dir)}, present)


class TrackedSweepTable(SweepTable):
    """The sweep table callback, then the sweep's tables logged to MLflow.

    Hydra ends callbacks in reverse order, so a callback added after ``sweep_table`` would end
    before the tables exist; ``+tracking=mlflow`` puts this class in ``sweep_table``'s place.
    """

    def __init__(self, uri: str = "sqlite:///mlflow.db", experiment: str = "mdsbench") -> None:
        """The same store as :class:`MLflowCallback`."""
        self.tracker = MLflowCallback(uri, experiment)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Write the tables (and exit 2 on failed jobs, as always) after logging them."""
        sweep_dir = Path(config.hydra.sweep.dir)
        try:
            super().on_multirun_end(config, **kwargs)
        finally:
            write_report(sweep_dir)
            self.tracker.log_sweep(sweep_dir)


def write_report(sweep_dir: Path) -> None:
    """Write the sweep's ``report.html`` (bench-report) to log it; a failure is a warning."""
    from bench.errors import BenchError
    from bench.fileio import atomic_write_text
    from bench.report.build import build_report
    from bench.report.html import render

    try:
        atomic_write_text(sweep_dir / "report.html", render(build_report([sweep_dir])))
    except (BenchError, OSError, ValueError) as exc:
        log.warning("tracking: no report for %s: %s", sweep_dir, exc)
