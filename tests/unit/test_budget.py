"""The common length budget."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bench.budget import Budget
from bench.errors import BenchError
from bench.metrics.rouge155 import Rouge155Metric
from bench.types import Cluster, Document, Reference


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


# -- byte budgets ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("limit", "summary", "text", "n_bytes", "truncated"),
    [
        # Line breaks are not counted: 3 + 3 bytes fill a budget of 6 exactly.
        (6, "abc\ndef", "abc\ndef", 6, False),
        (5, "abc\ndef", "abc\nde", 5, True),
        (3, "abc\ndef", "abc", 3, True),
        # Whitespace is normalised before counting: "a b" is 3 bytes, not 6.
        (3, "  a \t b \n\n", "a b", 3, False),
        # A cut that ends on a space drops it: "ab cd" to 3 bytes is "ab", 2 bytes.
        (3, "ab cd", "ab", 2, True),
        # "é" is 2 bytes, "€" 3: a character that would straddle the limit is left out whole.
        (4, "aéé", "aé", 3, True),
        (5, "aéé", "aéé", 5, False),
        (5, "x€€", "x€", 4, True),
        (7, "x€€", "x€€", 7, False),
        (6, "x€€", "x€", 4, True),
        (2, "€uro", "", 0, True),
        (3, "ab\n€uro", "ab", 2, True),
        # A 4-byte character (emoji) is never split either.
        (5, "a🙂b", "a🙂", 5, True),
        (4, "a🙂b", "a", 1, True),
        (10, "", "", 0, False),
    ],
)
def test_byte_budget_cuts_at_a_character_boundary(limit, summary, text, n_bytes, truncated):
    cut = Budget("bytes", limit).apply(summary)
    assert (cut.text, cut.n_bytes, cut.truncated) == (text, n_bytes, truncated)
    assert sum(len(line.encode("utf-8")) for line in cut.text.split("\n")) == n_bytes <= limit
    cut.text.encode("utf-8").decode("utf-8")  # valid UTF-8: no character was split
    assert Budget("bytes", limit).apply(cut.text) == replace(cut, truncated=False)


def test_byte_budget_records_words_sentences_and_bytes():
    budget = Budget("bytes", 12)
    cut = budget.apply("One two.\nThree four five.")
    assert (cut.text, cut.n_words, cut.n_sentences) == ("One two.\nThre", 3, 2)
    assert budget.lengths(cut) == {
        "length_words": 3.0, "length_sentences": 2.0, "length_bytes": 12.0,
    }  # fmt: skip
    assert "length_bytes" not in Budget("words", 12).lengths(cut)
    assert budget.signature() == "bytes=12"


def test_byte_budget_size_and_full_count_normalised_utf8_bytes():
    budget = Budget("bytes", 10)
    assert budget.size(["née  à", "b"]) == len("née à".encode()) + 1 == 8
    assert not budget.full(["née  à", "bc"])
    assert budget.full(["née  à", "bcd"])


def test_byte_budget_output_passes_unchanged_through_rouge155_length_bytes():
    """The bytes of the budget are those of ROUGE-1.5.5's -b: a cut summary is not cut again."""
    summary = "Mattis met Abbasi in Islamabad.\nThe talks covered the Afghan war and trade.\nÉté."
    refs = ("Mattis met Abbasi.", "Afghan war talks.")  # under every limit: -b leaves them
    cluster = Cluster(
        "c",
        (Document("d", "", summary, summary, tuple(summary.split("\n"))),),
        tuple(Reference(f"r{i}", "x", text) for i, text in enumerate(refs)),
    )
    for limit in (20, 31, 40, 55, 77, 79, 80, 200):
        text = Budget("bytes", limit).apply(summary).text
        plain = Rouge155Metric(multi_ref="pooled")
        cut_again = Rouge155Metric(multi_ref="pooled", length_bytes=limit)
        assert plain.score([text], [cluster]) == cut_again.score([text], [cluster]), limit
