"""ROUGE: hand-computed cases, each multi-reference rule, and agreement with rouge-score."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest
from rouge_score import rouge_scorer

from bench.metrics.lcs import lcs_length, lcs_positions
from bench.metrics.rouge import Rouge, RougeScorer
from bench.types import Cluster, Document, Reference


def _f(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def _prf(score):
    return (score.precision, score.recall, score.fmeasure)


def test_hand_computed_rouge_1_2_l():
    s = RougeScorer(use_stemmer=False).score("the cat sat on the mat", ["the cat was on the mat"])
    # unigrams: the x2, cat, on, mat match; sat/was do not -> 5 of 6 each way
    assert _prf(s["rouge1"]) == pytest.approx((5 / 6, 5 / 6, 5 / 6))
    # bigrams: the-cat, on-the, the-mat of 5
    assert _prf(s["rouge2"]) == pytest.approx((3 / 5, 3 / 5, 3 / 5))
    # LCS "the cat on the mat" = 5
    assert _prf(s["rougeL"]) == pytest.approx((5 / 6, 5 / 6, 5 / 6))


def test_porter_stemming_matches_inflections():
    stemmed = RougeScorer(("rouge1",), use_stemmer=True).score("running dogs", ["the dog runs"])
    plain = RougeScorer(("rouge1",), use_stemmer=False).score("running dogs", ["the dog runs"])
    assert _prf(stemmed["rouge1"]) == pytest.approx((1.0, 2 / 3, _f(1.0, 2 / 3)))
    assert _prf(plain["rouge1"]) == (0.0, 0.0, 0.0)


def test_rouge_lsum_splits_on_newlines():
    s = RougeScorer(("rougeL", "rougeLsum"), use_stemmer=False).score("c d\na b", ["a b c d"])
    assert s["rougeL"].fmeasure == pytest.approx(0.5)  # whole-text LCS is 2 of 4
    assert s["rougeLsum"].fmeasure == pytest.approx(1.0)  # union LCS covers all 4


def test_empty_prediction_scores_zero():
    s = RougeScorer().score("", ["a reference summary"])
    assert all(v.fmeasure == 0.0 for v in s.values())


# prediction "a b c d"; refs: r1 shares a b (2/4), r2 shares a b c (3 of 6), r3 nothing.
PRED = "a b c d"
REFS2 = ["a b x y", "a b c z z z"]
REFS3 = [*REFS2, "q r s t"]


@pytest.mark.parametrize(
    ("rule", "refs", "expected"),
    [
        ("max", REFS2, (0.75, 0.5, 0.6)),
        ("mean", REFS2, (0.625, 0.5, 0.55)),
        ("pooled", REFS2, (5 / 8, 5 / 10, _f(5 / 8, 5 / 10))),  # 5 hits, 8 pred, 10 ref
        ("jackknife", REFS2, (0.625, 0.5, 0.55)),  # subsets {r2}, {r1}
        # leave out r1 -> r2 (.75,.5,.6); out r2 -> r1 (.5,.5,.5); out r3 -> r2
        ("jackknife", REFS3, (2 / 3, 0.5, (0.6 + 0.5 + 0.6) / 3)),
        ("max", REFS3, (0.75, 0.5, 0.6)),
        ("pooled", REFS3, (5 / 12, 5 / 14, _f(5 / 12, 5 / 14))),
    ],
)
def test_multi_reference_rules_hand_computed(rule, refs, expected):
    s = RougeScorer(("rouge1",), use_stemmer=False, multi_ref=rule).score(PRED, refs)
    assert _prf(s["rouge1"]) == pytest.approx(expected)


def test_unknown_options_are_rejected():
    with pytest.raises(ValueError, match="multi-reference rule"):
        RougeScorer(multi_ref="best")
    with pytest.raises(ValueError, match="unknown ROUGE type"):
        RougeScorer(rouge_types=("rougeX",))
    with pytest.raises(ValueError, match="at least one"):
        RougeScorer(rouge_types=())


def _dp_positions(ref, can):
    """Textbook O(mn) table and backtrace: diagonal on match, else up when up >= left."""
    t = [[0] * (len(can) + 1) for _ in range(len(ref) + 1)]
    for i in range(1, len(ref) + 1):
        for j in range(1, len(can) + 1):
            if ref[i - 1] == can[j - 1]:
                t[i][j] = t[i - 1][j - 1] + 1
            else:
                t[i][j] = max(t[i - 1][j], t[i][j - 1])
    out, i, j = [], len(ref), len(can)
    while i > 0 and j > 0:
        if ref[i - 1] == can[j - 1]:
            out.insert(0, i - 1)
            i, j = i - 1, j - 1
        elif t[i][j - 1] > t[i - 1][j]:
            j -= 1
        else:
            i -= 1
    return out


def test_bit_parallel_lcs_equals_dynamic_programming():
    rng = random.Random(1)
    for i in range(1500):
        # b also draws tokens absent from a: runs of such columns are crossed in one step
        a = [rng.choice("abcde"[: 2 + i % 4]) for _ in range(rng.randint(0, 70))]
        b = [rng.choice("abcdefghij"[: 2 + i % 9]) for _ in range(rng.randint(0, 70))]
        expected = _dp_positions(a, b)
        assert lcs_positions(a, b) == expected
        assert lcs_length(a, b) == len(expected)


WORDS = (  # noqa: SIM905
    "the a of Pakistan Pakistan's U.S. US safe havens militants running runs ran 10 million "
    "$10 26/11 Mattis met meeting meetings policy policies said says efforts redouble "
    "statement agreement generalization yearly possibly e-mail co-operation 3.5% 1,000 F-16 "
    "don't won’t ‘redouble’ — – … ( ) ! ? ; THE PAKISTAN Islamabad’s"
).split()
NON_ASCII = [
    "café", "naïve", "Zoë", "Straße", "İslamabad", "\u212aabul", "Ｍattis", "½", "Pakistán",
    "a\u00a0b", "zero\u200bwidth", "ΣΑΣ", "ﬁnal",
]  # fmt: skip


def _text(rng: random.Random, max_words: int = 10) -> str:
    words = WORDS + NON_ASCII if rng.random() < 0.2 else WORDS  # both tokeniser paths
    lines = [
        " ".join(rng.choice(words) for _ in range(rng.randint(0, max_words)))
        for _ in range(rng.randint(1, 4))
    ]
    if rng.random() < 0.1:
        lines.insert(rng.randint(0, len(lines)), rng.choice(["", "  ", "...", "\r"]))
    return "\n".join(lines)


def _argmax_f(scores):
    """The reference rouge-score's ``score_multi`` takes: ``np.argmax`` of F (first maximum)."""
    return scores[int(np.argmax([s.fmeasure for s in scores]))]


