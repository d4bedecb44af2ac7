"""What produced a result: git commit, package versions, interpreter."""

from __future__ import annotations

import hashlib
import platform
import subprocess
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

# The parts of the checkout whose uncommitted changes can change a result.
RESULT_SOURCES = ("bench", "conf", "data", "reference_summaries", "pyproject.toml")

TRACKED_PACKAGES = (
    "mdsbench",
    "hydra-core",
    "omegaconf",
    "datasets",
    "pysbd",
    "nltk",
    "numpy",
)


def package_versions(extra: tuple[str, ...] = ()) -> dict[str, str]:
    """Installed versions of the packages that can change a result."""
    out = {"python": platform.python_version()}
    for name in (*TRACKED_PACKAGES, *extra):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


@lru_cache(maxsize=4)
def git_commit(root: Path) -> dict[str, str | bool]:
    """HEAD commit of the checkout, whether tracked files differ from it, and a hash of how.

    The hash of ``git diff HEAD`` makes two runs of different uncommitted code differ in their
    records, so a resumed sweep never takes results of edited code for its own.
    """
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True, text=True, check=True, timeout=10,
        ).stdout.strip()  # fmt: skip
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, check=True, timeout=10,
        ).stdout.strip()  # fmt: skip
        diff = subprocess.run(
            ["git", "-C", str(root), "diff", "HEAD", "--binary", "--", *RESULT_SOURCES],
            capture_output=True, check=True, timeout=30,
        ).stdout  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return {"commit": "unknown", "dirty": False}
    out: dict[str, str | bool] = {"commit": head, "dirty": bool(dirty)}
    if diff:
        out["diff_sha256"] = hashlib.sha256(diff).hexdigest()
    return out
