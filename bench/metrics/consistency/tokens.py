"""Tokens the fact check matches on: one normalisation for summaries and articles alike.

Penn Treebank tokenisation undone (:func:`bench.preprocess.clean.untokenize`), Unicode quotes
and dashes mapped, lower case, possessives dropped, thousands separators removed, countries,
demonyms and words written two ways mapped to one form (:mod:`.lexicon`); plus the small
helpers every check uses on token lists.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from bench.metrics.consistency.lexicon import aliases
from bench.preprocess.clean import PUNCT_MAP, untokenize

# Summary sentences are mostly article sentences (every extractive system's are): each is
# untokenised once per process.
untokenized = lru_cache(maxsize=1 << 16)(untokenize)


def _words(text: str) -> list[str]:
    return text.split()


# The one-character replacements of the cleaner's table (and the acute accent used as an
# apostrophe): spans found in the normalised sentence are cut from the sentence as written.
_PUNCT = str.maketrans({k: v for k, v in PUNCT_MAP.items() if len(v) == 1} | {"\u00b4": "'"})


_TOKEN = re.compile(r"\$|[a-z0-9]+(?:[.,][0-9]+)*")


_WORD_NUMBERS = {
    w: i
    for i, w in enumerate(
        _words(
            "zero one two three four five six seven eight nine ten eleven twelve thirteen "
            "fourteen fifteen sixteen seventeen eighteen nineteen twenty"
        )
    )
} | {
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
    "dozen": 12,
}


_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "m": 1e6, "bn": 1e9}


MONTHS = _words(
    "january february march april may june july august september october november december"
)


WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


# Capitalised only: "may" and "march" are also an auxiliary and a verb.
_DATE_WORD = re.compile(r"\b(" + "|".join(w.capitalize() for w in WEEKDAYS + MONTHS) + r")\b")


_MONTH_FIRST = re.compile(r"(" + "|".join(MONTHS) + r")\b", re.I)


_MONTH_LAST = re.compile(r"\b(" + "|".join(MONTHS) + r")$", re.I)


_STOP = frozenset(
    _words(
        "a an the of to in on at for from by with and or but as is was were be been being has "
        "have had that this these those it its he she they them his her their who whom which "
        "what when where while after before into over than then there also not no said says "
        "say would could will can may must should did do does about against between during "
        "since until up out so such any all some more most other own same very just only i we "
        "you our us s"
    )
)


_POSSESSIVE = re.compile(r"'s\b|s'(?=\s|$)")


_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")


def _possessive(m: re.Match[str]) -> str:
    return "" if m.group(0) == "'s" else "s"


def normalize(text: str) -> list[str]:
    """Lower-case word tokens: tokenisation undone, quotes, dashes, possessives, aliases mapped.

    Penn Treebank tokenisation is undone first (:func:`bench.preprocess.clean.untokenize`), so
    "the study 's" and "the study's", "235, 000" and "235,000" give the same tokens; names of
    countries and their demonyms, and words written two ways, map to one form
    (:mod:`bench.metrics.consistency.lexicon`).
    """
    return list(_normalized(text))


# The same names, sentences and spans come up again and again (every system of a sweep checks
# sentences of the same articles): each is normalised once per process.
@lru_cache(maxsize=1 << 16)
def _normalized(text: str) -> tuple[str, ...]:
    text = untokenize(unicodedata.normalize("NFKC", text).translate(_PUNCT)).lower()
    if "'" in text:
        text = _POSSESSIVE.sub(_possessive, text)
    if "," in text:
        text = _THOUSANDS.sub("", text)  # 1,000 -> 1000
    raw = _TOKEN.findall(text)
    forms = aliases()
    tokens: list[str] = []
    i = 0
    while i < len(raw):
        match = _phrase_at(raw, i, forms.get(raw[i], ()))
        if match is None:
            tokens.append(raw[i])
            i += 1
        else:
            tokens.extend(match[1])
            i += len(match[0])
    return tuple(tokens)


def _phrase_at(
    raw: Sequence[str], i: int, candidates: Sequence[tuple[tuple[str, ...], tuple[str, ...]]]
) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """The longest written form (and its canonical tokens) that starts at ``raw[i]``, if any."""
    for form, canon in candidates:
        if tuple(raw[i : i + len(form)]) == form:
            return form, canon
    return None


def _joined(tokens: Sequence[str]) -> str:
    return " " + " ".join(tokens) + " "


def contains(haystack: str, needle: Sequence[str]) -> bool:
    """Whether the token sequence occurs in a space-joined token string."""
    return bool(needle) and _joined(needle) in haystack


def content(tokens: Sequence[str]) -> set[str]:
    """Content words: no stop words, no one-letter tokens."""
    return {t for t in tokens if t not in _STOP and len(t) > 1}


_WORD_CHAR = re.compile(r"\w")


def _at_sentence_start(text: str, start: int) -> bool:
    """Whether only punctuation or an opening quote precedes ``start``."""
    return not _WORD_CHAR.search(text, 0, start)


def _local_context(sentence: Sequence[str], claim: Sequence[str], reach: int) -> set[str]:
    """Content words of the sentence within ``reach`` tokens of the claim (all if not found)."""
    seq, want = list(sentence), list(claim)
    n = len(want)
    if not want:  # found at once, as an empty slice
        return content(seq[:reach])
    i, last = -1, len(seq) - n
    while True:
        try:
            i = seq.index(want[0], i + 1, last + 1)
        except ValueError:
            return content(seq)
        if seq[i : i + n] == want:
            return content(seq[max(0, i - reach) : i + n + reach])


def _edits(a: str, b: str) -> int:
    """Levenshtein distance (short tokens only)."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def _edits_within(a: str, b: str, limit: int) -> bool:
    """Whether ``_edits(a, b) <= limit``, stopping as soon as no alignment can stay within it.

    A common prefix and suffix change no distance and are dropped; only the cells of the edit
    table within ``limit`` of its diagonal can hold a value within the limit, and the smallest
    value of a row never decreases from one row to the next.
    """
    if abs(len(a) - len(b)) > limit:
        return False
    # an edit adds or removes at most two letters to or from the set of letters used
    if len(set(a).symmetric_difference(b)) > 2 * limit:
        return False
    lo, hi_a, hi_b = 0, len(a), len(b)
    while lo < hi_a and lo < hi_b and a[lo] == b[lo]:
        lo += 1
    while hi_a > lo and hi_b > lo and a[hi_a - 1] == b[hi_b - 1]:
        hi_a, hi_b = hi_a - 1, hi_b - 1
    a, b = a[lo:hi_a], b[lo:hi_b]
    if not a or not b:
        return len(a) + len(b) <= limit
    over = limit + 1  # every value above the limit is kept as ``over``
    n = len(b)
    prev = [j if j <= limit else over for j in range(n + 1)]
    for i, ca in enumerate(a, 1):
        first, last = max(1, i - limit), min(n, i + limit)
        cur = [over] * (n + 1)
        if i <= limit:
            cur[0] = i
        low = cur[first - 1]
        for j in range(first, last + 1):
            v = prev[j - 1] + (ca != b[j - 1])
            if prev[j] < v:
                v = prev[j] + 1
            if cur[j - 1] < v:
                v = cur[j - 1] + 1
            if v > limit:
                v = over
            cur[j] = v
            if v < low:
                low = v
        if low > limit:
            return False
        prev = cur
    return prev[n] <= limit
