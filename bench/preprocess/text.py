"""Sentence splitting and word counting.

Splitting uses pysbd (Sadvilkar & Neumann, 2020), a maintained rule-based splitter that keeps
abbreviations such as "Lt. Gen." and "U.S." and quoted sentences intact. pysbd is super-linear
on long unbroken text, so it is always run one paragraph at a time, never on a whole cluster.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from importlib.metadata import version


@lru_cache(maxsize=1)
def _segmenter():  # type: ignore[no-untyped-def]
    import pysbd

    return pysbd.Segmenter(language="en", clean=False)


def splitter_signature() -> str:
    """Name and version of the sentence splitter."""
    return f"pysbd-{version('pysbd')}"


@lru_cache(maxsize=65536)
def _split_paragraph(paragraph: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in _segmenter().segment(paragraph) if s.strip())


def split_sentences(paragraphs: Iterable[str]) -> list[str]:
    """Split each paragraph into sentences; sentences never span paragraphs."""
    out: list[str] = []
    for paragraph in paragraphs:
        if paragraph.strip():
            out.extend(_split_paragraph(paragraph.strip()))
    return out


def collapse_ws(text: str) -> str:
    """Runs of whitespace -> one space; no leading or trailing whitespace."""
    return " ".join(text.split())


def count_words(text: str) -> int:
    """Number of whitespace-separated tokens, the unit of every length budget."""
    return len(text.split())
