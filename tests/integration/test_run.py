"""End to end: run(cfg) in-process, the bench-run command, and a sweep with its table."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench.fileio import read_jsonl
from bench.results.comparison import compare
from bench.results.plots import plot_comparison
from bench.results.runrecord import RunRecord
from bench.results.runrecord import find_runs as load_runs
from bench.results.tables import to_csv
from bench.run import run
from tests.conftest import CLUSTER_DIR
from tests.integration.test_configs import MODEL_FREE

ROUGE_KEYS = {f"{t}_{v}" for t in ("rouge1", "rouge2", "rougeL", "rougeLsum") for v in "prf"}


def test_run_writes_summaries_scores_and_provenance(compose_run, tmp_path):
    record = run(compose_run("summarizer=lead"), tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "run.json", "scores.jsonl", "summaries.jsonl", "timing.json",
    ]  # fmt: skip
    (summary,) = read_jsonl(tmp_path / "summaries.jsonl")
    assert summary["cluster_id"] == "mattis_pakistan_2017"
    assert summary["length_words"] == len(summary["summary"].split()) == 100
    (scores,) = read_jsonl(tmp_path / "scores.jsonl")
    assert set(scores["scores"]) == ROUGE_KEYS | {
        "length_words", "length_sentences", "fact_consistency"
    }  # fmt: skip
    assert scores["fact_issues"] == [] and scores["fact_claims"]
    assert scores["summary"] == summary["summary"]
    on_disk = json.loads((tmp_path / "run.json").read_text())
    assert on_disk == json.loads(json.dumps(record))
    for key in (
        "config",
        "seed",
        "git",
        "packages",
        "signatures",
        "summarizer_signature",
        "dataset_signature",
        "metric_signatures",
        "scores",
        "budget",
        "cleaning",
    ):
        assert key in on_disk, key  # fmt: skip
    r1 = on_disk["scores"]["rouge1_f"]
    assert r1["method"] == "jackknife over 4 references (t, df=3)"
    assert r1["low"] < r1["mean"] < r1["high"]
    assert r1["mean"] == scores["scores"]["rouge1_f"]
    sig = on_disk["signatures"]["rouge"]
    for part in (
        "impl:mdsbench-",
        "stem:porter(nltk-default-mode)",
        "multiref:max",
        "len:words=100",
        "ci:jackknife over 4 references",
    ):
        assert part in sig  # fmt: skip
    assert on_disk["dataset_signature"]["splitter"].startswith("pysbd-")
    assert "timestamp" not in json.dumps(on_disk) and "started" not in on_disk


@pytest.mark.parametrize("summarizer", ["lead", "random", "oracle"])
def test_same_config_and_seed_give_byte_identical_results(compose_run, tmp_path, summarizer):
    for name in ("a", "b"):
        run(compose_run(f"summarizer={summarizer}"), tmp_path / name)
    for file in ("summaries.jsonl", "scores.jsonl", "run.json"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes()


def test_seed_changes_random_but_not_lead(compose_run, tmp_path):
    out = {}
    for system in ("random", "lead"):
        for seed in (0, 1):
            run(compose_run(f"summarizer={system}", f"seed={seed}"), tmp_path / f"{system}{seed}")
            out[system, seed] = (tmp_path / f"{system}{seed}" / "summaries.jsonl").read_text()
    assert out["random", 0] != out["random", 1]
    assert out["lead", 0] == out["lead", 1]


def test_budget_applies_to_every_summarizer(compose_run, tmp_path):
    for system in ("lead", "random", "oracle"):
        run(compose_run(f"summarizer={system}", "budget=sentences3"), tmp_path / system)
        (row,) = read_jsonl(tmp_path / system / "summaries.jsonl")
        assert row["length_sentences"] <= 3


@pytest.mark.parametrize("system", MODEL_FREE)
def test_byte_budget_applies_to_every_summarizer_and_is_recorded(compose_run, tmp_path, system):
    cfg = compose_run(f"summarizer={system}", "budget=bytes665", "metrics=[rouge]")
    record = run(cfg, tmp_path)
    (row,) = read_jsonl(tmp_path / "summaries.jsonl")
    lines = row["summary"].split("\n")
    assert row["length_bytes"] == sum(len(line.encode("utf-8")) for line in lines) <= 665
    assert row["length_bytes"] > 600  # filled up to the last sentence that fits, then cut
    assert record["budget"] == "bytes=665"
    assert "|len:bytes=665|" in record["signatures"]["rouge"]
    assert record["scores"]["length_bytes"]["mean"] == row["length_bytes"]


def test_multi_reference_rule_changes_scores_and_signature(compose_run, tmp_path):
    means = {}
    for rule in ("max", "mean", "pooled", "jackknife"):
        record = run(compose_run(f"metrics.rouge.multi_ref={rule}"), tmp_path / rule)
        means[rule] = record["scores"]["rouge2_f"]["mean"]
        assert f"multiref:{rule}" in record["signatures"]["rouge"]
    assert means["max"] >= means["jackknife"] >= means["mean"]
    assert len(set(means.values())) == 4


def _bench(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench.run", *args], capture_output=True, text=True, cwd=cwd,
        timeout=300,
    )  # fmt: skip


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def empty_article_root(tmp_path):
    folder = tmp_path / "clusters" / "c1"
    folder.mkdir(parents=True)
    (folder / "a.txt").write_bytes(b"")
    (folder / "manifest.json").write_text(
        json.dumps({"cluster_id": "c1", "documents": [{"doc_id": "a", "file": "a.txt"}]})
    )
    return tmp_path / "clusters"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["summarizer=nonexistent"], "unknown summarizer 'nonexistent'; available: bart_cnn,"),
        (["-m", "summarizer=lead,nonexistent"], "unknown summarizer 'nonexistent'"),
        (["budget.limit=0"], "budget limit must be a positive integer, got 0"),
        (["dataset.clusters=[no_such_cluster]"], "cluster folder not found"),
        (["dataset=local", "dataset.root=EMPTY_ARTICLE"], "article"),
        (["metrics.rouge.multi_ref=best"], "unknown multi-reference rule 'best'"),
        (["seed=abc"], "seed must be an integer >= 0, got 'abc'"),
        (["metrics=[rouge,rouge155]"], "both produce 'rouge1_p'; select one of them"),
        (["seed=-1"], "seed must be an integer >= 0, got -1"),
        (["stats.n_samples=0"], "stats.n_samples must be an integer from 1 to 1,000,000, got 0"),
        (["stats=nonexistent"], "unknown stats 'nonexistent'"),
        (["paths=nonexistent"], "unknown paths 'nonexistent'"),
        (["summarizer=random", "summarizer.seed=-3"], "seed must be an integer >= 0, got -3"),
        (["-m", "budget.limit=0"], "budget limit must be a positive integer, got 0"),
        (["dataset=local", "dataset.root=EMPTY_ARTICLE", "dataset.require_references=false"],
         "is empty"),
    ],
)  # fmt: skip
def test_bad_input_gives_one_line_error_and_no_results(tmp_path, empty_article_root, args, message):
    results = tmp_path / "results"
    args = [a.replace("EMPTY_ARTICLE", str(empty_article_root)) for a in args]
    proc = _bench(*args, f"paths.results_dir={results}", cwd=tmp_path)
    assert proc.returncode != 0
    errors = [line for line in proc.stderr.splitlines() if line.startswith("bench-run: error:")]
    assert len(errors) == 1, proc.stderr
    assert message in errors[0]
    assert "Traceback" not in proc.stderr
    assert _files(results) == []
    if "EMPTY_ARTICLE" in " ".join(args) or "dataset=local" in args:
        assert "is empty" in errors[0]


def test_sweep_prints_and_writes_the_comparison_table(tmp_path):
    tables = []
    for name in ("one", "two"):
        sweep_dir = tmp_path / name
        proc = _bench("sweep=model_free", f"hydra.sweep.dir={sweep_dir}", cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        assert "| System" in proc.stdout
        for system in MODEL_FREE:
            assert f"| {system} " in proc.stdout
        for suffix in ("csv", "png", "pdf"):
            assert (sweep_dir / f"comparison.{suffix}").stat().st_size > 0
        tables.append((sweep_dir / "comparison.md").read_text())
        assert sorted(p.name for p in sweep_dir.iterdir() if p.is_dir()) == sorted(
            f"summarizer={s}" for s in MODEL_FREE
        )
    # The main job twice: byte-identical results and tables.
    assert tables[0] == tables[1]
    for system in MODEL_FREE:
        for file in ("scores.jsonl", "run.json", "summaries.jsonl"):
            a = tmp_path / "one" / f"summarizer={system}" / file
            b = tmp_path / "two" / f"summarizer={system}" / file
            assert a.read_bytes() == b.read_bytes(), (system, file)
    header = (tmp_path / "one" / "comparison.csv").read_text().splitlines()[0]
    assert header.startswith("system,run_dir,rouge1_f,rouge1_f_low,rouge1_f_high")


# The start-up budget of a model-free run (benchmarks/scale.py) leaves no room for these.
HEAVY = (
    "torch", "transformers", "sentence_transformers", "evaluate", "matplotlib", "nltk",
    "sklearn", "scipy", "datasets", "networkx", "pandas",
)  # fmt: skip


def test_model_free_run_imports_no_heavy_package(tmp_path):
    code = f"""
