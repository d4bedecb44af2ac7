"""The generation cache key covers everything that can change an output; a change is a miss.

One row per field: a base setup fills a fresh cache, then the same setup with that one field
changed runs against it. A change that can alter the generated text must miss every input
(nothing stale served); the control rows change nothing that reaches the model and must hit
every input. Summarizers run in-process on the tiny local models (``tiny_models``), the counts
read from ``summarizer.cache`` (what ``timing.json`` records as ``generation_cache``).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from bench.budget import Budget
from bench.data.clusters import LocalClusters
from bench.preprocess.clean import Cleaner, CleaningConfig
from bench.preprocess.packing import Concat, EqualShare, MapReduce, RoundRobin
from bench.summarizers.hf_causal import DEFAULT_PROMPT, Causal
from bench.summarizers.hf_seq2seq import Seq2Seq
from tests.conftest import CLUSTER_DIR, REFERENCE_DIR

PACKINGS = {"equal": EqualShare, "concat": Concat, "round_robin": RoundRobin,
            "map_reduce": MapReduce}  # fmt: skip
HUB_ID = "mdsbench-test/tiny-bart"
MAIN_SHA = "a" * 40  # refs/main
V2_SHA = "b" * 40  # refs/v2: the same model with one weight byte changed

GREEDY1 = {"num_beams": 1, "min_new_tokens": 8, "max_new_tokens": 8}
GREEDY = {"num_beams": 2, "min_new_tokens": 8, "max_new_tokens": 8, "no_repeat_ngram_size": 3}
SAMPLING = {"do_sample": True, "num_beams": 1, "min_new_tokens": 8, "max_new_tokens": 8}
SEQ2SEQ: dict[str, Any] = {
    "kind": "seq2seq", "model": "bart", "revision": None, "generation": GREEDY,
    "packing": ("equal", {"max_input_tokens": 256}), "doc_separator": "\n\n",
    "max_input_tokens": None, "dtype": "float32", "seed": 0,
    "cluster": "original", "cleaning": {}, "versions": {},
}  # fmt: skip
SAMPLED = SEQ2SEQ | {"generation": SAMPLING}
ONE_BEAM = SEQ2SEQ | {"generation": GREEDY1}
HUB = SEQ2SEQ | {"model": HUB_ID, "revision": "main"}
CAUSAL = SEQ2SEQ | {
    "kind": "causal", "model": "gpt2", "generation": {"min_new_tokens": 8, "max_new_tokens": 8},
    "prompt": DEFAULT_PROMPT, "chat_template": "auto", "system_prompt": None,
    "chat_template_kwargs": {"date_string": "26 Jul 2024"},
}  # fmt: skip
NO_FRAGMENT_RULE = SEQ2SEQ | {"cleaning": {"drop_fragments": False}}


def _gen(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {"generation": base["generation"] | changes}


# (id, base setup, the one change, expected cache result of the changed run)
ROWS = [
    # -- controls: nothing that reaches the model changes ---------------------------------------
    ("control: seq2seq rerun", SEQ2SEQ, {}, "hit"),
    ("control: sampled rerun", SAMPLED, {}, "hit"),
    ("control: causal rerun", CAUSAL, {}, "hit"),
    ("control: hub id rerun", HUB, {}, "hit"),
    # the key holds the weights' fingerprint, not the folder: byte-identical copy elsewhere
    ("control: same model files in another folder", SEQ2SEQ, {"model": "bart-copy"}, "hit"),
    # the seed only matters when sampling (generation_signature adds it only then)
    ("control: seed under greedy decoding", SEQ2SEQ, {"seed": 1}, "hit"),
    # a tag and the commit it points to are one revision
    ("control: revision main -> its commit sha", HUB, {"revision": MAIN_SHA}, "hit"),
    # the dateline line is still dropped (as a fragment): the model input is byte-identical
    ("control: drop_datelines=false, input unchanged", SEQ2SEQ,
     {"cleaning": {"drop_datelines": False}}, "hit"),
    # -- model and revision ---------------------------------------------------------------------
    ("model: another tiny BART (same tokenizer, d_model 8)", SEQ2SEQ, {"model": "bart-other"},
     "miss"),
    ("model: one weight byte changed", SEQ2SEQ, {"model": "bart-byte"}, "miss"),
    ("model: causal, one weight byte changed", CAUSAL, {"model": "gpt2-byte"}, "miss"),
    ("revision: main -> v2 (hub id)", HUB, {"revision": "v2"}, "miss"),
    ("revision: main -> v2 commit sha (hub id)", HUB, {"revision": V2_SHA}, "miss"),
    # -- decoding -------------------------------------------------------------------------------
    ("decoding: num_beams", SEQ2SEQ, _gen(SEQ2SEQ, num_beams=3), "miss"),
    ("decoding: max_new_tokens", SEQ2SEQ, _gen(SEQ2SEQ, max_new_tokens=10), "miss"),
    ("decoding: min_new_tokens", SEQ2SEQ, _gen(SEQ2SEQ, min_new_tokens=4), "miss"),
    ("decoding: length_penalty", SEQ2SEQ, _gen(SEQ2SEQ, length_penalty=2.0), "miss"),
    ("decoding: no_repeat_ngram_size", SEQ2SEQ, _gen(SEQ2SEQ, no_repeat_ngram_size=2), "miss"),
    ("decoding: repetition_penalty", SEQ2SEQ, _gen(SEQ2SEQ, repetition_penalty=1.3), "miss"),
    ("decoding: early_stopping", SEQ2SEQ, _gen(SEQ2SEQ, early_stopping=True), "miss"),
    ("decoding: encoder_no_repeat_ngram_size", SEQ2SEQ,
     _gen(SEQ2SEQ, encoder_no_repeat_ngram_size=2), "miss"),
    ("decoding: do_sample", ONE_BEAM, _gen(ONE_BEAM, do_sample=True), "miss"),
    ("decoding: temperature", SAMPLED, _gen(SAMPLED, temperature=0.7), "miss"),
    ("decoding: top_p", SAMPLED, _gen(SAMPLED, top_p=0.9), "miss"),
    ("decoding: top_k", SAMPLED, _gen(SAMPLED, top_k=5), "miss"),
    ("decoding: seed when sampling", SAMPLED, {"seed": 1}, "miss"),
    ("decoding: causal max_new_tokens", CAUSAL, _gen(CAUSAL, max_new_tokens=10), "miss"),
    # -- packing --------------------------------------------------------------------------------
    ("packing: concat", SEQ2SEQ, {"packing": ("concat", {"max_input_tokens": 256})}, "miss"),
    ("packing: round_robin", SEQ2SEQ,
     {"packing": ("round_robin", {"max_input_tokens": 256})}, "miss"),
    ("packing: map_reduce", SEQ2SEQ,
     {"packing": ("map_reduce", {"max_input_tokens": 256})}, "miss"),
    ("packing: separator", SEQ2SEQ,
     {"packing": ("equal", {"max_input_tokens": 256, "separator": " | "})}, "miss"),
    ("packing: max_input_tokens", SEQ2SEQ,
     {"packing": ("equal", {"max_input_tokens": 200})}, "miss"),
    ("summarizer: doc_separator", SEQ2SEQ, {"doc_separator": "\n"}, "miss"),
    ("summarizer: max_input_tokens", SEQ2SEQ, {"max_input_tokens": 200}, "miss"),
    # -- prompt and chat template (causal) ------------------------------------------------------
    ("prompt: template", CAUSAL, {"prompt": DEFAULT_PROMPT.replace("Summary:", "TL;DR:")},
     "miss"),
    ("chat: chat_template=false", CAUSAL, {"chat_template": "false"}, "miss"),
    ("chat: system_prompt", CAUSAL, {"system_prompt": "You are a news editor."}, "miss"),
    ("chat: chat_template_kwargs", CAUSAL,
     {"chat_template_kwargs": {"date_string": "27 Jul 2024"}}, "miss"),
    ("chat: the tokenizer's chat template edited", CAUSAL, {"model": "gpt2-template"}, "miss"),
    # -- dtype ----------------------------------------------------------------------------------
    ("dtype: bfloat16", SEQ2SEQ, {"dtype": "bfloat16"}, "miss"),
    # -- cleaning and input text ----------------------------------------------------------------
    ("cleaning: off", SEQ2SEQ, {"cleaning": {"enabled": False}}, "miss"),
    ("cleaning: drop_fragments=false", SEQ2SEQ, {"cleaning": {"drop_fragments": False}}, "miss"),
    ("cleaning: normalize_punctuation=false", SEQ2SEQ,
     {"cleaning": {"normalize_punctuation": False}}, "miss"),
    ("cleaning: drop_datelines=false (fragments kept)", NO_FRAGMENT_RULE,
     {"cleaning": {"drop_fragments": False, "drop_datelines": False}}, "miss"),
    ("input: one article changed", SEQ2SEQ, {"cluster": "edited"}, "miss"),
    ("input: causal, one article changed", CAUSAL, {"cluster": "edited"}, "miss"),
    # -- library versions -----------------------------------------------------------------------
    ("version: transformers", SEQ2SEQ, {"versions": {"transformers": "5.99.0"}}, "miss"),
    ("version: tokenizers", SEQ2SEQ, {"versions": {"tokenizers": "0.99.0"}}, "miss"),
    ("version: torch", SEQ2SEQ, {"versions": {"torch": "2.99.0+cpu"}}, "miss"),
]  # fmt: skip


def _copy_model(src: str, dst: Path, edit=None) -> str:
    shutil.copytree(src, dst)
    if edit is not None:
        edit(dst)
    return str(dst)


def _flip_last_weight_byte(directory: Path) -> None:
    """One byte of tensor data (the end of the file, past the safetensors header) changed."""
    path = directory / "model.safetensors"
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x01
    path.write_bytes(bytes(data))


def _edit_chat_template(directory: Path) -> None:
    path = directory / "chat_template.jinja"
    path.write_text(path.read_text().replace("<|assistant|>", "<|assistant|> "))


def _fake_hub_cache(root: Path, model_dir: str) -> Path:
    """A Hugging Face hub cache holding HUB_ID at two commits, ``main`` and ``v2``."""
    repo = root / ("models--" + HUB_ID.replace("/", "--"))
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(MAIN_SHA)
    (repo / "refs" / "v2").write_text(V2_SHA)
    shutil.copytree(model_dir, repo / "snapshots" / MAIN_SHA)
    _copy_model(model_dir, repo / "snapshots" / V2_SHA, _flip_last_weight_byte)
    return root


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    """Tiny models on a shared 2-core machine: one thread is several times faster."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def models(tiny_models, cluster, tmp_path_factory) -> dict[str, str]:
    from bench.testing import build_tiny_bart

    root = tmp_path_factory.mktemp("cache-key-models")
    # trained on the same texts as tiny_models' BART: the same tokenizer, so the packed model
    # input is the same and only the weights (and config) tell the two models apart
    texts = [s for d in cluster.documents for s in d.sentences]
    return {
        "bart": tiny_models["bart"],
        "gpt2": tiny_models["gpt2"],
        "bart-copy": _copy_model(tiny_models["bart"], root / "bart-copy"),
        "bart-byte": _copy_model(tiny_models["bart"], root / "bart-byte", _flip_last_weight_byte),
        "bart-other": str(build_tiny_bart(root / "bart-other", texts, d_model=8)),
        "gpt2-byte": _copy_model(tiny_models["gpt2"], root / "gpt2-byte", _flip_last_weight_byte),
        "gpt2-template": _copy_model(tiny_models["gpt2"], root / "gpt2-t", _edit_chat_template),
        "hub_cache": str(_fake_hub_cache(root / "hub", tiny_models["bart"])),
    }


