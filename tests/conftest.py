"""Shared fixtures. Offline mode is set before anything imports a Hugging Face library."""

from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CLUSTER_DIR = ROOT / "data" / "clusters" / "mattis_pakistan_2017"
REFERENCE_DIR = ROOT / "reference_summaries"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def cluster():
    """The embedded cluster, cleaned with the default rules, with its references."""
    from bench.data.clusters import LocalClusters
    from bench.preprocess.clean import Cleaner

    source = LocalClusters(str(CLUSTER_DIR.parent), str(REFERENCE_DIR), ["mattis_pakistan_2017"])
    (loaded,) = source.load(Cleaner())
    return loaded


@pytest.fixture
def compose_run():
    """Compose ``conf/run.yaml`` with overrides, as ``bench-run`` would."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    import bench.run  # noqa: F401  (registers the ${bench_root:} resolver)

    def _compose(*overrides: str, hydra: bool = False):
        GlobalHydra.instance().clear()
        with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
            return compose(config_name="run", overrides=list(overrides), return_hydra_config=hydra)

    yield _compose
    GlobalHydra.instance().clear()


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory, cluster):
    """Tiny random BART and GPT-2 with tokenizers trained on the cluster, saved locally."""
    from bench.testing import build_tiny_bart, build_tiny_gpt2

    root = tmp_path_factory.mktemp("tiny-models")
    texts = [s for d in cluster.documents for s in d.sentences]
    return {
        "bart": str(build_tiny_bart(root / "tiny-bart", texts)),
        "gpt2": str(build_tiny_gpt2(root / "tiny-gpt2", texts)),
    }


def check_extractive(summary: str, cluster, budget) -> list[str]:
    """Assert a summary is distinct whole source sentences that just fill the budget."""
    lines = summary.split("\n")
    sources = {s for d in cluster.documents for s in d.sentences}
    assert all(line in sources for line in lines)
    assert len(set(lines)) == len(lines)
    # selection stops as soon as the budget is full, never earlier
    assert budget.full(lines)
    assert not budget.full(lines[:-1])
    return lines


@pytest.fixture(autouse=True)
def _fresh_memos():
    """Each test starts as a new process would: nothing kept by an earlier test's runs."""
    from bench.memo import clear_all

    clear_all()
    yield
    clear_all()
