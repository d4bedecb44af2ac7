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
def git_commit(root: Path | None) -> dict[str, str | bool]:
    """HEAD commit of the checkout, whether tracked files differ from it, and a hash of how.

    The hash of ``git diff HEAD`` makes two runs of different uncommitted code differ in their
    records, so a resumed sweep never takes results of edited code for its own. ``root`` None
    is an installed package: git is not asked (the folder may sit in someone else's repository).
    """
    if root is None:
        from bench.paths import installed_note

        return {"commit": installed_note(), "dirty": False}

    def git(*args: str) -> bytes:
        return subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, check=True, timeout=30
        ).stdout

    try:
        head = git("rev-parse", "HEAD").decode().strip()
        dirty = git("status", "--porcelain", "--untracked-files=no").strip()
    except (OSError, subprocess.SubprocessError):
        return {"commit": "unknown", "dirty": False}
    out: dict[str, str | bool] = {"commit": head, "dirty": bool(dirty)}
    try:
        # Fixed diff options, so that the user's git configuration cannot change the hash.
        diff = git("-c", "core.quotepath=on", "diff", "HEAD", "--binary", "--no-ext-diff",
                   "--no-textconv", "--no-color", "--no-renames", "--src-prefix=a/",
                   "--dst-prefix=b/", "--", *RESULT_SOURCES)  # fmt: skip
        untracked = git("ls-files", "--others", "--exclude-standard", "-z", "--", *RESULT_SOURCES)
    except (OSError, subprocess.SubprocessError):
        out["diff_sha256"] = "unavailable"
        return out
    digest = hashlib.sha256(diff)
    for name in sorted(n for n in untracked.split(b"\0") if n):
        digest.update(b"\0untracked\0" + name + b"\0")
        try:
            digest.update((root / name.decode()).read_bytes())
        except OSError:
            digest.update(b"<unreadable>")
    if diff or untracked:
        out["diff_sha256"] = digest.hexdigest()
    return out
