"""The Porter stemmer exactly as ROUGE-1.5.5 applies it (its ``stem`` subroutine).

Porter (1980), "An algorithm for suffix stripping", Program 14(3), 130-137.

ROUGE-1.5.5 (Lin, 2004; release 1.5.5 of 2005) ships a Perl rendering of the rules that Porter's
own reference implementations use, which depart from the 1980 paper in step 2: ``bli`` ->
``ble`` where the paper has ``abli`` -> ``able``, and an added ``logi`` -> ``log``. So
"possibly" -> "possibl", "assembly" -> "assembl" and "technology" -> "technolog".

On top of that, ROUGE-1.5.5 changes step 4: ``ment`` and ``ent`` are taken out of the suffix
list and tried after it, separately and in that order, each on the word as it then stands; the
``(s|t)ion`` rule is tried only when the word does not end in ``ent`` at that point (it is the
``else`` branch of the ``ent`` test, no longer of the list). So "statement" -> "statem" and
"element" -> "elem", where standard Porter keeps both, and "congressional" -> "congress" (the
list strips ``al``, then the ``ion`` rule strips ``ion``).

Perl's leftmost-match semantics are kept (Python's ``re.search`` has the same), so e.g. step 4
looks at the longest listed suffix only. These rules give ROUGE-1.5.5's own stem for all 63,072
words of ``../shared/rouge155-vectors/stems.tsv`` (``test_rouge155.py``) and reproduce
every official test vector. :func:`trace` reports which rules a word meets, for coverage tests.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

_c = "[^aeiou]"  # consonant
_v = "[aeiouy]"  # vowel
_C = f"{_c}[^aeiouy]*"  # consonant sequence
_V = f"{_v}[aeiou]*"  # vowel sequence
_MGR0 = re.compile(f"^({_C})?{_V}{_C}")  # measure > 0
_MEQ1 = re.compile(f"^({_C})?{_V}{_C}({_V})?$")  # measure == 1
_MGR1 = re.compile(f"^({_C})?{_V}{_C}{_V}{_C}")  # measure > 1
_HAS_V = re.compile(f"^({_C})?{_v}")  # stem contains a vowel
_CVC = re.compile(f"^{_C}{_v}[^aeiouwxy]$")

_STEP2 = {
    "ational": "ate", "tional": "tion", "enci": "ence", "anci": "ance", "izer": "ize",
    "bli": "ble", "alli": "al", "entli": "ent", "eli": "e", "ousli": "ous", "ization": "ize",
    "ation": "ate", "ator": "ate", "alism": "al", "iveness": "ive", "fulness": "ful",
    "ousness": "ous", "aliti": "al", "iviti": "ive", "biliti": "ble", "logi": "log",
}  # fmt: skip
_STEP3 = {
    "icate": "ic", "ative": "", "alize": "al", "iciti": "ic", "ical": "ic", "ful": "", "ness": "",
}  # fmt: skip
_STEP4 = (
    "al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ou", "ism", "ate", "iti",
    "ous", "ive", "ize",
)  # fmt: skip
_STEP1A_RE = re.compile("(ss|i)es$")
_STEP1A_S_RE = re.compile("([^s])s$")
_STEP1B_RE = re.compile("(ed|ing)$")
_STEP1B_E_RE = re.compile("(at|bl|iz)$")
_DOUBLE_RE = re.compile(r"([^aeiouylsz])\1$")
_STEP2_RE = re.compile("(" + "|".join(_STEP2) + ")$")
_STEP3_RE = re.compile("(" + "|".join(_STEP3) + ")$")
_STEP4_RE = re.compile("(" + "|".join(_STEP4) + ")$")
_ION_RE = re.compile("(s|t)ion$")

# Every rule by the name :func:`trace` reports. A rule with a condition (a measure or a vowel in
# the stem) is reported with ``applied=False`` when its suffix matched but the condition failed.
RULES: tuple[str, ...] = (
    "1a:(ss|i)es", "1a:s", "1b:eed", "1b:ed", "1b:ing", "1b:+e(at|bl|iz)", "1b:undouble",
    "1b:+e(cvc)", "1c:y",
    *(f"2:{s}" for s in _STEP2), *(f"3:{s}" for s in _STEP3), *(f"4:{s}" for s in _STEP4),
    "4:ment", "4:ent", "4:ion", "5:e", "5:ll", "initial-y",
)  # fmt: skip
# The rules that have a condition, hence can match and still not apply.
GUARDED: frozenset[str] = frozenset(
    r for r in RULES if not r.startswith(("1a:", "1b:+", "1b:u", "initial"))
)

Event = tuple[str, bool]  # (rule name, applied)


def _gt0(s: str) -> bool:
    return _MGR0.search(s) is not None


def _gt1(s: str) -> bool:
    return _MGR1.search(s) is not None


def _has_vowel(s: str) -> bool:
    return _HAS_V.search(s) is not None


def _porter(word: str, note: Callable[[str, bool], bool]) -> str:
    """The rules in ROUGE-1.5.5's order; ``note(rule, applied)`` is told each rule met."""
    if len(word) < 3:
        return word
    initial_y = word[0] == "y"
    w = "Y" + word[1:] if initial_y else word

    # Step 1a
    if m := _STEP1A_RE.search(w):
        note("1a:(ss|i)es", True)
        w = w[: m.start()] + m.group(1)
    elif m := _STEP1A_S_RE.search(w):
        note("1a:s", True)
        w = w[: m.start()] + m.group(1)
    # Step 1b
    if w.endswith("eed"):
        if note("1b:eed", _gt0(w[:-3])):
            w = w[:-1]
    elif m := _STEP1B_RE.search(w):
        stem_ = w[: m.start()]
        if note(f"1b:{m.group(1)}", _has_vowel(stem_)):
            w = stem_
            if _STEP1B_E_RE.search(w):
                note("1b:+e(at|bl|iz)", True)
                w += "e"
            elif _DOUBLE_RE.search(w):
                note("1b:undouble", True)
                w = w[:-1]
            elif _CVC.search(w):
                note("1b:+e(cvc)", True)
                w += "e"
    # Step 1c
    if w.endswith("y") and note("1c:y", _has_vowel(w[:-1])):
        w = w[:-1] + "i"
    # Step 2
    if m := _STEP2_RE.search(w):
        suffix = m.group(1)
        if note(f"2:{suffix}", _gt0(w[: m.start()])):
            w = w[: m.start()] + _STEP2[suffix]
    # Step 3
    if m := _STEP3_RE.search(w):
        suffix = m.group(1)
        if note(f"3:{suffix}", _gt0(w[: m.start()])):
            w = w[: m.start()] + _STEP3[suffix]
    # Step 4: the list, then "ment", then "ent" or else "(s|t)ion", each on the current word
    if (m := _STEP4_RE.search(w)) and note(f"4:{m.group(1)}", _gt1(w[: m.start()])):
        w = w[: m.start()]
    if w.endswith("ment") and note("4:ment", _gt1(w[:-4])):
        w = w[:-4]
    if w.endswith("ent"):
        if note("4:ent", _gt1(w[:-3])):
            w = w[:-3]
    elif (m := _ION_RE.search(w)) and note("4:ion", _gt1(w[: m.start() + 1])):
        w = w[: m.start() + 1]
    # Step 5
    if w.endswith("e"):
        s = w[:-1]
        if note("5:e", _gt1(s) or (_MEQ1.search(s) is not None and _CVC.search(s) is None)):
            w = s
    if w.endswith("ll") and note("5:ll", _gt1(w)):
        w = w[:-1]
    if initial_y:
        note("initial-y", True)
        w = "y" + w[1:]
    return w


def _ignore(rule: str, applied: bool) -> bool:
    return applied


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Stem one lower-case token as ROUGE-1.5.5's ``stem`` does."""
    return _porter(word, _ignore)


def trace(word: str) -> tuple[str, list[Event]]:
    """The stem of ``word`` and the rules it met, in order, each with whether it applied."""
    events: list[Event] = []

    def note(rule: str, applied: bool) -> bool:
        events.append((rule, applied))
        return applied

    return _porter(word, note), events
