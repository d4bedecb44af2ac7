"""The claim checker: every checkable claim of a summary sentence against one cluster's articles.

:class:`ClaimChecker` splits a summary into sentences, gives a lower-cased one the case the
articles suggest (:mod:`.casing`), checks its quotations word for word and its names, numbers and
dates (:mod:`.entity_checks`, :mod:`.number_checks`, :mod:`.date_checks`, all bound to the
sentence by :mod:`.binding`), and measures a sentence without such claims by its content coverage
(:mod:`.coverage`). What it checks and its limits: :mod:`bench.metrics.consistency.claims`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from bench.metrics.consistency.base import Issue
from bench.metrics.consistency.binding import unsupported
from bench.metrics.consistency.casing import PLACEHOLDERS, has_case
from bench.metrics.consistency.date_checks import DateChecks
from bench.metrics.consistency.entity_checks import EntityChecks
from bench.metrics.consistency.lexicon import country_words, english_words
from bench.metrics.consistency.names import (
    TITLE_WORDS,
    _name_spans,
)
from bench.metrics.consistency.number_checks import NumberChecks
from bench.metrics.consistency.sources import Sources
from bench.metrics.consistency.tokens import (
    _PUNCT,
    _STOP,
    _WORD_NUMBERS,
    MONTHS,
    WEEKDAYS,
    _at_sentence_start,
    contains,
    normalize,
    untokenized,
)
from bench.preprocess.text import split_sentences
from bench.types import Cluster

_QUOTE = re.compile(r'"([^"]{3,}?)"|(?<![\w])\'([^\']{6,}?)\'(?![\w])')
# what a quotation leaves out: "...", "…" or "[words]"
_ELLIPSIS = re.compile(r"\.\.\.|…|\[[^\]]*\]")

# A sentence less than half of whose content one article sentence states fails (coverage.py).
MIN_COVERAGE = 0.5


def _as_written(span: str, checked: str, sentence: str) -> str:
    """The span as the sentence writes it (``checked`` differs from it in letter case only)."""
    at = checked.find(span)
    return sentence[at : at + len(span)] if at >= 0 and checked != sentence else span


class ClaimChecker(EntityChecks, NumberChecks, DateChecks):
    """Checks summary sentences against one cluster's documents (see the module docstring)."""

    def __init__(
        self,
        bind_ratio: float = 0.5,
        bind_floor: float = 0.35,
        reach: int = 8,
        min_coverage: float = MIN_COVERAGE,
    ) -> None:
        """``bind_ratio``, ``bind_floor``: binding (:class:`.binding.Binder`).

        ``reach``: the context of a claim is the words within this many tokens of it in the
        sentence (a compound sentence binds each claim to its own clause).
        ``min_coverage``: a sentence whose content coverage by one source sentence is below this
        fails (:mod:`bench.metrics.consistency.coverage`; 0 switches the check off).
        """
        if isinstance(min_coverage, bool) or not 0.0 <= min_coverage <= 1.0:
            raise ValueError(f"min_coverage must be in [0, 1], got {min_coverage!r}")
        self.min_coverage = float(min_coverage)
        super().__init__(bind_ratio, bind_floor, reach)

    def check(
        self, summary: str, cluster: Cluster, src: Sources | None = None
    ) -> tuple[list[Issue], list[dict[str, Any]]]:
        """Issues of one summary, and per sentence the claims found with their documents."""
        src = src if src is not None else Sources(cluster.documents)
        issues: list[Issue] = []
        report: list[dict[str, Any]] = []
        # A lower-cased summary gets the case the articles and the word list suggest, so that
        # its names are checked; spans are cut back from the sentence as written.
        cased = has_case(summary)
        # split as written (the splitter's cache holds these), then read untokenised
        for sentence in map(untokenized, split_sentences(summary.split("\n"))):
            found, flagged = self._sentence(sentence, cased, src)
            issues.extend(replace(issue, index=len(report)) for issue in flagged)
            report.append({"sentence": sentence, "claims": found, "issues": len(flagged)})
        return issues, report

    def _sentence(
        self, sentence: str, cased: bool, src: Sources
    ) -> tuple[list[dict[str, Any]], tuple[Issue, ...]]:
        """The claims found in one summary sentence, and its issues (no sentence position).

        Kept in the source index per setting: the systems of a sweep (and the summaries of one
        system) share many sentences, each checked once per cluster.
        """
        key = (self.bind_ratio, self.bind_floor, self.reach, self.min_coverage, cased, sentence)
        done = src.checked.get(key)
        if done is None:
            found: list[dict[str, Any]] = []
            checked = sentence if cased else src.case.truecase(sentence)
            flagged = [
                replace(issue, sentence=sentence, span=_as_written(issue.span, checked, sentence))
                for issue in self._check_sentence(checked, src, found)
            ]
            if self.min_coverage > 0 and not flagged:
                flagged.extend(self._check_coverage(sentence, src, found))
            done = src.checked[key] = (found, tuple(flagged))
        # copies: a caller may change its report without changing the kept one
        return [dict(c, documents=list(c["documents"])) for c in done[0]], done[1]

    def _check_sentence(self, sentence: str, src: Sources, found: list) -> list[Issue]:
        issues: list[Issue] = []
        words = normalize(sentence)
        quoted_ranges: list[tuple[int, int]] = []
        quotes_found: list[list[list[str]]] = []

        def note(kind: str, span: str, docs: Sequence[int]) -> None:
            found.append({"kind": kind, "span": span, "documents": [src.doc_ids[d] for d in docs]})

        # quotations: word for word in one document
        plain = sentence.translate(_PUNCT)
        for m in _QUOTE.finditer(plain):
            group = 1 if m.group(1) is not None else 2
            # ``plain`` maps characters one to one: spans are cut from the sentence as written
            quote = sentence[m.start(group) : m.end(group)]
            quoted_ranges.append(m.span())
            pieces = [normalize(p) for p in _ELLIPSIS.split(quote)]
            pieces = [p for p in pieces if p]
            docs = [
                d
                for d in range(len(src.doc_ids))
                if all(contains(src.doc_joined[d], p) for p in pieces)
            ]
            if docs:
                note("quote", quote, docs)
                quotes_found.append(pieces)
            else:
                reason = "no article has these words as quoted"
                issues.append(unsupported(sentence, quote, "quote", reason))

        def outside_quotes(start: int) -> bool:
            return not any(a <= start < b for a, b in quoted_ranges)

        # a word the summarizer could not produce: what it stands for cannot be checked
        for m in _PLACEHOLDER.finditer(plain) if "unk" in plain.lower() else ():
            if outside_quotes(m.start()):
                reason = "an unknown-word placeholder stands for a word no one can check"
                issues.append(unsupported(sentence, m.group(0), "entity", reason))

        # names and titles
        for start, end, name in _name_spans(plain):
            if not outside_quotes(start):
                continue
            first = name.split()[0]
            lower = first.lower()
            if _at_sentence_start(plain, start) and (
                lower in src.lowercase
                or lower in _STOP
                or lower in _WORD_NUMBERS
                or (lower in english_words() and not src.case.name_like(first))
            ):
                rest = name[len(first) :].lstrip()
                if not rest:
                    continue
                start, name = start + (len(name) - len(rest)), rest
            toks = normalize(name)
            toks = [t for t in toks if t not in TITLE_WORDS or t in country_words()] or toks
            # a lone "US" normalises like the pronoun "us"; months and weekdays are dates
            toks = [t for t in toks if t not in PLACEHOLDERS]
            if not toks or toks == ["us"] or toks[0] in MONTHS + WEEKDAYS:
                continue
            if start == 0 and len(toks) == 1 and toks[0] in _STOP:
                continue
            issues.extend(
                self._check_name(sentence, plain, start, end, name, toks, src, words, note)
            )

        issues.extend(self._check_speakers(sentence, plain, src, quotes_found, outside_quotes))
        issues.extend(self._check_sources(sentence, plain, src, words))

        issues.extend(self._check_numbers(sentence, plain, src, words, note, outside_quotes))

        # dates: weekdays, months, years, day + month
        issues.extend(self._check_dates(sentence, plain, src, words, note, outside_quotes))
        return issues

    def _check_coverage(self, sentence: str, src: Sources, found: list) -> list[Issue]:
        """A sentence most of whose content no one article sentence states."""
        cov = src.stems.coverage([t for t in normalize(sentence) if t not in _STOP and len(t) > 1])
        if cov is None:
            return []
        best = [src.sentence_doc[cov.best]] if cov.best >= 0 else []
        if cov.value >= self.min_coverage:
            found.append(
                {
                    "kind": "content",
                    "span": sentence,
                    "documents": [src.doc_ids[d] for d in best],
                    "coverage": round(cov.value, 3),
                }
            )
            return []
        reason = (
            f"no article sentence states most of this: coverage {cov.value:.2f} < "
            f"{self.min_coverage:g}"
            + (f"; in no article: {', '.join(cov.missing[:5])}" if cov.missing else "")
        )
        evidence = [src.evidence(d, src.sentences[cov.best]) for d in best]
        return [unsupported(sentence, sentence, "content", reason, evidence)]


_PLACEHOLDER = re.compile(
    "|".join(rf"(?<![\w<\[]){re.escape(p)}(?![\w>\]])" for p in sorted(PLACEHOLDERS)), re.I
)
