"""Model-free fact check: every checkable claim of a summary against *all* source documents.

From each summary sentence it extracts names (multi-word and surname-only), titles bound to
names ("CIA Director Jane Doe", "Smith, France's prime minister"), numbers and amounts ("$10
million", "125 out of 128", "ten-month", "9pm"), dates (weekdays, months, years, "24 November")
and quotations, and looks for each in the cleaned documents after normalisation: Penn Treebank
tokenisation undone on both sides ("-lrb- cnn -rrb-", "235, 000", "the study 's"), case, curly
vs straight quotes and dashes, possessives, countries and their demonyms, words written two
ways ("defence" / "defense", "Jim" / "James"), numbers written in words or digits, "$10 million"
vs "10 million dollars", "all but three of 128" vs "125 out of 128". The word lists are general
English resources in ``data/`` with their provenance (:mod:`.lexicon`).

Lower-cased summaries (many systems' outputs on CNN/DailyMail and XSum) are first given the
case the articles and an English word list suggest (:mod:`.casing`), so their names are checked
too. A number the articles give under other words is supported when its head noun or event
agrees ("killed 14 people" / "the death toll rose to 14"; ``data/number_heads.txt``). A sentence
that carries no such claim is still measured by its content coverage: the share of its content
words one article sentence states (:mod:`.coverage`, ``min_coverage``).

Finding a name or a weekday somewhere is not enough: a claim must also be *bound* to what the
sentence says. Each claim is looked up in windows of three consecutive document sentences; the
words of the rest of the sentence must overlap a window holding the claim nearly as well as they
overlap the best window of the cluster. "Smith warned that ... safe havens ... everything"
fails when the articles put those words next to Jones.

Disputed facts: where the documents themselves disagree, a summary stating one version is
``disputed`` (with the documents on each side), not ``unsupported``: dates whose best-matching
windows in different documents give different months, and names spelt differently across
documents (tokens within two edits of each other beside the same neighbouring name token).

Limits, stated plainly: no coreference ("he" is never checked), no paraphrase understanding
(coverage is lexical: an abstractive sentence can fall below ``min_coverage`` while true),
titles come from a fixed vocabulary of English office words, and the binding thresholds were
set on the small labelled set in ``data/fact_eval/``, which the same team wrote. Validity on
public labelled summaries (FRANK): ``benchmarks/fact_validity.py`` and ``docs/fact_check.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bench import __version__
from bench.metrics.base import KeyInfo, MetricInfo, MetricOutput
from bench.metrics.consistency.base import consistency_score
from bench.metrics.consistency.checker import ClaimChecker
from bench.metrics.consistency.coverage import ELSEWHERE
from bench.metrics.consistency.entity_checks import ATTRIBUTION_RATIO
from bench.metrics.consistency.numbers import HEAD_REACH
from bench.metrics.consistency.sources import source_index
from bench.types import Cluster

# The checker's modules, seam by seam: checker (sentences, quotations, coverage), binding,
# entity_checks (names, titles, speakers, attributions), number_checks, date_checks.
__all__ = ["ClaimChecker", "FactConsistency"]


class FactConsistency:
    """The model-free fact check as a metric: ``fact_consistency`` and ``fact_issues``.

    ``fact_consistency`` is the share of summary sentences without an unsupported or
    contradicted claim (disputed claims are reported, not counted); ``details`` holds, per
    cluster, ``fact_issues`` (every flag, disputed ones included) and ``fact_claims`` (every
    sentence with the claims found and the documents that support each).
    """

    name = "fact"
    info = MetricInfo(
        name="fact",
        keys={"fact_consistency": KeyInfo("Fact", value_range=(0.0, 1.0))},
        needs_documents=True,
        details=("fact_issues", "fact_claims"),
        description=(
            "Model-free check of names, numbers, dates, titles and quotations against all "
            "source documents."
        ),
    )

    def __init__(self, **settings: Any) -> None:
        """``settings``: ``bind_ratio``, ``bind_floor``, ``reach``, ``min_coverage``.

        What each does, its default and its allowed range: :class:`ClaimChecker`.
        """
        self.checker = ClaimChecker(**settings)

    def score(self, summaries: Sequence[str], clusters: Sequence[Cluster]) -> MetricOutput:
        """One ``fact_consistency`` per summary; its issues and claims as details."""
        # Summaries of one cluster share one index of its documents, kept for the process (the
        # other jobs of a sweep check the same documents) while its memory budget allows.
        groups: dict[int, list[int]] = {}
        for i, cluster in enumerate(clusters):
            if not cluster.documents:
                raise ValueError(
                    f"fact check needs the documents of cluster {cluster.cluster_id!r}"
                )
            groups.setdefault(id(cluster.documents), []).append(i)
        if len(summaries) != len(clusters):
            raise ValueError(f"{len(summaries)} summaries for {len(clusters)} clusters")
        out: list[dict[str, float]] = [{} for _ in clusters]
        details: list[dict[str, Any]] = [{} for _ in clusters]
        for members in groups.values():
            index = source_index(clusters[members[0]].documents)
            for i in members:
                issues, sentences = self.checker.check(summaries[i], clusters[i], index)
                out[i] = {"fact_consistency": consistency_score(len(sentences), issues)}
                details[i] = {
                    "fact_issues": [issue.as_dict() for issue in issues],
                    "fact_claims": sentences,
                }
        return MetricOutput(out, details)

    def signature(self) -> dict[str, str]:
        """Settings that determine the values."""
        return {
            "name": "fact-claims",
            "impl": f"mdsbench-{__version__}",
            "claims": "entity,title,number,date,quote,content,placeholder",
            "text": "ptb-untokenized,lower-cased-truecased,aliases+countries",
            "bind": f"window=3,ratio={self.checker.bind_ratio},floor={self.checker.bind_floor},"
            f"reach={self.checker.reach},attribution={ATTRIBUTION_RATIO}",
            "numbers": f"heads-agree,reach={HEAD_REACH}",
            "coverage": f"min={self.checker.min_coverage:g},elsewhere={ELSEWHERE:g}",
            "disputed": "months,name-spellings",
            "score": "share of sentences without unsupported/contradicted claims",
        }
