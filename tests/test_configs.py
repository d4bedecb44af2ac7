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


def _options(group: str) -> list[str]:
    return sorted(p.stem for p in (CONF / group).glob("*.yaml"))


def test_expected_options_exist():
    assert _options("summarizer") == ["lead", "oracle", "random"]
    assert _options("metrics") == ["rouge", "rouge155"]
    assert _options("dataset") == ["local", "mattis_pakistan_2017"]
    assert _options("cleaning") == ["default", "off"]
    assert set(_options("budget")) >= {"words100", "words250", "sentences3"}
    assert _options("perturb") == ["drop_one", "duplicate_one", "none", "off_topic", "shuffle"]


@pytest.mark.parametrize("name", _options("summarizer"))
def test_every_summarizer_composes_and_instantiates(compose_run, name):
    cfg = compose_run(f"summarizer={name}")
    obj = instantiate(cfg.summarizer, _convert_="all", _partial_=True)(budget=Budget())
    assert isinstance(obj, Summarizer)
    assert obj.name == name


@pytest.mark.parametrize("name", _options("metrics"))
def test_every_metric_composes_and_instantiates(compose_run, name):
    cfg = compose_run(f"metrics=[{name}]")
    for node in cfg.metrics.values():
        assert isinstance(instantiate(node, _convert_="all"), Metric)


@pytest.mark.parametrize("name", _options("dataset"))
def test_every_dataset_composes_and_instantiates(compose_run, name):
    cfg = compose_run(f"dataset={name}", f"dataset.root={ROOT / 'data' / 'clusters'}")
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


def test_sweep_file_declares_every_model_free_summarizer(compose_run):
    cfg = compose_run("sweep=model_free", hydra=True)
    assert set(cfg.hydra.sweeper.params.summarizer.split(",")) == set(_options("summarizer"))


def test_paths_point_into_the_checkout(compose_run):
    cfg = compose_run()
    assert cfg.paths.root == str(ROOT)
    assert cfg.dataset.root == str(ROOT / "data" / "clusters")


@pytest.mark.parametrize("name", _options("perturb"))
def test_every_perturbation_composes_and_instantiates(compose_run, name):
    from bench.perturb import Perturbation

    assert isinstance(instantiate(compose_run(f"perturb={name}").perturb), Perturbation)
