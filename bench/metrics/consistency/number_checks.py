"""Numbers of a summary sentence: stated by an article, for the same thing.

A number ("$10 million", "125 out of 128", "ten-month") must be given by an article in a window
that fits the sentence (:mod:`.binding`); one the articles give under other words is supported
when its head noun or event agrees ("killed 14 people" / "the death toll rose to 14";
``data/number_heads.txt``). Years and days of a month are dates (:mod:`.date_checks`).
"""

from __future__ import annotations

from bench.metrics.consistency.base import Issue
from bench.metrics.consistency.binding import Binder, against, every_window, unsupported
from bench.metrics.consistency.numbers import (
    _ALL_BUT,
    _NUMBER,
    HEAD_REACH,
    _classes,
    _is_date_number,
    _word_value,
    number_key,
)
from bench.metrics.consistency.tokens import (
    _STOP,
    MONTHS,
    _at_sentence_start,
    _local_context,
    normalize,
)


class NumberChecks(Binder):
    """The number checks of :class:`~bench.metrics.consistency.checker.ClaimChecker`."""

    def _check_numbers(self, sentence, plain, src, words, note, outside_quotes):  # type: ignore[no-untyped-def]
        """Counts and amounts (not years, not days of a month: those are dates)."""
        issues: list[Issue] = []
        all_but = False  # a match in part of the sentence is one in the whole sentence
        for m in _ALL_BUT.finditer(plain):
            all_but = True
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
                    issues.append(unsupported(sentence, m.group(0), "number", reason))
        for m in _NUMBER.finditer(plain):
            around = plain[max(0, m.start() - 8) : m.end() + 12]
            if not outside_quotes(m.start()) or (all_but and _ALL_BUT.search(around)):
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
            holds = src.number_windows((value, unit))
            if not holds and unit in _STOP:
                # the "unit" is just the next word of the sentence ("three of")
                holds = src.number_windows((value, ""))
            if not holds:
                issues.extend(self._check_count(sentence, span, value, src, words, note))
                continue
            ok, best = self._bound(src, words, normalize(span), every_window, among=holds)
            if ok:
                note("number", span, sorted({src.windows[i].doc for i in holds}))
            else:
                reason = f"the articles give {span!r} only in other contexts"
                issues.append(against(sentence, span, "number", reason, src, best))
        return issues

    @staticmethod
    def _check_count(sentence, span, value, src, words, note):  # type: ignore[no-untyped-def]
        """A number the articles give under other words: its head noun or event must agree.

        "killed 14 people" is supported by "the death toll rose to 14" (``number_heads.txt``
        puts killed and death in one group), not by "14 schools were damaged".
        """
        anywhere = src.number_windows((value, ""))
        if not anywhere:
            return [unsupported(sentence, span, "number", f"no article gives {span!r}")]
        claim = normalize(span)
        heads = _classes(_local_context(words, claim, HEAD_REACH) | set(claim[1:]))
        agree = [i for i in anywhere if any(v == value and heads & c for v, c in src.counts(i))]
        if agree:
            note("number", span, sorted({src.windows[i].doc for i in agree}))
            return []
        reason = f"the articles give {value:g} only for other things"
        w = src.windows[anywhere[0]]
        return [unsupported(sentence, span, "number", reason, [src.evidence(w.doc, w.text)])]
