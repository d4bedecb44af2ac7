"""The Porter stemmer as rouge-score applies it (NLTK's default mode).

Porter (1980), "An algorithm for suffix stripping", Program 14(3), 130-137. rouge-score 0.1.2
stems with ``nltk.stem.porter.PorterStemmer()`` in its default ``NLTK_EXTENSIONS`` mode, and
``stem`` here returns exactly what that does (``to_lowercase=True``) for lower-case tokens,
without importing nltk. NLTK's departures from the published rules, all reproduced:

* a pool of irregular forms is answered directly ("skies" -> "sky", "dying" -> "die",
  "innings" -> "inning", "proceed"/"exceed"/"succeed"/"news"/"howe" kept, ...);
* words of one or two characters are returned unchanged;
* step 1a turns a four-letter "-ies" word into "-ie" ("ties" -> "tie"), and step 1b turns
  "-ied" into "-ie" (four letters) or "-i" (longer) before any other step-1b rule;
* step 1c turns a final "y" into "i" only when a consonant precedes it and the stem keeps at
  least two letters ("happy" -> "happi", "say" and "enjoy" kept), not whenever the stem has
  a vowel;
* the "*o" (cvc) test also holds for a two-letter vowel-consonant stem ("ow" in "owe");
* step 2 has "bli" -> "ble" in place of "abli" -> "able", applies "alli" -> "al" first and
  runs step 2 again on the result, and adds "fulli" -> "ful" and "logi" -> "log" (the measure
  of the latter counts the "l" as part of the stem, so "geologi" -> "geolog").

The rules' conditions only look at the consonant/vowel pattern, so a stem is mapped to a
string of "c" and "v" (a "y" is a vowel exactly when a consonant precedes it) and its measure
is the number of "vc" pairs in that string.
"""

from __future__ import annotations

__all__ = ["stem"]


class _CVMap(dict[int, str]):
    """``str.translate`` table: vowels -> "v", "y" kept for later, anything else -> "c"."""

    def __missing__(self, code: int) -> str:
        return "c"


_CV_MAP = _CVMap({ord(ch): "c" for ch in map(chr, range(128))})
_CV_MAP.update({ord(ch): "v" for ch in "aeiou"})
_CV_MAP[ord("y")] = "y"

# Irregular forms NLTK answers without stemming.
_IRREGULAR = {
    "skies": "sky", "sky": "sky", "dying": "die", "lying": "lie", "tying": "tie",
    "news": "news", "innings": "inning", "inning": "inning", "outings": "outing",
    "outing": "outing", "cannings": "canning", "canning": "canning", "howe": "howe",
    "proceed": "proceed", "exceed": "exceed", "succeed": "succeed",
}  # fmt: skip

# Step 2 and step 3: suffix -> replacement, applied when the remaining stem has measure > 0.
# Within each table no suffix ends another one except "ational"/"tional" and
# "ization"/"ation", where the longer one is listed first by Porter, so "longest listed suffix
# the word ends with" selects the same rule as Porter's ordered list.
_STEP2 = {
    "ational": "ate", "tional": "tion", "enci": "ence", "anci": "ance", "izer": "ize",
    "bli": "ble", "entli": "ent", "eli": "e", "ousli": "ous", "ization": "ize",
    "ation": "ate", "ator": "ate", "alism": "al", "iveness": "ive", "fulness": "ful",
    "ousness": "ous", "aliti": "al", "iviti": "ive", "biliti": "ble", "fulli": "ful",
}  # fmt: skip
_STEP3 = {
    "icate": "ic", "ative": "", "alize": "al", "iciti": "ic", "ical": "ic", "ful": "", "ness": "",
}  # fmt: skip
# Step 4: suffixes removed when the remaining stem has measure > 1 ("ion" also needs the stem
# to end in "s" or "t"). "ement" / "ment" / "ent" nest; the longest one decides.
_STEP4 = frozenset(
    ("al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent", "ion",
     "ou", "ism", "ate", "iti", "ous", "ive", "ize")
)  # fmt: skip


def _lengths(suffixes) -> tuple[int, ...]:
    return tuple(sorted({len(s) for s in suffixes}, reverse=True))


_STEP2_LENS = _lengths(_STEP2)
_STEP3_LENS = _lengths(_STEP3)
_STEP4_LENS = _lengths(_STEP4)


