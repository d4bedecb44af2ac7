"""The model-free fact check and an NLI check as one verdict per summary sentence; ``fact_nli``.

Both checks read the same summary sentences (newlines, then pysbd) against all documents of
the cluster: :class:`~bench.metrics.consistency.claims.FactConsistency` flags names, titles,
numbers, dates and quotations the documents do not support, and
:class:`~bench.metrics.consistency.nli.NLIConsistency` flags sentences no chunk of any document
entails (or one contradicts). The two miss different errors: the fact check cannot see a claim
with nothing checkable wrong ("the talks were productive"), an NLI model misses a wrong number in
an otherwise entailed sentence often enough. The combination keeps the per-sentence verdicts of
both and applies one rule:

- ``either`` (default): a sentence fails when the fact check or the NLI check fails it (the
  union of the flags: higher recall, more false alarms);
- ``both``: a sentence fails only when both fail it (the intersection: fewer false alarms).

``fact_nli_consistency`` is the share of summary sentences that do not fail (1.0 for an empty
summary, as for each part). A check "fails" a sentence when it raises an issue with a failing
verdict (``unsupported`` or ``contradicted``; ``disputed`` facts are reported, not held against
the sentence), exactly as each metric counts on its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bench.metrics.base import KeyInfo, MetricInfo, MetricOutput
from bench.metrics.consistency.base import FAILING
from bench.preprocess.text import split_sentences
from bench.types import Cluster

RULES = ("either", "both")
RULE_TEXT = {
    "either": "a sentence fails when the fact check or the NLI check fails it",
    "both": "a sentence fails only when the fact check and the NLI check both fail it",
}


@dataclass(frozen=True, slots=True)
class SentenceVerdict:
    """What each check says about one summary sentence, and the combined verdict."""

    sentence: str
    fact_fails: bool
    nli_fails: bool
    fails: bool

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "sentence": self.sentence,
            "fact": "fail" if self.fact_fails else "pass",
            "nli": "fail" if self.nli_fails else "pass",
            "fails": self.fails,
        }


def combine(fact_fails: Sequence[bool], nli_fails: Sequence[bool], rule: str) -> list[bool]:
    """Per sentence: whether it fails under ``rule``, from each check's per-sentence verdict."""
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}; choose from {', '.join(RULES)}")
    if len(fact_fails) != len(nli_fails):
        raise ValueError(
            f"the fact check judged {len(fact_fails)} sentences, the NLI check {len(nli_fails)}"
        )
    if rule == "either":
        return [f or n for f, n in zip(fact_fails, nli_fails, strict=True)]
    return [f and n for f, n in zip(fact_fails, nli_fails, strict=True)]


def share_passing(fails: Sequence[bool]) -> float:
    """Share of sentences that do not fail (1.0 when there are none)."""
    return 1.0 - sum(fails) / len(fails) if fails else 1.0


def failing_sentences(issues: Sequence[Mapping[str, Any]], n_sentences: int) -> list[bool]:
    """Per sentence, whether one of ``issues`` (``Issue.as_dict()`` form) fails it."""
    fails = [False] * n_sentences
    for issue in issues:
        if issue["verdict"] not in FAILING:
            continue
        index = issue.get("sentence_index")
        if not isinstance(index, int) or not 0 <= index < n_sentences:
            raise ValueError(f"issue without a valid sentence index: {issue.get('sentence')!r}")
        fails[index] = True
    return fails


def _flat(signature: Mapping[str, str]) -> str:
    return "[" + "; ".join(f"{k}={v}" for k, v in signature.items()) + "]"


class FactNLIConsistency:
    """``fact_nli_consistency``: the fact check and an NLI check combined per sentence.

    :meth:`score` gives as details per cluster ``fact_nli_sentences`` (each
    sentence with both verdicts and the combined one) and ``fact_nli_issues`` (the failing issues
    of both checks on the sentences that fail, in ``Issue.as_dict()`` form).
    """

    name = "fact_nli"
    info = MetricInfo(
        name="fact_nli",
        keys={"fact_nli_consistency": KeyInfo("Fact+NLI", value_range=(0.0, 1.0))},
        needs_documents=True,
        details=("fact_nli_sentences", "fact_nli_issues"),
        description=(
            "A summary sentence passes when the fact check and the NLI check find it "
            "supported (rule either or both)."
        ),
    )

    def __init__(self, fact: Any, nli: Any, rule: str = "either") -> None:
        """Take the two checks, built by Hydra from their own config nodes.

        Args:
            fact: a :class:`~bench.metrics.consistency.claims.FactConsistency`.
            nli: a :class:`~bench.metrics.consistency.nli.NLIConsistency`.
            rule: ``either`` or ``both`` (module docstring).
        """
        if rule not in RULES:
            raise ValueError(f"unknown rule {rule!r}; choose from {', '.join(RULES)}")
        for part, key in ((fact, "fact_consistency"), (nli, "nli_consistency")):
            info = getattr(part, "info", None)
            if not isinstance(info, MetricInfo) or key not in info.keys:
                raise TypeError(f"{type(part).__name__} does not produce {key}")
        self.fact = fact
        self.nli = nli
        self.rule = rule

    def score(self, summaries: Sequence[str], clusters: Sequence[Cluster]) -> MetricOutput:
        """``fact_nli_consistency`` per cluster; the per-sentence verdicts as details."""
        if len(summaries) != len(clusters):
            raise ValueError(f"{len(summaries)} summaries for {len(clusters)} clusters")
        fact_details = self.fact.score(summaries, clusters).details
        nli_details = self.nli.score(summaries, clusters).details
        scores: list[dict[str, float]] = []
        details: list[dict[str, Any]] = []
        parts = zip(summaries, fact_details, nli_details, strict=True)
        for summary, fact, nli in parts:
            sentences = split_sentences(summary.split("\n"))
            fact_fails = failing_sentences(fact["fact_issues"], len(sentences))
            nli_fails = failing_sentences(nli["nli_issues"], len(sentences))
            fails = combine(fact_fails, nli_fails, self.rule)
            verdicts = [
                SentenceVerdict(*row)
                for row in zip(sentences, fact_fails, nli_fails, fails, strict=True)
            ]
            issues = [
                issue
                for issue in [*fact["fact_issues"], *nli["nli_issues"]]
                if issue["verdict"] in FAILING and fails[issue["sentence_index"]]
            ]
            scores.append({"fact_nli_consistency": share_passing(fails)})
            details.append({
                "fact_nli_sentences": [v.as_dict() for v in verdicts],
                "fact_nli_issues": sorted(issues, key=lambda i: i["sentence_index"]),
            })  # fmt: skip
        return MetricOutput(scores, details)

    def signature(self) -> dict[str, str]:
        """The rule and both parts' signatures."""
        return {
            "name": "fact+nli",
            "rule": f"{self.rule} ({RULE_TEXT[self.rule]})",
            "score": "share of sentences that do not fail",
            "fact": _flat(self.fact.signature()),
            "nli": _flat(self.nli.signature()),
        }
