"""The source index of one cluster, built once and shared by its summaries.

Every article sentence normalised once, windows of three sentences for binding claims to their
context, and what the checks read on demand (numbers with their head words, how the articles
write each word, content stems).
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bench.memo import Memo, digest
from bench.metrics.consistency.base import Evidence
from bench.metrics.consistency.casing import CaseModel
from bench.metrics.consistency.coverage import StemIndex
from bench.metrics.consistency.names import ORGANISATION_WORDS, TITLE_WORDS, _name_spans
from bench.metrics.consistency.numbers import source_counts, source_numbers
from bench.metrics.consistency.tokens import _PUNCT, _joined, contains, normalize, untokenized
from bench.types import Document


@dataclass(frozen=True, slots=True)
class Window:
    """Up to three consecutive sentences of one document."""

    doc: int
    text: str
    joined: str
    words: frozenset[str]


class Sources:
    """Every document of a cluster, normalised once, with sentence windows for binding."""

    def __init__(self, documents: Sequence[Document]) -> None:
        """Index the documents."""
        self.doc_ids = [d.doc_id for d in documents]
        # Tokenised corpora ("-lrb- cnn -rrb-", "235, 000") are read as plain text.
        sentences_of = [[untokenized(s) for s in d.sentences] for d in documents]
        self.sentences = [s for d in sentences_of for s in d]
        self.sentence_doc = [i for i, d in enumerate(sentences_of) for _ in d]
        self.windows: list[Window] = []
        self.doc_joined: list[str] = []
        self.doc_tokens: list[list[str]] = []
        self._window_sentences: list[tuple[int, int]] = []  # sentence range of each window
        self._normalised: list[list[str]] = []  # tokens of every sentence
        self._stems: StemIndex | None = None
        self._lowered: tuple[str, list[int]] | None = None  # joined text, sentence starts
        for i, sentences in enumerate(sentences_of):
            norm = [normalize(s) for s in sentences]
            self._normalised.extend(norm)
            flat = [t for n in norm for t in n]
            self.doc_tokens.append(flat)
            self.doc_joined.append(_joined(flat))
            first = len(self.windows)
            for j in range(len(sentences)):
                lo, hi = max(0, j - 1), min(len(sentences), j + 2)
                toks = [t for n in norm[lo:hi] for t in n]
                self.windows.append(
                    Window(i, " ".join(sentences[lo:hi]), _joined(toks), frozenset(toks))
                )
                self._window_sentences.append((first + lo, first + hi))
        self.vocabulary = {t for toks in self.doc_tokens for t in toks}
        # token -> the windows holding it (ascending): binding reads only those windows
        self._postings: dict[str, list[int]] = {}
        for k, w in enumerate(self.windows):
            for t in w.words:
                self._postings.setdefault(t, []).append(k)
        self._case: CaseModel | None = None
        self._counts: dict[int, list[tuple[float, frozenset[str]]]] | None = None
        self._numbers: list[set[tuple[float, str]]] | None = None
        self.titles: dict[str, set[str]] = {}  # surname -> title words (filled on demand)
        self.variants: dict[tuple[str, ...], list[Evidence]] = {}  # name -> other spellings
        self.checked: dict[tuple[Any, ...], Any] = {}  # summary sentence -> its check's outcome
        self._docs_with: dict[tuple[str, ...], list[int]] = {}
        self._number_windows: dict[tuple[float, str], list[int]] | None = None
        self._positions: dict[str, list[tuple[int, int]]] | None = None
        # Surnames: last tokens of multi-word capitalised names ("Jane Doe" -> doe).
        self.people = (
            {
                normalize(name)[-1]
                for s in self.sentences
                for _, _, name in _name_spans(s.translate(_PUNCT))
                if len(name.split()) > 1 and normalize(name)
            }
            - TITLE_WORDS
            - ORGANISATION_WORDS
        )
        # Words the documents write in lower case: a capital at a sentence start is not a name.
        self.lowercase = {
            w for s in self.sentences for w in re.findall(r"(?<![\w'])[a-z][a-z'-]+", s)
        }

    def complete(self) -> Sources:
        """Build every table that is otherwise built on first use (for measuring the checks)."""
        _ = self.case, self.stems, self.number_windows((0.0, "")), self.sentences_containing("")
        self.token_positions("")
        return self

    @property
    def case(self) -> CaseModel:
        """How the documents write each word (built on first use: for lower-cased summaries)."""
        if self._case is None:
            self._case = CaseModel(self.sentences)
        return self._case

    def sentences_containing(self, text: str) -> list[int]:
        """Indices (ascending) of the sentences whose lower-cased form contains ``text``.

        One search through all the sentences, lower-cased and joined by line breaks on first
        use: a ``text`` without a line break is found inside one sentence or not at all.
        """
        if "\n" in text:
            return [i for i, s in enumerate(self.sentences) if text in s.lower()]
        if self._lowered is None:
            lowered = [s.lower() for s in self.sentences]
            starts = [0] * len(lowered)  # where each sentence starts in the joined text
            for i in range(1, len(lowered)):
                starts[i] = starts[i - 1] + len(lowered[i - 1]) + 1
            self._lowered = ("\n".join(lowered), starts)
        joined, starts = self._lowered
        found: list[int] = []
        at = joined.find(text) if starts else -1
        while at >= 0:
            found.append(bisect_right(starts, at) - 1)
            if found[-1] + 1 == len(starts):
                break
            at = joined.find(text, starts[found[-1] + 1])  # from the next sentence on
        return found

    @property
    def stems(self) -> StemIndex:
        """Stems of every sentence, for content coverage (built on first use)."""
        if self._stems is None:
            self._stems = StemIndex(self._normalised)
        return self._stems

    def counts(self, window: int) -> list[tuple[float, frozenset[str]]]:
        """Numbers of a window with the head classes around each (read on first use)."""
        if self._counts is None:
            self._counts = {}
        if window not in self._counts:
            a, b = self._window_sentences[window]
            self._counts[window] = [c for s in self.sentences[a:b] for c in source_counts(s)]
        return self._counts[window]

    @property
    def numbers(self) -> list[set[tuple[float, str]]]:
        """The numbers of each window, read on first use (most summary sentences have none).

        Read per sentence and united per window: a number never spans two sentences.
        """
        if self._numbers is None:
            per_sentence = [source_numbers(s) for s in self.sentences]
            self._numbers = [set().union(*per_sentence[a:b]) for a, b in self._window_sentences]
        return self._numbers

    def token_positions(self, token: str) -> list[tuple[int, int]]:
        """(document, position) of every occurrence of ``token`` (indexed on first use)."""
        if self._positions is None:
            self._positions = {}
            for d, doc in enumerate(self.doc_tokens):
                for i, t in enumerate(doc):
                    self._positions.setdefault(t, []).append((d, i))
        return self._positions.get(token, [])

    def windows_with(self, tokens: Iterable[str]) -> list[int]:
        """Indices (ascending) of the windows holding at least one of ``tokens``."""
        found: set[int] = set()
        for t in tokens:
            found.update(self._postings.get(t, ()))
        return sorted(found)

    def windows_with_all(self, tokens: Iterable[str]) -> list[int]:
        """Indices (ascending) of the windows holding every one of ``tokens`` (all: none given)."""
        found: set[int] | None = None
        for t in set(tokens):
            at = self._postings.get(t, ())
            found = set(at) if found is None else found.intersection(at)
            if not found:
                return []
        return list(range(len(self.windows))) if found is None else sorted(found)

    def overlaps(self, words: Iterable[str]) -> list[int]:
        """Per window, how many of the distinct ``words`` it holds (``len(words & w.words)``)."""
        held = [0] * len(self.windows)
        for t in set(words):
            for k in self._postings.get(t, ()):
                held[k] += 1
        return held

    def number_windows(self, key: tuple[float, str]) -> list[int]:
        """Indices (ascending) of the windows giving the number ``(value, unit)``."""
        if self._number_windows is None:
            self._number_windows = {}
            for k, found in enumerate(self.numbers):
                for number in found:
                    self._number_windows.setdefault(number, []).append(k)
        return list(self._number_windows.get(key, ()))

    def docs_with(self, needle: Sequence[str]) -> list[int]:
        """Documents containing the token sequence."""
        key = tuple(needle)
        if key not in self._docs_with:
            self._docs_with[key] = [i for i, j in enumerate(self.doc_joined) if contains(j, key)]
        return list(self._docs_with[key])

    def evidence(self, doc: int, says: str) -> Evidence:
        """Evidence from document ``doc``."""
        return Evidence(self.doc_ids[doc], says)


# Source indexes kept for the whole process (every job of a sweep checks the same articles), up
# to about this many characters of article text: an index takes some 50 bytes a character, so
# about 200 MB (some 280 Multi-News clusters). Clusters beyond it are indexed once per job.
INDEX_BUDGET_CHARS = 4_000_000

_INDEXES: Memo[Sources] = Memo("fact source index", INDEX_BUDGET_CHARS)


def _text_size(index: Sources) -> int:
    return sum(map(len, index.sentences))


def source_index(documents: Sequence[Document]) -> Sources:
    """The index of ``documents``, built once per process for documents of the same content.

    Keyed by the documents' ids and sentences, all that :class:`Sources` reads.
    """
    key = digest(json.dumps([[d.doc_id, d.sentences] for d in documents], ensure_ascii=False))
    return _INDEXES.get(key, lambda: Sources(documents), _text_size)