def _mean(scores):
    k = len(scores)
    return tuple(
        sum(getattr(s, f) for s in scores) / k for f in ("precision", "recall", "fmeasure")
    )


@pytest.mark.parametrize(("use_stemmer", "n_pairs"), [(True, 1100), (False, 900)])
def test_identical_to_rouge_score_on_random_pairs(use_stemmer, n_pairs):
    """2,000 generated pairs with 1 to 4 references: every rule, bit for bit.

    ``max`` is rouge-score's ``score_multi``; ``mean`` and ``jackknife`` are built from
    rouge-score's per-reference scores in the same order of operations.
    """
    types = ["rouge1", "rouge2", "rouge3", "rougeL", "rougeLsum"]
    theirs = rouge_scorer.RougeScorer(types, use_stemmer=use_stemmer)
    ours = {
        rule: RougeScorer(types, use_stemmer=use_stemmer, multi_ref=rule)
        for rule in ("max", "mean", "jackknife")
    }
    rng = random.Random(7 + use_stemmer)
    n_refs = Counter()
    for i in range(n_pairs):
        pred = _text(rng)
        refs = [_text(rng) for _ in range(rng.randint(1, 4))]
        n_refs[len(refs)] += 1
        per_ref = [theirs.score(r, pred) for r in refs]
        if i % 10 == 0:  # the derivation of max below is score_multi's
            multi = theirs.score_multi(refs, pred)
            assert all(multi[t] == _argmax_f([s[t] for s in per_ref]) for t in types)
        got = {rule: scorer.score(pred, refs) for rule, scorer in ours.items()}
        for t in types:
            scores = [s[t] for s in per_ref]
            assert _prf(got["max"][t]) == tuple(_argmax_f(scores)), (t, pred, refs)
            assert _prf(got["mean"][t]) == _mean(scores), (t, pred, refs)
            if len(refs) > 1:
                loo = [_argmax_f(scores[:k] + scores[k + 1 :]) for k in range(len(refs))]
                assert _prf(got["jackknife"][t]) == _mean(loo), (t, pred, refs)
    assert set(n_refs) == {1, 2, 3, 4}


def test_identical_to_rouge_score_on_the_embedded_references(cluster):
    theirs = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL", "rougeLsum"], use_stemmer=True)
    ours = RougeScorer()
    refs = [r.text for r in cluster.references]
    for doc in cluster.documents:
        pred = "\n".join(doc.sentences[:4])
        expected = theirs.score_multi(refs, pred)
        got = ours.score(pred, refs)
        for t, v in expected.items():
            assert _prf(got[t]) == tuple(v)


def _cluster(cid: str, refs: list[str]) -> Cluster:
    doc = Document("d", "", "x.", "x.", ("x.",))
    return Cluster(cid, (doc,), tuple(Reference(str(i), "t", r) for i, r in enumerate(refs)))


def test_metric_scores_do_not_depend_on_batch_order():
    metric = Rouge()
    clusters = [_cluster("a", ["a b c"]), _cluster("b", ["d e f", "d e"]), _cluster("c", ["g"])]
    summaries = ["a b", "d x", "g h"]
    forward = metric.score(summaries, clusters).scores
    backward = metric.score(summaries[::-1], clusters[::-1]).scores
    assert forward == backward[::-1]
    assert set(forward[0]) == set(metric.info.keys)


def test_metric_refuses_a_cluster_without_references():
    with pytest.raises(ValueError, match="no reference summaries"):
        Rouge().score(["a"], [_cluster("a", [])])


def test_reference_jackknife_leaves_each_reference_out():
    from bench.core.scoring import reference_views

    metric = Rouge(rouge_types=("rouge1",), use_stemmer=False, multi_ref="max")
    per_ref, loo = reference_views("rouge", metric, PRED, _cluster("x", REFS3))
    assert [v["rouge1_f"] for v in per_ref.values()] == pytest.approx([0.5, 0.6, 0.0])
    # without r1 -> r2 (.6); without r2 -> r1 (.5); without r3 -> r2 (.6)
    assert loo["rouge1_f"] == pytest.approx([0.6, 0.5, 0.6])
