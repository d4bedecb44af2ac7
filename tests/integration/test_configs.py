"""Every option of every config group composes and builds an object of the right kind."""

from __future__ import annotations

import pytest
from hydra.utils import instantiate

from bench.budget import Budget
from bench.data.clusters import ClusterSource
from bench.metrics.base import Metric
from bench.preprocess.clean import CleaningConfig
from bench.summarizers.base import Summarizer
from tests.conftest import ROOT

CONF = ROOT / "conf"
MODEL_FREE = ["lead", "random", "oracle", "lexrank", "textrank", "centroid", "mmr", "sumbasic"]
EMBEDDING = ["minilm_centroid", "minilm_mmr"]
HUB_PRESETS = ["bart_cnn", "pegasus_multi_news", "primera_multinews", "led_base"]
CLUSTERS = ROOT / "data" / "clusters"
# What each dataset config needs to compose (its required paths); nothing is read here.
DATASET_OVERRIDES = {
    "local": [f"dataset.root={CLUSTERS}"],
    "mattis_pakistan_2017": [f"dataset.root={CLUSTERS}"],
    "jsonl": ["dataset.path=clusters.jsonl"],
    "multi_news": [],
    "wcep": [],
    "duc": ["dataset.root=duc/docs", "dataset.summaries_dir=duc/models"],
}
NEEDS_MODEL = [
    "bertscore_roberta_large", "fact_nli", "nli_consistency", "nli_minicheck", "nli_mnli",
    "nli_summac_zs",
]  # fmt: skip
LOCAL_MODEL = {"seq2seq": "bart", "tiny_bart": "bart", "causal": "gpt2", "tiny_gpt2": "gpt2"}


def _options(group: str) -> list[str]:
    return sorted(p.stem for p in (CONF / group).glob("*.yaml"))


def test_expected_options_exist():
    assert _options("summarizer") == sorted(
        [*MODEL_FREE, *EMBEDDING, *HUB_PRESETS, "seq2seq", "causal", "tiny_bart", "tiny_gpt2",
         "precomputed", "openai_chat"]
    )  # fmt: skip
    assert _options("packing") == ["concat", "equal", "map_reduce", "round_robin"]
    assert _options("metrics") == sorted(
        ["bertscore", "doc_coverage", "extractive", "fact", "rouge", "rouge155", *NEEDS_MODEL]
    )
    assert _options("nli") == ["any", "minicheck", "mnli", "summac_zs", "tiny"]
    assert _options("dataset") == sorted(DATASET_OVERRIDES)
    assert _options("cleaning") == ["default", "off"]
    assert set(_options("budget")) >= {"words100", "words250", "sentences3", "bytes665"}
    assert _options("perturb") == ["drop_one", "duplicate_one", "none", "off_topic", "shuffle"]


def _build(cfg):
    return instantiate(cfg.summarizer, _convert_="all", _partial_=True)(budget=Budget())


@pytest.mark.parametrize("name", [*MODEL_FREE, *EMBEDDING])
def test_every_model_free_and_embedding_summarizer_instantiates(compose_run, name):
    obj = _build(compose_run(f"summarizer={name}"))
    assert isinstance(obj, Summarizer)
    assert obj.name == name


@pytest.mark.parametrize("name", sorted(LOCAL_MODEL))
def test_model_summarizers_instantiate_on_a_local_model(compose_run, tiny_models, name):
    model = tiny_models[LOCAL_MODEL[name]]
    obj = _build(compose_run(f"summarizer={name}", f"summarizer.model={model}"))
    assert isinstance(obj, Summarizer)
    assert obj.name == name
    assert obj.packing.name == "equal"  # the packing group's default reaches the summarizer


@pytest.mark.parametrize("name", HUB_PRESETS)
def test_hub_presets_pin_a_revision_and_fail_offline_with_a_clear_error(compose_run, name):
    cfg = compose_run(f"summarizer={name}")
    assert cfg.summarizer.revision
    assert "/" in cfg.summarizer.model
    with pytest.raises(ValueError, match="not in the local Hugging Face cache"):
        _build(cfg)


