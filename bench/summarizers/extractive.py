"""Model-free baselines: lead (round-robin), random, and the greedy ROUGE oracle."""

from __future__ import annotations

import numpy as np

from bench.budget import Budget
from bench.errors import check_int
from bench.summarizers.base import PerCluster, check_dedup_threshold, cluster_seed, is_redundant
from bench.types import Cluster


class Lead(PerCluster):
    """Round-robin lead: the first sentence of every document, then the second, and so on.

    A sentence whose words are mostly (``dedup_threshold``) contained in an already chosen
    sentence is skipped, since news articles in one cluster repeat each other's leads.
    """

    def __init__(self, budget: Budget, dedup_threshold: float = 0.6, name: str = "lead") -> None:
        """Validate the redundancy threshold."""
        self.name = name
        self.method = "lead-round-robin"
        self.budget = budget
        self.dedup_threshold = check_dedup_threshold(dedup_threshold)

    def _one(self, cluster: Cluster) -> str:
        chosen: list[str] = []
        depth = max(len(d.sentences) for d in cluster.documents)
        for rank in range(depth):
            for doc in cluster.documents:
                if self.budget.full(chosen):
                    return "\n".join(chosen)
                if rank < len(doc.sentences):
                    sentence = doc.sentences[rank]
                    if not is_redundant(sentence, chosen, self.dedup_threshold):
                        chosen.append(sentence)
        return "\n".join(chosen)

    def _settings(self) -> dict[str, str]:
        return {"dedup": f"word-containment>={self.dedup_threshold}"}


class RandomSentences(PerCluster):
    """Distinct sentences drawn uniformly without replacement, seeded per cluster."""

    def __init__(self, budget: Budget, seed: int = 0, name: str = "random") -> None:
        """Keep the seed; every cluster gets its own generator derived from it."""
        check_int(seed, "seed")
        self.name = name
        self.method = "random-sentences"
        self.budget = budget
        self.seed = seed

    def _one(self, cluster: Cluster) -> str:
        pool = list(dict.fromkeys(s for d in cluster.documents for s in d.sentences))
        rng = np.random.default_rng(cluster_seed(self.seed, cluster.cluster_id))
        chosen: list[str] = []
        for i in rng.permutation(len(pool)):
            if self.budget.full(chosen):
                break
            chosen.append(pool[int(i)])
        return "\n".join(chosen)

    def _settings(self) -> dict[str, str]:
        return {"seed": str(self.seed), "rng": f"numpy-{np.__version__}-PCG64"}


class Oracle(PerCluster):
    """Greedy extractive oracle: the usual upper bound of extractive MDS papers.

    At each step it adds the sentence that most increases the mean over references of
    (ROUGE-1 F1 + ROUGE-2 F1) / 2 of the budget-cut summary, and stops when no sentence
    improves it or the budget is full (Nallapati et al., 2017; Kedzie et al., 2018).
    """

    def __init__(self, budget: Budget, use_stemmer: bool = True, name: str = "oracle") -> None:
        """The oracle reads references, so it is never a fair system: report it as a bound."""
        from bench.metrics.rouge import RougeScorer

        self.name = name
        self.method = "greedy-oracle"
        self.budget = budget
        self.scorer = RougeScorer(("rouge1", "rouge2"), use_stemmer=use_stemmer, multi_ref="mean")

    def _objective(self, sentences: list[str], refs: list[str]) -> float:
        text = self.budget.apply("\n".join(sentences)).text
        s = self.scorer.score(text, refs)
        return (s["rouge1"].fmeasure + s["rouge2"].fmeasure) / 2

    def _one(self, cluster: Cluster) -> str:
        if not cluster.references:
            raise ValueError(f"oracle needs references; cluster {cluster.cluster_id!r} has none")
        refs = [r.text for r in cluster.references]
        pool = list(dict.fromkeys(s for d in cluster.documents for s in d.sentences))
        chosen: list[str] = []
        best = 0.0
        while not self.budget.full(chosen):
            gains = [
                (self._objective([*chosen, s], refs), -i)
                for i, s in enumerate(pool)
                if s not in chosen
            ]
            if not gains:
                break
            score, neg_i = max(gains)
            if score <= best:
                break
            best = score
            chosen.append(pool[-neg_i])
        return "\n".join(chosen)

    def _settings(self) -> dict[str, str]:
        return {
            "objective": "mean_refs((rouge1_f+rouge2_f)/2)",
            "stem": str(self.scorer.use_stemmer),
        }
