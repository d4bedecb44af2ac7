"""ROUGE-1.5.5 rules one by one: Porter variant, exceptions, stop words, limits, rules, metric.

The expectations come from the documented behaviour of ROUGE-1.5.5 (see the README of the
official test vectors, checked in full by ``tests/integration/test_rouge155.py``).
"""

from __future__ import annotations

import pytest

from bench.metrics import rouge155
from bench.metrics.porter155 import stem
from bench.metrics.rouge import Rouge
from bench.metrics.rouge155 import (
    Options,
    Rouge155,
    Rouge155Metric,
    exceptions,
    prepare,
    stopwords,
)
from bench.types import Cluster, Document, Reference


def _tokens(lines: list[str], **options) -> list[str]:
    return [t.decode("ascii") for t in prepare(lines, Options(**options)).tokens]


def _rouge1(peer: list[str], refs: list[list[str]], **options) -> dict[str, str]:
    return Rouge155(Options(max_n=1, **options)).score(peer, refs)["ROUGE-1"]


# --- Porter stemmer as ROUGE-1.5.5 ships it ---------------------------------------------------


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        # ROUGE's extra "ment" then "ent" tries after step 4 (standard Porter keeps these)
        ("statement", "statem"),
        ("agreement", "agreem"),
        ("element", "elem"),
        # steps 2 and 4: -tional -> -tion, then -ion after s/t
        ("congressional", "congress"),
        # step 2 as in Porter's own implementations, not the 1980 paper: bli -> ble, logi -> log
        ("possibly", "possibl"),
        ("credibly", "credibl"),
        ("assembly", "assembl"),
        ("apology", "apolog"),
        ("technology", "technolog"),
        # step 1c: y -> i
        ("yearly", "yearli"),
        ("happy", "happi"),
        # "said" is not a Porter case: the exception list maps it (see below)
        ("said", "said"),
        ("says", "sai"),
        ("saying", "sai"),
        ("mouse", "mous"),
        # textbook Porter cases
        ("caresses", "caress"),
        ("ponies", "poni"),
        ("cats", "cat"),
        ("agreed", "agre"),
        ("hopping", "hop"),
        ("filing", "file"),
        ("generalization", "gener"),
        ("government", "govern"),
        ("yielding", "yield"),
        ("relational", "relat"),
        ("electrical", "electr"),
        ("adjustment", "adjust"),
        ("controll", "control"),
        # step 4's order in ROUGE-1.5.5: list (without ment/ent), then "ment", then "ent" or
        # else "(s|t)ion", each on the current word (made-up tokens, traced by hand)
        ("fugoilmentment", "fugoilm"),  # ment, then ent
        ("peftsementent", "peftsement"),  # ent only: "ment" is tested before "ent" strips
        ("smilotionent", "smilotion"),  # ent matched, so the ion rule is not tried
    ],
)
def test_porter155_known_words(word, expected):
    assert stem(word) == expected


def test_stemming_uses_the_exception_list_first_and_does_not_stem_the_lemma():
    stemmed = _tokens(["said says saying mice mouse went were better best good"], stem=True)
    assert stemmed == ["say", "sai", "sai", "mouse", "mous", "go", "be", "well", "well", "good"]


def test_stemming_skips_tokens_of_three_characters_or_fewer():
    # "was", "ran", "saw" and "men" are in the exception list but too short to be looked up
    assert _tokens(["was ran saw men ties"], stem=True) == ["was", "ran", "saw", "men", "ti"]


def test_mice_and_mouse_do_not_match():
    assert _rouge1(["two mice"], [["two mouse"]]) == {
        "R": "0.50000",
        "P": "0.50000",
        "F": "0.50000",
    }


def test_exception_list_is_loaded_adj_adv_noun_verb_with_later_entries_winning():
    table = exceptions()
    assert len(table) == 5930  # the keys of ROUGE's WordNet-2.0.exc.db
    assert table[b"best"] == b"well" and table[b"better"] == b"well"  # adv overwrites adj "good"

    def load(order: tuple[str, ...]) -> dict[bytes, bytes]:
        out: dict[bytes, bytes] = {}
        for part in order:
            for line in (rouge155.DATA_DIR / f"{part}.exc").read_bytes().splitlines():
                if len(fields := line.split()) >= 2:
                    out[fields[0]] = fields[1]
        return out

    assert load(("adj", "adv", "noun", "verb")) == table
    assert load(("verb", "noun", "adv", "adj"))[b"best"] == b"good"  # why the order matters


