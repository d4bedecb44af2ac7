"""Names, titles, quoted speakers and attributions of a summary sentence.

A name must be in an article (first and last name in one document; a given name the articles
never use adds no claim); a person must be named where the rest of the sentence is
(:mod:`.binding`); a title bound to a name must be one the articles give that person; a quotation
must not be put in the mouth of someone the articles never quote with it; "according to a US
embassy statement" must come from (nearly) the window that best matches the sentence. Names spelt
differently across documents (tokens within two edits beside the same neighbouring name token)
are ``disputed``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from bench.metrics.consistency.base import Evidence, Issue
from bench.metrics.consistency.binding import Binder, against, every_window, unsupported
from bench.metrics.consistency.names import (
    _TITLE_GENERIC,
    _TITLE_SAME,
    TITLE_WORDS,
    _name_spans,
    _title_after,
    _title_before,
    _title_text,
)
from bench.metrics.consistency.sources import Sources
from bench.metrics.consistency.tokens import (
    _PUNCT,
    _edits,
    _edits_within,
    contains,
    normalize,
)

# An attributed statement must come from (nearly) the window that best matches it.
ATTRIBUTION_RATIO = 0.8
# "according to a US embassy statement", "according to an army press release"
_ATTRIBUTION = re.compile(
    r"[Aa]ccording to (?:an?|the) ((?:[\w.-]+\s+){1,3}?(?:press\s+)?)"
    r"(statement|release|report|spokesman|spokesperson)\b"
)


class EntityChecks(Binder):
    """The name, title, speaker and attribution checks of the claim checker."""

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
                issues.append(unsupported(sentence, name, "entity", reason, variants))
            else:
                demonym = self._demonym_docs(toks, src)
                if not demonym:
                    reason = f"no article mentions {name!r}"
                    issues.append(unsupported(sentence, name, "entity", reason))
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
                holds=every_window,  # every window of ``among`` has one of the spellings
                exclude=set(toks) | TITLE_WORDS,
                among=src.windows_with(spellings),
            )
            if person
            else (True, None)
        )
        if not ok:
            issues.append(
                against(
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
                issues.append(unsupported(sentence, shown, "title", reason))
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
                issues.append(against(sentence, m.group(0), "entity", reason, src, best))
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
            # a window holding every piece holds every word of them (no piece: every window)
            among = src.windows_with_all(t for p in pieces for t in p)
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
                    issues.append(unsupported(sentence, name, "entity", reason, evidence))
        return issues

    @staticmethod
    def _titles_of(surname: str, src: Sources) -> set[str]:
        """Title words the documents put right before the name or in apposition after it."""
        if surname in src.titles:
            return src.titles[surname]
        given: set[str] = set()
        src.titles[surname] = given
        for i in src.sentences_containing(surname):
            plain = src.sentences[i].translate(_PUNCT)
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
            src.variants[key] = EntityChecks._find_variants(toks, src)
        return src.variants[key]

    @staticmethod
    def _find_variants(toks: Sequence[str], src: Sources) -> list[Evidence]:
        out: list[Evidence] = []
        for pos, tok in enumerate(toks):
            if len(tok) < 5 or len(toks) < 2:
                continue
            neighbour = toks[pos - 1] if pos else toks[pos + 1]
            # per document, the first place (in reading order) of a close spelling beside the
            # neighbouring name token: only the tokens beside that token can be one
            beside = {
                (d, i)
                for d, j in src.token_positions(neighbour)
                for i in range(max(0, j - 1), min(len(src.doc_tokens[d]), j + 2))
            }
            found: set[int] = set()
            for d, i in sorted(beside):
                if d not in found and _close_spelling(src.doc_tokens[d][i], tok):
                    doc = src.doc_tokens[d]
                    out.append(src.evidence(d, " ".join(doc[max(0, i - 1) : i + 2])))
                    found.add(d)
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


@lru_cache(maxsize=1 << 16)
def _close_spelling(word: str, name: str) -> bool:
    """Whether ``word`` may be another spelling of the name token ``name``.

    Within two edits, of at least four letters, with the same first letter, and neither word
    the start of the other.
    """
    return (
        word[:1] == name[:1]
        and len(word) >= 4
        and word != name
        and not word.startswith(name)
        and not name.startswith(word)
        and _edits_within(word, name, 2)
    )
