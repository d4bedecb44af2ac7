"""NLI fact consistency (SummaC-ZS style): logic with a fake NLI; a tiny random model end to end."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import replace

import pytest

from bench.metrics.base import Metric
from bench.metrics.consistency.combined import (
    FactNLIConsistency,
    combine,
    failing_sentences,
    share_passing,
)
from bench.metrics.consistency.nli import NLIConsistency, WordLengths, chunk_sentences
from bench.preprocess.packing import join_sentences
from bench.types import Cluster, Document
from tests.conftest import ROOT

ENTAILS, CONTRADICTS, NEUTRAL = (0.9, 0.05), (0.05, 0.8), (0.1, 0.1)


def fake_nli(premises, hypotheses):
    """Entails when the hypothesis is in the premise; contradicts when it is there with "not"."""
    out = []
    for premise, hypothesis in zip(premises, hypotheses, strict=True):
        core = hypothesis.rstrip(".")
        words = core.split()
        negated = [" ".join([*words[:k], "not", *words[k:]]) for k in range(1, len(words))]
        if core in premise:
            out.append(ENTAILS)
        elif any(n in premise for n in negated):
            out.append(CONTRADICTS)
        else:
            out.append(NEUTRAL)
    return out


class Recorder:
    """The fake NLI, remembering every batch it was given."""

    def __init__(self):
        self.batches = []

    def __call__(self, premises, hypotheses):
        self.batches.append(list(zip(premises, hypotheses, strict=True)))
        return fake_nli(premises, hypotheses)


def doc(doc_id, *sentences):
    text = " ".join(sentences)
    return Document(doc_id, "", text, text, tuple(sentences))


def clus(cluster_id, *documents):
    return Cluster(cluster_id, tuple(documents))


VISIT = clus(
    "visit",
    doc("a", "Mattis arrived in Islamabad on Monday.", "The talks were not productive.",
        "He met the army chief."),
    doc("b", "Pakistan denied the charge.", "The visit lasted one day."),
)  # fmt: skip


MIXED = (
    "Mattis arrived in Islamabad on Monday.\nThe talks were productive.\nThe visit lasted two days."
)


def metric(**kwargs):
    return NLIConsistency(scorer=kwargs.pop("scorer", fake_nli), **kwargs)


# -- logic, with the fake NLI ------------------------------------------------------------
def test_score_is_the_mean_of_each_sentences_best_entailment():
    m = metric()
    summary = MIXED
    out = m.score([summary], [VISIT])
    (values,) = out.scores
    # Document b is neutral (0.1) on every sentence: the contradicted one's best is 0.1, not 0.05.
    assert values["nli_consistency"] == pytest.approx((0.9 + 0.1 + 0.1) / 3)
    rows = out.details[0]["nli_sentences"]
    assert [r["entailment"] for r in rows] == [0.9, 0.1, 0.1]
    assert [r["contradiction"] for r in rows] == [0.1, 0.8, 0.1]
    assert rows[0]["best_doc_id"] == "a"
    assert "Mattis arrived in Islamabad on Monday." in rows[0]["best_chunk"]


def test_contradicted_and_unsupported_sentences_are_flagged_with_evidence():
    m = metric()
    summary = MIXED
    out = m.score([summary], [VISIT])
    issues = out.details[0]["nli_issues"]
    assert [(i["sentence"], i["verdict"]) for i in issues] == [
        ("The talks were productive.", "contradicted"),
        ("The visit lasted two days.", "unsupported"),
    ]
    contradicted = issues[0]
    assert contradicted["kind"] == "nli"
    assert contradicted["span"] == contradicted["sentence"]
    assert "0.800" in contradicted["reason"] and "0.100" in contradicted["reason"]
    assert [d["doc_id"] for d in contradicted["documents"]] == ["a"]
    assert "The talks were not productive." in contradicted["documents"][0]["says"]
    assert json.loads(json.dumps(out.details))  # JSON-ready


def test_contradiction_below_threshold_or_support_is_not_a_contradiction():
    summary = "The talks were productive."
    m = metric(contradiction_threshold=0.9)
    out = m.score([summary], [VISIT])
    assert [i["verdict"] for i in out.details[0]["nli_issues"]] == ["unsupported"]
    both = clus("both", *VISIT.documents, doc("c", "The talks were productive."))
    m = metric()
    out = m.score([summary], [both])
    assert out.scores == [{"nli_consistency": 0.9}]
    assert out.details[0]["nli_issues"] == []


def test_best_chunk_is_searched_in_every_chunk_of_every_document():
    filler = [doc(f"d{i}", *(f"Filler sentence number {i} {k} here." for k in range(4)))
              for i in range(5)]  # fmt: skip
    last = doc("d5", *filler[0].sentences, "The ceasefire held overnight.")
    cluster = clus("far", *filler, last)
    for max_length in (12, None):
        recorder = Recorder()
        m = metric(scorer=recorder, max_length=max_length)
        out = m.score(["The ceasefire held overnight."], [cluster])
        (values,) = out.scores
        assert values["nli_consistency"] == 0.9
        row = out.details[0]["nli_sentences"][0]
        assert row["best_doc_id"] == "d5"
        assert row["best_chunk"].endswith("The ceasefire held overnight.")
        scored = [p for batch in recorder.batches for p, _ in batch]
        budget = m.premise_budget("The ceasefire held overnight.")
        expected = [c for d in cluster.documents
                    for c in chunk_sentences(d.sentences, WordLengths(), budget)]  # fmt: skip
        assert sorted(scored) == sorted(set(expected))
    assert len(expected) == len(cluster.documents)  # max_length=None: one chunk per document


def _assert_covers(chunks, sentences, fits):
    """Chunks are runs of whole sentences (greedy) or pieces of one sentence, covering all."""
    squash = "".join
    i, rest = 0, ""
    for chunk in chunks:
        if rest:  # inside a sentence that is split into pieces
            piece = squash(chunk.split())
            assert rest.startswith(piece)
            rest = rest[len(piece) :]
            i += not rest
            continue
        whole = [j for j in range(i + 1, len(sentences) + 1)
                 if chunk == join_sentences(sentences[i:j])]  # fmt: skip
        if whole:
            j = whole[0]
            assert j == len(sentences) or not fits(join_sentences(sentences[i : j + 1]))
            i = j
            continue
        full, piece = squash(sentences[i].split()), squash(chunk.split())
        assert full.startswith(piece) and len(piece) < len(full)
        rest = full[len(piece) :]
    assert i == len(sentences) and not rest


@pytest.mark.parametrize("max_length", [6, 12, 40])
def test_word_chunks_cover_every_sentence_and_fit(cluster, max_length):
    m = metric(max_length=max_length)
    hypothesis = "Mattis met the army chief."
    budget = m.premise_budget(hypothesis)
    assert budget == max_length - 5
    for d in cluster.documents:
        chunks = m.premise_chunks(d.sentences, hypothesis)
        assert all(len(c.split()) <= budget for c in chunks)
        _assert_covers(chunks, list(d.sentences), lambda t: len(t.split()) <= budget)


def test_long_hypothesis_is_scored_in_pieces_that_must_all_be_supported():
    m = metric(max_length=8)  # hypotheses over 4 words are split
    assert m.hypothesis_pieces("Mattis arrived in Islamabad on Monday.") == [
        "Mattis arrived in Islamabad", "on Monday."
    ]  # fmt: skip
    summary = "Mattis arrived in Islamabad on Monday.\nMattis arrived in Kabul on Monday."
    out = m.score([summary], [VISIT])
    (values,) = out.scores
    assert [r["entailment"] for r in out.details[0]["nli_sentences"]] == [0.9, 0.1]
    assert values["nli_consistency"] == pytest.approx(0.5)
    assert [r["sentence"] for r in out.details[0]["nli_sentences"]] == summary.split("\n")


def test_scores_do_not_depend_on_order_or_batch_size():
    clusters = [
        VISIT,
        replace(VISIT, cluster_id="reversed", documents=VISIT.documents[::-1]),
        clus("other", doc("x", "The ceasefire held overnight.", "Talks resume on Friday.")),
    ]
    summaries = [
        "Mattis arrived in Islamabad on Monday.\nThe talks were productive.",
        "The visit lasted one day.\nHe met the army chief.",
        "Talks resume on Friday.\nThe ceasefire did not hold.",
    ]
    reference = metric(batch_size=64)
    expected = reference.score(summaries, clusters)
    for batch_size in (1, 3):
        recorder = Recorder()
        m = metric(scorer=recorder, batch_size=batch_size)
        out = m.score(summaries[::-1], clusters[::-1])
        assert out.scores == expected.scores[::-1]
        assert out.details == expected.details[::-1]
        assert max(len(b) for b in recorder.batches) == batch_size
        pairs = [p for b in recorder.batches for p in b]
        assert len(pairs) == len(set(pairs))  # each pair scored once


@pytest.mark.parametrize("summary", ["", "\n", " \n \n"])
def test_empty_summary_scores_one(summary):
    m = metric()
    out = m.score([summary], [VISIT])
    assert out.scores == [{"nli_consistency": 1.0}]
    assert out.details == [{"nli_issues": [], "nli_sentences": []}]


def test_empty_documents_give_no_support():
    m = metric()
    with_empty = clus("some", doc("empty"), *VISIT.documents)
    assert m.score(["He met the army chief."], [with_empty]).scores == [{"nli_consistency": 0.9}]
    out = m.score(["He met the army chief."], [clus("none", doc("empty"))])
    assert out.scores == [{"nli_consistency": 0.0}]
    (issue,) = out.details[0]["nli_issues"]
    assert issue["verdict"] == "unsupported" and issue["documents"] == []
    assert out.details[0]["nli_sentences"][0]["best_doc_id"] is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scorer": None}, "exactly one of model"),
        ({"model": "some/model"}, "exactly one of model"),
        ({"batch_size": 0}, "batch_size"),
        ({"device": "tpu"}, "unknown device"),
        ({"contradiction_threshold": 1.5}, "contradiction_threshold"),
        ({"entailment_threshold": -0.1}, "entailment_threshold"),
        ({"entailment_threshold": True}, "entailment_threshold"),
        ({"max_length": 0}, "max_length"),
        ({"max_length": 2.5}, "max_length"),
        ({"revision": "main"}, "revision applies to a model"),
        ({"entailment_label": "ENTAILMENT"}, "entailment_label applies to a model"),
    ],
)
def test_invalid_options_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        metric(**kwargs)


def test_non_callable_scorer_raises():
    with pytest.raises(TypeError, match="callable"):
        NLIConsistency(scorer="fake")


@pytest.mark.parametrize(
    ("scorer", "message"),
    [
        (lambda p, h: fake_nli(p, h)[1:], "returned"),
        (lambda p, h: [(1.5, 0.0)] * len(p), "entailment probability"),
        (lambda p, h: [(0.5,)] * len(p), r"\(entailment, contradiction\)"),
    ],
)
def test_bad_scorer_output_raises(scorer, message):
    with pytest.raises(ValueError, match=message):
        metric(scorer=scorer).score(["He met the army chief."], [VISIT])


def test_injected_scorer_signature_names_it():
    sig = metric(max_length=40).signature()
    assert sig["model"] == f"injected:{fake_nli.__module__}.fake_nli"
    assert sig["max_length"] == "40 words"
    assert (
        sig["aggregation"] == "mean over sentences of max entailment over chunks of all documents"
    )
    assert "0.5" in sig["thresholds"]
    assert isinstance(metric(), Metric)


# -- a tiny random NLI model through the real from_pretrained path -------------------------
@pytest.fixture(scope="session")
def tiny_nli(tmp_path_factory, cluster):
    from bench.testing import build_tiny_nli

    texts = [s for d in cluster.documents for s in d.sentences]
    # A larger vocabulary than the summarizer fixtures: fewer tokens, fewer chunks, faster tests.
    path = tmp_path_factory.mktemp("tiny-nli") / "nli"
    return str(build_tiny_nli(path, texts, vocab_size=2000))


def _summary(cluster):
    return "\n".join([cluster.documents[0].sentences[0], "Mattis did not visit Pakistan."])


def test_tiny_model_scores_in_range_and_deterministically(tiny_nli, cluster):
    a, b = NLIConsistency(model=tiny_nli, device="cpu"), NLIConsistency(model=tiny_nli)
    assert isinstance(a, Metric)
    assert (a.entailment_index, a.contradiction_index) == (0, 2)  # read from config.id2label
    assert a.max_length == 128  # tokenizer and position limits of build_tiny_nli
    out = a.score([_summary(cluster)], [cluster])
    assert out == b.score([_summary(cluster)], [cluster])
    assert 0.0 <= out.scores[0]["nli_consistency"] <= 1.0
    rows = out.details[0]["nli_sentences"]
    assert len(rows) == 2
    assert all(0.0 <= r["entailment"] <= 1.0 and 0.0 <= r["contradiction"] <= 1.0 for r in rows)
    doc_ids = {d.doc_id for d in cluster.documents}
    assert all(r["best_doc_id"] in doc_ids for r in rows)
    sig = a.signature()
    assert sig["weights"].startswith("sha256:") and sig == b.signature()
    assert sig["labels"] == "entailment=entailment(0),contradiction=contradiction(2)"
    assert sig["max_length"] == "128 tokens" and sig["transformers"]


def test_tiny_model_batches_agree_with_single_pairs(tiny_nli, cluster):
    small = replace(cluster, documents=cluster.documents[:1])
    one = NLIConsistency(model=tiny_nli, batch_size=1).score([_summary(small)], [small])
    many = NLIConsistency(model=tiny_nli, batch_size=32).score([_summary(small)], [small])
    assert one.scores[0]["nli_consistency"] == pytest.approx(
        many.scores[0]["nli_consistency"], abs=1e-5
    )


def test_token_chunks_cover_every_sentence_and_fit_max_length(tiny_nli, cluster):
    max_length = 48
    m = NLIConsistency(model=tiny_nli, max_length=max_length)
    tok = m.tokenizer
    sentences = [s for d in cluster.documents for s in d.sentences]
    long_sentence = " ".join(s.rstrip(".") for s in sentences[:8]) + "."
    no_spaces = "See https://example.org/" + "".join(
        f"{w}{i}" for i, w in enumerate(sentences[2].split())
    )
    documents = [
        *(list(d.sentences) for d in cluster.documents),
        [long_sentence, sentences[0], no_spaces],  # split at word starts, and inside a word
    ]
    for hypothesis in ("Mattis visited Pakistan.", sentences[1], long_sentence):
        pieces = m.hypothesis_pieces(hypothesis)
        assert "".join("".join(pieces).split()) == "".join(hypothesis.split())
        for piece in pieces:
            assert len(tok(piece, add_special_tokens=False)["input_ids"]) <= (max_length - 4) // 2

            def fits(premise, piece=piece):
                return len(tok(premise, piece)["input_ids"]) <= max_length

            for sents in documents:
                chunks = m.premise_chunks(sents, piece)
                assert all(fits(c) for c in chunks)
                _assert_covers(chunks, sents, fits)
    assert len(m.hypothesis_pieces(long_sentence)) > 1


def test_labels_come_from_config_or_settings(tiny_nli, tmp_path):
    relabelled = tmp_path / "relabelled"
    shutil.copytree(tiny_nli, relabelled)
    config_path = relabelled / "config.json"
    config = json.loads(config_path.read_text())
    config["id2label"] = {"0": "LABEL_0", "1": "LABEL_1", "2": "LABEL_2"}
    config["label2id"] = {"LABEL_0": 0, "LABEL_1": 1, "LABEL_2": 2}
    config_path.write_text(json.dumps(config))
    with pytest.raises(ValueError, match="0=LABEL_0, 1=LABEL_1, 2=LABEL_2"):
        NLIConsistency(model=str(relabelled))
    m = NLIConsistency(
        model=str(relabelled), entailment_label="label_2", contradiction_label="LABEL_0"
    )
    assert (m.entailment_index, m.contradiction_index) == (2, 0)
    with pytest.raises(ValueError, match="is not one of the model's labels"):
        NLIConsistency(model=tiny_nli, entailment_label="yes")
    with pytest.raises(ValueError, match="same label"):
        NLIConsistency(model=tiny_nli, contradiction_label="entailment")
    with pytest.raises(ValueError, match="exceeds the model's input limit 128"):
        NLIConsistency(model=tiny_nli, max_length=512)


def test_missing_model_path_raises_a_one_line_value_error(tmp_path):
    with pytest.raises(ValueError, match="does not exist") as info:
        NLIConsistency(model=str(tmp_path / "no-such-model"))
    assert "\n" not in str(info.value)


def test_config_composes_and_instantiates_a_metric(compose_run, tiny_nli):
    from hydra.utils import instantiate

    cfg = compose_run("metrics=[nli_consistency]", f"metrics.nli_consistency.model={tiny_nli}")
    node = cfg.metrics.nli_consistency
    assert node.revision is None and node.scorer is None
    obj = instantiate(node, _convert_="all")
    assert isinstance(obj, Metric)
    assert obj.name == "nli_consistency"
    assert obj.info.higher_is_better == {"nli_consistency": True}


# -- chunking caps, two-class models, MiniCheck's joined input ---------------------------------
def test_premise_caps_limit_chunks_by_sentences_and_length():
    sents = ["One two three.", "Four five.", "Six seven eight nine.", "Ten."]
    assert chunk_sentences(sents, WordLengths(), None, max_sentences=1) == sents
    assert chunk_sentences(sents, WordLengths(), None, max_sentences=3) == [
        join_sentences(sents[:3]), "Ten.",
    ]  # fmt: skip
    assert chunk_sentences(sents, WordLengths(), 100, max_sentences=2) == [
        join_sentences(sents[:2]), join_sentences(sents[2:]),
    ]  # fmt: skip
    m = metric(max_length=40, max_premise_length=6)
    assert m.premise_budget("A b c.") == 6  # the cap, below the 37 words max_length leaves
    assert m.premise_budget(" ".join(["w"] * 36)) == 4  # the room, below the cap
    assert metric(max_premise_length=6).premise_budget("A b.") == 6  # no max_length: the cap
    sig = metric(max_length=40, max_premise_length=6, max_premise_sentences=1).signature()
    assert "premise <= 6 words; <= 1 sentences" in sig["chunking"]


def test_sentence_granularity_scores_every_sentence_as_its_own_premise():
    recorder = Recorder()
    m = metric(scorer=recorder, max_premise_sentences=1)
    m.score(["The visit lasted one day."], [VISIT])
    premises = sorted(p for batch in recorder.batches for p, _ in batch)
    assert premises == sorted(s for d in VISIT.documents for s in d.sentences)


def test_two_class_model_flags_only_unsupported_sentences():
    m = metric(has_contradiction=False)
    out = m.score([MIXED], [VISIT])
    (values,) = out.scores
    assert values["nli_consistency"] == pytest.approx((0.9 + 0.1 + 0.1) / 3)
    issues = out.details[0]["nli_issues"]
    assert [(i["verdict"], i["sentence_index"]) for i in issues] == [
        ("unsupported", 1), ("unsupported", 2),
    ]  # fmt: skip
    assert all(r["contradiction"] is None for r in out.details[0]["nli_sentences"])
    assert "contradicted" not in m.signature()["thresholds"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"has_contradiction": "no"}, "has_contradiction must be true or false"),
        ({"has_contradiction": False, "contradiction_label": "x"}, "has_contradiction is false"),
        ({"input_format": "joined"}, "unknown input_format 'joined'"),
        ({"input_format": "eos_joined"}, "input_format applies to a model"),
        ({"max_premise_length": 0}, "max_premise_length"),
        ({"max_premise_sentences": 1.5}, "max_premise_sentences"),
    ],
)
def test_invalid_caps_and_label_settings_raise(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        metric(**kwargs)


def test_tiny_model_two_class_eos_joined_input_fits_max_length(tiny_nli, cluster):
    m = NLIConsistency(
        model=tiny_nli, has_contradiction=False, input_format="eos_joined", max_premise_length=30
    )
    assert m.specials == 3  # <s> premise </s> hypothesis </s>: one EOS fewer than the pair
    assert m.labels == "entailment=entailment(0),contradiction=none(3 classes)"
    summary = _summary(cluster)
    out = m.score([summary], [cluster])
    (values,) = out.scores
    again = NLIConsistency(
        model=tiny_nli, has_contradiction=False, input_format="eos_joined", max_premise_length=30
    )
    assert again.score([summary], [cluster]).scores == [values]
    assert all(r["contradiction"] is None for r in out.details[0]["nli_sentences"])
    assert {i["verdict"] for i in out.details[0]["nli_issues"]} <= {"unsupported"}
    eos, tok = m.tokenizer.eos_token, m.tokenizer
    for sentence in summary.split("\n"):
        for sents in (d.sentences for d in cluster.documents):
            for chunk in m.premise_chunks(sents, sentence):
                assert len(tok(chunk, add_special_tokens=False)["input_ids"]) <= 30
                assert len(tok(f"{chunk}{eos}{sentence}")["input_ids"]) <= m.max_length
    assert m.signature()["input"] == "premise+EOS+hypothesis as one text"
    pair = NLIConsistency(model=tiny_nli, max_premise_length=30)
    assert pair.score([summary], [cluster]).scores != [values]  # the input format reaches the model


# -- presets for published checkpoints -------------------------------------------------------
PRESETS = {
    "nli_summac_zs": ("tals/albert-xlarge-vitaminc-mnli", "SUPPORTS", "REFUTES"),
    "nli_minicheck": ("lytang/MiniCheck-RoBERTa-Large", "1", None),
    "nli_mnli": ("MoritzLaurer/DeBERTa-v3-base-mnli-fever-anli", "entailment", "contradiction"),
}


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_presets_pin_a_commit_and_map_the_labels(compose_run, name):
    node = compose_run(f"metrics=[{name}]").metrics[name]
    model, entailment, contradiction = PRESETS[name]
    assert node.model == model
    assert re.fullmatch(r"[0-9a-f]{40}", node.revision)
    assert (node.entailment_label, node.contradiction_label) == (entailment, contradiction)
    assert node.has_contradiction == (contradiction is not None)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_presets_fail_offline_with_one_line_through_the_cli(tmp_path, name):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
           "HF_HOME": str(tmp_path / "hf")}  # fmt: skip
    results = tmp_path / "results"
    proc = subprocess.run(
        [sys.executable, "-m", "bench.run", f"metrics=[{name}]", f"paths.results_dir={results}"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"bench-run: error: invalid metric {name!r} configuration:")
    assert f"{PRESETS[name][0]!r}" in lines[0]
    assert "not in the local Hugging Face cache and HF_HUB_OFFLINE=1 is set" in lines[0]
    assert not [p for p in results.rglob("*") if p.is_file()]  # no result written


# -- fact + NLI ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fact", "nli", "rule", "expected"),
    [
        ([], [], "either", []),
        ([False, True, False, True], [False, False, True, True], "either",
         [False, True, True, True]),
        ([False, True, False, True], [False, False, True, True], "both",
         [False, False, False, True]),
    ],
)  # fmt: skip
def test_combination_rule_on_given_verdicts(fact, nli, rule, expected):
    assert combine(fact, nli, rule) == expected
    assert share_passing(expected) == (1 - sum(expected) / len(expected) if expected else 1.0)


def test_combination_rejects_bad_rules_and_mismatched_sentences():
    with pytest.raises(ValueError, match="unknown rule 'any'"):
        combine([True], [True], "any")
    with pytest.raises(ValueError, match="judged 2 sentences, the NLI check 1"):
        combine([True, False], [True], "either")


def test_failing_sentences_ignore_disputed_issues():
    issues = [
        {"sentence": "a", "verdict": "disputed", "sentence_index": 0},
        {"sentence": "b", "verdict": "unsupported", "sentence_index": 1},
        {"sentence": "c", "verdict": "contradicted", "sentence_index": 2},
    ]
    assert failing_sentences(issues, 4) == [False, True, True, False]
    with pytest.raises(ValueError, match="sentence index"):
        failing_sentences([{"sentence": "x", "verdict": "unsupported"}], 1)


def _fact_nli_summary(cluster):
    first, second = cluster.documents[0].sentences[:2]
    # A planted number error the fact check sees; the rest copied from the articles.
    return "\n".join([first, "Mattis held 14 meetings with 27 generals in Karachi.", second])


def _threshold_between(tiny_nli, summary, cluster):
    """An entailment threshold that the tiny model's sentences fall on both sides of."""
    probe = NLIConsistency(model=tiny_nli)
    details = probe.score([summary], [cluster]).details
    ents = sorted(r["entailment"] for r in details[0]["nli_sentences"])
    assert ents[0] < ents[-1]
    return (ents[0] + ents[-1]) / 2