# --- Tokenisation and stop words --------------------------------------------------------------


def test_tokenisation_is_bytewise_and_ascii_only():
    text = "The U.S. said Jamaat-ud-Dawa 26/11 $10 million Pakistan’s café İslamabad \u212aabul"
    assert _tokens([text], stem=False) == [
        "the", "u", "s", "said", "jamaat", "ud", "dawa", "26", "11", "10", "million",
        "pakistan", "s", "caf", "slamabad", "abul",
    ]  # fmt: skip


def test_stop_words_are_removed_before_stemming():
    assert {b"us", b"s", b"the"} <= stopwords()
    assert _tokens(["The U.S. said Jamaat-ud-Dawa"], stem=True, remove_stopwords=True) == [
        "jamaat", "ud", "dawa",
    ]  # fmt: skip


# --- Length limits ------------------------------------------------------------------------------


def test_word_limit_counts_perl_whitespace_words_on_raw_lines():
    # NBSP does not split a word: "a\xa0b" is one word, so both words fit in -l 2
    assert _tokens(["a\u00a0b c"], stem=False, length_words=2) == ["a", "b", "c"]
    # a line starting with whitespace has a leading empty word: "", one, two fill -l 3
    assert _tokens(["  one two three"], stem=False, length_words=3) == ["one", "two"]
    assert _tokens(["\tone two three"], stem=False, length_words=4) == ["one", "two", "three"]
    # punctuation-only words count although they give no token
    assert _tokens(["a – b c"], stem=False, length_words=2) == ["a"]


def test_word_limit_cuts_the_line_that_reaches_it_and_drops_the_rest():
    lines = ["one two", "three four", "five"]
    assert _tokens(lines, stem=False, length_words=3) == ["one", "two", "three"]
    assert _tokens(lines, stem=False, length_words=4) == ["one", "two", "three", "four"]
    assert _tokens(lines, stem=False, length_words=50) == ["one", "two", "three", "four", "five"]


def test_byte_limit_counts_utf8_bytes_of_the_lines():
    lines = ["abc def", "ghi"]
    assert _tokens(lines, stem=False, length_bytes=5) == ["abc", "d"]
    assert _tokens(lines, stem=False, length_bytes=7) == ["abc", "def"]  # reached: rest dropped
    assert _tokens(lines, stem=False, length_bytes=8) == ["abc", "def", "g"]
    assert _tokens(["café x"], stem=False, length_bytes=4) == ["caf"]  # "é" is 2 bytes


@pytest.mark.parametrize("limit", [{"length_words": 2}, {"length_bytes": 3}])
def test_limits_apply_to_references_too(limit):
    assert _rouge1(["a b c d"], [["a b x y"]], **limit) == {
        "R": "1.00000", "P": "1.00000", "F": "1.00000",
    }  # fmt: skip


def test_word_and_byte_limits_are_exclusive():
    with pytest.raises(ValueError, match="exclusive"):
        Options(length_words=10, length_bytes=10)


# --- Scores and multi-reference rules -----------------------------------------------------------


def test_f_is_computed_from_rounded_recall_and_precision():
    ref = [" ".join(f"w{i}" for i in range(45))]
    # exact F would be 2/46 = 0.04348; from R 0.02222 and P 1.00000 it is 0.04347
    assert _rouge1(["w0"], [ref]) == {"R": "0.02222", "P": "1.00000", "F": "0.04347"}


@pytest.mark.parametrize(("alpha", "f"), [(1.0, "P"), (0.0, "R")])
def test_alpha_weights_precision_and_recall(alpha, f):
    scores = _rouge1(["a b c d"], [["a b x"]], alpha=alpha)
    assert scores["F"] == scores[f]


def test_pooled_references():
    # hits 2 + 1 of 4 + 2 reference unigrams; precision over 2 x 4 peer unigrams
    assert _rouge1(["a b c d"], [["a b x y"], ["a x"]], stem=False) == {
        "R": "0.50000", "P": "0.37500", "F": "0.42857",
    }  # fmt: skip


