"""Same config and seed give byte-identical results: across two runs, launchers, hash seeds.

Every run goes through ``python -m bench.run`` in a subprocess, as a user runs it, so the
interpreter (and with it ``PYTHONHASHSEED``, set iteration order, worker processes) is fresh
each time. All runs of one comparison share ``paths.results_dir`` (it is part of the recorded
config) and differ only in ``hydra.run.dir`` / ``hydra.sweep.dir``, which are not recorded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

RESULTS = ("summaries.jsonl", "scores.jsonl", "run.json")
# comparison.csv/.md hold no absolute path or launcher: run_dir is relative to the sweep folder
# (see bench/results/tables.py:_run_dirs), so they are compared byte for byte, unnormalised.
TABLES = ("comparison.csv", "comparison.md")
SWEEP = "summarizer=lead,random,textrank"
HASH_SWEEP = ("summarizer=random,textrank,mmr,sumbasic", "metrics=[rouge,fact]")


def _bench(*args: str, hashseed: str | None = None) -> subprocess.CompletedProcess[str]:
    """``bench-run`` offline with ``PYTHONHASHSEED=hashseed`` (None: unset, i.e. random)."""
    env = dict(os.environ, HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1")
    env.pop("PYTHONHASHSEED", None)
    if hashseed is not None:
        env["PYTHONHASHSEED"] = hashseed
    proc = subprocess.run(
        [sys.executable, "-m", "bench.run", *args],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, f"{args} (PYTHONHASHSEED={hashseed}):\n{proc.stderr}"
    return proc


def _sweep(sweep_dir: Path, results_dir: Path, *grid: str, hashseed: str | None = None) -> Path:
    _bench("-m", *grid, f"paths.results_dir={results_dir}", f"hydra.sweep.dir={sweep_dir}",
           hashseed=hashseed)  # fmt: skip
    return sweep_dir


def _job_dirs(sweep_dir: Path) -> list[str]:
    return sorted(p.name for p in sweep_dir.iterdir() if p.is_dir() and not p.name.startswith("."))


def _assert_same_run(a: Path, b: Path) -> None:
    """The three result files of two run folders are byte-identical."""
    for name in RESULTS:
        left, right = (a / name).read_bytes(), (b / name).read_bytes()
        if name == "run.json":
            ra, rb = json.loads(left), json.loads(right)
            if ra["git"] != rb["git"]:
                # Other people edit this working tree while the tests run: a changed
                # `git diff` hash between the two runs is the tree's doing, not the run's.
                # Everything else in run.json must still be equal.
                ra.pop("git"), rb.pop("git")
                assert ra == rb, (a, b, name)
                continue
        assert left == right, (a, b, name)


def _assert_same_sweep(a: Path, b: Path) -> None:
    """Same job folders, byte-identical per-job results and comparison tables."""
    jobs = _job_dirs(a)
    assert jobs and _job_dirs(b) == jobs
    for job in jobs:
        _assert_same_run(a / job, b / job)
    for name in TABLES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), (a, b, name)


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("determinism") / "results"


@pytest.fixture(scope="module")
def basic_sweep(results_dir) -> Path:
    """``-m summarizer=lead,random,textrank`` under the basic launcher (shared by two tests)."""
    return _sweep(results_dir.parent / "basic1", results_dir, SWEEP, "hydra/launcher=basic")


def test_two_runs_of_random_with_a_seed_are_byte_identical(results_dir):
    runs = results_dir.parent / "random"
    for name in ("a", "b"):
        _bench("summarizer=random", "seed=7", f"paths.results_dir={results_dir}",
               f"hydra.run.dir={runs / name}")  # fmt: skip
    _assert_same_run(runs / "a", runs / "b")
    assert json.loads((runs / "a" / "run.json").read_text())["seed"] == 7


def test_two_model_free_sweeps_are_byte_identical(basic_sweep, results_dir):
    again = _sweep(results_dir.parent / "basic2", results_dir, SWEEP, "hydra/launcher=basic")
    assert _job_dirs(basic_sweep) == [
        "summarizer=lead", "summarizer=random", "summarizer=textrank",
    ]  # fmt: skip
    _assert_same_sweep(basic_sweep, again)


def test_basic_and_joblib_launchers_give_byte_identical_sweeps(basic_sweep, results_dir):
    # `parallel` is the project's joblib option (conf/hydra/launcher/parallel.yaml, n_jobs: 2):
    # the jobs really run in two worker processes at once.
    joblib = _sweep(results_dir.parent / "joblib", results_dir, SWEEP, "hydra/launcher=parallel")
    _assert_same_sweep(basic_sweep, joblib)


def test_pythonhashseed_does_not_change_model_free_results(results_dir):
    sweeps = {
        seed or "unset": _sweep(results_dir.parent / f"hash-{seed or 'unset'}", results_dir,
                                *HASH_SWEEP, hashseed=seed)
        for seed in ("0", "12345", None)
    }  # fmt: skip
    assert _job_dirs(sweeps["0"]) == [
        f"metrics=[rouge,fact],summarizer={s}" for s in ("mmr", "random", "sumbasic", "textrank")
    ]
    for name in ("12345", "unset"):
        _assert_same_sweep(sweeps["0"], sweeps[name])
    scores = (sweeps["0"] / "metrics=[rouge,fact],summarizer=mmr" / "run.json").read_text()
    assert "fact_consistency" in json.loads(scores)["scores"]


def test_pythonhashseed_does_not_change_a_sampled_seq2seq_run(tiny_models, results_dir):
    runs = results_dir.parent / "sampled"
    args = (
        "summarizer=tiny_bart", f"summarizer.model={tiny_models['bart']}",
        "summarizer.generation.num_beams=1", "+summarizer.generation.do_sample=true",
        "+summarizer.generation.top_k=0",
        # no generation cache: the second run must sample again, not read the first's output
        # one torch thread: a tiny model on a shared 2-core machine runs faster
        "summarizer.cache_dir=null", "metrics=[rouge]", "summarizer.num_threads=1",
        f"paths.results_dir={results_dir}",
    )  # fmt: skip
    for seed in ("0", "12345"):
        _bench(*args, "seed=3", f"hydra.run.dir={runs / seed}", hashseed=seed)
    _assert_same_run(runs / "0", runs / "12345")
    # the output really is sampled: another seed gives another summary
    _bench(*args, "seed=4", f"hydra.run.dir={runs / 'seed4'}", hashseed="0")
    summary = {d: (runs / d / "summaries.jsonl").read_text() for d in ("0", "seed4")}
    assert summary["0"] != summary["seed4"]
    record = json.loads((runs / "0" / "run.json").read_text())
    decoding = json.loads(record["summarizer_signature"]["decoding"])
    assert decoding["do_sample"] is True
    assert record["summarizer_signature"]["seed"] == "3"  # recorded only when sampling
    assert "generation_cache" not in json.loads((runs / "0" / "timing.json").read_text())
