"""Sentence splitting and word counting.

Splitting uses pysbd (Sadvilkar & Neumann, 2020), a maintained rule-based splitter that keeps
abbreviations such as "Lt. Gen." and "U.S." and quoted sentences intact. pysbd is quadratic in
the length of the text it is given (its processor rewrites the whole text once per match, and it
finds every sentence again by a regex search from the start of the text), so it is run one
paragraph at a time, and a paragraph over ``LONG_PARAGRAPH`` characters is split through windows
(:func:`_segment_long`): linear in the paragraph's length, and the same sentences as pysbd on the
whole paragraph wherever pysbd ends sentences at most ``WINDOW - MARGIN`` characters apart. A
paragraph of ``PARALLEL_MIN`` characters or more is split by one process per free core
(:func:`_parallel_spans`), with the same result as one pass.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
from collections.abc import Iterable, Iterator
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
    # Other derived data kept beside the splits under keys of their own (``get_entry`` /
    # ``put_entry``), e.g. loaded clusters (:mod:`bench.memo`): same checksums, same flushes.
    entries = "entries_v1"

    def __init__(self, path: str | Path) -> None:
        """Use the store at ``path``; it is opened when it exists and created on first write."""
        self.path = Path(path)
        self.hits = self.misses = self.damaged = 0
        self._pending: list[tuple[bytes, str, str]] = []
        self._pending_entries: list[tuple[bytes, str, str]] = []
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
            db.execute(
                f"CREATE TABLE IF NOT EXISTS {self.entries} "
                "(key BLOB PRIMARY KEY, value TEXT NOT NULL, checksum TEXT NOT NULL)"
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
        value = self._read(self.table, "sentences", self.key(paragraph))
        if value is None:
            self.misses += 1
            return None
        self.hits += 1
        return tuple(json.loads(value))

    def _read(self, table: str, column: str, key: bytes) -> str | None:
        """The value stored under ``key`` if its checksum holds, else None."""
        if self._db is None and self.path.exists():  # written meanwhile by another job
            self._open()
        row = None
        if self._db is not None:
            row = self._db.execute(
                f"SELECT {column}, checksum FROM {table} WHERE key = ?", (key,)
            ).fetchone()
        if row is not None and row[1] != self.checksum(key, row[0]):
            self.damaged += 1
            if self.damaged == 1:  # once per store: a damaged file would repeat it per row
                log.warning("sentence split store %s: a row does not match its checksum "
                            "(edited or damaged); computing it again", self.path)  # fmt: skip
            row = None
        return None if row is None else row[0]

    def get_entry(self, key: bytes) -> str | None:
        """The derived value stored under ``key`` (a sha256 digest of all it depends on)."""
        return self._read(self.entries, "value", key)

    def put_entry(self, key: bytes, value: str) -> None:
        """Remember a derived value (written by the next flush)."""
        self._pending_entries.append((key, value, self.checksum(key, value)))

    @staticmethod
    def checksum(key: bytes, sentences: str) -> str:
        """The checksum of a row's key and stored value."""
        from bench.fileio import checksum

        return checksum(key, sentences)

    def put(self, paragraph: str, sentences: tuple[str, ...]) -> None:
        """Remember a split (written by the next flush)."""
        key, value = self.key(paragraph), json.dumps(sentences, ensure_ascii=False)
        self._pending.append((key, value, self.checksum(key, value)))
        if len(self._pending) >= self.batch:
            self.flush()

    def flush(self) -> None:
        """Write the pending splits and entries."""
        if not self._pending and not self._pending_entries:
            return
        if self._db is None:
            self._open()
        with self._db:
            # REPLACE: a row that failed its checksum is overwritten by the fresh value
            self._db.executemany(
                f"INSERT OR REPLACE INTO {self.table} (key, sentences, checksum) VALUES (?, ?, ?)",
                self._pending,
            )
            self._db.executemany(
                f"INSERT OR REPLACE INTO {self.entries} (key, value, checksum) VALUES (?, ?, ?)",
                self._pending_entries,
            )
        self._pending.clear()
        self._pending_entries.clear()

    def close(self) -> None:
        """Close the file; splits and entries not flushed are dropped."""
        self._pending.clear()
        self._pending_entries.clear()
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


def split_store() -> SplitStore | None:
    """The store in use (None: memory only)."""
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


# Paragraphs up to LONG_PARAGRAPH characters go to pysbd whole (byte-identical to earlier
# releases); longer ones in windows of WINDOW characters, of which the sentences that end at least
# MARGIN characters before the window's end are kept (pysbd's rules look a few characters right
# of a boundary; MARGIN leaves them far more). pysbd is fastest per character on pieces of 1-2
# thousand characters (benchmarks/split_speed.py). A window in which no sentence ends early
# enough is doubled, up to MAX_WINDOW.
LONG_PARAGRAPH = 10_000
WINDOW = 2_000
MARGIN = 250
MAX_WINDOW = 32_000


def _segment(paragraph: str) -> tuple[str, ...]:
    if len(paragraph) > LONG_PARAGRAPH:
        return _segment_long(paragraph)
    return tuple(s.strip() for s in _segmenter().segment(paragraph) if s.strip())


def _spans(text: str) -> list[tuple[int, int]]:
    """(start, end) in ``text`` of each sentence pysbd's processor finds, in order.

    pysbd's own ``segment`` locates each processed sentence by a regex search from the start of
    the text (quadratic, and a regex compiled per sentence); this finds it with ``str.find`` from
    the end of the previous one, and, as pysbd does, drops a sentence not found verbatim.
    """
    from pysbd.processor import Processor

    seg = _segmenter()
    out: list[tuple[int, int]] = []
    pos = 0
    for sentence in Processor(text, seg.language_module, char_span=False).process():
        if not sentence:
            continue
        start = text.find(sentence, pos)
        if start < 0:
            continue
        pos = start + len(sentence)
        out.append((start, pos))
    return out


