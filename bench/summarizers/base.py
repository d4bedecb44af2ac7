"""The summarizer contract and helpers shared by extractive summarizers."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Protocol, runtime_checkable

from bench.budget import Budget
from bench.types import Cluster

log = logging.getLogger(__name__)

_WORD = re.compile(r"[a-z0-9]+")


@runtime_checkable
class Summarizer(Protocol):
    """Batched: a list of clusters in, one summary (one sentence per line) per cluster out."""

    name: str

    def summarize(self, clusters: Sequence[Cluster]) -> list[str]:
        """One summary per cluster, in the same order."""
        ...

    def signature(self) -> dict[str, str]:
        """Everything that determines the output."""
        ...


def cluster_seed(seed: int, cluster_id: str) -> list[int]:
    """Seed material for one cluster, so results do not depend on batch order."""
    return [seed, int(hashlib.sha256(cluster_id.encode("utf-8")).hexdigest()[:8], 16)]


@lru_cache(maxsize=1 << 16)  # the candidates of a cluster are compared again and again
def word_set(sentence: str) -> frozenset[str]:
    """Lower-cased alphanumeric words of a sentence."""
    return frozenset(_WORD.findall(sentence.lower()))


def is_redundant(candidate: str, chosen: Sequence[str], threshold: float) -> bool:
    """True when most of ``candidate``'s words already occur in one chosen sentence."""
    words = word_set(candidate)
    if not words:
        return True
    return any(len(words & word_set(s)) / len(words) >= threshold for s in chosen)


def check_dedup_threshold(value: float) -> float:
    """``value`` if it is a word-containment threshold in (0, 1], else ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 < value <= 1.0:
        raise ValueError(f"dedup_threshold must be in (0, 1], got {value!r}")
    return value


class PerCluster:
    """Shared plumbing: summarize cluster by cluster with progress, sign with the budget."""

    name: str
    method: str
    budget: Budget

    def _one(self, cluster: Cluster) -> str:
        raise NotImplementedError

    def _settings(self) -> dict[str, str]:
        return {}

    def summarize(self, clusters: Sequence[Cluster]) -> list[str]:
        """One summary per cluster, in order."""
        out = []
        step = max(1, len(clusters) // 10)
        for i, cluster in enumerate(clusters, start=1):
            out.append(self._one(cluster))
            if i % step == 0 or i == len(clusters):
                log.info("%s: %d/%d clusters summarized", self.name, i, len(clusters))
        return out

    def signature(self) -> dict[str, str]:
        """Settings that determine the output."""
        return {
            "name": self.name,
            "method": self.method,
            **self._settings(),
            "budget": self.budget.signature(),
        }
