"""General English word lists the fact check reads, from ``data/`` (provenance in its README).

- ``english_words.txt``: words English writes in lower case (SCOWL size 50). A word outside it
  is likely a name; it decides how name-like a token of lower-cased text is.
- ``countries.txt``: countries with their other names, adjectives and demonyms ("nigerian" ->
  "nigeria", "u s" -> "us").
- ``aliases.txt``: words written two ways (British / American spelling, abbreviated titles,
  short forms of first names).

Nothing in these files names the vocabulary of any test cluster.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


def _lines(name: str) -> list[str]:
    text = (DATA / name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Lower-case English words (no proper nouns)."""
    return frozenset(_lines("english_words.txt"))


def _forms(name: str) -> dict[tuple[str, ...], tuple[str, ...]]:
    out: dict[tuple[str, ...], tuple[str, ...]] = {}
    for line in _lines(name):
        forms = [tuple(f.split()) for f in line.split("|")]
        for form in forms:
            out.setdefault(form, forms[0])
    return out


@lru_cache(maxsize=1)
def country_forms() -> dict[tuple[str, ...], tuple[str, ...]]:
    """Every word sequence naming a country -> the country's canonical tokens."""
    return _forms("countries.txt")


@lru_cache(maxsize=1)
def country_words() -> frozenset[str]:
    """Countries named by one canonical token ("nigeria", "us", "uk", ...)."""
    return frozenset(canon[0] for canon in country_forms().values() if len(canon) == 1)


@lru_cache(maxsize=1)
def aliases() -> dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]]:
    """First token -> ``(written form, canonical tokens)``, longest forms first.

    Countries and the general aliases together; forms equal to their canonical tokens are left
    out (nothing to replace).
    """
    out: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
    for form, canon in {**_forms("aliases.txt"), **country_forms()}.items():
        if form != canon:
            out.setdefault(form[0], []).append((form, canon))
    for forms in out.values():
        forms.sort(key=lambda fc: -len(fc[0]))
    return out


_SUFFIXES = ("ings", "ing", "ies", "ied", "es", "ed", "s")


@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """A crude English stem for matching head words: "killed" / "kills" -> "kill"."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


@lru_cache(maxsize=1)
def _head_groups() -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for line in _lines("number_heads.txt"):
        forms = line.split("|")
        group = "=" + forms[0]  # a group name cannot be a stem
        for form in forms:
            for word in form.split():
                out.setdefault(stem(word), set()).add(group)
    return {k: frozenset(v) for k, v in out.items()}


@lru_cache(maxsize=65536)
def head_classes(word: str) -> frozenset[str]:
    """The stem of a word and the groups of ``number_heads.txt`` it belongs to."""
    s = stem(word)
    return frozenset({s}) | _head_groups().get(s, frozenset())
