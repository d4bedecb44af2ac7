"""Experiment tracking: every job of a run or sweep logged to MLflow or Weights & Biases.

Off by default. ``bench-run ... +tracking=mlflow`` (``conf/tracking/mlflow.yaml``) adds
:class:`MLflowCallback` to Hydra's callbacks, ``+tracking=wandb`` (``conf/tracking/wandb.yaml``)
:class:`WandbCallback`. Both are a :class:`Tracker`: per completed job, one tracked run named
after the system, with the same content whichever tracker holds it:

- params (W&B: the run's config): the job's overrides, the system, dataset, budget, seed and
  every signature;
- metrics (W&B: the run's summary): each score's system mean and its interval bounds (``<key>``,
  ``<key>.ci_low``, ``<key>.ci_high``);
- tags (W&B: config entries beside the params): the mdsbench version, the git commit, the run
  folder;
- artifacts (W&B: the run's files): run.json, scores.jsonl, summaries.jsonl and timing.json.

At the end of a sweep one more run (``sweep``) carries the sweep's tables, plots and its
``report.html`` (bench-report), written then.
A job that failed wrote no run.json and is not logged. A tracker's client is imported only
when its callback is built: without it the run stops at once, naming the pip extra.
"""

from __future__ import annotations

import importlib
import json
import logging
import shutil
import sys
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from bench.results.callbacks import SweepTable

log = logging.getLogger(__name__)

EXTRA_HINT = "pip install 'mdsbench[tracking]'"
WANDB_HINT = "pip install 'mdsbench[wandb]'"
ARTIFACTS = ("run.json", "scores.jsonl", "summaries.jsonl", "timing.json")
SWEEP_ARTIFACTS = ("comparison.md", "comparison.csv", "comparison.tex", "comparison.png",
                   "comparison_length.png", "report.html")  # fmt: skip
_PARAM_LIMIT = 6000  # characters MLflow keeps of a parameter value


def _client(module: str, what: str, hint: str) -> Any:
    """Import a tracker's client, or raise the one-line error naming its pip extra."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(f"+tracking={module} needs {what}: {hint}") from exc


def _flat(prefix: str, value: Any, out: dict[str, str]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _flat(f"{prefix}.{key}" if prefix else str(key), inner, out)
    else:
        text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
        out[prefix] = text[:_PARAM_LIMIT]


def run_params(record: dict[str, Any]) -> dict[str, str]:
    """The tracked params of one run.json: overrides, system, settings and every signature."""
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


class Tracker(Callback, ABC):
    """One tracked run per completed job and one for the sweep's tables: the shared path.

    A tracker implements :meth:`_log` (one run: name, params, metrics, tags, files) and
    :meth:`where` (for the log line); what is logged, and when, is decided here for all.
    """

    #: module, description and pip hint of the tracker's client (see :func:`_client`)
    CLIENT: tuple[str, str, str]

    @staticmethod
    @abstractmethod
    def check_settings(**settings: Any) -> None:
        """Raise ValueError naming the first unusable setting (no client needed)."""

    @classmethod
    def preflight(cls, settings: dict[str, Any]) -> None:
        """Before Hydra starts: the client is installed and the settings are usable.

        ``bench-run`` calls this on the composed config (``bench.overrides.check_overrides``),
        so a missing extra or a bad setting is its one-line error, not Hydra's report.
        """
        _client(*cls.CLIENT)
        cls.check_settings(**settings)

    @abstractmethod
    def _log(self, name: str, folder: Path, params: dict[str, str], metrics: dict[str, float],
             tags: dict[str, str], artifacts: tuple[str, ...]) -> None:  # fmt: skip
        """Log one run; ``artifacts`` are file names in ``folder`` (absent ones are skipped)."""

    @abstractmethod
    def where(self) -> str:
        """Where the runs go, for the log: the store and experiment, or the project."""

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
        log.info("tracking: logged %s to %s", folder, self.where())

    def log_sweep(self, sweep_dir: Path) -> None:
        """Log the sweep's tables, plots and report as one more run."""
        present = tuple(a for a in SWEEP_ARTIFACTS if (sweep_dir / a).is_file())
        if present:
            self._log("sweep", sweep_dir, {}, {}, {"sweep_dir": str(sweep_dir)}, present)


class MLflowCallback(Tracker):
    """Logs every completed job, and the sweep's tables, to an MLflow store."""

    CLIENT = ("mlflow", "MLflow", EXTRA_HINT)

    @staticmethod
    def check_settings(uri: Any = "sqlite:///mlflow.db", experiment: Any = "mdsbench") -> None:
        """The store must be named."""
        if not isinstance(uri, str) or not uri.strip():
            raise ValueError(f"tracking.uri must name an MLflow store, got {uri!r}")

    def __init__(self, uri: str = "sqlite:///mlflow.db", experiment: str = "mdsbench") -> None:
        """Check that MLflow is installed and the store can be opened, before any job runs."""
        self.mlflow = _client(*self.CLIENT)
        self.check_settings(uri, experiment)
        self.uri = uri
        self.experiment = experiment
        self.mlflow.set_tracking_uri(uri)
        self.mlflow.set_experiment(experiment)

    def where(self) -> str:
        """The store and the experiment."""
        return f"{self.uri} (experiment {self.experiment})"

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