@pytest.fixture(scope="module")
def cluster_dirs(tmp_path_factory) -> dict[str, Path]:
    """The embedded cluster, and a copy with one word of one article changed."""
    root = tmp_path_factory.mktemp("cache-key-clusters")
    edited = root / CLUSTER_DIR.name
    shutil.copytree(CLUSTER_DIR, edited)
    manifest = json.loads((edited / "manifest.json").read_text())
    doc = manifest["documents"][0]
    article = edited / doc["file"]
    text = article.read_text(encoding="utf-8")
    old = "arrived in Pakistan on Monday"
    assert old in text
    article.write_text(text.replace(old, "arrived in Pakistan on Tuesday", 1), encoding="utf-8")
    doc["sha256"] = hashlib.sha256(article.read_bytes()).hexdigest()
    (edited / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return {"original": CLUSTER_DIR.parent, "edited": root}


def _load_cluster(setup: dict[str, Any], cluster_dirs: dict[str, Path]):
    source = LocalClusters(str(cluster_dirs[setup["cluster"]]), str(REFERENCE_DIR),
                           [CLUSTER_DIR.name])  # fmt: skip
    (cluster,) = source.load(Cleaner(CleaningConfig(**setup["cleaning"])))
    return cluster


def _summarizer(setup: dict[str, Any], models: dict[str, str], cache_dir: Path):
    name, options = setup["packing"]
    kwargs: dict[str, Any] = {
        "budget": Budget(),
        "model": models.get(setup["model"], setup["model"]),
        "revision": setup["revision"],
        "generation": dict(setup["generation"]),
        "packing": PACKINGS[name](**options),
        "doc_separator": setup["doc_separator"],
        "max_input_tokens": setup["max_input_tokens"],
        "dtype": setup["dtype"],
        "seed": setup["seed"],
        "device": "cpu",
        "cache_dir": str(cache_dir),
    }
    if setup["kind"] == "seq2seq":
        return Seq2Seq(**kwargs)
    keys = ("prompt", "chat_template", "system_prompt", "chat_template_kwargs")
    return Causal(**kwargs, **{k: setup[k] for k in keys})


def _run(setup, models, cluster_dirs, cache_dir, monkeypatch) -> tuple[list[str], Any]:
    """Summarize the cluster with ``setup``; return the summaries and the summarizer."""
    import tokenizers
    import torch
    import transformers

    modules = {"transformers": transformers, "tokenizers": tokenizers, "torch": torch}
    with monkeypatch.context() as patch:
        for module, version in setup["versions"].items():
            patch.setattr(modules[module], "__version__", version)
        summarizer = _summarizer(setup, models, cache_dir)
        summaries = summarizer.summarize([_load_cluster(setup, cluster_dirs)])
    return summaries, summarizer


@pytest.fixture
def hub_cache(models, monkeypatch):
    """Point the hub cache (read at call time by transformers) at the fake one."""
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", models["hub_cache"])


@pytest.mark.parametrize(("base", "change", "expected"), [r[1:] for r in ROWS],
                         ids=[r[0] for r in ROWS])  # fmt: skip
def test_a_change_that_can_alter_the_output_misses_the_cache(
    base, change, expected, models, cluster_dirs, hub_cache, tmp_path, monkeypatch
):
    cache_dir = tmp_path / "generations"
    first, filler = _run(base, models, cluster_dirs, cache_dir, monkeypatch)
    inputs = filler.cache.misses
    assert filler.cache.hits == 0 and inputs > 0
    assert filler.cache.enabled  # a hub id whose commit did not resolve would turn it off

    changed = base | change
    second, summarizer = _run(changed, models, cluster_dirs, cache_dir, monkeypatch)
    counts = {"hits": summarizer.cache.hits, "misses": summarizer.cache.misses}
    if expected == "hit":
        assert counts == {"hits": inputs, "misses": 0}
        assert second == first
        assert summarizer._model is None  # served from the cache: weights never loaded
    else:
        assert counts["hits"] == 0 and counts["misses"] > 0, counts


def test_every_decoding_key_has_a_row():
    from bench.summarizers.hf_base import DECODING_KEYS

    changed = {
        key
        for _, base, change, _ in ROWS
        for key, value in change.get("generation", {}).items()
        if base["generation"].get(key) != value
    }
    assert changed == DECODING_KEYS
