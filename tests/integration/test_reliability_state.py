"""Issue 15: nothing lost, nothing stale, no exit status that lies.

Each table below is one class of the issue; every row failed on fde42b0 and passes since:

- ``FAILED_RERUNS``: a rerun that fails (bad input, a broken data file, a full disk, after a
  code change, with ``resume=false``) keeps the earlier complete results of its folder whole.
- ``RESUME_ROWS``: resume after data changed outside the repository (same config, same code)
  recomputes and says why, instead of serving the old scores.
- ``TAMPER_ROWS``: a cached value edited or damaged on disk is recomputed with a warning.
- ``SWEEP_EXIT_ROWS``: a sweep whose table fails for any reason exits 2 and says so.
- ``TABLE_BAD_INPUT`` / ``COMPARE_NON_FINITE``: bench-table and bench-compare exit 2 with one
  line naming the file on an unparseable run.json or a NaN/inf score.

The SIGKILL rows of the same classes are in ``tests/integration/test_kill.py`` (a rerun killed
while its results are written or moved in; a re-sweep killed while its table set is replaced).

Command-line rows run ``python -m bench.run`` in a one-commit snapshot of the checkout (as
test_kill does), so that the recorded code state is stable and the code-change row can edit it.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import math
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import CLUSTER_DIR, REFERENCE_DIR, ROOT

CID = "mattis_pakistan_2017"
RESULTS = ("summaries.jsonl", "scores.jsonl", "run.json", "timing.json")


# --------------------------------------------------------------------------- running bench-run


@dataclass
class Snapshot:
    root: Path
    env: dict[str, str]
    tmp: Path


@pytest.fixture(scope="module")
def snap(tmp_path_factory) -> Snapshot:
    from tests.integration.test_kill import _snapshot

    tmp = tmp_path_factory.mktemp("state")
    root = _snapshot(tmp / "checkout")
    env = dict(os.environ, HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", PYTHONPATH=str(root),
               HF_DATASETS_CACHE=str(tmp / "hf-datasets"))  # fmt: skip
    return Snapshot(root, env, tmp)


def bench_run(snap: Snapshot, results: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m bench.run`` (ROUGE only, results and caches under ``results``)."""
    flags = [a for a in args if a.startswith("-")]  # before the overrides, as Hydra wants
    return subprocess.run(
        [sys.executable, "-m", "bench.run", *flags, "metrics=[rouge]",
         f"paths.results_dir={results}", *(a for a in args if a not in flags)],
        cwd=snap.root, env=snap.env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def files(directory: Path, names=RESULTS) -> dict[str, bytes]:
    return {name: (directory / name).read_bytes() for name in names if (directory / name).exists()}


def staging_dirs(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob(".staging~*"))


def cluster_copy(root: Path) -> Path:
    """A copy of the embedded cluster as a ``dataset=local`` root."""
    shutil.copytree(CLUSTER_DIR, root / CID)
    return root


def rewrite_articles(root: Path, old: str, new: str) -> None:
    """Rewrite every article of a local cluster folder (and its manifest's sha256)."""
    folder = root / CID
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for doc in manifest["documents"]:
        path = folder / doc["file"]
        path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
        doc["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")


def jsonl_dataset(path: Path) -> Path:
    """The embedded cluster as one line of our JSONL format."""
    from bench.data.clusters import LocalClusters
    from bench.preprocess.clean import Cleaner

    (cluster,) = LocalClusters(str(CLUSTER_DIR.parent), str(REFERENCE_DIR), [CID]).load(Cleaner())
    row = {
        "cluster_id": CID,
        "documents": [{"doc_id": d.doc_id, "text": d.raw_text} for d in cluster.documents],
        "references": [{"ref_id": r.ref_id, "text": r.text} for r in cluster.references],
    }
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    return path


# --------------------------------------------------------------------------- failed reruns


@dataclass(frozen=True)
class FailedRerun:
    """A complete first run, something done to the inputs or code, and a rerun that fails."""

    first: tuple[str, ...]
    rerun: tuple[str, ...]
    between: Callable[[Snapshot, Path], None] | None = None
    undo: Callable[[Snapshot, Path], None] | None = None


def _break_jsonl(snap: Snapshot, tmp: Path) -> None:
    (tmp / "clusters.jsonl").write_text('{"cluster_id": "x", "documents": [\n')


def _edit_code(snap: Snapshot, tmp: Path) -> None:
    with (snap.root / "bench" / "budget.py").open("a") as fh:
        fh.write("# an edit: the code state differs from the first run's\n")


def _undo_code(snap: Snapshot, tmp: Path) -> None:
    subprocess.run(["git", "-C", str(snap.root), "checkout", "--", "bench/budget.py"], check=True)


JSONL = ("dataset=jsonl", "dataset.path={tmp}/clusters.jsonl")
FAILED_RERUNS = {
    "bad-budget": FailedRerun((), ("budget.limit=0",)),
    "bad-budget-resume-false": FailedRerun((), ("budget.limit=0", "resume=false")),
    "other-system-bad-budget": FailedRerun((), ("summarizer=random", "budget.limit=0")),
    "same-config-data-file-now-broken": FailedRerun(JSONL, JSONL, between=_break_jsonl),
    "data-file-broken-resume-false": FailedRerun(JSONL, (*JSONL, "resume=false"), _break_jsonl),
    "after-a-code-change": FailedRerun((), ("budget.limit=0",), _edit_code, _undo_code),
}


@pytest.mark.parametrize("row", list(FAILED_RERUNS), ids=list(FAILED_RERUNS))
def test_a_failed_rerun_keeps_the_earlier_complete_results(snap, tmp_path, row):
    spec = FAILED_RERUNS[row]
    jsonl_dataset(tmp_path / "clusters.jsonl")
    run_dir = tmp_path / "run"

    def args(extra: tuple[str, ...]) -> list[str]:
        return [a.format(tmp=tmp_path) for a in extra] + [f"hydra.run.dir={run_dir}"]

    first = bench_run(snap, tmp_path / "results", *args(spec.first))
    assert first.returncode == 0, first.stderr
    before = files(run_dir)
    assert set(before) == set(RESULTS)
    hydra_before = sorted(p.name for p in (run_dir / ".hydra").iterdir())
    record_before = files(run_dir / ".hydra", ("config.yaml", "overrides.yaml"))
    if spec.between:
        spec.between(snap, tmp_path)
    try:
        rerun = bench_run(snap, tmp_path / "results", *args(spec.rerun))
    finally:
        if spec.undo:
            spec.undo(snap, tmp_path)
    assert rerun.returncode == 2, rerun.stdout + rerun.stderr
    assert "bench-run: error:" in rerun.stderr
    assert files(run_dir) == before, "the failed rerun changed or deleted the earlier results"
    assert sorted(p.name for p in (run_dir / ".hydra").iterdir()) == hydra_before
    # Review 8: .hydra/ records the run that produced the results, not the failed attempt
    assert files(run_dir / ".hydra", ("config.yaml", "overrides.yaml")) == record_before
    assert staging_dirs(run_dir) == []


def test_a_rerun_failing_on_a_full_disk_keeps_the_earlier_results(
    compose_run, tmp_path, monkeypatch
):
    import bench.fileio as records
    from bench.errors import BenchError
    from bench.run import run

    run(compose_run(f"paths.results_dir={tmp_path}", "metrics=[rouge]"), tmp_path / "run")
    before = files(tmp_path / "run")
    write_jsonl = records.atomic_write_jsonl

    def full_disk(path, rows):
        if path.name == "scores.jsonl":
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        write_jsonl(path, rows)

    monkeypatch.setattr(records, "atomic_write_jsonl", full_disk)
    cfg = compose_run(f"paths.results_dir={tmp_path}", "metrics=[rouge]", "summarizer=random")
    with pytest.raises(BenchError, match="No space left on device"):
        run(cfg, tmp_path / "run")
    assert files(tmp_path / "run") == before
    assert staging_dirs(tmp_path / "run") == []


# --------------------------------------------------------------------------- resume


@dataclass(frozen=True)
class Resume:
    args: tuple[str, ...]
    change: Callable[[Path], None]
    sweep: bool = False


def _setup(tmp: Path) -> None:
    cluster_copy(tmp / "clusters")
    shutil.copytree(REFERENCE_DIR / CID, tmp / "refs" / CID)
    jsonl_dataset(tmp / "clusters.jsonl")
    rows = [{"cluster_id": CID, "summary": "Mattis visited Pakistan on Monday. He met leaders."}]
    (tmp / "outputs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))


def _edit_precomputed(tmp: Path) -> None:
    path = tmp / "outputs.jsonl"
    path.write_text(path.read_text().replace("Pakistan", "Narnia"))


def _edit_jsonl(tmp: Path) -> None:
    path = tmp / "clusters.jsonl"
    row = json.loads(path.read_text())
    for doc in row["documents"]:  # the articles, not the references
        doc["text"] = doc["text"].replace("Pakistan", "Narnia")
    path.write_text(json.dumps(row) + "\n")


def _edit_reference(tmp: Path) -> None:
    for path in (tmp / "refs" / CID).glob("*.txt"):
        path.write_text(path.read_text().replace("Pakistan", "Narnia"))


LOCAL = ("dataset=local", "dataset.root={tmp}/clusters", "dataset.reference_dir={tmp}/refs")
RESUME_ROWS = {
    "precomputed-file-edited": Resume(
        ("summarizer=precomputed", "summarizer.path={tmp}/outputs.jsonl"), _edit_precomputed
    ),
    "local-articles-rewritten": Resume(
        LOCAL, lambda tmp: rewrite_articles(tmp / "clusters", "Pakistan", "Narnia")
    ),
    "local-references-edited": Resume(LOCAL, _edit_reference),
    "jsonl-dataset-edited": Resume(
        ("dataset=jsonl", "dataset.path={tmp}/clusters.jsonl"), _edit_jsonl
    ),  # fmt: skip
    "sweep-precomputed-file-edited": Resume(
        ("summarizer=precomputed", "summarizer.path={tmp}/outputs.jsonl"),
        _edit_precomputed,
        sweep=True,
    ),
    "sweep-local-articles-rewritten": Resume(
        LOCAL, lambda tmp: rewrite_articles(tmp / "clusters", "Pakistan", "Narnia"), sweep=True
    ),
}


@pytest.mark.parametrize("row", list(RESUME_ROWS), ids=list(RESUME_ROWS))
def test_resume_recomputes_when_data_outside_the_config_changed(snap, tmp_path, row):
    spec = RESUME_ROWS[row]
    _setup(tmp_path)
    where = tmp_path / "out"
    args = [a.format(tmp=tmp_path) for a in spec.args]
    args = [*args, f"hydra.run.dir={where}"]
    if spec.sweep:
        args = ["-m", *args[:-1], f"hydra.sweep.dir={where}"]
    first = bench_run(snap, tmp_path / "results", *args)
    assert first.returncode == 0, first.stderr
    (job,) = {p.parent for p in where.rglob("run.json")}
    before = files(job)
    again = bench_run(snap, tmp_path / "results", *args)  # nothing changed: served
    assert again.returncode == 0 and "skipped" in again.stdout + again.stderr, again.stderr
    assert files(job) == before

    spec.change(tmp_path)
    rerun = bench_run(snap, tmp_path / "results", *args)
    assert rerun.returncode == 0, rerun.stderr
    log = rerun.stdout + rerun.stderr
    assert "skipped" not in log, "old results served after the data changed"
    assert "stale (changed since:" in log
    after = files(job)
    assert after["scores.jsonl"] != before["scores.jsonl"]
    assert json.loads(after["run.json"])["scores"] != json.loads(before["run.json"])["scores"]


# --------------------------------------------------------------------------- cache tampering


def _split_tables(db: sqlite3.Connection) -> list[str]:
    names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return [
        n for n in names if "sentences" in {c[1] for c in db.execute(f"PRAGMA table_info({n})")}
    ]


def _edit_rows(path: Path) -> None:
    with sqlite3.connect(path) as db:
        for table in _split_tables(db):
            db.execute(f"UPDATE {table} SET sentences = replace(sentences, 'Pakistan', 'Narnia')")


def _swap_rows(path: Path) -> None:
    """Every row's value moved to the next row's key: each still valid JSON, none its own."""
    with sqlite3.connect(path) as db:
        for table in _split_tables(db):
            rows = db.execute(f"SELECT rowid, sentences FROM {table} ORDER BY rowid").fetchall()
            values = [v for _, v in rows]
            for (rowid, _), value in zip(rows, values[1:] + values[:1], strict=True):
                db.execute(f"UPDATE {table} SET sentences = ? WHERE rowid = ?", (value, rowid))


def _upper_rows(path: Path) -> None:
    """Every stored sentence upper-cased (still a valid JSON list of the same length)."""
    with sqlite3.connect(path) as db:
        for table in _split_tables(db):
            for rowid, value in db.execute(f"SELECT rowid, sentences FROM {table}").fetchall():
                upper = json.dumps([x.upper() for x in json.loads(value)], ensure_ascii=False)
                db.execute(f"UPDATE {table} SET sentences = ? WHERE rowid = ?", (upper, rowid))


SPLIT_TAMPER = {
    "row-edited": _edit_rows,
    "rows-swapped": _swap_rows,
    "rows-upper-cased": _upper_rows,
}


@pytest.mark.parametrize("row", list(SPLIT_TAMPER), ids=list(SPLIT_TAMPER))
def test_an_edited_split_store_is_recomputed_with_a_warning(compose_run, tmp_path, caplog, row):
    from bench.memo import clear_all
    from bench.preprocess import text
    from bench.run import run

    cfg = compose_run(f"paths.results_dir={tmp_path}", "metrics=[rouge]")
    store = Path(cfg.paths.split_cache)
    try:
        text._split_paragraph.cache_clear()
        run(cfg, tmp_path / "clean")
        SPLIT_TAMPER[row](store)
        # each run as a new process; the loaded clusters kept beside the splits are dropped,
        # so that the next run reads the splits
        clear_all()
        with sqlite3.connect(store) as db:
            db.execute(f"DELETE FROM {text.SplitStore.entries}")
        text._split_paragraph.cache_clear()
        with caplog.at_level(logging.WARNING):
            run(cfg, tmp_path / "tampered")
        clear_all()
        text._split_paragraph.cache_clear()
        run(cfg, tmp_path / "repaired")  # the recomputed rows were written back
    finally:
        text.use_split_store(None)
        text._split_paragraph.cache_clear()
    for name in ("summaries.jsonl", "scores.jsonl", "run.json"):
        assert (tmp_path / "tampered" / name).read_bytes() == (
            tmp_path / "clean" / name
        ).read_bytes(), f"{name}: the edited split store changed the results"
    assert any("checksum" in r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING)
    timing = json.loads((tmp_path / "repaired" / "timing.json").read_text())
    assert timing["split_store"]["misses"] == 0


def _gen_output_edited(entry: dict) -> dict:
    return {**entry, "output": entry["output"].replace("Pakistan", "Narnia")}


def _gen_output_emptied(entry: dict) -> dict:
    return {**entry, "output": ""}


def _gen_output_of_another_entry(entry: dict) -> dict:
    return {**entry, "output": "An output generated for some other input."}


GEN_TAMPER = {
    "output-edited": _gen_output_edited,
    "output-emptied": _gen_output_emptied,
    "output-replaced": _gen_output_of_another_entry,
}


@pytest.mark.parametrize("row", list(GEN_TAMPER), ids=list(GEN_TAMPER))
def test_an_edited_generation_cache_entry_is_a_miss_with_a_warning(tmp_path, caplog, row):
    from bench.summarizers.cache import GenerationCache

    cache = GenerationCache(tmp_path)
    signature = {"model": "m", "revision": "r"}
    text = "Mattis visited Pakistan."
    key = cache.key(signature, text)
    cache.put(key, text, "Mattis was in Pakistan.", signature)
    assert cache.get(key, text) == "Mattis was in Pakistan."
    path = next(tmp_path.rglob(f"{key}.json"))
    path.write_text(json.dumps(GEN_TAMPER[row](json.loads(path.read_text()))))
    with caplog.at_level(logging.WARNING):
        assert cache.get(key, text) is None, "an edited entry was served as a hit"
    assert "checksum" in caplog.text
    assert (cache.hits, cache.misses) == (1, 1)
    cache.put(key, text, "Mattis was in Pakistan.", signature)  # regenerated and rewritten
    assert cache.get(key, text) == "Mattis was in Pakistan."


# --------------------------------------------------------------------------- sweep exit status


@pytest.fixture(scope="module")
def one_job_sweep(tmp_path_factory) -> Path:
    """A sweep folder with one complete job (run in-process)."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    from bench.preprocess import text
    from bench.run import CONF_DIR, run

    tmp = tmp_path_factory.mktemp("sweep")
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose(config_name="run", overrides=[f"paths.results_dir={tmp}", "metrics=[rouge]"])
    GlobalHydra.instance().clear()
    run(cfg, tmp / "sweep" / "summarizer=lead", overrides=["summarizer=lead"])
    text.use_split_store(None)
    return tmp / "sweep"


def _odd_run_json(text: str) -> Callable[[Path, pytest.MonkeyPatch], None]:
    def fault(sweep: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        (sweep / "odd").mkdir()
        (sweep / "odd" / "run.json").write_text(text)

    return fault


def _full_disk(sweep: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import bench.fileio as records

    def write(path, text):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(records, "atomic_write_text", write)


def _read_only(sweep: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import bench.fileio as records

    def write(path, text):
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(records, "atomic_write_text", write)


def _plot_crash(sweep: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import bench.results.plots as plots

    def crash(*args, **kwargs):
        raise RuntimeError("matplotlib backend failed")

    monkeypatch.setattr(plots, "plot_comparison", crash)


def _failed_job_and_full_disk(sweep: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (sweep / ".failed").mkdir()
    (sweep / ".failed" / "1.json").write_text(
        json.dumps({"overrides": ["summarizer=random"], "error": "x"})
    )
    _full_disk(sweep, monkeypatch)


SWEEP_EXIT_ROWS = {
    "run-json-not-json": (_odd_run_json("{not json"), "odd/run.json"),
    "run-json-empty": (_odd_run_json(""), "odd/run.json"),
    "run-json-without-scores": (_odd_run_json('{"system": "x"}'), "odd/run.json"),
    "run-json-nan-mean": (
        _odd_run_json('{"system": "x", "scores": {"rouge1_f": {"mean": NaN}}}'),
        "odd/run.json",
    ),
    "disk-full-writing-table": (_full_disk, "No space left on device"),
    "read-only-table-folder": (_read_only, "Permission denied"),
    "plot-raises": (_plot_crash, "RuntimeError: matplotlib backend failed"),
    "failed-job-and-disk-full": (_failed_job_and_full_disk, "No space left on device"),
}


@pytest.mark.parametrize("row", list(SWEEP_EXIT_ROWS), ids=list(SWEEP_EXIT_ROWS))
def test_a_sweep_whose_table_fails_exits_2_and_says_why(
    one_job_sweep, tmp_path, monkeypatch, capsys, row
):
    from omegaconf import OmegaConf

    from bench.results.callbacks import SweepTable

    fault, says = SWEEP_EXIT_ROWS[row]
    sweep = tmp_path / "sweep"
    shutil.copytree(one_job_sweep, sweep)
    fault(sweep, monkeypatch)
    config = OmegaConf.create({"hydra": {"sweep": {"dir": str(sweep)}},
                               "paths": {"results_dir": str(tmp_path)}})  # fmt: skip
    with pytest.raises(SystemExit) as exc:
        SweepTable().on_multirun_end(config=config)
    err = capsys.readouterr().err
    assert exc.value.code == 2
    assert "bench-run: error: no comparison table:" in err and says in err, err
    if row.startswith("failed-job"):
        assert "1 job(s) failed: summarizer=random" in err
    assert staging_dirs(sweep) == []


def test_a_sweep_with_an_unparseable_run_json_beside_it_exits_2(snap, tmp_path):
    sweep = tmp_path / "sweep"
    (sweep / "old").mkdir(parents=True)
    (sweep / "old" / "run.json").write_text('{"system": "lead", "scores": ')  # cut short
    proc = bench_run(
        snap, tmp_path / "results", "-m", "summarizer=lead", f"hydra.sweep.dir={sweep}"
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"{sweep / 'old' / 'run.json'}: unreadable run.json" in proc.stderr


# --------------------------------------------------------------------------- bench-table input


def _run_json(directory: Path, system: str, mean: float, low=None, high=None) -> Path:
    from tests.integration.test_compare import _fake_run

    _fake_run(directory, system, [mean, mean])
    record = json.loads((directory / "run.json").read_text())
    record["scores"]["rouge1_f"].update(low=low, high=high)
    (directory / "run.json").write_text(json.dumps(record))
    return directory / "run.json"


TABLE_BAD_INPUT = {
    "not-json": (b"{not json", "unreadable run.json (invalid JSON"),
    "empty-file": (b"", "unreadable run.json (invalid JSON"),
    "cut-short": (b'{"system": "x", "scores": {"rouge1_f": {"mean": 0.', "unreadable run.json"),
    "invalid-utf8": (b'{"system": "\xff"}', "unreadable run.json"),
    "a-list": (b"[1, 2]", "not a bench-run run.json"),
    "no-scores": (b'{"system": "x"}', "not a bench-run run.json"),
    "mean-nan": ({"mean": math.nan}, "rouge1_f.mean is nan, not a finite number"),
    "mean-inf": ({"mean": math.inf}, "rouge1_f.mean is inf, not a finite number"),
    "mean-minus-inf": ({"mean": -math.inf}, "rouge1_f.mean is -inf, not a finite number"),
    "low-minus-inf": ({"low": -math.inf}, "rouge1_f.low is -inf, not a finite number"),
    "high-inf": ({"high": math.inf}, "rouge1_f.high is inf, not a finite number"),
    "high-nan": ({"high": math.nan}, "rouge1_f.high is nan, not a finite number"),
}


@pytest.mark.parametrize("row", list(TABLE_BAD_INPUT), ids=list(TABLE_BAD_INPUT))
def test_bench_table_refuses_a_bad_run_json_naming_it(tmp_path, capsys, row):
    from bench.results.tables import main

    content, says = TABLE_BAD_INPUT[row]
    _run_json(tmp_path / "a", "lead", 0.4, 0.3, 0.5)
    bad = _run_json(tmp_path / "b", "oracle", 0.6, 0.5, 0.7)
    if isinstance(content, bytes):
        bad.write_bytes(content)
    else:
        record = json.loads(bad.read_text())
        record["scores"]["rouge1_f"].update(content)
        bad.write_text(json.dumps(record))
    assert main([str(tmp_path), "--out", str(tmp_path)]) == 2
    out, err = capsys.readouterr()
    assert err.startswith(f"bench-table: error: {bad}: "), err
    assert says in err and err.count("\n") == 1, err
    assert "nan" not in out.lower() and "inf" not in out.lower()
    assert not (tmp_path / "comparison.md").exists()


def test_bench_table_refuses_a_fifo_named_run_json(tmp_path):
    """A FIFO where a run.json should be is refused in one line, never waited on."""
    _run_json(tmp_path / "a", "lead", 0.4, 0.3, 0.5)
    (tmp_path / "b").mkdir()
    os.mkfifo(tmp_path / "b" / "run.json")
    proc = subprocess.run(
        [sys.executable, "-m", "bench.results.tables", str(tmp_path), "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert "is not a regular file" in proc.stderr and proc.stderr.count("\n") == 1, proc.stderr
    assert not (tmp_path / "comparison.md").exists()


COMPARE_NON_FINITE = {
    "baseline-nan": ("baseline", math.nan),
    "baseline-inf": ("baseline", math.inf),
    "baseline-minus-inf": ("baseline", -math.inf),
    "run-nan": ("run", math.nan),
    "run-inf": ("run", math.inf),
    "run-minus-inf": ("run", -math.inf),
}


@pytest.mark.parametrize("row", list(COMPARE_NON_FINITE), ids=list(COMPARE_NON_FINITE))
def test_bench_compare_with_a_non_finite_score_is_bad_input(tmp_path, capsys, row):
    from bench.compare import main

    side, value = COMPARE_NON_FINITE[row]
    for which in ("baseline", "run"):
        _run_json(tmp_path / which / "lead", "lead", value if which == side else 0.4)
    with pytest.raises(SystemExit) as exc:
        main(["--baseline", str(tmp_path / "baseline"), "--run", str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert exc.value.code == 2, err
    assert f"{tmp_path / side / 'lead' / 'run.json'}: scores.rouge1_f.mean is" in err
    assert err.count("\n") == 1


# --------------------------------------------------------------------------- review fixes
# Each row below failed on d47eb3a (the first reliability pass) and passes since.


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


BASELINE_PRUNE_BAD_RUN = {
    "invalid-utf8-scores": ("random", "scores.jsonl", b"\xff\xfe"),
}


@pytest.mark.parametrize("row", list(BASELINE_PRUNE_BAD_RUN), ids=list(BASELINE_PRUNE_BAD_RUN))
def test_write_baseline_prune_with_a_bad_run_keeps_the_baseline(tmp_path, capsys, row):
    """Review 1: pruning ran first and a bad run's read raised a traceback (exit 1)."""
    from bench.compare import main
    from tests.integration.test_compare import _fake_run

    system, name, content = BASELINE_PRUNE_BAD_RUN[row]
    for side, systems in (("S", ("lead", "random")), ("T", ("lead", "random"))):
        for s in systems:
            _fake_run(tmp_path / side / s, s, [0.4, 0.5] if side == "S" else [0.3, 0.2])
    (tmp_path / "S" / "oracle").mkdir()  # a system of the old baseline that T lacks
    _fake_run(tmp_path / "S" / "oracle", "oracle", [0.9, 0.8])
    with pytest.raises(SystemExit) as exc:
        main(["--write-baseline", "--baseline", str(tmp_path / "B"), "--run", str(tmp_path / "S")])
    assert exc.value.code == 0
    before = _tree(tmp_path / "B")
    bad = tmp_path / "T" / system / name
    bad.write_bytes(content)
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        main(["--write-baseline", "--prune", "--baseline", str(tmp_path / "B"),
              "--run", str(tmp_path / "T")])  # fmt: skip
    err = capsys.readouterr().err
    assert exc.value.code == 2, err
    assert err.startswith("bench-compare: error: ") and err.count("\n") == 1, err
    assert _tree(tmp_path / "B") == before


def _interrupted(job: Path) -> Path:
    """Leave ``job``'s run.json in a committed staging folder of a dead writer."""
    import socket

    staging = job / f".staging~{socket.gethostname().replace(os.sep, '_')}~999999"
    staging.mkdir()
    os.replace(job / "run.json", staging / "run.json")
    (staging / "MANIFEST.json").write_text(
        json.dumps({"members": ["scores.jsonl", "run.json"], "install": ["run.json"]})
    )
    return staging


def test_bench_table_rolls_forward_an_interrupted_move_in(tmp_path, capsys):
    """Review 2: a run whose moving-in a kill cut short silently dropped out of the table."""
    from bench.results.tables import main
    from tests.integration.test_compare import _fake_run

    _fake_run(tmp_path / "U" / "lead", "lead", [0.4, 0.5])
    _fake_run(tmp_path / "U" / "random", "random", [0.2, 0.3])
    staging = _interrupted(tmp_path / "U" / "random")
    assert main([str(tmp_path / "U")]) == 0
    out = capsys.readouterr().out
    assert "random" in out and "lead" in out
    assert (tmp_path / "U" / "random" / "run.json").is_file() and not staging.exists()


def test_bench_compare_rolls_forward_an_interrupted_baseline_write(tmp_path, capsys):
    """Review 2: a baseline system in a staging folder passed the gate as 'not compared'."""
    from bench.compare import main
    from tests.integration.test_compare import _fake_run

    for s, values in (("lead", [0.4, 0.5]), ("random", [0.4, 0.5])):
        _fake_run(tmp_path / "B" / s, s, values)
    _fake_run(tmp_path / "R" / "lead", "lead", [0.4, 0.5])
    _fake_run(tmp_path / "R" / "random", "random", [0.1, 0.1])  # a regression
    _interrupted(tmp_path / "B" / "random")
    with pytest.raises(SystemExit) as exc:
        main(["--baseline", str(tmp_path / "B"), "--run", str(tmp_path / "R")])
    out = capsys.readouterr().out
    assert exc.value.code == 1, out
    assert "not compared" not in out


def test_a_reader_refuses_a_committed_set_it_cannot_move_in(tmp_path, capsys):
    """Review 2: a committed set that stays staged (live writer) is exit 2, never skipped."""
    from bench.results.tables import main
    from tests.integration.test_compare import _fake_run

    _fake_run(tmp_path / "U" / "lead", "lead", [0.4, 0.5])
    _fake_run(tmp_path / "U" / "random", "random", [0.2, 0.3])
    staging = _interrupted(tmp_path / "U" / "random")
    staging.rename(staging.with_name(staging.name.replace("~999999", "~1")))  # alive
    assert main([str(tmp_path / "U")]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'U' / 'random'}: results are being replaced" in err


RESUME_BAD_RECORD = {
    "mean-nan": lambda s: s.replace('"mean": 0.', '"mean": NaN, "x": 0.', 1),
    "high-inf": lambda s: s.replace('"high": 0.', '"high": Infinity, "x": 0.', 1),
    "mean-string": lambda s: s.replace('"mean": 0.', '"mean": "0.4", "x": 0.', 1),
}


@pytest.mark.parametrize("row", list(RESUME_BAD_RECORD), ids=list(RESUME_BAD_RECORD))
def test_resume_recomputes_a_run_json_with_bad_scores(snap, tmp_path, row):
    """Review 5: resume served a run.json with a NaN mean ('skipped', a 'nan' row, exit 0)."""
    where = tmp_path / "D"
    args = ["summarizer=lead", f"hydra.run.dir={where}"]
    assert bench_run(snap, tmp_path / "results", *args).returncode == 0
    good = (where / "run.json").read_text()
    bad = RESUME_BAD_RECORD[row](good)
    assert bad != good
    (where / "run.json").write_text(bad)
    rerun = bench_run(snap, tmp_path / "results", *args)
    log = rerun.stdout + rerun.stderr
    assert rerun.returncode == 0, log
    assert "skipped" not in log and "not usable" in log
    table = rerun.stdout.split("Results (", 1)[1].lower()
    assert "nan" not in table and "inf" not in table
    assert (where / "run.json").read_text() == good


def test_a_resweep_leaves_a_failed_jobs_old_numbers_out_of_the_table(snap, tmp_path):
    """Review 3: a job failing in a re-sweep kept its earlier row in comparison.md."""
    rows = {"a": "Mattis visited Pakistan on Monday.", "b": "He met leaders in Islamabad."}
    for name, summary in rows.items():
        (tmp_path / f"{name}.jsonl").write_text(
            json.dumps({"cluster_id": CID, "summary": summary}) + "\n"
        )
    sweep = tmp_path / "S"
    paths = f"summarizer.path={tmp_path}/a.jsonl,{tmp_path}/b.jsonl"
    args = ["-m", "summarizer=precomputed", paths, f"hydra.sweep.dir={sweep}"]
    first = bench_run(snap, tmp_path / "results", *args)
    assert first.returncode == 0, first.stderr
    assert len((sweep / "comparison.csv").read_text().strip().splitlines()) == 3
    (tmp_path / "b.jsonl").write_text("{broken\n")
    again = bench_run(snap, tmp_path / "results", *args)
    assert again.returncode == 2, again.stderr
    assert "left out of the table (stale)" in again.stderr
    table = (sweep / "comparison.csv").read_text().strip().splitlines()
    assert len(table) == 2, table  # the header and a's row only
    assert "b.jsonl" not in (sweep / "comparison.md").read_text()


def test_generation_cache_entries_of_the_old_format_are_plain_misses(tmp_path, caplog):
    """Review 7: every entry written before checksums was reported as edited or damaged."""
    from bench.summarizers.cache import GenerationCache, sha256_text

    signature = {"model": "m", "revision": "r"}
    text = "Mattis visited Pakistan."
    # An entry as the cache wrote it before checksums existed (format 1, no checksum).
    old_key = sha256_text(json.dumps({"format": 1, "signature": signature,
                                      "input": sha256_text(text)}, sort_keys=True))  # fmt: skip
    old = {"format": 1, "key": old_key, "input_sha256": sha256_text(text),
           "output": "old output", "signature": signature}  # fmt: skip
    (tmp_path / old_key[:2]).mkdir()
    (tmp_path / old_key[:2] / f"{old_key}.json").write_text(json.dumps(old))
    cache = GenerationCache(tmp_path)
    key = cache.key(signature, text)
    with caplog.at_level(logging.WARNING):
        assert cache.get(key, text) is None
    assert caplog.text == "", "an old-format entry was reported as edited or damaged"
    assert (cache.hits, cache.misses) == (0, 1)


STALE_ROWS = {
    # (recorded summarizer signature, current one, reasons)
    "same-commit": ({"weights": "commit:abc"}, {"weights": "commit:abc"}, []),
    "other-commit": ({"weights": "commit:abc"}, {"weights": "commit:def"}, ["summarizer"]),
    "unresolved-both-times": (
        {"weights": "unresolved:main"},
        {"weights": "unresolved:main"},
        ["model weights (hub commit unresolved, cannot be checked)"],
    ),
}


@pytest.mark.parametrize("row", list(STALE_ROWS), ids=list(STALE_ROWS))
def test_resume_never_trusts_weights_whose_commit_is_unresolved(row):
    """Review 6: 'unresolved:<rev>' weights compared equal, so resume skipped the job."""
    from bench.run import stale_reasons

    recorded, current, reasons = STALE_ROWS[row]
    nli = {"model": "m", "weights": current["weights"].replace("weights", "nli")}
    record = {"summarizer_signature": recorded, "metric_signatures": {"nli": nli},
              "dataset_signature": {"digest": "d"}}  # fmt: skip
    now = {"dataset_signature": {"digest": "d"}, "summarizer_signature": current,
           "metric_signatures": {"nli": nli}}  # fmt: skip
    assert stale_reasons(record, now) == reasons


def test_a_job_failing_unexpectedly_fails_alone_and_the_table_is_renewed(snap, tmp_path):
    """Review 4: Hydra stopped the sweep (old table kept beside new results; error twice)."""
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(
        "import os\n"
        "if os.environ.get('BENCH_TEST_BOOM'):\n"
        "    from bench.summarizers import extractive\n"
        "    def boom(self, *args, **kwargs):\n"
        "        raise RuntimeError('boom')\n"
        "    extractive.RandomSentences.summarize = boom\n"
    )
    sweep = tmp_path / "S"
    args = ["-m", "summarizer=lead,random", f"hydra.sweep.dir={sweep}"]
    first = bench_run(snap, tmp_path / "results", *args)
    assert first.returncode == 0, first.stderr
    assert len((sweep / "comparison.csv").read_text().strip().splitlines()) == 3
    env = dict(snap.env, BENCH_TEST_BOOM="1", PYTHONPATH=f"{hook}{os.pathsep}{snap.root}")
    again = subprocess.run(
        [sys.executable, "-m", "bench.run", *args[:1], "metrics=[rouge]",
         f"paths.results_dir={tmp_path / 'results'}", *args[1:], "resume=false"],
        cwd=snap.root, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert again.returncode == 2, again.stderr
    assert again.stderr.count("RuntimeError: boom") == 1, again.stderr
    assert "Error executing job" not in again.stderr
    assert "1 job(s) failed: " in again.stderr and "summarizer=random" in again.stderr
    table = (sweep / "comparison.csv").read_text().strip().splitlines()
    assert len(table) == 2, table  # lead's new row only; random's earlier one is stale
    assert "random" not in (sweep / "comparison.md").read_text()
