"""Sentence splitting on the hard cases of the embedded articles."""

from __future__ import annotations

import pytest

from bench.preprocess.text import count_words, split_sentences


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        pytest.param(
            "Inter-Services Intelligence Director General Lt. Gen. Naveed Mukhtar, Foreign "
            "Minister Khawaja Asif and National Security Adviser Lt Gen (retd) Naseer Khan Janjua "
            "were among those who attended the meeting.",
            1,
            id="lt-gen-and-retd",
        ),
        pytest.param(
            "In a blunt assessment early last week, Gen. John Nicholson, the top USA commander "
            "in Afghanistan, said there have been no changes.",
            1,
            id="gen-john-nicholson",
        ),
        pytest.param(
            'Mattis\' trip aims "to re-affirm the enduring U.S. commitment to partnerships" in '
            "the region, according to a press release by the U.S. Department of Defense.",
            1,
            id="u.s.",
        ),
        pytest.param(
            "His visit comes days after a court ordered the release of 26/11 Mumbai attack "
            "mastermind Hafiz Saeed. The US had last week directed Pakistan to arrest Saeed.",
            2,
            id="26/11",
        ),
        pytest.param(
            "Saeed heads the UN-listed terrorist group Jamaat-ud-Dawa and has a $10 million "
            "United States bounty on his head. He walked free on 24 November.",
            2,
            id="$10-million",
        ),
        pytest.param(
            'Earlier the American defence chief said: "We have heard from Pakistan leaders that '
            "they do not support terrorism. So I expect to see that sort of action reflected in "
            'their policies."',
            1,
            id="sentences-inside-quotes",
        ),
        pytest.param(
            '"Let it come," Major General Asif Ghafoor - the Pakistani military spokesman - had '
            'told reporters. "Even if it comes... Pakistan shall do whatever is best."',
            2,
            id="quote-then-quote",
        ),
    ],
)
def test_hard_cases_split_into_expected_sentences(paragraph, expected):
    sentences = split_sentences([paragraph])
    assert len(sentences) == expected, sentences
    assert " ".join(sentences).split() == paragraph.split()


def test_sentences_never_span_paragraphs():
    assert split_sentences(["First line without stop", "Second line."]) == [
        "First line without stop",
        "Second line.",
    ]


def test_count_words_uses_whitespace_tokens():
    assert count_words("U.S. $10 million, 26/11\nnext") == 5


def test_embedded_cluster_hard_cases_survive_splitting(cluster):
    sentences = [s for d in cluster.documents for s in d.sentences]
    for fragment in (
        "Lt. Gen. Naveed Mukhtar",
        "Gen. John Nicholson",
        "Lt Gen (retd) Naseer",
        "U.S. Ambassador David Hale",
        "26/11 Mumbai",
        "$10 million United States",
    ):
        assert any(fragment in s for s in sentences), fragment
    for s in sentences:
        assert not s.endswith(("Lt.", "Gen.", "U.S", "(retd")), s