@pytest.mark.parametrize("rule", ["either", "both"])
def test_fact_nli_on_the_tiny_model_applies_the_rule_to_both_checks(tiny_nli, cluster, rule):
    from bench.metrics.consistency.claims import FactConsistency

    summary = _fact_nli_summary(cluster)
    threshold = _threshold_between(tiny_nli, summary, cluster)

    def build():
        nli = NLIConsistency(model=tiny_nli, entailment_threshold=threshold)
        return FactNLIConsistency(FactConsistency(), nli, rule=rule)

    m = build()
    assert isinstance(m, Metric)
    out = m.score([summary], [cluster])
    (values,) = out.scores
    assert build().score([summary], [cluster]) == out  # deterministic
    # The same checks run on their own give the per-sentence verdicts the rule combines.
    fact, nli = FactConsistency(), NLIConsistency(model=tiny_nli, entailment_threshold=threshold)
    fact_details = fact.score([summary], [cluster]).details
    nli_details = nli.score([summary], [cluster]).details
    fact_fails = failing_sentences(fact_details[0]["fact_issues"], 3)
    nli_fails = failing_sentences(nli_details[0]["nli_issues"], 3)
    assert fact_fails[1] and not fact_fails[0]  # the planted number is caught
    assert any(nli_fails) and not all(nli_fails)  # the threshold splits the sentences
    fails = [f or n for f, n in zip(fact_fails, nli_fails, strict=True)]
    if rule == "both":
        fails = [f and n for f, n in zip(fact_fails, nli_fails, strict=True)]
    assert values == {"fact_nli_consistency": pytest.approx(1 - sum(fails) / 3)}
    rows = out.details[0]["fact_nli_sentences"]
    assert [r["fails"] for r in rows] == fails
    assert [r["fact"] == "fail" for r in rows] == fact_fails
    assert [r["nli"] == "fail" for r in rows] == nli_fails
    flagged = {i["sentence_index"] for i in out.details[0]["fact_nli_issues"]}
    assert flagged == {k for k, f in enumerate(fails) if f}
    sig = m.signature()
    assert sig["rule"].startswith(rule)
    assert sig["fact"].startswith("[name=fact-claims") and "tiny" not in sig["fact"]
    assert sig["nli"].startswith("[model=") and "weights=sha256:" in sig["nli"]


def test_fact_nli_is_one_option_away_on_the_command_line(compose_run, tiny_nli):
    from hydra.utils import instantiate

    cfg = compose_run("metrics=[fact_nli]", "nli@metrics.fact_nli.nli=tiny")
    node = cfg.metrics.fact_nli
    assert node.nli.model.endswith("/tiny_nli") and node.rule == "either"
    assert node.fact == compose_run("metrics=[fact]").metrics.fact
    node.nli.model = tiny_nli
    obj = instantiate(node, _convert_="all")
    assert isinstance(obj, Metric)
    assert obj.info.higher_is_better == {"fact_nli_consistency": True}
    preset = compose_run("metrics=[fact_nli]", "nli@metrics.fact_nli.nli=minicheck")
    assert preset.metrics.fact_nli.nli.model == PRESETS["nli_minicheck"][0]
