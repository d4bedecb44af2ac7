"""Issue 18: the harness as a package. A wheel built from the repository carries everything a run
reads; installed into a fresh virtual environment outside the repository, every console script
works from a temporary folder and gives the checkout's scores.

The fresh environment gets the wheel alone (``--no-deps``); its dependencies come from the test
environment's site-packages through a ``.pth`` line, so nothing is downloaded. That folder's
``.pth`` files (the editable install of the checkout among them) are not processed, so ``bench``
is the installed copy. Slow (a build, a venv, two sweeps): ``.ci/run`` runs it (``make
test-wheel``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from bench import __version__
from bench.paths import RESOURCE_DIRS, installed_note
from tests.conftest import ROOT

pytestmark = pytest.mark.slow

BASELINE = ROOT / "results" / "baselines" / "model_free"
# Files in the package (besides modules) that runs read.
PACKAGE_DATA = (
    "bench/metrics/rouge155_data/smart_common_words.txt",
    "bench/metrics/rouge155_data/verb.exc",
    "bench/metrics/evaluate_modules/mds_rouge/mds_rouge.py",
    "bench/metrics/consistency/data/english_words.txt",
    "bench/meta/data/summeval_table2.json",
)


def _env() -> dict[str, str]:
    drop = ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")
    return {k: v for k, v in os.environ.items() if k not in drop}


def _run(cmd: list[str], cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=_env(), capture_output=True, text=True, timeout=timeout
    )
    assert proc.returncode == 0, f"{cmd}\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    return proc


def _repo_files() -> dict[str, Path]:
    """Every file of the resource folders, as the wheel should name it."""
    out = {}
    for name in RESOURCE_DIRS:
        for path in sorted((ROOT / name).rglob("*")):
            rel = path.relative_to(ROOT)
            if (
                path.is_file()
                and "__pycache__" not in rel.parts
                and rel.parts[:2] != ("conf", "local")
            ):
                out[f"bench/_resources/{rel.as_posix()}"] = path
    return out


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> dict[str, Path]:
    """``python -m build``: the sdist, and the wheel built from it."""
    out = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", out, ROOT], cwd=out)
    (wheel,) = out.glob("mdsbench-*.whl")
    (sdist,) = out.glob("mdsbench-*.tar.gz")
    return {"wheel": wheel, "sdist": sdist}


@pytest.fixture(scope="module")
def venv(tmp_path_factory, dist) -> Path:
    """A fresh virtual environment outside the repository with the wheel installed; its bin/."""
    root = tmp_path_factory.mktemp("venv") / "env"
    assert ROOT not in root.parents
    _run([sys.executable, "-m", "venv", root], cwd=root.parent)
    python = root / "bin" / "python"
    site = _run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                cwd=root).stdout.strip()  # fmt: skip
    # Dependencies from the test environment, after the venv's own site-packages.
    Path(site, "mdsbench_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run([python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", dist["wheel"]],
         cwd=root)  # fmt: skip
    where = _run([python, "-c", "import bench.paths as p; print(p.ROOT, p.CHECKOUT)"], cwd=root)
    resources, checkout = where.stdout.split()
    assert Path(resources).is_relative_to(site) and checkout == "None", where.stdout
    return root / "bin"


def test_wheel_carries_configs_cluster_references_and_data(dist):
    with zipfile.ZipFile(dist["wheel"]) as wheel:
        names = set(wheel.namelist())
        expected = _repo_files()
        assert "bench/_resources/conf/run.yaml" in expected
        missing = sorted(set(expected) - names)
        assert not missing, missing
        for name, path in expected.items():  # byte-identical, the embedded cluster among them
            assert wheel.read(name) == path.read_bytes(), name
        assert not [n for n in names if n.startswith("bench/_resources/") and n not in expected]
        for name in PACKAGE_DATA:
            assert wheel.read(name) == (ROOT / name).read_bytes(), name
    listing = subprocess.run(["tar", "tzf", dist["sdist"]], capture_output=True, text=True,
                             check=True).stdout.split()  # fmt: skip
    top = f"mdsbench-{__version__}"
    for rel in ("conf/run.yaml", "setup.py", "MANIFEST.in",
                "data/clusters/mattis_pakistan_2017/manifest.json",
                "reference_summaries/mattis_pakistan_2017/README.md"):  # fmt: skip
        assert f"{top}/{rel}" in listing, rel


def _by_system(sweep: Path) -> dict[str, tuple[dict, list[dict]]]:
    out = {}
    for run_json in sweep.glob("*/run.json"):
        record = json.loads(run_json.read_text(encoding="utf-8"))
        rows = [json.loads(line) for line in (run_json.parent / "scores.jsonl").open()]
        out[record["system"]] = (record, rows)
    return out


def test_installed_package_runs_scores_and_compares_from_a_temporary_folder(venv, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    # The model-free main job with no paths given: results land in ./results of the folder.
    run = _run([venv / "bench-run", "sweep=model_free"], cwd=work)
    print(f"\n$ cd {work} && bench-run sweep=model_free\n{run.stdout}")
    (sweep,) = (work / "results" / "sweeps").iterdir()
    assert "| lead" in run.stdout and "| textrank" in run.stdout

    checkout = tmp_path / "checkout-sweep"
    _run([sys.executable, "-m", "bench.run", "sweep=model_free", f"hydra.sweep.dir={checkout}"],
         cwd=tmp_path)  # fmt: skip
    installed, reference = _by_system(sweep), _by_system(checkout)
    assert sorted(installed) == sorted(reference) and len(installed) == 8
    for system, (record, rows) in installed.items():
        assert record["scores"] == reference[system][0]["scores"], system
        assert rows == reference[system][1], system
        assert record["mdsbench"] == __version__ == record["packages"]["mdsbench"]
        assert record["git"] == {"commit": installed_note(), "dirty": False}
        assert f"mdsbench-{__version__}" in record["signatures"]["rouge"]

    # bench-table, and the gate against the repository's baseline with the packaged tolerances.
    table = _run([venv / "bench-table", sweep], cwd=work)
    assert "| lead" in table.stdout
    gate = _run([venv / "bench-compare", "--baseline", BASELINE, "--run", sweep], cwd=work)
    print(f"$ bench-compare --baseline {BASELINE} --run {sweep}\n{gate.stdout}")

    # bench-score on the lead summary, installed and checkout: the same scores and details.
    (summary,) = [json.loads(line) for line in next(sweep.glob("*lead*/summaries.jsonl")).open()]
    outputs = work / "outputs.jsonl"
    row = {"id": "lead", "cluster_id": summary["cluster_id"], "summary": summary["summary"]}
    outputs.write_text(json.dumps(row) + "\n")
    scored = _run([venv / "bench-score", outputs, "--output", work / "installed.jsonl"], cwd=work)
    print(f"$ bench-score outputs.jsonl\n{scored.stdout}")
    _run([sys.executable, "-m", "bench.score", outputs, "--output", work / "checkout.jsonl"],
         cwd=work)  # fmt: skip
    assert (work / "installed.jsonl").read_bytes() == (work / "checkout.jsonl").read_bytes()
    (scores,) = [json.loads(line) for line in (work / "installed.jsonl").open()]
    assert scores["scores"]["rouge1_f"] == installed["lead"][1][0]["scores"]["rouge1_f"]


def test_installed_package_takes_a_plugin_from_the_users_folder(venv, tmp_path):
    from tests.integration.test_extending import write_example_plugin

    folder = write_example_plugin(tmp_path / "my_project")
    proc = _run([venv / "bench-run", "--config-dir", "conf", "summarizer=first_sentences",
                 "metrics=[rouge]"], cwd=folder)  # fmt: skip
    assert "| first_sentences" in proc.stdout
    assert list((folder / "results" / "runs").glob("*/*/run.json"))