def _pattern(word: str) -> str:
    """The word's consonant/vowel pattern, one "c" or "v" per character."""
    cv = word.translate(_CV_MAP)
    if "y" not in cv:
        return cv
    # A "y" is a consonant at the start of the word or after a vowel, else a vowel.
    out = []
    prev = "v"
    for ch in cv:
        if ch == "y":
            ch = "v" if prev == "c" else "c"
        out.append(ch)
        prev = ch
    return "".join(out)


def _measure(stem: str) -> int:
    """Porter's m: the number of vowel-run/consonant-run pairs in [C](VC){m}[V]."""
    return _pattern(stem).count("vc")


def _ends_cvc(stem: str) -> bool:
    """Porter's *o, with NLTK's addition of a whole two-letter vowel-consonant stem."""
    if len(stem) >= 3:
        return stem[-1] not in "wxy" and _pattern(stem).endswith("cvc")
    return len(stem) == 2 and _pattern(stem) == "vc"


def _longest_suffix(word: str, table, lengths: tuple[int, ...]) -> int:
    """Length of the longest suffix of ``word`` found in ``table``, 0 when none is."""
    for n in lengths:
        if word[-n:] in table:
            return n
    return 0


def _step2(w: str) -> str:
    if w.endswith("alli") and _measure(w[:-4]) > 0:
        return _step2(w[:-2])
    if w.endswith("logi"):
        # The "l" counts towards the stem's measure.
        return w[:-1] if _measure(w[:-3]) > 0 else w
    n = _longest_suffix(w, _STEP2, _STEP2_LENS)
    if n and _measure(w[:-n]) > 0:
        return w[:-n] + _STEP2[w[-n:]]
    return w


def stem(word: str) -> str:
    """Stem one token exactly as NLTK's ``PorterStemmer().stem`` does (default mode)."""
    w = word.lower()
    irregular = _IRREGULAR.get(w)
    if irregular is not None:
        return irregular
    if len(word) <= 2:  # NLTK measures the word as given, before lower-casing
        return w

    # Step 1a: plurals.
    if w.endswith("s"):
        if w.endswith("sses"):
            w = w[:-2]
        elif w.endswith("ies"):
            w = w[:-1] if len(w) == 4 else w[:-2]
        elif not w.endswith("ss"):
            w = w[:-1]

    # Step 1b: -eed, -ed, -ing (and NLTK's -ied).
    if w.endswith("ied"):
        w = w[:-1] if len(w) == 4 else w[:-2]
    elif w.endswith("eed"):
        if _measure(w[:-3]) > 0:
            w = w[:-1]
    else:
        cut = 2 if w.endswith("ed") else 3 if w.endswith("ing") else 0
        if cut and "v" in _pattern(w[:-cut]):
            w = w[:-cut]
            if w[-2:] in ("at", "bl", "iz"):
                w += "e"
            elif len(w) >= 2 and w[-1] == w[-2] and _pattern(w).endswith("c"):
                if w[-1] not in "lsz":
                    w = w[:-1]
            elif _ends_cvc(w) and _measure(w) == 1:
                w += "e"

    # Step 1c: y -> i after a consonant.
    if w.endswith("y") and len(w) > 2 and _pattern(w[:-1]).endswith("c"):
        w = w[:-1] + "i"

    # Step 2: double suffixes to single ones.
    w = _step2(w)

    # Step 3: -icate, -ful, -ness etc.
    n = _longest_suffix(w, _STEP3, _STEP3_LENS)
    if n and _measure(w[:-n]) > 0:
        w = w[:-n] + _STEP3[w[-n:]]

    # Step 4: strip a suffix from a stem of measure > 1.
    n = _longest_suffix(w, _STEP4, _STEP4_LENS)
    if n:
        s = w[:-n]
        if _measure(s) > 1 and (w[-n:] != "ion" or s[-1] in "st"):
            w = s

    # Step 5a: final -e.
    if w.endswith("e"):
        s = w[:-1]
        m = _measure(s)
        if m > 1 or (m == 1 and not _ends_cvc(s)):
            w = s

    # Step 5b: -ll -> -l.
    if w.endswith("ll") and _measure(w[:-1]) > 1:
        w = w[:-1]
    return w
