"""Bad input through the real command line: one table, one row per bad input.

Every row builds its bad input under ``tmp_path``, runs ``bench-run`` (``python -m bench.run``) or
``bench-score`` (``python -m bench.score``) in a subprocess, offline, and checks the user-error
contract: exit status 2, exactly one ``<tool>: error:`` line naming the problem (file, line,
option or value), no Traceback, and nothing left behind, neither in the results directory nor in
the generation cache nor anywhere else under ``tmp_path`` (the only exception is the ``datasets``
cache of the jsonl rows, which is a cache, not output).

The 20 MB article is refused by its size (``cleaning.max_document_chars``) under a 4 GiB
address-space limit; a cluster id that looks like a path is refused, and nothing is written
outside the results directory.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import stat
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import CLUSTER_DIR, REFERENCE_DIR

CID = "mattis_pakistan_2017"
GIB = 1024**3
HUGE_BYTES = 20 * 1024 * 1024
HF_DATASETS_CACHE = "hf-datasets-cache"  # a cache, not output: allowed to fill up
GEN_CACHE = "generation-cache"
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


@dataclass
class Call:
    """One command to run and what its error line must say."""

    argv: list[str]  # after the interpreter: ["-m", "bench.run", ...] or [script, ...]
    expect: tuple[str, ...]  # substrings of the error line (all of them)
    tool: str = "bench-run"
    results: Path | None = None  # where results would go; default: the workspace's
    limit_as: int | None = None  # RLIMIT_AS of the child, bytes
    timeout: float = 120
    outside: tuple[Path, ...] = ()  # paths that must not exist afterwards
    uses_gen_cache: bool = False


@dataclass
class Workspace:
    """Builders of (bad) inputs under ``tmp_path``."""

    tmp: Path
    request: pytest.FixtureRequest
    results: Path = field(init=False)
    gen_cache: Path = field(init=False)
    hf_cache: Path = field(init=False)

    def __post_init__(self) -> None:
        self.results = self.tmp / "results"
        self.gen_cache = self.tmp / GEN_CACHE
        self.hf_cache = self.tmp / HF_DATASETS_CACHE

    # -- inputs ------------------------------------------------------------------------------

    def cluster_root(self, name: str, extra: dict[str, bytes] | None = None) -> Path:
        """A copy of the embedded cluster under ``<tmp>/<name>/``, plus ``extra`` documents."""
        root = self.tmp / name
        folder = root / CID
        shutil.copytree(CLUSTER_DIR, folder)
        if extra:
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
            for file, data in extra.items():
                (folder / file).write_bytes(data)
                doc_id = file.split(".")[0]
                manifest["documents"].append({"doc_id": doc_id, "headline": "x", "file": file})
            (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        return root

    def references(self, name: str, replace: dict[str, bytes] | None = None) -> Path:
        """A copy of the embedded cluster's references with some files replaced."""
        refs = self.tmp / name
        shutil.copytree(REFERENCE_DIR / CID, refs / CID)
        for file, data in (replace or {}).items():
            (refs / CID / file).write_bytes(data)
        return refs

    def jsonl(self, name: str, lines: list[str | dict]) -> Path:
        path = self.tmp / name
        text = "".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines)
        path.write_text(text, encoding="utf-8")
        return path

    def tiny_bart(self) -> Path:
        return Path(self.request.getfixturevalue("tiny_models")["bart"])

    # -- commands ----------------------------------------------------------------------------

    def bench_run(self, *args: str, **kwargs) -> Call:
        """``python -m bench.run`` with results, caches and a fast metric pinned to tmp_path."""
        return Call(["-m", "bench.run", *self.run_args(args, kwargs.get("results"))], **kwargs)

    def run_args(self, args: tuple[str, ...], results: Path | None = None) -> list[str]:
        keys = {a.split("=", 1)[0] for a in args}
        defaults = {
            "metrics": "metrics=[rouge]",
            "summarizer": "summarizer=lead",
            "paths.results_dir": f"paths.results_dir={results or self.results}",
            "paths.cache_dir": f"paths.cache_dir={self.gen_cache}",
        }
        return [*args, *(v for k, v in defaults.items() if k not in keys)]

    def jsonl_dataset(self, path: Path) -> tuple[str, ...]:
        return ("dataset=jsonl", f"dataset.path={path}", f"dataset.cache_dir={self.hf_cache}")


