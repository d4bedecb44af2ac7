"""The fact check's fast paths give what the plain computation gives."""

from __future__ import annotations

from itertools import product

import pytest

from bench.metrics.consistency.casing import has_case
from bench.metrics.consistency.entity_checks import _close_spelling
from bench.metrics.consistency.sources import Sources
from bench.metrics.consistency.tokens import _edits, _edits_within
from bench.types import Document


def _all_words(letters: str, longest: int) -> list[str]:
    return ["".join(p) for n in range(longest + 1) for p in product(letters, repeat=n)]


def test_edits_within_agrees_with_the_full_edit_distance():
    words = _all_words("abc", 4)
    for a, b in product(words, repeat=2):
        for limit in range(4):
            assert _edits_within(a, b, limit) == (_edits(a, b) <= limit), (a, b, limit)


@pytest.mark.parametrize(
    ("word", "name", "close"),
    [
        ("mattis", "matis", True),
        ("mattis", "mattis", False),  # the same word
        ("mattiss", "mattis", False),  # one starts the other
        ("nattis", "mattis", False),  # another first letter
        ("abc", "abd", False),  # too short
        ("mattxyz", "mattis", False),  # three edits
    ],
)
def test_close_spellings(word, name, close):
    assert _close_spelling(word, name) is close


def _sources(*docs: tuple[str, ...]) -> Sources:
    return Sources(
        [
            Document(doc_id=f"d{i}", title="", raw_text="", text=" ".join(s), sentences=s)
            for i, s in enumerate(docs)
        ]
    )


def test_sentences_containing_finds_what_a_scan_of_each_sentence_finds():
    src = _sources(
        ("Jane Doe spoke.", "İstanbul and DOE agreed.", ""),
        ("Nothing here.", "doe, again: doe."),
    )
    for text in ["doe", "DOE".lower(), "i̇stanbul", "", "e.", "spoke. i", "absent", "\n"]:
        want = [i for i, s in enumerate(src.sentences) if text in s.lower()]
        assert src.sentences_containing(text) == want, text
    assert _sources(()).sentences_containing("") == []


def test_windows_with_all_are_the_windows_holding_every_token():
    src = _sources(("a b.", "b c.", "c d.", "d e."), ("a c.", "e f."))
    for tokens in [[], ["a"], ["b", "c"], ["a", "d"], ["c", "c"], ["zz"], ["a", "zz"]]:
        want = [k for k, w in enumerate(src.windows) if set(tokens) <= w.words]
        assert src.windows_with_all(tokens) == want, tokens


@pytest.mark.parametrize(
    ("text", "cased"),
    [
        ("all lower case, no capital", False),
        ("unk and <unk> are placeholders", False),
        ("UNK is a placeholder", False),
        ("one Capital", True),
        ("a kelvin sign \u212a", True),
        ("1,000", False),
    ],
)
def test_has_case(text, cased):
    assert has_case(text) is cased
