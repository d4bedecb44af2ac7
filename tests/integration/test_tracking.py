"""``+tracking=mlflow`` and ``+tracking=wandb``: every job and the sweep's tables logged for real.

MLflow into a local SQLite store read back with ``MlflowClient``; W&B offline, read back from
the run files W&B wrote (its ``run-*.wandb`` record log and the run's ``files/``).
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SYSTEMS = ("lead", "random")
JOB_FILES = {"run.json", "scores.jsonl", "summaries.jsonl", "timing.json"}
pytestmark = pytest.mark.tracking


def _sweep(tmp_path: Path, name: str, *extra: str,
           env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:  # fmt: skip
    cmd = [sys.executable, "-m", "bench.run", "-m", "summarizer=lead,random", "metrics=[rouge]",
           f"hydra.sweep.dir={tmp_path / name}", *extra]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def plain_sweep(tmp_path_factory) -> Path:
    """The same sweep without tracking."""
    tmp_path = tmp_path_factory.mktemp("untracked")
    out = _sweep(tmp_path, "plain")
    assert out.returncode == 0, out.stderr
    return tmp_path / "plain"


def _job(sweep: Path, system: str) -> Path:
    (job,) = sweep.glob(f"*summarizer={system}")
    return job


def _same_results(tracked: Path, plain: Path) -> None:
    """Tracking changes nothing in the results: the same folders and the same run.json."""
    for system in SYSTEMS:
        assert _job(tracked, system).name == _job(plain, system).name
        run_file = Path(_job(tracked, system).name) / "run.json"
        assert (tracked / run_file).read_bytes() == (plain / run_file).read_bytes()


def test_a_sweep_is_logged_and_read_back_with_the_mlflow_client(tmp_path, plain_sweep):
    mlflow = pytest.importorskip("mlflow")
    from mlflow.tracking import MlflowClient

    # the default store: ./mlflow.db in the folder bench-run was started from
    out = _sweep(tmp_path, "tracked", "+tracking=mlflow", "tracking.experiment=test")
    assert out.returncode == 0, out.stderr
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    client = MlflowClient()
    experiment = client.get_experiment_by_name("test")
    runs = {r.info.run_name: r for r in client.search_runs([experiment.experiment_id])}
    assert set(runs) == {*SYSTEMS, "sweep"}
    for system in SYSTEMS:
        job = _job(tmp_path / "tracked", system)
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
        assert artifacts == JOB_FILES
    sweep_artifacts = {a.path for a in client.list_artifacts(runs["sweep"].info.run_id)}
    assert {"comparison.md", "comparison.csv", "report.html"} <= sweep_artifacts
    _same_results(tmp_path / "tracked", plain_sweep)


def _wandb_records(log_file: Path) -> list[Any]:
    """The records of a ``run-*.wandb`` file: W&B's header, then LevelDB-log framed protobufs.

    W&B 0.31 writes an offline run's config and summary only into this log (``wandb sync``
    uploads from it), not into ``files/config.yaml`` or ``files/wandb-summary.json``.
    """
    from wandb.proto.wandb_internal_pb2 import Record

    data = log_file.read_bytes()
    assert data[:4] == b":W&B", f"{log_file}: not a W&B run log"
    block, pos, chunks, records = 32768, 7, b"", []
    while pos + 7 <= len(data):
        if block - pos % block < 7:  # a block's tail too short for a header is padding
            pos += block - pos % block
            continue
        _crc, length, kind = struct.unpack("<IHB", data[pos : pos + 7])
        chunks += data[pos + 7 : pos + 7 + length]
        pos += 7 + length
        if kind in (1, 4):  # a full record, or the last piece of one
            records.append(Record.FromString(chunks))
            chunks = b""
    return records


def _wandb_runs(folder: Path) -> dict[str, dict[str, Any]]:
    """Every offline run under ``folder``, by name: its config, summary and logged files."""
    runs = {}
    for run_dir in sorted(folder.glob("offline-run-*")):
        (log_file,) = run_dir.glob("run-*.wandb")
        run: dict[str, Any] = {"dir": run_dir, "config": {}, "summary": {}, "files": set()}
        for record in _wandb_records(log_file):
            kind = record.WhichOneof("record_type")
            if kind == "run":
                run["name"] = record.run.display_name
                updates = [("config", item) for item in record.run.config.update]
            elif kind in ("config", "summary"):
                updates = [(kind, item) for item in getattr(record, kind).update]
            elif kind == "files":
                run["files"] |= {f.path for f in record.files.files}
                updates = []
            else:
                updates = []
            for section, item in updates:
                if item.key and not item.key.startswith("_"):  # W&B's own _wandb, _runtime
                    run[section][item.key] = json.loads(item.value_json)
        runs[run["name"]] = run
    return runs


def test_a_sweep_is_logged_offline_to_wandb_and_read_back(tmp_path, plain_sweep):
    pytest.importorskip("wandb")
    env = {"WANDB_MODE": "offline", "WANDB_SILENT": "true", "WANDB_DISABLE_GIT": "true",
           "WANDB_DISABLE_CODE": "true", "WANDB_API_KEY": "", "WANDB_BASE_URL": "http://127.0.0.1:9",
           "WANDB_CONFIG_DIR": str(tmp_path / "wandb-config"),
           "WANDB_CACHE_DIR": str(tmp_path / "wandb-cache"),
           "WANDB_DATA_DIR": str(tmp_path / "wandb-data")}  # fmt: skip
    # the default folder: ./wandb in the folder bench-run was started from
    out = _sweep(tmp_path, "tracked", "+tracking=wandb", "tracking.mode=offline",
                 "tracking.project=test", env=env)  # fmt: skip
    assert out.returncode == 0, out.stderr
    runs = _wandb_runs(tmp_path / "wandb")
    assert sorted(runs) == sorted([*SYSTEMS, "sweep"])
    for system in SYSTEMS:
        job = _job(tmp_path / "tracked", system)
        record = json.loads((job / "run.json").read_text())
        run = runs[system]
        expected = {}
        for key, score in record["scores"].items():
            expected[key] = score["mean"]
            expected |= {
                f"{key}.ci_{b}": score[b] for b in ("low", "high") if score.get(b) is not None
            }
        assert run["summary"] == expected
        assert "rouge1_f.ci_low" in run["summary"]
        config = run["config"]
        assert config["overrides"] == f"summarizer={system} metrics=[rouge]"
        assert config["system"] == system
        assert config["seed"] == str(record["seed"])
        assert config["signatures.rouge"] == record["signatures"]["rouge"][:6000]
        assert config["run_dir"] == str(job)
        assert run["files"] >= JOB_FILES
        for name in JOB_FILES:
            assert (run["dir"] / "files" / name).read_bytes() == (job / name).read_bytes()
    sweep = runs["sweep"]
    assert sweep["config"] == {"sweep_dir": str(tmp_path / "tracked")}
    assert {"comparison.md", "comparison.csv", "report.html"} <= sweep["files"]
    for name in ("comparison.md", "report.html"):
        assert (sweep["dir"] / "files" / name).read_bytes() == (
            tmp_path / "tracked" / name
        ).read_bytes()
    _same_results(tmp_path / "tracked", plain_sweep)
