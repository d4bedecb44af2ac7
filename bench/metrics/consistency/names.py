"""Names and titles in capitalised text, with the office words that go with them.

Runs of capitalised words, and the office words before a name or in apposition after it ("US
Defence Secretary Jane Doe", "Doe, the army chief,"). Office words are a fixed English
vocabulary; countries come from ``data/``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from bench.metrics.consistency.lexicon import country_words
from bench.metrics.consistency.tokens import _words, normalize

_OFFICE_WORDS = frozenset(
    _words(
        "president vice prime minister secretary defence state foreign interior finance army "
        "general lieutenant major colonel brigadier admiral commander chief director cia fbi "
        "spokesman adviser national security ambassador senator governor chairman head top "
        "military intelligence staff joint chiefs of office marine "
        "retd retired deputy assistant special envoy representative"
    )
)


# A country belongs to a title ("US Defence Secretary", "the French president") but is no
# title on its own: a lone "Qatar" is a name to check.
TITLE_WORDS = _OFFICE_WORDS | country_words()


_TITLE_GENERIC = frozenset({"of", "top", "the", "head"}) | country_words()


ORGANISATION_WORDS = frozenset(
    _words(
        "department ministry office agency embassy house forum network party council news "
        "court force forces fund intelligence services airbase headquarters group "
        "nations union times post press agency newspaper journal"
    )
)


# Words for the same role: an agency's "chief" is its "director", the "head of" the agency.
_TITLE_SAME = {"chief": "head", "director": "head"}


@lru_cache(maxsize=65536)
def _is_title_word(word: str) -> bool:
    toks = normalize(word)
    return bool(toks) and all(t in TITLE_WORDS for t in toks)


_NAME_RUN = re.compile(r"(?:[A-Z][\w'’.-]*)(?:\s+(?:(?:of|the|ud|al|e|bin)\s+)?[A-Z][\w'’.-]*)*")


@lru_cache(maxsize=1 << 16)
def _name_spans(sentence: str) -> tuple[tuple[int, int, str], ...]:
    """Runs of capitalised words (with 'of', 'ud', ... inside), after their last title word.

    "Defence Intelligence Director General Lt. Gen. John Roe" -> "John Roe"
    (what precedes it is its title, read by :func:`_title_before`). Kept per process: the
    sentences of one cluster's articles and summaries are read by every system of a sweep.
    """
    spans = []
    for m in _NAME_RUN.finditer(sentence):
        words = m.group(0).split()
        positions, pos = [], m.start()
        for w in words:
            pos = sentence.index(w, pos)
            positions.append(pos)
            pos += len(w)
        last_title = max((i for i, w in enumerate(words) if _is_title_word(w)), default=-1)
        if last_title == len(words) - 1:
            # a country before a name is part of its title ("US Congress"), alone it is a name
            if not set(normalize(words[-1])) <= country_words():
                continue
            last_title -= 1
        start = positions[last_title + 1]
        text = " ".join(words[last_title + 1 :]).rstrip(".,'’")
        text = re.sub(r"['’]s$", "", text)
        if text:
            spans.append((start, start + len(text), text))
    return tuple(spans)


_TITLE_GLUE = frozenset({"in", "of", "the", "forces", "country"})


# an apposition starts with an article or a possessive: ", the US Army chief of staff,"
_APPOSITION = re.compile(
    r"\s*[,(-]\s*(?:the|a|an|[\w.]+'s|[\w.]+’s)\s+(?:country's\s+)?([^,;:)-]{2,60})", re.I
)
_AFTER_NAME = re.compile(r"\s*[,(-]\s*([^,;:)]{2,60})")  # what follows a name after a comma
_TITLE_TOKEN = re.compile(r"[\w.'’-]+")


def _title_before(sentence: str, start: int) -> list[str]:
    """Title words right before a name, also across a comma: 'The top US commander, Gen. X'."""
    before = sentence[:start].rstrip()
    run: list[str] = []
    for attempt in range(2):
        for t in reversed(normalize(before)):
            if t in TITLE_WORDS or (attempt and t in _TITLE_GLUE):
                run.append(t)
            else:
                break
        if attempt == 0 and before.endswith(","):
            before = before[:-1]
            continue
        if attempt == 0 and not before.endswith(","):
            break
    return [t for t in reversed(run) if t in TITLE_WORDS]


def _title_after(sentence: str, end: int) -> list[str]:
    """An apposition after a name: ', the US Army chief of staff,' -> its title words."""
    m = _APPOSITION.match(sentence, end)
    if not m:
        return []
    run: list[str] = []
    for t in normalize(m.group(1)):
        if t in TITLE_WORDS or t in _TITLE_GLUE:
            run.append(t)
        else:
            break
    words = [t for t in run if t in TITLE_WORDS]
    return words if any(t in TITLE_WORDS - _TITLE_GENERIC for t in words) else []


def _title_text(sentence: str, start: int, end: int, missing: Sequence[str] = ()) -> str:
    """The title as written: the words before the name, or the apposition after it.

    The part holding a ``missing`` word wins, so the report marks the wrong words.
    """
    words = list(_TITLE_TOKEN.finditer(sentence, 0, start))
    first = None
    for w in reversed(words):
        toks = normalize(w.group(0))
        if toks and all(t in TITLE_WORDS | _TITLE_GLUE for t in toks):
            first = w.start()
        else:
            break
    before = sentence[first:start].strip(" ,") if first is not None else ""
    m = _AFTER_NAME.match(sentence, end)
    after = m.group(1).strip() if m else ""
    wanted = {_TITLE_SAME.get(t, t) for t in missing}
    in_after = wanted & {_TITLE_SAME.get(t, t) for t in normalize(after)}
    in_before = wanted & {_TITLE_SAME.get(t, t) for t in normalize(before)}
    if after and (not before or in_after) and not in_before:
        return after
    return before or after or sentence[start:end]