def _jsonl_cluster(cid: str) -> dict:
    text = (
        f"The {cid} story begins with a full sentence. Officials said the event drew a large "
        "crowd on Monday.\nA second paragraph adds more detail for readers."
    )
    return {
        "cluster_id": cid,
        "documents": [{"doc_id": "a", "text": text}, {"doc_id": "b", "text": text + " Again."}],
        "references": [{"ref_id": "r1", "text": "A large crowd came on Monday. Officials spoke."}],
    }


def _huge_article() -> bytes:
    """About 20 MB of news-like paragraphs, every sentence distinct (no splitter cache hits)."""
    from bench.data.synthetic import news_paragraphs

    return "\n".join(news_paragraphs(HUGE_BYTES)).encode("utf-8")


# A real full disk needs a tiny file system mounted for the test (root, not portable), so the
# child runs the real CLI (bench.run.cli, through Hydra) with one change: in the result writer
# (bench.fileio, the only module whose `os` is swapped) the file object of scores.jsonl's
# temporary file (found through /proc/self/fd, Linux) writes half its text and then fails as a
# full disk does, with OSError(ENOSPC); summaries.jsonl before it is written whole. So the row
# checks what a real ENOSPC mid-run leaves: a complete result file, a half-written temporary file,
# and an exception that no bench code raised on purpose. In-process `run(cfg, out_dir)` would skip
# the Hydra wrapper that prints the error line and cleans up, which is what the row is about.
ENOSPC_RUNNER = """
import errno, os, types

import bench.fileio as records

real_fdopen = os.fdopen


class FullDisk:
    def __init__(self, fh):
        self._fh = fh

    def write(self, text):
        self._fh.write(text[: len(text) // 2])
        self._fh.flush()
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._fh.close()
        return False

    def __getattr__(self, name):
        return getattr(self._fh, name)


def fdopen(fd, *args, **kwargs):
    fh = real_fdopen(fd, *args, **kwargs)
    target = os.readlink(f"/proc/self/fd/{fd}")
    return FullDisk(fh) if os.path.basename(target).startswith(".scores.jsonl.") else fh


class Os(types.ModuleType):
    def __getattr__(self, name):
        return getattr(os, name)


patched = Os("os")
patched.fdopen = fdopen
records.os = patched

from bench.run import cli

cli()
"""


# -- the rows ------------------------------------------------------------------------------------


def row_empty_article(ws: Workspace) -> Call:
    root = ws.cluster_root("clusters", {"empty.txt": b""})
    return ws.bench_run("dataset=local", f"dataset.root={root}", expect=("empty.txt", "empty"))


def row_invalid_utf8_article(ws: Workspace) -> Call:
    data = "Caf\u00e9 owners said on Monday that trade was good.\n".encode("latin-1")
    root = ws.cluster_root("clusters", {"latin1.txt": data})
    return ws.bench_run(
        "dataset=local", f"dataset.root={root}", expect=("latin1.txt", "not valid UTF-8")
    )


def row_binary_document(ws: Workspace) -> Call:
    root = ws.cluster_root("clusters", {"photo.png": PNG_BYTES})
    return ws.bench_run("dataset=local", f"dataset.root={root}", expect=("photo.png", "binary"))


def row_huge_article_20mb(ws: Workspace) -> Call:
    root = ws.cluster_root("clusters", {"huge.txt": _huge_article()})
    return ws.bench_run(
        "dataset=local",
        f"dataset.root={root}",
        expect=("huge.txt", "cleaning.max_document_chars"),
        limit_as=4 * GIB,
        timeout=240,
    )


