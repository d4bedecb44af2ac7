"""Transformers summarizers on tiny local models: loading, packing accounting, cache, errors."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from bench.budget import Budget
from bench.preprocess.packing import Concat, EqualShare, MapReduce, RoundRobin
from bench.summarizers.base import Summarizer
from bench.summarizers.cache import GenerationCache
from bench.summarizers.hf_causal import Causal
from bench.summarizers.hf_seq2seq import Seq2Seq

FIXED = {"min_new_tokens": 12, "max_new_tokens": 12}


def _seq2seq(tiny_models, **kwargs):
    settings = {"generation": FIXED, "device": "cpu", "packing": EqualShare()}
    return Seq2Seq(budget=Budget(), **({"model": tiny_models["bart"]} | settings | kwargs))


def _causal(tiny_models, **kwargs):
    settings = {"generation": FIXED, "device": "cpu", "packing": EqualShare()}
    return Causal(budget=Budget(), **({"model": tiny_models["gpt2"]} | settings | kwargs))


def _other(cluster, name="other"):
    """A second cluster: the documents in reverse order, under another id."""
    return replace(cluster, cluster_id=name, documents=cluster.documents[::-1])


def test_seq2seq_loads_through_from_pretrained_and_is_deterministic(tiny_models, cluster):
    a, b = _seq2seq(tiny_models), _seq2seq(tiny_models)
    assert isinstance(a, Summarizer)
    out = a.summarize([cluster])
    assert out == b.summarize([cluster])
    assert isinstance(out[0], str) and out[0].strip()
    assert a.signature() == b.signature()
    assert a.signature()["weights"].startswith("sha256:")


def test_seq2seq_outputs_do_not_depend_on_batch_order(tiny_models, cluster):
    s = _seq2seq(tiny_models, batch_size=2)
    other = _other(cluster)
    assert s.summarize([cluster, other]) == s.summarize([other, cluster])[::-1]


def test_batched_generation_equals_one_at_a_time(tiny_models, cluster):
    clusters = [cluster, _other(cluster), _other(cluster, "third")]
    batched = _seq2seq(tiny_models, batch_size=3).summarize(clusters)
    single = _seq2seq(tiny_models, batch_size=1).summarize(clusters)
    assert batched == single


def _report(s, cluster, stage="documents"):
    s.summarize([cluster])
    return s.input_report[cluster.cluster_id][stage]


def test_concat_accounting_fills_the_limit_from_the_first_document(tiny_models, cluster):
    rows = _report(_seq2seq(tiny_models, packing=Concat(max_input_tokens=300)), cluster)
    seen = [r["tokens_seen"] for r in rows]
    # <s> and </s> take two of the 300 tokens; the first document alone exceeds the rest
    assert seen == [298, 0, 0, 0, 0]
    assert all(r["tokens_total"] > 298 for r in rows)


def test_equal_accounting_gives_every_document_a_near_equal_share(tiny_models, cluster):
    rows = _report(_seq2seq(tiny_models, packing=EqualShare(max_input_tokens=300)), cluster)
    seen = [r["tokens_seen"] for r in rows]
    assert sum(seen) <= 298
    assert max(seen) - min(seen) <= 3
    assert min(seen) >= 50


def test_round_robin_accounting_sees_whole_sentences_of_every_document(tiny_models, cluster):
    s = _seq2seq(tiny_models, packing=RoundRobin(max_input_tokens=500))
    rows = _report(s, cluster)
    assert all(r["tokens_seen"] > 0 for r in rows)
    assert sum(r["tokens_seen"] for r in rows) <= 498
    packed = s.packing.pack(
        [list(d.sentences) for d in cluster.documents], s.tokens, s.content_limit(5), "\n\n"
    )
    sentences = {x for d in cluster.documents for x in d.sentences}
    for part in packed.parts:  # every part is made of whole sentences
        rest = part
        for sentence in sorted(sentences, key=len, reverse=True):
            rest = rest.replace(sentence, "")
        assert not rest.strip()


def test_accounting_matches_an_independent_count(tiny_models, cluster):
    s = _seq2seq(tiny_models, packing=EqualShare(max_input_tokens=200))
    rows = _report(s, cluster)
    packed = s.packing.pack(
        [list(d.sentences) for d in cluster.documents], s.tokens, s.content_limit(5), "\n\n"
    )
    assert [r["tokens_seen"] for r in rows] == s.tokens.count(list(packed.parts))


def test_map_reduce_summarizes_each_document_then_the_summaries(tiny_models, cluster):
    s = _seq2seq(tiny_models, packing=MapReduce(max_input_tokens=128), cache_dir=None)
    out = s.summarize([cluster])[0]
    report = s.input_report[cluster.cluster_id]
    # each document cut at 126 tokens on its own; re-tokenized in place a boundary may merge
    assert all(124 <= r["tokens_seen"] <= 126 for r in report["map"])
    assert len(report["reduce"]) == 5
    assert all(0 < r["tokens_seen"] == r["tokens_total"] for r in report["reduce"])
    assert out.strip()


def test_cache_serves_a_rerun_and_misses_after_a_decoding_change(tiny_models, cluster, tmp_path):
    clusters = [cluster, _other(cluster)]
    first = _seq2seq(tiny_models, cache_dir=str(tmp_path))
    out = first.summarize(clusters)
    assert (first.cache.hits, first.cache.misses) == (0, 2)
    again = _seq2seq(tiny_models, cache_dir=str(tmp_path))
    assert again.summarize(clusters) == out
    assert (again.cache.hits, again.cache.misses) == (1 * 2, 0)
    assert again._model is None  # served entirely from the cache: weights never loaded
    changed = _seq2seq(tiny_models, cache_dir=str(tmp_path), generation=FIXED | {"num_beams": 2})
    changed.summarize(clusters)
    assert (changed.cache.hits, changed.cache.misses) == (0, 2)
    repacked = _seq2seq(tiny_models, cache_dir=str(tmp_path), packing=RoundRobin())
    repacked.summarize(clusters)
    assert repacked.cache.misses == 2


def test_cache_key_covers_signature_and_input():
    sig = {"model": "m", "decoding": "{}"}
    assert GenerationCache.key(sig, "x") == GenerationCache.key(dict(sig), "x")
    assert GenerationCache.key(sig, "x") != GenerationCache.key(sig, "y")
    assert GenerationCache.key(sig, "x") != GenerationCache.key(sig | {"model": "n"}, "x")


def test_corrupt_or_mismatched_cache_entries_are_misses(tmp_path):
    cache = GenerationCache(tmp_path)
    key = cache.key({"m": "1"}, "input")
    cache.put(key, "input", "output", {"m": "1"})
    assert cache.get(key, "input") == "output"
    assert cache.get(key, "another input") is None  # the entry is for a different input
    path = next(tmp_path.rglob(f"{key}.json"))
    path.write_text("{truncated", encoding="utf-8")
    assert cache.get(key, "input") is None
    path.write_text(json.dumps({"key": "other", "output": "x"}), encoding="utf-8")
    assert cache.get(key, "input") is None
    assert (cache.hits, cache.misses) == (1, 3)
    assert GenerationCache(None).get(key, "input") is None


def _hammer(args):
    directory, worker = args
    cache = GenerationCache(directory)
    key = cache.key({"m": "1"}, "same input")
    for _ in range(200):
        cache.put(key, "same input", "same output", {"m": "1"})
        value = cache.get(key, "same input")
        if value not in (None, "same output"):
            return f"worker {worker} read {value!r}"
    return None


def test_concurrent_writers_of_one_entry_never_expose_a_partial_file(tmp_path):
    from multiprocessing import get_context

    with get_context("spawn").Pool(2) as pool:
        errors = pool.map(_hammer, [(str(tmp_path), 0), (str(tmp_path), 1)])
    assert errors == [None, None]
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]


def test_sampling_is_seeded_per_input_and_independent_of_batching(tiny_models, cluster):
    sampled = FIXED | {"do_sample": True, "top_k": 0}
    clusters = [cluster, _other(cluster)]
    a = _seq2seq(tiny_models, generation=sampled, seed=1).summarize(clusters)
    b = _seq2seq(tiny_models, generation=sampled, seed=1, batch_size=1).summarize(clusters[::-1])
    assert a == b[::-1]
    c = _seq2seq(tiny_models, generation=sampled, seed=2).summarize(clusters)
    assert a != c
    assert "seed" in _seq2seq(tiny_models, generation=sampled, seed=1).signature()
    assert "seed" not in _seq2seq(tiny_models).signature()


def test_causal_strips_the_prompt_and_uses_the_chat_template(tiny_models, cluster):
    s = _causal(tiny_models, packing=EqualShare(max_input_tokens=300))
    out = s.summarize([cluster])[0]
    assert out.strip()
    assert "Summarize the following" not in out and "Article 1" not in out
    text = s._model_text(s.packing.pack([["A b."], ["C d."]], s.tokens, 50, s.separator))
    assert text.startswith("<|user|>Summarize the following 2 news articles")
    assert "at most 100 words" in text
    assert text.endswith("<|assistant|>")
    assert s.signature()["chat_template"] == "True"
    rows = s.input_report[cluster.cluster_id]["documents"]
    assert sum(r["tokens_seen"] for r in rows) <= 300 - s._overhead(5)


def test_causal_without_chat_template_renders_the_plain_prompt(tiny_models):
    s = _causal(tiny_models, chat_template=False, prompt="Docs: {{ input }} Limit {{ limit }}")
    text = s._model_text(s.packing.pack([["A b."], ["C d."]], s.tokens, 50, s.separator))
    assert text == "Docs: A b.\n\nC d. Limit 100"


def test_causal_output_is_deterministic_under_greedy_decoding(tiny_models, cluster):
    assert _causal(tiny_models).summarize([cluster]) == _causal(tiny_models).summarize([cluster])


@pytest.mark.parametrize(
    ("prompt", "message"),
    [
        ("{{ documentz }}", "prompt template.*documentz"),
        ("{% for d in documents %}", "prompt template line 1"),
        ("", "non-empty"),
    ],
)
def test_bad_prompt_templates_fail_at_construction(tiny_models, prompt, message):
    with pytest.raises(ValueError, match=message):
        _causal(tiny_models, prompt=prompt)


def test_sandboxed_template_cannot_reach_python_internals(tiny_models):
    from jinja2.exceptions import SecurityError

    with pytest.raises((ValueError, SecurityError)):
        _causal(tiny_models, prompt="{{ documents.__class__.__mro__[1].__subclasses__() }}")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"model": "/no/such/model"}, "model path '/no/such/model' does not exist"),
        ({"model": "./missing-model"}, "does not exist"),
        ({"generation": {"beams": 4}}, "unknown generation setting.*beams"),
        ({"device": "tpu"}, "unknown device 'tpu'"),
        ({"dtype": "float8"}, "unknown dtype"),
        ({"batch_size": 0}, "batch_size"),
        ({"global_attention": "all"}, "global_attention"),
        ({"generation": {"num_beams": 0}}, "generation.num_beams must be an integer >= 1"),
        ({"generation": {"top_p": 1.5}}, "top_p"),
    ],
)
def test_invalid_settings_are_one_line_errors(tiny_models, kwargs, message):
    with pytest.raises(ValueError, match=message):
        _seq2seq(tiny_models, **kwargs)


def test_a_hub_model_that_is_not_cached_fails_with_an_offline_error():
    with pytest.raises(ValueError, match="not in the local Hugging Face cache.*HF_HUB_OFFLINE"):
        Seq2Seq(budget=Budget(), model="facebook/bart-large-cnn", revision="main", device="cpu")


@pytest.mark.parametrize("n", range(1, 12))
def test_truncate_never_cuts_inside_a_character(tiny_models, n):
    s = _causal(tiny_models)
    text = "Le café naïf coûte 10 €, señor Müller."
    cut = s.tokens.truncate(text, n)
    assert text.startswith(cut)
    assert s.tokens.count([cut])[0] <= n if cut else True


@pytest.mark.parametrize("packing", [Concat, EqualShare, RoundRobin])
@pytest.mark.parametrize("limit", [160, 257, 600])
@pytest.mark.parametrize("build", [_seq2seq, _causal])
def test_the_final_model_input_never_exceeds_the_limit(tiny_models, cluster, packing, limit, build):
    s = build(tiny_models, packing=packing(separator=" \n\n ", max_input_tokens=limit))
    docs = [list(d.sentences) for d in cluster.documents]
    packed = s._fit(lambda b: s.packing.pack(docs, s.tokens, b, s.separator), len(docs))
    assert s._input_tokens(s._model_text(packed)) <= s.input_limit == limit


def test_max_input_tokens_caps_the_model_limit_and_is_recorded(tiny_models):
    assert _seq2seq(tiny_models, max_input_tokens=5000).input_limit == 1024
    s = _seq2seq(tiny_models, max_input_tokens=300)
    assert s.input_limit == 300
    assert s.signature()["input_limit"] == "300"
    causal = _causal(tiny_models, generation={"max_new_tokens": 24})
    assert causal.input_limit == 1024 - 24  # the context holds prompt and generated tokens


def test_primera_style_global_attention_needs_a_one_token_separator(tiny_models):
    with pytest.raises(ValueError, match="one token"):
        _seq2seq(tiny_models, global_attention="first_and_separators", doc_separator=" ||| x ")


def test_settings_inherited_from_the_model_do_not_conflict_with_greedy_decoding(
    tiny_models, tmp_path
):
    import shutil

    model = tmp_path / "model"
    shutil.copytree(tiny_models["gpt2"], model)
    config = json.loads((model / "generation_config.json").read_text())
    config.update(do_sample=True, temperature=0.6, top_p=0.9)
    (model / "generation_config.json").write_text(json.dumps(config))
    s = _causal(tiny_models, model=str(model), generation={"do_sample": False, **FIXED})
    assert s.generation_config.do_sample is False
