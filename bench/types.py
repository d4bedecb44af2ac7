"""Records that cross module boundaries: clusters, documents, references, scored outputs."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class RemovedLine:
    """A line that cleaning removed from a document, with the rule that removed it."""

    line_no: int  # 1-based line number in the raw text
    text: str
    reason: str


@dataclass(frozen=True, slots=True)
class Document:
    """One source document: raw bytes decoded as received, the cleaned text and its sentences."""

    doc_id: str
    title: str
    raw_text: str
    text: str
    sentences: tuple[str, ...]
    removed: tuple[RemovedLine, ...] = ()


@dataclass(frozen=True, slots=True)
class Reference:
    """A hand-written reference summary, one sentence per line."""

    ref_id: str
    author: str
    text: str

    @property
    def sentences(self) -> list[str]:
        """The reference's sentences (its non-empty lines)."""
        return [line for line in self.text.split("\n") if line.strip()]


@dataclass(frozen=True, slots=True)
class Cluster:
    """A set of documents about one event, with its reference summaries."""

    cluster_id: str
    documents: tuple[Document, ...]
    references: tuple[Reference, ...] = ()
    meta: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
