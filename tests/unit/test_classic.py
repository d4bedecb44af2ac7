"""Classic extractive summarizers: LexRank, TextRank, Centroid, MMR, SumBasic."""

from __future__ import annotations

import math
from importlib.metadata import version

import numpy as np
import pytest

from bench.budget import Budget
from bench.summarizers.base import Summarizer
from bench.summarizers.classic import (
    MMR,
    Centroid,
    LexRank,
    SumBasic,
    TextRank,
    overlap_similarity,
)
from bench.types import Cluster, Document
from tests.conftest import check_extractive


def _doc(doc_id: str, *sentences: str) -> Document:
    text = "\n".join(sentences)
    return Document(doc_id, "", text, text, tuple(sentences))


FACTORIES = {
    "lexrank": lambda b: LexRank(b),
    "lexrank_threshold": lambda b: LexRank(b, threshold=0.1),
    "textrank": lambda b: TextRank(b),
    "centroid": lambda b: Centroid(b),
    "centroid_position": lambda b: Centroid(b, position_weight=1.0),
    "mmr": lambda b: MMR(b),
    "sumbasic": lambda b: SumBasic(b),
}
BUDGETS = {"words100": Budget("words", 100), "sentences3": Budget("sentences", 3)}


@pytest.mark.parametrize("budget_name", BUDGETS)
@pytest.mark.parametrize("method", FACTORIES)
def test_summaries_of_the_embedded_cluster_respect_the_budget(cluster, method, budget_name):
    budget = BUDGETS[budget_name]
    (summary,) = FACTORIES[method](budget).summarize([cluster])
    check_extractive(summary, cluster, budget)
    cut = budget.apply(summary)
    assert cut.n_words <= 100 if budget.unit == "words" else cut.n_sentences == 3


@pytest.mark.parametrize("method", FACTORIES)
def test_summaries_are_deterministic_and_independent_of_batch_order(cluster, method):
    other = Cluster("reversed", cluster.documents[::-1])
    summarizer = FACTORIES[method](Budget("words", 100))
    forward = summarizer.summarize([cluster, other])
    assert forward == summarizer.summarize([cluster, other])
    assert forward == summarizer.summarize([other, cluster])[::-1]
    assert forward[0] == FACTORIES[method](Budget("words", 100)).summarize([cluster])[0]


@pytest.mark.parametrize("method", FACTORIES)
def test_summarizers_follow_the_protocol_and_sign_budget_and_versions(method):
    summarizer = FACTORIES[method](Budget("words", 50))
    assert isinstance(summarizer, Summarizer)
    signature = summarizer.signature()
    assert signature["budget"] == "words=50"
    assert signature["sklearn"] == version("scikit-learn")
    assert signature["dedup"] == "exact+word-containment>=0.6"
    if method.startswith(("lexrank", "textrank")):
        assert signature["pagerank"].startswith("power-iteration,")
        assert signature["damping"] == "0.85"


@pytest.mark.parametrize(
    ("summarizer", "key", "value"),
    [
        (LexRank(Budget(), threshold=0.2), "threshold", "0.2"),
        (LexRank(Budget(), damping=0.5), "damping", "0.5"),
        (TextRank(Budget(), damping=0.6), "damping", "0.6"),
        (Centroid(Budget(), position_weight=2), "position_weight", "2.0"),
        (MMR(Budget(), lambda_=0.25), "lambda", "0.25"),
        (SumBasic(Budget(), dedup_threshold=0.9), "dedup", "exact+word-containment>=0.9"),
        (SumBasic(Budget(), stop_words=False), "tokens", r"lower,(?u)\b\w\w+\b,stop=none"),
    ],
)
def test_signature_records_every_setting(summarizer, key, value):
    assert summarizer.signature()[key] == value


def test_lexrank_methods_are_named_by_variant():
    assert LexRank(Budget()).signature()["method"] == "lexrank-continuous"
    assert LexRank(Budget(), threshold=0.1).signature()["method"] == "lexrank-threshold"


REPEATS = Cluster(
    "repeats",
    (
        _doc("a", "Same wire sentence about the storm.", "Local detail one."),
        _doc("b", "Same wire sentence about the storm.", "Local detail two here."),
        _doc("c", "Same wire sentence about the storm.", "Another local angle."),
    ),
)


@pytest.mark.parametrize("method", FACTORIES)
def test_a_sentence_repeated_across_documents_is_chosen_at_most_once(method):
    (summary,) = FACTORIES[method](Budget("sentences", 10)).summarize([REPEATS])
    lines = summary.split("\n")
    assert lines.count("Same wire sentence about the storm.") <= 1
    assert len(set(lines)) == len(lines)