def test_best_reference_is_chosen_by_recall_not_f():
    refs = [["a b x"], ["a b c x y z"]]  # R 2/3, P 2/4 (F .571) vs R 3/6, P 3/4 (F .6)
    assert _rouge1(["a b c d"], refs, stem=False, multi_ref="B") == {
        "R": "0.66667", "P": "0.50000", "F": "0.57143",
    }  # fmt: skip


def test_best_reference_ties_go_to_the_first():
    refs = [["a b x y"], ["a x"]]  # both R 0.5; P 0.5 and 0.25
    assert _rouge1(["a b c d"], refs, stem=False, multi_ref="B")["P"] == "0.50000"
    assert _rouge1(["a b c d"], refs[::-1], stem=False, multi_ref="B")["P"] == "0.25000"


def test_su4_never_counts_the_last_unigram():
    opts = Options(max_n=1, skip_distance=4, skip_unigrams=True)
    scores = Rouge155(opts).score(["pakistan"], [["pakistan"]])
    assert scores["ROUGE-1"]["R"] == "1.00000"
    assert scores["ROUGE-SU4"] == {"R": "0.00000", "P": "0.00000", "F": "0.00000"}


def test_empty_or_punctuation_only_peer_scores_zero():
    for peer in ([], ["", ""], ["... !!", "--"]):
        scores = Rouge155(Options(max_n=2)).score(peer, [["a b c"]])
        assert all(v == "0.00000" for s in scores.values() for v in s.values())


def _brute_counts(peer: list[str], ref: list[str], opts: Options, rouge_type: str) -> tuple:
    """Clipped hits and totals by plain Counters, one n-gram (or skip-bigram) at a time."""
    from collections import Counter

    def grams(tokens: tuple) -> Counter:
        if rouge_type.startswith("ROUGE-S"):
            d, last = opts.skip_distance, len(tokens) - 1
            out: Counter = Counter()
            for i in range(last):  # the last unigram is never counted
                out[("u", tokens[i])] += 1
                for j in range(i + 1, min(i + d + 1, last) + 1):
                    out[(tokens[i], tokens[j])] += 1
            return out
        n = int(rouge_type[6:])
        return Counter(tokens[i : i + n] for i in range(len(tokens) - n + 1))

    p, r = grams(prepare(peer, opts).tokens), grams(prepare(ref, opts).tokens)
    return sum(min(c, p[g]) for g, c in r.items()), sum(r.values()), sum(p.values())


@pytest.mark.parametrize("seed", range(6))
def test_clipped_hits_equal_the_sum_of_smaller_counts(seed):
    # a 4-word vocabulary: many repeated unigrams, bigrams and trigrams on both sides
    import random

    rng = random.Random(seed)
    opts = Options(max_n=4, stem=False, skip_distance=4, skip_unigrams=True)

    def text() -> list[str]:
        return [" ".join(rng.choice("abcd") for _ in range(rng.randint(0, 12)))
                for _ in range(rng.randint(1, 4))]  # fmt: skip

    peer, refs = text(), [text() for _ in range(3)]
    counts = Rouge155(opts).all_counts(peer, refs)
    for rouge_type in ("ROUGE-1", "ROUGE-2", "ROUGE-3", "ROUGE-4", "ROUGE-SU4"):
        expected = [_brute_counts(peer, r, opts, rouge_type) for r in refs]
        assert counts[rouge_type] == expected, rouge_type


def test_scores_do_not_depend_on_caches_or_order():
    peers = [["Mattis met the leader."], ["The leaders met Mattis", "in Islamabad."], []]
    refs = [["Mattis met Pakistan's leaders."], ["The secretary met the leaders in Islamabad."]]
    scorers = [Rouge155(Options(max_n=2, stem=s, remove_stopwords=w))
               for s in (True, False) for w in (True, False)]  # fmt: skip
    rouge155.clear_caches()
    first = [[sc.score(p, refs) for p in peers] for sc in scorers]
    again = [[sc.score(p, refs) for p in peers[::-1]][::-1] for sc in scorers[::-1]][::-1]
    rouge155.clear_caches()
    fresh = [[sc.score(p, refs) for p in peers] for sc in scorers]
    assert first == again == fresh
    assert len({str(f) for f in first}) == 4  # the four option sets do differ here


