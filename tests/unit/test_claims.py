"""Model-free fact check: micro cases, the labelled set, references and source sentences."""

from __future__ import annotations

import json

import pytest

from bench.metrics.base import Metric
from bench.metrics.consistency.claims import FactConsistency
from bench.metrics.consistency.numbers import number_key
from bench.metrics.consistency.tokens import normalize
from bench.types import Cluster, Document
from tests.conftest import ROOT

EVAL = ROOT / "data" / "fact_eval" / "mattis_pakistan_2017.jsonl"


def _doc(doc_id, *sentences):
    text = " ".join(sentences)
    return Document(doc_id, "", text, text, tuple(sentences))


TOY = Cluster(
    "toy",
    (
        _doc("d1", "CIA Director Mike Pompeo spoke in Washington on Monday.",
             "He said the US would pay $10 million to the fund.",
             'Pompeo said: "We will do everything we can."'),
        _doc("d2", "Defence Minister Khurram Dastgir met the envoy in August.",
             "The talks covered 125 out of 128 cases."),
        _doc("d3", "Defence Minister Khurram Dastagir met the envoy in September."),
    ),
)  # fmt: skip


def _issues(summary, cluster=TOY):
    metric = FactConsistency()
    out = metric.score([summary], [cluster])
    return out.scores[0]["fact_consistency"], out.details[0]["fact_issues"]


@pytest.mark.parametrize(
    "summary",
    [
        "Mike Pompeo, the CIA director, spoke in Washington on Monday.",
        "Pompeo said the U.S. would pay 10 million dollars to the fund.",
        "The United States would pay $10 million to the fund, Pompeo said.",
        "Pompeo said: “We will do everything we can.”",
        "The talks covered all but three of 128 cases.",
    ],
)
def test_supported_claims_raise_no_issue(summary):
    score, issues = _issues(summary)
    assert issues == []
    assert score == 1.0


@pytest.mark.parametrize(
    ("summary", "kind", "span"),
    [
        ("Mike Pompeo spoke in Lahore on Monday.", "entity", "Lahore"),
        (
            "Secretary of State Mike Pompeo spoke in Washington on Monday.",
            "title",
            "Secretary of State",
        ),
        ("Pompeo said the US would pay $25 million to the fund.", "number", "$25 million"),
        ("CIA Director Mike Pompeo spoke in Washington on Friday.", "date", "Friday"),
        ('Pompeo said: "We will do nothing at all."', "quote", "We will do nothing at all."),
        ("The talks covered all but thirteen of 128 cases.", "number", "all but thirteen of 128"),
    ],
)
def test_each_kind_of_planted_error_is_flagged(summary, kind, span):
    score, issues = _issues(summary)
    assert [(i["kind"], i["verdict"], i["span"]) for i in issues] == [(kind, "unsupported", span)]
    assert score == 0.0
    assert issues[0]["reason"]


def test_a_quotation_given_to_the_wrong_speaker_is_flagged():
    cluster = Cluster("c", (
        _doc("a", "Army chief John Smith met the envoy.", "The talks went well."),
        _doc("b", 'CIA Director Mike Pompeo said: "We will do everything we can."'),
    ))  # fmt: skip
    _, issues = _issues('John Smith said: "We will do everything we can."', cluster)
    assert [(i["kind"], i["span"]) for i in issues] == [("entity", "John Smith")]
    assert "pompeo" in issues[0]["reason"]


def test_a_statement_credited_to_the_wrong_source_is_flagged():
    cluster = Cluster("c", (
        _doc("a", "The army said in a statement that the border was calm and well guarded."),
        _doc("b", "The US embassy said the envoy met officials.", "The meeting was short."),
    ))  # fmt: skip
    ok = "According to an army statement, the border was calm and well guarded."
    assert _issues(ok, cluster) == (1.0, [])
    bad = "According to a US embassy statement, the border was calm and well guarded."
    _, issues = _issues(bad, cluster)
    assert [(i["kind"], i["span"]) for i in issues] == [
        ("entity", "According to a US embassy statement")
    ]