def test_precomputed_instantiates_on_a_file(compose_run, tmp_path):
    path = tmp_path / "out.jsonl"
    path.write_text('{"cluster_id": "c", "summary": "S."}\n', encoding="utf-8")
    obj = _build(compose_run("summarizer=precomputed", f"summarizer.path={path}"))
    assert isinstance(obj, Summarizer)
    assert obj.name == "precomputed"


def test_openai_chat_instantiates_from_its_config(compose_run):
    cfg = compose_run(
        "summarizer=openai_chat", "summarizer.base_url=http://127.0.0.1:8000/v1",
        "summarizer.model=m", "packing=round_robin",
    )  # fmt: skip
    obj = _build(cfg)
    assert isinstance(obj, Summarizer)
    assert obj.name == "openai_chat" and obj.packing.name == "round_robin"
    assert obj.options == {"temperature": 0.0, "max_tokens": 512, "seed": 0}


@pytest.mark.parametrize("name", _options("packing"))
def test_every_packing_composes_and_instantiates(compose_run, name):
    from bench.preprocess.packing import Packing

    obj = instantiate(compose_run(f"packing={name}").packing, _convert_="all")
    assert isinstance(obj, Packing)
    assert obj.name == name


# These need a model that is not packaged: test_nli.py and test_bertscore.py check the
# presets' offline error (test_nli.py also instantiates them on a tiny local model).
@pytest.mark.parametrize("name", [m for m in _options("metrics") if m not in NEEDS_MODEL])
def test_every_metric_composes_and_instantiates(compose_run, name):
    cfg = compose_run(f"metrics=[{name}]")
    for node in cfg.metrics.values():
        assert isinstance(instantiate(node, _convert_="all"), Metric)


@pytest.mark.parametrize("name", _options("dataset"))
def test_every_dataset_composes_and_instantiates(compose_run, name):
    cfg = compose_run(f"dataset={name}", *DATASET_OVERRIDES[name])
    assert isinstance(instantiate(cfg.dataset, _convert_="all"), ClusterSource)


@pytest.mark.parametrize("name", _options("budget"))
def test_every_budget_composes_and_instantiates(compose_run, name):
    assert isinstance(instantiate(compose_run(f"budget={name}").budget), Budget)


@pytest.mark.parametrize("name", _options("cleaning"))
def test_every_cleaning_option_composes_and_instantiates(compose_run, name):
    cfg = compose_run(f"cleaning={name}")
    assert isinstance(instantiate(cfg.cleaning, _convert_="all"), CleaningConfig)


@pytest.mark.parametrize("rule", ["max", "mean", "pooled", "jackknife"])
def test_every_multi_reference_rule_is_accepted(compose_run, rule):
    cfg = compose_run(f"metrics.rouge.multi_ref={rule}")
    assert instantiate(cfg.metrics.rouge).scorer.multi_ref == rule


def test_sweep_files_declare_every_model_free_and_embedding_summarizer(compose_run):
    cfg = compose_run("sweep=model_free", hydra=True)
    assert cfg.hydra.sweeper.params.summarizer.split(",") == MODEL_FREE
    cfg = compose_run("sweep=main", hydra=True)
    assert cfg.hydra.sweeper.params.summarizer.split(",") == MODEL_FREE + EMBEDDING


def test_paths_point_into_the_checkout(compose_run):
    cfg = compose_run()
    assert cfg.paths.root == str(ROOT)
    assert cfg.dataset.root == str(ROOT / "data" / "clusters")


@pytest.mark.parametrize("name", _options("perturb"))
def test_every_perturbation_composes_and_instantiates(compose_run, name):
    from bench.perturb import Perturbation

    assert isinstance(instantiate(compose_run(f"perturb={name}").perturb), Perturbation)
