"""Numbers in summaries and articles: value and unit of each, and the words around it.

"$10 million" -> (1e7, "dollar"), "ten-month" -> (10, "month"), "9pm" -> (9, "pm"); an age in
apposition ("Smith, 48, said") is a number of years; the head classes of the words near a number
(``data/number_heads.txt``) say what it counts, so "killed 14 people" and "the death toll rose
to 14" agree.
"""

from __future__ import annotations

import re
import unicodedata

from bench.metrics.consistency.lexicon import head_classes
from bench.metrics.consistency.tokens import (
    _MONTH_FIRST,
    _MONTH_LAST,
    _PUNCT,
    _SCALES,
    _STOP,
    _WORD_NUMBERS,
    _local_context,
    normalize,
)

_NUMBER_WORD = "|".join(sorted(_WORD_NUMBERS, key=len, reverse=True))


_NUMBER = re.compile(
    # "$10 million", "ten months", and written together: "9pm", "£10m", "$1million"
    rf"(?<![A-Za-z]-)(?<![/\w])(?:\$\s?)?\b(?:\d+(?:,\d{{3}})*(?:\.\d+)?(?![\d,]\d)|(?:{_NUMBER_WORD})\b)"
    rf"(?:(?:[\s-]+|(?<=\d))(?:{'|'.join(_SCALES)})\b)?(?:(?:[\s-]+|(?<=\d))(?:[a-z]+))?",
    re.IGNORECASE,
)


# Words of the sentence within this many tokens of a number are its head noun and event.
HEAD_REACH = 3


_AGE = re.compile(r"[A-Za-z]\s*,\s+(\d{1,3}),")


_ALL_BUT = re.compile(rf"all but (\d+|{_NUMBER_WORD}) (?:of|out of) (\d+)", re.IGNORECASE)


_OUT_OF = re.compile(r"(\d+)\s+(?:out of|of)\s+(\d+)")  # "125 out of 128"


_KEY_WORD = re.compile(r"\$|\d[\d.,]*|[a-z]+")  # the words of a number expression


_YEAR = re.compile(r"(1[89]\d\d|20\d\d)[,.]?")


_FRACTION = re.compile(r"\d+/\d+")


def _word_value(token: str) -> float | None:
    token = token.lower().replace(",", "")
    if token in _WORD_NUMBERS:
        return float(_WORD_NUMBERS[token])
    try:
        return float(token)
    except ValueError:
        return None


def number_key(span: str) -> tuple[float, str] | None:
    """(value, unit) of a number expression: "$10 million" -> (1e7, "dollar")."""
    words = _KEY_WORD.findall(span.lower().replace("-", " "))
    value: float | None = None
    unit = ""
    for w in words:
        if w == "$":
            unit = "dollar"
        elif value is None and _word_value(w) is not None:
            value = _word_value(w)
        elif value is not None and w in _SCALES:
            value *= _SCALES[w]
        elif value is not None and not unit:
            unit = w
    if value is None:
        return None
    unit = unit.rstrip("s") if unit not in {"s"} else ""
    if unit in {"dollar", "usd"}:
        unit = "dollar"
    return value, unit


def _classes(words: set[str] | list[str]) -> set[str]:
    """Head classes of the words that are not numbers themselves."""
    return {c for w in words if w not in _STOP and _word_value(w) is None for c in head_classes(w)}


def source_counts(text: str) -> list[tuple[float, frozenset[str]]]:
    """Every number of a text with the head classes of the words around it (its noun, event)."""
    plain = unicodedata.normalize("NFKC", text).translate(_PUNCT)
    tokens = normalize(plain)
    out = []
    for m in _NUMBER.finditer(plain):
        key = number_key(m.group(0))
        if key is None:
            continue
        claim = normalize(m.group(0))
        near = _local_context(tokens, claim, HEAD_REACH) | set(claim[1:])
        out.append((key[0], frozenset(_classes(near))))
    return out


def source_numbers(text: str) -> set[tuple[float, str]]:
    """Every (value, unit) in a text, with a unit-less copy of each."""
    out: set[tuple[float, str]] = set()
    plain = unicodedata.normalize("NFKC", text).translate(_PUNCT)
    for m in _NUMBER.finditer(plain):
        key = number_key(m.group(0))
        if key is not None:
            out.add(key)
            out.add((key[0], ""))
    for m in _AGE.finditer(plain):
        out.add((float(m.group(1)), "year"))  # "Barry Beavis, 48, said": an age
    for m in _OUT_OF.finditer(plain):
        a, b = float(m.group(1)), float(m.group(2))
        out.add((b - a, f"all-but-of-{b:g}"))  # "125 out of 128" supports "all but 3 of 128"
    return out


def _is_date_number(text: str, m: re.Match[str]) -> bool:
    """Years and days of a month belong to the date check."""
    span = m.group(0).strip()
    if _YEAR.fullmatch(span.split()[0] if span.split() else ""):
        return True
    after = text[m.end() - len(m.group(0)) + len(span.split()[0]) :].lstrip()
    before = text[: m.start()].rstrip()
    first = span.split()[0]
    if first.isdigit() and int(first) <= 31:
        if _MONTH_FIRST.match(after):
            return True
        if _MONTH_LAST.search(before):
            return True
    return bool(_FRACTION.fullmatch(first))
