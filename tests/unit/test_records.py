"""Atomic writes: leftovers of killed writers are recognised and removed, live ones kept."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest

from bench.fileio import atomic_file, atomic_write_text, remove_stale_temps


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_temps_of_dead_writers_go_and_live_or_young_foreign_ones_stay(tmp_path):
    target = tmp_path / "scores.jsonl"
    host = socket.gethostname()
    dead = tmp_path / f".scores.jsonl.{host}~{_dead_pid()}.abc123.tmp"
    live = tmp_path / f".scores.jsonl.{host}~{os.getpid()}.def456.tmp"
    foreign_young = tmp_path / ".scores.jsonl.elsewhere~1.ghi789.tmp"
    foreign_old = tmp_path / ".scores.jsonl.elsewhere~2.jkl012.tmp"
    legacy_old = tmp_path / ".scores.jsonl.mno345.tmp"
    other_target = tmp_path / f".run.json.{host}~{_dead_pid()}.pqr678.tmp"
    for f in (dead, live, foreign_young, foreign_old, legacy_old, other_target):
        f.write_text("partial")
    old = time.time() - 7200
    for f in (foreign_old, legacy_old):
        os.utime(f, (old, old))
    remove_stale_temps(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        p.name for p in (live, foreign_young, other_target)
    )


def test_a_write_clears_leftovers_of_its_target_and_leaves_no_temp(tmp_path):
    target = tmp_path / "run.json"
    leftover = tmp_path / f".run.json.{socket.gethostname()}~{_dead_pid()}.x1y2z3.tmp"
    leftover.write_text('{"half":')
    atomic_write_text(target, '{"whole": true}\n')
    assert [p.name for p in tmp_path.iterdir()] == ["run.json"]
    assert target.read_text() == '{"whole": true}\n'


def test_a_failed_write_keeps_the_old_file_and_removes_its_temp(tmp_path):
    target = tmp_path / "run.json"
    target.write_text("old\n")
    with pytest.raises(RuntimeError), atomic_file(target) as fh:
        fh.write("new, half")
        raise RuntimeError("disk gone")
    assert [p.name for p in tmp_path.iterdir()] == ["run.json"]
    assert target.read_text() == "old\n"


def test_binary_mode_for_figures(tmp_path):
    target = tmp_path / "plot.png"
    with atomic_file(target, "wb") as fh:
        fh.write(b"\x89PNG")
    assert target.read_bytes() == b"\x89PNG"
    assert oct(target.stat().st_mode & 0o777) == "0o644"