import sys
from hydra import compose, initialize_config_dir
from pathlib import Path
import bench.run
with initialize_config_dir(config_dir=str(bench.run.CONF_DIR), version_base="1.3"):
    cfg = compose(config_name="run", overrides=["summarizer=oracle"])
bench.run.run(cfg, Path({str(tmp_path)!r}))
print(",".join(sorted(m for m in {HEAVY!r} if m in sys.modules)))
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ""
    assert (tmp_path / "run.json").is_file()


def test_two_clusters_get_a_seeded_bootstrap_over_clusters(compose_run, tmp_path):
    import shutil

    from tests.conftest import CLUSTER_DIR, REFERENCE_DIR

    for cid in ("copy_a", "copy_b"):
        shutil.copytree(CLUSTER_DIR, tmp_path / "clusters" / cid)
        manifest = json.loads((CLUSTER_DIR / "manifest.json").read_text())
        manifest["cluster_id"] = cid
        (tmp_path / "clusters" / cid / "manifest.json").write_text(json.dumps(manifest))
        shutil.copytree(REFERENCE_DIR / "mattis_pakistan_2017", tmp_path / "refs" / cid)
    # make the two clusters differ: the second keeps only the long reference
    refs_b = tmp_path / "refs" / "copy_b" / "manifest.json"
    manifest = json.loads(refs_b.read_text())
    manifest["references"] = manifest["references"][3:]
    refs_b.write_text(json.dumps(manifest))
    overrides = ("dataset=local", f"dataset.root={tmp_path / 'clusters'}",
                 f"dataset.reference_dir={tmp_path / 'refs'}", "stats.n_samples=200")  # fmt: skip
    a = run(compose_run(*overrides), tmp_path / "a")
    b = run(compose_run(*overrides), tmp_path / "b")
    c = run(compose_run(*overrides, "stats.seed=1"), tmp_path / "c")
    r2 = a["scores"]["rouge2_f"]
    assert a["n_clusters"] == 2
    assert r2["method"] == "bootstrap over 2 clusters (percentile, n=200, seed=0)"
    assert r2["low"] < r2["mean"] < r2["high"]
    assert a["scores"] == b["scores"]
    assert c["scores"]["rouge2_f"]["method"].endswith("seed=1)")
    assert "ci:bootstrap over 2 clusters" in a["signatures"]["rouge"]
    assert len(read_jsonl(tmp_path / "a" / "scores.jsonl")) == 2


