"""Normalisation before fact matching: one test per rule, tokenised and lower-cased text."""

from __future__ import annotations

import pytest

from bench.metrics.consistency.casing import CaseModel, has_case
from bench.metrics.consistency.coverage import StemIndex
from bench.metrics.consistency.lexicon import (
    country_words,
    english_words,
    head_classes,
    stem,
)
from bench.metrics.consistency.numbers import number_key, source_numbers
from bench.metrics.consistency.tokens import normalize
from bench.preprocess.clean import untokenize


@pytest.mark.parametrize(
    ("tokenised", "plain"),
    [
        ("-lrb- cnn -rrb- police said", "(cnn) police said"),
        ("-LRB- CNN -RRB- police", "(CNN) police"),
        ("a -lsb- sic -rsb- note", "a [sic] note"),
        ("he said `` we won '' today", 'he said "we won" today'),
        ("she called it ` a disgrace ' yesterday", "she called it 'a disgrace' yesterday"),
        ("the study 's author", "the study's author"),
        ("they do n't know", "they don't know"),
        ("we 're here , they 've gone", "we're here, they've gone"),
        ("the players ' wages", "the players' wages"),
        ("235, 000 people", "235,000 people"),
        ("1, 250, 000 fans", "1,250,000 fans"),
        ("$ 10,000 fine", "$10,000 fine"),
        ("£ 50 million", "£50 million"),
        ("3 . 5 per cent", "3.5 per cent"),
        ("found . it can", "found. it can"),
        ("( cnn )", "(cnn)"),
        ("it\\'s over", "it's over"),
        ("the funds.In the court", "the funds. In the court"),
    ],
)
def test_untokenize_undoes_each_ptb_rule(tokenised, plain):
    assert untokenize(tokenised) == plain


@pytest.mark.parametrize(
    "text",
    [
        "Mattis met Abbasi in Islamabad on Monday.",
        "The U.S. paid $10 million - the same as last year - to Pakistan.",
        "Numbers like 2, 3 and 4 stay apart.",
        "The 2-1 win, the 10-month detention.",
    ],
)
def test_untokenize_leaves_plain_text_alone(text):
    assert untokenize(text) == text


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("-lrb- cnn -rrb- the study 's author", "(CNN) The study's author"),
        ("235, 000 people", "235,000 people"),
        ("$ 10,000", "$10,000"),
        ("a well - known place", "a well-known place"),  # hyphen spacing: same tokens
        ("he said `` we won ''", "he said “we won”"),
        ("SARAH FLOWER", "sarah flower"),  # case never matters for matching
        ("Pakistani troops", "Pakistan troops"),
        ("the U.S. army", "the United States army"),
        ("American officials", "US officials"),
        ("defense ministry", "defence ministry"),
        ("New Zealanders", "New Zealand"),
        ("50 percent", "50 per cent"),
    ],
)
def test_both_sides_normalise_to_the_same_tokens(a, b):
    assert normalize(a) == normalize(b)


def test_normalize_keeps_distinct_words_apart():
    assert normalize("North Korean") != normalize("South Korean")
    assert normalize("he will go") == ["he", "will", "go"]  # "will" is no alias


@pytest.mark.parametrize(
    ("span", "key"),
    [
        ("9pm", (9.0, "pm")),
        ("9 pm", (9.0, "pm")),
        ("$1million", (1e6, "dollar")),
        ("£10m", (1e7, "")),
        ("ten-month", (10.0, "month")),
        ("2,000 people", (2000.0, "people")),
    ],
)
def test_numbers_written_together_or_apart_get_one_key(span, key):
    assert number_key(span) == key


def test_an_age_in_apposition_is_a_number_of_years():
    assert (48.0, "year") in source_numbers("Barry Beavis, 48, launched a legal bid.")


def test_has_case_ignores_placeholders():
    assert not has_case("alexander UNK has been charged .")
    assert has_case("Alexander UNK has been charged.")
    assert not has_case("235, 000 people")


def test_truecasing_follows_the_articles_then_the_word_list():
    case = CaseModel(
        [
            "Police said Sarah Flower was seen in May.",
            "The toll rose as flowers were laid in the square.",
        ]
    )
    # the articles write "Sarah" and "May" capitalised inside a sentence, "flowers" in lower case
    assert case.truecase("sarah flower said in may") == "Sarah Flower said in May"
    # never in the articles: capitalised only when no lower-case English word
    assert case.truecase("donald trump killed 14") == "Donald trump killed 14"
    assert case.truecase("met in islamabad") == "met in Islamabad"
    assert case.truecase("at 9 pm") == "at 9 pm"  # short unknown words stay
    assert case.truecase("the 18th century") == "the 18th century"


def test_truecasing_changes_letter_case_only():
    case = CaseModel(["Nothing here."])
    sentence = "ronnie o'sullivan beat matthew stevens at the crucible ."
    cased = case.truecase(sentence)
    assert cased.lower() == sentence and len(cased) == len(sentence)
    assert cased.startswith("Ronnie O'sullivan")


def test_word_lists_are_general_english():
    words = english_words()
    assert {"killed", "toll", "the", "market"} <= words
    assert not {"donald", "islamabad", "pakistan"} & words  # names are not lower-case words
    assert {"pakistan", "us", "uk", "china"} <= country_words()


def test_head_classes_group_words_that_count_the_same_thing():
    assert head_classes("killed") & head_classes("toll")
    assert head_classes("deaths") & head_classes("died")
    assert not head_classes("schools") & head_classes("killed")
    assert stem("killed") == stem("kills") == "kill"


def test_coverage_counts_words_of_the_best_sentence_fully():
    index = StemIndex([["police", "arrested", "a", "man"], ["the", "man", "was", "released"]])
    full = index.coverage(["police", "arrested", "man"])
    assert full is not None and full.value == 1.0 and full.best == 0
    spliced = index.coverage(["police", "released", "man"])
    assert spliced is not None and spliced.value == pytest.approx((1 + 1 + 0.5) / 3)
    novel = index.coverage(["police", "charged", "man"])
    assert novel is not None and novel.missing == ("charged",)
    assert index.coverage(["police"]) is None  # too short to measure