def test_facts_the_articles_disagree_on_are_disputed_with_both_sides():
    score, issues = _issues("Defence Minister Khurram Dastgir met the envoy in August.")
    verdicts = {(i["kind"], i["verdict"]) for i in issues}
    assert verdicts == {("entity", "disputed"), ("date", "disputed")}
    month = next(i for i in issues if i["kind"] == "date")
    assert {d["doc_id"] for d in month["documents"]} == {"d2", "d3"}
    name = next(i for i in issues if i["kind"] == "entity")
    assert {d["doc_id"] for d in name["documents"]} == {"d2", "d3"}
    assert score == 1.0  # disputed facts are reported, not held against the summary


def test_empty_summary_scores_one_and_sentences_are_counted():
    assert _issues("") == (1.0, [])
    score, _ = _issues("Mike Pompeo spoke in Washington on Monday.\nPompeo spoke in Lahore.")
    assert score == 0.5


def test_missing_documents_are_an_error():
    with pytest.raises(ValueError, match="needs the documents"):
        FactConsistency().score(["Text."], [Cluster("empty", ())])


@pytest.mark.parametrize(
    ("text", "key"),
    [("$10 million", (1e7, "dollar")), ("10 million dollars", (1e7, "dollar")),
     ("ten-month", (10.0, "month")), ("five-day", (5.0, "day")), ("128", (128.0, ""))],
)  # fmt: skip
def test_number_keys_normalise_amounts_and_units(text, key):
    assert number_key(text) == key


def test_normalisation_aliases():
    assert normalize("U.S. Defense Secretary Jim Mattis's visit") == normalize(
        "US Defence Secretary James Mattis visit"
    )
    assert normalize("“the United States”") == ["the", "us"]


def test_metric_protocol_and_signature():
    metric = FactConsistency()
    assert isinstance(metric, Metric)
    assert metric.signature()["name"] == "fact-claims"
    with pytest.raises(ValueError, match="bind_ratio"):
        FactConsistency(bind_ratio=0)


def test_scores_do_not_depend_on_batch_order(cluster):
    summaries = [r.text for r in cluster.references] + ["Mattis spoke in Lahore."]
    metric = FactConsistency()
    forward = metric.score(summaries, [cluster] * len(summaries))
    backward = metric.score(summaries[::-1], [cluster] * len(summaries))
    assert forward.scores == backward.scores[::-1]
    assert forward.details == backward.details[::-1]


def test_hand_written_references_have_no_issues(cluster):
    metric = FactConsistency()
    refs = [r.text for r in cluster.references]
    out = metric.score(refs, [cluster] * len(refs))
    assert out.scores == [{"fact_consistency": 1.0}] * len(refs)
    assert all(d["fact_issues"] == [] for d in out.details)


def test_no_sentence_of_the_articles_is_flagged_against_its_own_cluster(cluster):
    sentences = [s for d in cluster.documents for s in d.sentences]
    metric = FactConsistency()
    details = metric.score(sentences, [cluster] * len(sentences)).details
    failing = [
        (s, i["span"])
        for s, d in zip(sentences, details, strict=True)
        for i in d["fact_issues"]
        if i["verdict"] != "disputed"
    ]
    assert failing == []


def test_labelled_set_recall_and_false_alarms(cluster):
    rows = [json.loads(line) for line in EVAL.read_text(encoding="utf-8").splitlines()]
    metric = FactConsistency()
    out = metric.score([r["summary"] for r in rows], [cluster] * len(rows))
    caught: dict[str, list[bool]] = {}
    alarms = []
    for row, details in zip(rows, out.details, strict=True):
        issues = details["fact_issues"]
        if row["label"] == "faithful":
            alarms.append(bool(issues))
        elif row["label"] == "disputed":
            caught.setdefault("disputed", []).append(
                any(i["verdict"] == "disputed" for i in issues)
            )
        else:
            caught.setdefault(row["kind"], []).append(
                any(i["verdict"] != "disputed" for i in issues)
            )
    recall = {k: sum(v) / len(v) for k, v in caught.items()}
    for kind in ("entity", "title", "number", "date", "quote"):
        assert recall[kind] >= 0.8, (kind, recall)
    assert sum(alarms) / len(alarms) <= 0.1
    assert recall["disputed"] >= 0.75