def row_cluster_without_documents(ws: Workspace) -> Call:
    folder = ws.tmp / "clusters" / "hollow"
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps({"cluster_id": "hollow", "documents": []}))
    return ws.bench_run(
        "dataset=local",
        f"dataset.root={folder.parent}",
        "dataset.require_references=false",
        expect=("'hollow'", "no documents"),
    )


def row_duplicate_cluster_id_folders(ws: Workspace) -> Call:
    root = ws.cluster_root("clusters")
    shutil.copytree(root / CID, root / "copy_of_it")  # its manifest names the same cluster_id
    return ws.bench_run(
        "dataset=local", f"dataset.root={root}", expect=("duplicate cluster id", f"'{CID}'")
    )


def row_duplicate_cluster_id_jsonl(ws: Workspace) -> Call:
    path = ws.jsonl("clusters.jsonl", [_jsonl_cluster("c1"), _jsonl_cluster("c1")])
    return ws.bench_run(
        *ws.jsonl_dataset(path), expect=("clusters.jsonl:2", "duplicate cluster id 'c1'")
    )


def row_missing_reference_folder(ws: Workspace) -> Call:
    refs = ws.tmp / "refs-without-the-cluster"
    refs.mkdir()
    return ws.bench_run(
        f"dataset.reference_dir={refs}", expect=("refs-without-the-cluster", "no reference")
    )


def row_empty_reference_file(ws: Workspace) -> Call:
    refs = ws.references("refs", {"ann-a_100w.txt": b"\n \n"})
    return ws.bench_run(f"dataset.reference_dir={refs}", expect=("ann-a_100w.txt", "empty"))


def row_one_word_reference(ws: Workspace) -> Call:
    refs = ws.references("refs", {"ann-a_100w.txt": b"Mattis\n"})
    return ws.bench_run(
        f"dataset.reference_dir={refs}", expect=("ann-a_100w.txt", "fewer than 2 words")
    )


def row_non_utf8_reference(ws: Workspace) -> Call:
    data = "Mattis visited Pakistan. The caf\u00e9 was closed.\n".encode("latin-1")
    refs = ws.references("refs", {"ann-b_100w.txt": data})
    return ws.bench_run(
        f"dataset.reference_dir={refs}", expect=("ann-b_100w.txt", "not valid UTF-8")
    )


def row_manifest_not_json(ws: Workspace) -> Call:
    root = ws.cluster_root("clusters")
    (root / CID / "manifest.json").write_text('{"cluster_id": "x", "documents": [\n', "utf-8")
    return ws.bench_run(
        "dataset=local", f"dataset.root={root}", expect=("manifest.json", "not valid JSON")
    )


def row_unknown_summarizer(ws: Workspace) -> Call:
    return ws.bench_run("summarizer=no_such_system", expect=("summarizer", "'no_such_system'"))


def row_unknown_metric(ws: Workspace) -> Call:
    return ws.bench_run("metrics=[no_such_metric]", expect=("metrics", "'no_such_metric'"))


def row_unknown_dataset(ws: Workspace) -> Call:
    return ws.bench_run("dataset=no_such_dataset", expect=("dataset", "'no_such_dataset'"))


def row_unknown_option_value(ws: Workspace) -> Call:
    return ws.bench_run("metrics.rouge.multi_ref=best", expect=("multi-reference", "'best'"))


def row_budget_zero(ws: Workspace) -> Call:
    return ws.bench_run("budget.limit=0", expect=("budget", "got 0"))


def row_budget_negative(ws: Workspace) -> Call:
    return ws.bench_run("budget.limit=-5", expect=("budget", "got -5"))


def row_malformed_jsonl_line(ws: Workspace) -> Call:
    path = ws.jsonl("clusters.jsonl", [_jsonl_cluster("c1"), '{"cluster_id": "c2", "docu', ""])
    return ws.bench_run(*ws.jsonl_dataset(path), expect=("clusters.jsonl:2", "not valid JSON"))


