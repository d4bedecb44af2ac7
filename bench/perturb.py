"""Robustness perturbations of clusters, applied after loading and before summarizing.

Each is a sweep axis (``perturb=none,shuffle,drop_one,duplicate_one,off_topic``), seeded per
cluster so that results do not depend on batch order, and recorded in ``run.json``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol, runtime_checkable

import numpy as np

from bench.errors import check_int
from bench.summarizers.base import cluster_seed
from bench.types import Cluster, Document

log = logging.getLogger(__name__)


@runtime_checkable
class Perturbation(Protocol):
    """Turns clusters into perturbed clusters."""

    name: str

    def apply(self, clusters: Sequence[Cluster]) -> list[Cluster]:
        """Perturbed copies, same order."""
        ...

    def signature(self) -> dict[str, str]:
        """What was done."""
        ...


class _Seeded:
    name = "none"

    def __init__(self, seed: int = 0) -> None:
        self.seed = check_int(seed, "seed")
        self.unchanged: list[str] = []

    def _rng(self, cluster: Cluster) -> np.random.Generator:
        return np.random.default_rng(cluster_seed(self.seed, f"{self.name}:{cluster.cluster_id}"))

    def _one(self, cluster: Cluster, others: Sequence[Cluster]) -> Cluster:
        raise NotImplementedError

    def apply(self, clusters: Sequence[Cluster]) -> list[Cluster]:
        """Perturb every cluster; those that cannot be perturbed are kept and recorded."""
        self.unchanged = []
        out = []
        ordered = sorted(clusters, key=lambda o: o.cluster_id)
        for c in clusters:
            new = self._one(c, ordered)
            if new is c:
                self.unchanged.append(c.cluster_id)
            out.append(new)
        if self.unchanged:
            log.warning("perturb=%s left %d cluster(s) unchanged: %s", self.name,
                        len(self.unchanged), ", ".join(self.unchanged))  # fmt: skip
        return out

    def signature(self) -> dict[str, str]:
        """Name, seed, and which clusters could not be perturbed."""
        return {
            "name": self.name,
            "seed": str(self.seed),
            "unchanged": ",".join(self.unchanged) or "none",
        }


class NoPerturbation(_Seeded):
    """The clusters as loaded."""

    name = "none"

    def _one(self, cluster: Cluster, others: Sequence[Cluster]) -> Cluster:
        return cluster

    def apply(self, clusters: Sequence[Cluster]) -> list[Cluster]:
        """Return the clusters unchanged."""
        return list(clusters)

    def signature(self) -> dict[str, str]:
        """Just the name."""
        return {"name": self.name}


class ShuffleDocuments(_Seeded):
    """Document order permuted (seeded); lead-style systems are sensitive to it."""

    name = "shuffle"

    def _one(self, cluster: Cluster, others: Sequence[Cluster]) -> Cluster:
        if len(cluster.documents) < 2:
            return cluster
        order = self._rng(cluster).permutation(len(cluster.documents))
        return replace(cluster, documents=tuple(cluster.documents[int(i)] for i in order))


class DropOneDocument(_Seeded):
    """One document (seeded choice) removed; clusters of one document are kept."""

    name = "drop_one"

    def _one(self, cluster: Cluster, others: Sequence[Cluster]) -> Cluster:
        if len(cluster.documents) < 2:
            return cluster
        k = int(self._rng(cluster).integers(len(cluster.documents)))
        return replace(cluster, documents=cluster.documents[:k] + cluster.documents[k + 1 :])


class DuplicateOneDocument(_Seeded):
    """One document (seeded choice) repeated at a seeded position, as scraped clusters often are."""

    name = "duplicate_one"

    def _one(self, cluster: Cluster, others: Sequence[Cluster]) -> Cluster:
        rng = self._rng(cluster)
        doc = cluster.documents[int(rng.integers(len(cluster.documents)))]
        copy = replace(doc, doc_id=f"{doc.doc_id}~dup")
        pos = int(rng.integers(len(cluster.documents) + 1))
        docs = cluster.documents[:pos] + (copy,) + cluster.documents[pos:]
        return replace(cluster, documents=docs)


class AddOffTopicDocument(_Seeded):
    """A document from another cluster (seeded) inserted at a seeded position.

    With a single cluster there is no other cluster to draw from: it is kept unchanged and the
    run records that in the perturbation signature.
    """

    name = "off_topic"

    def _one(self, cluster: Cluster, others: Sequence[Cluster]) -> Cluster:
        # ``others`` holds every cluster, sorted by id; draw among those that are not this one
        n_others = len(others) - 1
        if n_others < 1:
            return cluster
        rng = self._rng(cluster)
        k = int(rng.integers(n_others))
        own = next(i for i, o in enumerate(others) if o.cluster_id == cluster.cluster_id)
        donor = others[k + (k >= own)]
        doc: Document = donor.documents[int(rng.integers(len(donor.documents)))]
        intruder = replace(doc, doc_id=f"{donor.cluster_id}~{doc.doc_id}")
        pos = int(rng.integers(len(cluster.documents) + 1))
        docs = cluster.documents[:pos] + (intruder,) + cluster.documents[pos:]
        return replace(cluster, documents=docs)
