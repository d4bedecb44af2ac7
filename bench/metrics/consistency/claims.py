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

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from bench.errors import check_int
from bench.metrics.base import KeyInfo, MetricInfo
from bench.metrics.consistency.base import Evidence, Issue, consistency_score
from bench.metrics.consistency.casing import PLACEHOLDERS, has_case
from bench.metrics.consistency.coverage import ELSEWHERE
from bench.metrics.consistency.lexicon import country_words, english_words
from bench.metrics.consistency.names import (
    _TITLE_GENERIC,
    _TITLE_SAME,
    TITLE_WORDS,
    _name_spans,
    _title_after,
    _title_before,
    _title_text,
)
from bench.metrics.consistency.numbers import (
    _ALL_BUT,
    _NUMBER,
    HEAD_REACH,
    _classes,
    _is_date_number,
    _word_value,
    number_key,
)
from bench.metrics.consistency.sources import Sources, Window, source_index
from bench.metrics.consistency.tokens import (
    _DATE_WORD,
    _PUNCT,
    _STOP,
    _WORD_NUMBERS,
    MONTHS,
    WEEKDAYS,
    _at_sentence_start,
    _edits,
    _edits_within,
    _local_context,
    contains,
    normalize,
)
from bench.preprocess.clean import untokenize
from bench.preprocess.text import split_sentences
from bench.types import Cluster

# -- claims ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Claim:
    """A checkable piece of a summary sentence."""

    kind: str
    span: str
    tokens: tuple[str, ...]


_QUOTE = re.compile(r'"([^"]{3,}?)"|(?<![\w])\'([^\']{6,}?)\'(?![\w])')
_CAPITALISED = re.compile(r"[A-Z][\w'’.-]*|(?:of|the|de|al|ud|bin|e)(?=\s+[A-Z])")

# A sentence less than half of whose content one article sentence states fails (coverage.py).
MIN_COVERAGE = 0.5


# An attributed statement must come from (nearly) the window that best matches it.
ATTRIBUTION_RATIO = 0.8
# "according to a US embassy statement", "according to an army press release"
_ATTRIBUTION = re.compile(
    r"[Aa]ccording to (?:an?|the) ((?:[\w.-]+\s+){1,3}?(?:press\s+)?)"
    r"(statement|release|report|spokesman|spokesperson)\b"
)


# -- the checker -----------------------------------------------------------------------------


def _unsupported(
    sentence: str, span: str, kind: str, reason: str, evidence: Sequence[Evidence] = ()
) -> Issue:
    """A claim no document supports."""
    return Issue(sentence, span, kind, "unsupported", reason, tuple(evidence))


def _against(
    sentence: str, span: str, kind: str, reason: str, src: Sources, best: Window | None
) -> Issue:
    """An unsupported claim, with the window that says what the sentence is about (if any)."""
    evidence = (src.evidence(best.doc, best.text),) if best is not None else ()
    return _unsupported(sentence, span, kind, reason, evidence)


def _as_written(span: str, checked: str, sentence: str) -> str:
    """The span as the sentence writes it (``checked`` differs from it in letter case only)."""
    at = checked.find(span)
    return sentence[at : at + len(span)] if at >= 0 and checked != sentence else span