def test_a_failed_run_never_deletes_what_it_did_not_write(tmp_path):
    existing = tmp_path / "mine" / "run_here"
    existing.mkdir(parents=True)
    (existing / "notes.txt").write_text("keep me")
    proc = _bench("budget.limit=0", f"hydra.run.dir={existing}", cwd=tmp_path)
    assert proc.returncode == 2
    assert (existing / "notes.txt").read_text() == "keep me"
    assert sorted(p.name for p in existing.iterdir()) == ["notes.txt"]


def test_missing_references_with_references_optional_is_a_one_line_error(tmp_path):
    shutil.copytree(CLUSTER_DIR, tmp_path / "clusters" / "mattis_pakistan_2017")
    results = tmp_path / "results"
    proc = _bench("summarizer=oracle", f"dataset.root={tmp_path / 'clusters'}",
                  f"dataset.reference_dir={tmp_path / 'none'}", "dataset.require_references=false",
                  f"paths.results_dir={results}", cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 2
    assert (
        proc.stderr.strip()
        .splitlines()[-1]
        .startswith("bench-run: error: summarizer 'oracle': oracle needs references")
    )
    assert _files(results) == []


def test_a_sweep_over_seeds_keeps_one_run_per_seed(tmp_path):
    sweep = tmp_path / "sweep"
    proc = _bench("-m", "summarizer=random", "seed=0,1", f"hydra.sweep.dir={sweep}", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in sweep.iterdir() if p.is_dir()) == [
        "seed=0,summarizer=random", "seed=1,summarizer=random",
    ]  # fmt: skip
    assert len(load_runs(sweep)) == 2


def test_a_sweep_with_a_bad_job_finishes_the_others_and_exits_2(tmp_path):
    sweep = tmp_path / "sweep"
    proc = _bench("-m", "budget.limit=10,0", f"hydra.sweep.dir={sweep}", cwd=tmp_path)
    assert proc.returncode == 2
    errors = [line for line in proc.stderr.splitlines() if line.startswith("bench-run: error:")]
    assert errors == [
        "bench-run: error: [budget.limit=0] invalid budget configuration: "
        "budget limit must be a positive integer, got 0"
    ]
    assert "1 job(s) failed: budget.limit=0" in proc.stderr
    assert "| lead (budget.limit=10)" in proc.stdout
    assert (sweep / "comparison.md").is_file()
    assert [r.label for r in load_runs(sweep)] == ["lead (budget.limit=10)"]


def test_comparison_csv_names_the_ci_method_of_the_metric_columns(compose_run, tmp_path):
    run(compose_run(), tmp_path / "r")
    import csv

    header, row = list(csv.reader(to_csv(load_runs(tmp_path)).splitlines()))
    assert header[-1] == "ci_method"
    assert row[-1] == "jackknife over 4 references (t, df=3); none (1 cluster)"


def test_plot_survives_an_interval_that_excludes_the_mean(tmp_path):
    record = {"system": "x", "scores": {"rouge1_f": {"mean": 0.5, "low": 0.55, "high": 0.6,
                                                     "method": "m"}},
              "metric_info": {"r": {"name": "r", "keys": {"rouge1_f": {
                  "label": "R-1 F1", "value_range": [0, 1], "scale": 100}}}}}  # fmt: skip
    written = plot_comparison(compare([RunRecord.of(record, tmp_path)]), tmp_path / "plot")
    assert [p.name for p in written] == ["plot.png", "plot.pdf"]


def test_single_cluster_runs_record_scores_against_each_reference(compose_run, tmp_path, cluster):
    from bench.metrics.rouge import Rouge

    record = run(compose_run(), tmp_path)
    (row,) = read_jsonl(tmp_path / "scores.jsonl")
    refs = [r.ref_id for r in cluster.references]
    assert sorted(row["per_reference"]) == sorted(refs)
    single = Rouge().score([row["summary"]], [cluster]).scores[0]
    best = max(row["per_reference"].values(), key=lambda v: v["rouge1_f"])
    assert best["rouge1_f"] == single["rouge1_f"]  # max rule = best single reference
    # the jackknife interval is built from leave-one-reference-out rescoring
    r1 = record["scores"]["rouge1_f"]
    assert r1["method"].startswith("jackknife over 4 references")


def test_perturbation_is_recorded_and_changes_lead(compose_run, tmp_path):
    plain = run(compose_run(), tmp_path / "plain")
    shuffled = run(compose_run("perturb=shuffle"), tmp_path / "shuffled")
    assert plain["perturb"] == {"name": "none"}
    assert shuffled["perturb"]["name"] == "shuffle"
    a = read_jsonl(tmp_path / "plain" / "summaries.jsonl")[0]["summary"]
    b = read_jsonl(tmp_path / "shuffled" / "summaries.jsonl")[0]["summary"]
    assert a != b
