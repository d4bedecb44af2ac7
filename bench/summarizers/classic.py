"""Classic unsupervised extractive summarizers: LexRank, TextRank, Centroid, MMR, SumBasic.

Each class names the paper it implements and says where it departs from it. Shared choices:

- Candidates are the sentences of *all* documents of a cluster (``Document.sentences``), and
  word statistics (IDF, word probabilities) come from the cluster itself, one sentence per
  "document", so a cluster's summary never depends on the other clusters in the batch.
- Tokens: lower-cased, scikit-learn's default pattern (runs of two or more word characters) and,
  when ``stop_words`` is true (the default), scikit-learn's English stop-word list removed.
- Selection, redundancy and order follow ``bench.summarizers.selection``: best first, ties by
  position, exact repeats and sentences whose words are mostly (``dedup_threshold``) contained
  in one chosen sentence skipped, stop when the budget is full, output in selection order.

TF-IDF and cosine similarity come from scikit-learn; PageRank is a numpy power iteration.
"""

from __future__ import annotations

import json

import numpy as np
import sklearn
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

from bench.budget import Budget
from bench.memo import Memo, digest
from bench.summarizers.base import PerCluster, check_dedup_threshold
from bench.summarizers.selection import (
    best_available,
    centroid_relevance,
    check_in_range,
    cluster_sentences,
    greedy,
    select_by_score,
    select_centroid,
    select_mmr,
)
from bench.types import Cluster

TOKEN_PATTERN = r"(?u)\b\w\w+\b"
PAGERANK_TOL = 1e-12
PAGERANK_MAX_ITER = 1000
PAGERANK = f"power-iteration,uniform-start,l1-tol={PAGERANK_TOL:g}*n,max_iter={PAGERANK_MAX_ITER}"


def _vectorizer_kwargs(stop_words: bool) -> dict[str, object]:
    return {
        "lowercase": True,
        "token_pattern": TOKEN_PATTERN,
        "stop_words": "english" if stop_words else None,
    }


def _has_tokens(sentences: list[str], stop_words: bool) -> bool:
    analyze = CountVectorizer(**_vectorizer_kwargs(stop_words)).build_analyzer()  # type: ignore[arg-type]
    return any(analyze(s) for s in sentences)


def token_counts(sentences: list[str], stop_words: bool) -> sparse.csr_matrix:
    """Sentence-by-word count matrix; one all-zero column when no sentence has a token."""
    if not _has_tokens(sentences, stop_words):
        return sparse.csr_matrix((len(sentences), 1))
    counts = CountVectorizer(**_vectorizer_kwargs(stop_words)).fit_transform(sentences)  # type: ignore[arg-type]
    return sparse.csr_matrix(counts, dtype=float)


# TF-IDF vectors of a cluster's sentences kept for the process: LexRank, centroid and MMR of a
# sweep read the same ones. About 100 MB of sparse matrices at most.
_TFIDF: Memo[sparse.csr_matrix] = Memo("tf-idf vectors", 100_000_000)


def _nbytes(m: sparse.csr_matrix) -> int:
    return int(m.data.nbytes + m.indices.nbytes + m.indptr.nbytes)


def tfidf_vectors(sentences: list[str], stop_words: bool) -> sparse.csr_matrix:
    """L2-normalised TF-IDF rows, IDF (smoothed) fitted on the given sentences.

    Computed once per process for the same sentences; each caller gets its own copy.
    """
    key = digest("tfidf", str(stop_words), json.dumps(sentences, ensure_ascii=False))
    return _TFIDF.get(key, lambda: _tfidf_vectors(sentences, stop_words), _nbytes).copy()


def _tfidf_vectors(sentences: list[str], stop_words: bool) -> sparse.csr_matrix:
    if not _has_tokens(sentences, stop_words):
        return sparse.csr_matrix((len(sentences), 1))
    return TfidfVectorizer(**_vectorizer_kwargs(stop_words)).fit_transform(sentences)  # type: ignore[arg-type]