@pytest.mark.parametrize("method", FACTORIES)
def test_empty_and_single_sentence_clusters(method):
    summarizer = FACTORIES[method](Budget("words", 100))
    empty = Cluster("empty", (_doc("a"),))
    single = Cluster("single", (_doc("a", "Only one sentence here."),))
    assert summarizer.summarize([empty, single]) == ["", "Only one sentence here."]


def test_clusters_of_stop_words_only_do_not_crash():
    stop = Cluster("stop", (_doc("a", "It is what it is.", "And so on."),))
    for factory in FACTORIES.values():
        assert isinstance(factory(Budget("words", 100)).summarize([stop])[0], str)


# Hand-checkable micro cases.

HUB = Cluster(
    "hub",
    (
        _doc("a", "Zebras graze quietly.", "Apples and cherries ripen."),
        _doc("b", "Apples and bananas ripen.", "Bananas and dates ripen."),
    ),
)
# TF-IDF cosines: s1-s2 = s2-s3 = 0.56, s1-s3 = 0.20, s0 shares no word with anything.


@pytest.mark.parametrize(
    ("threshold", "first_two"),
    [
        # 0.3 keeps s1-s2 and s2-s3: s2 is the hub, then s1 by position (s1 and s3 tie)
        (0.3, ["Apples and bananas ripen.", "Apples and cherries ripen."]),
        # 0.1 also keeps s1-s3: a triangle, all tied, so position decides
        (0.1, ["Apples and cherries ripen.", "Apples and bananas ripen."]),
        # 0.99 keeps no edge: every score is 1/4 and the order is the documents' order
        (0.99, ["Zebras graze quietly.", "Apples and cherries ripen."]),
    ],
)
def test_thresholded_lexrank_ranks_by_degree_then_position(threshold, first_two):
    summarizer = LexRank(Budget("sentences", 2), threshold=threshold, dedup_threshold=1.0)
    assert summarizer.summarize([HUB])[0].split("\n") == first_two


def test_thresholded_lexrank_scores_on_the_hub_graph():
    sentences = [s for d in HUB.documents for s in d.sentences]
    scores = LexRank(Budget(), threshold=0.3).scores(sentences)
    assert scores.sum() == pytest.approx(1.0)
    assert scores[1] == pytest.approx(scores[3])
    assert scores[2] > scores[1] > scores[0]
    no_edges = LexRank(Budget(), threshold=0.99).scores(sentences)
    assert no_edges == pytest.approx([0.25] * 4)


def test_continuous_lexrank_puts_the_isolated_sentence_last():
    sentences = [s for d in HUB.documents for s in d.sentences]
    scores = LexRank(Budget()).scores(sentences)
    assert int(np.argmax(scores)) == 2
    assert int(np.argmin(scores)) == 0


def test_textrank_similarity_is_overlap_over_summed_log_lengths():
    # tokens after stop words: {cat, sat, mat}, {cat, ate, rat, food}, {mat}
    sim = overlap_similarity(["The cat sat on the mat.", "A cat ate the rat food.", "Mat."], True)
    expected = [
        [0.0, 1 / (math.log(3) + math.log(4)), 1 / math.log(3)],
        [1 / (math.log(3) + math.log(4)), 0.0, 0.0],
        [1 / math.log(3), 0.0, 0.0],
    ]
    assert sim == pytest.approx(np.array(expected))


def test_textrank_similarity_of_two_one_word_sentences_is_zero_not_infinite():
    assert overlap_similarity(["Yes.", "Yes!"], True) == pytest.approx(np.zeros((2, 2)))


def test_sumbasic_starts_with_the_most_frequent_words_then_squares_them():
    cluster = Cluster(
        "sumbasic",
        (
            _doc("a", "Rain falls on the town.", "Rain and wind hit the town.", "A dog barked."),
            _doc("b", "Town rain.", "Cats sleep."),
        ),
    )
    # p(rain) = p(town) = 3/14: "Town rain." averages 3/14, the best. After squaring those
    # two, the single-count words are the most probable and two-word sentences of them win,
    # earlier position first.
    (summary,) = SumBasic(Budget("sentences", 3)).summarize([cluster])
    assert summary.split("\n") == ["Town rain.", "A dog barked.", "Cats sleep."]


REDUNDANT = Cluster(
    "redundant",
    (
        _doc("a", "Storm floods city streets today.", "Mayor visits shelters."),
        _doc("b", "Storm floods city streets tonight.", "Storm damages city power lines."),
    ),
)


def test_mmr_with_lambda_one_is_pure_centroid_ranking(cluster):
    for budget in BUDGETS.values():
        assert MMR(budget, lambda_=1.0).summarize([cluster]) == Centroid(budget).summarize(
            [cluster]
        )
    pair = Budget("sentences", 2)
    assert MMR(pair, lambda_=1.0, dedup_threshold=1.0).summarize([REDUNDANT])[0].split("\n") == [
        "Storm floods city streets today.",
        "Storm floods city streets tonight.",
    ]


