"""General English word lists the fact check reads, from ``data/`` (provenance in its README).

- ``english_words.txt``: words English writes in lower case (SCOWL size 50). A word outside it
  is likely a name; it decides how name-like a token of lower-cased text is.
- ``countries.txt``: countries with their other names, adjectives and demonyms ("pakistani" ->
  "pakistan", "u s" -> "us").
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
    """Countries named by one canonical token ("pakistan", "us", "uk", ...)."""
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