def row_path_like_cluster_id_jsonl(ws: Workspace) -> Call:
    path = ws.jsonl("clusters.jsonl", [_jsonl_cluster("../../x")])
    outside = (ws.tmp / "../../x", ws.results / "../../x", ws.tmp / "x", ws.tmp.parent / "x")
    return ws.bench_run(
        *ws.jsonl_dataset(path),
        expect=("clusters.jsonl:1", "'../../x'"),
        outside=tuple(p.resolve() for p in outside),
    )


def row_precomputed_unknown_cluster(ws: Workspace) -> Call:
    path = ws.jsonl(
        "precomputed.jsonl",
        [
            {"cluster_id": CID, "summary": "Mattis visited Pakistan on Monday."},
            {"cluster_id": "ghost_cluster", "summary": "Something else happened."},
        ],
    )
    return ws.bench_run(
        "summarizer=precomputed",
        f"summarizer.path={path}",
        expect=("precomputed.jsonl", "'ghost_cluster'"),
    )


def row_score_malformed_line(ws: Workspace) -> Call:
    path = ws.jsonl(
        "outputs.jsonl",
        [
            {"id": "s1", "cluster_id": CID, "summary": "Mattis visited Pakistan on Monday."},
            '{"id": "s2", "cluster_id": "' + CID + '", "summary": ',
        ],
    )
    out = ws.results / "outputs.scores.jsonl"
    return Call(
        ["-m", "bench.score", str(path), "metrics=[rouge]", "--output", str(out)],
        expect=("outputs.jsonl line 2", "not valid JSON"),
        tool="bench-score",
    )


def row_model_path_missing(ws: Workspace) -> Call:
    return ws.bench_run(
        "summarizer=seq2seq",
        "summarizer.model=/nonexistent/path",
        f"summarizer.cache_dir={ws.gen_cache}",
        "summarizer.device=cpu",
        expect=("/nonexistent/path", "does not exist"),
        uses_gen_cache=True,
    )


def row_model_without_tokenizer(ws: Workspace) -> Call:
    model = ws.tmp / "model-without-tokenizer"
    shutil.copytree(ws.tiny_bart(), model)
    removed = [
        p
        for pattern in ("tokenizer*", "special_tokens_map.json", "vocab*", "merges.txt", "added*")
        for p in model.glob(pattern)
    ]
    assert removed, sorted(p.name for p in model.iterdir())
    for p in removed:
        p.unlink()
    return ws.bench_run(
        "summarizer=seq2seq",
        f"summarizer.model={model}",
        f"summarizer.cache_dir={ws.gen_cache}",
        "summarizer.device=cpu",
        expect=("tokenizer", str(model)),
        uses_gen_cache=True,
    )


def row_results_dir_not_writable(ws: Workspace) -> Call:
    if os.geteuid() == 0:
        # root ignores directory permissions: make creating the results directory fail instead.
        blocker = ws.tmp / "blocker"
        blocker.write_text("a regular file where a directory is needed\n")
        results = blocker / "results"
        named = str(blocker)
    else:
        results = ws.tmp / "read-only-results"
        results.mkdir()
        results.chmod(stat.S_IRUSR | stat.S_IXUSR)  # 0o500
        ws.request.addfinalizer(lambda: results.chmod(0o700))
        named = str(results)
    return ws.bench_run(expect=(named,), results=results)


def row_disk_full_while_writing(ws: Workspace) -> Call:
    runner = ws.tmp / "enospc_bench_run.py"
    runner.write_text(textwrap.dedent(ENOSPC_RUNNER), encoding="utf-8")
    return Call([str(runner), *ws.run_args(())], expect=("No space left on device",))