def test_each_copy_of_a_repeated_failing_sentence_counts():
    score, issues = _issues("Mike Pompeo spoke in Lahore. Mike Pompeo spoke in Lahore.")
    assert score == 0.0
    assert [i["sentence_index"] for i in issues] == [0, 1]


@pytest.mark.parametrize(
    "summary",
    [
        "Pompeo may pay $10 million to the fund.",  # "may" is not the month
    ],
)
def test_words_that_only_look_like_claims_are_not_flagged(summary):
    _, issues = _issues(summary)
    assert [i for i in issues if i["verdict"] != "disputed"] == []


def test_one_document_giving_two_months_for_two_events_is_no_dispute():
    cluster = Cluster("c", (
        _doc("a", "Mattis visited Pakistan in December.", "Tillerson went there in October."),
        _doc("b", "Mattis arrived in Pakistan in December."),
    ))  # fmt: skip
    assert _issues("Mattis visited Pakistan in December.", cluster) == (1.0, [])


def test_a_sentence_starting_with_a_number_word_is_checked_as_a_number():
    cluster = Cluster("c", (_doc("a", "Officials said 3 soldiers died in the attack."),))
    assert _issues("Three soldiers died in the attack.", cluster) == (1.0, [])
    _, issues = _issues("Four soldiers died in the attack.", cluster)
    assert [(i["kind"], i["span"]) for i in issues] == [("number", "Four soldiers")]


def test_spans_are_text_of_the_sentence():
    summary = "Secretary of State Mike Pompeo said: “We will do nothing at all.”"
    _, issues = _issues(summary)
    assert issues and all(i["span"] in summary for i in issues)


def test_one_index_per_cluster_content_kept_for_the_process_within_its_budget(cluster, monkeypatch):
    import dataclasses

    from bench.memo import Memo
    from bench.metrics.consistency import sources

    built: list[tuple[str, ...]] = []

    class Counting(sources.Sources):
        def __init__(self, documents):
            super().__init__(documents)
            built.append(tuple(d.doc_id for d in documents))

    monkeypatch.setattr(sources, "Sources", Counting)
    # room for about two of these clusters' indexes
    size = sum(len(s) for d in cluster.documents for s in d.sentences)
    monkeypatch.setattr(sources, "_INDEXES", Memo("test", 2 * size + 1))
    others = [
        dataclasses.replace(
            cluster,
            cluster_id=f"c{i}",
            documents=tuple(
                dataclasses.replace(d, doc_id=f"c{i}{d.doc_id}") for d in cluster.documents
            ),
        )
        for i in range(4)
    ]
    summaries = [d.sentences[0] for d in cluster.documents[:4]]
    # Two summaries of cluster c0, far apart; then c1..c3.
    batch = [others[0], others[1], others[2], others[0], others[3]]
    texts = [summaries[0], summaries[1], summaries[2], summaries[3], summaries[0]]
    metric = FactConsistency()
    out = metric.score(texts, batch)
    assert len(built) == 4  # c0 indexed once for both of its summaries
    # a second job of the process: c0 and c1 are kept, c2 and c3 did not fit and are rebuilt
    again = FactConsistency()
    assert again.score(texts, batch) == out  # the same scores and details
    assert [ids[0][:2] for ids in built[4:]] == ["c2", "c3"]
    # the same content under the same ids is the same index, whatever the cluster object
    copy = dataclasses.replace(others[1], documents=tuple(list(others[1].documents)))
    FactConsistency().score([summaries[0]], [copy])
    assert len(built) == 6
    for i, (text, member) in enumerate(zip(texts, batch, strict=True)):
        single = FactConsistency().score([text], [member])
        assert single.scores == [out.scores[i]]
        assert single.details == [out.details[i]]


