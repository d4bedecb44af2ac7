"""bench.progress: bars only on a terminal, a log line per tenth elsewhere; sweep sizes."""

from __future__ import annotations

import logging

from bench.core.scoring import cluster_chunks
from bench.progress import Progress, bars_enabled, sweep_size
from bench.types import Cluster


def test_no_bars_under_ci_or_when_switched_off(monkeypatch):
    monkeypatch.setenv("CI", "true")
    assert not bars_enabled()
    monkeypatch.delenv("CI")
    monkeypatch.setenv("BENCH_PROGRESS", "0")
    assert not bars_enabled()


def test_without_a_terminal_progress_logs_each_tenth(monkeypatch, caplog):
    monkeypatch.setenv("CI", "true")
    caplog.set_level(logging.INFO, logger="bench.progress")
    with Progress(25, "lead: summarizing") as progress:
        for _ in range(25):
            progress.update()
    lines = [r.getMessage() for r in caplog.records]
    assert lines[0] == "lead: summarizing: 2/25 clusters" and lines[-1].endswith("25/25 clusters")
    assert len(lines) == 13  # every 2 of 25, and the end


def test_sweep_size_counts_the_grid():
    assert sweep_size(["summarizer=lead,random,oracle", "budget=words100,words250", "seed=0"]) == 6
    assert sweep_size(["summarizer=lead"], {"budget": "words100,sentences3"}) == 2
    assert sweep_size(["seed=range(0,4)"]) == 4


def _clusters(ids):
    return [Cluster(cluster_id=i, documents=(), references=()) for i in ids]


def test_metric_chunks_keep_clusters_whole():
    batch = _clusters(["a", "a", "b", "c", "c", "c", "d"])
    assert cluster_chunks(batch, 2) == [(0, 3), (3, 7)]
    assert cluster_chunks(batch, 20) == [(0, 2), (2, 3), (3, 6), (6, 7)]
    assert cluster_chunks(_clusters(["x"]), 20) == [(0, 1)]