def overlap_similarity(sentences: list[str], stop_words: bool) -> np.ndarray:
    """TextRank similarity ``|Si & Sj| / (log|Si| + log|Sj|)``, 0 on the diagonal.

    ``|Si & Sj|`` counts distinct shared words and ``|Si|`` the tokens of a sentence. Pairs
    whose denominator is not positive (two one-word sentences, or an empty one) get 0.
    """
    counts = token_counts(sentences, stop_words)
    present = (counts > 0).astype(float)
    overlap = (present @ present.T).toarray()
    lengths = np.asarray(counts.sum(axis=1)).ravel()
    with np.errstate(divide="ignore"):
        logs = np.where(lengths > 0, np.log(np.maximum(lengths, 1)), -np.inf)
    denominator = logs[:, None] + logs[None, :]
    valid = denominator > 0
    similarity = np.zeros_like(overlap)
    similarity[valid] = overlap[valid] / denominator[valid]
    np.fill_diagonal(similarity, 0.0)
    return similarity


def pagerank_scores(weights: np.ndarray, damping: float) -> np.ndarray:
    """PageRank of the weighted graph whose adjacency matrix is ``weights`` (Page et al. 1999).

    Power iteration from the uniform vector on the row-normalised matrix, as networkx's
    ``pagerank`` does: ``damping`` is the probability of following an edge (its ``alpha``),
    rows without edges are dangling and spread their mass uniformly, the teleport vector is
    uniform, and iteration stops once the L1 change is below ``n * PAGERANK_TOL``. Dense numpy
    instead of a graph object: a cluster's graph is small and nearly complete, and building a
    networkx graph cost ten times the ranking itself.
    """
    n = len(weights)
    if n == 0:
        return np.zeros(0)
    weights = np.asarray(weights, dtype=float)
    out_weight = weights.sum(axis=1)
    dangling = out_weight == 0
    transition = weights / np.where(dangling, 1.0, out_weight)[:, None]
    uniform = np.full(n, 1.0 / n)
    ranks = uniform
    for _ in range(PAGERANK_MAX_ITER):
        previous = ranks
        ranks = damping * (ranks @ transition + ranks[dangling].sum() * uniform)
        ranks += (1.0 - damping) * uniform
        if np.abs(ranks - previous).sum() < n * PAGERANK_TOL:
            break
    return ranks


class _Classic(PerCluster):
    """Budget, redundancy and tokenisation settings shared by the classic summarizers."""

    def __init__(self, budget: Budget, name: str, dedup_threshold: float, stop_words: bool) -> None:
        if not isinstance(stop_words, bool):
            raise ValueError(f"stop_words must be true or false, got {stop_words!r}")
        self.name = name
        self.budget = budget
        self.dedup_threshold = check_dedup_threshold(dedup_threshold)
        self.stop_words = stop_words

    def _one(self, cluster: Cluster) -> str:
        sentences = cluster_sentences(cluster)
        if not sentences:
            return ""
        return "\n".join(sentences[i] for i in self._select(sentences, cluster))

    def _select(self, sentences: list[str], cluster: Cluster) -> list[int]:
        raise NotImplementedError

    def _method_settings(self) -> dict[str, str]:
        return {}

    def _settings(self) -> dict[str, str]:
        stop = "sklearn-english" if self.stop_words else "none"
        return {
            **self._method_settings(),
            "tokens": f"lower,{TOKEN_PATTERN},stop={stop}",
            "dedup": f"exact+word-containment>={self.dedup_threshold}",
            "order": "selection-rank,ties-by-position",
            "sklearn": sklearn.__version__,
        }


