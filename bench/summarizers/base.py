"""The summarizer contract and helpers shared by extractive summarizers."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from bench.types import Cluster

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


def word_set(sentence: str) -> frozenset[str]:
    """Lower-cased alphanumeric words of a sentence."""
    return frozenset(_WORD.findall(sentence.lower()))


def is_redundant(candidate: str, chosen: Sequence[str], threshold: float) -> bool:
    """True when most of ``candidate``'s words already occur in one chosen sentence."""
    words = word_set(candidate)
    if not words:
        return True
    return any(len(words & word_set(s)) / len(words) >= threshold for s in chosen)
