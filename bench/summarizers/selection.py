"""Greedy sentence selection shared by the TF-IDF (classic) and embedding summarizers.

Every summarizer built on this module works the same way. The candidates are all sentence
occurrences of a cluster, document by document and sentence by sentence (``cluster_sentences``),
so an index is a position. A ``pick`` function names the next best candidate; it is skipped when
its text was already chosen or when most of its words (``dedup_threshold``, see
``is_redundant``) are already contained in one chosen sentence, and selection stops as soon as
``budget.full`` says the chosen sentences fill the budget. Scores equal to ``TIE_DECIMALS``
decimals are ties and go to the earlier position, so the output is deterministic and does not
depend on float noise in the last bits. Summaries list the chosen sentences in selection order
(best first), like the lead baseline, so the budget cut only ever shortens the weakest sentence.

``select_centroid`` and ``select_mmr`` take any sentence-vector matrix (sparse TF-IDF rows or
dense embeddings), so both families share one implementation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from sklearn.metrics.pairwise import cosine_similarity

from bench.budget import Budget
from bench.summarizers.base import is_redundant
from bench.types import Cluster

TIE_DECIMALS = 9

# pick(chosen indices, mask of candidates still available) -> next index, or None to stop
Picker = Callable[[list[int], np.ndarray], "int | None"]


def cluster_sentences(cluster: Cluster) -> list[str]:
    """All sentence occurrences of a cluster in (document, sentence) order."""
    return [s for doc in cluster.documents for s in doc.sentences]


def best_available(scores: np.ndarray, available: np.ndarray) -> int:
    """Index of the highest score among available candidates; ties go to the lowest index."""
    masked = np.where(available, np.round(scores, TIE_DECIMALS), -np.inf)
    return int(np.argmax(masked))


def greedy(
    sentences: Sequence[str], budget: Budget, dedup_threshold: float, pick: Picker
) -> list[int]:
    """Indices of the chosen sentences, in selection order.

    ``pick`` proposes candidates one at a time; each proposal is removed from the pool whether
    it is kept or skipped as a repeat or as redundant.
    """
    available = np.ones(len(sentences), dtype=bool)
    chosen: list[int] = []
    texts: list[str] = []
    while available.any() and not budget.full(texts):
        i = pick(chosen, available)
        if i is None:
            break
        available[i] = False
        sentence = sentences[i]
        if sentence in texts or is_redundant(sentence, texts, dedup_threshold):
            continue
        chosen.append(i)
        texts.append(sentence)
    return chosen


def select_by_score(
    sentences: Sequence[str], scores: np.ndarray, budget: Budget, dedup_threshold: float
) -> list[int]:
    """Walk a fixed ranking (highest score first, then position)."""
    return greedy(
        sentences, budget, dedup_threshold, lambda _, avail: best_available(scores, avail)
    )


def centroid_relevance(vectors: object) -> np.ndarray:
    """Cosine similarity of every row to the mean row (the cluster centroid).

    Args:
        vectors: an ``(n_sentences, dim)`` dense array or scipy sparse matrix.
    """
    centroid = np.asarray(vectors.mean(axis=0)).reshape(1, -1)  # type: ignore[attr-defined]
    return cosine_similarity(vectors, centroid).ravel()


def select_centroid(
    sentences: Sequence[str],
    vectors: object,
    budget: Budget,
    dedup_threshold: float,
    bonus: np.ndarray | None = None,
) -> list[int]:
    """Rank by cosine to the centroid (plus an optional per-sentence ``bonus``)."""
    scores = centroid_relevance(vectors)
    if bonus is not None:
        scores = scores + bonus
    return select_by_score(sentences, scores, budget, dedup_threshold)


def select_mmr(
    sentences: Sequence[str],
    vectors: object,
    budget: Budget,
    dedup_threshold: float,
    lambda_: float,
) -> list[int]:
    """Maximal marginal relevance with the cluster centroid as the query.

    Each step takes the candidate maximising ``lambda_ * cos(s, centroid) - (1 - lambda_) *
    max(cos(s, c) for c in chosen)``; the penalty is 0 while nothing is chosen.
    """
    relevance = centroid_relevance(vectors)
    similarity = cosine_similarity(vectors)

    def pick(chosen: list[int], available: np.ndarray) -> int:
        penalty = similarity[:, chosen].max(axis=1) if chosen else np.zeros(len(relevance))
        return best_available(lambda_ * relevance - (1.0 - lambda_) * penalty, available)

    return greedy(sentences, budget, dedup_threshold, pick)


def check_in_range(
    value: object,
    what: str,
    low: float,
    high: float,
    *,
    open_low: bool = False,
    open_high: bool = False,
) -> float:
    """``value`` as a float if it is a number within the interval, else ``ValueError`` naming it."""
    interval = f"{'(' if open_low else '['}{low:g}, {high:g}{')' if open_high else ']'}"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        above = value > low if open_low else value >= low
        below = value < high if open_high else value <= high
        if above and below:
            return float(value)
    raise ValueError(f"{what} must be a number in {interval}, got {value!r}")