class LexRank(_Classic):
    """LexRank (Erkan & Radev, 2004, JAIR 22): eigenvector centrality of the sentence graph.

    Edges are the cosine similarities of the sentences' TF-IDF vectors (IDF from the cluster's
    sentences rather than a background corpus). By default the graph is weighted (continuous
    LexRank); with ``threshold`` set, an edge exists where the cosine exceeds it and all edges
    weigh 1 (thresholded LexRank). Centrality is PageRank with ``damping`` the probability of
    following an edge (the paper's ``d`` is the jump probability, ``1 - damping``). Unlike the
    paper's matrix, the graph has no self-loops: with them, a sentence similar to nothing keeps
    probability ``1/N``, the average, and outranks half of the cluster.
    """

    def __init__(
        self,
        budget: Budget,
        threshold: float | None = None,
        damping: float = 0.85,
        dedup_threshold: float = 0.6,
        stop_words: bool = True,
        name: str = "lexrank",
    ) -> None:
        """Validate ``threshold`` in [0, 1) or None and ``damping`` in (0, 1)."""
        super().__init__(budget, name, dedup_threshold, stop_words)
        if threshold is not None:
            threshold = check_in_range(threshold, "threshold", 0.0, 1.0, open_high=True)
        self.threshold = threshold
        self.damping = check_in_range(damping, "damping", 0.0, 1.0, open_low=True, open_high=True)
        self.method = "lexrank-continuous" if threshold is None else "lexrank-threshold"

    def scores(self, sentences: list[str]) -> np.ndarray:
        """LexRank centrality of each sentence."""
        similarity = cosine_similarity(tfidf_vectors(sentences, self.stop_words))
        if self.threshold is not None:
            similarity = (similarity > self.threshold).astype(float)
        np.fill_diagonal(similarity, 0.0)
        return pagerank_scores(similarity, self.damping)

    def _select(self, sentences: list[str], cluster: Cluster) -> list[int]:
        scores = self.scores(sentences)
        return select_by_score(sentences, scores, self.budget, self.dedup_threshold)

    def _method_settings(self) -> dict[str, str]:
        return {
            "similarity": "tfidf-cosine,idf=cluster-sentences,no-self-loops",
            "threshold": "none" if self.threshold is None else str(self.threshold),
            "damping": str(self.damping),
            "pagerank": PAGERANK,
        }


class TextRank(_Classic):
    """TextRank for sentence extraction (Mihalcea & Tarau, 2004, EMNLP).

    Sentences are vertices; edge weights are the paper's content overlap
    ``|Si & Sj| / (log|Si| + log|Sj|)`` (see ``overlap_similarity``); vertices are ranked by
    weighted PageRank with ``damping`` 0.85 as in the paper.
    """

    def __init__(
        self,
        budget: Budget,
        damping: float = 0.85,
        dedup_threshold: float = 0.6,
        stop_words: bool = True,
        name: str = "textrank",
    ) -> None:
        """Validate ``damping`` in (0, 1)."""
        super().__init__(budget, name, dedup_threshold, stop_words)
        self.damping = check_in_range(damping, "damping", 0.0, 1.0, open_low=True, open_high=True)
        self.method = "textrank"

    def scores(self, sentences: list[str]) -> np.ndarray:
        """TextRank score of each sentence."""
        return pagerank_scores(overlap_similarity(sentences, self.stop_words), self.damping)

    def _select(self, sentences: list[str], cluster: Cluster) -> list[int]:
        scores = self.scores(sentences)
        return select_by_score(sentences, scores, self.budget, self.dedup_threshold)

    def _method_settings(self) -> dict[str, str]:
        return {
            "similarity": "overlap/(log|Si|+log|Sj|)",
            "damping": str(self.damping),
            "pagerank": PAGERANK,
        }


def position_bonus(doc_lengths: list[int], weight: float, scale: float) -> np.ndarray:
    """MEAD's position score ``weight * scale * (n - j) / n`` for sentence ``j`` of ``n``."""
    return np.array(
        [weight * scale * (n - j) / n for n in doc_lengths for j in range(n)], dtype=float
    )


class Centroid(_Classic):
    """Centroid-based summarization, after MEAD (Radev, Jing, Styś & Tam, 2004, IP&M 40(6)).

    The centroid is the mean of the sentences' L2-normalised TF-IDF vectors, and a sentence
    scores its cosine similarity to it (MEAD sums the centroid values of the sentence's words
    instead, after zeroing low values). With ``position_weight`` > 0, MEAD's position feature
    ``position_weight * C_max * (n - j) / n`` is added for sentence ``j`` (0-based) of a
    ``n``-sentence document, ``C_max`` being the cluster's best centroid score; MEAD's default
    weight is 1, ours 0 (pure centroid). MEAD's first-sentence-overlap feature is not used.
    """

    def __init__(
        self,
        budget: Budget,
        position_weight: float = 0.0,
        dedup_threshold: float = 0.6,
        stop_words: bool = True,
        name: str = "centroid",
    ) -> None:
        """Validate ``position_weight`` >= 0."""
        super().__init__(budget, name, dedup_threshold, stop_words)
        self.position_weight = check_in_range(
            position_weight, "position_weight", 0.0, np.inf, open_high=True
        )
        self.method = "centroid-tfidf"

    def _select(self, sentences: list[str], cluster: Cluster) -> list[int]:
        vectors = tfidf_vectors(sentences, self.stop_words)
        bonus = None
        if self.position_weight > 0:
            c_max = float(centroid_relevance(vectors).max())
            lengths = [len(doc.sentences) for doc in cluster.documents]
            bonus = position_bonus(lengths, self.position_weight, c_max)
        return select_centroid(sentences, vectors, self.budget, self.dedup_threshold, bonus)

    def _method_settings(self) -> dict[str, str]:
        return {
            "vectors": "tfidf,idf=cluster-sentences,l2",
            "score": "cos(s,centroid)+position_weight*Cmax*(n-j)/n",
            "position_weight": str(self.position_weight),
        }


