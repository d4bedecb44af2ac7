"""The local ``evaluate`` module ``mds_rouge``, loaded by path with no network."""

import os

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["HF_EVALUATE_OFFLINE"] = "1"

from pathlib import Path

import evaluate
import pytest
from rouge_score import rouge_scorer

import bench

MODULE_DIR = Path(bench.__file__).parent / "metrics" / "evaluate_modules" / "mds_rouge"
TYPES = ["rouge1", "rouge2", "rougeL", "rougeLsum"]

PAIRS = [  # (prediction, reference)
    ("The cats were running quickly.", "A cat runs quickly, the dogs were running too."),
    (
        "Police arrested 3 men on Tuesday.\nThey were released.",
        "Three men were arrested.\nPolice released them on Tuesday night.",
    ),
    ("completely unrelated words", "nothing in common here"),
    ("Stemming: generously generalized generations!", "generous generalization of a generation"),
]
MULTI = [  # (prediction, references)
    (PAIRS[0][0], [PAIRS[0][1], "Cats were running.", "The dogs ran quickly."]),
    (PAIRS[1][0], [PAIRS[1][1], "Police arrested three men.\nAll were released on Tuesday."]),
]


@pytest.fixture(scope="module")
def rouge(tmp_path_factory):
    # evaluate copies the script to HF_MODULES_CACHE/evaluate_modules/metrics/mds_rouge/<hash>/
    # and keeps compute() inputs (arrow file + locks) under HF_METRICS_CACHE/mds_rouge/default/;
    # both default to ~/.cache/huggingface. Its config reads them at import, so patch the values.
    hf_home = tmp_path_factory.mktemp("hf_home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HOME", str(hf_home))
        mp.setattr(evaluate.config, "HF_MODULES_CACHE", hf_home / "modules")
        mp.setattr(evaluate.config, "HF_METRICS_CACHE", hf_home / "metrics")
        metric = evaluate.load(str(MODULE_DIR))
        assert (hf_home / "modules" / "evaluate_modules" / "metrics" / "mds_rouge").is_dir()
        yield metric


def _reference_scores(per_pred):
    """rouge-score results -> the module's keys, one list per key."""
    out = {}
    for t in TYPES:
        out[t] = [s[t].fmeasure for s in per_pred]
        out[f"{t}_p"] = [s[t].precision for s in per_pred]
        out[f"{t}_r"] = [s[t].recall for s in per_pred]
    return out


def test_single_reference_scores_equal_rouge_score_exactly(rouge):
    scorer = rouge_scorer.RougeScorer(TYPES, use_stemmer=True)
    preds, refs = [p for p, _ in PAIRS], [r for _, r in PAIRS]
    expected = _reference_scores([scorer.score(r, p) for p, r in PAIRS])

    result = rouge.compute(predictions=preds, references=[[r] for r in refs], use_aggregator=False)
    assert {k: v for k, v in result.items() if k != "signature"} == expected

    mean = rouge.compute(predictions=preds, references=[[r] for r in refs])
    assert {k: v for k, v in mean.items() if k != "signature"} == {
        k: sum(v) / len(v) for k, v in expected.items()
    }


def test_plain_string_references_score_like_one_element_lists(rouge):
    preds, refs = [p for p, _ in PAIRS], [r for _, r in PAIRS]
    as_strings = rouge.compute(predictions=preds, references=refs, use_aggregator=False)
    as_lists = rouge.compute(
        predictions=preds, references=[[r] for r in refs], use_aggregator=False
    )
    assert as_strings == as_lists


def test_multi_reference_max_equals_rouge_score_score_multi_exactly(rouge):
    scorer = rouge_scorer.RougeScorer(TYPES, use_stemmer=True)
    expected = _reference_scores([scorer.score_multi(refs, p) for p, refs in MULTI])

    result = rouge.compute(
        predictions=[p for p, _ in MULTI],
        references=[refs for _, refs in MULTI],
        multi_ref="max",
        use_aggregator=False,
    )
    assert {k: v for k, v in result.items() if k != "signature"} == expected
    assert "multiref:max" in result["signature"]
    assert "mdsbench-" in result["signature"]


def test_pooled_rule_sums_counts_over_references_and_differs_from_max(rouge):
    # Tokens: "the cat sat" -> 3; "the cat sat down" -> 4 with 3 hits; "a dog ran" -> 3, 0 hits.
    # max:    the first reference, P = 3/3, R = 3/4, F = 6/7.
    # pooled: hits 3+0 = 3, reference tokens 4+3 = 7, prediction tokens 3+3 = 6,
    #         P = 3/6 = 1/2, R = 3/7, F = 2 * (1/2) * (3/7) / (1/2 + 3/7) = (3/7) / (13/14) = 6/13.
    kwargs = dict(
        predictions=["the cat sat"],
        references=[["the cat sat down", "a dog ran"]],
        rouge_types=["rouge1"],
    )
    best = rouge.compute(**kwargs, multi_ref="max")
    pooled = rouge.compute(**kwargs, multi_ref="pooled")

    assert (best["rouge1_p"], best["rouge1_r"]) == (1.0, 0.75)
    assert best["rouge1"] == pytest.approx(6 / 7)
    assert (pooled["rouge1_p"], pooled["rouge1_r"]) == (0.5, 3 / 7)
    assert pooled["rouge1"] == pytest.approx(6 / 13)
    assert pooled["rouge1"] != best["rouge1"]
    assert "multiref:pooled" in pooled["signature"]


def test_unknown_multi_ref_rule_raises_value_error(rouge):
    with pytest.raises(ValueError, match="multi-reference rule"):
        rouge.compute(predictions=["a cat"], references=[["a cat"]], multi_ref="median")
