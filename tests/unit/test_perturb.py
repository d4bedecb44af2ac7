"""Robustness perturbations."""

from __future__ import annotations

import pytest

from bench.perturb import (
    AddOffTopicDocument,
    DropOneDocument,
    DuplicateOneDocument,
    NoPerturbation,
    Perturbation,
    ShuffleDocuments,
)
from bench.types import Cluster, Document


def _cluster(cid: str, n: int) -> Cluster:
    docs = tuple(Document(f"{cid}-d{i}", "", f"S{i}.", f"S{i}.", (f"S{i}.",)) for i in range(n))
    return Cluster(cid, docs)


CLUSTERS = [_cluster("a", 5), _cluster("b", 3)]


def _ids(c: Cluster) -> list[str]:
    return [d.doc_id for d in c.documents]


def test_none_returns_the_clusters_as_loaded():
    assert NoPerturbation().apply(CLUSTERS) == CLUSTERS


def test_shuffle_permutes_documents_reproducibly():
    once = ShuffleDocuments(seed=1).apply(CLUSTERS)
    assert once == ShuffleDocuments(seed=1).apply(CLUSTERS)
    assert sorted(_ids(once[0])) == _ids(CLUSTERS[0])
    orders = {tuple(_ids(ShuffleDocuments(seed=s).apply(CLUSTERS)[0])) for s in range(10)}
    assert len(orders) > 1


def test_drop_one_removes_exactly_one_document():
    out = DropOneDocument(seed=0).apply(CLUSTERS)
    for before, after in zip(CLUSTERS, out, strict=True):
        assert len(after.documents) == len(before.documents) - 1
        assert set(_ids(after)) < set(_ids(before))


def test_duplicate_one_adds_a_marked_copy():
    out = DuplicateOneDocument(seed=0).apply(CLUSTERS)
    for before, after in zip(CLUSTERS, out, strict=True):
        dups = [d for d in after.documents if d.doc_id.endswith("~dup")]
        assert len(after.documents) == len(before.documents) + 1 and len(dups) == 1
        original = next(d for d in before.documents if d.doc_id == dups[0].doc_id[:-4])
        assert dups[0].sentences == original.sentences


def test_off_topic_takes_a_document_from_another_cluster():
    out = AddOffTopicDocument(seed=0).apply(CLUSTERS)
    intruders = [d.doc_id for d in out[0].documents if "~" in d.doc_id]
    assert len(intruders) == 1 and intruders[0].startswith("b~b-d")


def test_off_topic_with_one_cluster_keeps_it_and_records_that():
    p = AddOffTopicDocument(seed=0)
    assert p.apply(CLUSTERS[:1]) == CLUSTERS[:1]
    assert p.signature()["unchanged"] == "a"


def test_perturbations_do_not_depend_on_batch_order():
    p = DropOneDocument(seed=3)
    assert p.apply(CLUSTERS) == p.apply(CLUSTERS[::-1])[::-1]


@pytest.mark.parametrize(
    "cls", [NoPerturbation, ShuffleDocuments, DropOneDocument, DuplicateOneDocument,
            AddOffTopicDocument],
)  # fmt: skip
def test_every_perturbation_follows_the_protocol(cls):
    assert isinstance(cls(seed=0), Perturbation)
    with pytest.raises(ValueError, match="seed"):
        cls(seed=-1)


def test_off_topic_donor_does_not_depend_on_batch_order():
    clusters = [_cluster(c, 3) for c in ("a", "b", "c", "d")]
    p = AddOffTopicDocument(seed=5)
    assert p.apply(clusters) == p.apply(clusters[::-1])[::-1]
