"""Untrusted models and inputs: no code from weights, remote code only on request, no network."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bench.budget import Budget
from tests.conftest import ROOT


def _seq2seq(model: str, **kwargs):
    from bench.summarizers.hf_seq2seq import Seq2Seq

    settings = {"generation": {"min_new_tokens": 4, "max_new_tokens": 4}, "device": "cpu"}
    return Seq2Seq(budget=Budget(), model=model, **(settings | kwargs))


class _RunsCode:
    """A pickle that would create ``marker`` when unpickled."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_pickled_weights_that_would_run_code_are_refused(tiny_models, tmp_path):
    model = tmp_path / "model"
    shutil.copytree(tiny_models["bart"], model)
    for weights in model.glob("*.safetensors"):
        weights.unlink()
    marker = tmp_path / "code-ran"
    (model / "pytorch_model.bin").write_bytes(pickle.dumps({"weight": _RunsCode(marker)}))
    proc = subprocess.run(
        [sys.executable, "-m", "bench.run", "summarizer=seq2seq", f"summarizer.model={model}",
         "summarizer.device=cpu", f"paths.results_dir={tmp_path / 'results'}",
         f"paths.cache_dir={tmp_path / 'cache'}"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr[-2000:]
    errors = [line for line in proc.stderr.splitlines() if line.startswith("bench-run: error:")]
    assert len(errors) == 1, proc.stderr[-2000:]
    assert "weights_only" in errors[0] and str(model) in errors[0]
    assert not marker.exists()
    assert not (tmp_path / "results").exists() or not any((tmp_path / "results").rglob("*.json"))


def test_remote_code_is_off_by_default_and_signed_when_on(tiny_models):
    off = _seq2seq(tiny_models["bart"])
    on = _seq2seq(tiny_models["bart"], trust_remote_code=True)
    assert off.signature()["trust_remote_code"] == "false"
    assert on.signature()["trust_remote_code"] == "true"
    # the generation signature is the cache key's prefix: the two never share an entry
    assert off.generation_signature() != on.generation_signature()


def test_remote_code_flag_must_be_a_boolean(tiny_models):
    with pytest.raises(ValueError, match="trust_remote_code must be true or false, got 'yes'"):
        _seq2seq(tiny_models["bart"], trust_remote_code="yes")


def test_the_configs_never_turn_remote_code_on():
    text = "\n".join(p.read_text() for p in (ROOT / "conf").rglob("*.yaml"))
    assert "trust_remote_code: true" not in text
    import inspect

    from bench.summarizers.hf_base import HFSummarizer

    default = inspect.signature(HFSummarizer.__init__).parameters["trust_remote_code"].default
    assert default is False


# A sitecustomize that makes every outgoing connection fail loudly and leaves a marker file.
NO_NETWORK = textwrap.dedent(
    """
    import os, socket

    def _refuse(*args, **kwargs):
        with open(os.environ["NETWORK_MARKER"], "a") as fh:
            fh.write(repr(args[1:] or kwargs) + "\\n")
        raise OSError("network use in a test")

    socket.socket.connect = _refuse
    socket.socket.connect_ex = _refuse
    socket.create_connection = _refuse
    socket.getaddrinfo = _refuse
    """
)


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["-m", "summarizer=lead,lexrank", "metrics=[rouge,fact]"], id="model-free"),
        pytest.param(["dataset=jsonl", "dataset.path=DATA", "summarizer=lead"], id="jsonl"),
        pytest.param(["summarizer=seq2seq", "summarizer.model=MODEL", "summarizer.device=cpu",
                      "summarizer.generation.max_new_tokens=4"], id="local-model"),
    ],
)  # fmt: skip
def test_nothing_is_fetched_from_the_network_without_a_hub_id(tiny_models, tmp_path, args):
    from bench.data.synthetic import main as synthesize

    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(NO_NETWORK)
    data = tmp_path / "data.jsonl"
    synthesize([str(data), "--clusters", "2"])
    args = [a.replace("DATA", str(data)).replace("MODEL", tiny_models["bart"]) for a in args]
    marker = tmp_path / "network-attempts"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_"))}
    env.update(PYTHONPATH=f"{site}{os.pathsep}{ROOT}", NETWORK_MARKER=str(marker),
               HF_HOME=str(tmp_path / "hf-home"))  # fmt: skip
    proc = subprocess.run(
        [sys.executable, "-m", "bench.run", *args, f"paths.results_dir={tmp_path / 'results'}",
         f"paths.cache_dir={tmp_path / 'cache'}", f"hydra.sweep.dir={tmp_path / 'sweep'}"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path, env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert not marker.exists(), marker.read_text()


PYTHON_TAG = "!!python/object/apply:pathlib.Path.touch [MARKER]"


def test_tolerance_yaml_is_loaded_safely(tmp_path):
    from bench.compare import load_tolerances
    from bench.errors import BenchError

    marker = tmp_path / "code-ran"
    bad = tmp_path / "tolerances.yaml"
    bad.write_text(f"rouge1_f: {PYTHON_TAG.replace('MARKER', repr(str(marker)))}\n")
    with pytest.raises(BenchError, match="invalid YAML"):
        load_tolerances(bad)
    assert not marker.exists()


def test_config_yaml_is_loaded_safely(tmp_path, compose_run):
    # Hydra composes the config from YAML files; a python tag in one must not run.
    marker = tmp_path / "code-ran"
    conf = tmp_path / "conf" / "budget"
    conf.mkdir(parents=True)
    (conf / "evil.yaml").write_text(
        "_target_: bench.budget.Budget\nunit: words\n"
        f"limit: {PYTHON_TAG.replace('MARKER', repr(str(marker)))}\n"
    )
    with pytest.raises(Exception, match="python/object"):
        compose_run(f"hydra.searchpath=[file://{tmp_path / 'conf'}]", "budget=evil")
    assert not marker.exists()


# -- issue 15: names from results are not paths; the environment stays out of results ----------


def _run_dir(folder: Path, system: str) -> Path:
    folder.mkdir(parents=True)
    record = {
        "system": system,
        "overrides": [],
        "n_clusters": 1,
        "scores": {"rouge1_f": {"mean": 0.4, "low": 0.3, "high": 0.5, "method": "x"}},
    }
    (folder / "run.json").write_text(json.dumps(record))
    (folder / "scores.jsonl").write_text('{"cluster_id": "c", "scores": {"rouge1_f": 0.4}}\n')
    return folder


@pytest.mark.parametrize("system", [pytest.param("..", id="dotdot"), pytest.param(".", id="dot")])
def test_write_baseline_stays_in_its_folder_whatever_the_system_name(tmp_path, system):
    run = _run_dir(tmp_path / "runs" / "r1", system)
    baseline = tmp_path / "area" / "baseline"
    baseline.mkdir(parents=True)
    before = {p for p in tmp_path.rglob("*") if p.is_file()}
    proc = subprocess.run(
        [sys.executable, "-m", "bench.compare", "--write-baseline", "--run", str(run),
         "--baseline", str(baseline)],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    written = sorted({p for p in tmp_path.rglob("*") if p.is_file()} - before)
    assert written, proc.stdout
    for path in written:  # every file in a folder of its own directly under the baseline
        assert path.parent.parent == baseline, written


SECRET = "s3cr3t-token-value-42"


@pytest.mark.parametrize(
    "override",
    [
        pytest.param("summarizer.name=${oc.env:BENCH_TEST_SECRET}", id="system-name"),
        pytest.param("summarizer.name=lead-${oc.env:BENCH_TEST_SECRET}", id="inside-a-string"),
        pytest.param("+note=${oc.env:BENCH_TEST_SECRET}", id="added-key"),
        pytest.param("+note=${oc.env:BENCH_TEST_SECRET,fallback}", id="with-default"),
    ],
)
def test_values_from_the_environment_stay_out_of_results(tmp_path, override):
    out = tmp_path / "run"
    env = {**os.environ, "BENCH_TEST_SECRET": SECRET, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "bench.run", "metrics=[rouge]", override, f"hydra.run.dir={out}",
         f"paths.results_dir={tmp_path / 'results'}", f"paths.cache_dir={tmp_path / 'cache'}"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path, env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert SECRET not in proc.stdout  # the printed table
    for name in ("run.json", "scores.jsonl", "summaries.jsonl"):
        assert SECRET not in (out / name).read_text(encoding="utf-8"), name
    assert "${oc.env:BENCH_TEST_SECRET" in (out / "run.json").read_text(encoding="utf-8")