class MMR(_Classic):
    """Maximal Marginal Relevance (Carbonell & Goldstein, 1998, SIGIR).

    The query is the cluster centroid (mean of the sentences' TF-IDF vectors) and both
    similarities are TF-IDF cosines; each step picks
    ``argmax lambda_ * Sim(s, centroid) - (1 - lambda_) * max_{c chosen} Sim(s, c)``.
    ``lambda_ = 1`` is pure centroid ranking; smaller values trade relevance for novelty.
    """

    def __init__(
        self,
        budget: Budget,
        lambda_: float = 0.7,
        dedup_threshold: float = 0.6,
        stop_words: bool = True,
        name: str = "mmr",
    ) -> None:
        """Validate ``lambda_`` in [0, 1]."""
        super().__init__(budget, name, dedup_threshold, stop_words)
        self.lambda_ = check_in_range(lambda_, "lambda_", 0.0, 1.0)
        self.method = "mmr-tfidf"

    def _select(self, sentences: list[str], cluster: Cluster) -> list[int]:
        vectors = tfidf_vectors(sentences, self.stop_words)
        return select_mmr(sentences, vectors, self.budget, self.dedup_threshold, self.lambda_)

    def _method_settings(self) -> dict[str, str]:
        return {
            "vectors": "tfidf,idf=cluster-sentences,l2",
            "query": "centroid",
            "lambda": str(self.lambda_),
        }


class SumBasic(_Classic):
    """SumBasic (Nenkova & Vanderwende, 2005, Microsoft Research TR-2005-101).

    Word probabilities ``p(w) = count(w) / N`` over the cluster's tokens; a sentence weighs the
    mean ``p`` of its tokens. Each step takes the best-weighted sentence among those containing
    a currently most probable word (all tied top words count), then squares ``p`` of every word
    in it, which is how SumBasic avoids repeating content. Stops early when no remaining
    sentence contains any word.
    """

    def __init__(
        self,
        budget: Budget,
        dedup_threshold: float = 0.6,
        stop_words: bool = True,
        name: str = "sumbasic",
    ) -> None:
        """Only the shared settings; SumBasic has no parameters of its own."""
        super().__init__(budget, name, dedup_threshold, stop_words)
        self.method = "sumbasic"

    def _select(self, sentences: list[str], cluster: Cluster) -> list[int]:
        counts = token_counts(sentences, self.stop_words)
        present = (counts > 0).astype(float)
        by_word = present.tocsc()
        lengths = np.asarray(counts.sum(axis=1)).ravel()
        if lengths.sum() == 0:
            return []
        prob = np.asarray(counts.sum(axis=0)).ravel() / lengths.sum()
        updated = 0  # chosen sentences whose words have been squared already

        def pick(chosen: list[int], available: np.ndarray) -> int | None:
            nonlocal updated
            for i in chosen[updated:]:
                words = present[i].indices
                prob[words] = prob[words] ** 2
            updated = len(chosen)
            in_pool = np.asarray(present[np.flatnonzero(available)].sum(axis=0)).ravel() > 0
            if not in_pool.any():
                return None
            top = np.where(in_pool, prob, -1.0)
            top_words = np.flatnonzero(top == top.max())
            has_top = np.asarray(by_word[:, top_words].sum(axis=1)).ravel() > 0
            weight = np.divide(
                counts @ prob, lengths, out=np.zeros(len(lengths)), where=lengths > 0
            )
            return best_available(weight, available & has_top)

        return greedy(sentences, self.budget, self.dedup_threshold, pick)

    def _method_settings(self) -> dict[str, str]:
        return {
            "weight": "mean-token-probability",
            "pick": "best-weight-containing-top-word",
            "update": "p(w)^2",
        }
