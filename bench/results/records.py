"""Writing and reading result files. Every write goes to a temporary file and is renamed."""

from __future__ import annotations

import json
import math
import os
import socket
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, Any

# Config keys that steer how a run is executed but cannot change its results: left out of the
# recorded config and of run labels.
EXECUTION_KEYS = ("resume", "tracking")


def is_execution_key(override_key: str) -> bool:
    """Whether an override's key (``resume``, ``+tracking``, ``tracking.uri``) is execution-only."""
    key = override_key.lstrip("+~")
    return any(key == k or key.startswith(f"{k}.") for k in EXECUTION_KEYS)


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


def _writer_tag() -> str:
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
        prefix=f".{path.name}.{_writer_tag()}.", suffix=".tmp", dir=path.parent
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


# The type of every run.json field a reader relies on (absent fields are not checked here).
_RUN_FIELDS: dict[str, tuple[type, ...]] = {
    "system": (str,),
    "mdsbench": (str,),
    "overrides": (list,),
    "n_clusters": (int,),
    "seed": (int,),
    "scores": (dict,),
    "signatures": (dict,),
    "metric_signatures": (dict,),
    "summarizer_signature": (dict,),
    "dataset_signature": (dict,),
    "config": (dict,),
    "packages": (dict,),
    "budget": (str,),
    "cleaning": (str,),
}


def check_run_record(record: Any, path: Path) -> dict[str, Any]:
    """``record`` (a parsed run.json) if every field has the type readers expect.

    The one place run.json field types are checked on read (bench-table, bench-compare); a
    mismatch is a ``BenchError`` naming the file and the field.
    """
    from bench.errors import BenchError

    def bad(field: str, expected: str, value: Any) -> BenchError:
        shown = json.dumps(value)[:60] if _jsonable(value) else repr(value)[:60]
        return BenchError(f"{path}: {field!r} must be {expected}, got {shown}")

    if not isinstance(record, dict):
        raise bad("run.json", "a JSON object", record)
    if not isinstance(record.get("scores"), dict):
        raise BenchError(f"{path}: not a bench-run run.json (no 'scores' mapping)")
    for name, types in _RUN_FIELDS.items():
        value = record.get(name)
        if name in record and (isinstance(value, bool) or not isinstance(value, types)):
            raise bad(name, f"a JSON {'object' if types == (dict,) else types[0].__name__}", value)
    if not all(isinstance(o, str) for o in record.get("overrides", [])):
        raise bad("overrides", "a list of strings", record["overrides"])
    for key, sig in record.get("signatures", {}).items():
        if not isinstance(sig, str):
            raise bad(f"signatures.{key}", "a string", sig)
    for key, sig in record.get("metric_signatures", {}).items():
        if not isinstance(sig, dict):
            raise bad(f"metric_signatures.{key}", "a JSON object", sig)
    check_scores(record["scores"], path)
    return record


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def check_scores(scores: Any, where: Path | str) -> None:
    """Refuse a run's ``scores`` unless each is an object of finite numbers (mean, low, high).

    The one check of score values, used where a run is written (bench-run), read for a table
    (bench-table, a sweep's table), gated (bench-compare) and resumed: NaN and inf are no
    scores, and shown as numbers they would rank, look measured or pass a gate.

    Raises:
        BenchError: naming ``where`` and the first bad score field.
    """
    from bench.errors import BenchError

    if not isinstance(scores, dict):
        raise BenchError(f"{where}: not a bench-run run.json (no 'scores' mapping)")
    for key, score in scores.items():
        if not isinstance(score, dict):
            raise BenchError(f"{where}: score {key!r} must be an object with mean, low, high")
        for part in ("mean", "low", "high"):
            value = score.get(part)
            if value is None:  # not computed (e.g. no interval for one cluster)
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise BenchError(f"{where}: scores.{key}.{part} must be a number, got {value!r}")
            if not math.isfinite(value):
                raise BenchError(f"{where}: scores.{key}.{part} is {value}, not a finite number")
