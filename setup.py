"""Build hook: the wheel carries conf/, data/ and reference_summaries/ as package data.

The repository keeps one copy of each at the top level; ``build_py`` copies them byte for byte
into ``bench/_resources/`` of the build (see bench/paths.py, which finds them there). The sdist
carries the top-level folders (MANIFEST.in), so a wheel built from it has them too. Editable
installs use the top-level folders in place and copy nothing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
RESOURCE_DIRS = ("conf", "data", "reference_summaries")  # = bench.paths.RESOURCE_DIRS
SKIP = ("__pycache__", "*.pyc", ".*")
LOCAL = HERE / "conf" / "local"  # a user's own untracked configs (.gitignore) stay out


def _ignore(folder: str, names: list[str]) -> set[str]:
    skipped = set(shutil.ignore_patterns(*SKIP)(folder, names))
    return skipped | {n for n in names if Path(folder, n) == LOCAL}


class BuildWithResources(build_py):
    """``build_py`` that also copies the top-level resource folders into the package."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        target = Path(self.build_lib) / "bench" / "_resources"
        for name in RESOURCE_DIRS:
            source = HERE / name
            if not source.is_dir():
                raise FileNotFoundError(f"{source}: missing from the source tree (MANIFEST.in)")
            shutil.rmtree(target / name, ignore_errors=True)
            shutil.copytree(source, target / name, ignore=_ignore)


setup(cmdclass={"build_py": BuildWithResources})
