"""Extractive fragments of a summary in several source documents (Grusky et al., 2018).

Grusky, Naaman and Artzi (2018), "Newsroom: A Dataset of 1.3 Million Summaries with Diverse
Extractive Strategies", NAACL, section 4.1 and Algorithm 1.

A fragment is a maximal run of summary tokens copied verbatim from a source. Algorithm 1 reads
the summary left to right; at summary position ``i`` it scans the article for runs that start
with the summary token ``i``, keeps the longest one, and resumes the scan at the end of each
run it found (so a run starting inside another run is not tried, exactly as the published
algorithm and the Newsroom tool do). The summary moves on by the kept run's length, or by one
token when there is none.

Several documents (our choice, the same for every metric built on this module): the documents
are scanned one by one, and at each summary position the longest run over all documents is
kept. This equals Algorithm 1 on the concatenation of the documents with a separator token
between them that no summary contains: a fragment never spans two documents, and the scan of
each document is that of Algorithm 1. Every document that holds a run of the kept length is
recorded as a source of the fragment (ties are kept, not broken by document order), which is
what per-document attribution needs (:mod:`bench.metrics.extractive`, ``doc_coverage``).

Tokens come from the project's one tokenizer, ROUGE's (:func:`bench.metrics.rouge.prepare`,
lower-cased ``[a-z0-9]+`` tokens, or its ``unicode`` tokenizer), without stemming: a fragment is
copied text, not a shared stem. Punctuation is therefore no token (Newsroom used spaCy tokens,
which include it); the statistics count words.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain

import numpy as np

from bench.metrics.rouge import TOKENIZERS, Prepared, prepare

#: The largest n of novel and repeated n-grams.
MAX_N = 4
_SEPARATOR = -1  # between documents in the concatenation; no summary token has this id
_UNKNOWN = -2  # a summary token found in no document


def check_tokenizer(tokenizer: str) -> str:
    """Return ``tokenizer`` if it is one of ROUGE's tokenizers, else raise ValueError."""
    if tokenizer not in TOKENIZERS:
        raise ValueError(f"unknown tokenizer {tokenizer!r}; choose from {', '.join(TOKENIZERS)}")
    return tokenizer


def prepared(text: str, tokenizer: str) -> Prepared:
    """A text's unstemmed tokens and lines, without n-gram counts (memoised by ROUGE)."""
    return prepare(text, False, 0, tokenizer)


def repeated(tokens: Sequence[str], n: int) -> float:
    """The share of the n-gram occurrences of ``tokens`` that repeat an earlier one (0 if none)."""
    total = len(tokens) - n + 1
    if total <= 0:
        return 0.0
    return (total - len(set(zip(*(tokens[k:] for k in range(n)), strict=False)))) / total


@dataclass(frozen=True, slots=True)
class Fragment:
    """One extractive fragment: ``length`` summary tokens from ``start``, found in ``sources``."""

    start: int
    length: int
    sources: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Sources:
    """A cluster's documents as token ids, concatenated with a separator after each document.

    Attributes:
        vocab: Token -> id over all documents.
        ids: The concatenation, ``_SEPARATOR`` after every document.
        ends: Where each document's part of ``ids`` ends (after its separator).
        vocabularies: The tokens of each document.
        pair_codes: Sorted codes (:func:`_codes`) of the bigrams inside one document.
        pair_order: The positions where those bigrams start, in the same order (by code, then
            position): a bigram's positions are a slice, ascending.
        n_tokens: Tokens over all documents.
    """

    vocab: dict[str, int]
    ids: list[int]
    ends: list[int]
    vocabularies: tuple[frozenset[str], ...]
    pair_codes: np.ndarray
    pair_order: list[int]
    n_tokens: int

    def encode(self, tokens: Sequence[str]) -> list[int]:
        """Ids of summary tokens (``_UNKNOWN`` for a token found in no document)."""
        get = self.vocab.get
        return [get(t, _UNKNOWN) for t in tokens]

    def documents_of(self, token: str) -> list[int]:
        """The documents that hold ``token``, ascending."""
        return [d for d, vocabulary in enumerate(self.vocabularies) if token in vocabulary]

    def document_at(self, position: int) -> int:
        """The document of a position of ``ids``."""
        return bisect_right(self.ends, position)


