"""SIGKILL a bench-run at chosen points: what is left on disk is absent or complete, and a rerun
completes with results byte-identical to an uninterrupted run of the same config.

How the kill point is made deterministic (no sleeps, no timing): every run is a plain
``python -m bench.run ...`` subprocess, started with a directory on ``PYTHONPATH`` that holds the
``sitecustomize.py`` below (Python imports it at start-up). With ``MDSBENCH_KILL_AT`` unset it
does nothing. Set, it hooks one point of the run and, when that point is reached, writes a marker
line to stderr and *blocks* there; the test reads the run's output, and on the marker sends
SIGKILL to the process group from outside. The process is therefore killed exactly at the chosen
point however slow the machine is, and can never have moved on past it. The points:

- ``log``: right after a log line: the progress line ``X: summarizing: k/N clusters`` (killed
  half-way through summarizing), ``scoring N summaries with rouge``/``fact`` (killed as that
  metric starts; nothing reaches the disk until all metrics are done, so any point inside a
  scoring phase leaves the same state), ``summarizing N clusters with X`` (the second job of a
  sweep).
- ``renamed``: right after the n-th ``os.replace`` onto a matching path (the atomic writers of
  bench.fileio rename a finished temp file onto the result or cache-entry name).
- ``writing``: midway through writing the temp file that ``tempfile.mkstemp`` created for a
  matching file (``.<name>.<random>.tmp`` beside it): half of the text is written and fsynced.

The runs use a snapshot of the checkout (bench/, conf/, data/, ... committed into a fresh git
repo under tmp): run.json records a hash of uncommitted changes of the checkout, and other people
edit this working tree while tests run, which would make a rerun's records differ from the
reference run's (and a resumed job look stale) for reasons that have nothing to do with kills.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")

MARKER = "@@mdsbench-test-paused-for-kill@@"
RESULTS = ("summaries.jsonl", "scores.jsonl", "run.json")  # byte-identical across runs
N_CLUSTERS = 20  # progress lines every 2 clusters; the kill point does not depend on run length
MODEL_CLUSTERS = 4

SITECUSTOMIZE = r'''
"""Test hook (test_kill.py): block at the point named by MDSBENCH_KILL_AT until killed."""
import os

_SPEC = os.environ.get("MDSBENCH_KILL_AT")


def _install(spec):
    import fnmatch
    import logging
    import re
    import tempfile
    import time

    nth = spec.get("nth", 1)
    seen = [0]

    def fires():
        seen[0] += 1
        return seen[0] == nth

    def pause(what):
        os.write(2, ("\n%s %s\n" % (__MARKER__, what)).encode())
        while True:  # the test sends SIGKILL
            time.sleep(60)

    if spec["kind"] == "log":
        pattern = re.compile(spec["pattern"])
        call_handlers = logging.Logger.callHandlers

        def callHandlers(self, record):
            call_handlers(self, record)
            if pattern.search(record.getMessage()) and fires():
                pause("after log line %r" % record.getMessage())

        logging.Logger.callHandlers = callHandlers
    elif spec["kind"] == "renamed":
        replace = os.replace

        def patched_replace(src, dst, *args, **kwargs):
            replace(src, dst, *args, **kwargs)
            if fnmatch.fnmatch(os.fspath(dst), spec["glob"]) and fires():
                pause("after renaming onto %s" % os.fspath(dst))

        os.replace = patched_replace
    elif spec["kind"] == "writing":
        mkstemp, fdopen = tempfile.mkstemp, os.fdopen
        temp_paths = {}

        def patched_mkstemp(*args, **kwargs):
            fd, path = mkstemp(*args, **kwargs)
            temp_paths[fd] = path
            return fd, path

        class HalfWriter:
            def __init__(self, fh, path):
                self._fh, self._path = fh, path

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                return self._fh.__exit__(*exc)

            def write(self, text):
                self._fh.write(text[: len(text) // 2])
                self._fh.flush()
                os.fsync(self._fh.fileno())
                pause("midway through writing %s" % self._path)

            def __getattr__(self, name):
                return getattr(self._fh, name)

        def patched_fdopen(fd, *args, **kwargs):
            fh = fdopen(fd, *args, **kwargs)
            path = temp_paths.pop(fd, None)
            if path is not None and fnmatch.fnmatch(path, spec["glob"]) and fires():
                return HalfWriter(fh, path)
            return fh

        tempfile.mkstemp, os.fdopen = patched_mkstemp, patched_fdopen
    else:
        raise ValueError("unknown MDSBENCH_KILL_AT kind %r" % spec["kind"])


if _SPEC:
    import json

    _install(json.loads(_SPEC))
'''.replace("__MARKER__", repr(MARKER))


# --------------------------------------------------------------------------- running bench-run


@dataclass
class Env:
    """The snapshot to run from, its subprocess environment and the shared inputs."""

    root: Path
    env: dict[str, str]
    data: Path
    tmp: Path


@dataclass
class Outcome:
    returncode: int
    output: str
    paused_at: str | None  # the marker line's description, when the hook fired


def _snapshot(dest: Path) -> Path:
    """bench/, conf/, data/, ... of the checkout as a fresh one-commit git repo."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("bench", "conf", "data", "reference_summaries"):
        shutil.copytree(ROOT / name, dest / name, ignore=ignore)
    for name in ("pyproject.toml", ".gitignore"):
        shutil.copy2(ROOT / name, dest / name)
    git = ["git", "-C", str(dest), "-c", "user.name=test", "-c", "user.email=test@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "snapshot", "--no-gpg-sign"], check=True)
    return dest


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> Env:
    from bench.data.synthetic import main as synthetic

    tmp = tmp_path_factory.mktemp("kill")
    root = _snapshot(tmp / "checkout")
    hooks = tmp / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(SITECUSTOMIZE)
    data = tmp / "clusters.jsonl"
    synthetic([str(data), "--clusters", str(N_CLUSTERS)])
    variables = dict(
        os.environ,
        HF_HUB_OFFLINE="1",
        HF_DATASETS_OFFLINE="1",
        HF_DATASETS_CACHE=str(tmp / "hf-datasets"),  # not the user's cache
        PYTHONUNBUFFERED="1",
        PYTHONPATH=os.pathsep.join([str(hooks), str(root)]),
    )
    variables.pop("MDSBENCH_KILL_AT", None)
    return Env(root=root, env=variables, data=data, tmp=tmp)


def _kill_group(pid: int) -> None:
    with suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def bench_run(env: Env, args: Iterable[str], kill_at: dict | None = None) -> Outcome:
    """``python -m bench.run ARGS``; with ``kill_at``, SIGKILLed where the hook pauses it."""
    variables = dict(env.env)
    if kill_at is not None:
        variables["MDSBENCH_KILL_AT"] = json.dumps(kill_at)
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.run", *args],
        cwd=env.root, env=variables, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, start_new_session=True,
    )  # fmt: skip
    # A run that hangs instead of pausing or exiting fails the test rather than blocking it.
    watchdog = threading.Timer(240, _kill_group, (proc.pid,))
    watchdog.start()
    lines, paused_at = [], None
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if line.startswith(MARKER):
                paused_at = line[len(MARKER) :].strip()
                _kill_group(proc.pid)
                break
        lines.append(proc.stdout.read())
        proc.wait()
    finally:
        watchdog.cancel()
    return Outcome(proc.returncode, "".join(lines), paused_at)


