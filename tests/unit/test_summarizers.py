"""Model-free summarizers: lead, random, oracle."""

from __future__ import annotations

import pytest

from bench.budget import Budget
from bench.metrics.rouge import RougeScorer
from bench.summarizers.base import Summarizer
from bench.summarizers.extractive import Lead, Oracle, RandomSentences
from bench.types import Cluster, Document


def _doc(doc_id: str, *sentences: str) -> Document:
    text = "\n".join(sentences)
    return Document(doc_id, "", text, text, tuple(sentences))


CLUSTER = Cluster(
    "toy",
    (
        _doc("d1", "Alpha one starts here.", "Alpha two follows it.", "Alpha three ends it."),
        _doc("d2", "Beta one is different.", "Alpha one starts here again."),
        _doc("d3", "Gamma one closes.",),
    ),
)  # fmt: skip


def test_lead_is_round_robin_and_skips_near_duplicates():
    out = Lead(Budget("sentences", 10)).summarize([CLUSTER])[0].split("\n")
    assert out == [
        "Alpha one starts here.",
        "Beta one is different.",
        "Gamma one closes.",
        "Alpha two follows it.",
        # "Alpha one starts here again." repeats the first sentence: skipped
        "Alpha three ends it.",
    ]


def test_lead_stops_when_budget_is_full():
    out = Lead(Budget("words", 6)).summarize([CLUSTER])[0]
    assert out.split("\n") == ["Alpha one starts here.", "Beta one is different."]


def test_lead_threshold_is_validated():
    with pytest.raises(ValueError, match="dedup_threshold"):
        Lead(Budget(), dedup_threshold=0.0)


def test_random_is_seeded_and_independent_of_batch_order():
    other = Cluster("other", CLUSTER.documents[::-1])
    a = RandomSentences(Budget("sentences", 3), seed=5)
    assert a.summarize([CLUSTER, other]) == a.summarize([CLUSTER, other])
    assert a.summarize([CLUSTER, other]) == a.summarize([other, CLUSTER])[::-1]
    outputs = {RandomSentences(Budget("sentences", 3), seed=s).summarize([CLUSTER])[0]
               for s in range(10)}  # fmt: skip
    assert len(outputs) > 1


def _objective(summary: str, refs: list[str]) -> float:
    s = RougeScorer(("rouge1", "rouge2"), multi_ref="mean").score(summary, refs)
    return (s["rouge1"].fmeasure + s["rouge2"].fmeasure) / 2


def test_oracle_beats_lead_and_random_on_its_objective(cluster):
    budget = Budget("words", 100)
    refs = [r.text for r in cluster.references]
    scores = {}
    for summarizer in (Lead(budget), RandomSentences(budget, seed=0), Oracle(budget)):
        (summary,) = summarizer.summarize([cluster])
        cut = budget.apply(summary)
        assert cut.n_words <= 100
        scores[summarizer.name] = _objective(cut.text, refs)
    assert scores["oracle"] > scores["lead"]
    assert scores["oracle"] > scores["random"]


def test_oracle_only_selects_source_sentences(cluster):
    (summary,) = Oracle(Budget("words", 100)).summarize([cluster])
    sentences = {s for d in cluster.documents for s in d.sentences}
    lines = summary.split("\n")
    assert all(line in sentences for line in lines)
    assert len(set(lines)) == len(lines)


def test_oracle_needs_references():
    with pytest.raises(ValueError, match="needs references"):
        Oracle(Budget()).summarize([CLUSTER])


@pytest.mark.parametrize("factory", [Lead, RandomSentences, Oracle])
def test_summarizers_follow_the_protocol_and_sign_their_budget(factory):
    summarizer = factory(Budget("words", 50))
    assert isinstance(summarizer, Summarizer)
    assert summarizer.signature()["budget"] == "words=50"


def test_random_never_picks_the_same_sentence_twice():
    doubled = Cluster("dup", (_doc("a", "Same sentence here.", "Other one."),
                              _doc("b", "Same sentence here.")))  # fmt: skip
    for seed in range(20):
        out = RandomSentences(Budget("sentences", 5), seed=seed).summarize([doubled])[0]
        assert sorted(out.split("\n")) == ["Other one.", "Same sentence here."]


def test_random_rejects_a_negative_seed():
    with pytest.raises(ValueError, match="seed must be an integer >= 0"):
        RandomSentences(Budget(), seed=-1)
