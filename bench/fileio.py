"""Generic file I/O: canonical JSON, checksums, atomic writes, JSONL.

Every write goes to a temporary file beside its destination and is renamed onto it, so readers
see the old file or the whole new one. Used by results, caches and data generators alike;
nothing here knows what a run record is.
"""

from __future__ import annotations

import json
import os
import socket
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, Any


def dumps(obj: Any) -> str:
    """Canonical JSON: sorted keys, fixed separators, so equal results are equal bytes."""
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, indent=2) + "\n"


def checksum(*parts: str | bytes) -> str:
    """Hex sha256 over ``parts``, each followed by NUL: the one checksum of a cached value.

    Text is taken as UTF-8 (lone surrogates kept, as in text read with ``surrogateescape``).
    Cache entries (sentence splits, generated summaries) carry it and are checked on read.
    """
    import hashlib

    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()


def _host() -> str:
    return socket.gethostname().replace(os.sep, "_")


def writer_tag() -> str:
    """Host and process of a temporary file's writer, so that leftovers can be recognised."""
    return f"{_host()}~{os.getpid()}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def writer_gone(tag: str, path: Path, max_age: float = 3600.0) -> bool:
    """Whether the writer named by ``tag`` (``<host>~<pid>``) of a leftover ``path`` is gone.

    The one staleness rule of temporary files and staging folders. On this host: the process is
    dead (this process counts as alive: it may be writing ``path``, and it cleans up its own).
    From another host (a shared file system), where that cannot be checked, or in an unknown
    format: ``path`` is older than ``max_age`` seconds. Live writers' leftovers are kept.
    """
    import time

    writer_host, _, pid = tag.rpartition("~")
    if writer_host == _host() and pid.isdigit():
        return not _alive(int(pid))
    try:
        return time.time() - path.stat().st_mtime > max_age
    except OSError:
        return False


def remove_stale_temps(path: Path, max_age: float = 3600.0) -> None:
    """Remove temporary files of ``path`` left by killed writers (:func:`writer_gone`).

    A temporary file is ``.<name>.<host>~<pid>.<random>.tmp``.
    """
    prefix = f".{path.name}."
    try:
        candidates = [p for p in path.parent.iterdir() if p.name.startswith(prefix)]
    except OSError:
        return
    for tmp in candidates:
        if not tmp.name.endswith(".tmp"):
            continue
        tag = tmp.name[len(prefix) : -len(".tmp")].rsplit(".", 1)[0]
        try:
            if writer_gone(tag, tmp, max_age):
                tmp.unlink(missing_ok=True)
        except OSError:
            continue


@contextmanager
def atomic_file(path: Path, mode: str = "w") -> Iterator[IO[Any]]:
    """An open temporary file beside ``path``, renamed onto it when the block succeeds.

    Readers see the old file or the whole new one; on an error the temporary file goes, and
    leftovers of killed writers of ``path`` are removed first.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(path)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{path.name}.{writer_tag()}.", suffix=".tmp", dir=path.parent
    )
    try:
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; results are meant to be shared
        text = "b" not in mode
        kwargs: dict[str, Any] = {"encoding": "utf-8", "newline": "\n"} if text else {}
        with os.fdopen(fd, mode, **kwargs) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the whole new one."""
    with atomic_file(path) as fh:
        fh.write(text)


def atomic_write_texts(texts: Mapping[Path, str]) -> None:
    """Write several files as one unit: all staged first, then all renamed into place.

    A destination that cannot be written (a read-only folder, a full disk) fails before any of
    them is replaced, so a command never leaves some of its outputs new and others missing. The
    OSError raised names the destination, never a temporary file.
    """
    with ExitStack() as stack:
        for path, text in texts.items():
            try:
                stack.enter_context(atomic_file(path)).write(text)
            except OSError as exc:
                raise OSError(exc.errno, exc.strerror, str(path)) from None


def atomic_write_json(path: Path, obj: Any) -> None:
    """Canonical JSON, atomically."""
    atomic_write_text(path, dumps(obj))


def jsonl_text(rows: Iterable[Mapping[str, Any]]) -> str:
    """One canonical JSON object per line."""
    return "".join(json.dumps(r, sort_keys=True, ensure_ascii=False) + "\n" for r in rows)


def atomic_write_jsonl(path: Path, rows: Iterable[Mapping[str, Any]]) -> None:
    """One canonical JSON object per line, atomically."""
    atomic_write_text(path, jsonl_text(rows))


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Read a JSONL file; a bad line raises ``ValueError`` with its line number."""
    rows = []
    with path.open(encoding="utf-8") as fh:
        for no, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path} line {no}: invalid JSON ({exc.msg})") from None
    return rows