class ClaimChecker:
    """Checks summary sentences against one cluster's documents (see the module docstring)."""

    def __init__(
        self,
        bind_ratio: float = 0.5,
        bind_floor: float = 0.35,
        reach: int = 8,
        min_coverage: float = MIN_COVERAGE,
    ) -> None:
        """``bind_ratio``: how close to the best window a window holding the claim must come.

        ``reach``: the context of a claim is the words within this many tokens of it in the
        sentence (a compound sentence binds each claim to its own clause).
        ``min_coverage``: a sentence whose content coverage by one source sentence is below this
        fails (:mod:`bench.metrics.consistency.coverage`; 0 switches the check off).
        """
        if isinstance(min_coverage, bool) or not 0.0 <= min_coverage <= 1.0:
            raise ValueError(f"min_coverage must be in [0, 1], got {min_coverage!r}")
        self.min_coverage = float(min_coverage)
        self.reach = check_int(reach, "reach", 1)
        if not 0.0 < bind_ratio <= 1.0:
            raise ValueError(f"bind_ratio must be in (0, 1], got {bind_ratio}")
        if not 0.0 <= bind_floor < 1.0:
            raise ValueError(f"bind_floor must be in [0, 1), got {bind_floor}")
        self.bind_ratio = bind_ratio
        self.bind_floor = bind_floor

    # binding: is the claim stated where the rest of the sentence is?
    def _bound(
        self,
        src: Sources,
        sentence: Sequence[str],
        claim: Sequence[str],
        holds: Any = None,
        exclude: set[str] | frozenset[str] = frozenset(),
        reach: int | None = None,
        ratio: float | None = None,
        among: Sequence[int] | None = None,
    ) -> tuple[bool, Window | None]:
        """Whether a window holding the claim fits the sentence nearly as well as the best one.

        ``holds`` tells whether a window holds the claim (default: the claim's tokens in a
        row); ``among`` (default: the windows with the claim's first token) are the only
        windows that can.
        """
        reach = self.reach if reach is None else reach
        ratio = self.bind_ratio if ratio is None else ratio
        ctx = _local_context(sentence, claim, reach) - set(claim) - exclude
        if among is None:
            among = src.windows_with(claim[:1])
        windows = src.windows
        with_claim = [
            k
            for k in among
            if (holds(windows[k]) if holds is not None else contains(windows[k].joined, claim))
        ]
        if not with_claim:
            return False, None
        if len(ctx) < 3:
            return True, None
        # fit of a window = len(ctx & w.words) / len(ctx); the first best window wins
        held = src.overlaps(ctx)
        top = max(held)
        best_any, fit_any = windows[held.index(top)], top / len(ctx)
        best_with = max(held[k] for k in with_claim) / len(ctx)
        if fit_any >= self.bind_floor and best_with < ratio * fit_any:
            return False, best_any
        return True, None

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
        for sentence in map(untokenize, split_sentences(summary.split("\n"))):
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
            pieces = [normalize(p) for p in re.split(r"\.\.\.|…|\[[^\]]*\]", quote)]
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
                issues.append(_unsupported(sentence, quote, "quote", reason))

        def outside_quotes(start: int) -> bool:
            return not any(a <= start < b for a, b in quoted_ranges)

        # a word the summarizer could not produce: what it stands for cannot be checked
        for m in _PLACEHOLDER.finditer(plain):
            if outside_quotes(m.start()):
                reason = "an unknown-word placeholder stands for a word no one can check"
                issues.append(_unsupported(sentence, m.group(0), "entity", reason))

        # names and titles
        for start, end, name in _name_spans(plain):
            if not outside_quotes(start):
                continue
            first = name.split()[0]
            if _at_sentence_start(plain, start) and (
                first.lower() in src.lowercase | _STOP | set(_WORD_NUMBERS)
                or (first.lower() in english_words() and not src.case.name_like(first))
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

        # numbers (not years, not days of a month: dates below)
        for m in _ALL_BUT.finditer(plain):
            a, b = _word_value(m.group(1)), _word_value(m.group(2))
            if a is not None and b is not None:
                key = (a, f"all-but-of-{b:g}")
                docs = sorted(
                    {w.doc for w, ns in zip(src.windows, src.numbers, strict=True) if key in ns}
                )
                if docs:
                    note("number", m.group(0), docs)
                else:
                    reason = "no article gives these counts"
                    issues.append(_unsupported(sentence, m.group(0), "number", reason))
        for m in _NUMBER.finditer(plain):
            around = plain[max(0, m.start() - 8) : m.end() + 12]
            if not outside_quotes(m.start()) or _ALL_BUT.search(around):
                continue  # quotations are checked word for word; "all but N of M" above
            span = sentence[m.start() : m.end()].strip()
            if len(span.split()) > 1 and span.split()[-1].lower() in _STOP:
                span = span.rsplit(maxsplit=1)[0]  # "$25 million to": "to" is not a unit
            key = number_key(span)
            if key is None or _is_date_number(plain, m):
                continue
            value, unit = key
            if unit in MONTHS:  # "24 November" is a date
                continue
            if span[0].isupper() and span[0].isalpha() and not _at_sentence_start(plain, m.start()):
                continue  # a number word in a name: "the Six Nations", "Channel Four"
            if value <= 1 and span.split()[0].isalpha():
                continue  # "one" and "zero" are as often pronoun or idiom as count
            holds = [i for i, ns in enumerate(src.numbers) if (value, unit) in ns]
            if not holds and unit in _STOP:
                # the "unit" is just the next word of the sentence ("three of")
                holds = [i for i, ns in enumerate(src.numbers) if (value, "") in ns]
            if not holds:
                issues.extend(self._check_count(sentence, span, value, src, words, note))
                continue
            ok, best = self._bound(src, words, normalize(span), lambda w: True, among=holds)
            if ok:
                note("number", span, sorted({src.windows[i].doc for i in holds}))
            else:
                reason = f"the articles give {span!r} only in other contexts"
                issues.append(_against(sentence, span, "number", reason, src, best))

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
        return [_unsupported(sentence, sentence, "content", reason, evidence)]

    @staticmethod
    def _check_count(sentence, span, value, src, words, note):  # type: ignore[no-untyped-def]
        """A number the articles give under other words: its head noun or event must agree.

        "killed 14 people" is supported by "the death toll rose to 14" (``number_heads.txt``
        puts killed and death in one group), not by "14 schools were damaged".
        """
        anywhere = [i for i, ns in enumerate(src.numbers) if (value, "") in ns]
        if not anywhere:
            return [_unsupported(sentence, span, "number", f"no article gives {span!r}")]
        claim = normalize(span)
        heads = _classes(_local_context(words, claim, HEAD_REACH) | set(claim[1:]))
        agree = [i for i in anywhere if any(v == value and heads & c for v, c in src.counts(i))]
        if agree:
            note("number", span, sorted({src.windows[i].doc for i in agree}))
            return []
        reason = f"the articles give {value:g} only for other things"
        w = src.windows[anywhere[0]]
        return [_unsupported(sentence, span, "number", reason, [src.evidence(w.doc, w.text)])]

    def _check_name(self, sentence, plain, start, end, name, toks, src, words, note):  # type: ignore[no-untyped-def]
        issues: list[Issue] = []
        docs = src.docs_with(toks)
        surname = toks[-1]
        if not docs and len(toks) > 1:
            # "Jim Doe" / "General John Henry Roe": first and last name in one document
            docs = [d for d in src.docs_with([surname]) if toks[0] in src.doc_tokens[d]]
            if not docs and toks[0] not in src.vocabulary and len(surname) > 2:
                # "Alan Curtis" where the articles say "Curtis": a given name they never use
                # adds no claim to check; one they give someone else is a swap ("Mark Curtis")
                docs = src.docs_with([surname])
        if not docs:
            variants = self._variants(toks, src)
            if variants:
                reason = f"{name!r} is spelt differently in the articles"
                issues.append(_unsupported(sentence, name, "entity", reason, variants))
            else:
                demonym = self._demonym_docs(toks, src)
                if not demonym:
                    reason = f"no article mentions {name!r}"
                    issues.append(_unsupported(sentence, name, "entity", reason))
            return issues
        disputed = self._variants(toks, src)
        if disputed:
            sides = [src.evidence(d, name) for d in docs] + disputed
            issues.append(
                Issue(
                    sentence,
                    name,
                    "entity",
                    "disputed",
                    "the articles spell this name differently",
                    tuple(sides),
                )
            )
        person = surname in src.people
        # Places and organisations are checked for presence only: binding them to the rest of
        # the sentence costs false alarms on compound sentences and catches little.
        # A name spelt differently across documents binds through any of its spellings.
        spellings = {surname} | {
            t for e in disputed for t in e.says.split() if _edits(t, surname) <= 2
        }
        ok, best = (
            self._bound(
                src,
                words,
                [surname],
                holds=lambda w: any(f" {t} " in w.joined for t in spellings),
                exclude=set(toks) | TITLE_WORDS,
                among=src.windows_with(spellings),
            )
            if person
            else (True, None)
        )
        if not ok:
            issues.append(
                _against(
                    sentence, name, "entity", f"the articles do not say this of {name!r}", src, best
                )
            )
            return issues
        note("entity", name, docs)
        title = _title_before(plain, start) + _title_after(plain, end)
        title = [_TITLE_SAME.get(t, t) for t in title if t not in _TITLE_GENERIC]
        if title and person:
            given = self._titles_of(surname, src)
            missing = [t for t in title if t not in {_TITLE_SAME.get(g, g) for g in given}]
            shown = _title_text(sentence, start, end, missing)
            if missing:
                reason = f"no article gives {name!r} this title (not found: {', '.join(missing)})"
                issues.append(_unsupported(sentence, shown, "title", reason))
            else:
                note("title", shown, docs)
        return issues

    def _check_sources(self, sentence, plain, src, words):  # type: ignore[no-untyped-def]
        """'According to a US embassy statement, ...': the source must have said it."""
        issues = []
        for m in _ATTRIBUTION.finditer(plain):
            source = normalize(m.group(1).strip())
            if not source:
                continue
            # what is attributed is the whole rest of the sentence
            ok, best = self._bound(
                src,
                words,
                source,
                holds=lambda w, t=source: contains(w.joined, t),
                exclude={"according", "statement", "release", "report", "press"},
                reach=len(words),
                ratio=ATTRIBUTION_RATIO,
            )
            if not ok:
                reason = f"the articles do not attribute this to the {m.group(1)} {m.group(2)}"
                issues.append(_against(sentence, m.group(0), "entity", reason, src, best))
        return issues

    @staticmethod
    def _check_speakers(sentence, plain, src, quotes, outside_quotes):  # type: ignore[no-untyped-def]
        """A quotation put in the mouth of someone the articles never quote with it."""
        if not quotes:
            return []
        people = [
            (name, normalize(name)[-1])
            for start, _, name in _name_spans(plain)
            if outside_quotes(start) and normalize(name)[-1:] and normalize(name)[-1] in src.people
        ]
        issues = []
        for pieces in quotes:
            among = src.windows_with(pieces[0][:1]) if pieces else range(len(src.windows))
            near = [
                w
                for w in map(src.windows.__getitem__, among)
                if all(contains(w.joined, p) for p in pieces)
            ]
            speakers = {t for w in near for t in w.words if t in src.people}
            if not speakers or any(surname in speakers for _, surname in people):
                continue  # someone named in the sentence is quoted with these words
            for name, surname in people:
                if surname not in speakers:
                    who = ", ".join(sorted(speakers))
                    reason = f"the articles give this quotation beside {who}, not {name}"
                    evidence = [src.evidence(w.doc, w.text) for w in near[:2]]
                    issues.append(_unsupported(sentence, name, "entity", reason, evidence))
        return issues

    @staticmethod
    def _titles_of(surname: str, src: Sources) -> set[str]:
        """Title words the documents put right before the name or in apposition after it."""
        if surname in src.titles:
            return src.titles[surname]
        given: set[str] = set()
        src.titles[surname] = given
        for text in src.sentences:
            if surname not in text.lower():
                continue
            plain = text.translate(_PUNCT)
            for start, end, name in _name_spans(plain):
                if normalize(name)[-1:] == [surname]:
                    given.update(_title_before(plain, start))
                    given.update(_title_after(plain, end))
        return given

    @staticmethod
    def _variants(toks: Sequence[str], src: Sources) -> list[Evidence]:
        """Spellings in the documents of a name token within two edits, beside the same name.

        Kept per cluster: the summaries of one cluster name the same people.
        """
        key = tuple(toks)
        if key not in src.variants:
            src.variants[key] = ClaimChecker._find_variants(toks, src)
        return src.variants[key]

    @staticmethod
    def _find_variants(toks: Sequence[str], src: Sources) -> list[Evidence]:
        out: list[Evidence] = []
        for pos, tok in enumerate(toks):
            if len(tok) < 5 or len(toks) < 2:
                continue
            neighbour = toks[pos - 1] if pos else toks[pos + 1]
            close = {
                t
                for t in src.words_starting(tok[:1])
                if t != tok
                and abs(len(t) - len(tok)) <= 2
                and len(t) >= 4
                and not t.startswith(tok)
                and not tok.startswith(t)
                and _edits_within(t, tok, 2)
            }
            if not close:
                continue
            for d, doc in enumerate(src.doc_tokens):
                for i, t in enumerate(doc):
                    if t not in close:
                        continue
                    near = doc[max(0, i - 1) : i + 2]
                    if neighbour in near:
                        out.append(src.evidence(d, " ".join(doc[max(0, i - 1) : i + 2])))
                        break
        return out

    @staticmethod
    def _demonym_docs(toks: Sequence[str], src: Sources) -> list[int]:
        """'Chinese' is supported by 'China' (a crude stem match for one-word names)."""
        if len(toks) != 1 or len(toks[0]) < 5:
            return []
        stem = toks[0][:4]
        return [
            d
            for d, doc in enumerate(src.doc_tokens)
            if any(t.startswith(stem) and abs(len(t) - len(toks[0])) <= 3 for t in doc)
        ]

    def _check_dates(self, sentence, plain, src, words, note, outside_quotes):  # type: ignore[no-untyped-def]
        issues: list[Issue] = []
        for m in _DATE_WORD.finditer(plain):
            if not outside_quotes(m.start()):
                continue
            word = m.group(1).lower()
            day = re.search(r"(\d{1,2})\s*$", plain[: m.start()]) or re.match(
                r"\s+(\d{1,2})\b", plain[m.end() :]
            )
            claim = [word, day.group(1)] if day and word in MONTHS else [word]

            def holds(w: Window, claim: list[str] = claim) -> bool:
                if len(claim) == 1:
                    return f" {claim[0]} " in w.joined
                return contains(w.joined, claim) or contains(w.joined, claim[::-1])

            ok, best = self._bound(src, words, claim, holds)
            span = m.group(0) if len(claim) == 1 else f"{claim[1]} {m.group(1)}"
            if word in MONTHS and len(claim) == 1:
                ctx = _local_context(words, [word], self.reach) - {word}
                sides = self._month_sides(src, ctx)
                others = {d for mo, ds in sides.items() if mo != word for d in ds} - set(
                    sides.get(word, [])
                )
                if word in sides and others:
                    ev = [src.evidence(d, mo) for mo, ds in sorted(sides.items()) for d in ds]
                    said = ", ".join(
                        f"{mo}: {len(ds)} article(s)" for mo, ds in sorted(sides.items())
                    )
                    issues.append(
                        Issue(
                            sentence,
                            span,
                            "date",
                            "disputed",
                            f"the articles disagree on the month ({said})",
                            tuple(ev),
                        )
                    )
                    continue
            if ok:
                note("date", span, sorted({w.doc for w in src.windows if holds(w)}))
                continue
            reason = (
                f"no article gives {span!r}"
                if best is None and not any(holds(w) for w in src.windows)
                else f"the articles give {span!r} for something else"
            )
            issues.append(_against(sentence, span, "date", reason, src, best))
        for m in re.finditer(r"\b(1[89]\d\d|20\d\d)\b", plain):
            if not outside_quotes(m.start()):
                continue
            year = m.group(1)
            ok, best = self._bound(src, words, [year])
            if ok:
                note("date", year, src.docs_with([year]))
            else:
                issues.append(
                    _against(sentence, year, "date", f"no article gives {year} for this", src, best)
                )
        return issues

    def _month_sides(self, src: Sources, ctx: set[str]) -> dict[str, list[int]]:
        """Months the documents give in the windows that best match the sentence."""
        if not ctx:
            return {}
        fits = [n / len(ctx) for n in src.overlaps(ctx)]
        top = max(fits)
        sides: dict[str, list[int]] = {}
        for w, f in zip(src.windows, fits, strict=True):
            if f >= max(self.bind_floor, self.bind_ratio * top):
                for mo in MONTHS:
                    if f" {mo} " in w.joined and w.doc not in sides.setdefault(mo, []):
                        sides[mo].append(w.doc)
        return {mo: ds for mo, ds in sides.items() if ds}


_PLACEHOLDER = re.compile(
    "|".join(rf"(?<![\w<\[]){re.escape(p)}(?![\w>\]])" for p in sorted(PLACEHOLDERS)), re.I
)


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
    higher_is_better = {"fact_consistency": True}
    value_range = (0.0, 1.0)
    needs_references = False
    needs_documents = True

    def __init__(self, **settings: Any) -> None:
        """``settings``: ``bind_ratio``, ``bind_floor``, ``reach``, ``min_coverage``.

        What each does, its default and its allowed range: :class:`ClaimChecker`.
        """
        self.checker = ClaimChecker(**settings)
        self.details: list[dict[str, Any]] = []

    def score(
        self, summaries: Sequence[str], clusters: Sequence[Cluster]
    ) -> list[dict[str, float]]:
        """One ``fact_consistency`` per summary; issues in ``details``."""
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
        self.details = details
        return out

    def signature(self) -> dict[str, str]:
        """Settings that determine the values."""
        return {
            "name": "fact-claims",
            "claims": "entity,title,number,date,quote,content,placeholder",
            "text": "ptb-untokenized,lower-cased-truecased,aliases+countries",
            "bind": f"window=3,ratio={self.checker.bind_ratio},floor={self.checker.bind_floor},"
            f"reach={self.checker.reach},attribution={ATTRIBUTION_RATIO}",
            "numbers": f"heads-agree,reach={HEAD_REACH}",
            "coverage": f"min={self.checker.min_coverage:g},elsewhere={ELSEWHERE:g}",
            "disputed": "months,name-spellings",
            "score": "share of sentences without unsupported/contradicted claims",
        }
