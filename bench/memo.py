"""Work done once per sweep, not once per job: derived data kept by content signature.

Hydra's basic launcher runs the jobs of a sweep one after another in one process, and every job
loads the same dataset, cleans and splits it the same way and (with the fact check) indexes the
same articles. Two layers keep that work:

- **In the process** (:class:`Memo`): values keyed by a signature of everything they are derived
  from, up to a size budget. Once full, a memo keeps what it holds and computes the rest each
  time: the jobs of a sweep read the clusters in the same order, so evicting the oldest entry
  would lose each one just before it is read again.
- **On disk** (jobs in other processes: the joblib launcher, SLURM, later runs): the loaded
  clusters go to the store the sentence splits are kept in
  (:class:`bench.preprocess.text.SplitStore`, ``paths.split_cache``) as checksummed entries,
  written once the run has succeeded; ``paths.split_cache=null`` keeps them in memory only.

Nothing stale is served: a key covers the source's settings, the cleaning settings, the
splitter version, the code that loads and cleans (a hash of its files) and the content hash of
every input file. A source whose inputs cannot be hashed here (data read from the Hub) is
loaded every time, as before.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path
from typing import Any, Generic, TypeVar

from bench.types import Cluster, Document, Reference, RemovedLine

log = logging.getLogger(__name__)

T = TypeVar("T")

PACKAGE = Path(__file__).resolve().parent


_MEMOS: list[Memo[Any]] = []


class Memo(Generic[T]):
    """Values of this process keyed by a content signature, up to ``budget`` units of size."""

    def __init__(self, what: str, budget: int) -> None:
        """``what`` names the values in logs; ``budget`` bounds the summed sizes of the values."""
        self.what = what
        self.budget = budget
        self.used = 0
        self.hits = self.misses = 0
        self._values: dict[str, T] = {}
        _MEMOS.append(self)

    def get(self, key: str, make: Callable[[], T], size: Callable[[T], int]) -> T:
        """The value kept under ``key``, else ``make()`` (kept while the budget allows)."""
        if key in self._values:
            self.hits += 1
            return self._values[key]
        self.misses += 1
        value = make()
        cost = size(value)
        if self.used + cost <= self.budget:
            self._values[key] = value
            self.used += cost
        return value

    def clear(self) -> None:
        """Forget every value."""
        self._values.clear()
        self.used = 0


def clear_all() -> None:
    """Forget what every memo of the process holds (as a new process would start)."""
    for memo in _MEMOS:
        memo.clear()


def digest(*parts: str | bytes) -> str:
    """Hex sha256 over ``parts`` (framed; :func:`bench.fileio.checksum`)."""
    from bench.fileio import checksum

    return checksum(*parts)


# Packages that read the data files for a source (pysbd is in the splitter's signature).
READERS = ("datasets", "pyarrow")


@lru_cache(maxsize=1)
def loading_code() -> str:
    """A hash of the code that reads, cleans, splits and stores data (a new version: a new key)."""
    from importlib.metadata import PackageNotFoundError, version

    files = sorted(
        [PACKAGE / "types.py", PACKAGE / "errors.py", PACKAGE / "memo.py"]
        + list((PACKAGE / "data").glob("*.py"))
        + list((PACKAGE / "preprocess").glob("*.py"))
    )
    versions = []
    for name in READERS:
        try:
            versions.append(f"{name}={version(name)}")
        except PackageNotFoundError:
            versions.append(f"{name}=none")
    code = (f"{f.relative_to(PACKAGE)}\0".encode() + f.read_bytes() for f in files)
    return digest(*versions, *code)


# -- loaded clusters -------------------------------------------------------------------------

# Whole loads kept in the process: a sweep uses one or two datasets.
_LOADS: Memo[tuple[list[Cluster], dict[str, Any]]] = Memo("loaded clusters", budget=2)

# Settings of a source that name local files or folders it reads.
_PATH_FIELDS = ("data_files", "path", "root", "reference_dir", "summaries_dir")


def _input_files(source: Any) -> list[Path] | None:
    """Every local file ``source`` can read, or None when it reads anything else (the Hub)."""
    import glob

    found: list[Path] = []
    for name in _PATH_FIELDS:
        value = getattr(source, name, None)
        if value is None:
            continue
        specs = [value] if isinstance(value, str | Path) else value
        if not isinstance(specs, list | tuple):
            return None
        for spec in map(str, specs):
            matches = sorted(glob.glob(spec)) if glob.has_magic(spec) else [spec]
            for match in map(Path, matches):
                if match.is_file():
                    found.append(match)
                elif match.is_dir():
                    found.extend(sorted(p for p in match.rglob("*") if p.is_file()))
                else:
                    return None  # a Hub id, or a missing file the source reports itself
    return found or None


def _file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _load_key(source: Any, cleaner: Any) -> str | None:
    """The signature of what ``source.load(cleaner)`` returns, or None (not memoised)."""
    from bench.preprocess.text import splitter_signature

    files = _input_files(source)
    if files is None:
        return None
    try:
        settings = json.dumps(vars(source), sort_keys=True, default=str)
        inputs = [f"{f.resolve()}\0{_file_hash(f)}" for f in files]
        cleaning = json.dumps(cleaner.config.as_dict(), sort_keys=True, default=str)
    except (OSError, TypeError, ValueError, AttributeError) as exc:
        log.debug("clusters not memoised: %s", exc)
        return None
    kind = f"{type(source).__module__}.{type(source).__qualname__}"
    return digest("clusters-v1", kind, settings, cleaning, splitter_signature(), loading_code(),
                  *inputs)  # fmt: skip


def load_clusters(source: Any, cleaner: Any) -> list[Cluster]:
    """``source.load(cleaner)``, done once per sweep: kept in the process and on disk.

    The source is left as its own ``load`` leaves it (its attributes after loading are kept
    with the clusters), so its ``signature()`` records the same content hashes either way.
    """
    key = _load_key(source, cleaner)
    if key is None:
        return source.load(cleaner)
    before = _LOADS.hits

    def make() -> tuple[list[Cluster], dict[str, Any]]:
        stored = _read_stored(key)
        if stored is not None:
            return stored
        clusters = source.load(cleaner)
        state = copy.deepcopy(vars(source))
        _store(key, clusters, state)
        return clusters, state

    clusters, state = _LOADS.get(key, make, lambda _: 1)
    if _LOADS.hits > before:
        log.info("%d clusters as loaded by an earlier job of this process", len(clusters))
    vars(source).update(copy.deepcopy(state))
    return list(clusters)


def _cluster_row(cluster: Cluster) -> dict[str, Any]:
    return asdict(cluster)


def _cluster_of(row: dict[str, Any]) -> Cluster:
    documents = tuple(
        Document(
            d["doc_id"],
            d["title"],
            d["raw_text"],
            d["text"],
            tuple(d["sentences"]),
            tuple(RemovedLine(**r) for r in d["removed"]),
        )  # fmt: skip
        for d in row["documents"]
    )
    references = tuple(Reference(**r) for r in row["references"])
    return Cluster(row["cluster_id"], documents, references, dict(row["meta"]))


def _encode(value: Any) -> Any:
    """A source's attribute as JSON (paths tagged); TypeError for anything else."""
    if isinstance(value, Path):
        return {"__path__": str(value)}
    if isinstance(value, dict):
        return {"__dict__": [[k, _encode(v)] for k, v in value.items()]}
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"cannot store a {type(value).__name__}")


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict) and "__path__" in value:
        return Path(value["__path__"])
    if isinstance(value, dict) and "__tuple__" in value:
        return tuple(_decode(v) for v in value["__tuple__"])
    if isinstance(value, dict):
        return {k: _decode(v) for k, v in value["__dict__"]}
    return value


