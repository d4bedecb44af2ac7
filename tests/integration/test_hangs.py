"""Hangs and blow-ups: inputs that once took quadratic time finish, through the real commands.

Sentence splitting was quadratic in paragraph length (pysbd): a one-paragraph article of about a
megabyte, or a one-line precomputed summary of that size, ran for a quarter of an hour. Each row
runs a command in a subprocess with a timeout far above what linear splitting needs (about 10 s
per MB on a busy 2-core machine) and far below the quadratic time, and checks it succeeds. Speed
figures are in ``benchmarks/split_speed.py``, not here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from bench.data.synthetic import one_paragraph
from tests.conftest import CLUSTER_DIR

CID = "mattis_pakistan_2017"
MB = 1_000_000


@dataclass
class Command:
    """A command line (after the interpreter) and its timeout."""

    argv: list[str]
    timeout: float = 150


def _precomputed(tmp: Path) -> list[str]:
    path = tmp / "summaries.jsonl"
    row = {"cluster_id": CID, "summary": one_paragraph(int(1.1 * MB))}
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    return ["summarizer=precomputed", f"summarizer.path={path}"]


def row_bench_run_precomputed_1mb_line(tmp: Path) -> Command:
    return Command(["-m", "bench.run", "metrics=[rouge]", *_precomputed(tmp)])


def row_bench_run_article_1mb_paragraph(tmp: Path) -> Command:
    root = tmp / "clusters"
    shutil.copytree(CLUSTER_DIR, root / CID)
    (root / CID / "long.txt").write_text(one_paragraph(int(0.95 * MB)) + "\n", encoding="utf-8")
    manifest = json.loads((root / CID / "manifest.json").read_text(encoding="utf-8"))
    manifest["documents"].append({"doc_id": "long", "headline": "x", "file": "long.txt"})
    (root / CID / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return Command(["-m", "bench.run", "metrics=[rouge]", "dataset=local", f"dataset.root={root}"])


def row_bench_score_1mb_line(tmp: Path) -> Command:
    path = tmp / "outputs.jsonl"
    row = {"id": "s1", "cluster_id": CID, "summary": one_paragraph(int(1.1 * MB))}
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    return Command(["-m", "bench.score", str(path), "metrics=[rouge]", "--quiet"])


ROWS: dict[str, Callable[[Path], Command]] = {
    "bench_run_precomputed_1mb_line": row_bench_run_precomputed_1mb_line,
    "bench_run_article_1mb_paragraph": row_bench_run_article_1mb_paragraph,
    "bench_score_1mb_line": row_bench_score_1mb_line,
}


@pytest.mark.parametrize("row", [pytest.param(build, id=name) for name, build in ROWS.items()])
def test_long_text_finishes(tmp_path, row):
    command = row(tmp_path)
    results = tmp_path / "results"
    argv = list(command.argv)
    if argv[1] == "bench.run":
        argv += [f"paths.results_dir={results}", f"paths.cache_dir={tmp_path / 'cache'}"]
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    env.update(HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1")
    proc = subprocess.run(
        [sys.executable, *argv], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=command.timeout,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_long_paragraph_splits_as_pysbd_does_on_the_whole():
    """Windows give pysbd's own sentences on real text (the embedded articles, one paragraph)."""
    from bench.preprocess import text as split

    texts = [p.read_text(encoding="utf-8") for p in sorted(CLUSTER_DIR.glob("*.txt"))]
    paragraph = " ".join(" ".join(t.split()) for t in texts)
    assert len(paragraph) > split.LONG_PARAGRAPH
    whole = tuple(s.strip() for s in split._segmenter().segment(paragraph) if s.strip())
    assert split._segment_long(paragraph) == whole


def test_a_run_without_sentence_ends_is_cut_and_loses_no_word():
    from bench.preprocess.text import MAX_WINDOW, split_sentences

    paragraph = " ".join(f"word{i}" for i in range(3 * MAX_WINDOW // 6))
    sentences = split_sentences([paragraph])
    assert len(sentences) > 1
    assert " ".join(sentences).split() == paragraph.split()


def test_a_very_long_paragraph_split_in_parallel_equals_the_sequential_pass(monkeypatch):
    """Pieces split by two processes and joined at a common sentence start: one pass's result."""
    from bench.data.synthetic import one_paragraph
    from bench.preprocess import text as split

    monkeypatch.setattr(split, "_workers", lambda: 2)
    paragraph = one_paragraph(split.PARALLEL_MIN)[: split.PARALLEL_MIN]
    spans = split._parallel_spans(paragraph)
    assert spans is not None  # the parallel path ran and found its join
    assert tuple(split._iter_long(paragraph)) == split._segment_long(paragraph)
    assert [paragraph[a:b].strip() for a, b in spans] == list(split._iter_long(paragraph))


@pytest.mark.slow
def test_a_10mb_one_paragraph_article_splits(tmp_path):
    """10 MB in one paragraph (about 60 s on a busy 2-core machine; quadratic: days)."""
    script = tmp_path / "split.py"
    script.write_text(
        "import sys\n"
        "from bench.preprocess.text import split_sentences\n"
        "from bench.data.synthetic import one_paragraph\n"
        "print(len(split_sentences([one_paragraph(10_000_000)])))\n",
        encoding="utf-8",
    )
    proc = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert int(proc.stdout.split()[-1]) > 60_000
