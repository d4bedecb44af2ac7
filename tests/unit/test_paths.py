"""bench.paths: one place that finds configs, data and results (checkout or installed package)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bench import __version__, paths
from bench.results.provenance import git_commit

ROOT = Path(__file__).resolve().parents[2]


def test_a_checkout_uses_its_top_level_folders_and_results():
    assert paths.CHECKOUT == paths.ROOT == ROOT
    assert paths.CONF_DIR == ROOT / "conf" and (paths.CONF_DIR / "run.yaml").is_file()
    assert paths.DEFAULT_TOLERANCES.is_file()
    assert (paths.CLUSTER_DIR / "mattis_pakistan_2017" / "manifest.json").is_file()
    assert (paths.REFERENCE_DIR / "mattis_pakistan_2017" / "README.md").is_file()
    assert (paths.EVALUATE_ROUGE / "mds_rouge.py").is_file()
    assert paths.results_dir() == ROOT / "results"
    assert all((ROOT / name).is_dir() for name in paths.RESOURCE_DIRS)


def test_an_installed_package_writes_to_the_current_folder(monkeypatch, tmp_path):
    monkeypatch.setattr(paths, "CHECKOUT", None)
    monkeypatch.chdir(tmp_path)
    assert paths.results_dir() == tmp_path / "results"


def test_an_installed_package_records_no_commit_and_never_asks_git(monkeypatch):
    def no_git(*args, **kwargs):
        raise AssertionError(f"git was called: {args}")

    monkeypatch.setattr(subprocess, "run", no_git)
    assert git_commit(None) == {
        "commit": f"not a git checkout (installed package mdsbench {__version__})",
        "dirty": False,
    }


@pytest.mark.parametrize("name", ["setup.py", "MANIFEST.in"])
def test_the_build_files_copy_every_resource_folder(name):
    text = (ROOT / name).read_text(encoding="utf-8")
    assert all(folder in text for folder in paths.RESOURCE_DIRS)