def _segment_long(paragraph: str) -> tuple[str, ...]:
    spans = _parallel_spans(paragraph) if len(paragraph) >= PARALLEL_MIN else None
    if spans is None:
        return tuple(_iter_long(paragraph))
    return tuple(t for a, b in spans if (t := paragraph[a:b].strip()))


def _iter_long(paragraph: str) -> Iterator[str]:
    """The sentences of a long paragraph, split window by window as they are read."""
    for a, b in _long_spans(paragraph):
        if sentence := paragraph[a:b].strip():
            yield sentence


def _long_spans(paragraph: str, offset: int = 0) -> Iterator[tuple[int, int]]:
    """(start, end) + ``offset`` of each sentence of a long paragraph, in time linear in its length.

    Each window starts where a sentence starts; its sentences that end at least ``MARGIN``
    characters before the window's end are kept, and the next window starts at the first sentence
    not kept. A window in which no sentence ends that early is doubled; at ``MAX_WINDOW`` it is
    cut at its last space before the margin, so a run of over 31,500 characters without a
    sentence end becomes several "sentences" rather than costing quadratic time.
    """
    pos, n, size = 0, len(paragraph), WINDOW
    while pos < n:
        window = paragraph[pos : pos + size]
        spans = _spans(window)
        if pos + size >= n:  # the last window: every sentence stands
            kept, nxt = spans, n - pos
        else:
            kept = [(a, b) for a, b in spans[:-1] if b <= size - MARGIN]
            if kept:
                nxt = spans[len(kept)][0]
            elif size < MAX_WINDOW:
                size *= 2
                continue
            else:
                cut = window.rfind(" ", 0, size - MARGIN)
                nxt = cut if cut > 0 else size - MARGIN
                kept = [(0, nxt)]
        for a, b in kept:
            yield offset + pos + a, offset + pos + b
        pos += nxt
        size = WINDOW


# Paragraphs of PARALLEL_MIN characters or more are split in pieces by several processes (one
# per free core). Piece i > 0 starts LEAD characters before its cut; the two neighbours' sentences
# are joined at the first sentence start, well inside that overlap, that both found: from a
# common sentence start both continue as one sequential pass would. Without one, the paragraph is
# split sequentially.
PARALLEL_MIN = 1_000_000
LEAD = 8_000


def _piece_spans(job: tuple[str, int]) -> list[tuple[int, int]]:
    return list(_long_spans(*job))


def _workers() -> int:
    import os

    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _parallel_spans(paragraph: str) -> list[tuple[int, int]] | None:
    """Sentence spans of a very long paragraph split by several processes, or None (sequential)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    n = len(paragraph)
    k = min(_workers(), n // (PARALLEL_MIN // 2))
    if k < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return None
    cuts = [0] + [paragraph.rfind(" ", 0, i * n // k) + 1 for i in range(1, k)] + [n]
    if any(b - a <= 2 * LEAD for a, b in zip(cuts, cuts[1:], strict=False)):
        return None
    jobs = [
        (paragraph[max(0, a - LEAD) : b], max(0, a - LEAD))
        for a, b in zip(cuts, cuts[1:], strict=False)
    ]
    with ProcessPoolExecutor(k, mp_context=multiprocessing.get_context("fork")) as pool:
        pieces = list(pool.map(_piece_spans, jobs))
    spans = pieces[0]
    for cut, piece in zip(cuts[1:], pieces[1:], strict=False):
        # the earlier piece ran up to ``cut`` (its last sentence may be cut short), the later one
        # started LEAD before it (its first sentence may be a fragment): join inside the overlap
        low, high = cut - LEAD + MARGIN, cut - MARGIN
        starts = {a for a, _ in spans if low <= a <= high}
        join = next((a for a, _ in piece if low <= a <= high and a in starts), None)
        if join is None:
            return None
        spans = [s for s in spans if s[0] < join] + [s for s in piece if s[0] >= join]
    return spans


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


def iter_sentences(paragraphs: Iterable[str]) -> Iterator[str]:
    """The sentences of :func:`split_sentences`, split only as far as the caller reads.

    For a caller that stops early (a summary cut to a budget): a long paragraph is split window
    by window as it is read, without the caches.
    """
    for paragraph in paragraphs:
        paragraph = paragraph.strip()
        if len(paragraph) > LONG_PARAGRAPH:
            yield from _iter_long(paragraph)
        elif paragraph:
            yield from _split_paragraph(paragraph)


# Scripts written without spaces between words (a character is about a word).
_CHAR_SCRIPTS = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3400, 0x4DBF),  # CJK Extension A
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xF900, 0xFAFF),  # CJK Compatibility Ideographs
    (0x20000, 0x3134F),  # CJK Extensions B-G
)


def unspaced(ch: str) -> bool:
    """Whether ``ch`` is of a script written without spaces (Han, Kana, Thai, Lao, Khmer, ...)."""
    code = ord(ch)
    return any(lo <= code <= hi for lo, hi in _CHAR_SCRIPTS)


def collapse_ws(text: str) -> str:
    """Runs of whitespace -> one space; no leading or trailing whitespace."""
    return " ".join(text.split())


def count_words(text: str) -> int:
    """Number of whitespace-separated tokens, the unit of every length budget."""
    return len(text.split())