def killed(env: Env, args: Iterable[str], kill_at: dict) -> Outcome:
    out = bench_run(env, args, kill_at)
    assert out.paused_at is not None, f"the run never reached {kill_at}:\n{out.output}"
    assert out.returncode == -signal.SIGKILL, out.output
    return out


def completed(env: Env, args: Iterable[str]) -> Outcome:
    out = bench_run(env, args)
    assert out.returncode == 0, out.output
    return out


# --------------------------------------------------------------------------- what is on disk


def _check_jsonl(path: Path) -> int:
    text = path.read_text(encoding="utf-8")
    assert text == "" or text.endswith("\n"), f"{path}: last line cut off"
    lines = text.splitlines()
    for no, line in enumerate(lines, start=1):
        try:
            json.loads(line)
        except json.JSONDecodeError as exc:
            raise AssertionError(f"{path} line {no}: not JSON ({exc})") from None
    return len(lines)


def check_files(*roots: Path) -> list[Path]:
    """Assert every file under ``roots`` parses; return the temp files (``*.tmp``) found.

    Also: no run.json without complete summaries.jsonl and scores.jsonl beside it, nor (in a
    Hydra run folder) without the kept record of the run that wrote it.
    """
    from bench.results.fileset import is_staged

    temp = []
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            if path.name.endswith(".tmp"):
                temp.append(path)
            elif is_staged(path.relative_to(root)):
                continue  # a staged set, moved in as one once complete (see staged())
            elif path.suffix == ".jsonl":
                _check_jsonl(path)
            elif path.suffix == ".json":
                try:
                    json.loads(path.read_text(encoding="utf-8"))
                except json.JSONDecodeError as exc:
                    raise AssertionError(f"{path}: not JSON ({exc})") from None
            elif path.suffix == ".yaml":
                yaml.safe_load(path.read_text(encoding="utf-8"))
        for run_json in (p for p in root.rglob("run.json") if not is_staged(p.relative_to(root))):
            n = json.loads(run_json.read_text(encoding="utf-8"))["n_clusters"]
            if (run_json.parent / ".hydra" / "config.yaml").is_file():  # moved in with the set
                kept = run_json.parent / ".hydra" / "results" / "config.yaml"
                assert kept.is_file(), f"{run_json} without the record of its run ({kept})"
            for name in ("summaries.jsonl", "scores.jsonl"):
                beside = run_json.parent / name
                assert beside.is_file(), f"{run_json} without {name} beside it"
                assert _check_jsonl(beside) == n, f"{beside}: not {n} rows as run.json says"
    return temp


