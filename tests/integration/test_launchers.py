"""Launchers (basic, joblib, submitit) give byte-identical results; their configs are complete."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from tests.conftest import ROOT

LAUNCHER_DIR = ROOT / "conf" / "hydra" / "launcher"
RESULTS = ("summaries.jsonl", "scores.jsonl", "run.json")
GRID = ("summarizer=lead,random", "budget=words100,sentences3")
# Our launcher options and the plugin config each one extends.
PLUGIN_OF = {"parallel": "joblib", "slurm_local": "submitit_local", "slurm": "submitit_slurm"}


def _sweep(launcher: str, sweep_dir: Path, *grid: str) -> float:
    """Run a sweep with ``launcher`` into ``sweep_dir``; return its wall-clock seconds."""
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "bench.run", "-m", *grid, f"hydra/launcher={launcher}",
         f"hydra.sweep.dir={sweep_dir}"],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, f"{launcher}:\n{proc.stderr}"
    return time.monotonic() - started


def _job_dirs(sweep_dir: Path) -> list[str]:
    return sorted(p.name for p in sweep_dir.iterdir() if p.is_dir() and not p.name.startswith("."))


def _assert_same_results(reference: Path, other: Path) -> None:
    assert _job_dirs(other) == _job_dirs(reference)
    for job in _job_dirs(reference):
        for file in RESULTS:
            a, b = (reference / job / file).read_bytes(), (other / job / file).read_bytes()
            if file == "run.json":
                ra, rb = json.loads(a), json.loads(b)
                if ra["git"] != rb["git"]:
                    # the working tree changed between the sweeps (not the launcher's doing)
                    ra.pop("git"), rb.pop("git")
                    assert ra == rb, (other.name, job, file)
                    continue
            assert a == b, (other.name, job, file)


@pytest.mark.slow
def test_basic_joblib_and_submitit_local_give_identical_results(tmp_path):
    seconds = {name: _sweep(name, tmp_path / name, *GRID)
               for name in ("basic", "parallel", "slurm_local")}  # fmt: skip
    jobs = _job_dirs(tmp_path / "basic")
    assert jobs == [
        "budget=sentences3,summarizer=lead", "budget=sentences3,summarizer=random",
        "budget=words100,summarizer=lead", "budget=words100,summarizer=random",
    ]  # fmt: skip
    for name in ("parallel", "slurm_local"):
        _assert_same_results(tmp_path / "basic", tmp_path / name)
        assert (tmp_path / name / "comparison.md").read_bytes() == (
            tmp_path / "basic" / "comparison.md"
        ).read_bytes()
    # submitit: one folder per job under <sweep>/.submitit/, holding the job's stdout and stderr
    logs = sorted((tmp_path / "slurm_local" / ".submitit").glob("*/*_log.out"))
    assert len(logs) == 4
    for log in logs:
        assert "Job completed successfully" in log.read_text()
        assert log.with_name(log.name.replace("_log.out", "_log.err")).is_file()
    print(f"launcher sweep seconds: {seconds}")


def test_basic_and_joblib_give_identical_results(tmp_path):
    grid = ("summarizer=lead,random",)
    for name in ("basic", "parallel"):
        _sweep(name, tmp_path / name, *grid)
    assert _job_dirs(tmp_path / "basic") == ["summarizer=lead", "summarizer=random"]
    _assert_same_results(tmp_path / "basic", tmp_path / "parallel")


def _plugin_fields(plugin: str) -> dict[str, object]:
    from hydra_plugins.hydra_joblib_launcher.config import JobLibLauncherConf
    from hydra_plugins.hydra_submitit_launcher.config import LocalQueueConf, SlurmQueueConf

    conf = {"joblib": JobLibLauncherConf, "submitit_local": LocalQueueConf,
            "submitit_slurm": SlurmQueueConf}[plugin]  # fmt: skip
    return {f.name: f for f in dataclasses.fields(conf)}


@pytest.mark.parametrize("name", sorted(PLUGIN_OF))
def test_launcher_file_extends_the_plugin_config_with_known_fields(name):
    path = LAUNCHER_DIR / f"{name}.yaml"
    assert path.read_text().startswith("# @package hydra.launcher\n")
    node = OmegaConf.load(path)
    assert list(node.defaults) == [PLUGIN_OF[name]]
    assert set(node) - {"defaults"} <= set(_plugin_fields(PLUGIN_OF[name]))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("parallel", {"n_jobs": 2, "prefer": "processes"}),
        ("slurm_local", {"timeout_min": 30, "cpus_per_task": 1}),
        ("slurm", {"partition": None, "timeout_min": 60, "cpus_per_task": 2, "mem_gb": 8,
                   "max_num_timeout": 0}),
    ],
)  # fmt: skip
def test_launcher_option_composes_with_our_settings(compose_run, tmp_path, name, expected):
    cfg = compose_run(f"hydra/launcher={name}", f"hydra.sweep.dir={tmp_path}", hydra=True)
    launcher = cfg.hydra.launcher
    assert launcher._target_ == _plugin_fields(PLUGIN_OF[name])["_target_"].default
    for key, value in expected.items():
        assert launcher[key] == value, key
    if name.startswith("slurm"):
        assert launcher.submitit_folder == f"{tmp_path}/.submitit/%j"
