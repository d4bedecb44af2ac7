"""The Porter stemmer as ROUGE-1.5.5 applies it.

Porter (1980), "An algorithm for suffix stripping", Program 14(3). ROUGE-1.5.5 ships a Perl
rendering of the 1980 rules (step 2 has "abli" -> "able" and no "logi" rule, so "possibly" ->
"possibli") with one modification of its own: after the step-4 suffix list it separately tries
"ment" and then "ent", and then "(s|t)ion", so "statement" -> "statem" where standard Porter
keeps "statement", and "congressional" -> "congress". These rules are the ones that reproduce
all official ROUGE-1.5.5 test vectors (tests/test_rouge155.py).
The leftmost-match semantics of the Perl regular expressions are kept (Python's ``re.search``
has the same semantics), so e.g. step 4 looks at the longest listed suffix only.
"""

from __future__ import annotations

import re
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
    "abli": "able", "alli": "al", "entli": "ent", "eli": "e", "ousli": "ous", "ization": "ize",
    "ation": "ate", "ator": "ate", "alism": "al", "iveness": "ive", "fulness": "ful",
    "ousness": "ous", "aliti": "al", "iviti": "ive", "biliti": "ble",
}  # fmt: skip
_STEP3 = {
    "icate": "ic", "ative": "", "alize": "al", "iciti": "ic", "ical": "ic", "ful": "", "ness": "",
}  # fmt: skip
_STEP2_RE = re.compile("(" + "|".join(_STEP2) + ")$")
_STEP3_RE = re.compile("(" + "|".join(_STEP3) + ")$")
_STEP4_RE = re.compile(
    "(al|ance|ence|er|ic|able|ible|ant|ement|ment|ent|ou|ism|ate|iti|ous|ive|ize)$"
)
_MENT_RE = re.compile("ment$")
_ENT_RE = re.compile("ent$")
_ION_RE = re.compile("(s|t)(ion)$")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Stem one lower-case token."""
    if len(word) < 3:
        return word
    initial_y = word[0] == "y"
    w = "Y" + word[1:] if initial_y else word

    # Step 1a
    if (m := re.search("(ss|i)es$", w)) or (m := re.search("([^s])s$", w)):
        w = w[: m.start()] + m.group(1)
    # Step 1b
    if w.endswith("eed"):
        if _MGR0.search(w[:-3]):
            w = w[:-1]
    elif m := re.search("(ed|ing)$", w):
        stem_ = w[: m.start()]
        if _HAS_V.search(stem_):
            w = stem_
            if re.search("(at|bl|iz)$", w):
                w += "e"
            elif re.search(r"([^aeiouylsz])\1$", w):
                w = w[:-1]
            elif _CVC.search(w):
                w += "e"
    # Step 1c
    if w.endswith("y") and _HAS_V.search(w[:-1]):
        w = w[:-1] + "i"
    # Step 2
    if (m := _STEP2_RE.search(w)) and _MGR0.search(w[: m.start()]):
        w = w[: m.start()] + _STEP2[m.group(1)]
    # Step 3
    if (m := _STEP3_RE.search(w)) and _MGR0.search(w[: m.start()]):
        w = w[: m.start()] + _STEP3[m.group(1)]
    # Step 4, then ROUGE's extra tries of "ment" and "ent"
    if (m := _STEP4_RE.search(w)) and _MGR1.search(w[: m.start()]):
        w = w[: m.start()]
    for extra in (_MENT_RE, _ENT_RE):
        if (m := extra.search(w)) and _MGR1.search(w[: m.start()]):
            w = w[: m.start()]
    if (m := _ION_RE.search(w)) and _MGR1.search(w[: m.start(2)]):
        w = w[: m.start(2)]
    # Step 5
    if w.endswith("e"):
        s = w[:-1]
        if _MGR1.search(s) or (_MEQ1.search(s) and not _CVC.search(s)):
            w = s
    if w.endswith("ll") and _MGR1.search(w):
        w = w[:-1]
    if initial_y:
        w = "y" + w[1:]
    return w