@pytest.mark.parametrize(
    ("lambda_", "second"),
    [
        (1.0, "Storm floods city streets tonight."),  # near-copy of the first: most relevant
        (0.7, "Storm damages city power lines."),  # related but new
        (0.3, "Mayor visits shelters."),  # shares nothing with the first
    ],
)
def test_mmr_penalises_redundancy_more_as_lambda_falls(lambda_, second):
    summarizer = MMR(Budget("sentences", 2), lambda_=lambda_, dedup_threshold=1.0)
    lines = summarizer.summarize([REDUNDANT])[0].split("\n")
    assert lines == ["Storm floods city streets today.", second]


def test_redundancy_filter_skips_sentences_mostly_contained_in_a_chosen_one():
    # "tonight" differs from "today": 4 of 5 words are contained, 0.8 >= 0.6
    (summary,) = Centroid(Budget("sentences", 2), dedup_threshold=0.6).summarize([REDUNDANT])
    assert "Storm floods city streets tonight." not in summary.split("\n")


def test_centroid_position_weight_promotes_leading_sentences(cluster):
    budget = Budget("sentences", 3)
    leads = {d.sentences[0] for d in cluster.documents}
    plain = Centroid(budget).summarize([cluster])[0].split("\n")
    positional = Centroid(budget, position_weight=5.0).summarize([cluster])[0].split("\n")
    assert sum(s in leads for s in positional) > sum(s in leads for s in plain)
    assert all(s in leads for s in positional)


@pytest.mark.parametrize(
    ("factory", "match"),
    [
        (lambda: LexRank(Budget(), threshold=1.0), r"threshold must be a number in \[0, 1\)"),
        (lambda: LexRank(Budget(), threshold=-0.1), "threshold"),
        (lambda: LexRank(Budget(), damping=1.0), r"damping must be a number in \(0, 1\)"),
        (lambda: LexRank(Budget(), damping=0), "damping"),
        (lambda: TextRank(Budget(), damping=1.5), "damping.*got 1.5"),
        (lambda: MMR(Budget(), lambda_=1.2), r"lambda_ must be a number in \[0, 1\], got 1.2"),
        (lambda: MMR(Budget(), lambda_="high"), "lambda_.*'high'"),
        (lambda: MMR(Budget(), lambda_=True), "lambda_"),
        (lambda: Centroid(Budget(), position_weight=-1), "position_weight"),
        (lambda: Centroid(Budget(), position_weight=math.inf), r"position_weight.*\[0, inf\)"),
        (lambda: SumBasic(Budget(), dedup_threshold=0.0), r"dedup_threshold must be in \(0, 1\]"),
        (lambda: SumBasic(Budget(), stop_words="english"), "stop_words"),
    ],
)
def test_invalid_options_raise_value_error_naming_the_value(factory, match):
    with pytest.raises(ValueError, match=match):
        factory()


def test_the_model_free_baselines_do_not_import_sklearn_or_networkx():
    import subprocess
    import sys

    code = (
        "import sys, bench.summarizers.extractive, bench.summarizers.base\n"
        "print(','.join(m for m in ('sklearn', 'networkx', 'torch') if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ""


@pytest.mark.parametrize("damping", [0.85, 0.5])
@pytest.mark.parametrize("shape", ["dense", "thresholded", "dangling", "single"])
def test_pagerank_matches_networkx(shape, damping):
    nx = pytest.importorskip("networkx")
    import numpy as np

    from bench.summarizers.classic import pagerank_scores

    rng = np.random.default_rng(7)
    n = 1 if shape == "single" else 40
    weights = rng.random((n, n))
    weights = (weights + weights.T) / 2
    if shape == "thresholded":
        weights = (weights > 0.7).astype(float)
    if shape == "dangling":
        weights[[3, 17]] = 0.0  # rows without edges: their mass is spread uniformly
        weights[:, 5] = 0.0
    np.fill_diagonal(weights, 0.0)
    ours = pagerank_scores(weights, damping)
    graph = nx.from_numpy_array(weights, create_using=nx.DiGraph)
    theirs = nx.pagerank(graph, alpha=damping, weight="weight", tol=1e-12, max_iter=1000)
    assert np.allclose(ours, [theirs[i] for i in range(n)], rtol=0, atol=1e-10)
    assert ours.sum() == pytest.approx(1.0)
    if shape != "single":
        assert list(np.argsort(-ours, kind="stable")) == sorted(range(n), key=lambda i: -theirs[i])


def test_pagerank_of_an_empty_graph_is_empty():
    import numpy as np

    from bench.summarizers.classic import pagerank_scores

    assert pagerank_scores(np.zeros((0, 0)), 0.85).shape == (0,)
