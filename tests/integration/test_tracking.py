"""``+tracking=mlflow``: every job and the sweep's tables logged to a real local MLflow store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.tracking


def _sweep(tmp_path: Path, name: str, *extra: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "bench.run", "-m", "summarizer=lead,random", "metrics=[rouge]",
           f"hydra.sweep.dir={tmp_path / name}", *extra]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600)


def test_a_sweep_is_logged_and_read_back_with_the_mlflow_client(tmp_path):
    mlflow = pytest.importorskip("mlflow")
    from mlflow.tracking import MlflowClient

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    out = _sweep(tmp_path, "tracked", "+tracking=mlflow", f"tracking.uri={uri}",
                 "tracking.experiment=test")  # fmt: skip
    assert out.returncode == 0, out.stderr
    mlflow.set_tracking_uri(uri)
    client = MlflowClient()
    experiment = client.get_experiment_by_name("test")
    runs = {r.info.run_name: r for r in client.search_runs([experiment.experiment_id])}
    assert set(runs) == {"lead", "random", "sweep"}
    for system in ("lead", "random"):
        (job,) = (tmp_path / "tracked").glob(f"*summarizer={system}")
        record = json.loads((job / "run.json").read_text())
        logged = runs[system].data
        for key, score in record["scores"].items():
            assert logged.metrics[key] == pytest.approx(score["mean"])
            if score.get("low") is not None:
                assert logged.metrics[f"{key}.ci_low"] == pytest.approx(score["low"])
        assert "rouge1_f.ci_low" in logged.metrics
        assert logged.params["overrides"] == f"summarizer={system} metrics=[rouge]"
        assert logged.params["signatures.rouge"] == record["signatures"]["rouge"][:6000]
        assert logged.tags["run_dir"] == str(job)
        artifacts = {a.path for a in client.list_artifacts(runs[system].info.run_id)}
        assert artifacts == {"run.json", "scores.jsonl", "summaries.jsonl", "timing.json"}
    sweep_artifacts = {a.path for a in client.list_artifacts(runs["sweep"].info.run_id)}
    assert {"comparison.md", "comparison.csv", "report.html"} <= sweep_artifacts

    # tracking changes nothing in the results: the same run.json without it
    assert _sweep(tmp_path, "plain").returncode == 0
    for system in ("lead", "random"):
        (tracked,) = (tmp_path / "tracked").glob(f"*summarizer={system}")
        (plain,) = (tmp_path / "plain").glob(f"*summarizer={system}")
        assert tracked.name == plain.name
        assert (tracked / "run.json").read_bytes() == (plain / "run.json").read_bytes()


def test_without_mlflow_the_run_stops_naming_the_extra(monkeypatch):
    from bench import tracking

    monkeypatch.setitem(sys.modules, "mlflow", None)
    with pytest.raises(ImportError, match=r"pip install 'mdsbench\[tracking\]'"):
        tracking.MLflowCallback("sqlite:///x.db")