def staged(run_dir: Path) -> dict[str, bool]:
    """The staging folders in ``run_dir``: name -> committed (a manifest decided the commit)."""
    from bench.results.fileset import MANIFEST, STAGING_PREFIX

    return {
        p.name: (p / MANIFEST).is_file()
        for p in run_dir.iterdir()
        if p.is_dir() and p.name.startswith(STAGING_PREFIX)
    }


def same_as_reference(run_dir: Path, reference: Path, names: Iterable[str] = RESULTS) -> None:
    """Each of ``names`` present in ``run_dir`` equals the reference run's file byte for byte."""
    for name in names:
        if (run_dir / name).exists():
            assert (run_dir / name).read_bytes() == (reference / name).read_bytes(), (
                f"{run_dir / name} differs from the uninterrupted run's"
            )


def results_present(run_dir: Path) -> set[str]:
    from bench.run import RESULT_FILES

    return {name for name in RESULT_FILES if (run_dir / name).exists()}


def cache_entries(cache: Path) -> dict[str, bytes]:
    if not cache.is_dir():
        return {}
    return {
        str(p.relative_to(cache)): p.read_bytes()
        for p in sorted(cache.rglob("*.json"))
        if not p.name.endswith(".tmp")
    }


# --------------------------------------------------------------------------- reference runs


def single_args(env: Env, run_dir: Path) -> list[str]:
    return ["summarizer=random", "dataset=jsonl", f"dataset.path={env.data}",
            f"hydra.run.dir={run_dir}"]  # fmt: skip


def sweep_args(env: Env, sweep_dir: Path) -> list[str]:
    return ["-m", "summarizer=lead,lexrank", "dataset=jsonl", f"dataset.path={env.data}",
            f"hydra.sweep.dir={sweep_dir}"]  # fmt: skip


def model_args(env: Env, model: Path, run_dir: Path) -> list[str]:
    return [
        "summarizer=tiny_bart", f"summarizer.model={model}", "summarizer.batch_size=1",
        "summarizer.max_input_tokens=64", "summarizer.generation.min_new_tokens=8",
        "summarizer.generation.max_new_tokens=8", f"summarizer.cache_dir={env.tmp / 'cache'}",
        "dataset=jsonl", f"dataset.path={env.data}", f"dataset.limit={MODEL_CLUSTERS}",
        f"hydra.run.dir={run_dir}",
    ]  # fmt: skip


BUILD_TINY_BART = """
import sys
from bench.data.synthetic import source_sentences
from bench.testing import build_tiny_bart
build_tiny_bart(sys.argv[1], source_sentences())
"""


def _model_reference(env: Env) -> tuple[Path, Path, dict[str, bytes]]:
    """A tiny BART, an uninterrupted run with it and the cache entries that run wrote.

    The cache is then removed: every row starts from an empty cache at the same path (the path
    is part of the recorded config, which must equal the reference's).
    """
    model, run_dir, cache = env.tmp / "tiny-bart", env.tmp / "model-reference", env.tmp / "cache"
    build = subprocess.run([sys.executable, "-c", BUILD_TINY_BART, str(model)], cwd=env.root,
                           env=env.env, capture_output=True, text=True)  # fmt: skip
    assert build.returncode == 0, build.stdout + build.stderr
    completed(env, model_args(env, model, run_dir))
    entries = cache_entries(cache)
    assert len(entries) == MODEL_CLUSTERS
    assert json.loads((run_dir / "timing.json").read_text())["generation_cache"] == {
        "hits": 0, "misses": MODEL_CLUSTERS,
    }  # fmt: skip
    shutil.rmtree(cache)
    return model, run_dir, entries


