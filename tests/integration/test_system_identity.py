"""A system's identity: the gate passes for one precomputed file checked from two folders."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench.compare import main as compare_main

SUMMARY = (
    "US Defense Secretary Jim Mattis met Pakistan's leaders in Islamabad.\n"
    "He asked them to do more against militants."
)


def _bench_run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench.run", *args], capture_output=True, text=True, cwd=cwd,
        timeout=300,
    )  # fmt: skip


@pytest.fixture(scope="module")
def two_folders(tmp_path_factory, cluster):
    """The same precomputed summaries run from two folders, named my_system."""
    root = tmp_path_factory.mktemp("identity")
    row = json.dumps({"cluster_id": cluster.cluster_id, "summary": SUMMARY})
    runs = []
    for folder in ("first", "second"):
        (root / folder).mkdir()
        path = root / folder / "outputs.jsonl"
        path.write_text(row + "\n", encoding="utf-8")
        out = root / f"run-{folder}"
        proc = _bench_run(
            "summarizer=precomputed", f"summarizer.path={path}", "summarizer.name=my_system",
            "metrics=[rouge]", f"hydra.run.dir={out}", cwd=root,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        runs.append((out, proc.stdout))
    return runs


def test_a_precomputed_row_reads_its_name_without_the_path(two_folders):
    (out, stdout), _ = two_folders
    record = json.loads((out / "run.json").read_text())
    assert record["system_label"] == "my_system"
    assert record["system_settings"] == []
    rows = [line for line in stdout.splitlines() if line.startswith("| ")]
    assert rows[2].startswith("| my_system |"), stdout
    assert "summarizer.path" not in stdout


def test_the_gate_passes_for_one_precomputed_file_checked_from_two_folders(two_folders, capsys):
    (first, _), (second, _) = two_folders
    with pytest.raises(SystemExit) as exc:
        compare_main(["--baseline", str(first), "--run", str(second)])
    out = capsys.readouterr().out
    assert exc.value.code == 0, out
    assert "### bench-compare: PASS" in out and "| my_system |" in out


def test_the_gate_says_which_baseline_system_is_missing_and_why(two_folders, tmp_path, capsys):
    (first, _), (second, _) = two_folders
    other = tmp_path / "other"
    shutil.copytree(second, other)
    record = json.loads((other / "run.json").read_text())
    record["dataset_signature"]["content_sha256"] = "0" * 16
    (other / "run.json").write_text(json.dumps(record))
    base = tmp_path / "base"
    shutil.copytree(first, base / "a")
    shutil.copytree(first, base / "b")
    renamed = json.loads((base / "b" / "run.json").read_text())
    renamed.update(system="lead", system_label="lead")
    (base / "b" / "run.json").write_text(json.dumps(renamed))
    both = tmp_path / "both"
    shutil.copytree(second, both / "x")
    with pytest.raises(SystemExit) as exc:
        compare_main(["--baseline", str(base), "--run", str(both)])
    out = capsys.readouterr().out
    assert exc.value.code == 1
    assert "- baseline system lead: no run with that name; runs: my_system." in out
    with pytest.raises(SystemExit) as exc:
        compare_main(["--baseline", str(first), "--run", str(other)])
    err = capsys.readouterr().err
    assert exc.value.code == 2
    assert "baseline system my_system: same name, other dataset signature (content_sha256" in err