def _codes(ids: np.ndarray, n: int, size: int) -> np.ndarray:
    """One int64 per n-gram of ``ids``: base ``size + 2`` digits of (id + 2).

    Ids are >= -2 (separator -1, unknown -2), so an n-gram with a separator or an unknown token
    has a digit below 2 and a code no n-gram of known tokens has.
    """
    base = size + 2
    codes = np.zeros(max(len(ids) - n + 1, 0), dtype=np.int64)
    for k in range(n):
        codes = codes * base + (ids[k : len(ids) - n + 1 + k] + 2)
    return codes


def _inside(arr: np.ndarray, n: int) -> np.ndarray:
    """For each n-gram of ``arr``, whether it lies inside one document (no separator in it)."""
    separators = np.concatenate(([0], np.cumsum(arr < 0)))
    return separators[n:] == separators[: len(separators) - n]


@lru_cache(maxsize=256)
def sources(documents: tuple[str, ...], tokenizer: str) -> Sources:
    """Index the documents of one cluster (memoised: every summary of a cluster reuses it)."""
    tokens = [prepared(text, tokenizer).tokens for text in documents]
    keys = dict.fromkeys(chain.from_iterable(tokens))
    vocab = dict(zip(keys, range(len(keys)), strict=True))
    ids: list[int] = []
    ends: list[int] = []
    for doc in tokens:
        ids.extend(map(vocab.__getitem__, doc))
        ids.append(_SEPARATOR)
        ends.append(len(ids))
    arr = np.asarray(ids, dtype=np.int64)
    codes = _codes(arr, 2, len(vocab))
    starts = np.flatnonzero(_inside(arr, 2)) if len(arr) > 1 else np.zeros(0, dtype=np.int64)
    order = starts[np.argsort(codes[starts], kind="stable")]
    return Sources(
        vocab, ids, ends, tuple(frozenset(doc) for doc in tokens), codes[order],
        order.tolist(), sum(len(t) for t in tokens),
    )  # fmt: skip


def _bigram_slices(s: Sequence[int], index: Sources) -> tuple[list[int], list[int]]:
    """For each bigram of summary ids ``s``, its slice of ``index.pair_order`` (may be empty)."""
    codes = _codes(np.asarray(s, dtype=np.int64), 2, len(index.vocab))
    lows = np.searchsorted(index.pair_codes, codes, "left").tolist()
    highs = np.searchsorted(index.pair_codes, codes, "right").tolist()
    return lows, highs


def match_lengths(summary: Sequence[str], index: Sources, cap: int = MAX_N) -> list[int]:
    """For each summary position, the longest run (at most ``cap``) any document holds from it.

    The n-gram starting at position i is in some document iff the value at i is >= n.
    """
    s = index.encode(summary)
    n, a = len(s), index.ids
    lows, highs = _bigram_slices(s, index)
    out = [1 if t >= 0 else 0 for t in s]
    for i in range(n - 1):
        if highs[i] == lows[i]:
            continue
        best = 2
        for j in index.pair_order[lows[i] : highs[i]]:
            length = 2
            while length < cap and i + length < n and s[i + length] == a[j + length]:
                length += 1
            if length > best:
                best = length
                if best >= cap:
                    break
        out[i] = min(best, cap)
    return out


def fragments(summary: Sequence[str], index: Sources) -> list[Fragment]:
    """The extractive fragments of ``summary`` (tokens) in the indexed documents, in order.

    Runs of one token never make Algorithm 1 skip a start, so only the starts of the summary's
    next bigram are scanned; a token without one is a fragment of one token from every document
    that holds it.
    """
    s = index.encode(summary)
    n = len(s)
    a = index.ids
    lows, highs = _bigram_slices(s, index)
    out: list[Fragment] = []
    i = 0
    while i < n:
        token = s[i]
        if token < 0:
            i += 1
            continue
        best, found = 1, set(index.documents_of(summary[i]))
        if i + 1 < n and highs[i] > lows[i]:
            starts = index.pair_order[lows[i] : highs[i]]
            k = 0
            while k < len(starts):
                j = starts[k]
                length = 2
                # runs stop at the separator after each document: it equals no summary id
                while i + length < n and s[i + length] == a[j + length]:
                    length += 1
                if length > best:
                    best, found = length, {index.document_at(j)}
                elif length == best:
                    found.add(index.document_at(j))
                # Algorithm 1 resumes the scan where this run ended: a run starting inside it
                # is not tried
                k = bisect_left(starts, j + length, k + 1)
        out.append(Fragment(i, best, tuple(sorted(found))))
        i += best
    return out
