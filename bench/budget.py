"""The common length budget every summary is cut to before scoring."""

from __future__ import annotations

from dataclasses import dataclass

from bench.errors import BenchError
from bench.preprocess.text import collapse_ws, count_words, split_sentences

UNITS = ("words", "sentences")


@dataclass(frozen=True, slots=True)
class Cut:
    """A summary after the budget, and what the budget did to it."""

    text: str
    n_words: int
    n_sentences: int
    truncated: bool


@dataclass(frozen=True, slots=True)
class Budget:
    """At most ``limit`` words (whitespace tokens) or sentences."""

    unit: str = "words"
    limit: int = 100

    def __post_init__(self) -> None:
        """Reject unknown units and non-positive limits."""
        if self.unit not in UNITS:
            raise BenchError(f"unknown budget unit {self.unit!r}; choose from {', '.join(UNITS)}")
        if isinstance(self.limit, bool) or not isinstance(self.limit, int) or self.limit < 1:
            raise BenchError(f"budget limit must be a positive integer, got {self.limit!r}")

    def size(self, sentences: list[str]) -> int:
        """Size of a list of sentences in this budget's unit."""
        if self.unit == "sentences":
            return len(sentences)
        return sum(count_words(s) for s in sentences)

    def full(self, sentences: list[str]) -> bool:
        """Whether ``sentences`` already use the whole budget."""
        return self.size(sentences) >= self.limit

    def apply(self, summary: str) -> Cut:
        """Cut ``summary`` (one sentence per line) to the budget, keeping whole lines first."""
        lines = [collapse_ws(line) for line in summary.split("\n") if line.strip()]
        if self.unit == "sentences":
            sentences = split_sentences(lines)
            kept = sentences[: self.limit]
            text = "\n".join(kept)
            return Cut(text, count_words(text), len(kept), len(kept) < len(sentences))
        kept, used, truncated = [], 0, False
        for line in lines:
            words = line.split()
            if used + len(words) > self.limit:
                if self.limit - used > 0:
                    kept.append(" ".join(words[: self.limit - used]))
                truncated = True
                used = self.limit
                break
            kept.append(line)
            used += len(words)
        return Cut("\n".join(kept), used, len(kept), truncated)

    def signature(self) -> str:
        """E.g. ``words=100``."""
        return f"{self.unit}={self.limit}"
