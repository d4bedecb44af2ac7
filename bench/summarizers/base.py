"""The summarizer contract and helpers shared by extractive summarizers."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from bench import __version__
from bench.budget import Budget
from bench.progress import Progress
from bench.types import Cluster

if TYPE_CHECKING:
    from bench.summarizers.cache import GenerationCache

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


@runtime_checkable
class ReportsInput(Protocol):
    """A summarizer that records what its model input kept of each document (packing)."""

    input_report: dict[str, dict[str, Any]]  # cluster id -> report of its last summarize()


@runtime_checkable
class CachesGenerations(Protocol):
    """A summarizer with a generation cache; ``bench-run`` reports its hits and misses."""

    cache: GenerationCache


@runtime_checkable
class ReportsUsage(Protocol):
    """A summarizer behind a served model; ``bench-run`` records what it reported and cost."""

    usage: dict[str, dict[str, Any]]  # cluster id -> tokens, model id, latency of the answer
    request_totals: dict[str, Any]  # what the last summarize() sent: requests, tokens, cost


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
        with Progress(len(clusters), f"{self.name}: summarizing") as progress:
            for cluster in clusters:
                out.append(self._one(cluster))
                progress.update()
        return out

    def signature(self) -> dict[str, str]:
        """Settings that determine the output."""
        return {
            "name": self.name,
            "impl": f"mdsbench-{__version__}",
            "method": self.method,
            **self._settings(),
            "budget": self.budget.signature(),
        }
