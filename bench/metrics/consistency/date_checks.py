"""Dates of a summary sentence: weekdays, months, years and day + month, bound to the sentence.

Where the documents themselves disagree on the month (their best-matching windows give
different months), a summary stating one of them is ``disputed``, not ``unsupported``.
"""

from __future__ import annotations

import re

from bench.metrics.consistency.base import Issue
from bench.metrics.consistency.binding import Binder, against
from bench.metrics.consistency.sources import Sources, Window
from bench.metrics.consistency.tokens import (
    _DATE_WORD,
    MONTHS,
    _local_context,
    contains,
)

# a day of the month before or after its month: "24 November", "November 24"
_DAY_BEFORE = re.compile(r"(\d{1,2})\s*$")
_DAY_AFTER = re.compile(r"\s+(\d{1,2})\b")
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")


class DateChecks(Binder):
    """The date checks of :class:`~bench.metrics.consistency.checker.ClaimChecker`."""

    def _check_dates(self, sentence, plain, src, words, note, outside_quotes):  # type: ignore[no-untyped-def]
        """Weekdays, months, day + month and years, each bound to the sentence."""
        issues: list[Issue] = []
        for m in _DATE_WORD.finditer(plain):
            if not outside_quotes(m.start()):
                continue
            word = m.group(1).lower()
            day = _DAY_BEFORE.search(plain[: m.start()]) or _DAY_AFTER.match(plain[m.end() :])
            claim = [word, day.group(1)] if day and word in MONTHS else [word]

            def holds(w: Window, claim: list[str] = claim) -> bool:
                if len(claim) == 1:
                    return f" {claim[0]} " in w.joined
                return contains(w.joined, claim) or contains(w.joined, claim[::-1])

            ok, best = self._bound(src, words, claim, holds)
            # every window holding the claim holds its month or weekday word
            holding = [
                w for w in map(src.windows.__getitem__, src.windows_with(claim[:1])) if holds(w)
            ]
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
                note("date", span, sorted({w.doc for w in holding}))
                continue
            reason = (
                f"no article gives {span!r}"
                if best is None and not holding
                else f"the articles give {span!r} for something else"
            )
            issues.append(against(sentence, span, "date", reason, src, best))
        for m in _YEAR.finditer(plain):
            if not outside_quotes(m.start()):
                continue
            year = m.group(1)
            ok, best = self._bound(src, words, [year])
            if ok:
                note("date", year, src.docs_with([year]))
            else:
                issues.append(
                    against(sentence, year, "date", f"no article gives {year} for this", src, best)
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
