"""bench-run with a model-based summarizer: packing accounting recorded, reruns from the cache."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from bench.fileio import read_jsonl
from bench.run import run
from tests.conftest import ROOT


def _timing(directory):
    return json.loads((directory / "timing.json").read_text())


def test_run_records_what_the_model_saw_and_reruns_from_the_cache(
    compose_run, tiny_models, tmp_path
):
    overrides = (
        "summarizer=tiny_bart",
        f"summarizer.model={tiny_models['bart']}",
        f"paths.results_dir={tmp_path / 'results'}",
        "packing=round_robin",
        "packing.max_input_tokens=400",
    )
    first, second = tmp_path / "first", tmp_path / "second"
    record = run(compose_run(*overrides), first, overrides)
    (row,) = read_jsonl(first / "summaries.jsonl")
    docs = row["input"]["documents"]
    assert len(docs) == 5 and all(d["tokens_seen"] > 0 for d in docs)
    assert sum(d["tokens_seen"] for d in docs) <= 400
    assert _timing(first)["generation_cache"] == {"hits": 0, "misses": 1}
    assert record["summarizer_signature"]["packing"] == "round_robin"
    assert record["summarizer_signature"]["weights"].startswith("sha256:")

    run(compose_run(*overrides), second, overrides)
    assert _timing(second)["generation_cache"] == {"hits": 1, "misses": 0}
    for name in ("run.json", "summaries.jsonl", "scores.jsonl"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_missing_local_model_is_a_one_line_error_without_results(tmp_path):
    env = dict(os.environ, HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1")
    proc = subprocess.run(
        [sys.executable, "-m", "bench.run", "summarizer=seq2seq",
         f"summarizer.model={tmp_path / 'no-model'}", f"paths.results_dir={tmp_path / 'r'}"],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 2
    errors = [line for line in proc.stderr.splitlines() if line.startswith("bench-run: error:")]
    assert len(errors) == 1, proc.stderr
    assert "does not exist" in errors[0]
    assert not (tmp_path / "r").exists() or not any((tmp_path / "r").rglob("run.json"))


@pytest.mark.slow
def test_packing_sweep_runs_end_to_end_and_a_rerun_is_served_from_the_cache(tiny_models, tmp_path):
    env = dict(os.environ, HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1")
    args = [
        sys.executable, "-m", "bench.run", "-m", "summarizer=tiny_bart",
        f"summarizer.model={tiny_models['bart']}", "packing=equal,round_robin",
        f"paths.results_dir={tmp_path / 'results'}",
    ]  # fmt: skip
    for n, expected in ((1, {"hits": 0, "misses": 1}), (2, {"hits": 1, "misses": 0})):
        sweep = tmp_path / f"sweep{n}"
        proc = subprocess.run([*args, f"hydra.sweep.dir={sweep}"], capture_output=True,
                              text=True, cwd=ROOT, env=env, timeout=600)  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        assert "| tiny_bart (packing=equal) " in proc.stdout
        assert "| tiny_bart (packing=round_robin) " in proc.stdout
        jobs = sorted(p.parent for p in sweep.rglob("run.json"))
        assert len(jobs) == 2
        for job in jobs:
            assert _timing(job)["generation_cache"] == expected
