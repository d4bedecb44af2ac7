"""Sentence splitting and word counting.

Splitting uses pysbd (Sadvilkar & Neumann, 2020), a maintained rule-based splitter that keeps
abbreviations such as "Lt. Gen." and "U.S." and quoted sentences intact. pysbd is super-linear
on long unbroken text, so it is always run one paragraph at a time, never on a whole cluster.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
from collections.abc import Iterable
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _segmenter():  # type: ignore[no-untyped-def]
    import pysbd

    return pysbd.Segmenter(language="en", clean=False)


@lru_cache(maxsize=1)
def splitter_signature() -> str:
    """Name and version of the sentence splitter."""
    return f"pysbd-{version('pysbd')}"


class SplitStore:
    """Sentence splits kept on disk (SQLite), shared by the jobs of a sweep and later runs.

    pysbd splits about 27,000 words a second, which on a real corpus costs more than every other
    step of a model-free job; the splits of a paragraph never change for one splitter version.
    Keys are sha256 of the splitter signature and the paragraph, so another pysbd version never
    reads these entries. New splits are kept in memory and written when the caller flushes (a
    run does once its results are written, so a failed run adds nothing) or in batches of
    ``batch`` on very large inputs; the file is created by the first write. SQLite keeps it
    consistent if a process is killed. A store that cannot be opened, read or written is
    switched off with a warning: it only saves time.
    """

    batch = 20_000
    # Every row carries a checksum of its key and value (records.checksum), checked on read: an
    # edited or damaged row (the file still a valid database) is recomputed with a warning,
    # never used. v3: that checksum; rows of v2 (another checksum) are not read, so not misread
    # as damaged.
    table = "splits_v3"

    def __init__(self, path: str | Path) -> None:
        """Use the store at ``path``; it is opened when it exists and created on first write."""
        self.path = Path(path)
        self.hits = self.misses = self.damaged = 0
        self._pending: list[tuple[bytes, str, str]] = []
        self._db: Any = None
        if self.path.exists():
            self._open()

    def _open(self) -> None:
        import sqlite3

        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(str(self.path), timeout=60)
        try:
            db.execute(
                f"CREATE TABLE IF NOT EXISTS {self.table} "
                "(key BLOB PRIMARY KEY, sentences TEXT NOT NULL, checksum TEXT NOT NULL)"
            )
            db.commit()
        except BaseException:
            db.close()
            raise
        self._db = db

    @staticmethod
    def key(paragraph: str) -> bytes:
        """The entry of ``paragraph`` under the current splitter."""
        text = f"{splitter_signature()}\0{paragraph}"
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()

    def get(self, paragraph: str) -> tuple[str, ...] | None:
        """The stored split, or None."""
        if self._db is None and self.path.exists():  # written meanwhile by another job
            self._open()
        row = None
        key = self.key(paragraph)
        if self._db is not None:
            row = self._db.execute(
                f"SELECT sentences, checksum FROM {self.table} WHERE key = ?", (key,)
            ).fetchone()
        if row is not None and row[1] != self.checksum(key, row[0]):
            self.damaged += 1
            if self.damaged == 1:  # once per store: a damaged file would repeat it per row
                log.warning("sentence split store %s: a row does not match its checksum "
                            "(edited or damaged); splitting again", self.path)  # fmt: skip
            row = None
        if row is None:
            self.misses += 1
            return None
        self.hits += 1
        return tuple(json.loads(row[0]))

    @staticmethod
    def checksum(key: bytes, sentences: str) -> str:
        """The checksum of a row's key and stored value."""
        from bench.results.records import checksum

        return checksum(key, sentences)

    def put(self, paragraph: str, sentences: tuple[str, ...]) -> None:
        """Remember a split (written by the next flush)."""
        key, value = self.key(paragraph), json.dumps(sentences, ensure_ascii=False)
        self._pending.append((key, value, self.checksum(key, value)))
        if len(self._pending) >= self.batch:
            self.flush()

    def flush(self) -> None:
        """Write the pending splits."""
        if not self._pending:
            return
        if self._db is None:
            self._open()
        with self._db:
            # REPLACE: a row that failed its checksum is overwritten by the fresh split
            self._db.executemany(
                f"INSERT OR REPLACE INTO {self.table} (key, sentences, checksum) VALUES (?, ?, ?)",
                self._pending,
            )
        self._pending.clear()

    def close(self) -> None:
        """Close the file; splits not flushed are dropped."""
        self._pending.clear()
        if self._db is not None:
            self._db.close()
            self._db = None


_STORE: SplitStore | None = None


def use_split_store(path: str | Path | None) -> SplitStore | None:
    """Read and write splits through a store at ``path`` from now on (None: memory only).

    The store used so far is closed; what it had not flushed is dropped.
    """
    import sqlite3

    global _STORE
    if _STORE is not None:
        _STORE.close()
    _STORE = None
    if path:
        try:
            _STORE = SplitStore(path)
        except (sqlite3.Error, OSError) as exc:
            log.warning("sentence split store %s not used: %s", path, exc)
    return _STORE


def _switch_off(store: SplitStore, exc: Exception, what: str) -> None:
    """Stop using a store that failed, with a warning (``what``): it only saves time."""
    global _STORE
    log.warning("sentence split store %s %s: %s", store.path, what, exc)
    with contextlib.suppress(Exception):  # already failing; closing is best effort
        store.close()
    if _STORE is store:
        _STORE = None


def flush_split_store() -> None:
    """Write the splits the store in use has not written yet."""
    import sqlite3

    if _STORE is None:
        return
    try:
        _STORE.flush()
    except (sqlite3.Error, OSError) as exc:
        _switch_off(_STORE, exc, "not written")


def _segment(paragraph: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in _segmenter().segment(paragraph) if s.strip())


@lru_cache(maxsize=65536)
def _split_paragraph(paragraph: str) -> tuple[str, ...]:
    store = _STORE
    if store is None:
        return _segment(paragraph)
    import sqlite3

    try:
        stored = store.get(paragraph)
    except (sqlite3.Error, OSError, ValueError) as exc:  # a damaged file
        _switch_off(store, exc, "not used")
        return _segment(paragraph)
    if stored is not None:
        return stored
    sentences = _segment(paragraph)
    try:
        store.put(paragraph, sentences)
    except (sqlite3.Error, OSError) as exc:
        _switch_off(store, exc, "not written")
    return sentences


def split_sentences(paragraphs: Iterable[str]) -> list[str]:
    """Split each paragraph into sentences; sentences never span paragraphs."""
    out: list[str] = []
    for paragraph in paragraphs:
        if paragraph.strip():
            out.extend(_split_paragraph(paragraph.strip()))
    return out


def collapse_ws(text: str) -> str:
    """Runs of whitespace -> one space; no leading or trailing whitespace."""
    return " ".join(text.split())


def count_words(text: str) -> int:
    """Number of whitespace-separated tokens, the unit of every length budget."""
    return len(text.split())
