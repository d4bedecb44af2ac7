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

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from bench.metrics.rouge import TOKENIZERS, Prepared, prepare

#: n-gram orders prepared for every text (novel n-grams go up to 4).
MAX_N = 4


def check_tokenizer(tokenizer: str) -> str:
    """Return ``tokenizer`` if it is one of ROUGE's tokenizers, else raise ValueError."""
    if tokenizer not in TOKENIZERS:
        raise ValueError(f"unknown tokenizer {tokenizer!r}; choose from {', '.join(TOKENIZERS)}")
    return tokenizer


def prepared(text: str, tokenizer: str) -> Prepared:
    """Unstemmed tokens, lines and n-gram counts up to :data:`MAX_N` (memoised by ROUGE)."""
    return prepare(text, False, MAX_N, tokenizer)


@dataclass(frozen=True, slots=True)
class Fragment:
    """One extractive fragment: ``length`` summary tokens from ``start``, found in ``sources``."""

    start: int
    length: int
    sources: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Sources:
    """The token sequences of a cluster's documents with, per document, each token's positions."""

    tokens: tuple[tuple[str, ...], ...]
    positions: tuple[dict[str, list[int]], ...]

    @property
    def n_tokens(self) -> int:
        """Tokens over all documents."""
        return sum(len(t) for t in self.tokens)


@lru_cache(maxsize=256)
def sources(documents: tuple[str, ...], tokenizer: str) -> Sources:
    """Index the documents of one cluster (memoised: every summary of a cluster reuses it)."""
    tokens = tuple(prepared(text, tokenizer).tokens for text in documents)
    positions = []
    for doc in tokens:
        index: dict[str, list[int]] = {}
        for j, token in enumerate(doc):
            index.setdefault(token, []).append(j)
        positions.append(index)
    return Sources(tokens, tuple(positions))


def _longest_run(summary: Sequence[str], i: int, doc: Sequence[str], starts: list[int]) -> int:
    """Algorithm 1's inner scan of one document at summary position ``i``: the longest run."""
    best, k, n, m = 0, 0, len(summary), len(doc)
    while k < len(starts):
        j = starts[k]
        length = 1
        while i + length < n and j + length < m and summary[i + length] == doc[j + length]:
            length += 1
        best = max(best, length)
        # the scan resumes where this run ended: runs starting inside it are not tried
        k = bisect_left(starts, j + length, k + 1)
    return best


def fragments(summary: Sequence[str], index: Sources) -> list[Fragment]:
    """The extractive fragments of ``summary`` (tokens) in the indexed documents, in order."""
    out: list[Fragment] = []
    i, n = 0, len(summary)
    while i < n:
        token = summary[i]
        lengths = [
            _longest_run(summary, i, doc, pos[token]) if token in pos else 0
            for doc, pos in zip(index.tokens, index.positions, strict=True)
        ]
        best = max(lengths, default=0)
        if best:
            found = tuple(d for d, length in enumerate(lengths) if length == best)
            out.append(Fragment(i, best, found))
        i += max(best, 1)
    return out