def _sweep_reference(env: Env) -> Path:
    sweep = env.tmp / "sweep-reference"
    completed(env, sweep_args(env, sweep))
    return sweep


@pytest.fixture(scope="module")
def background(env: Env) -> Iterator[dict[str, Future]]:
    """The uninterrupted sweep and model runs, started at once beside the first rows.

    They write only their own folders (the rows that use the cache folder wait for the model
    reference to finish), and overlapping them keeps the file's runtime down.
    """
    with ThreadPoolExecutor(max_workers=2) as pool:
        yield {"sweep": pool.submit(_sweep_reference, env),
               "model": pool.submit(_model_reference, env)}  # fmt: skip


@pytest.fixture(scope="module")
def single_reference(env: Env, background) -> Path:
    run_dir = env.tmp / "single-reference"
    completed(env, single_args(env, run_dir))
    assert results_present(run_dir) == {*RESULTS, "timing.json"}
    return run_dir


# --------------------------------------------------------------------------- single runs


@dataclass(frozen=True)
class Point:
    kill_at: dict  # the hook's spec; ``{run}``, ``{cache}`` in a glob: the row's folders
    # result files on disk right after the kill, and the temp file left half-written (if any)
    left: frozenset[str]
    half_written: str | None = None
    # a committed set cut short while being moved in (the next run completes it)
    committed: bool = False

    def spec(self, run: Path, cache: Path | None = None) -> dict:
        if "glob" not in self.kill_at:
            return self.kill_at
        return {**self.kill_at, "glob": self.kill_at["glob"].format(run=run, cache=cache)}


SINGLE_POINTS = {
    "summarizing": Point(
        {
            "kind": "log",
            "pattern": rf"^random: summarizing: {N_CLUSTERS // 2}/{N_CLUSTERS} clusters",
        },
        frozenset(),
    ),
    "scoring-rouge": Point(
        {"kind": "log", "pattern": r"^scoring \d+ summaries with rouge "}, frozenset()
    ),
    "scoring-fact": Point(
        {"kind": "log", "pattern": r"^scoring \d+ summaries with fact "}, frozenset()
    ),
    "written-summaries": Point(
        {"kind": "renamed", "glob": "{run}/summaries.jsonl"},
        frozenset({"summaries.jsonl"}),
        committed=True,
    ),
    "written-run-json": Point(
        {"kind": "renamed", "glob": "{run}/run.json"},
        frozenset({"summaries.jsonl", "scores.jsonl", "run.json"}),
        committed=True,
    ),
    "mid-temp-scores": Point(
        {"kind": "writing", "glob": "{run}/.staging~*/.scores.jsonl.*.tmp"},
        frozenset(),
        half_written="scores.jsonl",
    ),
}


@pytest.mark.parametrize("point", list(SINGLE_POINTS), ids=list(SINGLE_POINTS))
def test_a_run_killed_reruns_to_the_same_results(env, single_reference, point):
    spec = SINGLE_POINTS[point]
    run_dir = env.tmp / f"single-{point}"
    args = single_args(env, run_dir)
    killed(env, args, spec.spec(run_dir))

    # after the kill: what was written is complete, nothing else is there
    assert results_present(run_dir) == spec.left
    same_as_reference(run_dir, single_reference)
    temp = check_files(run_dir)
    if spec.half_written is None:
        assert temp == [], f"temp files left by a kill outside any write: {temp}"
    else:
        # unavoidable: SIGKILL mid-write leaves the temp file, in the staging folder
        assert [p.parent.parent for p in temp] == [run_dir], temp
        assert temp[0].name.startswith(f".{spec.half_written}."), temp
    # killed while writing: an uncommitted staging folder; while moving in: a committed one
    expected = [spec.committed] if spec.half_written or spec.committed else []
    assert list(staged(run_dir).values()) == expected

    # the rerun completes, leaves no temp file behind, and gives the uninterrupted run's results
    completed(env, args)
    assert results_present(run_dir) == {*RESULTS, "timing.json"}
    same_as_reference(run_dir, single_reference)
    assert check_files(run_dir) == [], "temp files left after the rerun completed"
    assert staged(run_dir) == {}, "staging folders left after the rerun completed"


