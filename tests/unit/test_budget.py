"""The common length budget."""

from __future__ import annotations

import pytest

from bench.budget import Budget
from bench.errors import BenchError


@pytest.mark.parametrize(
    ("budget", "summary", "text", "words", "sentences", "truncated"),
    [
        (Budget("words", 4), "a b c\nd e f", "a b c\nd", 4, 2, True),
        (Budget("words", 6), "a b c\nd e f", "a b c\nd e f", 6, 2, False),
        (Budget("words", 3), "a b c\nd e f", "a b c", 3, 1, True),
        (Budget("words", 10), "  a   b \n\n c ", "a b\nc", 3, 2, False),
        (
            Budget("sentences", 2),
            "One two. Three four.\nFive six.",
            "One two.\nThree four.",
            4,
            2,
            True,
        ),
        (Budget("sentences", 5), "One.\nTwo.", "One.\nTwo.", 2, 2, False),
        (Budget("words", 5), "", "", 0, 0, False),
    ],
)
def test_budget_cuts_and_records_length(budget, summary, text, words, sentences, truncated):
    cut = budget.apply(summary)
    assert (cut.text, cut.n_words, cut.n_sentences, cut.truncated) == (
        text, words, sentences, truncated,
    )  # fmt: skip


def test_budget_is_idempotent():
    b = Budget("words", 7)
    once = b.apply("one two three four\nfive six seven eight nine").text
    assert b.apply(once).text == once


@pytest.mark.parametrize(
    ("unit", "limit", "message"),
    [
        ("words", 0, "positive integer"),
        ("words", -5, "positive integer"),
        ("words", 2.5, "positive integer"),
        ("words", True, "positive integer"),
        ("tokens", 100, "unknown budget unit"),
    ],
)
def test_invalid_budget_is_rejected(unit, limit, message):
    with pytest.raises(BenchError, match=message):
        Budget(unit, limit)
