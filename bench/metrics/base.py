"""The metric contract."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

from bench.types import Cluster


@runtime_checkable
class Metric(Protocol):
    """Batched: every summary with its cluster in, one dict of named values per cluster out.

    Keys are ``<metric>_<variant>`` and stable. Aggregation and intervals live in
    :mod:`bench.results.aggregate`, not here. Metrics that compare against references may also
    offer ``reference_jackknife`` (leave-one-reference-out values) for single-cluster intervals.
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