# --------------------------------------------------------------------------- a sweep


def jobs(sweep_dir: Path) -> dict[str, Path]:
    """The sweep's job folders by summarizer."""
    out = {}
    for d in sweep_dir.iterdir():
        if d.is_dir() and not d.name.startswith("."):
            (name,) = (p.split("=", 1)[1] for p in d.name.split(",") if p.startswith("summarizer="))
            out[name] = d
    return out


TABLES = ("comparison.md", "comparison.csv", "comparison.tex")
PLOTS = ("comparison.png", "comparison.pdf", "comparison_length.png", "comparison_length.pdf")


def test_a_sweep_killed_in_its_second_job_keeps_the_first_and_completes(env, background):
    reference = background["sweep"].result()
    ref_jobs = jobs(reference)

    sweep = env.tmp / "sweep-killed"
    args = sweep_args(env, sweep)
    killed(env, args, {"kind": "log", "pattern": r"summarizing \d+ clusters with lexrank$"})
    assert check_files(sweep) == []
    killed_jobs = jobs(sweep)
    assert results_present(killed_jobs["lead"]) == {*RESULTS, "timing.json"}
    same_as_reference(killed_jobs["lead"], ref_jobs["lead"])
    assert results_present(killed_jobs["lexrank"]) == set()
    assert not any((sweep / name).exists() for name in (*TABLES, *PLOTS))
    timing = killed_jobs["lead"] / "timing.json"
    lead_timing = (timing.read_bytes(), timing.stat().st_mtime_ns)

    rerun = completed(env, args)
    assert "already in" in rerun.output and "skipped" in rerun.output, rerun.output
    # the complete first job is reused, not recomputed
    assert (timing.read_bytes(), timing.stat().st_mtime_ns) == lead_timing
    assert check_files(sweep) == []
    for name, job in jobs(sweep).items():
        assert results_present(job) == {*RESULTS, "timing.json"}
        same_as_reference(job, ref_jobs[name])
    assert all((sweep / name).is_file() for name in (*TABLES, *PLOTS))
    same_as_reference(sweep, reference, TABLES)


# --------------------------------------------------------------------------- generation cache


MODEL_POINTS = {
    # two entries complete, killed right after the second rename
    "cache-after-2-entries": Point(
        {"kind": "renamed", "glob": "{cache}/*/*.json", "nth": 2}, frozenset()
    ),
    # two entries complete, the third half-written in its temp file
    "cache-mid-entry-3": Point(
        {"kind": "writing", "glob": "{cache}/*/.*.json.*.tmp", "nth": 3},
        frozenset(),
        half_written=".json.",
    ),
}


@pytest.mark.parametrize("point", list(MODEL_POINTS), ids=list(MODEL_POINTS))
def test_a_model_run_killed_reuses_the_complete_cache_entries(env, background, point):
    spec = MODEL_POINTS[point]
    model, reference, reference_entries = background["model"].result()
    run_dir, cache = env.tmp / f"model-{point}", env.tmp / "cache"
    shutil.rmtree(cache, ignore_errors=True)
    args = model_args(env, model, run_dir)
    killed(env, args, spec.spec(run_dir, cache))

    assert results_present(run_dir) == set()
    temp = check_files(run_dir, cache)
    entries = cache_entries(cache)
    assert len(entries) == 2
    for key, content in entries.items():  # complete: equal to the uninterrupted run's entry
        assert content == reference_entries[key], key
    if spec.half_written is None:
        assert temp == [], temp
    else:
        assert [p.parent.parent for p in temp] == [cache], temp
        assert spec.half_written in temp[0].name, temp
        with pytest.raises(json.JSONDecodeError):  # the hook wrote half an entry
            json.loads(temp[0].read_text())
    mtimes = {key: (cache / key).stat().st_mtime_ns for key in entries}

    completed(env, args)
    timing = json.loads((run_dir / "timing.json").read_text())
    # the complete entries are served from the cache (not regenerated, not rewritten)
    assert timing["generation_cache"] == {"hits": 2, "misses": MODEL_CLUSTERS - 2}
    assert {key: (cache / key).stat().st_mtime_ns for key in entries} == mtimes
    assert cache_entries(cache) == reference_entries
    same_as_reference(run_dir, reference)
    assert results_present(run_dir) == {*RESULTS, "timing.json"}
    assert check_files(run_dir, cache) == [], "temp files left after the rerun completed"


