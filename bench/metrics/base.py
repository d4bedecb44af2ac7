"""The metric contract."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

from bench.types import Cluster


@runtime_checkable
class Metric(Protocol):
    """Batched: every summary with its cluster in, one dict of named values per cluster out.

    Keys are ``<metric>_<variant>`` and stable. Aggregation and intervals live in
    :mod:`bench.results.aggregate`, not here. A metric that compares against references sets
    ``needs_references = True``; with a single cluster, the runner then rescores against each
    reference alone and with each left out (per-reference scores, jackknife interval).
    """

    name: str
    higher_is_better: Mapping[str, bool]

    def score(
        self, summaries: Sequence[str], clusters: Sequence[Cluster]
    ) -> list[dict[str, float]]:
        """One dict of values per cluster, in order."""
        ...

    def signature(self) -> dict[str, str]:
        """Everything that determines the values."""
        ...
