"""The hand-written references: format, lengths, and only facts the articles state."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import CLUSTER_DIR, REFERENCE_DIR

FOLDER = REFERENCE_DIR / "mattis_pakistan_2017"
MANIFEST = json.loads((FOLDER / "manifest.json").read_text(encoding="utf-8"))
ENTRIES = MANIFEST["references"]
ARTICLES = "\n".join(p.read_text(encoding="utf-8") for p in sorted(CLUSTER_DIR.glob("*.txt")))
ARTICLES_NORM = (
    ARTICLES.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"')
    .replace("\u201d", '"').replace("\u00a0", " ").replace("$ 10", "$10")
)  # fmt: skip
ARTICLE_WORDS = {w.lower() for w in re.findall(r"[A-Za-z][A-Za-z'-]*", ARTICLES_NORM)} | {
    w.lower() for w in re.findall(r"[A-Za-z][A-Za-z']*", ARTICLES_NORM)
}
ARTICLE_NUMBERS = set(re.findall(r"\d+(?:[/,.]\d+)*", ARTICLES_NORM))


def _text(entry) -> str:
    return (FOLDER / entry["file"]).read_text(encoding="utf-8")


def test_there_are_three_short_and_one_long_reference_by_distinct_authors():
    targets = sorted(e["target_words"] for e in ENTRIES)
    assert targets == [100, 100, 100, 250]
    assert len({e["author"] for e in ENTRIES}) == len(ENTRIES)


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e["ref_id"])
def test_reference_length_is_within_ten_percent(entry):
    words = len(_text(entry).split())
    assert 0.9 * entry["target_words"] <= words <= 1.1 * entry["target_words"]


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e["ref_id"])
def test_reference_is_one_sentence_per_line(entry):
    lines = _text(entry).rstrip("\n").split("\n")
    assert all(line.strip() for line in lines)
    for line in lines:
        assert line.rstrip().endswith((".", '."', ".'")), line
        # no sentence-final full stop inside a line (ignoring abbreviations like "U.S.")
        assert not re.search(r"[a-z]{3}\. [A-Z]", line), line
    assert _text(entry).isascii()


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e["ref_id"])
def test_every_number_in_a_reference_occurs_in_an_article(entry):
    for number in re.findall(r"\d+(?:[/,.]\d+)*", _text(entry)):
        assert number in ARTICLE_NUMBERS, number


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e["ref_id"])
def test_every_capitalised_name_in_a_reference_occurs_in_an_article(entry):
    text = _text(entry)
    # Multi-word names must occur as a phrase; single capitalised words as a word.
    for name in re.findall(r"[A-Z][A-Za-z'-]*(?: [A-Z][A-Za-z'-]*)*", text):
        name = re.sub(r"'s$", "", name)
        words = name.split()
        assert all(w.lower().rstrip("'") in ARTICLE_WORDS for w in words), name
        if len(words) > 1 and not text.startswith(name) and f"\n{name}" not in text:
            assert name.lower() in ARTICLES_NORM.lower(), name


def test_the_disputed_month_is_not_stated():
    for entry in ENTRIES:
        text = _text(entry)
        assert "August" not in text and "September" not in text