def test_references_are_cached_and_peers_are_not():
    rouge155.clear_caches()
    scorer = Rouge155(Options(max_n=2))
    refs = [["a b c d"], ["b c d e"]]
    for peer in (["a b"], ["b c"], ["c d"]):
        scorer.score(peer, refs)
    info = rouge155._reference.cache_info()
    assert (info.currsize, info.hits) == (2, 4)


def test_stop_words_leave_the_line_structure_in_place():
    text = prepare(["The cat of the house", "of the", "A dog"], Options(remove_stopwords=True))
    assert text.lines == ((b"cat", b"hous"), (), (b"dog",))
    assert text.tokens == (b"cat", b"hous", b"dog")


def test_flags_string():
    assert Options().flags() == "-n 4 -m -f A -p 0.5"
    opts = Options(2, True, True, 100, None, "B", 0.5, 4, True)
    assert opts.flags() == "-n 2 -m -s -2 4 -u -l 100 -f B -p 0.5"


# --- The rouge155 metric (Rouge155Metric) ---------------------------------------------------------


def _cluster(cid: str, refs: list[str]) -> Cluster:
    doc = Document("d", "", "x.", "x.", ("x.",))
    return Cluster(cid, (doc,), tuple(Reference(str(i), "t", r) for i, r in enumerate(refs)))


SUMMARY = "Mattis met the leaders in Islamabad.\nHe said the safe havens must end."
REFS = [
    "Mattis met Pakistan's leaders.\nThe safe havens must end, he said.",
    "The U.S. defence secretary visited Islamabad.\nHe asked Pakistan to act on havens.",
    "Jim Mattis met the prime minister in Islamabad and said safe havens were not acceptable.",
]


def test_metric_keys_and_values_equal_the_printed_strings():
    metric = Rouge155Metric(rouge_types=["rouge1", "rouge2", "rougeL", "rougeSU4"],
                   multi_ref="pooled")  # fmt: skip
    (values,) = metric.score([SUMMARY], [_cluster("c", REFS)]).scores
    assert list(values) == [f"rouge{t}_{v}" for t in ("1", "2", "L", "SU4") for v in "prf"]
    assert set(values) == set(metric.info.keys)
    printed = Rouge155(Options(max_n=2, skip_distance=4, skip_unigrams=True)).score(
        SUMMARY.split("\n"), [r.split("\n") for r in REFS]
    )
    for name, key in (("ROUGE-1", "rouge1"), ("ROUGE-2", "rouge2"), ("ROUGE-L", "rougeL"),
                      ("ROUGE-SU4", "rougeSU4")):  # fmt: skip
        for v in "PRF":
            assert values[f"{key}_{v.lower()}"] == float(printed[name][v])
            assert "%.5f" % values[f"{key}_{v.lower()}"] == printed[name][v]  # noqa: UP031


def test_metric_defaults_and_signature():
    metric = Rouge155Metric()
    (values,) = metric.score([SUMMARY], [_cluster("c", REFS)]).scores
    assert sorted({k.rsplit("_", 1)[0] for k in values}) == ["rouge1", "rouge2", "rougeL"]
    sig = metric.signature()
    assert sig["mode"] == "rouge155"
    assert sig["flags"] == "-n 2 -m -f B -p 0.5"  # multi_ref max -> -f B
    assert Rouge155Metric(multi_ref="pooled").signature()["flags"].endswith("-f A -p 0.5")
    assert Rouge().signature()["mode"] == "rouge_score"
    # the same keys, declared alike, as the rouge metric of the same types
    assert metric.info.keys == Rouge(rouge_types=metric.rouge_types).info.keys
    assert all(k.value_range == (0.0, 1.0) for k in metric.info.keys.values())


def test_metric_options_map_to_flags():
    metric = Rouge155Metric(rouge_types=["rouge1", "rouge4", "rougeL"], use_stemmer=False,
                   multi_ref="pooled", remove_stopwords=True,
                   length_words=100, alpha=0.25)  # fmt: skip
    assert metric.signature()["flags"] == "-n 4 -s -l 100 -f A -p 0.25"
    assert Rouge155Metric(length_bytes=665).signature()["flags"] == ("-n 2 -m -b 665 -f B -p 0.5")


