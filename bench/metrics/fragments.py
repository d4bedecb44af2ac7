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
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from bench.metrics.rouge import TOKENIZERS, Prepared, prepare

#: The largest n of novel and repeated n-grams.
MAX_N = 4


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
    """A cluster's documents concatenated, ``None`` after each one, with a bigram index.

    The index is keyed by a 64-bit mix of the two tokens' ``hash``: a key names every position
    of its bigram, and rarely another bigram too, so every candidate is checked token by token
    (the results never depend on the hash values, which change from process to process).

    Attributes:
        tokens: The concatenation, ``None`` after every document.
        ends: Where each document's part of ``tokens`` ends (after its ``None``).
        per_document: The tokens of each document.
        pair_keys: Sorted keys of the bigrams inside one document.
        pair_order: The positions where those bigrams start, in the same order (by key, then
            position): a key's positions are a slice, ascending.
        n_tokens: Tokens over all documents.
        words: The tokens of all documents.
        memo: Token -> the documents that hold it, filled as summaries ask.
        vocabularies: The set of tokens of each document, built when first needed.
    """

    tokens: list[str | None]
    ends: list[int]
    per_document: tuple[tuple[str, ...], ...]
    pair_keys: np.ndarray
    pair_order: list[int]
    n_tokens: int
    words: frozenset[str]
    memo: dict[str, tuple[int, ...]] = field(default_factory=dict, compare=False)
    vocabularies: list[frozenset[str]] = field(default_factory=list, compare=False)

    def documents_of(self, token: str) -> tuple[int, ...]:
        """The documents that hold ``token``, ascending (memoised)."""
        docs = self.memo.get(token)
        if docs is None:
            if not self.vocabularies:  # built on first use: extractive never asks
                self.vocabularies.extend(frozenset(doc) for doc in self.per_document)
            docs = tuple(d for d, words in enumerate(self.vocabularies) if token in words)
            self.memo[token] = docs
        return docs

    def document_at(self, position: int) -> int:
        """The document of a position of ``tokens``."""
        return bisect_right(self.ends, position)

    def candidates(self, summary: Sequence[str]) -> list[list[int]]:
        """For each bigram of ``summary``, the positions whose key it shares, ascending."""
        if len(summary) < 2:
            return []
        keys = _pair_keys(summary)
        lows = np.searchsorted(self.pair_keys, keys, "left").tolist()
        highs = np.searchsorted(self.pair_keys, keys, "right").tolist()
        order = self.pair_order
        return [order[lo:hi] if hi > lo else [] for lo, hi in zip(lows, highs, strict=True)]


_MIX = 0x9E3779B97F4A7C15 - 2**64  # an odd 64-bit constant (as int64), spreads the first hash


def _pair_keys(tokens: Sequence[str | None]) -> np.ndarray:
    """A 64-bit key per bigram of ``tokens`` (wrapping arithmetic)."""
    h = np.fromiter(map(hash, tokens), dtype=np.int64, count=len(tokens))
    return h[:-1] * np.int64(_MIX) + h[1:]  # array arithmetic wraps without a warning


@lru_cache(maxsize=256)
def sources(documents: tuple[str, ...], tokenizer: str) -> Sources:
    """Index the documents of one cluster (memoised: every summary of a cluster reuses it)."""
    per_doc = [prepared(text, tokenizer).tokens for text in documents]
    tokens: list[str | None] = []
    ends: list[int] = []
    for doc in per_doc:
        tokens.extend(doc)
        tokens.append(None)
        ends.append(len(tokens))
    if len(tokens) > 1:
        keys = _pair_keys(tokens)
        inside = np.ones(len(keys), dtype=bool)
        cut = np.asarray(ends, dtype=np.int64) - 1  # each None, and the bigram ending in it
        inside[cut[cut < len(keys)]] = False
        inside[cut[cut >= 1] - 1] = False
        starts = np.flatnonzero(inside)
        order = starts[np.argsort(keys[starts], kind="stable")]
        pair_keys = keys[order]
    else:
        order = pair_keys = np.zeros(0, dtype=np.int64)
    return Sources(
        tokens, ends, tuple(per_doc), pair_keys, order.tolist(),
        sum(len(doc) for doc in per_doc), frozenset(tokens) - {None},
    )  # fmt: skip


def match_lengths(
    summary: Sequence[str],
    index: Sources,
    cap: int = MAX_N,
    found: Sequence[Fragment] = (),
    candidates: list[list[int]] | None = None,
) -> list[int]:
    """For each summary position, the longest run (at most ``cap``) any document holds from it.

    The n-gram starting at position i is in some document iff the value at i is >= n.
    ``found``: the summary's fragments, if known; a position inside a fragment of length L
    starting at f has a run of at least f + L - i, so it is not scanned when that reaches ``cap``.
    """
    n, a = len(summary), index.tokens
    floor = [0] * n
    for f in found:
        for i in range(f.start, f.start + f.length):
            floor[i] = min(f.start + f.length - i, cap)
    if candidates is None:
        candidates = index.candidates(summary)
    words = index.words
    out = [max(floor[i], 1 if t in words else 0) for i, t in enumerate(summary)]
    for i, starts in enumerate(candidates):
        best = out[i]
        if best >= cap:
            continue
        for j in starts:
            length = 0
            while length < cap and i + length < n and summary[i + length] == a[j + length]:
                length += 1
            if length > best:
                best = length
                if best >= cap:
                    break
        out[i] = best
    return out


def fragments(
    summary: Sequence[str],
    index: Sources,
    candidates: list[list[int]] | None = None,
    attribute: bool = True,
) -> list[Fragment]:
    """The extractive fragments of ``summary`` (tokens) in the indexed documents, in order.

    Runs of one token never make Algorithm 1 skip a start, so only the starts of the summary's
    next bigram are scanned; a token without one is a fragment of one token from every document
    that holds it. ``attribute=False`` leaves ``sources`` empty (lengths only, faster).
    """
    n, a = len(summary), index.tokens
    if candidates is None:
        candidates = index.candidates(summary)
    words = index.words
    out: list[Fragment] = []
    i = 0
    while i < n:
        if summary[i] not in words:
            i += 1
            continue
        best, found = 1, set()  # positions of the longest runs
        starts = candidates[i] if i + 1 < n else []
        k = 0
        while k < len(starts):
            j = starts[k]
            length = 0  # a key may be shared by another bigram: check from the first token
            # runs stop at the None after each document: it equals no summary token
            while i + length < n and summary[i + length] == a[j + length]:
                length += 1
            if length < 2:  # not this bigram (or a run of one, which skips nothing)
                k += 1
                continue
            if length > best:
                best, found = length, {j}
            elif length == best:
                found.add(j)
            # Algorithm 1 resumes the scan where this run ended: a run starting inside it
            # is not tried
            k = bisect_left(starts, j + length, k + 1)
        docs: tuple[int, ...] = ()
        if attribute:
            if best > 1:
                docs = tuple(sorted({index.document_at(j) for j in found}))
            else:
                docs = index.documents_of(summary[i])
        out.append(Fragment(i, best, docs))
        i += best
    return out