def _entry_keys(key: str, n: int) -> Iterable[bytes]:
    return (hashlib.sha256(f"{key}\0{i}".encode()).digest() for i in range(n))


def _read_stored(key: str) -> tuple[list[Cluster], dict[str, Any]] | None:
    """Clusters an earlier process stored under ``key`` (every entry checked), else None."""
    from bench.preprocess.text import split_store

    store = split_store()
    if store is None:
        return None
    try:
        head = store.get_entry(bytes.fromhex(key))
        if head is None:
            return None
        header = json.loads(head)
        rows = [store.get_entry(k) for k in _entry_keys(key, header["n"])]
        if any(r is None for r in rows):
            return None
        clusters = [_cluster_of(json.loads(r)) for r in rows if r is not None]
    except (sqlite3.Error, OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("stored clusters in %s not used: %s", store.path, exc)
        return None
    log.info("%d clusters as loaded and stored by an earlier run (%s)", len(clusters), store.path)
    return clusters, _decode(header["state"])


def _store(key: str, clusters: list[Cluster], state: dict[str, Any]) -> None:
    """Keep the clusters in the store in use (written when the run flushes it)."""
    from bench.preprocess.text import split_store

    store = split_store()
    if store is None:
        return
    try:
        header = json.dumps({"n": len(clusters), "state": _encode(state)}, sort_keys=True)
        for entry, cluster in zip(_entry_keys(key, len(clusters)), clusters, strict=True):
            store.put_entry(entry, json.dumps(_cluster_row(cluster), ensure_ascii=False))
        store.put_entry(bytes.fromhex(key), header)  # last: entries complete before the header
    except (TypeError, ValueError) as exc:
        log.debug("clusters not stored: %s", exc)