ROWS: dict[str, Callable[[Workspace], Call]] = {
    "empty_article": row_empty_article,
    "invalid_utf8_article": row_invalid_utf8_article,
    "binary_document": row_binary_document,
    "huge_article_20mb": row_huge_article_20mb,
    "cluster_without_documents": row_cluster_without_documents,
    "duplicate_cluster_id_folders": row_duplicate_cluster_id_folders,
    "duplicate_cluster_id_jsonl": row_duplicate_cluster_id_jsonl,
    "missing_reference_folder": row_missing_reference_folder,
    "empty_reference_file": row_empty_reference_file,
    "one_word_reference": row_one_word_reference,
    "unknown_summarizer": row_unknown_summarizer,
    "unknown_metric": row_unknown_metric,
    "unknown_dataset": row_unknown_dataset,
    "budget_zero": row_budget_zero,
    "budget_negative": row_budget_negative,
    "malformed_jsonl_line": row_malformed_jsonl_line,
    "precomputed_unknown_cluster": row_precomputed_unknown_cluster,
    "score_malformed_line": row_score_malformed_line,
    "model_path_missing": row_model_path_missing,
    "model_without_tokenizer": row_model_without_tokenizer,
    "results_dir_not_writable": row_results_dir_not_writable,
    "disk_full_while_writing": row_disk_full_while_writing,
    "path_like_cluster_id_jsonl": row_path_like_cluster_id_jsonl,
    "non_utf8_reference": row_non_utf8_reference,
    "manifest_not_json": row_manifest_not_json,
    "unknown_option_value": row_unknown_option_value,
}


# -- second reliability pass (issue 15): hangs, one-line errors --------------------------------

# The child runs the real CLI with one change: Hydra's writer of .hydra/*.yaml (its module's
# `open`) writes half of hydra.yaml and then fails as a full disk does (ENOSPC, ENOSPC_RUNNER's
# FullDisk), after config.yaml was written whole. Nothing may be left; one line must be said.
HYDRA_ENOSPC_RUNNER = """
import builtins, errno, os

import hydra.core.utils as hydra_utils


{full_disk}

def fake_open(file, mode="r", *args, **kwargs):
    fh = builtins.open(file, mode, *args, **kwargs)
    return FullDisk(fh) if str(file).endswith("hydra.yaml") and "w" in mode else fh


hydra_utils.open = fake_open

from bench.run import cli

cli()
"""


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _manifest_edit(ws: Workspace, edit: Callable[[dict], None]) -> Path:
    root = ws.cluster_root("clusters")
    path = root / CID / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    edit(manifest)
    path.write_text(json.dumps(manifest), encoding="utf-8")
    return root


def _run_json(ws: Workspace, name: str, **fields) -> Path:
    """A run directory holding a valid run.json (then ``fields`` replaced) and scores.jsonl."""
    folder = ws.tmp / name
    folder.mkdir(parents=True)
    record = {
        "system": "lead",
        "overrides": [],
        "n_clusters": 1,
        "scores": {"rouge1_f": {"mean": 0.4, "low": 0.3, "high": 0.5, "method": "x"}},
        "signatures": {"rouge": "impl:x"},
        **fields,
    }
    (folder / "run.json").write_text(json.dumps(record), encoding="utf-8")
    (folder / "scores.jsonl").write_text(
        json.dumps({"cluster_id": CID, "summary": "x", "scores": {"rouge1_f": 0.4}}) + "\n",
        encoding="utf-8",
    )
    return folder


