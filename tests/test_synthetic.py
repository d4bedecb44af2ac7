"""Synthetic scale clusters: seeded, well-formed, loadable by the jsonl dataset config."""

from __future__ import annotations

import json

import pytest
from hydra.utils import instantiate

from bench.data.synthetic import main, synthetic_clusters
from bench.preprocess.clean import Cleaner
from bench.run import run


def test_same_seed_same_bytes_other_seed_other_clusters(tmp_path):
    for name, seed in (("a", 0), ("b", 0), ("c", 1)):
        main([str(tmp_path / f"{name}.jsonl"), "--clusters", "5", "--seed", str(seed)])
    a, b, c = ((tmp_path / f"{n}.jsonl").read_bytes() for n in "abc")
    assert a == b
    assert a != c


def test_clusters_have_the_asked_shape(cluster):
    pool = [s for d in cluster.documents for s in d.sentences]
    rows = list(synthetic_clusters(20, seed=3, documents=4, words=200, pool=pool))
    assert len({r["cluster_id"] for r in rows}) == 20
    for row in rows:
        assert [d["doc_id"] for d in row["documents"]] == ["d1", "d2", "d3", "d4"]
        assert all(len(d["text"].split()) >= 200 for d in row["documents"])
        assert 1 <= len(row["references"]) <= 4
        lines = {s for d in row["documents"] for s in d["text"].split("\n")}
        assert lines <= set(pool)


@pytest.mark.parametrize(
    ("kwargs", "message"), [({"n": 0}, "clusters"), ({"n": 2, "seed": -1}, "seed")]
)
def test_bad_options_are_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        list(synthetic_clusters(**kwargs))


def test_bench_run_scores_a_generated_file(compose_run, tmp_path):
    path = tmp_path / "synthetic.jsonl"
    main([str(path), "--clusters", "12", "--seed", "0", "--words", "120"])
    assert len(path.read_text().splitlines()) == 12
    overrides = ("dataset=jsonl", f"dataset.path={path}", "summarizer=lead", "metrics=[rouge,fact]",
                 f"dataset.cache_dir={tmp_path / 'hf'}")  # fmt: skip
    cfg = compose_run(*overrides)
    clusters = instantiate(cfg.dataset, _convert_="all").load(Cleaner())
    assert len(clusters) == 12
    record = run(cfg, tmp_path / "run", overrides)
    assert record["n_clusters"] == 12
    assert record["scores"]["rouge1_f"]["low"] is not None  # a bootstrap over 12 clusters
    assert json.loads((tmp_path / "run" / "run.json").read_text())["n_clusters"] == 12
