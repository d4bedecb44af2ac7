"""extractive and doc_coverage on hand-computed micro cases and on the embedded cluster."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bench.metrics.base import Metric, MetricOutput
from bench.metrics.extractive import DocCoverage, Extractive
from bench.metrics.fragments import fragments, match_lengths, prepared, sources
from bench.types import Cluster, Document


def _cluster(*texts: str, cid: str = "c") -> Cluster:
    docs = tuple(
        Document(f"d{i}", "", text, text, tuple(text.split("\n"))) for i, text in enumerate(texts)
    )
    return Cluster(cid, docs)


def _frags(summary: str, *docs: str) -> list[tuple[int, int, tuple[int, ...]]]:
    index = sources(tuple(docs), "rouge_score")
    found = fragments(prepared(summary, "rouge_score").tokens, index)
    return [(f.start, f.length, f.sources) for f in found]


def _scores(metric, summary: str, *docs: str) -> dict[str, float]:
    out = metric.score([summary], [_cluster(*docs)])
    assert isinstance(out, MetricOutput)
    return out.scores[0]


def test_fragments_follow_newsroom_algorithm_one():
    # "the cat sat on" (4) then "a" (none) then "mat" (1)
    assert _frags("The cat sat on a mat.", "the cat sat on the mat") == [(0, 4, (0,)), (5, 1, (0,))]


def test_fragment_scan_resumes_after_a_run_as_published():
    # Algorithm 1 resumes the article scan at the end of a run: the run "a a a b" starting at
    # article position 1 is never tried, so the fragments are 3 + 1, not 4.
    assert _frags("a a a b", "a a a a b") == [(0, 3, (0,)), (3, 1, (0,))]


def test_fragments_never_span_two_documents():
    # the concatenation "x alpha beta gamma delta" holds all four, but no one document does
    assert _frags("alpha beta gamma delta", "x alpha beta", "gamma delta") == [
        (0, 2, (0,)),
        (2, 2, (1,)),
    ]


def test_equally_long_runs_in_several_documents_are_all_sources():
    assert _frags("alpha beta gamma", "alpha beta", "z alpha beta") == [(0, 2, (0, 1))]


def test_coverage_density_compression_and_novel_ngrams_by_hand():
    s = _scores(Extractive(), "The cat sat on a mat.", "the cat sat on the mat")
    assert s["extractive_coverage"] == pytest.approx(5 / 6)
    assert s["extractive_density"] == pytest.approx((16 + 1) / 6)
    assert s["extractive_compression"] == pytest.approx(6 / 6)
    # novel: "a"; "on a", "a mat"; "sat on a", "on a mat"; "cat sat on a", "sat on a mat"
    assert s["extractive_novel_1"] == pytest.approx(1 / 6)
    assert s["extractive_novel_2"] == pytest.approx(2 / 5)
    assert s["extractive_novel_3"] == pytest.approx(2 / 4)
    assert s["extractive_novel_4"] == pytest.approx(2 / 3)
    assert s["extractive_repeated_1"] == 0.0
    assert s["extractive_sentence_overlap"] == 0.0  # one sentence


def test_multi_document_density_and_compression_by_hand():
    s = _scores(Extractive(), "alpha beta gamma delta", "x alpha beta", "gamma delta")
    assert s["extractive_coverage"] == 1.0
    assert s["extractive_density"] == pytest.approx((4 + 4) / 4)
    assert s["extractive_compression"] == pytest.approx(5 / 4)
    # "beta gamma" is in the concatenation but in no one document
    assert s["extractive_novel_2"] == pytest.approx(1 / 3)


def test_redundancy_by_hand():
    s = _scores(Extractive(), "a b\nc d\na b", "a b c d")
    assert s["extractive_repeated_1"] == pytest.approx(2 / 6)  # a b c d a b
    assert s["extractive_repeated_2"] == pytest.approx(1 / 5)  # ab bc cd da ab
    assert s["extractive_repeated_3"] == 0.0
    # ROUGE-L F1 of the pairs (ab, cd), (ab, ab), (cd, ab): 0, 1, 0
    assert s["extractive_sentence_overlap"] == pytest.approx(1 / 3)
    s = _scores(Extractive(), "a b c\na b d", "a b c d")
    assert s["extractive_sentence_overlap"] == pytest.approx(2 / 3)


def test_empty_and_short_summaries_give_finite_values():
    s = _scores(Extractive(), "", "one two three")
    assert s["extractive_compression"] == 3.0  # an empty summary counts as one token
    assert all(v == 0.0 for k, v in s.items() if k != "extractive_compression")
    s = _scores(Extractive(), "one", "one two three")
    assert s["extractive_novel_2"] == 0.0 and s["extractive_repeated_4"] == 0.0
    assert s["extractive_coverage"] == 1.0


def test_every_declared_key_is_written_within_its_range():
    metric = Extractive()
    s = _scores(metric, "The cat sat.\nThe cat ran.", "the cat sat on the mat")
    assert list(s) == list(metric.info.keys)
    for key, value in s.items():
        bounds = metric.info.keys[key].value_range
        assert math.isfinite(value)
        assert bounds is None or bounds[0] <= value <= bounds[1]
    assert isinstance(metric, Metric) and isinstance(DocCoverage(), Metric)


def test_doc_coverage_shares_and_balance_by_hand():
    metric = DocCoverage()
    out = metric.score(["alpha beta gamma delta"], [_cluster("x alpha beta", "gamma delta", "zz")])
    assert out.details[0]["doc_coverage_shares"] == {"d0": 0.5, "d1": 0.5, "d2": 0.0}
    assert out.scores[0]["doc_coverage_entropy"] == pytest.approx(math.log(2) / math.log(3))
    assert out.scores[0]["doc_coverage_max_share"] == 0.5
    assert out.scores[0]["doc_coverage_attributed"] == 1.0


def test_doc_coverage_splits_ties_evenly():
    out = DocCoverage().score(["alpha beta gamma"], [_cluster("alpha beta", "z alpha beta")])
    shares = out.details[0]["doc_coverage_shares"]
    assert shares == {"d0": pytest.approx(1 / 3), "d1": pytest.approx(1 / 3)}
    assert out.scores[0]["doc_coverage_entropy"] == pytest.approx(1.0)
    assert out.scores[0]["doc_coverage_attributed"] == pytest.approx(2 / 3)


def test_doc_coverage_min_fragment_drops_short_fragments():
    cluster = _cluster("alpha beta gamma", "delta")
    out = DocCoverage(min_fragment=2).score(["alpha beta gamma delta"], [cluster])
    assert out.details[0]["doc_coverage_shares"] == {"d0": 0.75, "d1": 0.0}
    assert out.scores[0]["doc_coverage_max_share"] == 1.0
    assert out.scores[0]["doc_coverage_entropy"] == 0.0


def test_doc_coverage_without_attributed_content_and_with_one_document():
    out = DocCoverage().score(["zz yy", "alpha"], [_cluster("alpha", "beta"), _cluster("alpha")])
    assert out.scores[0] == {
        "doc_coverage_entropy": 0.0,
        "doc_coverage_max_share": 0.0,
        "doc_coverage_attributed": 0.0,
    }
    assert out.scores[1]["doc_coverage_entropy"] == 1.0
    assert out.scores[1]["doc_coverage_max_share"] == 1.0


def test_a_summary_copied_from_one_of_five_articles_shows_at_once(cluster):
    assert len(cluster.documents) == 5
    metric = DocCoverage()
    copied = [
        "\n".join(d.sentences[:4]) for d in cluster.documents
    ]  # each summary copies one article
    mixed = "\n".join(d.sentences[1] for d in cluster.documents)
    out = metric.score([*copied, mixed], [cluster] * 6)
    for k, (scores, details) in enumerate(zip(out.scores[:5], out.details[:5], strict=True)):
        assert scores["doc_coverage_max_share"] > 0.95
        assert scores["doc_coverage_entropy"] < 0.15
        assert math.copysign(1.0, scores["doc_coverage_entropy"]) == 1.0  # never -0.0
        shares = details["doc_coverage_shares"]
        assert max(shares, key=shares.get) == cluster.documents[k].doc_id
    assert out.scores[5]["doc_coverage_max_share"] < 0.4
    assert out.scores[5]["doc_coverage_entropy"] > 0.9


def test_scores_do_not_depend_on_batch_order(cluster):
    summaries = ["\n".join(d.sentences[:2]) for d in cluster.documents] + ["Mattis said nothing."]
    for metric in (Extractive(), DocCoverage()):
        forward = metric.score(summaries, [cluster] * len(summaries))
        backward = metric.score(summaries[::-1], [cluster] * len(summaries))
        assert forward.scores == backward.scores[::-1]
        assert forward.details == backward.details[::-1]


def test_unicode_tokenizer_scores_text_in_other_scripts():
    s = _scores(Extractive(tokenizer="unicode"), "北京 下雪", "北京 今天 下雪")
    assert s["extractive_coverage"] == 1.0  # one token per Han character
    assert _scores(Extractive(), "北京 下雪", "北京 今天 下雪")["extractive_coverage"] == 0.0


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Extractive(tokenizer="spacy"), "unknown tokenizer 'spacy'"),
        (lambda: DocCoverage(min_fragment=0), "min_fragment must be an integer >= 1"),
        (lambda: DocCoverage(tokenizer="x"), "unknown tokenizer 'x'"),
    ],
)
def test_invalid_options_raise(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_bad_batches_raise():
    with pytest.raises(ValueError, match="2 summaries for 1 clusters"):
        Extractive().score(["a", "b"], [_cluster("a")])
    with pytest.raises(ValueError, match="cluster 'e' has no source documents"):
        DocCoverage().score(["a"], [Cluster("e", ())])


def test_signatures_name_the_choices():
    assert Extractive().signature()["fragments"] == "newsroom-alg1,per-document-longest"
    assert DocCoverage(min_fragment=3).signature()["min_fragment"] == "3"


def test_match_lengths_are_the_longest_run_from_each_position():
    index = sources(("the cat sat on the mat", "a dog sat on a log"), "rouge_score")
    tokens = prepared("the dog sat on the mat today", "rouge_score").tokens
    # the dog (doc 0 "the" + doc 1 "dog": no); dog sat on (doc 1, then "a" != "the");
    # sat on the mat (doc 0, capped at 4); ...; today (nowhere)
    assert match_lengths(tokens, index) == [1, 3, 4, 3, 2, 1, 0]
    assert match_lengths(tokens, index, cap=2) == [1, 2, 2, 2, 2, 1, 0]


def test_bigram_key_collisions_change_nothing(cluster, monkeypatch):
    from bench.metrics import fragments as module

    docs = tuple(d.text for d in cluster.documents)
    summaries = [
        "\n".join(d.sentences[k] for d in cluster.documents for k in (0, 2)),
        "Mattis said the talks in Islamabad were frank and he would return.",
    ]
    tokens = [prepared(s, "rouge_score").tokens for s in summaries]
    index = sources(docs, "rouge_score")
    expected = [(fragments(t, index), match_lengths(t, index)) for t in tokens]
    assert any(f.length > 5 for f in expected[0][0])
    # every bigram gets the same key: every position becomes a candidate of every bigram
    monkeypatch.setattr(module, "_pair_keys", lambda t: np.zeros(max(len(t) - 1, 0), np.int64))
    index = module.sources.__wrapped__(docs, "rouge_score")
    assert [(fragments(t, index), match_lengths(t, index)) for t in tokens] == expected