def row_fifo_article(ws: Workspace) -> Call:
    root = ws.cluster_root("clusters")
    _fifo(root / CID / "pipe.txt")
    manifest = json.loads((root / CID / "manifest.json").read_text(encoding="utf-8"))
    manifest["documents"].append({"doc_id": "pipe", "headline": "x", "file": "pipe.txt"})
    (root / CID / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return ws.bench_run(
        "dataset=local", f"dataset.root={root}", expect=("pipe.txt", "not a regular file"),
        timeout=60,
    )  # fmt: skip


def row_fifo_reference(ws: Workspace) -> Call:
    refs = ws.references("refs")
    (refs / CID / "ann-a_100w.txt").unlink()
    _fifo(refs / CID / "ann-a_100w.txt")
    return ws.bench_run(
        f"dataset.reference_dir={refs}", expect=("ann-a_100w.txt", "not a regular file"),
        timeout=60,
    )  # fmt: skip


def row_fifo_precomputed(ws: Workspace) -> Call:
    path = _fifo(ws.tmp / "summaries.jsonl")
    return ws.bench_run(
        "summarizer=precomputed", f"summarizer.path={path}",
        expect=("summaries.jsonl", "not a regular file"), timeout=60,
    )  # fmt: skip


def row_fifo_jsonl_dataset(ws: Workspace) -> Call:
    path = _fifo(ws.tmp / "clusters.jsonl")
    return ws.bench_run(
        *ws.jsonl_dataset(path), expect=("clusters.jsonl", "not a regular file"), timeout=60
    )


def row_fifo_score_input(ws: Workspace) -> Call:
    path = _fifo(ws.tmp / "outputs.jsonl")
    return Call(
        ["-m", "bench.score", str(path), "metrics=[rouge]", "--output",
         str(ws.results / "out.scores.jsonl")],
        expect=("outputs.jsonl", "not a regular file"), tool="bench-score", timeout=60,
    )  # fmt: skip


def row_n_samples_huge(ws: Workspace) -> Call:
    path = ws.jsonl("clusters.jsonl", [_jsonl_cluster("c1"), _jsonl_cluster("c2")])
    return ws.bench_run(
        "stats.n_samples=1000000000", *ws.jsonl_dataset(path),
        expect=("stats.n_samples", "1,000,000"), limit_as=4 * GIB,
    )  # fmt: skip


def row_compare_n_samples_huge(ws: Workspace) -> Call:
    run = _run_json(ws, "run")
    return Call(
        ["-m", "bench.compare", "--baseline", str(run), "--run", str(run), "--significance",
         "--n-samples", "1000000000"],
        expect=("--n-samples", "1,000,000"), tool="bench-compare", limit_as=4 * GIB,
    )  # fmt: skip


def row_override_unknown_key(ws: Workspace) -> Call:
    return ws.bench_run("budget.limt=5", expect=("budget.limt",))


def row_override_bare_word(ws: Workspace) -> Call:
    return ws.bench_run("foo", expect=("'foo'", "key=value"))


def row_override_unbalanced_quote(ws: Workspace) -> Call:
    return ws.bench_run("dataset.split='test", expect=("dataset.split='test",))


def row_dataset_limit_float(ws: Workspace) -> Call:
    return ws.bench_run("dataset.limit=1.5", expect=("dataset.limit", "1.5"))


def row_dataset_limit_word(ws: Workspace) -> Call:
    return ws.bench_run("dataset.limit=abc", expect=("dataset.limit", "'abc'"))


def row_dataset_clusters_number(ws: Workspace) -> Call:
    return ws.bench_run("dataset.clusters=5", expect=("dataset.clusters", "5"))


def row_dataset_require_references_word(ws: Workspace) -> Call:
    return ws.bench_run(
        "dataset.require_references=maybe", expect=("dataset.require_references", "'maybe'")
    )


def row_cleaning_max_fragment_words_word(ws: Workspace) -> Call:
    return ws.bench_run("cleaning.max_fragment_words=abc", expect=("max_fragment_words", "'abc'"))


def row_cleaning_flag_word(ws: Workspace) -> Call:
    return ws.bench_run("cleaning.drop_fragments=abc", expect=("drop_fragments", "'abc'"))


def row_fifo_tolerance_file(ws: Workspace) -> Call:
    run = _run_json(ws, "run")
    tolerances = _fifo(ws.tmp / "tolerances.yaml")
    return Call(
        ["-m", "bench.compare", "--baseline", str(run), "--run", str(run), "--tolerances",
         str(tolerances)],
        expect=("tolerances.yaml", "not a regular file"), tool="bench-compare", timeout=60,
    )  # fmt: skip


def row_manifest_file_nul(ws: Workspace) -> Call:
    def edit(m: dict) -> None:
        m["documents"][0]["file"] = "a\u0000b.txt"

    root = _manifest_edit(ws, edit)
    return ws.bench_run("dataset=local", f"dataset.root={root}", expect=("manifest.json", "'file'"))


def row_manifest_file_not_string(ws: Workspace) -> Call:
    def edit(m: dict) -> None:
        m["documents"][0]["file"] = ["x.txt"]

    root = _manifest_edit(ws, edit)
    return ws.bench_run("dataset=local", f"dataset.root={root}", expect=("manifest.json", "'file'"))


def row_manifest_cluster_id_null(ws: Workspace) -> Call:
    root = _manifest_edit(ws, lambda m: m.update(cluster_id=None))
    return ws.bench_run(
        "dataset=local", f"dataset.root={root}", expect=("manifest.json", "'cluster_id'", "null")
    )


def row_manifest_doc_id_null(ws: Workspace) -> Call:
    def edit(m: dict) -> None:
        m["documents"][0]["doc_id"] = None

    root = _manifest_edit(ws, edit)
    return ws.bench_run(
        "dataset=local", f"dataset.root={root}", expect=("manifest.json", "'doc_id'", "null")
    )


def row_reference_manifest_file_nul(ws: Workspace) -> Call:
    refs = ws.references("refs")
    path = refs / CID / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["references"][0]["file"] = "a\u0000b.txt"
    path.write_text(json.dumps(manifest), encoding="utf-8")
    return ws.bench_run(f"dataset.reference_dir={refs}", expect=("manifest.json", "'file'"))


def row_disk_full_writing_hydra_dir(ws: Workspace) -> Call:
    runner = ws.tmp / "enospc_hydra.py"
    full_disk = ENOSPC_RUNNER[ENOSPC_RUNNER.index("class FullDisk") : ENOSPC_RUNNER.index("def fd")]
    text = HYDRA_ENOSPC_RUNNER.replace("{full_disk}", full_disk.strip())
    runner.write_text(textwrap.dedent(text), encoding="utf-8")
    return Call([str(runner), *ws.run_args(())], expect=("hydra.yaml", "No space left on device"))


def row_score_explain_unwritable(ws: Workspace) -> Call:
    path = ws.jsonl(
        "outputs.jsonl",
        [{"id": "s1", "cluster_id": CID, "summary": "Mattis visited Pakistan on Monday."}],
    )
    # /proc/<pid>/ takes no new files, even for root: an unwritable folder on any Linux.
    report = Path(f"/proc/{os.getpid()}/report.md")
    return Call(
        ["-m", "bench.score", str(path), "metrics=[rouge]", "--output",
         str(ws.results / "outputs.scores.jsonl"), "--explain", str(report)],
        expect=(str(report),), tool="bench-score",
    )  # fmt: skip


def _bad_run_json(ws: Workspace, tool: str, **fields) -> Call:
    """bench-compare or bench-table on a run.json whose ``fields`` have the wrong type."""
    (field,) = fields
    expect = ("run.json", f"'{field}'")
    if tool == "bench-compare":
        run, base = _run_json(ws, "run", **fields), _run_json(ws, "base")
        argv = ["-m", "bench.compare", "--baseline", str(base), "--run", str(run)]
    else:
        run = _run_json(ws, "sweep/run", **fields)
        argv = ["-m", "bench.results.tables", str(run.parent), "--out", str(ws.results / "t")]
    return Call(argv, expect=expect, tool=tool)


def row_compare_overrides_not_list(ws: Workspace) -> Call:
    return _bad_run_json(ws, "bench-compare", overrides=5)


def row_compare_signatures_list(ws: Workspace) -> Call:
    return _bad_run_json(ws, "bench-compare", signatures=["x"])


def row_table_signatures_list(ws: Workspace) -> Call:
    return _bad_run_json(ws, "bench-table", signatures=["x"])


def row_table_system_not_string(ws: Workspace) -> Call:
    return _bad_run_json(ws, "bench-table", system={"name": "lead"})


def row_table_metric_signatures_string(ws: Workspace) -> Call:
    return _bad_run_json(ws, "bench-table", metric_signatures="rouge")


ROWS.update(
    {
        "fifo_article": row_fifo_article,
        "fifo_reference": row_fifo_reference,
        "fifo_precomputed": row_fifo_precomputed,
        "fifo_jsonl_dataset": row_fifo_jsonl_dataset,
        "fifo_score_input": row_fifo_score_input,
        "n_samples_huge": row_n_samples_huge,
        "compare_n_samples_huge": row_compare_n_samples_huge,
        "override_unknown_key": row_override_unknown_key,
        "override_bare_word": row_override_bare_word,
        "override_unbalanced_quote": row_override_unbalanced_quote,
        "dataset_limit_float": row_dataset_limit_float,
        "dataset_limit_word": row_dataset_limit_word,
        "dataset_clusters_number": row_dataset_clusters_number,
        "dataset_require_references_word": row_dataset_require_references_word,
        "cleaning_max_fragment_words_word": row_cleaning_max_fragment_words_word,
        "cleaning_flag_word": row_cleaning_flag_word,
        "fifo_tolerance_file": row_fifo_tolerance_file,
        "manifest_file_nul": row_manifest_file_nul,
        "manifest_file_not_string": row_manifest_file_not_string,
        "manifest_cluster_id_null": row_manifest_cluster_id_null,
        "manifest_doc_id_null": row_manifest_doc_id_null,
        "reference_manifest_file_nul": row_reference_manifest_file_nul,
        "disk_full_writing_hydra_dir": row_disk_full_writing_hydra_dir,
        "score_explain_unwritable": row_score_explain_unwritable,
        "compare_overrides_not_list": row_compare_overrides_not_list,
        "compare_signatures_list": row_compare_signatures_list,
        "table_signatures_list": row_table_signatures_list,
        "table_system_not_string": row_table_system_not_string,
        "table_metric_signatures_string": row_table_metric_signatures_string,
    }
)


# -- running and checking ------------------------------------------------------------------------


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []


def _snapshot(tmp: Path) -> set[Path]:
    return {p for p in _files(tmp) if HF_DATASETS_CACHE not in p.relative_to(tmp).parts}


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    env.update(HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    return env


def _limit_address_space(limit: int) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return apply


@pytest.mark.parametrize("row", [pytest.param(build, id=name) for name, build in ROWS.items()])
def test_bad_input_gives_one_line_error_and_leaves_nothing(tmp_path, request, row):
    ws = Workspace(tmp_path, request)
    call = row(ws)
    results = call.results or ws.results
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    before = _snapshot(tmp_path)

    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, *call.argv],
        cwd=cwd,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=call.timeout,
        preexec_fn=_limit_address_space(call.limit_as) if call.limit_as else None,
    )
    seconds = time.monotonic() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # an upper bound
    print(f"exit {proc.returncode} after {seconds:.1f} s (children's peak RSS <= {peak_kib} KiB)")
    print(proc.stderr[-3000:])

    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    errors = [line for line in proc.stderr.splitlines() if line.startswith(f"{call.tool}: error:")]
    for path in call.outside:
        assert not path.exists(), f"wrote outside the results directory: {path}"
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-3000:])
    assert len(errors) == 1, proc.stderr[-3000:]
    for part in call.expect:
        assert part in errors[0], (part, errors[0])
    assert _files(results) == [], _files(results)
    if call.uses_gen_cache:
        assert _files(ws.gen_cache) == [], _files(ws.gen_cache)
    left = sorted(_snapshot(tmp_path) - before)
    assert left == [], f"files left behind: {left}"
