"""``mds_rouge``: a local ``evaluate`` metric wrapping mdsbench's ROUGE engine.

Per prediction/reference pair it reproduces ``rouge-score`` 0.1.2 (google-research) exactly; with
several references per prediction it combines them by a configurable rule (``max`` equals
``rouge_score.RougeScorer.score_multi``). Load it by path, no network needed::

    evaluate.load("bench/metrics/evaluate_modules/mds_rouge")

Chin-Yew Lin. 2004. ROUGE: A Package for Automatic Evaluation of Summaries. In Text
Summarization Branches Out, pages 74-81, Barcelona, Spain. ACL.
"""

from __future__ import annotations

import datasets
import evaluate

from bench.metrics.rouge import MULTI_REF_RULES, ROUGE_TYPES, Rouge

_CITATION = """\
@inproceedings{lin-2004-rouge,
    title = "{ROUGE}: A Package for Automatic Evaluation of Summaries",
    author = "Lin, Chin-Yew",
    booktitle = "Text Summarization Branches Out",
    year = "2004",
    address = "Barcelona, Spain",
    publisher = "Association for Computational Linguistics",
    url = "https://aclanthology.org/W04-1013",
    pages = "74--81",
}
"""

_DESCRIPTION = """\
ROUGE-N, ROUGE-L and ROUGE-Lsum (Lin, 2004) computed by mdsbench's engine
(bench.metrics.rouge). Pair scores equal rouge-score 0.1.2: lower-casing, tokens are runs of
[a-z0-9], optional Porter stemming of tokens longer than three characters, ROUGE-Lsum over
newline-separated sentences. Several references per prediction are combined by `multi_ref`:
max (rouge-score's score_multi), mean, pooled (ROUGE-1.5.5 -f A) or jackknife.
"""

_KWARGS_DESCRIPTION = f"""
Args:
    predictions: list of predicted summaries, one string each.
    references: per prediction, a list of reference strings or a single reference string.
    rouge_types: ROUGE types to compute, rouge1..rouge9, rougeL, rougeLsum
        (default {list(ROUGE_TYPES)}).
    use_stemmer: Porter-stem tokens longer than three characters (default True).
    multi_ref: rule combining several references, one of {list(MULTI_REF_RULES)} (default "max").
    use_aggregator: average each score over predictions (default True); if False, return one
        value per prediction.

Returns:
    Per ROUGE type `t`: `t` (F1), `t_p` (precision) and `t_r` (recall), floats or lists; and
    `signature`, a string naming the implementation and the settings.

Examples:
    >>> rouge = evaluate.load("bench/metrics/evaluate_modules/mds_rouge")
    >>> rouge.compute(predictions=["the cat sat"], references=[["the cat sat down"]])["rouge1"]
    0.8571428571428571
"""


class MdsRouge(evaluate.Metric):
    """ROUGE with rouge-score 0.1.2 pair scores and a choice of multi-reference rule."""

    def _info(self) -> evaluate.MetricInfo:
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=[
                datasets.Features(
                    {
                        "predictions": datasets.Value("string"),
                        "references": datasets.Sequence(datasets.Value("string")),
                    }
                ),
                datasets.Features(
                    {
                        "predictions": datasets.Value("string"),
                        "references": datasets.Value("string"),
                    }
                ),
            ],
            reference_urls=[
                "https://aclanthology.org/W04-1013",
                "https://pypi.org/project/rouge-score/",
            ],
        )

    def _compute(
        self,
        predictions: list[str],
        references: list[list[str]] | list[str],
        rouge_types: list[str] | None = None,
        use_stemmer: bool = True,
        multi_ref: str = "max",
        use_aggregator: bool = True,
    ) -> dict[str, float | list[float] | str]:
        """Score each prediction against its references.

        Raises:
            ValueError: On an unknown ROUGE type or multi-reference rule.
        """
        rouge = Rouge(rouge_types or ROUGE_TYPES, use_stemmer, multi_ref)
        per_pred = [
            rouge.scorer.score(pred, [refs] if isinstance(refs, str) else refs)
            for pred, refs in zip(predictions, references, strict=True)
        ]
        result: dict[str, float | list[float] | str] = {}
        for t in rouge.scorer.rouge_types:
            for key, field in ((t, "fmeasure"), (f"{t}_p", "precision"), (f"{t}_r", "recall")):
                values = [getattr(s[t], field) for s in per_pred]
                result[key] = sum(values) / len(values) if use_aggregator else values
        result["signature"] = "|".join(f"{k}:{v}" for k, v in rouge.signature().items())
        return result
