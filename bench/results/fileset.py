"""Replace a set of result files as one unit: the old set stays whole until the new one is.

A run's results (summaries, scores, run.json, timing) and a sweep's tables (comparison.md, .csv,
.tex and the plots) are sets: a reader must never take old and new members side by side for one
result. Renaming files one by one cannot give that, and the target folder itself cannot be
swapped (Hydra's ``.hydra/`` and log live in a run folder, the job folders in a sweep folder).
So the new set is written into a staging folder beside the old set, named after its writer
(``.staging~<host>~<pid>``), and nothing of the old set is touched while it is written: a failed
or killed writer leaves the old set as it was, and its staging folder is removed by the next
writer of that folder. When every member is written (and fsynced), a ``MANIFEST.json`` in the
staging folder decides the commit; the members are then moved in, completeness markers (such as
run.json) removed first and moved in last. A kill during those renames leaves a set without its
markers, which no reader takes for complete, and a committed staging folder, which the next
writer or reader of the folder rolls forward (:func:`finish_interrupted`, :func:`find_run_files`),
so nothing is lost.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path

from bench.fileio import atomic_write_json, writer_gone, writer_tag

log = logging.getLogger(__name__)

STAGING_PREFIX = ".staging~"
MANIFEST = "MANIFEST.json"
#: Folder of a sweep holding one failure record (JSON) per failed job.
FAILED_DIR = ".failed"


def prune_empty(directory: Path, results_dir: Path) -> None:
    """Remove ``directory`` if empty, then its empty parents strictly inside ``results_dir``."""
    root = results_dir.resolve()
    d = directory.resolve()
    try:
        d.rmdir()
    except OSError:
        return
    d = d.parent
    while d != root and root in d.parents:
        try:
            d.rmdir()
        except OSError:
            return
        d = d.parent


def is_staged(path: Path) -> bool:
    """Whether ``path`` lies inside a staging folder (not a result anyone may read)."""
    return any(part.startswith(STAGING_PREFIX) for part in path.parts)


def _writer_gone(staging: Path) -> bool:
    """Whether the process that wrote ``staging`` is gone (:func:`bench.fileio.writer_gone`)."""
    return writer_gone(staging.name[len(STAGING_PREFIX) :], staging)


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):  # not every file system lets a folder be fsynced
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _roll_forward(staging: Path, target: Path) -> None:
    """Move a committed staging folder's members into ``target``; safe to repeat after a kill."""
    manifest = json.loads((staging / MANIFEST).read_text(encoding="utf-8"))
    order: list[str] = list(manifest["members"])
    install = set(manifest["install"])
    # Old members out, markers (last in order) first: from here until the last rename, the set
    # in ``target`` has no marker and cannot pass for complete. Members already moved in by an
    # interrupted roll-forward are no longer staged and stay.
    for name in reversed(order):
        if name not in install or (staging / name).is_file():
            (target / name).unlink(missing_ok=True)
    for name in order:
        if (staging / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)  # a member in a subfolder
            os.replace(staging / name, target / name)
    _fsync_dir(target)
    shutil.rmtree(staging)


def finish_interrupted(target: Path) -> bool:
    """Complete or discard what killed writers left in ``target``'s staging folders.

    A committed set (with its manifest) is moved in, an uncommitted one removed. Returns True
    when a committed set is still staged: a live writer is moving it in, or moving it in failed
    (the set in ``target`` is then not the current one, and readers must not take it).
    """
    busy = False
    try:
        stagings = [p for p in target.iterdir() if p.name.startswith(STAGING_PREFIX)]
    except OSError:
        return False
    for staging in stagings:
        if not staging.is_dir():
            continue
        if not _writer_gone(staging):
            busy = busy or (staging / MANIFEST).is_file()
            continue
        try:
            if (staging / MANIFEST).is_file():
                log.info("completing the interrupted replacement of results in %s", target)
                _roll_forward(staging, target)
            else:
                shutil.rmtree(staging)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("cannot clean up %s: %s", staging, exc)
            busy = busy or (staging / MANIFEST).is_file()
    return busy


def find_run_files(root: Path) -> list[Path]:
    """Every run.json under ``root`` (sorted), after finishing interrupted replacements there.

    The one way readers (bench-table, a sweep's table, bench-compare) find runs. A result set
    whose moving-in a kill cut short is rolled forward first, as its next writer would do:
    skipping it would drop the run from a table or let a gate pass over a system it never
    checked.

    Raises:
        BenchError: a committed set that cannot be moved in now (its writer is still moving it
            in, or the folder cannot be written), naming the folder.
    """
    from bench.errors import BenchError

    folders = sorted({p.parent for p in root.rglob(f"{STAGING_PREFIX}*") if p.is_dir()})
    for folder in folders:
        if is_staged(folder.relative_to(root)):
            continue
        if finish_interrupted(folder):
            raise BenchError(
                f"{folder}: results are being replaced (a committed set is still staged there); "
                "try again when its writer has finished"
            )
    return sorted(p for p in root.rglob("run.json") if not is_staged(p.relative_to(root)))


@contextlib.contextmanager
def replace_set(target: Path, members: Sequence[str]) -> Iterator[Path]:
    """A staging folder to write the new set into; on success it replaces ``members`` at once.

    Args:
        target: The folder holding the set.
        members: Every file name of the set, completeness markers last. Members the block did
            not write are removed from ``target`` with the rest of the old set.

    Yields:
        The staging folder. On an error in the block it is removed and ``target`` is unchanged.
    """
    target.mkdir(parents=True, exist_ok=True)
    finish_interrupted(target)
    staging = target / f"{STAGING_PREFIX}{writer_tag()}"
    if (staging / MANIFEST).is_file():
        # Named after this process but committed: a killed earlier process had this PID (sets
        # of this process are moved in or removed before it goes on). Finish its set first.
        _roll_forward(staging, target)
    shutil.rmtree(staging, ignore_errors=True)  # an uncommitted one of that killed process
    staging.mkdir()
    try:
        yield staging
        written = [name for name in members if (staging / name).is_file()]
        atomic_write_json(staging / MANIFEST, {"members": list(members), "install": written})
        _fsync_dir(staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _roll_forward(staging, target)
