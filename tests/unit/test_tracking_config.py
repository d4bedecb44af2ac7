"""``bench.tracking`` without the trackers' clients: configs, the missing-extra error, checks."""

from __future__ import annotations

import subprocess
import sys
import types

import pytest
from omegaconf import OmegaConf

from bench import tracking

TRACKERS = ("mlflow", "wandb")


@pytest.mark.parametrize(
    ("module", "build", "message"),
    [
        ("mlflow", lambda: tracking.MLflowCallback("sqlite:///x.db"),
         "+tracking=mlflow needs MLflow: pip install 'mdsbench[tracking]'"),
        ("wandb", lambda: tracking.WandbCallback(),
         "+tracking=wandb needs the Weights & Biases client: pip install 'mdsbench[wandb]'"),
    ],
)  # fmt: skip
def test_without_the_client_the_run_stops_naming_the_extra(monkeypatch, module, build, message):
    monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(ImportError) as error:
        build()
    assert str(error.value) == message


def test_importing_tracking_loads_no_tracker_client():
    code = "import sys, bench.tracking; print(*sorted({'mlflow', 'wandb'} & set(sys.modules)))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ""


@pytest.mark.parametrize("tracker", TRACKERS)
def test_every_tracking_setting_stays_out_of_job_folder_names(compose_run, tracker):
    cfg = compose_run(f"+tracking={tracker}", hydra=True)
    excluded = set(cfg.hydra.job.config.override_dirname.exclude_keys)
    assert {f"tracking.{key}" for key in cfg.tracking} <= excluded
    # the sweep report is logged by the same tracker as the jobs
    callbacks = OmegaConf.to_container(cfg.hydra.callbacks, resolve=True)
    assert callbacks["sweep_table"]["tracker"] == callbacks[tracker]


def test_wandb_is_offline_by_default(compose_run):
    cfg = compose_run("+tracking=wandb", hydra=True)
    assert cfg.tracking.mode == "offline"
    assert cfg.hydra.callbacks.wandb.mode == "offline"


@pytest.fixture
def fake_wandb(monkeypatch):
    """A stand-in module: the settings are checked before the client is ever called."""
    monkeypatch.setitem(sys.modules, "wandb", types.ModuleType("wandb"))


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"mode": "bogus"}, "tracking.mode must be one of offline, online, got 'bogus'"),
        ({"project": " "}, "tracking.project must name a W&B project, got ' '"),
        ({"entity": ""}, "tracking.entity must be null or a W&B entity, got ''"),
        ({"dir": ""}, "tracking.dir must name a folder, got ''"),
    ],
)
def test_bad_wandb_settings_are_refused_before_any_job(fake_wandb, settings, message):
    with pytest.raises(ValueError) as error:
        tracking.WandbCallback(**settings)
    assert str(error.value) == message


@pytest.mark.parametrize("where", ["results/wb", "results", "sweep"])
def test_a_wandb_folder_inside_the_results_is_refused(fake_wandb, tmp_path, capsys, where):
    config = OmegaConf.create(
        {"paths": {"results_dir": str(tmp_path / "results")},
         "hydra": {"sweep": {"dir": str(tmp_path / "sweep")}}}
    )  # fmt: skip
    with pytest.raises(SystemExit) as stop:
        tracking.WandbCallback(dir=str(tmp_path / where)).on_multirun_start(config)
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("bench-run: error: tracking.dir=") and "\n" not in err
    # beside the results (W&B then writes into <tmp_path>/wandb) is accepted
    tracking.WandbCallback(dir=str(tmp_path)).on_multirun_start(config)


def test_the_sweep_report_takes_only_a_tracker():
    with pytest.raises(TypeError, match="bench.tracking.Tracker"):
        tracking.TrackedSweepTable(tracker=object())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["+tracking=wandb", "tracking.mode=bogus"],
         "hydra.callbacks.wandb: tracking.mode must be one of offline, online, got 'bogus'"),
        (["+tracking=mlflow", "tracking.uri= "],
         "hydra.callbacks.mlflow: tracking.uri must name an MLflow store, got ''"),
    ],
)  # fmt: skip
def test_bench_run_checks_tracking_settings_before_hydra(monkeypatch, args, message):
    """One line before Hydra builds its callbacks (Hydra's own report spans several)."""
    from bench.errors import BenchError
    from bench.overrides import check_overrides
    from bench.run import CONF_DIR

    for module in TRACKERS:  # stand-ins: the settings are checked before any client call
        monkeypatch.setitem(sys.modules, module, types.ModuleType(module))
    with pytest.raises(BenchError) as error:
        check_overrides(args, CONF_DIR)
    assert str(error.value) == message


@pytest.mark.parametrize("tracker", TRACKERS)
def test_bench_run_names_the_extra_before_hydra(monkeypatch, tracker):
    from bench.errors import BenchError
    from bench.overrides import check_overrides
    from bench.run import CONF_DIR

    monkeypatch.setitem(sys.modules, tracker, None)
    with pytest.raises(
        BenchError, match=r"hydra.callbacks.\w+: \+tracking=\w+ needs .*pip install"
    ):
        check_overrides([f"+tracking={tracker}"], CONF_DIR)
