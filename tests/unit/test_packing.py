"""Packing strategies with a word-level fake tokenizer: one token per whitespace word."""

from __future__ import annotations

import pytest

from bench.preprocess.packing import Concat, EqualShare, MapReduce, RoundRobin, water_fill


class Words:
    """A TokenCounter where every whitespace-separated word is one token."""

    def count(self, texts):
        return [len(t.split()) for t in texts]

    def truncate(self, text, n_tokens):
        return " ".join(text.split()[:n_tokens])


W = Words()
DOCS = [
    ["a1 a1 a1.", "a2 a2 a2.", "a3 a3 a3."],  # 9 words
    ["b1 b1.", "b2 b2."],  # 4 words
    ["c1 c1 c1 c1 c1 c1.", "c2 c2 c2 c2."],  # 10 words
]


def _tokens(packed):
    return [len(p.split()) for p in packed.parts]


@pytest.mark.parametrize(
    ("sizes", "budget", "expected"),
    [
        ([10, 10, 10], 30, [10, 10, 10]),
        ([10, 10, 10], 12, [4, 4, 4]),
        ([2, 10, 10], 12, [2, 5, 5]),  # the short document's spare share goes to the others
        ([2, 3, 10], 12, [2, 3, 7]),
        ([10, 10, 10], 10, [4, 3, 3]),  # an uneven remainder goes to the earliest documents
        ([0, 5], 4, [0, 4]),
        ([5, 5], 0, [0, 0]),
    ],
)
def test_water_fill_shares_equally_and_redistributes(sizes, budget, expected):
    got = water_fill(sizes, budget)
    assert got == expected
    assert sum(got) <= budget


def test_concat_keeps_order_and_cuts_the_document_that_crosses_the_limit():
    packed = Concat().pack(DOCS, W, 15, " | ")
    # two separators of one token each: 13 tokens of text
    assert _tokens(packed) == [9, 4]
    assert packed.doc_index == (0, 1)
    assert packed.text == "a1 a1 a1. a2 a2 a2. a3 a3 a3. | b1 b1. b2 b2."
    packed = Concat().pack(DOCS, W, 12, " | ")
    assert _tokens(packed) == [9, 2]


def test_equal_share_truncates_each_document_to_its_share():
    packed = EqualShare().pack(DOCS, W, 14, "")
    assert _tokens(packed) == [5, 4, 5]
    assert packed.parts[0] == "a1 a1 a1. a2 a2"


def test_equal_share_pays_for_separators():
    packed = EqualShare().pack(DOCS, W, 14, " ||| ")
    assert sum(_tokens(packed)) + 2 * 1 <= 14
    assert _tokens(packed) == [4, 4, 4]


def test_round_robin_takes_sentences_in_turns_and_keeps_document_order():
    packed = RoundRobin().pack(DOCS, W, 16, "")
    # turn 1: a1 (3), b1 (2), c1 (6) = 11; turn 2: a2 (3) = 14, b2 (2) = 16; c2 no longer fits
    assert packed.parts == ("a1 a1 a1. a2 a2 a2.", "b1 b1. b2 b2.", "c1 c1 c1 c1 c1 c1.")


def test_round_robin_skips_a_sentence_that_does_not_fit_and_passes_the_turn():
    packed = RoundRobin().pack([["x " * 20 + "x."], ["y y."], ["z z z."]], W, 6, "")
    assert packed.parts == ("y y.", "z z z.")
    assert packed.doc_index == (1, 2)


@pytest.mark.parametrize("packing", [Concat(), EqualShare(), RoundRobin(), MapReduce()])
@pytest.mark.parametrize("limit", [1, 5, 13, 100])
def test_every_strategy_stays_within_the_limit(packing, limit):
    packed = packing.pack(DOCS, W, limit, " | ")
    separators = max(0, len(packed.parts) - 1)
    assert sum(_tokens(packed)) + separators <= max(limit, 0) or sum(_tokens(packed)) == 0


def test_map_reduce_maps_each_document_alone_cut_to_the_limit():
    packing = MapReduce()
    assert packing.hierarchical
    inputs = packing.map_inputs(DOCS, W, 5)
    assert [p.text for p in inputs] == ["a1 a1 a1. a2 a2", "b1 b1. b2 b2.", "c1 c1 c1 c1 c1"]
    assert [p.doc_index for p in inputs] == [(0,), (1,), (2,)]


def test_empty_documents_are_left_out_of_the_input():
    packed = Concat().pack([["a b."], [], ["c d."]], W, 10, "|")
    assert packed.parts == ("a b.", "c d.")
    assert packed.doc_index == (0, 2)


def test_limits_and_separators_are_resolved_against_the_model():
    assert Concat().resolve_limit(1024) == 1024
    assert Concat(max_input_tokens=500).resolve_limit(1024) == 500
    assert Concat(max_input_tokens=5000).resolve_limit(1024) == 1024
    assert Concat().resolve_separator("<doc-sep>") == "<doc-sep>"
    assert Concat(separator=" ||||| ").resolve_separator("<doc-sep>") == " ||||| "


@pytest.mark.parametrize("bad", [0, -3, 1.5, True, "100"])
def test_invalid_max_input_tokens_is_rejected(bad):
    with pytest.raises(ValueError, match="max_input_tokens"):
        EqualShare(max_input_tokens=bad)


def test_invalid_limit_is_rejected():
    with pytest.raises(ValueError, match="token limit"):
        Concat().pack(DOCS, W, 0, "")


def test_signature_names_strategy_separator_and_cap():
    sig = RoundRobin(separator="<doc-sep>", max_input_tokens=512).signature()
    assert sig == {"packing": "round_robin", "separator": "'<doc-sep>'", "max_input_tokens": "512"}