@pytest.mark.parametrize("rule", ["mean", "jackknife"])
def test_metric_rejects_rules_rouge155_lacks(rule):
    with pytest.raises(ValueError, match="pooled.*max"):
        Rouge155Metric(multi_ref=rule)


@pytest.mark.parametrize(
    ("cls", "kwargs", "match"),
    [
        (Rouge, {"mode": "perl"}, "unknown ROUGE mode"),
        (Rouge, {"mode": "rouge155"}, r"select metrics=\[rouge155\]"),
        (Rouge155Metric, {"rouge_types": ["rougeLsum"]}, "summary-level"),
        (Rouge155Metric, {"rouge_types": ["rouge1", "rougeS4", "rougeSU4"]}, "one skip"),
        (Rouge155Metric, {"rouge_types": ["rougeW"]}, "unknown ROUGE type"),
        (Rouge155Metric, {"length_words": 10, "length_bytes": 10}, "exclusive"),
        (Rouge155Metric, {"alpha": 2.0}, "alpha"),
        (Rouge, {"remove_stopwords": True}, "unexpected keyword"),
        (Rouge, {"length_words": 100}, "unexpected keyword"),
        (Rouge, {"length_bytes": 100}, "unexpected keyword"),
        (Rouge, {"alpha": 0.3}, "unexpected keyword"),
        (Rouge155Metric, {"tokenizer": "unicode"}, "unexpected keyword"),
        (Rouge, {"rouge_types": ["rougeSU4"]}, "unknown ROUGE type"),
        (Rouge, {"rouge_types": []}, "at least one"),
        (Rouge155Metric, {"rouge_types": []}, "at least one"),
    ],
)
def test_metric_rejects_invalid_combinations(cls, kwargs, match):
    # The options of the other ROUGE are not silently accepted (TypeError from the class).
    with pytest.raises((ValueError, TypeError), match=match):
        cls(**kwargs)


@pytest.mark.parametrize("rule", ["pooled", "max"])
def test_reference_views_in_rouge155_mode(rule):
    from bench.core.scoring import reference_views

    metric = Rouge155Metric(multi_ref=rule)
    per_ref, loo = reference_views("rouge155", metric, SUMMARY, _cluster("c", REFS))
    assert set(loo) == set(metric.info.keys)
    assert len(per_ref) == len(REFS)
    for i in range(len(REFS)):
        (alone,) = metric.score([SUMMARY], [_cluster("c", REFS[:i] + REFS[i + 1 :])]).scores
        for key, values in loo.items():
            assert values[i] == alone[key]
    assert reference_views("rouge155", metric, SUMMARY, _cluster("c", REFS[:1]))[1] == {}


def test_metric_takes_sentences_from_lines():
    # ROUGE-L is summary-level: the same words on other lines give other LCS hits
    metric = Rouge155Metric(rouge_types=["rougeL"], use_stemmer=False)
    (one_line,) = metric.score(["c d a b"], [_cluster("c", ["a b c d"])]).scores
    (two_lines,) = metric.score(["c d\na b"], [_cluster("c", ["a b c d"])]).scores
    assert one_line["rougeL_r"] == 0.5
    assert two_lines["rougeL_r"] == 1.0


def test_metric_refuses_a_cluster_without_references():
    with pytest.raises(ValueError, match="no reference summaries"):
        Rouge155Metric().score(["a"], [_cluster("a", [])])


def test_rouge155_preset_composes_and_the_old_mode_points_to_it(compose_run):
    from hydra.errors import InstantiationException
    from hydra.utils import instantiate

    cfg = compose_run("metrics=[rouge155]")
    metric = instantiate(cfg.metrics.rouge155, _convert_="all")
    assert metric.signature()["flags"] == "-n 2 -m -2 4 -u -f A -p 0.5"
    cfg = compose_run("metrics.rouge.mode=rouge155")
    with pytest.raises(InstantiationException, match=r"select metrics=\[rouge155\]"):
        instantiate(cfg.metrics.rouge, _convert_="all")