# A cluster written for these tests, outside the labelled set's vocabulary.
FRESH = Cluster(
    "fresh",
    (
        _doc("a1", "A bomb exploded at a market in Peshawar on Tuesday.",
             "The death toll rose to 14 on Wednesday, police said.",
             "President Donald Trump condemned the attack in a statement from Washington."),
        _doc("a2", "Foreign Minister Ishaq Dar met Chinese envoy Jiang Zaidong in Islamabad.",
             "They discussed security for Chinese workers."),
    ),
)  # fmt: skip


@pytest.mark.parametrize(
    "summary",
    [
        "The bomb at a market in Peshawar killed 14 people.",
        "the bomb at a market in peshawar killed 14 people .",
        "Ishaq Dar met the Chinese envoy in Islamabad.",
        "ishaq dar met the chinese envoy in islamabad .",
    ],
)
def test_a_number_is_supported_when_its_head_or_event_agrees(summary):
    assert _issues(summary, FRESH) == (1.0, [])


@pytest.mark.parametrize(
    ("summary", "span"),
    [
        ("Ishaq Dar met President Donald Trump in Islamabad.", "Donald Trump"),
        ("ishaq dar met president donald trump in islamabad .", "donald trump"),
    ],
)
def test_a_meeting_no_article_states_is_flagged(summary, span):
    score, issues = _issues(summary, FRESH)
    assert score == 0.0
    assert [(i["kind"], i["verdict"], i["span"]) for i in issues] == [
        ("entity", "unsupported", span)
    ]


@pytest.mark.parametrize(
    ("summary", "span"),
    [
        ("The bomb at a market in Peshawar injured 14 people.", "14 people"),
        ("The bomb at a market in Peshawar killed 15 people.", "15 people"),
    ],
)
def test_a_number_under_another_head_or_absent_is_flagged(summary, span):
    score, issues = _issues(summary, FRESH)
    assert [(i["kind"], i["span"]) for i in issues] == [("number", span)]


def test_names_of_a_lower_cased_summary_are_checked():
    score, issues = _issues("police said the bomb was planted by ahmed karimzai .", FRESH)
    assert [(i["kind"], i["span"]) for i in issues] == [("entity", "ahmed karimzai")]
    assert score == 0.0


def test_unknown_word_placeholders_are_flagged_not_taken_for_names():
    _, issues = _issues("a bomb exploded at a market in UNK on tuesday .", FRESH)
    assert [(i["kind"], i["span"]) for i in issues] == [("entity", "UNK")]
    assert "placeholder" in issues[0]["reason"]


def test_a_sentence_spliced_from_unrelated_statements_fails_coverage():
    summary = "Chinese workers condemned the market security statement from Washington."
    assert _issues(summary, FRESH)[1] == []  # off at the default threshold
    metric = FactConsistency(min_coverage=0.9)
    out = metric.score([summary], [FRESH])
    (score,) = out.scores
    (issue,) = out.details[0]["fact_issues"]
    assert (issue["kind"], issue["verdict"], score["fact_consistency"]) == (
        "content",
        "unsupported",
        0.0,
    )
    assert issue["documents"]  # the best article sentence is shown


@pytest.mark.parametrize("bad", [-0.1, 1.5, True])
def test_min_coverage_out_of_range_is_an_error(bad):
    with pytest.raises(ValueError, match="min_coverage"):
        FactConsistency(min_coverage=bad)


@pytest.mark.parametrize(
    "module",
    sorted((ROOT / "bench" / "metrics" / "consistency").glob("*.py")),
    ids=lambda p: p.name,
)
def test_no_code_names_the_labelled_cluster(module):
    source = module.read_text(encoding="utf-8").lower()
    for word in ("pakistan", "afghanistan", "dawn", "tribune", "taliban", "islamabad", "mattis",
                 "pompeo", "bajwa", "abbasi"):  # fmt: skip
        assert word not in source, word
