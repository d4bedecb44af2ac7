"""What a report shows, as plain records (built by :mod:`bench.report.build`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Column:
    """One metric column of the comparison table (from the metric contract)."""

    key: str
    label: str


@dataclass(frozen=True, slots=True)
class Cell:
    """One value: its sort value, the text shown, its interval, bold and significance marks."""

    value: float
    text: str
    interval: str = ""
    best: bool = False
    mark: str = ""


@dataclass(frozen=True, slots=True)
class Row:
    """One system of the comparison table."""

    system: str
    label: str
    cells: dict[str, Cell]


@dataclass(frozen=True, slots=True)
class IssueView:
    """One fact issue of a summary sentence, with what the documents say."""

    sentence_index: int
    span: str
    kind: str
    verdict: str
    reason: str
    documents: tuple[dict[str, str], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The form the page's script reads."""
        return {"span": self.span, "kind": self.kind, "verdict": self.verdict,
                "reason": self.reason, "documents": list(self.documents)}  # fmt: skip


@dataclass(frozen=True, slots=True)
class SystemSummary:
    """One system's summary of one cluster, its scores (label, shown value) and issues."""

    system: str
    sentences: tuple[str, ...]
    scores: tuple[tuple[str, str], ...]
    issues: tuple[IssueView, ...] = ()


@dataclass(frozen=True, slots=True)
class DocumentView:
    """A source document as shown (its sentences)."""

    doc_id: str
    title: str
    sentences: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ReferenceView:
    """A reference summary."""

    ref_id: str
    text: str


@dataclass(frozen=True, slots=True)
class ClusterView:
    """One cluster: its documents, references and every system's summary."""

    cluster_id: str
    documents: tuple[DocumentView, ...]
    references: tuple[ReferenceView, ...]
    systems: tuple[SystemSummary, ...]


@dataclass(frozen=True, slots=True)
class Report:
    """Everything on the page."""

    title: str
    subtitle: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    caption: tuple[str, ...]  # plain sentences (escaped when rendered)
    plots: tuple[tuple[str, str], ...]  # (name, data: URI)
    clusters: tuple[ClusterView, ...]
    provenance: tuple[tuple[str, dict[str, Any]], ...] = field(default=())
