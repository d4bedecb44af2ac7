"""Interrupted sweeps resume: complete jobs are skipped (checked, not assumed), the rest redone."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench.fileio import read_jsonl

SWEEP = ("-m", "summarizer=lead,random,oracle")
TWO = ("-m", "summarizer=lead,random")


def _sweep(
    sweep_dir: Path, *extra: str, jobs: tuple[str, ...] = SWEEP
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench.run", *jobs, f"hydra.sweep.dir={sweep_dir}", *extra],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def _all_files_parse(sweep_dir: Path) -> None:
    for job in ("lead", "random", "oracle"):
        d = sweep_dir / f"summarizer={job}"
        json.loads((d / "run.json").read_text())
        json.loads((d / "timing.json").read_text())
        assert len(read_jsonl(d / "scores.jsonl")) == len(read_jsonl(d / "summaries.jsonl")) == 1
    assert not list(sweep_dir.rglob("*.tmp"))


def test_a_rerun_skips_complete_jobs_and_redoes_broken_ones(tmp_path):
    sweep = tmp_path / "sweep"
    assert _sweep(sweep).returncode == 0
    timing = {j: (sweep / f"summarizer={j}" / "timing.json").read_text()
              for j in ("lead", "random", "oracle")}  # fmt: skip
    # break one job: a truncated scores file must not pass for complete
    broken = sweep / "summarizer=random" / "scores.jsonl"
    broken.write_text(broken.read_text()[:20])
    proc = _sweep(sweep)
    assert proc.returncode == 0, proc.stderr
    assert "skipped" in proc.stdout + proc.stderr
    assert (sweep / "summarizer=lead" / "timing.json").read_text() == timing["lead"]
    assert (sweep / "summarizer=oracle" / "timing.json").read_text() == timing["oracle"]
    assert (sweep / "summarizer=random" / "timing.json").read_text() != timing["random"]
    _all_files_parse(sweep)
    assert "| random" in proc.stdout


def test_a_changed_config_is_not_taken_for_complete(tmp_path):
    sweep = tmp_path / "sweep"
    assert _sweep(sweep, jobs=TWO).returncode == 0
    lead = sweep / "summarizer=lead"
    before = (lead / "timing.json").read_text()
    # results on disk from a different config in the same directory -> redone
    record = json.loads((lead / "run.json").read_text())
    record["config"]["stats"]["n_samples"] = 10
    (lead / "run.json").write_text(json.dumps(record))
    assert _sweep(sweep, jobs=TWO).returncode == 0
    assert (lead / "timing.json").read_text() != before
    assert json.loads((lead / "run.json").read_text())["config"]["stats"]["n_samples"] == 1000
    # resume=false forces a recompute without changing the directory layout
    before = (lead / "timing.json").read_text()
    assert _sweep(sweep, "resume=false", jobs=TWO).returncode == 0
    assert (lead / "timing.json").read_text() != before
    assert "resume=false" not in (lead / "run.json").read_text()
    assert sorted(p.name for p in sweep.iterdir() if p.is_dir() and not p.name.startswith(".")) == [
        "summarizer=lead", "summarizer=random",
    ]  # fmt: skip


def test_a_sweep_killed_halfway_completes_on_rerun(tmp_path):
    sweep = tmp_path / "sweep"
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.run", *SWEEP, f"hydra.sweep.dir={sweep}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    first = sweep / "summarizer=lead" / "run.json"
    deadline = time.time() + 120
    while not first.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert first.exists()
    assert not (sweep / "comparison.md").exists()
    lead_timing = (sweep / "summarizer=lead" / "timing.json").read_text()

    started = time.time()
    rerun = _sweep(sweep)
    assert rerun.returncode == 0, rerun.stderr
    assert (sweep / "summarizer=lead" / "timing.json").read_text() == lead_timing
    _all_files_parse(sweep)
    assert (sweep / "comparison.md").is_file()
    assert time.time() - started < 120


def test_a_kill_before_the_records_never_leaves_old_records_beside_new_files(
    compose_run, tmp_path, monkeypatch
):
    import pytest

    import bench.fileio as records
    from bench.run import RESULT_FILES, completed_record, run

    lead_cfg = compose_run("summarizer=lead")
    run(lead_cfg, tmp_path)
    assert completed_record(tmp_path, lead_cfg) is not None
    lead_files = {name: (tmp_path / name).read_bytes() for name in RESULT_FILES}

    def killed(path, obj):  # the process dies before run.json is written
        raise KeyboardInterrupt

    monkeypatch.setattr(records, "atomic_write_json", killed)
    with pytest.raises(KeyboardInterrupt):
        run(compose_run("summarizer=random"), tmp_path)
    monkeypatch.undo()
    # the earlier complete set is kept whole (not one new file beside it), no staging left
    assert {name: (tmp_path / name).read_bytes() for name in RESULT_FILES} == lead_files
    assert completed_record(tmp_path, lead_cfg) is not None
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(RESULT_FILES)


def test_uncommitted_changes_are_part_of_the_provenance(tmp_path):
    from bench.results.provenance import git_commit

    def git(*args):
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "bench").mkdir()
    (tmp_path / "bench" / "m.py").write_text("x = 1\n")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "c")
    clean = git_commit.__wrapped__(tmp_path)
    (tmp_path / "bench" / "m.py").write_text("x = 2\n")
    edited = git_commit.__wrapped__(tmp_path)
    (tmp_path / "bench" / "m.py").write_text("x = 3\n")
    edited_again = git_commit.__wrapped__(tmp_path)
    assert "diff_sha256" not in clean and clean["dirty"] is False
    assert edited["dirty"] is True and edited["commit"] == clean["commit"]
    assert edited["diff_sha256"] != edited_again["diff_sha256"]
    # a new file git does not track yet counts too, with its content
    (tmp_path / "bench" / "m.py").write_text("x = 1\n")
    (tmp_path / "bench" / "new.py").write_text("y = 1\n")
    added = git_commit.__wrapped__(tmp_path)
    (tmp_path / "bench" / "new.py").write_text("y = 2\n")
    assert added["diff_sha256"] != git_commit.__wrapped__(tmp_path)["diff_sha256"]


def test_failures_of_an_earlier_attempt_are_forgotten_on_rerun(tmp_path):
    sweep = tmp_path / "sweep"
    first = _sweep(sweep, "seed=-1,0", jobs=("-m", "summarizer=lead"))
    assert first.returncode == 2
    second = _sweep(sweep, "seed=0", jobs=("-m", "summarizer=lead"))
    assert second.returncode == 0, second.stderr
    assert "failed" not in second.stderr
    assert not (sweep / ".failed").exists()


def test_a_foreign_malformed_run_json_in_the_sweep_is_an_error_not_a_pass(tmp_path):
    sweep = tmp_path / "sweep"
    (sweep / "junk").mkdir(parents=True)
    (sweep / "junk" / "run.json").write_text('{"scores": {"x": 1}}')
    proc = _sweep(sweep, jobs=("-m", "summarizer=lead"))
    assert proc.returncode == 2
    assert "bench-run: error: no comparison table:" in proc.stderr