WANDB_MODES = ("offline", "online")


class WandbCallback(Tracker):
    """Logs every completed job, and the sweep's tables, as Weights & Biases runs.

    Offline by default: runs are written under ``<dir>/wandb/offline-run-*`` and reach W&B only
    when the user runs ``wandb sync`` (or sets ``mode: online``). The run's config holds the
    params and tags, its summary the metrics, its files a copy of the artifacts (a copy, not a
    link: a later rerun that replaces the results must not change what a pending sync uploads).
    """

    CLIENT = ("wandb", "the Weights & Biases client", WANDB_HINT)

    @staticmethod
    def check_settings(project: Any = "mdsbench", entity: Any = None, mode: Any = "offline",
                       dir: Any = ".") -> None:  # fmt: skip
        """Project, entity, mode and folder must be usable."""
        if not isinstance(project, str) or not project.strip():
            raise ValueError(f"tracking.project must name a W&B project, got {project!r}")
        if entity is not None and (not isinstance(entity, str) or not entity.strip()):
            raise ValueError(f"tracking.entity must be null or a W&B entity, got {entity!r}")
        if mode not in WANDB_MODES:
            raise ValueError(f"tracking.mode must be one of {', '.join(WANDB_MODES)}, got {mode!r}")
        if not isinstance(dir, str) or not dir.strip():
            raise ValueError(f"tracking.dir must name a folder, got {dir!r}")

    def __init__(self, project: str = "mdsbench", entity: str | None = None,
                 mode: str = "offline", dir: str = ".") -> None:  # fmt: skip
        """Check that the W&B client is installed and the settings are usable, before any job."""
        self.wandb = _client(*self.CLIENT)
        self.check_settings(project, entity, mode, dir)
        self.project, self.entity, self.mode = project, entity, mode
        self.dir = Path(dir).resolve()

    def where(self) -> str:
        """The project, and where offline runs wait for ``wandb sync``."""
        target = f"{self.entity}/{self.project}" if self.entity else self.project
        return f"W&B {target} ({self.mode}, {self.dir / 'wandb'})"

    def _check_dir(self, config: DictConfig, out_dir: str) -> None:
        """Exit 2 when W&B would write inside the results: tables would find its run.json copies."""
        written = (self.dir / "wandb").resolve()
        for folder in (out_dir, OmegaConf.select(config, "paths.results_dir")):
            if folder is None:
                continue
            inside = Path(folder).resolve()
            if written == inside or inside in written.parents:
                print(f"bench-run: error: tracking.dir={self.dir} puts W&B's copies of run.json "
                      f"inside {folder}, where tables would count each run twice; choose a "
                      "folder outside the results", file=sys.stderr)  # fmt: skip
                sys.exit(2)

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Refuse a W&B folder inside the run's results, before the run."""
        self._check_dir(config, str(config.hydra.run.dir))

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Refuse a W&B folder inside the sweep's results, before any job."""
        self._check_dir(config, str(config.hydra.sweep.dir))

    def _log(self, name: str, folder: Path, params: dict[str, str], metrics: dict[str, float],
             tags: dict[str, str], artifacts: tuple[str, ...]) -> None:  # fmt: skip
        self.dir.mkdir(parents=True, exist_ok=True)
        run = self.wandb.init(
            project=self.project, entity=self.entity, mode=self.mode, dir=str(self.dir),
            name=name, config={**params, **tags}, reinit="create_new",
            settings=self.wandb.Settings(console="off", save_code=False),
        )  # fmt: skip
        try:
            if metrics:
                run.summary.update(metrics)
            files = Path(run.dir)
            for artifact in artifacts:
                if (folder / artifact).is_file():
                    shutil.copyfile(folder / artifact, files / artifact)
                    run.save(str(files / artifact), base_path=str(files), policy="now")
        finally:
            run.finish()


class TrackedSweepTable(SweepTable):
    """The sweep table callback, then the sweep's tables logged by a tracker.

    Hydra ends callbacks in reverse order, so a callback added after ``sweep_table`` would end
    before the tables exist; ``+tracking=mlflow`` and ``+tracking=wandb`` put this class in
    ``sweep_table``'s place, with their tracker as ``tracker``.
    """

    def __init__(self, tracker: Tracker) -> None:
        """Log with ``tracker`` (built from the same settings as the per-job callback)."""
        if not isinstance(tracker, Tracker):
            raise TypeError(f"tracker must be a bench.tracking.Tracker, got {type(tracker)!r}")
        self.tracker = tracker

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