# --------------------------------------------------------------------------- reruns (issue 15)


RERUN_POINTS = {
    # killed while the new set is written (into its staging folder): the earlier set untouched
    "mid-temp-summaries": Point(
        {"kind": "writing", "glob": "{run}/*.summaries.jsonl.*.tmp"},
        frozenset({*RESULTS, "timing.json"}),
        half_written="summaries.jsonl",
    ),
    "mid-temp-scores": Point(
        {"kind": "writing", "glob": "{run}/*.scores.jsonl.*.tmp"},
        frozenset({*RESULTS, "timing.json"}),
        half_written="scores.jsonl",
    ),
    "mid-temp-run-json": Point(
        {"kind": "writing", "glob": "{run}/*.run.json.*.tmp"},
        frozenset({*RESULTS, "timing.json"}),
        half_written="run.json",
    ),
    # killed while the complete new set is moved in: nothing of the earlier set beside it, no
    # run.json yet, and the next run completes the move
    "moving-in-summaries": Point(
        {"kind": "renamed", "glob": "{run}/summaries.jsonl"},
        frozenset({"summaries.jsonl"}),
        committed=True,
    ),
}


@pytest.mark.parametrize("point", list(RERUN_POINTS), ids=list(RERUN_POINTS))
def test_a_rerun_killed_keeps_the_earlier_results_or_completes_the_new(
    env, single_reference, point
):
    spec = RERUN_POINTS[point]
    run_dir = env.tmp / f"rerun-{point}"
    args = single_args(env, run_dir)
    completed(env, ["summarizer=lead", *args[1:]])  # the earlier complete run: another system
    earlier = {name: (run_dir / name).read_bytes() for name in (*RESULTS, "timing.json")}
    killed(env, args, spec.spec(run_dir))

    assert results_present(run_dir) == spec.left
    if spec.committed:
        same_as_reference(run_dir, single_reference)  # whatever is in place is the new run's
        assert list(staged(run_dir).values()) == [True]
    else:
        assert {name: (run_dir / name).read_bytes() for name in spec.left} == earlier
        temp = check_files(run_dir)
        assert [p.parent.parent for p in temp] == [run_dir], temp
        assert list(staged(run_dir).values()) == [False]

    out = completed(env, args)
    if spec.committed:  # the killed run's complete set, moved in, is served
        assert "skipped" in out.output, out.output
    assert results_present(run_dir) == {*RESULTS, "timing.json"}
    same_as_reference(run_dir, single_reference)
    assert check_files(run_dir) == [] and staged(run_dir) == {}


TABLE_POINTS = {
    "after-md-replaced": {"kind": "renamed", "glob": "{sweep}/comparison.md"},
    "after-csv-replaced": {"kind": "renamed", "glob": "{sweep}/comparison.csv"},
    "after-tex-replaced": {"kind": "renamed", "glob": "{sweep}/comparison.tex"},
    "mid-temp-png": {"kind": "writing", "glob": "{sweep}/*.comparison.png.*.tmp"},
}


@pytest.mark.parametrize("point", list(TABLE_POINTS), ids=list(TABLE_POINTS))
def test_a_resweep_killed_while_replacing_its_tables_never_leaves_a_mixed_set(
    env, background, point
):
    reference = background["sweep"].result()
    sweep = env.tmp / f"resweep-{point}"
    shutil.copytree(reference, sweep)
    names = (*TABLES, *PLOTS)
    old = {name: (sweep / name).read_bytes() for name in names}
    args = sweep_args(env, sweep)
    args[1] = "summarizer=lead,lexrank,random"  # one more job: every table file changes
    kill_at = {**TABLE_POINTS[point], "glob": TABLE_POINTS[point]["glob"].format(sweep=sweep)}
    killed(env, args, kill_at)

    present = {name: (sweep / name).read_bytes() for name in names if (sweep / name).exists()}
    if present != old:  # not the old set whole: then nothing of it beside new files ...
        assert not [name for name in present if present[name] == old[name]], (
            f"files of the earlier sweep's table beside new ones: {sorted(present)}"
        )
        # ... and comparison.md only with the whole new set
        assert "comparison.md" not in present or set(present) == set(names)

    completed(env, args)
    assert all((sweep / name).is_file() for name in names)
    assert not [name for name in names if (sweep / name).read_bytes() == old[name]]
    assert "| random" in (sweep / "comparison.md").read_text()
    assert staged(sweep) == {}
