"""The common length budget every summary is cut to before scoring.

Three units: whitespace ``words``, ``sentences`` and UTF-8 ``bytes``. A byte budget counts what
ROUGE-1.5.5's ``-b`` counts (DUC 2004's 665-byte task): the bytes of each line of the summary,
summed, with the line breaks between lines not counted. Lines are taken after whitespace
normalisation (runs of whitespace -> one space, no leading or trailing space, empty lines
dropped), which is also the text every metric receives. The line that reaches the limit is cut
there, inside a word if need be as ``-b`` does, but never inside a character: a multi-byte
character that would straddle the limit is left out whole. A summary cut to ``N`` bytes is thus
passed through unchanged by ``-b N`` (``metrics.rouge155.length_bytes``), which counts the same
bytes of the same lines.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.errors import BenchError
from bench.preprocess.text import collapse_ws, count_words, split_sentences

UNITS = ("words", "sentences", "bytes")


def count_bytes(text: str) -> int:
    """UTF-8 bytes of ``text``: the unit of a byte budget and of ROUGE-1.5.5's ``-b``."""
    return len(text.encode("utf-8"))


def cut_bytes(text: str, limit: int) -> str:
    """The longest prefix of ``text`` of at most ``limit`` UTF-8 bytes that ends between characters.

    Trailing whitespace of the prefix is dropped (the budget keeps normalised lines).
    """
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    # The input is valid UTF-8, so the only invalid bytes of the head are a character cut off at
    # its end; "ignore" drops exactly those.
    return data[: max(limit, 0)].decode("utf-8", "ignore").rstrip()


@dataclass(frozen=True, slots=True)
class Cut:
    """A summary after the budget, and what the budget did to it."""

    text: str
    n_words: int
    n_sentences: int
    truncated: bool
    n_bytes: int  # UTF-8 bytes of the lines, line breaks not counted (see the module doc)


@dataclass(frozen=True, slots=True)
class Budget:
    """At most ``limit`` words (whitespace tokens), sentences or UTF-8 bytes."""

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
        if self.unit == "bytes":
            return sum(count_bytes(collapse_ws(s)) for s in sentences)
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
            return self._cut(kept, len(kept) < len(sentences))
        measure = count_bytes if self.unit == "bytes" else count_words
        kept, used, truncated = [], 0, False
        for line in lines:
            size = measure(line)
            if used + size > self.limit:
                head = self._head(line, self.limit - used)
                if head:
                    kept.append(head)
                truncated = True
                break
            kept.append(line)
            used += size
        return self._cut(kept, truncated)

    def _head(self, line: str, room: int) -> str:
        """The part of ``line`` that fits in ``room`` units."""
        if room <= 0:
            return ""
        if self.unit == "bytes":
            return cut_bytes(line, room)
        return " ".join(line.split()[:room])

    @staticmethod
    def _cut(lines: list[str], truncated: bool) -> Cut:
        text = "\n".join(lines)
        n_bytes = sum(count_bytes(line) for line in lines)
        return Cut(text, count_words(text), len(lines), truncated, n_bytes)

    def lengths(self, cut: Cut) -> dict[str, float]:
        """Per-cluster length keys: words and sentences always, bytes under a byte budget."""
        out = {"length_words": float(cut.n_words), "length_sentences": float(cut.n_sentences)}
        if self.unit == "bytes":
            out["length_bytes"] = float(cut.n_bytes)
        return out

    def signature(self) -> str:
        """E.g. ``words=100``, ``bytes=665``."""
        return f"{self.unit}={self.limit}"
