"""What every fact-consistency check reports: issues in one schema, and per-cluster details.

A consistency metric returns its score through ``score()`` like any metric and, after each call,
leaves ``details``: one dict per cluster (same order) that the runner writes beside the scores
(``scores.jsonl``) and ``bench-score`` into its output lines. Every check's flags share the
:class:`Issue` schema so reports and evaluation treat them alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

KINDS = ("entity", "title", "number", "date", "quote", "content", "nli")
VERDICTS = ("unsupported", "disputed", "contradicted")
# Verdicts that count against a sentence. A disputed fact is one the articles themselves
# disagree on: reported with the documents on each side, not held against the summary.
FAILING = frozenset({"unsupported", "contradicted"})


@dataclass(frozen=True, slots=True)
class Evidence:
    """A document and what it says about the flagged fact."""

    doc_id: str
    says: str

    def as_dict(self) -> dict[str, str]:
        """JSON-ready form."""
        return {"doc_id": self.doc_id, "says": self.says}


@dataclass(frozen=True, slots=True)
class Issue:
    """One flagged span of one summary sentence."""

    sentence: str
    span: str
    kind: str
    verdict: str
    reason: str
    documents: tuple[Evidence, ...] = field(default=())
    # Position of the sentence in the summary (0-based; -1 unknown): a summary that repeats a
    # failing sentence fails each copy.
    index: int = -1

    def __post_init__(self) -> None:
        """Keep the vocabulary closed."""
        if self.kind not in KINDS:
            raise ValueError(f"unknown issue kind {self.kind!r}; choose from {', '.join(KINDS)}")
        if self.verdict not in VERDICTS:
            raise ValueError(f"unknown verdict {self.verdict!r}; choose from {', '.join(VERDICTS)}")

    @property
    def failing(self) -> bool:
        """Whether the issue counts against the sentence."""
        return self.verdict in FAILING

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form: ``{sentence, span, kind, verdict, reason, documents}``."""
        return {
            "sentence": self.sentence,
            "span": self.span,
            "kind": self.kind,
            "verdict": self.verdict,
            "reason": self.reason,
            "documents": [d.as_dict() for d in self.documents],
            **({"sentence_index": self.index} if self.index >= 0 else {}),
        }


def consistency_score(n_sentences: int, issues: list[Issue]) -> float:
    """Share of summary sentences with no failing issue (1.0 for an empty summary)."""
    if n_sentences == 0:
        return 1.0
    bad = {i.index if i.index >= 0 else i.sentence for i in issues if i.failing}
    return 1.0 - len(bad) / n_sentences
