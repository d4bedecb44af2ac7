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


def test_a_sweep_naming_a_dataset_path_keeps_one_flat_folder_per_job(tmp_path):
    import subprocess
    import sys

    data = tmp_path / "in" / "syn.jsonl"
    data.parent.mkdir()
    main([str(data), "--clusters", "2"])
    sweep = tmp_path / "sweep"
    proc = subprocess.run(
        [sys.executable, "-m", "bench.run", "-m", "dataset=jsonl", f"dataset.path={data}",
         "summarizer=lead,random", "metrics=[rouge]", f"hydra.sweep.dir={sweep}"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    escaped = str(data).replace("/", "%2F")
    jobs = sorted(p.name for p in sweep.iterdir() if p.is_dir())
    assert jobs == [
        f"dataset.path={escaped},dataset=jsonl,metrics=[rouge],summarizer={s}"
        for s in ("lead", "random")
    ]
    assert all((sweep / job / "run.json").is_file() for job in jobs)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("summarizer=lead", "summarizer=lead"),
        ("dataset.path=/a/b.jsonl", "dataset.path=%2Fa%2Fb.jsonl"),
        ("..", "%2E."),
        ("../../x", "%2E.%2F..%2Fx"),
        ("a\\b", "a%5Cb"),
        ("a%2Fb", "a%252Fb"),  # distinct from the escaped "a/b"
        ("", ""),
    ],
)
def test_job_folder_names_are_one_safe_path_component(name, expected):
    from bench.run import safe_dirname

    assert safe_dirname(name) == expected


def test_overlong_job_folder_names_are_cut_with_a_hash():
    from bench.run import NAME_MAX, safe_dirname

    a, b = safe_dirname("x" * 300 + "a"), safe_dirname("x" * 300 + "b")
    assert a != b
    assert len(a.encode()) <= NAME_MAX and len(b.encode()) <= NAME_MAX
    assert len(safe_dirname("é" * 200).encode()) <= NAME_MAX


def test_distinct_paragraphs_never_repeat_and_keep_the_sentences(tmp_path):
    plain = list(synthetic_clusters(3, seed=2))
    distinct = list(synthetic_clusters(3, seed=2, distinct=True))
    paragraphs = [p for c in distinct for d in c["documents"] for p in d["text"].split("\n")]
    assert len(set(paragraphs)) == len(paragraphs)
    for a, b in zip(plain, distinct, strict=True):
        assert a["references"] == b["references"]
        for da, db in zip(a["documents"], b["documents"], strict=True):
            lines = db["text"].split("\n")
            assert [line.rsplit(" (Item ", 1)[0] for line in lines] == da["text"].split("\n")
