"""Content coverage: how much of a summary sentence one source sentence states.

A check for claims that carry no name, number, date or quotation ("the club has been
relegated", "he was arrested for failing to clear the scene"): the content words of the summary
sentence (stop words out, crude stems, aliases mapped by :func:`.tokens.normalize`) are looked up
in every source sentence. A word counts 1 when the best sentence holds it, ``elsewhere`` (0.5)
when only another sentence of the cluster does, 0 when no article has it; coverage is the best
sentence's sum over the number of content words. A faithful extractive or lightly paraphrased
sentence is mostly stated in one place (coverage near 1); a sentence spliced from several places,
or with content no article gives, is not.

This is a lexical measure in the spirit of the "density" and "coverage" of extractive fragments
(Grusky et al., NAACL 2018) applied per sentence against the best single source sentence; it
does not understand paraphrase, so its threshold trades recall against false alarms on
abstractive summaries (see ``docs/fact_check.md``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain

from bench.metrics.consistency.lexicon import stem

# Weight of a content word stated somewhere in the cluster, but not in the best sentence.
ELSEWHERE = 0.5
# Sentences with fewer content words are not scored (too little to measure).
MIN_WORDS = 2


@dataclass(frozen=True, slots=True)
class Coverage:
    """Coverage of one summary sentence, and where it is best stated."""

    value: float
    best: int  # index of the best source sentence (-1: none)
    missing: tuple[str, ...]  # content words no article has


class StemIndex:
    """The stems of every source sentence, for coverage look-ups."""

    def __init__(self, sentences: Sequence[Sequence[str]]) -> None:
        """Index normalised source sentences (token lists)."""
        self.sentences = [frozenset(stem(t) for t in toks) for toks in sentences]
        self.all = frozenset().union(*self.sentences) if self.sentences else frozenset()
        # stem -> the sentences holding it (ascending): a look-up reads only those sentences
        self._postings: dict[str, list[int]] = {}
        for i, words in enumerate(self.sentences):
            for s in words:
                self._postings.setdefault(s, []).append(i)

    def coverage(self, content: Sequence[str]) -> Coverage | None:
        """Coverage of a sentence's content words (None when there are too few to measure)."""
        if len(content) < MIN_WORDS:
            return None
        stems = [stem(t) for t in content]
        known = [s in self.all for s in stems]
        base = ELSEWHERE * sum(known)
        # per sentence holding any, how many of the stems (repeats counted) it holds
        held = Counter(chain.from_iterable(self._postings.get(s, ()) for s in stems))
        best, best_at = base, -1
        if held:
            # a word in the best sentence counts 1 instead of ELSEWHERE; the first such wins
            top = max(held.values())
            best, best_at = (
                base + (1 - ELSEWHERE) * top,
                min(i for i, n in held.items() if n == top),
            )
        missing = tuple(dict.fromkeys(t for t, k in zip(content, known, strict=True) if not k))
        return Coverage(best / len(stems), best_at, missing)
