"""Extractiveness, redundancy and per-document coverage of a summary; model-free.

``extractive`` (:class:`Extractive`):

- fragment coverage, density and compression of Grusky, Naaman and Artzi (2018), "Newsroom: A
  Dataset of 1.3 Million Summaries with Diverse Extractive Strategies", NAACL, section 4.1:
  coverage = sum |f| / |S|, density = sum |f|^2 / |S|, compression = |A| / |S| over the
  extractive fragments ``f`` of summary ``S`` in the cluster's documents ``A`` (all of them;
  fragments never span two documents, see :mod:`bench.metrics.fragments`);
- novel n-grams, n = 1..4 (See et al., 2017; Narayan et al., 2018): the share of the summary's
  n-gram occurrences found in no document (n-grams inside one document only);
- redundancy inside the summary: the share of its n-gram occurrences that repeat an earlier one
  (1 - distinct / total), and the mean ROUGE-L F1 over all pairs of its sentences (lines), the
  redundancy of Bommasani and Cardie (2020), "Intrinsic Evaluation of Summarization Datasets",
  EMNLP.

``doc_coverage`` (:class:`DocCoverage`), for multi-document clusters: each summary token of a
fragment of at least ``min_fragment`` tokens is attributed to the document(s) the fragment comes
from (split evenly when several documents hold an equally long run); a document's share is the
share of the summary's tokens attributed to it (in the details), and the balance across
documents is the normalised entropy and the largest share of the attributed content (scores).
A summary copied from one of five articles has a largest share near 1 and an entropy near 0.

Edge cases, so every value is a finite number: an empty summary has coverage, density, novel and
repeated shares 0 and its compression is |A| / 1 (an empty summary counts as one token); a
summary with fewer than n tokens has 0 novel and repeated n-grams; a summary of one sentence has
sentence overlap 0. A summary with nothing attributed to any document has entropy 0 and largest
share 0; a cluster of one document has entropy 1.

Tokens: ROUGE's tokenizer without stemming (:func:`bench.metrics.fragments.prepared`); summary
sentences are its lines, as for ROUGE-Lsum.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from itertools import combinations
from typing import Any

from bench import __version__
from bench.errors import check_int
from bench.metrics.base import KeyInfo, MetricInfo, MetricOutput
from bench.metrics.fragments import (
    MAX_N,
    check_tokenizer,
    fragments,
    match_lengths,
    prepared,
    repeated,
    sources,
)
from bench.metrics.lcs import lcs_length
from bench.metrics.rouge import fmeasure
from bench.types import Cluster

_SHARE = {"value_range": (0.0, 1.0), "scale": 100.0, "digits": 2}
_ORDERS = range(1, MAX_N + 1)
_TOK_SIGNATURE = {"rouge_score": "lower+[a-z0-9]+,no-stem", "unicode": "unicode,no-stem"}


def _check_batch(summaries: Sequence[str], clusters: Sequence[Cluster]) -> None:
    if len(summaries) != len(clusters):
        raise ValueError(f"{len(summaries)} summaries for {len(clusters)} clusters")
    for cluster in clusters:
        if not cluster.documents:
            raise ValueError(f"cluster {cluster.cluster_id!r} has no source documents")


def _document_texts(cluster: Cluster) -> tuple[str, ...]:
    return tuple(d.text for d in cluster.documents)


def _sentence_overlap(sentences: Sequence[Sequence[str]]) -> float:
    """Mean ROUGE-L F1 over all pairs of sentences; 0 with fewer than two."""
    pairs = list(combinations(sentences, 2))
    if not pairs:
        return 0.0
    total = 0.0
    for a, b in pairs:
        hits = lcs_length(a, b)
        total += fmeasure(hits / len(a), hits / len(b)) if hits else 0.0
    return total / len(pairs)


EXTRACTIVE_INFO = MetricInfo(
    name="extractive",
    keys={
        "extractive_coverage": KeyInfo("Coverage", higher_is_better=None, **_SHARE),
        "extractive_density": KeyInfo("Density", higher_is_better=None, digits=2),
        "extractive_compression": KeyInfo("Compression", higher_is_better=None, digits=1),
        **{
            f"extractive_novel_{n}": KeyInfo(
                f"Novel {n}-grams", higher_is_better=None, default=n == 2, **_SHARE
            )
            for n in _ORDERS
        },
        **{
            f"extractive_repeated_{n}": KeyInfo(
                f"Repeated {n}-grams", higher_is_better=False, default=False, **_SHARE
            )
            for n in _ORDERS
        },
        "extractive_sentence_overlap": KeyInfo("Sent. overlap", higher_is_better=False, **_SHARE),
    },
    needs_documents=True,
    description="Extractive fragment coverage, density and compression against the cluster's "
    "documents, novel n-grams, and redundancy inside the summary",
    citation="Grusky, Naaman and Artzi (2018), Newsroom, NAACL; Bommasani and Cardie (2020), "
    "Intrinsic Evaluation of Summarization Datasets, EMNLP",
)


class Extractive:
    """The ``extractive`` metric: how much of a summary is copied, and how much it repeats."""

    name = "extractive"
    info = EXTRACTIVE_INFO

    def __init__(self, tokenizer: str = "rouge_score") -> None:
        """Check the tokenizer (``rouge_score`` or ``unicode``, as ROUGE's)."""
        self.tokenizer = check_tokenizer(tokenizer)
        self.higher_is_better = self.info.higher_is_better

    def _one(self, summary: str, cluster: Cluster) -> dict[str, float]:
        docs = _document_texts(cluster)
        index = sources(docs, self.tokenizer)
        text = prepared(summary, self.tokenizer)
        tokens = text.tokens
        n = len(tokens)
        candidates = index.candidates(tokens)
        found = fragments(tokens, index, candidates, attribute=False)
        out = {
            "extractive_coverage": sum(f.length for f in found) / n if n else 0.0,
            "extractive_density": sum(f.length**2 for f in found) / n if n else 0.0,
            "extractive_compression": index.n_tokens / max(n, 1),
        }
        # the run from position i is at most n - i long: only a position with an n-gram can
        # have a run of n or more
        held = Counter(match_lengths(tokens, index, MAX_N, found, candidates))
        for k in _ORDERS:
            total = n - k + 1
            copied = sum(count for length, count in held.items() if length >= k)
            out[f"extractive_novel_{k}"] = (total - copied) / total if total > 0 else 0.0
        for k in _ORDERS:
            out[f"extractive_repeated_{k}"] = repeated(tokens, k)
        out["extractive_sentence_overlap"] = _sentence_overlap(text.sentences)
        return out

    def score(self, summaries: Sequence[str], clusters: Sequence[Cluster]) -> MetricOutput:
        """Extractiveness and redundancy of each summary against its cluster's documents."""
        _check_batch(summaries, clusters)
        return MetricOutput.of([self._one(s, c) for s, c in zip(summaries, clusters, strict=True)])

    def signature(self) -> dict[str, str]:
        """Everything that determines the values."""
        return {
            "impl": f"mdsbench-{__version__}",
            "fragments": "newsroom-alg1,per-document-longest",
            "tok": _TOK_SIGNATURE[self.tokenizer],
            "novel": "occurrences,n=1-4,within-document",
            "redundancy": "repeated-occurrences,n=1-4;mean-pairwise-rougeL-f1,sent=line",
        }


DOC_COVERAGE_INFO = MetricInfo(
    name="doc_coverage",
    keys={
        "doc_coverage_entropy": KeyInfo(
            "Doc balance", higher_is_better=None, value_range=(0.0, 1.0), digits=3
        ),
        "doc_coverage_max_share": KeyInfo("Max doc share", higher_is_better=None, **_SHARE),
        "doc_coverage_attributed": KeyInfo(
            "Attributed", higher_is_better=None, default=False, **_SHARE
        ),
    },
    needs_documents=True,
    details=("doc_coverage_shares",),
    description="Per-document coverage: the share of the summary drawn from each source "
    "document, and the balance across documents (normalised entropy, largest share)",
    citation="fragments of Grusky, Naaman and Artzi (2018), Newsroom, NAACL",
)


class DocCoverage:
    """The ``doc_coverage`` metric: which source documents a summary's copied content is from."""

    name = "doc_coverage"
    info = DOC_COVERAGE_INFO

    def __init__(self, min_fragment: int = 1, tokenizer: str = "rouge_score") -> None:
        """Check the options.

        Args:
            min_fragment: Shortest fragment (tokens) that is attributed to documents.
            tokenizer: ``rouge_score`` or ``unicode``, as ROUGE's.
        """
        self.min_fragment = check_int(min_fragment, "min_fragment", minimum=1)
        self.tokenizer = check_tokenizer(tokenizer)
        self.higher_is_better = self.info.higher_is_better

    def shares(self, summary: str, cluster: Cluster) -> list[float]:
        """Per document, in cluster order, the share of the summary's tokens drawn from it."""
        docs = _document_texts(cluster)
        index = sources(docs, self.tokenizer)
        tokens = prepared(summary, self.tokenizer).tokens
        drawn = [0.0] * len(cluster.documents)
        for f in fragments(tokens, index):
            if f.length >= self.min_fragment:
                for d in f.sources:
                    drawn[d] += f.length / len(f.sources)
        return [x / len(tokens) for x in drawn] if tokens else drawn

    def _one(self, summary: str, cluster: Cluster) -> tuple[dict[str, float], dict[str, Any]]:
        shares = self.shares(summary, cluster)
        attributed = sum(shares)
        if attributed > 0:
            p = [s / attributed for s in shares]
            entropy = -sum(x * math.log(x) for x in p if x > 0)
            balance = entropy / math.log(len(p)) if len(p) > 1 else 1.0
            largest = max(p)
        else:
            balance = largest = 0.0
        scores = {
            # rounding can leave [0, 1] (and give -0.0 for one document used)
            "doc_coverage_entropy": min(1.0, max(0.0, balance)),
            "doc_coverage_max_share": largest,
            "doc_coverage_attributed": min(attributed, 1.0),
        }
        ids = [d.doc_id for d in cluster.documents]
        return scores, {"doc_coverage_shares": dict(zip(ids, shares, strict=True))}

    def score(self, summaries: Sequence[str], clusters: Sequence[Cluster]) -> MetricOutput:
        """Per-document shares (details) and their balance (scores) of each summary."""
        _check_batch(summaries, clusters)
        for cluster in clusters:
            ids = [d.doc_id for d in cluster.documents]
            if len(set(ids)) != len(ids):
                raise ValueError(f"cluster {cluster.cluster_id!r} has repeated document ids")
        rows = [self._one(s, c) for s, c in zip(summaries, clusters, strict=True)]
        return MetricOutput([r[0] for r in rows], [r[1] for r in rows])

    def signature(self) -> dict[str, str]:
        """Everything that determines the values."""
        return {
            "impl": f"mdsbench-{__version__}",
            "fragments": "newsroom-alg1,per-document-longest,ties-split-evenly",
            "min_fragment": str(self.min_fragment),
            "tok": _TOK_SIGNATURE[self.tokenizer],
            "balance": "normalised-entropy,max-share,of-attributed-tokens",
        }
